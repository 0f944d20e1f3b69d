"""Attention U-Net: Oktay et al., "Attention U-Net: Learning Where to Look for
the Pancreas", MIDL 2018 (arXiv:1804.03999).

A UNet whose skip connections pass through additive attention gates (Section
2, Figure 2): the coarser decoder feature g and the skip feature x are each
projected by a 1x1 convolution, summed, passed through ReLU, a 1x1 convolution
to one channel and a sigmoid; the skip is multiplied by these coefficients, so
the decoder only receives the regions the deeper context points at. Here the
gating signal is the decoder feature after up-sampling, so g and x share one
grid and the coefficients need no resampling.
"""
from jmedseg.backend import jt, nn
from jmedseg.models._blocks import DoubleConv
from jmedseg.models._fused import BatchNormReLU
from jmedseg.models._unet_base import SkipUNet
from jmedseg.models.registry import register_model


class AttentionGate(nn.Module):
    """Additive attention gate (Oktay et al. 2018, Eq. 1-2): skip * sigmoid(psi(relu(Wg g + Wx x)))."""

    def __init__(self, gating_ch, skip_ch, inter_ch):
        super().__init__()
        # batch norm alone through the fused CPU kernels (models/_fused.py): same state dict keys
        self.w_g = nn.Sequential(nn.Conv2d(gating_ch, inter_ch, 1), BatchNormReLU(inter_ch, relu=False))
        self.w_x = nn.Sequential(nn.Conv2d(skip_ch, inter_ch, 1, bias=False), BatchNormReLU(inter_ch, relu=False))
        self.psi = nn.Sequential(nn.Conv2d(inter_ch, 1, 1), BatchNormReLU(1, relu=False))

    def execute(self, g, skip):
        alpha = jt.sigmoid(self.psi(nn.relu(self.w_g(g) + self.w_x(skip))))
        return skip * alpha


class AttentionUNet(SkipUNet):
    def __init__(self, in_channels, num_classes, width=32, depth=4):
        super().__init__(in_channels, num_classes, width, depth,
                         stage=lambda i, o, stride: DoubleConv(i, o),
                         upsample="bilinear_conv", gate=AttentionGate)


@register_model
def attention_unet(in_channels, num_classes, **kwargs):
    return AttentionUNet(in_channels, num_classes, **kwargs)
