"""LightNet: the lighter sibling of OneNet in the bone-density paper's released
code (THU-CVlab/JMedSegV2, model name `lightnet`); it has no paper of its own.

Like OneNet it works at one scale, 1/4 of the input: a 4x4 stride-4 patch
convolution, four widening shift-group convolutions (see `_shift_group`) to
`width * 2**widen_steps` channels, and a stack of dilated shift-group 3x3
convolutions (rates 1, 1, 1, 2, 2, 2, 2, 4 x 6, 8, 16, 32). Instead of
concatenating its taps (the last layer at each dilation rate), it folds them
from the deepest down: y = tap_last; then y = f_i(y * tap_i) for the earlier
taps, with f_i a 1x1 shift-group convolution, so each shallower tap gates the
deeper context element-wise. Two 1x1 shift-group convolutions halve the
channels twice and a 4x4 stride-4 transposed convolution classifies at full
resolution. Everything is grouped, hence light.

Deviation: the released network taps eight layers (one twice) and sums the
input channels to one grey channel; here six taps (one per dilation rate) and
every input channel is kept (2.5D input). Width 64 is the released network;
the default 16 (256 channels in the dilated stack) is a quarter of its cost.
"""
from jmedseg.backend import nn
from jmedseg.models._shift_group import DilatedStackModel, ShiftGroupConv, group_count
from jmedseg.models.onenet import DILATIONS
from jmedseg.models.registry import register_model


class LightNet(DilatedStackModel):
    def __init__(self, in_channels, num_classes, width=16, widen_steps=4, group_channels=16,
                 dilations=DILATIONS):
        super().__init__(in_channels, num_classes)
        channels = self.build_stack(in_channels, width, widen_steps, group_channels, dilations)
        groups = group_count(channels, group_channels)
        self.folds = nn.ModuleList([ShiftGroupConv(channels, channels, groups, kernel_size=1)
                                    for _ in self.taps[:-1]])
        self.narrow = nn.Sequential(
            ShiftGroupConv(channels, channels // 2, group_count(channels, 2 * group_channels), kernel_size=1),
            ShiftGroupConv(channels // 2, channels // 4, group_count(channels // 2, 2 * group_channels),
                           kernel_size=1),
        )
        self.head = nn.ConvTranspose2d(channels // 4, num_classes, 4, stride=4)

    def segment(self, x):
        outputs = self.dilated_stack(x)
        taps = [outputs[i] for i in self.taps]
        y = taps[-1]
        for fold, tap in zip(reversed(self.folds), reversed(taps[:-1])):
            y = fold(y * tap)
        return self.head(self.narrow(y))


@register_model
def lightnet(in_channels, num_classes, **kwargs):
    return LightNet(in_channels, num_classes, **kwargs)
