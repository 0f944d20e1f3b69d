"""EANet: Guo, Liu, Mu and Hu, "Beyond Self-attention: External Attention using
Two Linear Layers for Visual Tasks", IEEE TPAMI 2022 (arXiv:2105.02358).

External attention (Section 3.2, Eq. 5-6) replaces the pixel-to-pixel
affinity of self-attention by the affinity to S learnable memory units shared
by the whole data set, M_k and M_v, each a linear layer:
A = Norm(F M_k^T), F_out = A M_v. The norm is the paper's double
normalisation (Eq. 7): a softmax over the N pixels, then each pixel's
weights divided by their sum over the S units. Cost is linear in N.

Segmentation network (Section 4.4): a dilated ResNet (output stride 8), a 3x3
convolution, the external-attention block (1x1 conv in, M_k, norm, M_v, 1x1
conv-BN out, residual, ReLU), a 3x3 convolution and a 1x1 classifier. S = 64.

Deviation: a small ResNet (basic blocks, ResNet-18 depths by default) instead
of ResNet-101, trained from scratch.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBN, ConvBNReLU, segmentation_head
from jmedseg.models._resnet import ResNetSegmenter
from jmedseg.models.registry import register_model


class ExternalAttention(nn.Module):
    def __init__(self, channels, memory_units=64):
        super().__init__()
        self.conv_in = nn.Conv2d(channels, channels, 1)
        self.memory_key = nn.Conv2d(channels, memory_units, 1, bias=False)   # M_k, a linear layer per pixel
        self.memory_value = nn.Conv2d(memory_units, channels, 1, bias=False)  # M_v
        self.conv_out = ConvBN(channels, channels)

    def execute(self, x):
        n, _, h, w = x.shape
        affinity = self.memory_key(self.conv_in(x))
        s = affinity.shape[1]
        attention = nn.softmax(affinity.reshape(n, s, h * w), dim=-1)
        attention = attention / (1e-9 + attention.sum(dim=1, keepdims=True))
        out = self.conv_out(self.memory_value(attention.reshape(n, s, h, w)))
        return nn.relu(out + x)


class EANet(ResNetSegmenter):
    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2), memory_units=64):
        super().__init__(in_channels, num_classes, width=width, layers=layers, output_stride=8)
        mid = 4 * width
        self.head = nn.Sequential(
            ConvBNReLU(self.feature_channels, mid),
            ExternalAttention(mid, memory_units),
            ConvBNReLU(mid, mid),
            segmentation_head(mid, num_classes),
        )

    def decode(self, features):
        return self.head(features[-1])


@register_model
def eanet(in_channels, num_classes, **kwargs):
    return EANet(in_channels, num_classes, **kwargs)
