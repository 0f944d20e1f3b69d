"""DeepLabV3+: Chen, Zhu, Papandreou, Schroff and Adam, "Encoder-Decoder with
Atrous Separable Convolution for Semantic Image Segmentation", ECCV 2018
(arXiv:1802.02611).

Encoder: a ResNet with output stride 16 (the last stage dilated instead of
strided) and Atrous Spatial Pyramid Pooling (DeepLabV3, Chen et al. 2017,
arXiv:1706.05587, Section 3.3): a 1x1 convolution, three 3x3 atrous
convolutions with rates 6, 12, 18 and image-level pooling, concatenated and
projected by a 1x1 convolution. Decoder (Section 3.1, Figure 2): the ASPP
output up-sampled x4 and concatenated with the stride-4 encoder features
reduced to 48 channels by a 1x1 convolution, refined by two 3x3 convolutions,
classified and up-sampled x4.

Deviation: the paper's backbones are ResNet-101 and an aligned Xception with
depthwise-separable convolutions; here a small ResNet (basic blocks, ResNet-18
depths by default) trained from scratch. Channel counts follow the paper at
`width=64` (ASPP 256, low-level projection 48) and scale with `width`.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, concat, segmentation_head, upsample_like
from jmedseg.models._resnet import ResNetSegmenter
from jmedseg.models.registry import register_model


class ImagePooling(nn.Module):
    """Global average pool, 1x1 conv-BN-ReLU, broadcast back to the map (DeepLabV3, Section 3.3)."""

    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.project = ConvBNReLU(in_ch, out_ch, kernel_size=1)

    def execute(self, x):
        return upsample_like(self.project(x.mean(dims=(2, 3), keepdims=True)), x)


class ASPP(nn.Module):
    def __init__(self, in_ch, out_ch, rates=(6, 12, 18)):
        super().__init__()
        self.branches = nn.ModuleList(
            [ConvBNReLU(in_ch, out_ch, kernel_size=1)]
            + [ConvBNReLU(in_ch, out_ch, dilation=r) for r in rates]
            + [ImagePooling(in_ch, out_ch)]
        )
        self.project = ConvBNReLU(out_ch * len(self.branches), out_ch, kernel_size=1)

    def execute(self, x):
        return self.project(concat([branch(x) for branch in self.branches]))


class DeepLabV3Plus(ResNetSegmenter):
    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2), rates=(6, 12, 18)):
        super().__init__(in_channels, num_classes, width=width, layers=layers, output_stride=16)
        aspp_ch = 4 * width
        low_ch = max(1, 3 * width // 4)
        self.aspp = ASPP(self.feature_channels, aspp_ch, rates)
        self.reduce_low_level = ConvBNReLU(self.encoder.channels[1], low_ch, kernel_size=1)
        self.refine = nn.Sequential(ConvBNReLU(aspp_ch + low_ch, aspp_ch), ConvBNReLU(aspp_ch, aspp_ch))
        self.head = segmentation_head(aspp_ch, num_classes)

    def decode(self, features):
        low = self.reduce_low_level(features[1])
        y = upsample_like(self.aspp(features[-1]), low)
        return self.head(self.refine(concat([y, low])))


@register_model
def deeplabv3p(in_channels, num_classes, **kwargs):
    return DeepLabV3Plus(in_channels, num_classes, **kwargs)
