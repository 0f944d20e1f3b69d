"""LinkNet and D-LinkNet.

LinkNet: Chaurasia and Culurciello, "LinkNet: Exploiting Encoder Representations
for Efficient Semantic Segmentation", VCIP 2017 (arXiv:1707.03718). A ResNet-18
encoder; each decoder block (1x1 conv to m/4, 3x3 full (transposed) convolution
x2, 1x1 conv to n; Figure 3) is *added* to the encoder output of the same
resolution, which links spatial detail to the decoder at no extra parameters.
The final block is a 3x3 full conv x2, a 3x3 conv and a 2x2 full conv x2 to the
classes (Figure 1).

D-LinkNet: Zhou, Zhang and Wu, "D-LinkNet: LinkNet with Pretrained Encoder and
Dilated Convolution for High Resolution Satellite Imagery Road Extraction",
CVPR Workshops 2018. LinkNet with a ResNet-34 encoder and a centre block of
cascaded dilated convolutions (rates 1, 2, 4, 8) whose outputs are summed with
its input (Section 2.2, Figure 2), enlarging the receptive field while keeping
the resolution. Its final block is a 4x4 transposed conv x2 and two 3x3 convs.

`width` is the first stage's channels (64 in both papers). Pretrained weights
are not used: the encoder trains from scratch.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, SegmentationModel
from jmedseg.models._resnet import ResNetEncoder, require_four_stages
from jmedseg.models.registry import register_model


class DeconvBNReLU(nn.Sequential):
    """Transposed convolution that doubles the resolution exactly, then BN and ReLU."""

    def __init__(self, in_ch, out_ch, kernel_size=3):
        # kernel 3: padding 1 + output_padding 1; kernel 4: padding 1; both give 2x the size.
        padding, output_padding = (1, 1) if kernel_size == 3 else (1, 0)
        super().__init__(
            nn.ConvTranspose2d(in_ch, out_ch, kernel_size, stride=2, padding=padding,
                               output_padding=output_padding, bias=False),
            nn.BatchNorm2d(out_ch),
            nn.ReLU(),
        )


class LinkNetDecoderBlock(nn.Sequential):
    """1x1 conv (m -> m/4), 3x3 full conv x2, 1x1 conv (m/4 -> n) (LinkNet, Figure 3).

    With `upsample=False` the middle layer keeps the resolution: it mirrors the
    first ResNet stage, which has stride 1.
    """

    def __init__(self, in_ch, out_ch, upsample=True):
        mid = max(1, in_ch // 4)
        middle = DeconvBNReLU(mid, mid) if upsample else ConvBNReLU(mid, mid)
        super().__init__(ConvBNReLU(in_ch, mid, kernel_size=1), middle, ConvBNReLU(mid, out_ch, kernel_size=1))


class DilatedCenter(nn.Module):
    """D-LinkNet centre: cascaded 3x3 convs with dilation 1, 2, 4, 8; input plus every stage's output."""

    def __init__(self, channels, rates=(1, 2, 4, 8)):
        super().__init__()
        self.stages = nn.ModuleList([
            nn.Sequential(nn.Conv2d(channels, channels, 3, padding=r, dilation=r), nn.ReLU()) for r in rates
        ])

    def execute(self, x):
        total, y = x, x
        for stage in self.stages:
            y = stage(y)
            total = total + y
        return total


class LinkNet(SegmentationModel):
    """ResNet encoder + LinkNet decoder; `center` (a module or None) sits between them.

    `final="linknet"`: the first decoder block keeps stride 4 and the final block
    up-samples twice (LinkNet); `final="dlinknet"`: every decoder block
    up-samples and the final block once (D-LinkNet, CE-Net).
    """

    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2), center=None,
                 final="linknet", center_channels=None):
        super().__init__(in_channels, num_classes)
        if final not in ("linknet", "dlinknet"):
            raise ValueError(f"final must be 'linknet' or 'dlinknet', got {final!r}")
        require_four_stages(layers)
        self.encoder = ResNetEncoder(in_channels, width=width, layers=layers)
        chans = self.encoder.channels[1:]  # strides 4, 8, 16, 32
        self.feature_channels = chans[-1]
        self.center = center
        deepest = center_channels or chans[-1]
        self.decoders = nn.ModuleList([
            LinkNetDecoderBlock(deepest if i == 3 else chans[i], chans[i - 1] if i else chans[0],
                                upsample=i > 0 or final == "dlinknet")
            for i in range(4)
        ])
        half = max(1, width // 2)
        if final == "linknet":
            self.final = nn.Sequential(DeconvBNReLU(width, half), ConvBNReLU(half, half),
                                       nn.ConvTranspose2d(half, num_classes, 2, stride=2))
        else:
            self.final = nn.Sequential(DeconvBNReLU(width, half, kernel_size=4), ConvBNReLU(half, half),
                                       nn.Conv2d(half, num_classes, 3, padding=1))

    def encoder_features(self, x):
        return self.encoder(x)[-1]

    def segment(self, x):
        skips = self.encoder(x)[1:]
        y = skips[-1] if self.center is None else self.center(skips[-1])
        for i in reversed(range(1, 4)):
            y = self.decoders[i](y) + skips[i - 1]
        return self.final(self.decoders[0](y))


@register_model
def linknet(in_channels, num_classes, width=64, **kwargs):
    """LinkNet with its ResNet-18 encoder."""
    return LinkNet(in_channels, num_classes, width=width, **kwargs)


@register_model
def dlinknet(in_channels, num_classes, width=64, layers=(3, 4, 6, 3), **kwargs):
    """D-LinkNet34: ResNet-34 encoder, dilated centre, D-LinkNet final block."""
    center = DilatedCenter(8 * width)
    return LinkNet(in_channels, num_classes, width=width, layers=layers, center=center, final="dlinknet",
                   **kwargs)
