"""BiSeNet: Yu, Wang, Peng, Gao, Yu and Sang, "BiSeNet: Bilateral Segmentation
Network for Real-time Semantic Segmentation", ECCV 2018 (arXiv:1808.00897).

Two paths with different jobs (Section 3, Figure 2):
- spatial path: three stride-2 conv-BN-ReLU layers, a wide and shallow
  stride-8 map that keeps spatial detail;
- context path: a fast down-sampling backbone (ResNet-18 here, one of the
  paper's two) for a large receptive field; global average pooling on its tail,
  and attention refinement modules (ARM) on its stride-16 and stride-32 maps
  (a channel attention vector from global pooling, 1x1 conv, BN, sigmoid);
- feature fusion module (FFM): the two paths concatenated, conv-BN-ReLU, then
  an SE-like weighting (global pool, 1x1 conv, ReLU, 1x1 conv, sigmoid) added
  back to the features; a 1x1 classifier and x8 up-sampling follow.

`width` is the backbone's first channels (64 in ResNet-18); the spatial path
has width, 2 width, 4 width channels and the context path is reduced to
2 width before fusion. Deviation: no auxiliary losses on the context path (the
engine optimises one output); the backbone trains from scratch.
"""
from jmedseg.backend import jt, nn
from jmedseg.models._blocks import ConvBNReLU, SegmentationModel, concat, segmentation_head, upsample_like
from jmedseg.models._resnet import ResNetEncoder, require_four_stages
from jmedseg.models.registry import register_model


def global_pool(x):
    return x.mean(dims=(2, 3), keepdims=True)


class AttentionRefinement(nn.Module):
    """3x3 conv to `out_ch`, then x * sigmoid(BN(1x1 conv(global pool x))) (Section 3.2, Figure 2(b))."""

    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.conv = ConvBNReLU(in_ch, out_ch)
        self.attention = nn.Sequential(nn.Conv2d(out_ch, out_ch, 1, bias=False), nn.BatchNorm2d(out_ch))

    def execute(self, x):
        x = self.conv(x)
        return x * jt.sigmoid(self.attention(global_pool(x)))


class FeatureFusion(nn.Module):
    """Concatenate, conv-BN-ReLU, SE-like channel weights added back (Section 3.3, Figure 2(c))."""

    def __init__(self, in_ch, out_ch, reduction=4):
        super().__init__()
        self.conv = ConvBNReLU(in_ch, out_ch, kernel_size=1)
        hidden = max(1, out_ch // reduction)
        self.attention = nn.Sequential(nn.Conv2d(out_ch, hidden, 1), nn.ReLU(), nn.Conv2d(hidden, out_ch, 1))

    def execute(self, spatial, context):
        x = self.conv(concat([spatial, context]))
        return x + x * jt.sigmoid(self.attention(global_pool(x)))


class BiSeNet(SegmentationModel):
    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2)):
        super().__init__(in_channels, num_classes)
        require_four_stages(layers)
        self.spatial_path = nn.Sequential(ConvBNReLU(in_channels, width, stride=2),
                                          ConvBNReLU(width, 2 * width, stride=2),
                                          ConvBNReLU(2 * width, 4 * width, stride=2))
        self.backbone = ResNetEncoder(in_channels, width=width, layers=layers)
        c16, c32 = self.backbone.channels[3:]
        self.feature_channels = c32
        context_ch = 2 * width
        self.global_context = ConvBNReLU(c32, context_ch, kernel_size=1)
        self.refine32 = AttentionRefinement(c32, context_ch)
        self.refine16 = AttentionRefinement(c16, context_ch)
        self.smooth32 = ConvBNReLU(context_ch, context_ch)
        self.smooth16 = ConvBNReLU(context_ch, context_ch)
        self.fusion = FeatureFusion(4 * width + context_ch, 4 * width)
        self.head = segmentation_head(4 * width, num_classes)

    def encoder_features(self, x):
        return self.backbone(x)[-1]

    def context_path(self, x, target):
        """Context features at the spatial path's resolution (`target`)."""
        f16, f32 = self.backbone(x)[3:]
        y = self.refine32(f32) + self.global_context(global_pool(f32))
        y = self.smooth32(upsample_like(y, f16))
        y = self.refine16(f16) + y
        return self.smooth16(upsample_like(y, target))

    def segment(self, x):
        spatial = self.spatial_path(x)
        return upsample_like(self.head(self.fusion(spatial, self.context_path(x, spatial))), x)


@register_model
def bisenet(in_channels, num_classes, **kwargs):
    return BiSeNet(in_channels, num_classes, **kwargs)
