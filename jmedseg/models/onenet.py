"""OneNet: a single-resolution network of the bone-density paper's released code
(THU-CVlab/JMedSegV2, model name `onenet`); it has no paper of its own.

There is no encoder-decoder: a 4x4 stride-4 patch convolution embeds the image
at 1/4 resolution, shift-group convolutions (see `_shift_group`) widen it to
`width * 2**widen_steps` channels, and a stack of shift-group 3x3 convolutions
with growing dilation (1, 1, 1, 2, 2, 2, 2, 4 x 6, 8, 16, 32: the receptive
field of the dilated stack spans about 250 of the 1/4-resolution pixels) works
at that one scale. The head concatenates the output of the last layer at each
dilation rate (multi-receptive-field features, as in dense prediction with
dilated convolutions, Yu and Koltun, ICLR 2016), reduces them with a 1x1
convolution, and a 4x4 stride-4 transposed convolution returns to full
resolution.

Deviation: the released head taps eight layers, one of them twice; here it taps
the last layer of each dilation rate (six), which keeps its rule and drops the
repeat. Width 128 is the released network; the default 32 (256 channels in the
dilated stack) is about a quarter of its cost.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import concat
from jmedseg.models._group_norm import ConvGN
from jmedseg.models._shift_group import DilatedStackModel
from jmedseg.models.registry import register_model

DILATIONS = (1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 8, 16, 32)


class OneNet(DilatedStackModel):
    def __init__(self, in_channels, num_classes, width=32, widen_steps=3, group_channels=16,
                 dilations=DILATIONS, fuse_channels=256, dropout=0.1):
        super().__init__(in_channels, num_classes)
        channels = self.build_stack(in_channels, width, widen_steps, group_channels, dilations)
        self.fuse = nn.Sequential(ConvGN(channels * len(self.taps), fuse_channels, kernel_size=1),
                                  nn.Dropout(dropout))
        self.head = nn.ConvTranspose2d(fuse_channels, num_classes, 4, stride=4)

    def segment(self, x):
        outputs = self.dilated_stack(x)
        return self.head(self.fuse(concat([outputs[i] for i in self.taps])))


@register_model
def onenet(in_channels, num_classes, **kwargs):
    return OneNet(in_channels, num_classes, **kwargs)
