"""TernausNet: Iglovikov and Shvets, "TernausNet: U-Net with VGG11 Encoder
Pre-Trained on ImageNet for Image Segmentation", arXiv:1801.05746, 2018.

A U-Net whose encoder is the convolutional part of VGG (Simonyan and
Zisserman, ICLR 2015, Table 1: VGG11 = configuration A, VGG16 = D): five
stages of 3x3 convolutions (VGG11: 1, 1, 2, 2, 2; VGG16: 2, 2, 3, 3, 3) with
64, 128, 256, 512, 512 channels, each followed by 2x2 max pooling. The decoder
(Section II, Figure 1) starts from the pooled stride-32 map; each block is a
3x3 convolution and a transposed convolution that doubles the resolution, and
its output is concatenated with the encoder map of the same size. Decoder
channels with `f` = width / 2 (32 in the paper): blocks with (mid, out)
channels (16f, 8f), (16f, 8f), (16f, 8f), (8f, 2f), (4f, f), a last 3x3
convolution to f channels, and a 1x1 classifier. The transposed convolutions
are 4x4 with stride 2 (as in the authors' VGG16 model: no checkerboard from
uneven kernel overlap).

Deviations: no ImageNet weights (nothing is downloaded; the encoder trains from
scratch), so every convolution has batch norm (as in VGG's batch-norm variants),
which makes a deep VGG trainable from scratch. `ternausnet16` is the paper
code's `ternaus` (its UNet16). Width 64 is the paper's; the default 32 halves
every channel count (a quarter of the cost).
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, SegmentationModel, concat, pool2x2, segmentation_head
from jmedseg.models._fused import BatchNormReLU
from jmedseg.models.registry import register_model

VGG11_STAGE_CONVS = (1, 1, 2, 2, 2)
VGG16_STAGE_CONVS = (2, 2, 3, 3, 3)
VGG_STAGE_WIDTHS = (1, 2, 4, 8, 8)  # channels per stage, in units of `width`


def vgg_stage(in_ch, out_ch, convs):
    return nn.Sequential(*[ConvBNReLU(in_ch if i == 0 else out_ch, out_ch) for i in range(convs)])


class UpBlock(nn.Sequential):
    """3x3 conv-BN-ReLU to `mid` channels, 4x4 stride-2 transposed conv to `out` channels, BN, ReLU."""

    def __init__(self, in_ch, mid_ch, out_ch):
        super().__init__(ConvBNReLU(in_ch, mid_ch),
                         nn.ConvTranspose2d(mid_ch, out_ch, 4, stride=2, padding=1, bias=False),
                         BatchNormReLU(out_ch))


class TernausNet(SegmentationModel):
    def __init__(self, in_channels, num_classes, width=32, stage_convs=VGG16_STAGE_CONVS):
        super().__init__(in_channels, num_classes)
        if len(stage_convs) != 5 or min(stage_convs) < 1:
            raise ValueError(f"a VGG encoder has five stages; stage_convs must give five counts >= 1, "
                             f"got {stage_convs} (VGG11: 1, 1, 2, 2, 2; VGG16: 2, 2, 3, 3, 3)")
        enc = [width * m for m in VGG_STAGE_WIDTHS]
        f = max(1, width // 2)
        self.feature_channels = enc[-1]
        self.stages = nn.ModuleList([vgg_stage(in_channels if i == 0 else enc[i - 1], enc[i], n)
                                     for i, n in enumerate(stage_convs)])
        # (mid, out) channels of the center block and of the decoder blocks at strides 16, 8, 4, 2.
        plan = [(16 * f, 8 * f), (16 * f, 8 * f), (16 * f, 8 * f), (8 * f, 2 * f), (4 * f, f)]
        skips = enc[::-1]  # encoder maps joined after each block: strides 16, 8, 4, 2, 1
        ins = [enc[-1]] + [out + skip for (_, out), skip in zip(plan[:-1], skips[:-1])]
        self.blocks = nn.ModuleList([UpBlock(i, mid, out) for i, (mid, out) in zip(ins, plan)])
        self.last = ConvBNReLU(plan[-1][1] + enc[0], f)
        self.head = segmentation_head(f, num_classes)

    def encode(self, x):
        """The five stage outputs, strides 1 to 16, before their pooling."""
        maps = [self.stages[0](x)]
        for stage in self.stages[1:]:
            maps.append(stage(pool2x2(maps[-1])))
        return maps

    def encoder_features(self, x):
        return pool2x2(self.encode(x)[-1])  # the stride-32 map the decoder starts from

    def segment(self, x):
        maps = self.encode(x)
        y = pool2x2(maps[-1])
        for block, skip in zip(self.blocks, reversed(maps)):
            y = concat([block(y), skip])
        return self.head(self.last(y))


@register_model
def ternausnet11(in_channels, num_classes, **kwargs):
    """TernausNet with a VGG11 encoder (the paper's UNet11)."""
    return TernausNet(in_channels, num_classes, **{"stage_convs": VGG11_STAGE_CONVS, **kwargs})


@register_model
def ternausnet16(in_channels, num_classes, **kwargs):
    """TernausNet with a VGG16 encoder (UNet16, the paper code's `ternaus`)."""
    return TernausNet(in_channels, num_classes, **{"stage_convs": VGG16_STAGE_CONVS, **kwargs})
