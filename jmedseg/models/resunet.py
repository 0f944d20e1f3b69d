"""ResUNet (deep residual U-Net): Zhang, Liu and Wang, "Road Extraction by Deep
Residual U-Net", IEEE GRSL 2018 (arXiv:1711.10684).

UNet stages replaced by pre-activation residual units (BN-ReLU-conv twice plus
an identity or 1x1 shortcut, Section II-B, Figure 2). The encoder halves the
resolution with a stride-2 first convolution instead of pooling; the decoder
up-samples bilinearly, concatenates the skip and applies a residual unit. The
first unit starts with a plain convolution (its input is the image). The paper
uses three down-samplings (64-128-256 channels and a 512-channel bridge).
"""
from jmedseg.backend import nn
from jmedseg.models._unet_base import SkipUNet
from jmedseg.models.registry import register_model


class PreActResidualUnit(nn.Module):
    """[BN-ReLU-]conv3x3(stride)-BN-ReLU-conv3x3 plus a (projected) shortcut."""

    def __init__(self, in_ch, out_ch, stride=1, first=False):
        super().__init__()
        pre = [] if first else [nn.BatchNorm2d(in_ch), nn.ReLU()]
        self.body = nn.Sequential(
            *pre,
            nn.Conv2d(in_ch, out_ch, 3, stride=stride, padding=1),
            nn.BatchNorm2d(out_ch), nn.ReLU(),
            nn.Conv2d(out_ch, out_ch, 3, padding=1),
        )
        self.shortcut = None
        if stride != 1 or in_ch != out_ch:
            self.shortcut = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, stride=stride), nn.BatchNorm2d(out_ch))

    def execute(self, x):
        return self.body(x) + (x if self.shortcut is None else self.shortcut(x))


class ResUNet(SkipUNet):
    def __init__(self, in_channels, num_classes, width=32, depth=3):
        super().__init__(in_channels, num_classes, width, depth, stage=PreActResidualUnit,
                         downsample="stride", upsample="bilinear",
                         stem=lambda i, o: PreActResidualUnit(i, o, first=True))


@register_model
def resunet(in_channels, num_classes, **kwargs):
    return ResUNet(in_channels, num_classes, **kwargs)
