"""SegNet: Badrinarayanan, Kendall and Cipolla, "SegNet: A Deep Convolutional
Encoder-Decoder Architecture for Image Segmentation", IEEE TPAMI 2017
(arXiv:1511.00561).

The encoder is the 13 convolutional layers of VGG16 (five stages of 2, 2, 3, 3, 3
conv-BN-ReLU, each followed by 2x2 max pooling). The decoder mirrors it; instead
of learning to up-sample, each decoder stage un-pools with the max-pooling
indices stored by its encoder stage (Section 3, Figure 3), which keeps boundary
detail without storing the encoder feature maps. `width` is the first stage's
channels (64 in the paper); the stages use 1, 2, 4, 8, 8 times that.
"""
from jmedseg.backend import jt, nn
from jmedseg.models._blocks import ConvBNReLU, SegmentationModel, segmentation_head
from jmedseg.models.registry import register_model

VGG16_STAGE_DEPTHS = (2, 2, 3, 3, 3)
STAGE_WIDTH_FACTORS = (1, 2, 4, 8, 8)


def conv_stack(channels):
    """ConvBNReLU layers through the channel counts `channels[0] -> ... -> channels[-1]`."""
    return nn.Sequential(*[ConvBNReLU(a, b) for a, b in zip(channels[:-1], channels[1:])])


def windows_2x2(x):
    """(N, C, H, W) -> (N, C, H/2, W/2, 4): the four pixels of each 2x2 window, row by row."""
    n, c, h, w = x.shape
    return x.reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)


def max_pool_with_switches(x):
    """2x2 max pooling that also returns where each maximum was (0-3 within its window).

    The paper stores exactly these "max-pooling indices" (2 bits per window,
    Section 3). Written here because Jittor's pooling refuses a map no larger
    than its kernel, and a 32-pixel input reaches a 2x2 map.
    """
    windows = windows_2x2(x)
    switches, _ = jt.argmax(windows, dim=4)
    return windows.max(dim=4), switches


def unpool_with_switches(y, switches):
    """Place each value at its recorded position in a 2x2 window, zeros elsewhere."""
    n, c, h, w = y.shape
    scattered = y.unsqueeze(4) * (switches.unsqueeze(4) == jt.arange(4).reshape(1, 1, 1, 1, 4))
    return scattered.reshape(n, c, h, w, 2, 2).permute(0, 1, 2, 4, 3, 5).reshape(n, c, 2 * h, 2 * w)


class SegNet(SegmentationModel):
    def __init__(self, in_channels, num_classes, width=64):
        super().__init__(in_channels, num_classes)
        widths = [width * f for f in STAGE_WIDTH_FACTORS]
        self.feature_channels = widths[-1]
        ins = [in_channels] + widths[:-1]
        self.encoders = nn.ModuleList([
            conv_stack([c_in] + [c_out] * depth) for c_in, c_out, depth in zip(ins, widths, VGG16_STAGE_DEPTHS)
        ])
        # Decoder stage i mirrors encoder stage i: same depth, ends at the channels entering that encoder.
        outs = [width] + widths[:-1]
        self.decoders = nn.ModuleList([
            conv_stack([c_enc] * depth + [c_out])
            for c_enc, c_out, depth in zip(widths, outs, VGG16_STAGE_DEPTHS)
        ])
        self.head = segmentation_head(width, num_classes)

    def encode(self, x):
        """The pooled output of the last stage and, per stage, its pooling indices."""
        indices = []
        for encoder in self.encoders:
            x, switches = max_pool_with_switches(encoder(x))
            indices.append(switches)
        return x, indices

    def encoder_features(self, x):
        return self.encode(x)[0]

    def segment(self, x):
        y, indices = self.encode(x)
        for decoder, idx in zip(reversed(self.decoders), reversed(indices)):
            y = decoder(unpool_with_switches(y, idx))
        return self.head(y)


@register_model
def segnet(in_channels, num_classes, **kwargs):
    return SegNet(in_channels, num_classes, **kwargs)
