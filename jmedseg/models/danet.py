"""DANet: Fu, Liu, Tian, Li, Bao, Fang and Lu, "Dual Attention Network for
Scene Segmentation", CVPR 2019 (arXiv:1809.02983).

A dilated ResNet (output stride 8) feeds two parallel attention modules
(Section 3, Figure 2), each after a 3x3 convolution that reduces the channels
by 4:
- position attention (Section 3.2, Eq. 1-2): s_ji = softmax_i(B_i . C_j) over
  all positions, E_j = alpha * sum_i s_ji D_i + A_j, with B, C 1x1 projections
  to C/8 channels and D to C;
- channel attention (Section 3.3, Eq. 3-4): x_ji = softmax over the channel
  affinities A_i . A_j, E_j = beta * sum_i x_ji A_i + A_j. As in the authors'
  release the affinity is subtracted from its row maximum before the softmax.
alpha and beta start at 0. Each branch passes a 3x3 convolution; the two are
summed and classified by a 1x1 convolution.

Deviation: a small ResNet (basic blocks, ResNet-18 depths by default) instead of
ResNet-101, trained from scratch.
"""
from jmedseg.backend import jt, nn
from jmedseg.models._blocks import ConvBNReLU, segmentation_head
from jmedseg.models._resnet import ResNetSegmenter
from jmedseg.models.registry import register_model


class PositionAttention(nn.Module):
    def __init__(self, channels):
        super().__init__()
        reduced = max(1, channels // 8)
        self.query = nn.Conv2d(channels, reduced, 1)
        self.key = nn.Conv2d(channels, reduced, 1)
        self.value = nn.Conv2d(channels, channels, 1)
        self.alpha = jt.zeros(1)

    def execute(self, x):
        n, c, h, w = x.shape
        q = self.query(x).reshape(n, -1, h * w).transpose(0, 2, 1)  # (N, HW, C/8)
        k = self.key(x).reshape(n, -1, h * w)                         # (N, C/8, HW)
        attention = nn.softmax(nn.bmm(q, k), dim=-1)                  # row j: weights over positions i
        v = self.value(x).reshape(n, c, h * w)
        out = nn.bmm(v, attention.transpose(0, 2, 1)).reshape(n, c, h, w)
        return self.alpha * out + x


class ChannelAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.beta = jt.zeros(1)

    def execute(self, x):
        n, c, h, w = x.shape
        a = x.reshape(n, c, h * w)
        affinity = nn.bmm(a, a.transpose(0, 2, 1))                   # (N, C, C)
        affinity = affinity.max(dim=-1, keepdims=True) - affinity
        out = nn.bmm(nn.softmax(affinity, dim=-1), a).reshape(n, c, h, w)
        return self.beta * out + x


class DANet(ResNetSegmenter):
    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2), dropout=0.1):
        super().__init__(in_channels, num_classes, width=width, layers=layers, output_stride=8)
        inner = max(1, self.feature_channels // 4)
        self.position_branch = nn.Sequential(ConvBNReLU(self.feature_channels, inner), PositionAttention(inner),
                                             ConvBNReLU(inner, inner))
        self.channel_branch = nn.Sequential(ConvBNReLU(self.feature_channels, inner), ChannelAttention(),
                                            ConvBNReLU(inner, inner))
        self.head = nn.Sequential(nn.Dropout(dropout), segmentation_head(inner, num_classes))

    def decode(self, features):
        x = features[-1]
        return self.head(self.position_branch(x) + self.channel_branch(x))


@register_model
def danet(in_channels, num_classes, **kwargs):
    return DANet(in_channels, num_classes, **kwargs)
