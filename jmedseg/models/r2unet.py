"""R2U-Net and R2AttU-Net: Alom et al., "Recurrent Residual Convolutional Neural
Network based on U-Net (R2U-Net) for Medical Image Segmentation", 2018
(arXiv:1802.06955).

Each UNet stage is a recurrent residual convolutional unit (RRCU, Section III,
Figure 4d): a 1x1 convolution sets the channel count, then two recurrent
convolutional layers, each applying one shared 3x3 conv-BN-ReLU t+1 times to
the sum of its input and its previous output (Eq. 1-2, t=2 in the paper), and a
residual addition of the unit's input. R2AttU-Net adds the attention gates of
Oktay et al. (2018) to the skip connections.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU
from jmedseg.models._unet_base import SkipUNet
from jmedseg.models.attention_unet import AttentionGate
from jmedseg.models.registry import register_model


class RecurrentConv(nn.Module):
    """One recurrent convolutional layer unfolded for t steps: h = f(x), then h = f(x + h) t times."""

    def __init__(self, channels, t):
        super().__init__()
        if t < 1:
            raise ValueError(f"recurrent steps t must be >= 1, got {t}")
        self.t = t
        self.conv = ConvBNReLU(channels, channels)

    def execute(self, x):
        h = self.conv(x)
        for _ in range(self.t):
            h = self.conv(x + h)
        return h


class RRCNNBlock(nn.Module):
    """Recurrent residual unit: 1x1 projection, two recurrent conv layers, residual sum."""

    def __init__(self, in_ch, out_ch, t=2):
        super().__init__()
        self.project = nn.Conv2d(in_ch, out_ch, 1)
        self.recurrent = nn.Sequential(RecurrentConv(out_ch, t), RecurrentConv(out_ch, t))

    def execute(self, x):
        x = self.project(x)
        return x + self.recurrent(x)


class R2UNet(SkipUNet):
    def __init__(self, in_channels, num_classes, width=32, depth=4, t=2, attention=False):
        super().__init__(in_channels, num_classes, width, depth,
                         stage=lambda i, o, stride: RRCNNBlock(i, o, t),
                         upsample="bilinear_conv", gate=AttentionGate if attention else None)


@register_model
def r2unet(in_channels, num_classes, **kwargs):
    return R2UNet(in_channels, num_classes, **kwargs)


@register_model
def r2attunet(in_channels, num_classes, **kwargs):
    """R2U-Net with attention-gated skips (R2AttU-Net)."""
    return R2UNet(in_channels, num_classes, **{**kwargs, "attention": True})
