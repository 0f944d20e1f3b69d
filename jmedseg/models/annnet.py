"""ANNNet: Zhu, Xu, Bai, Huang and Bai, "Asymmetric Non-local Neural Networks
for Semantic Segmentation", ICCV 2019 (arXiv:1908.07678).

A non-local block (Wang et al., CVPR 2018) compares every pixel with every
other one: cost quadratic in the pixels. The asymmetric version
keeps all N pixels as queries but samples the keys and values by pyramid
pooling (average pooling to 1x1, 3x3, 6x6 and 8x8 bins,
S = 110 anchors), so the attention map is N x S. Two such blocks on a dilated
ResNet (output stride 8):
- AFNB, asymmetric fusion: queries from the last stage, keys and
  values pyramid-sampled from the stage before it; the attended values, after a
  1x1 convolution W_o, are concatenated with the last stage's map and fused by
  a 1x1 convolution;
- APNB, asymmetric pyramid: after a 3x3 convolution to half the
  channels, self-attention with one shared query/key projection; W_o output
  concatenated with the block input, fused by a 1x1 convolution.
Similarities are scaled by 1/sqrt(key channels) before the softmax over the
anchors. A 1x1 classifier follows; logits are up-sampled to the input.

Deviations: a small ResNet (basic blocks, ResNet-18 depths by default) instead
of ResNet-101, trained from scratch; no auxiliary loss on the third stage.
Key and value channels are a quarter of the last stage's (the paper uses 256
with a 2048-channel last stage), half of the APNB input.
"""
from jmedseg.backend import jt, nn
from jmedseg.models._blocks import ConvBNReLU, concat, segmentation_head
from jmedseg.models._resnet import ResNetSegmenter
from jmedseg.models.pspnet import adaptive_avg_pool
from jmedseg.models.registry import register_model

ANCHOR_BINS = (1, 3, 6, 8)


def pyramid_sample(x, bins):
    """(N, C, H, W) -> (N, C, S): the map average-pooled to each bins x bins grid, S = sum of bins^2."""
    n, c = x.shape[:2]
    return jt.concat([adaptive_avg_pool(x, b).reshape(n, c, b * b) for b in bins], dim=2)


class AsymmetricNonLocal(nn.Module):
    """Attention of every query pixel over pyramid-pooled anchors of `source`; returns W_o(output), out_ch channels.

    With `shared=True` (APNB) queries and keys come from one projection of the same map.
    """

    def __init__(self, query_ch, source_ch, key_ch, value_ch, out_ch, bins=ANCHOR_BINS, shared=False):
        super().__init__()
        self.bins = bins
        self.key = ConvBNReLU(source_ch, key_ch, kernel_size=1)
        self.query = None if shared else ConvBNReLU(query_ch, key_ch, kernel_size=1)
        self.value = nn.Conv2d(source_ch, value_ch, 1)
        self.project_out = nn.Conv2d(value_ch, out_ch, 1)
        self.scale = key_ch ** -0.5

    def execute(self, x, source):
        n, _, h, w = x.shape
        keys = self.key(source)
        queries = keys if self.query is None else self.query(x)
        q = queries.reshape(n, queries.shape[1], h * w).transpose(0, 2, 1)    # (N, HW, Ck)
        k = pyramid_sample(keys, self.bins)                                     # (N, Ck, S)
        v = pyramid_sample(self.value(source), self.bins).transpose(0, 2, 1)   # (N, S, Cv)
        attention = nn.softmax(nn.bmm(q, k) * self.scale, dim=-1)              # (N, HW, S)
        out = nn.bmm(attention, v).transpose(0, 2, 1).reshape(n, -1, h, w)     # (N, Cv, H, W)
        return self.project_out(out)


class ANNNet(ResNetSegmenter):
    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2), bins=ANCHOR_BINS, dropout=0.1):
        super().__init__(in_channels, num_classes, width=width, layers=layers, output_stride=8)
        low_ch, high_ch = self.encoder.channels[-2], self.encoder.channels[-1]
        inner = max(1, high_ch // 4)
        self.fusion = AsymmetricNonLocal(high_ch, low_ch, inner, inner, high_ch, bins)
        self.fuse = ConvBNReLU(2 * high_ch, high_ch, kernel_size=1)
        context = max(1, high_ch // 2)
        self.reduce = ConvBNReLU(high_ch, context)
        self.pyramid = AsymmetricNonLocal(context, context, inner, inner, context, bins, shared=True)
        self.merge = ConvBNReLU(2 * context, context, kernel_size=1)
        self.head = nn.Sequential(nn.Dropout(dropout), segmentation_head(context, num_classes))

    def decode(self, features):
        low, high = features[-2], features[-1]
        fused = self.fuse(concat([self.fusion(high, low), high]))
        y = self.reduce(fused)
        return self.head(self.merge(concat([self.pyramid(y, y), y])))


@register_model
def annnet(in_channels, num_classes, **kwargs):
    return ANNNet(in_channels, num_classes, **kwargs)
