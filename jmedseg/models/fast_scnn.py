"""Fast-SCNN: Poudel, Liwicki and Cipolla, "Fast-SCNN: Fast Semantic
Segmentation Network", BMVC 2019 (arXiv:1902.04502).

A real-time two-branch network that shares its first layers between the
branches (Section 3.2, Table 1):
- learning to down-sample: a 3x3 stride-2 convolution and two stride-2
  depthwise-separable convolutions (stride 8; 32, 48, 64 channels);
- global feature extractor: MobileNetV2 inverted-residual bottlenecks
  (expansion 6; 64, 96, 128 channels; strides 2, 2, 1; three blocks each), to
  stride 32, then a PSPNet pyramid pooling module;
- feature fusion (Table 2): the stride-8 features through a 1x1 convolution,
  plus the global features up-sampled x4, passed through a 3x3 depthwise
  convolution with dilation 4 and a 1x1 convolution; summed, then ReLU;
- classifier: two depthwise-separable convolutions and a 1x1 convolution,
  up-sampled x8.

`width` is the first layer's channels (32 in the paper); all others scale
with it in the paper's proportions.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBN, ConvBNReLU, SegmentationModel, segmentation_head, upsample_like
from jmedseg.models.pspnet import PyramidPooling
from jmedseg.models.registry import register_model


class DepthwiseSeparableConv(nn.Sequential):
    """3x3 depthwise then 1x1 pointwise convolution, each with BN and ReLU (MobileNet)."""

    def __init__(self, in_ch, out_ch, stride=1):
        super().__init__(ConvBNReLU(in_ch, in_ch, stride=stride, groups=in_ch),
                         ConvBNReLU(in_ch, out_ch, kernel_size=1))


class InvertedResidual(nn.Module):
    """MobileNetV2 bottleneck: 1x1 expand, 3x3 depthwise, linear 1x1 project (Sandler et al., 2018)."""

    def __init__(self, in_ch, out_ch, stride=1, expansion=6):
        super().__init__()
        hidden = in_ch * expansion
        self.residual = stride == 1 and in_ch == out_ch
        self.block = nn.Sequential(ConvBNReLU(in_ch, hidden, kernel_size=1),
                                   ConvBNReLU(hidden, hidden, stride=stride, groups=hidden),
                                   ConvBN(hidden, out_ch))  # linear: no ReLU on the bottleneck

    def execute(self, x):
        y = self.block(x)
        return x + y if self.residual else y


def bottleneck_stage(in_ch, out_ch, blocks, stride):
    return nn.Sequential(*[InvertedResidual(in_ch if i == 0 else out_ch, out_ch, stride if i == 0 else 1)
                           for i in range(blocks)])


class FastSCNN(SegmentationModel):
    def __init__(self, in_channels, num_classes, width=32, blocks=3):
        super().__init__(in_channels, num_classes)
        c32, c48, c64, c96, c128 = (width * f // 2 for f in (2, 3, 4, 6, 8))
        self.feature_channels = c128
        self.learning_to_downsample = nn.Sequential(
            ConvBNReLU(in_channels, c32, stride=2),
            DepthwiseSeparableConv(c32, c48, stride=2),
            DepthwiseSeparableConv(c48, c64, stride=2),
        )
        pyramid = PyramidPooling(c128)
        self.global_features = nn.Sequential(
            bottleneck_stage(c64, c64, blocks, stride=2),
            bottleneck_stage(c64, c96, blocks, stride=2),
            bottleneck_stage(c96, c128, blocks, stride=1),
            pyramid,
            ConvBNReLU(pyramid.out_channels, c128, kernel_size=1),
        )
        self.fuse_high = ConvBN(c64, c128)
        self.fuse_low = nn.Sequential(ConvBNReLU(c128, c128, dilation=4, groups=c128), ConvBN(c128, c128))
        self.classifier = nn.Sequential(DepthwiseSeparableConv(c128, c128), DepthwiseSeparableConv(c128, c128),
                                        nn.Dropout(0.1), segmentation_head(c128, num_classes))

    def encoder_features(self, x):
        return self.global_features(self.learning_to_downsample(x))

    def segment(self, x):
        high = self.learning_to_downsample(x)
        low = self.global_features(high)
        fused = nn.relu(self.fuse_high(high) + self.fuse_low(upsample_like(low, high)))
        return upsample_like(self.classifier(fused), x)


@register_model
def fast_scnn(in_channels, num_classes, **kwargs):
    return FastSCNN(in_channels, num_classes, **kwargs)
