"""OCNet: Yuan, Huang, Wang, Chen and Wang, "OCNet: Object Context Network for
Scene Parsing" (arXiv:1809.00916, 2018; IJCV 2021).

The object context of a pixel is a weighted sum of all pixels, weighted by
their similarity to it -- pixels of the same object should be similar
(Section 3.2): a_ij = softmax_j(f_q(x_i)^T f_k(x_j) / sqrt(d)), context
c_i = W sum_j a_ij f_v(x_j), with the query and key sharing one 1x1
conv-BN-ReLU transform. Base-OC (Section 3.3, Figure 3): a 3x3 convolution on
the deepest features, object context pooling, concatenation of context and
input, a 1x1 conv-BN-ReLU fusion and a 1x1 classifier.

Deviation: Base-OC only (the paper also has pyramid and ASPP variants), on a
small dilated ResNet (basic blocks, output stride 8) instead of ResNet-101.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, concat, segmentation_head
from jmedseg.models._resnet import ResNetSegmenter
from jmedseg.models.registry import register_model


class ObjectContextPooling(nn.Module):
    def __init__(self, channels, key_channels, value_channels):
        super().__init__()
        self.key_channels = key_channels
        self.query_key = ConvBNReLU(channels, key_channels, kernel_size=1)
        self.value = nn.Conv2d(channels, value_channels, 1)
        self.out = nn.Conv2d(value_channels, channels, 1)

    def execute(self, x):
        n, _, h, w = x.shape
        qk = self.query_key(x).reshape(n, self.key_channels, h * w)
        similarity = nn.bmm(qk.transpose(0, 2, 1), qk) * self.key_channels ** -0.5   # (N, HW, HW)
        value = self.value(x).reshape(n, -1, h * w).transpose(0, 2, 1)                # (N, HW, Cv)
        context = nn.bmm(nn.softmax(similarity, dim=-1), value).transpose(0, 2, 1)
        return self.out(context.reshape(n, -1, h, w))


class OCNet(ResNetSegmenter):
    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2), dropout=0.05):
        super().__init__(in_channels, num_classes, width=width, layers=layers, output_stride=8)
        mid = 4 * width
        self.reduce = ConvBNReLU(self.feature_channels, mid)
        self.context = ObjectContextPooling(mid, key_channels=max(1, mid // 2), value_channels=max(1, mid // 2))
        self.fuse = nn.Sequential(ConvBNReLU(2 * mid, mid, kernel_size=1), nn.Dropout(dropout))
        self.head = segmentation_head(mid, num_classes)

    def decode(self, features):
        x = self.reduce(features[-1])
        return self.head(self.fuse(concat([self.context(x), x])))


@register_model
def ocnet(in_channels, num_classes, **kwargs):
    return OCNet(in_channels, num_classes, **kwargs)
