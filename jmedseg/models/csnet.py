"""CS-Net: Mou, Zhao, Chen, Cheng, Gao, Hao, Liu and Liu, "CS-Net: Channel and
Spatial Attention Network for Curvilinear Structure Segmentation", MICCAI 2019.

A U-Net whose encoder stages are residual blocks (two
3x3 conv-BN-ReLU plus a 1x1 convolution shortcut, ReLU after the sum) and whose
decoder stages are two 3x3 conv-BN-ReLU after a 2x2 transposed convolution and
concatenation with the skip. Between them, on the deepest map, the affinity
attention module sums two self-attention blocks:
- spatial attention: query and key from a 1x3 and a 3x1 convolution (to C/8
  channels, BN, ReLU), whose elongated kernels suit thin, curved structures;
  softmax over positions of query . key; the value (a 1x1 convolution)
  re-weighted by it, times a learned scale gamma (0 at first), plus the input;
- channel attention: the channel affinities (subtracted from their row maximum,
  softmax), re-weighting the channels, times gamma, plus the input (the same
  block as DANet's, Fu et al. 2019).
The module's output is added to the deepest map before decoding.
Width 32 and depth 4 are the paper's (32 to 512 channels).
"""
from jmedseg.backend import jt, nn
from jmedseg.models._blocks import ConvBN, DoubleConv, concat, pool2x2, segmentation_head
from jmedseg.models._fused import BatchNormReLU
from jmedseg.models._unet_base import MultiScaleModel, unet_channels
from jmedseg.models.danet import ChannelAttention
from jmedseg.models.registry import register_model


class ResidualStage(nn.Module):
    """Two 3x3 conv-BN-ReLU, plus a 1x1 convolution of the input, then ReLU."""

    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.body = DoubleConv(in_ch, out_ch)
        self.shortcut = ConvBN(in_ch, out_ch)

    def execute(self, x):
        return nn.relu(self.body(x) + self.shortcut(x))


def strip_projection(in_ch, out_ch, kh, kw):
    """A (kh, kw) convolution keeping the size, BN, ReLU: the elongated query/key projections."""
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, (kh, kw), padding=(kh // 2, kw // 2), bias=False),
                         BatchNormReLU(out_ch))


class StripSpatialAttention(nn.Module):
    def __init__(self, channels):
        super().__init__()
        reduced = max(1, channels // 8)
        self.query = strip_projection(channels, reduced, 1, 3)
        self.key = strip_projection(channels, reduced, 3, 1)
        self.value = nn.Conv2d(channels, channels, 1)
        self.gamma = jt.zeros(1)

    def execute(self, x):
        n, c, h, w = x.shape
        q = self.query(x).reshape(n, -1, h * w).transpose(0, 2, 1)  # (N, HW, C/8)
        k = self.key(x).reshape(n, -1, h * w)                         # (N, C/8, HW)
        attention = nn.softmax(nn.bmm(q, k), dim=-1)                  # row j: weights over positions i
        out = nn.bmm(self.value(x).reshape(n, c, h * w), attention.transpose(0, 2, 1))
        return self.gamma * out.reshape(n, c, h, w) + x


class AffinityAttention(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.spatial = StripSpatialAttention(channels)
        self.channel = ChannelAttention()

    def execute(self, x):
        return self.spatial(x) + self.channel(x)


class CSNet(MultiScaleModel):
    def __init__(self, in_channels, num_classes, width=32, depth=4):
        super().__init__(in_channels, num_classes)
        chans = unet_channels(width, depth)
        self.size_divisor = max(32, 2**depth)
        self.feature_channels = chans[-1]
        self.encoder = nn.ModuleList([ResidualStage(in_channels, chans[0])] +
                                     [ResidualStage(chans[i], chans[i + 1]) for i in range(depth)])
        self.attention = AffinityAttention(chans[-1])
        self.ups = nn.ModuleList([nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2)
                                  for i in reversed(range(depth))])
        self.decoders = nn.ModuleList([DoubleConv(2 * chans[i], chans[i]) for i in reversed(range(depth))])
        self.head = segmentation_head(chans[0], num_classes)

    def encode(self, x):
        maps = [self.encoder[0](x)]
        for stage in self.encoder[1:]:
            maps.append(stage(pool2x2(maps[-1])))
        maps[-1] = maps[-1] + self.attention(maps[-1])
        return maps

    def segment(self, x):
        skips = self.encode(x)
        y = skips.pop()
        for up, decoder in zip(self.ups, self.decoders):
            y = decoder(concat([skips.pop(), up(y)]))
        return self.head(y)


@register_model
def csnet(in_channels, num_classes, **kwargs):
    return CSNet(in_channels, num_classes, **kwargs)
