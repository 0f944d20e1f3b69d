"""Convolution + group normalisation units, for the models that normalise by groups of channels.

Group normalisation (Wu and He, "Group Normalization", ECCV 2018, arXiv:1803.08494)
normalises each sample's channels in groups, so it does not depend on the batch:
the simple U-Net, OneNet, LightNet and the large-receptive-field EANet of the
bone-density paper's released code use it in place of batch norm.
"""
from jmedseg.backend import nn


def norm_groups(channels):
    """About 16 channels a group, 1 to 32 groups (64 channels -> 4, 512 -> 32), and a divisor of `channels`.

    Maps narrower than 64 channels get one group (layer normalisation over the map), as there
    are then too few channels a group for stable statistics.
    """
    if channels < 64:
        return 1
    groups = 1
    while groups * 2 <= min(32, channels // 16):
        groups *= 2
    while channels % groups:
        groups //= 2
    return groups


class ConvGN(nn.Sequential):
    """Convolution (no bias), group norm, optional ReLU.

    `gn_groups=None` picks `norm_groups(out_ch)`; grouped convolutions pass their own group
    count so that each convolution group is normalised on its own. A kernel as large as its
    stride is a patch convolution (no padding); other kernels keep the size at stride 1.
    """

    def __init__(self, in_ch, out_ch, kernel_size=3, stride=1, dilation=1, groups=1, relu=True, gn_groups=None):
        padding = 0 if kernel_size == stride else dilation * (kernel_size - 1) // 2
        layers = [
            nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding, dilation=dilation,
                      groups=groups, bias=False),
            nn.GroupNorm(gn_groups or norm_groups(out_ch), out_ch),
        ]
        if relu:
            layers.append(nn.ReLU())
        super().__init__(*layers)
