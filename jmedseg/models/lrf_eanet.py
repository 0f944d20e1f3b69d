"""Large-receptive-field EANet: the `lrfea` network of the bone-density paper's
released code (THU-CVlab/JMedSegV2); it has no paper of its own.

Encoder, a ResNet-like backbone that down-samples by patch merging instead of
strided convolutions or pooling, as Swin Transformer does between its stages
(Liu et al., ICCV 2021, Section 3.1), and keeps its resolution at stride 16:
- patch merging: a 2x2 stride-2 convolution to 4x the channels (each output
  pixel sees its 2x2 patch), group norm, ReLU, then a 1x1 convolution to the
  stage's channels, group norm, ReLU;
- aggregation blocks: a 3x3 convolution (dilated) to twice the channels, group
  norm, ReLU, a 1x1 convolution back, group norm, plus the input, ReLU;
- stem: patch merging to `width`, one block, patch merging (stride 4); then
  stages of `layers` blocks at width, 2 width, 4 width, 8 width channels and
  strides 4, 8, 16, 16 (patch merging between the first three, a 1x1
  conv-GN-ReLU before the last); dilation rates cycle through (1,), (1,),
  (1, 1, 2) and (1, 2, 4, 8) in the four stages, so the deep stages see far
  without losing resolution (the large receptive field).
Head: external attention with 64 memory units (Guo et al., IEEE TPAMI 2022,
see `eanet`), then "patch splitting": a 1x1 convolution to 4x the channels and
a 2x2 stride-2 transposed convolution to half (group norm, ReLU each), dropout,
a 2x2 stride-2 transposed convolution to the classes (stride 4) and bilinear
up-sampling to the input size.

Width 64 and layers (5, 5, 18, 4) are the released network; the default
width 32 is about a quarter of its cost. The external-attention block uses
batch norm (the zoo's shared block) where the released one uses group norm.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import SegmentationModel, upsample_like
from jmedseg.models._group_norm import ConvGN, norm_groups
from jmedseg.models.eanet import ExternalAttention
from jmedseg.models.registry import register_model

STAGE_DILATIONS = ((1,), (1,), (1, 1, 2), (1, 2, 4, 8))


class PatchMerge(nn.Sequential):
    """Halve the resolution: 2x2 stride-2 conv to 4x the channels, GN, ReLU; 1x1 conv to `out_ch`, GN, ReLU."""

    def __init__(self, in_ch, out_ch):
        super().__init__(ConvGN(in_ch, 4 * in_ch, kernel_size=2, stride=2), ConvGN(4 * in_ch, out_ch, kernel_size=1))


class PatchSplit(nn.Sequential):
    """Double the resolution: 1x1 conv to 4x the channels, GN, ReLU; 2x2 stride-2 transposed conv, GN, ReLU."""

    def __init__(self, in_ch, out_ch):
        super().__init__(ConvGN(in_ch, 4 * in_ch, kernel_size=1),
                         nn.ConvTranspose2d(4 * in_ch, out_ch, 2, stride=2, bias=False),
                         nn.GroupNorm(norm_groups(out_ch), out_ch), nn.ReLU())


class AggregationBlock(nn.Module):
    """Residual: 3x3 conv (dilated) to 2x channels, GN, ReLU, 1x1 conv back, GN; plus the input, ReLU."""

    def __init__(self, channels, dilation=1):
        super().__init__()
        self.body = nn.Sequential(ConvGN(channels, 2 * channels, dilation=dilation),
                                  ConvGN(2 * channels, channels, kernel_size=1, relu=False))

    def execute(self, x):
        return nn.relu(self.body(x) + x)


def aggregation_stage(channels, blocks, dilations):
    return nn.Sequential(*[AggregationBlock(channels, dilations[k % len(dilations)]) for k in range(blocks)])


class LRFEANet(SegmentationModel):
    def __init__(self, in_channels, num_classes, width=32, layers=(5, 5, 18, 4), memory_units=64, dropout=0.1):
        super().__init__(in_channels, num_classes)
        if len(layers) != 4 or min(layers) < 1:
            raise ValueError(f"the backbone has four stages; layers must give four block counts >= 1, got {layers}")
        c = [width, 2 * width, 4 * width, 8 * width]
        self.feature_channels = c[3]
        self.stem = nn.Sequential(PatchMerge(in_channels, c[0]), AggregationBlock(c[0]), PatchMerge(c[0], c[0]))
        self.stages = nn.Sequential(
            aggregation_stage(c[0], layers[0], STAGE_DILATIONS[0]),
            PatchMerge(c[0], c[1]),
            aggregation_stage(c[1], layers[1], STAGE_DILATIONS[1]),
            PatchMerge(c[1], c[2]),
            aggregation_stage(c[2], layers[2], STAGE_DILATIONS[2]),
            ConvGN(c[2], c[3], kernel_size=1),
            aggregation_stage(c[3], layers[3], STAGE_DILATIONS[3]),
        )
        self.attention = ExternalAttention(c[3], memory_units)
        self.split = nn.Sequential(PatchSplit(c[3], c[2]), nn.Dropout(dropout))
        self.head = nn.ConvTranspose2d(c[2], num_classes, 2, stride=2)

    def encoder_features(self, x):
        return self.stages(self.stem(x))  # (N, 8 width, H/16, W/16)

    def segment(self, x):
        y = self.attention(self.encoder_features(x))
        return upsample_like(self.head(self.split(y)), x)


@register_model
def lrf_eanet(in_channels, num_classes, **kwargs):
    return LRFEANet(in_channels, num_classes, **kwargs)
