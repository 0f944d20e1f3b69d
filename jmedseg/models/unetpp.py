"""UNet++: Zhou et al., "UNet++: A Nested U-Net Architecture for Medical Image
Segmentation", DLMIA 2018 (arXiv:1807.10165).

The encoder is UNet's (nodes X[i][0]); the skip pathways are nested, dense
convolution blocks (Section 2, Eq. 1): node X[i][j] (j > 0) applies a UNet
stage to the concatenation of all earlier nodes at its level X[i][0..j-1] and
the up-sampled node below, X[i+1][j-1]. With deep supervision (off by default)
a 1x1 head sits on every top node X[0][1..depth] and the output is their
average, the paper's "accurate mode" (Section 2, deep supervision).
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import DoubleConv, concat, segmentation_head, upsample_like
from jmedseg.models._unet_base import MultiScaleModel, pooled_encode, unet_channels
from jmedseg.models.registry import register_model


class UNetPlusPlus(MultiScaleModel):
    def __init__(self, in_channels, num_classes, width=32, depth=4, deep_supervision=False):
        super().__init__(in_channels, num_classes)
        chans = unet_channels(width, depth)
        self.depth = depth
        self.size_divisor = max(32, 2**depth)
        self.feature_channels = chans[-1]
        self.deep_supervision = deep_supervision
        self.encoder = nn.ModuleList([DoubleConv(in_channels, chans[0])] +
                                     [DoubleConv(chans[i], chans[i + 1]) for i in range(depth)])
        # nested[i][j - 1] builds X[i][j]: j earlier nodes of width chans[i] plus one from below.
        self.nested = nn.ModuleList([
            nn.ModuleList([DoubleConv(j * chans[i] + chans[i + 1], chans[i]) for j in range(1, depth - i + 1)])
            for i in range(depth)
        ])
        n_heads = depth if deep_supervision else 1
        self.heads = nn.ModuleList([segmentation_head(chans[0], num_classes) for _ in range(n_heads)])

    def encode(self, x):
        return pooled_encode(self.encoder, x)

    def top_nodes(self, x):
        """X[0][1], ..., X[0][depth]: the full-resolution nodes the heads read."""
        grid = [[node] for node in self.encode(x)]  # grid[i][j] = X[i][j]
        for j in range(1, self.depth + 1):
            for i in range(self.depth - j + 1):
                below = upsample_like(grid[i + 1][j - 1], grid[i][0])
                grid[i].append(self.nested[i][j - 1](concat(grid[i] + [below])))
        return grid[0][1:]

    def segment(self, x):
        tops = self.top_nodes(x)
        if not self.deep_supervision:
            return self.heads[0](tops[-1])
        outputs = [head(node) for head, node in zip(self.heads, tops)]
        return sum(outputs[1:], outputs[0]) / len(outputs)


@register_model
def unetpp(in_channels, num_classes, **kwargs):
    return UNetPlusPlus(in_channels, num_classes, **kwargs)
