"""PSPNet: Zhao, Shi, Qi, Wang and Jia, "Pyramid Scene Parsing Network",
CVPR 2017 (arXiv:1612.01105).

A dilated ResNet (output stride 8) and the pyramid pooling module
(Section 3.3, Figure 3): the feature map is average-pooled to 1x1, 2x2, 3x3 and
6x6 bins, each level reduced to 1/N of the channels (N = 4 levels) by a 1x1
convolution, up-sampled and concatenated with the map; a 3x3 convolution and
a 1x1 classifier follow.

Deviations: a small ResNet (basic blocks, ResNet-18 depths by default) instead
of ResNet-101/152, and no auxiliary loss on stage 3 (Section 3.4): the training
engine optimises one output; the auxiliary branch is a training aid only.
"""
import numpy as np

from jmedseg.backend import jt, nn
from jmedseg.models._blocks import ConvBNReLU, concat, segmentation_head, upsample_like
from jmedseg.models._resnet import ResNetSegmenter
from jmedseg.models.registry import register_model

PYRAMID_BINS = (1, 2, 3, 6)


def bin_averages(size, bins):
    """(bins, size) matrix whose row i averages the pixels of bin i: [floor(i s / b), ceil((i + 1) s / b))."""
    weights = np.zeros((bins, size), dtype="float32")
    for i in range(bins):
        start, stop = (i * size) // bins, -(-(i + 1) * size // bins)
        weights[i, start:stop] = 1.0 / (stop - start)
    return jt.array(weights)


def adaptive_avg_pool(x, bins):
    """Average pooling to a bins x bins grid, also when the map is smaller than the grid.

    Jittor's `AdaptiveAvgPool2d` fails on a map smaller than the grid (a 4x4 map
    into 6x6 bins, from a 32-pixel input); two small matrix products do it exactly.
    """
    h, w = x.shape[2:]
    return jt.matmul(jt.matmul(bin_averages(h, bins), x), bin_averages(w, bins).transpose())


class AdaptiveAvgPool(nn.Module):
    def __init__(self, bins):
        super().__init__()
        self.bins = bins

    def execute(self, x):
        return adaptive_avg_pool(x, self.bins)


class PyramidPooling(nn.Module):
    """Pyramid pooling module; output has `2 * in_ch` channels (input + N levels of in_ch / N)."""

    def __init__(self, in_ch, bins=PYRAMID_BINS):
        super().__init__()
        level_ch = max(1, in_ch // len(bins))
        self.levels = nn.ModuleList([
            nn.Sequential(AdaptiveAvgPool(b), ConvBNReLU(in_ch, level_ch, kernel_size=1)) for b in bins
        ])
        self.out_channels = in_ch + level_ch * len(bins)

    def execute(self, x):
        return concat([x] + [upsample_like(level(x), x) for level in self.levels])


class PSPNet(ResNetSegmenter):
    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2), dropout=0.1):
        super().__init__(in_channels, num_classes, width=width, layers=layers, output_stride=8)
        self.pyramid = PyramidPooling(self.feature_channels)
        fused = max(1, self.feature_channels // 4)
        self.fuse = nn.Sequential(ConvBNReLU(self.pyramid.out_channels, fused), nn.Dropout(dropout))
        self.head = segmentation_head(fused, num_classes)

    def decode(self, features):
        return self.head(self.fuse(self.pyramid(features[-1])))


@register_model
def pspnet(in_channels, num_classes, **kwargs):
    return PSPNet(in_channels, num_classes, **kwargs)
