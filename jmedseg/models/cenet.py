"""CE-Net: Gu, Cheng, Fu, Zhou, Hao, Zhao, Zhang, Gao and Liu, "CE-Net: Context
Encoder Network for 2D Medical Image Segmentation", IEEE TMI 2019
(arXiv:1903.02740).

A ResNet-34 encoder and a D-LinkNet style decoder, joined by the context
extractor (Section II-B):
- DAC, dense atrous convolution: four cascaded branches of 3x3 atrous
  convolutions with rates (1), (3), (1, 3), (1, 3, 5) -- receptive fields 3, 7, 9
  and 19 -- each but the first closed by a 1x1 convolution, summed with the
  input (Figure 3). As in the authors' release, the branches share the 3x3
  and 1x1 layers.
- RMP, residual multi-kernel pooling: max pooling with kernels 2, 3, 5 and 6,
  a 1x1 convolution to one channel each, up-sampled and concatenated to the
  input (Figure 4), so the decoder receives C + 4 channels.
The paper pools a 14x14 map (448 px input); on a smaller map a kernel at least
as large as the map becomes a global max pool, so every input that is a multiple of 32 works.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import concat, upsample_like
from jmedseg.models.linknet import LinkNet
from jmedseg.models.registry import register_model

RMP_KERNELS = (2, 3, 5, 6)


class DenseAtrousConvolution(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.rate1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.rate3 = nn.Conv2d(channels, channels, 3, padding=3, dilation=3)
        self.rate5 = nn.Conv2d(channels, channels, 3, padding=5, dilation=5)
        self.project = nn.Conv2d(channels, channels, 1)

    def execute(self, x):
        r1 = self.rate1(x)
        r13 = self.rate3(r1)
        branches = [r1, self.project(self.rate3(x)), self.project(r13), self.project(self.rate5(r13))]
        out = x
        for branch in branches:
            out = out + nn.relu(branch)
        return out


class ResidualMultiKernelPooling(nn.Module):
    def __init__(self, channels, kernels=RMP_KERNELS):
        super().__init__()
        self.kernels = kernels
        # No bias: the decoder's next conv + batch norm would cancel a constant offset.
        self.squeeze = nn.Conv2d(channels, 1, 1, bias=False)

    def execute(self, x):
        h, w = x.shape[2:]
        pooled = []
        for k in self.kernels:
            # A kernel as large as the map is a global max (Jittor's pool wants the map larger).
            window = nn.max_pool2d(x, k, k) if k < min(h, w) else x.max(dims=(2, 3), keepdims=True)
            pooled.append(upsample_like(self.squeeze(window), x))
        return concat(pooled + [x])


@register_model
def cenet(in_channels, num_classes, width=64, layers=(3, 4, 6, 3), **kwargs):
    """CE-Net with its ResNet-34 encoder (`width` 64 in the paper)."""
    deepest = 8 * width
    center = nn.Sequential(DenseAtrousConvolution(deepest), ResidualMultiKernelPooling(deepest))
    return LinkNet(in_channels, num_classes, width=width, layers=layers, center=center, final="dlinknet",
                   center_channels=deepest + len(RMP_KERNELS), **kwargs)
