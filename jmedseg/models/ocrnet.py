"""OCRNet: Yuan, Chen and Wang, "Object-Contextual Representations for
Semantic Segmentation", ECCV 2020 (arXiv:1909.11065).

Each pixel is described by the regions (classes) it may belong to
(Section 3.2, Figure 3):
1. soft object regions M: a coarse segmentation (K maps) predicted from the
   stage-3 features of the backbone;
2. object region representations f_k = sum_i softmax_i(m_ki) x_i (Eq. 4), x the
   pixel representations (a 3x3 convolution on the deepest features);
3. pixel-region relations w_ik = softmax_k(phi(x_i)^T psi(f_k) / sqrt(d))
   (Eq. 5-6), phi, psi, delta, rho being 1x1 conv-BN-ReLU transforms; the object
   contextual representation y_i = rho(sum_k w_ik delta(f_k));
4. the augmented representation z_i = g([x_i, y_i]) (Eq. 3), then a 1x1
   classifier.

Deviations: a small dilated ResNet (basic blocks, output stride 8) instead of
HRNet-W48 or ResNet-101; the coarse map is not supervised by its own
auxiliary loss (the engine optimises one output), so the soft regions are
learned through the final loss only.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, concat, segmentation_head
from jmedseg.models._resnet import ResNetSegmenter
from jmedseg.models.registry import register_model


def pointwise(in_ch, out_ch):
    return ConvBNReLU(in_ch, out_ch, kernel_size=1)


class ObjectContext(nn.Module):
    """Steps 2-4: from pixel representations and soft regions to the augmented representation."""

    def __init__(self, channels, key_channels, dropout=0.05):
        super().__init__()
        self.key_channels = key_channels
        self.phi = nn.Sequential(pointwise(channels, key_channels), pointwise(key_channels, key_channels))
        self.psi = nn.Sequential(pointwise(channels, key_channels), pointwise(key_channels, key_channels))
        self.delta = pointwise(channels, key_channels)
        self.rho = pointwise(key_channels, channels)
        self.g = nn.Sequential(pointwise(2 * channels, channels), nn.Dropout(dropout))

    def execute(self, pixels, regions):
        n, c, h, w = pixels.shape
        k = regions.shape[1]
        x = pixels.reshape(n, c, h * w)
        weights = nn.softmax(regions.reshape(n, k, h * w), dim=-1)     # spatial softmax per region
        objects = nn.bmm(weights, x.transpose(0, 2, 1))                  # (N, K, C): f_k
        objects = objects.transpose(0, 2, 1).reshape(n, c, k, 1)         # as a K x 1 "image" for 1x1 convs
        query = self.phi(pixels).reshape(n, self.key_channels, h * w).transpose(0, 2, 1)  # (N, HW, d)
        key = self.psi(objects).reshape(n, self.key_channels, k)                           # (N, d, K)
        value = self.delta(objects).reshape(n, self.key_channels, k).transpose(0, 2, 1)   # (N, K, d)
        relation = nn.softmax(nn.bmm(query, key) * self.key_channels ** -0.5, dim=-1)     # (N, HW, K)
        context = nn.bmm(relation, value).transpose(0, 2, 1).reshape(n, self.key_channels, h, w)
        return self.g(concat([self.rho(context), pixels]))


class OCRNet(ResNetSegmenter):
    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2)):
        super().__init__(in_channels, num_classes, width=width, layers=layers, output_stride=8)
        stage3 = self.encoder.channels[3]
        mid = 4 * width    # 512 for HRNet-W48 in the paper; scaled with the backbone here
        self.soft_regions = nn.Sequential(ConvBNReLU(stage3, stage3), segmentation_head(stage3, num_classes))
        self.pixel_representation = ConvBNReLU(self.feature_channels, mid)
        self.object_context = ObjectContext(mid, key_channels=max(1, mid // 2))
        self.head = segmentation_head(mid, num_classes)

    def decode(self, features):
        regions = self.soft_regions(features[3])
        pixels = self.pixel_representation(features[4])
        return self.head(self.object_context(pixels, regions))


@register_model
def ocrnet(in_channels, num_classes, **kwargs):
    return OCRNet(in_channels, num_classes, **kwargs)
