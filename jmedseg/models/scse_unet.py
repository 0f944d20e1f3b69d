"""SCSE-UNet: Roy, Navab and Wachinger, "Concurrent Spatial and Channel
'Squeeze & Excitation' in Fully Convolutional Networks", MICCAI 2018
(arXiv:1803.02579).

A UNet with an scSE block after every encoder and decoder stage (Section 2,
Figure 1). cSE squeezes space by global average pooling and excites channels
through a two-layer bottleneck (reduction 2 in the paper) and a sigmoid; sSE
squeezes channels with a 1x1 convolution to one map and excites each pixel
through a sigmoid; scSE adds the two recalibrated maps.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import DoubleConv
from jmedseg.models._unet_base import SkipUNet
from jmedseg.models.registry import register_model


class SCSEBlock(nn.Module):
    """x * cSE(x) + x * sSE(x)."""

    def __init__(self, channels, reduction=2):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.channel_gate = nn.Sequential(
            nn.AdaptiveAvgPool2d(1),
            nn.Conv2d(channels, hidden, 1), nn.ReLU(),
            nn.Conv2d(hidden, channels, 1), nn.Sigmoid(),
        )
        self.spatial_gate = nn.Sequential(nn.Conv2d(channels, 1, 1), nn.Sigmoid())

    def execute(self, x):
        return x * self.channel_gate(x) + x * self.spatial_gate(x)


class SCSEUNet(SkipUNet):
    def __init__(self, in_channels, num_classes, width=32, depth=4, reduction=2):
        super().__init__(in_channels, num_classes, width, depth,
                         stage=lambda i, o, stride: nn.Sequential(DoubleConv(i, o), SCSEBlock(o, reduction)))


@register_model
def scse_unet(in_channels, num_classes, **kwargs):
    return SCSEUNet(in_channels, num_classes, **kwargs)
