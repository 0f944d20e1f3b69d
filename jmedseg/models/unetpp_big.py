"""UNet++ with learned up-sampling: the paper code's `unetppbig` variant of UNet++
(Zhou et al., "UNet++: A Nested U-Net Architecture for Medical Image
Segmentation", DLMIA 2018, arXiv:1807.10165).

Same nested, dense skip pathways as `unetpp` (node X[i][j] convolves all
earlier nodes of its level and the up-sampled node X[i+1][j-1]), but every
up-sampling edge learns: bilinear x2 followed by two 3x3 conv-BN-ReLU that
keep the lower level's channels (with half as many in between), one such block
per edge, where `unetpp` only interpolates. This adds about 45 % to the
parameters and about doubles the CPU train step of `unetpp` at the same width.
The released variant runs at width 64; the default 16 keeps a CPU train step
of batch 4 x 128 x 128 near a second (`width=32` matches `unetpp`).
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import DoubleConv, concat, upsample_like
from jmedseg.models._unet_base import unet_channels
from jmedseg.models.unetpp import UNetPlusPlus
from jmedseg.models.registry import register_model


class LearnedUpsample(nn.Module):
    """Bilinear x2 to the reference size, then two 3x3 conv-BN-ReLU (channels kept, half in between)."""

    def __init__(self, channels):
        super().__init__()
        self.convs = DoubleConv(channels, channels, mid_ch=max(1, channels // 2))

    def execute(self, x, ref):
        return self.convs(upsample_like(x, ref))


class UNetPlusPlusLearnedUp(UNetPlusPlus):
    def __init__(self, in_channels, num_classes, width=16, depth=4, deep_supervision=False):
        super().__init__(in_channels, num_classes, width=width, depth=depth, deep_supervision=deep_supervision)
        chans = unet_channels(width, depth)
        # ups[i][j - 1] carries X[i+1][j-1] up to build X[i][j].
        self.ups = nn.ModuleList([
            nn.ModuleList([LearnedUpsample(chans[i + 1]) for _ in range(1, depth - i + 1)]) for i in range(depth)
        ])

    def top_nodes(self, x):
        grid = [[node] for node in self.encode(x)]  # grid[i][j] = X[i][j]
        for j in range(1, self.depth + 1):
            for i in range(self.depth - j + 1):
                below = self.ups[i][j - 1](grid[i + 1][j - 1], grid[i][0])
                grid[i].append(self.nested[i][j - 1](concat(grid[i] + [below])))
        return grid[0][1:]


@register_model
def unetpp_big(in_channels, num_classes, **kwargs):
    return UNetPlusPlusLearnedUp(in_channels, num_classes, **kwargs)
