"""The UNet wiring shared by the UNet-family variants that only change their parts.

Attention UNet, R2U-Net, R2AttU-Net, ResUNet and SCSE-UNet all keep Ronneberger
et al.'s (2015) layout: an encoder of stages whose channels double after each
down-sampling, a decoder that up-samples, joins the same-scale skip and applies
a stage, and a 1x1 head. They differ in the stage (plain, recurrent-residual,
residual, squeeze-excited), in an optional attention gate on each skip and in
how they up- and down-sample; `SkipUNet` takes those as arguments.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, SegmentationModel, concat, pool2x2, segmentation_head, upsample_like


class MultiScaleModel(SegmentationModel):
    """A model whose `encode(x)` lists its encoder maps, finest first; the last is its encoder feature."""

    def encode(self, x):
        raise NotImplementedError

    def encoder_features(self, x):
        return self.encode(x)[-1]


def pooled_encode(stages, x):
    """Apply `stages` in turn with 2x2 max pooling between them; every stage's output, finest first."""
    feats = [stages[0](x)]
    for stage in stages[1:]:
        feats.append(stage(pool2x2(feats[-1])))
    return feats


def unet_channels(width, depth):
    """Channels per scale: `width` at full resolution, doubling at each of `depth` down-samplings."""
    if width < 1 or depth < 1:
        raise ValueError(f"need width >= 1 and depth >= 1, got width={width}, depth={depth}")
    return [width * 2**i for i in range(depth + 1)]


class SkipUNet(MultiScaleModel):
    """UNet wiring with pluggable parts.

    stage(in_ch, out_ch, stride) -> module: a resolution stage; it gets stride 2
        on the way down when `downsample="stride"` (ResUNet), else stride 1.
    downsample: "maxpool" (2x2 max pooling before the stage) or "stride".
    upsample: "transpose" (2x2 transposed conv halving channels), "bilinear_conv"
        (bilinear x2 then a 3x3 conv halving channels) or "bilinear" (bilinear x2,
        channels kept: the decoder stage sees deep + skip channels).
    gate(gating_ch, skip_ch, inter_ch) -> module called as gate(g, skip) that
        returns the re-weighted skip (attention gates), or None.
    stem(in_ch, out_ch) -> module: the full-resolution encoder stage, when it
        differs from `stage` (default: stage(in_ch, out_ch, 1)).
    """

    def __init__(self, in_channels, num_classes, width, depth, stage, downsample="maxpool",
                 upsample="transpose", gate=None, stem=None):
        super().__init__(in_channels, num_classes)
        if downsample not in ("maxpool", "stride"):
            raise ValueError(f"downsample must be 'maxpool' or 'stride', got {downsample!r}")
        if upsample not in ("transpose", "bilinear_conv", "bilinear"):
            raise ValueError(f"upsample must be 'transpose', 'bilinear_conv' or 'bilinear', got {upsample!r}")
        chans = unet_channels(width, depth)
        self.size_divisor = max(32, 2**depth)
        self.feature_channels = chans[-1]
        self.downsample = downsample
        self.stem = stem(in_channels, chans[0]) if stem else stage(in_channels, chans[0], 1)
        self.downs = nn.ModuleList([stage(chans[i], chans[i + 1], 2 if downsample == "stride" else 1)
                                    for i in range(depth)])
        self.ups = nn.ModuleList()
        self.gates = nn.ModuleList() if gate is not None else None
        self.decoders = nn.ModuleList()
        for i in reversed(range(depth)):
            up_ch = chans[i + 1] if upsample == "bilinear" else chans[i]
            if upsample == "transpose":
                self.ups.append(nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2))
            elif upsample == "bilinear_conv":
                self.ups.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"),
                                              ConvBNReLU(chans[i + 1], chans[i])))
            else:
                self.ups.append(nn.Upsample(scale_factor=2, mode="bilinear"))
            if gate is not None:
                self.gates.append(gate(up_ch, chans[i], max(1, chans[i] // 2)))
            self.decoders.append(stage(up_ch + chans[i], chans[i], 1))
        self.head = segmentation_head(chans[0], num_classes)

    def encode(self, x):
        skips = [self.stem(x)]
        for down in self.downs:
            y = skips[-1]
            if self.downsample == "maxpool":
                y = pool2x2(y)
            skips.append(down(y))
        return skips

    def segment(self, x):
        skips = self.encode(x)
        y = skips.pop()
        for k, (up, dec) in enumerate(zip(self.ups, self.decoders)):
            skip = skips.pop()
            y = upsample_like(up(y), skip)
            if self.gates is not None:
                skip = self.gates[k](y, skip)
            y = dec(concat([skip, y]))
        return self.head(y)
