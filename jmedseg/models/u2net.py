"""U2-Net and U2-Net-lite (u2netp): Qin et al., "U2-Net: Going Deeper with
Nested U-Structure for Salient Object Detection", Pattern Recognition 2020
(arXiv:2005.09007).

Every stage of the outer U is itself a small U, the ReSidual U-block RSU-L
(Section 3.1, Figure 2e): an input conv, an encoder of L-1 conv-BN-ReLU layers
with max pooling between them and a dilated (rate 2) layer at the bottom, a
decoder that up-samples and concatenates, and a residual sum with the input
conv. RSU-4F replaces pooling by dilation rates 1-2-4-8. The outer U (Section
3.2, Table 1): encoder RSU-7, 6, 5, 4, 4F, 4F; decoder RSU-4F, 4, 5, 6, 7; a 3x3
side output per stage up-sampled to the input and a 1x1 fusion of the six.
The paper trains on all seven outputs; here the fused map is returned.
Channel counts scale with `width` (64 in the paper).
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, concat, pool2x2, upsample_like
from jmedseg.models._unet_base import MultiScaleModel, pooled_encode
from jmedseg.models.registry import register_model


class RSU(nn.Module):
    """ReSidual U-block of height L; `dilated=True` is RSU-LF (no pooling, growing dilation)."""

    def __init__(self, height, in_ch, mid_ch, out_ch, dilated=False):
        super().__init__()
        if height < 3:
            raise ValueError(f"RSU height must be >= 3, got {height}")
        self.dilated = dilated
        rates = [2**k for k in range(height)] if dilated else [1] * (height - 1) + [2]
        self.conv_in = ConvBNReLU(in_ch, out_ch)
        self.encoder = nn.ModuleList([ConvBNReLU(out_ch if k == 0 else mid_ch, mid_ch, dilation=rates[k])
                                      for k in range(height)])
        self.decoder = nn.ModuleList([ConvBNReLU(2 * mid_ch, out_ch if k == 0 else mid_ch, dilation=rates[k])
                                      for k in reversed(range(height - 1))])

    def execute(self, x):
        x_in = self.conv_in(x)
        feats = []
        y = x_in
        for k, conv in enumerate(self.encoder):
            # Pool between the first L-1 encoder layers (not before the first or the dilated bottom).
            if 0 < k < len(self.encoder) - 1 and not self.dilated:
                y = pool2x2(y)
            y = conv(y)
            feats.append(y)
        y = feats.pop()
        for conv in self.decoder:
            skip = feats.pop()
            y = conv(concat([upsample_like(y, skip), skip]))
        return y + x_in


# (height, dilated, mid, out) per stage, mid and out in units of width / 64.
U2NET_ENCODER = [(7, False, 32, 64), (6, False, 32, 128), (5, False, 64, 256), (4, False, 128, 512),
                 (4, True, 256, 512), (4, True, 256, 512)]
U2NET_DECODER = [(4, True, 256, 512), (4, False, 128, 256), (5, False, 64, 128), (6, False, 32, 64),
                 (7, False, 16, 64)]
U2NETP_ENCODER = [(7, False, 16, 64), (6, False, 16, 64), (5, False, 16, 64), (4, False, 16, 64),
                  (4, True, 16, 64), (4, True, 16, 64)]
U2NETP_DECODER = [(4, True, 16, 64), (4, False, 16, 64), (5, False, 16, 64), (6, False, 16, 64),
                  (7, False, 16, 64)]


class U2Net(MultiScaleModel):
    def __init__(self, in_channels, num_classes, encoder_spec, decoder_spec, width=64):
        super().__init__(in_channels, num_classes)

        def scaled(c):
            return max(1, c * width // 64)

        self.encoder = nn.ModuleList()
        ch = in_channels
        enc_out = []
        for height, dilated, mid, out in encoder_spec:
            self.encoder.append(RSU(height, ch, scaled(mid), scaled(out), dilated))
            ch = scaled(out)
            enc_out.append(ch)
        self.feature_channels = ch
        self.decoder = nn.ModuleList()
        side_chans = [ch]
        for (height, dilated, mid, out), skip_ch in zip(decoder_spec, reversed(enc_out[:-1])):
            self.decoder.append(RSU(height, ch + skip_ch, scaled(mid), scaled(out), dilated))
            ch = scaled(out)
            side_chans.append(ch)
        # sides[k] reads decoder stage k from the top (k = 0: decoder 1, ..., k = 5: encoder 6).
        self.sides = nn.ModuleList([nn.Conv2d(c, num_classes, 3, padding=1) for c in reversed(side_chans)])
        self.fuse = nn.Conv2d(len(side_chans) * num_classes, num_classes, 1)

    def encode(self, x):
        return pooled_encode(self.encoder, x)

    def segment(self, x):
        feats = self.encode(x)
        y = feats.pop()
        stage_outputs = [y]
        for stage in self.decoder:
            skip = feats.pop()
            y = stage(concat([upsample_like(y, skip), skip]))
            stage_outputs.append(y)
        sides = [upsample_like(side(out), x) for side, out in zip(self.sides, reversed(stage_outputs))]
        return self.fuse(concat(sides))


@register_model
def u2net(in_channels, num_classes, **kwargs):
    return U2Net(in_channels, num_classes, U2NET_ENCODER, U2NET_DECODER, **kwargs)


@register_model
def u2netp(in_channels, num_classes, **kwargs):
    """U2-Net-lite (the paper's U2-Net+, 1.1 M parameters): 16 middle, 64 output channels everywhere."""
    return U2Net(in_channels, num_classes, U2NETP_ENCODER, U2NETP_DECODER, **kwargs)
