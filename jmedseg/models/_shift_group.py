"""Shift-group convolutions: the unit of OneNet and LightNet (bone-density paper's released code).

A grouped convolution (each group of channels sees only itself, so the cost is
1/groups of a dense convolution), group norm with one group per convolution
group, ReLU, then the channels rolled by half a group: the next grouped layer
sees half of each neighbouring group, so information crosses groups without a
dense layer. It is ShuffleNet's channel shuffle (Zhang et al., CVPR 2018,
arXiv:1707.01083) with a cyclic shift in place of the transpose.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import SegmentationModel, concat
from jmedseg.models._group_norm import ConvGN


def roll_channels(x, shift):
    """Cyclic shift of the channel axis by `shift` (channel c moves to c + shift)."""
    if shift % x.shape[1] == 0:
        return x
    return concat([x[:, -shift:], x[:, :-shift]])


def group_count(channels, group_channels):
    """`channels // group_channels` groups (at least one); an error when they do not tile the channels."""
    groups = max(1, channels // group_channels)
    if channels % groups:
        raise ValueError(f"{channels} channels do not split into groups of {group_channels}; "
                         "choose a width that is a multiple of group_channels")
    return groups


class ShiftGroupConv(nn.Module):
    """Grouped conv (`groups` groups), group norm per group, ReLU, channels rolled by half an output group."""

    def __init__(self, in_ch, out_ch, groups, kernel_size=3, dilation=1):
        super().__init__()
        if in_ch % groups or out_ch % groups:
            raise ValueError(f"{groups} groups must divide both {in_ch} input and {out_ch} output channels")
        self.conv = ConvGN(in_ch, out_ch, kernel_size, dilation=dilation, groups=groups, gn_groups=groups)
        self.shift = out_ch // groups // 2

    def execute(self, x):
        return roll_channels(self.conv(x), self.shift)


def widening_layers(width, steps, group_channels):
    """`steps` shift-group 3x3 convolutions that each double the channels, from `width` to width * 2^steps.

    Each reads groups of `group_channels` channels and writes groups twice as wide.
    """
    layers, ch = [], width
    for _ in range(steps):
        layers.append(ShiftGroupConv(ch, 2 * ch, group_count(ch, group_channels)))
        ch *= 2
    return nn.Sequential(*layers), ch


def dilated_layers(channels, dilations, group_channels):
    """One shift-group 3x3 convolution per dilation rate, channels kept."""
    groups = group_count(channels, group_channels)
    return nn.ModuleList([ShiftGroupConv(channels, channels, groups, dilation=d) for d in dilations])


def last_of_each_rate(dilations):
    """Indices of the last layer at each dilation rate: the taps the heads read."""
    return [i for i, d in enumerate(dilations) if i + 1 == len(dilations) or dilations[i + 1] != d]


class DilatedStackModel(SegmentationModel):
    """OneNet and LightNet: `embed` (4x patches) -> `widen` -> `layers` (dilated shift-group), all at 1/4 size."""

    def build_stack(self, in_channels, width, widen_steps, group_channels, dilations):
        """Make `embed`, `widen`, `layers` and `taps` (the last layer of each rate); returns the stack's channels."""
        self.embed = nn.Conv2d(in_channels, width, 4, stride=4)
        self.widen, channels = widening_layers(width, widen_steps, group_channels)
        self.feature_channels = channels
        self.layers = dilated_layers(channels, dilations, group_channels)
        self.taps = last_of_each_rate(dilations)
        return channels

    def dilated_stack(self, x):
        """Every dilated layer's output, (N, C, H/4, W/4) each."""
        outputs = [self.widen(self.embed(x))]
        for layer in self.layers:
            outputs.append(layer(outputs[-1]))
        return outputs[1:]

    def encoder_features(self, x):
        return self.dilated_stack(x)[-1]
