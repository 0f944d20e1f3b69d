"""UNet: Ronneberger, Fischer and Brox, "U-Net: Convolutional Networks for
Biomedical Image Segmentation", MICCAI 2015 (arXiv:1505.04597).

The paper's chosen backbone (supplement B.1, Figure 9). Width (channels of the
first stage) and depth (number of down-sampling steps) are configurable; the
channel count doubles at each step. Padded convolutions keep the output at the
input size.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import DoubleConv, SegmentationModel, concat, segmentation_head, upsample_like
from jmedseg.models.registry import register_model


class UNet(SegmentationModel):
    def __init__(self, in_channels, num_classes, width=32, depth=4, bilinear=False):
        super().__init__(in_channels, num_classes)
        if depth < 1:
            raise ValueError(f"UNet depth must be >= 1, got {depth}")
        chans = [width * 2**i for i in range(depth + 1)]
        self.size_divisor = max(32, 2**depth)
        self.feature_channels = chans[-1]
        self.stem = DoubleConv(in_channels, chans[0])
        self.downs = nn.ModuleList([DoubleConv(chans[i], chans[i + 1]) for i in range(depth)])
        self.ups = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for i in reversed(range(depth)):
            if bilinear:
                self.ups.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"),
                                              nn.Conv2d(chans[i + 1], chans[i], 1)))
            else:
                self.ups.append(nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2))
            self.decoders.append(DoubleConv(2 * chans[i], chans[i]))
        self.head = segmentation_head(chans[0], num_classes)

    def encode(self, x):
        skips = [self.stem(x)]
        for down in self.downs:
            skips.append(down(nn.max_pool2d(skips[-1], 2, 2)))
        return skips

    def encoder_features(self, x):
        return self.encode(x)[-1]

    def segment(self, x):
        skips = self.encode(x)
        y = skips.pop()
        for up, dec in zip(self.ups, self.decoders):
            skip = skips.pop()
            y = dec(concat([skip, upsample_like(up(y), skip)]))
        return self.head(y)


@register_model
def unet(in_channels, num_classes, **kwargs):
    return UNet(in_channels, num_classes, **kwargs)


@register_model
def unet_small(in_channels, num_classes, **kwargs):
    """UNet with width 16: fast on CPU, what the demo trains."""
    return UNet(in_channels, num_classes, **{"width": 16, **kwargs})
