"""ENet: Paszke, Chaurasia, Kim and Culurciello, "ENet: A Deep Neural Network
Architecture for Real-Time Semantic Segmentation" (arXiv:1606.02147, 2016).

A small, fast encoder-decoder (Section 3, Table 1) built from ResNet-style
bottlenecks (Figure 2(b)): a 1x1 projection to a quarter of the channels, a
main convolution (regular 3x3, dilated 3x3, asymmetric 5x1 + 1x5, or a
transposed 3x3 for up-sampling), a 1x1 expansion, spatial dropout, added to
the shortcut; batch norm and PReLU between the convolutions.
- initial block (Figure 2(a)): a stride-2 3x3 convolution concatenated with
  2x2 max pooling of the input;
- stage 1: a down-sampling bottleneck (2x2 stride-2 projection; the shortcut
  max-pools, keeping the indices, and zero-pads channels) and 4 bottlenecks;
- stages 2 and 3: regular, dilated 2, asymmetric 5, dilated 4, regular,
  dilated 8, asymmetric 5, dilated 16 (stage 2 starts with a down-sampling);
- stages 4 and 5: up-sampling bottlenecks whose shortcut max-unpools with the
  indices of the matching down-sampling, then regular bottlenecks;
- a final 2x2 transposed convolution to the classes.

`width` is the initial block's output channels (16 in the paper); stages use
4 and 8 times that. The initial convolution has `width - in_channels` filters
(13 for RGB) so that the concatenation has `width` channels.
"""
from jmedseg.backend import jt, nn
from jmedseg.models._blocks import ConvBN, SegmentationModel, concat, pool2x2
from jmedseg.models.segnet import max_pool_with_switches, unpool_with_switches
from jmedseg.models.registry import register_model


class ConvBNPReLU(nn.Sequential):
    def __init__(self, in_ch, out_ch, kernel_size=(1, 1), stride=1, dilation=1):
        padding = tuple(dilation * (k - 1) // 2 for k in kernel_size)
        super().__init__(nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding,
                                   dilation=dilation, bias=False),
                         nn.BatchNorm2d(out_ch), nn.PReLU(out_ch))


class Bottleneck(nn.Module):
    """Regular, dilated (`dilation` > 1) or asymmetric (`asymmetric=True`) bottleneck, same size in and out."""

    def __init__(self, channels, dilation=1, asymmetric=False, dropout=0.1):
        super().__init__()
        inner = max(1, channels // 4)
        if asymmetric:
            middle = nn.Sequential(ConvBNPReLU(inner, inner, (5, 1)), ConvBNPReLU(inner, inner, (1, 5)))
        else:
            middle = ConvBNPReLU(inner, inner, (3, 3), dilation=dilation)
        self.extension = nn.Sequential(ConvBNPReLU(channels, inner), middle, ConvBN(inner, channels),
                                       nn.Dropout2d(dropout))
        self.activation = nn.PReLU(channels)

    def execute(self, x):
        return self.activation(x + self.extension(x))


class DownsamplingBottleneck(nn.Module):
    """Halves the resolution; returns the output and the shortcut's max-pooling switches."""

    def __init__(self, in_ch, out_ch, dropout=0.1):
        super().__init__()
        if out_ch < in_ch:
            raise ValueError(f"ENet down-sampling widens the channels, got {in_ch} -> {out_ch}; raise width")
        inner = max(1, in_ch // 4)
        self.extra_channels = out_ch - in_ch
        self.extension = nn.Sequential(ConvBNPReLU(in_ch, inner, (2, 2), stride=2),
                                       ConvBNPReLU(inner, inner, (3, 3)), ConvBN(inner, out_ch),
                                       nn.Dropout2d(dropout))
        self.activation = nn.PReLU(out_ch)

    def execute(self, x):
        shortcut, switches = max_pool_with_switches(x)
        if self.extra_channels:
            n, _, h, w = shortcut.shape
            shortcut = concat([shortcut, jt.zeros((n, self.extra_channels, h, w), dtype=shortcut.dtype)])
        return self.activation(shortcut + self.extension(x)), switches


class UpsamplingBottleneck(nn.Module):
    """Doubles the resolution; the shortcut un-pools with the switches of the matching down-sampling."""

    def __init__(self, in_ch, out_ch, dropout=0.1):
        super().__init__()
        inner = max(1, in_ch // 4)
        self.shortcut = ConvBN(in_ch, out_ch)
        self.extension = nn.Sequential(
            ConvBNPReLU(in_ch, inner),
            nn.ConvTranspose2d(inner, inner, 3, stride=2, padding=1, output_padding=1, bias=False),
            nn.BatchNorm2d(inner), nn.PReLU(inner),
            ConvBN(inner, out_ch), nn.Dropout2d(dropout),
        )
        self.activation = nn.PReLU(out_ch)

    def execute(self, x, switches):
        return self.activation(unpool_with_switches(self.shortcut(x), switches) + self.extension(x))


def stage_2_3(channels):
    """The eight bottlenecks of stages 2 and 3 (Table 1)."""
    kinds = [dict(), dict(dilation=2), dict(asymmetric=True), dict(dilation=4),
             dict(), dict(dilation=8), dict(asymmetric=True), dict(dilation=16)]
    return nn.Sequential(*[Bottleneck(channels, **kind) for kind in kinds])


class ENet(SegmentationModel):
    def __init__(self, in_channels, num_classes, width=16):
        super().__init__(in_channels, num_classes)
        c1, c2 = 4 * width, 8 * width
        self.feature_channels = c2
        self.initial_conv = nn.Conv2d(in_channels, max(1, width - in_channels), 3, stride=2, padding=1, bias=False)
        initial_ch = max(1, width - in_channels) + in_channels
        self.initial_norm = nn.Sequential(nn.BatchNorm2d(initial_ch), nn.PReLU(initial_ch))
        self.down1 = DownsamplingBottleneck(initial_ch, c1, dropout=0.01)
        self.stage1 = nn.Sequential(*[Bottleneck(c1, dropout=0.01) for _ in range(4)])
        self.down2 = DownsamplingBottleneck(c1, c2)
        self.stage2 = stage_2_3(c2)
        self.stage3 = stage_2_3(c2)
        self.up4 = UpsamplingBottleneck(c2, c1)
        self.stage4 = nn.Sequential(Bottleneck(c1), Bottleneck(c1))
        self.up5 = UpsamplingBottleneck(c1, width)
        self.stage5 = Bottleneck(width)
        self.fullconv = nn.ConvTranspose2d(width, num_classes, 2, stride=2)

    def encode(self, x):
        """Stride-8 features and the two down-samplings' switches."""
        x = self.initial_norm(concat([self.initial_conv(x), pool2x2(x)]))
        x, switches1 = self.down1(x)
        x, switches2 = self.down2(self.stage1(x))
        return self.stage3(self.stage2(x)), switches1, switches2

    def encoder_features(self, x):
        return self.encode(x)[0]

    def segment(self, x):
        y, switches1, switches2 = self.encode(x)
        y = self.stage4(self.up4(y, switches2))
        y = self.stage5(self.up5(y, switches1))
        return self.fullconv(y)


@register_model
def enet(in_channels, num_classes, **kwargs):
    return ENet(in_channels, num_classes, **kwargs)
