"""UNet 3+: Huang et al., "UNet 3+: A Full-Scale Connected UNet for Medical
Image Segmentation", ICASSP 2020 (arXiv:2004.08790).

Full-scale skip connections (Section 2.1, Figure 2): each decoder node X_De^i
receives every scale. Finer encoder maps are max-pooled down to its
resolution, the same-scale encoder map is taken as is, and coarser decoder maps
(the deepest encoder map counting as decoder 5) are bilinearly up-sampled; each
of the five inputs passes a 3x3 conv-BN-ReLU to `width` channels (64 in the
paper), they are concatenated (5 x width) and fused by a 3x3 conv-BN-ReLU.
The encoder is UNet's with five scales. The classification-guided module and
the full-scale deep supervision of the paper are training aids not included.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, DoubleConv, concat
from jmedseg.models._unet_base import MultiScaleModel, pooled_encode, unet_channels
from jmedseg.models.registry import register_model

LEVELS = 5


class UNet3Plus(MultiScaleModel):
    def __init__(self, in_channels, num_classes, width=32):
        super().__init__(in_channels, num_classes)
        chans = unet_channels(width, LEVELS - 1)
        self.feature_channels = chans[-1]
        fused = LEVELS * width
        self.encoder = nn.ModuleList([DoubleConv(in_channels, chans[0])] +
                                     [DoubleConv(chans[i], chans[i + 1]) for i in range(LEVELS - 1)])
        # branches[i][k]: source level k -> decoder level i (0 = full resolution).
        self.branches = nn.ModuleList()
        self.fusions = nn.ModuleList()
        for i in range(LEVELS - 1):
            sources = [chans[k] if k <= i or k == LEVELS - 1 else fused for k in range(LEVELS)]
            self.branches.append(nn.ModuleList([ConvBNReLU(c, width) for c in sources]))
            self.fusions.append(ConvBNReLU(fused, fused))
        self.head = nn.Conv2d(fused, num_classes, 3, padding=1)

    def encode(self, x):
        return pooled_encode(self.encoder, x)

    def segment(self, x):
        enc = self.encode(x)
        dec = {LEVELS - 1: enc[-1]}
        for i in reversed(range(LEVELS - 1)):
            parts = []
            for k, branch in enumerate(self.branches[i]):
                if k < i:
                    src = nn.max_pool2d(enc[k], 2 ** (i - k), 2 ** (i - k))
                elif k == i:
                    src = enc[k]
                else:
                    src = nn.interpolate(dec[k], scale_factor=2 ** (k - i), mode="bilinear", align_corners=False)
                parts.append(branch(src))
            dec[i] = self.fusions[i](concat(parts))
        return self.head(dec[0])


@register_model
def unet3p(in_channels, num_classes, **kwargs):
    return UNet3Plus(in_channels, num_classes, **kwargs)
