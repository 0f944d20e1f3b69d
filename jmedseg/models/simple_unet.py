"""Simple U-Net: the smallest U-Net of the bone-density paper's released code
(THU-CVlab/JMedSegV2, model name `simple`); it has no paper of its own. The
wiring is Ronneberger et al.'s U-Net (MICCAI 2015, arXiv:1505.04597), pared down:

- the stem is a 2x2 stride-2 convolution, so the first stage already works at
  half resolution, and a 2x2 stride-2 transposed convolution is the classifier;
- one 3x3 convolution, group norm (Wu and He, ECCV 2018) and ReLU per stage
  instead of two convolutions with batch norm;
- skips are merged by multiplication, not concatenation: the deeper map,
  up-sampled by a 2x2 transposed convolution to the skip's channels, gates the
  encoder map element-wise before the stage's convolution.

Width 64 and depth 3 are the released network (3.0 M parameters for 3 input
channels and 2 classes); the default width 32 has a quarter of the parameters.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import pool2x2
from jmedseg.models._group_norm import ConvGN
from jmedseg.models._unet_base import MultiScaleModel, unet_channels
from jmedseg.models.registry import register_model


class SimpleUNet(MultiScaleModel):
    def __init__(self, in_channels, num_classes, width=32, depth=3):
        super().__init__(in_channels, num_classes)
        chans = unet_channels(width, depth)
        self.size_divisor = max(32, 2 ** (depth + 1))
        self.feature_channels = chans[-1]
        self.stem = nn.Conv2d(in_channels, chans[0], 2, stride=2)
        self.downs = nn.ModuleList([ConvGN(chans[i], chans[i + 1]) for i in range(depth)])
        self.ups = nn.ModuleList([nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2, bias=False)
                                  for i in reversed(range(depth))])
        self.decoders = nn.ModuleList([ConvGN(chans[i], chans[i]) for i in reversed(range(depth))])
        self.head = nn.ConvTranspose2d(chans[0], num_classes, 2, stride=2)

    def encode(self, x):
        skips = [self.stem(x)]  # (N, width, H/2, W/2)
        for down in self.downs:
            skips.append(down(pool2x2(skips[-1])))
        return skips

    def segment(self, x):
        skips = self.encode(x)
        y = skips.pop()
        for up, decoder in zip(self.ups, self.decoders):
            y = decoder(up(y) * skips.pop())
        return self.head(y)


@register_model
def simple_unet(in_channels, num_classes, **kwargs):
    return SimpleUNet(in_channels, num_classes, **kwargs)
