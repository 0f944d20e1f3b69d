"""HarDNet-MSEG: Huang, Wu and Lin, "HarDNet-MSEG: A Simple Encoder-Decoder
Polyp Segmentation Neural Network that Achieves over 0.9 Mean Dice and 86 FPS",
arXiv:2101.07172, 2021.

Encoder: HarDNet-68 (Chao, Kao, Ruan, Huang and Lin, "HarDNet: A Low Memory
Traffic Network", ICCV 2019, arXiv:1909.00948). A harmonic dense block
connects layer k to layer k - 2^n for every power of two 2^n that
divides k (layer 0 is the block input), so the concatenations stay short; layer
k has growth_rate * m^n channels, 2^n the largest power of two dividing k
(m = 1.7), rounded to an even count. The block outputs the concatenation of
its odd layers and its last layer; a 1x1 transition convolution follows.
HarDNet-68's stages: a 3x3 stride-2 conv to 32 and a 3x3 conv to 64
channels, max pooling, then blocks of 8, 16, 16, 16, 4 layers (growth 14, 16,
20, 40, 160; transitions to 128, 256, 320, 640, 1024 channels) with max pooling
after the first, third and fourth: features at strides 4, 8, 16 and 32.

Decoder: a receptive field block (RFB,
Liu et al., ECCV 2018, as modified in PraNet, Fan et al., MICCAI 2020) reduces
each of the stride-8, -16 and -32 maps to 32 channels: four branches (a 1x1
conv; 1x1, 1xk, kx1 and a 3x3 conv of dilation k for k = 3, 5, 7), concatenated,
a 3x3 conv, plus a 1x1 shortcut, ReLU. The cascaded partial decoder (Wu, Su and
Huang, CVPR 2019) aggregates them from the deepest: each finer map
is multiplied by the up-sampled coarser ones, then concatenated with them;
the result is classified at stride 8 and up-sampled x8. As in the released
HarDNet-MSEG, the RFB and decoder convolutions are conv + batch norm without an
activation (only the RFB output has a ReLU).

`hardnet_mseg_fine` is the variant of the bone-density paper's released code
(`hardalter`): the stride-4 map gets an RFB too and joins the decoder as a
fourth level (concatenated with the up-sampled aggregate), so the logits come
at stride 4 and are up-sampled x4.

Deviations: ReLU in place of ReLU6 in the encoder (the fused CPU batch-norm
kernel applies ReLU), no dropout, no ImageNet weights. `width` is the stem's
first channel count (32 in HarDNet-68); every encoder channel count and growth
rate scales with it.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBN, ConvBNReLU, SegmentationModel, concat, pool2x2, upsample, upsample_like
from jmedseg.models._fused import BatchNormReLU
from jmedseg.models.registry import register_model

HARDNET68_BLOCK_LAYERS = (8, 16, 16, 16, 4)
HARDNET68_GROWTH = (14, 16, 20, 40, 160)
HARDNET68_TRANSITIONS = (128, 256, 320, 640, 1024)
HARDNET68_POOL_AFTER = (True, False, True, True, False)
HARDNET68_STEM = (32, 64)
GROWTH_MULTIPLIER = 1.7


def harmonic_links(k):
    """Earlier layers that layer k (>= 1) reads: k - 2^n for every 2^n dividing k, nearest first."""
    links, step = [], 1
    while k % step == 0 and k - step >= 0:
        links.append(k - step)
        step *= 2
    return links


def harmonic_channels(k, growth, multiplier):
    """Output channels of layer k: growth * multiplier^n (2^n the largest power of two dividing k), even."""
    n = len(harmonic_links(k)) - 1
    return max(2, int(growth * multiplier**n + 1) // 2 * 2)


class HarmonicDenseBlock(nn.Module):
    """`num_layers` 3x3 conv-BN-ReLU layers wired by `harmonic_links`; output: odd layers + the last."""

    def __init__(self, in_ch, growth, num_layers, multiplier=GROWTH_MULTIPLIER):
        super().__init__()
        channels = [in_ch]
        self.links = []
        self.layers = nn.ModuleList()
        for k in range(1, num_layers + 1):
            links = harmonic_links(k)
            self.links.append(links)
            channels.append(harmonic_channels(k, growth, multiplier))
            self.layers.append(ConvBNReLU(sum(channels[i] for i in links), channels[k]))
        self.kept = [k for k in range(1, num_layers + 1) if k % 2 == 1 or k == num_layers]
        self.out_channels = sum(channels[k] for k in self.kept)

    def execute(self, x):
        outputs = [x]
        for links, layer in zip(self.links, self.layers):
            inputs = [outputs[i] for i in links]
            outputs.append(layer(inputs[0] if len(inputs) == 1 else concat(inputs)))
        return concat([outputs[k] for k in self.kept])


def scaled(channels, factor):
    return max(2, int(round(channels * factor)))


class HarDNetEncoder(nn.Module):
    """HarDNet-68; `execute` returns the maps at strides 4, 8, 16 and 32 (channels in `channels`)."""

    def __init__(self, in_channels, width=32, block_layers=HARDNET68_BLOCK_LAYERS):
        super().__init__()
        if len(block_layers) != 5 or min(block_layers) < 1:
            raise ValueError(f"HarDNet-68 has five harmonic dense blocks; block_layers must give five counts >= 1, "
                             f"got {block_layers}")
        factor = width / HARDNET68_STEM[0]
        stem_ch = scaled(HARDNET68_STEM[1], factor)
        self.stem = nn.Sequential(ConvBNReLU(in_channels, scaled(HARDNET68_STEM[0], factor), stride=2),
                                  ConvBNReLU(scaled(HARDNET68_STEM[0], factor), stem_ch))
        self.stages = nn.ModuleList()
        ch = stem_ch
        for layers, growth, out_ch in zip(block_layers, HARDNET68_GROWTH, HARDNET68_TRANSITIONS):
            block = HarmonicDenseBlock(ch, max(1.0, growth * factor), layers)
            ch = scaled(out_ch, factor)
            self.stages.append(nn.Sequential(block, ConvBNReLU(block.out_channels, ch, kernel_size=1)))
        self.pool_after = HARDNET68_POOL_AFTER
        # Stages 1, 3, 4, 5 end at strides 4, 8, 16, 32; stage 2 shares stride 8 with stage 3.
        self.taps = (0, 2, 3, 4)
        self.channels = [scaled(HARDNET68_TRANSITIONS[i], factor) for i in self.taps]

    def execute(self, x):
        y = nn.max_pool2d(self.stem(x), 3, 2, padding=1)  # stride 4
        features = []
        for i, (stage, pool) in enumerate(zip(self.stages, self.pool_after)):
            y = stage(y)
            if i in self.taps:
                features.append(y)
            if pool:
                y = pool2x2(y)
        return features


def conv_bn(in_ch, out_ch, kernel, dilation=1):
    """Conv (square or (kh, kw) kernel, size kept) + batch norm, no activation."""
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    padding = (dilation * (kh - 1) // 2, dilation * (kw - 1) // 2)
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, (kh, kw), padding=padding, dilation=dilation, bias=False),
                         BatchNormReLU(out_ch, relu=False))


class ReceptiveFieldBlock(nn.Module):
    """RFB as in PraNet: a 1x1 branch and three (1x1, 1xk, kx1, 3x3 dilated k) branches, fused, + shortcut."""

    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.branches = nn.ModuleList([conv_bn(in_ch, out_ch, 1)] + [
            nn.Sequential(conv_bn(in_ch, out_ch, 1), conv_bn(out_ch, out_ch, (1, k)),
                          conv_bn(out_ch, out_ch, (k, 1)), conv_bn(out_ch, out_ch, 3, dilation=k))
            for k in (3, 5, 7)
        ])
        self.fuse = conv_bn(4 * out_ch, out_ch, 3)
        self.shortcut = ConvBN(in_ch, out_ch)

    def execute(self, x):
        return nn.relu(self.fuse(concat([branch(x) for branch in self.branches])) + self.shortcut(x))


class PartialDecoder(nn.Module):
    """Cascaded partial decoder over RFB outputs (c channels each), coarsest first: (s32, s16, s8[, s4]).

    x2' = u(x1) * x2;  x3' = u(u(x1)) * u(x2) * x3;  then from the coarsest,
    concatenate each level's product with the up-sampled aggregate above it.
    u = bilinear x2 then a 3x3 conv-BN; a fourth (finest) level is concatenated only.
    """

    def __init__(self, channels, num_classes, levels=3):
        super().__init__()
        c = channels
        self.levels = levels
        self.up_1_to_2 = conv_bn(c, c, 3)
        self.up_1_to_3 = conv_bn(c, c, 3)
        self.up_2_to_3 = conv_bn(c, c, 3)
        self.up_1_agg = conv_bn(c, c, 3)
        self.merge_2 = conv_bn(2 * c, 2 * c, 3)
        self.up_2_agg = conv_bn(2 * c, 2 * c, 3)
        self.merge_3 = conv_bn(3 * c, 3 * c, 3)
        out_ch = 3 * c
        if levels == 4:
            self.up_3_agg = conv_bn(3 * c, 3 * c, 3)
            self.merge_4 = conv_bn(4 * c, 4 * c, 3)
            out_ch = 4 * c
        self.refine = conv_bn(out_ch, out_ch, 3)
        self.head = nn.Conv2d(out_ch, num_classes, 1)

    def execute(self, maps):
        x1, x2, x3 = maps[:3]
        x2_gated = self.up_1_to_2(upsample(x1, 2)) * x2
        x3_gated = self.up_1_to_3(upsample(x1, 4)) * self.up_2_to_3(upsample(x2, 2)) * x3
        agg = self.merge_2(concat([x2_gated, self.up_1_agg(upsample(x1, 2))]))
        agg = self.merge_3(concat([x3_gated, self.up_2_agg(upsample(agg, 2))]))
        if self.levels == 4:
            agg = self.merge_4(concat([maps[3], self.up_3_agg(upsample(agg, 2))]))
        return self.head(self.refine(agg))


class HarDNetMSEG(SegmentationModel):
    def __init__(self, in_channels, num_classes, width=32, block_layers=HARDNET68_BLOCK_LAYERS,
                 decoder_channels=32, fine=False):
        super().__init__(in_channels, num_classes)
        self.encoder = HarDNetEncoder(in_channels, width, block_layers)
        self.feature_channels = self.encoder.channels[-1]
        self.first_level = 0 if fine else 1  # the stride-4 map joins the decoder only in the fine variant
        self.rfbs = nn.ModuleList([ReceptiveFieldBlock(ch, decoder_channels)
                                   for ch in self.encoder.channels[self.first_level:]])
        self.decoder = PartialDecoder(decoder_channels, num_classes, levels=4 - self.first_level)

    def encoder_features(self, x):
        return self.encoder(x)[-1]

    def segment(self, x):
        maps = self.encoder(x)[self.first_level:]
        reduced = [rfb(m) for rfb, m in zip(self.rfbs, maps)]
        return upsample_like(self.decoder(reduced[::-1]), x)


@register_model
def hardnet_mseg(in_channels, num_classes, **kwargs):
    return HarDNetMSEG(in_channels, num_classes, **kwargs)


@register_model
def hardnet_mseg_fine(in_channels, num_classes, **kwargs):
    """HarDNet-MSEG whose decoder also reads the stride-4 map (the paper code's `hardalter`)."""
    return HarDNetMSEG(in_channels, num_classes, **{"fine": True, **kwargs})
