"""UNeXt: Valanarasu and Patel, "UNeXt: MLP-based Rapid Medical Image
Segmentation Network", MICCAI 2022 (arXiv:2203.04967).

Three convolutional stages (3x3 conv-BN-ReLU, 2x2 max pooling), then two
tokenized MLP stages (Section 2, Figure 2): an overlapping patch embedding
(3x3 stride-2 convolution, LayerNorm) and a shifted MLP block. The block
(Eq. 1-5) shifts channel groups along the height by -2..2 pixels, applies a
token-wise linear layer, a 3x3 depthwise convolution and GELU, shifts along the
width, applies a second linear layer, and adds the block input (LayerNorm
before the MLP). The decoder mirrors it: two tokenized MLP stages, then three
convolutional stages, each up-sampling bilinearly and adding the encoder
feature. Channels are width x (1, 2, 8, 10, 16): 16-32-128-160-256 in the paper.
"""
from jmedseg.backend import jt, nn
from jmedseg.models._blocks import pool2x2, segmentation_head, upsample
from jmedseg.models._unet_base import MultiScaleModel
from jmedseg.models.registry import register_model

MAX_SHIFT = 2  # shift window 5 (Section 2.2)


def shift_channel_groups(x, axis):
    """Split channels into 2*MAX_SHIFT+1 groups; group g moves by g - MAX_SHIFT pixels along `axis` (zero fill)."""
    n_groups = min(2 * MAX_SHIFT + 1, x.shape[1])
    size = -(-x.shape[1] // n_groups)  # ceil, like torch.chunk
    length = x.shape[axis]
    pad = [0, 0, 0, 0]
    pad[(3 - axis) * 2:(3 - axis) * 2 + 2] = [MAX_SHIFT, MAX_SHIFT]  # (left, right, top, bottom)
    padded = nn.pad(x, pad)
    parts = []
    for g, start in enumerate(range(0, x.shape[1], size)):
        offset = MAX_SHIFT - (g - MAX_SHIFT)  # y[i] = x[i - shift]
        chunk = padded[:, start:start + size]
        parts.append(chunk[:, :, offset:offset + length] if axis == 2 else chunk[:, :, :, offset:offset + length])
    return jt.concat(parts, dim=1)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of an (N, C, H, W) map, i.e. over each token's features."""

    def __init__(self, channels):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def execute(self, x):
        return self.norm(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ShiftedMLPBlock(nn.Module):
    """x + shiftedMLP(LN(x)); token-wise linear layers are 1x1 convolutions on the token grid."""

    def __init__(self, channels, mlp_ratio=1):
        super().__init__()
        hidden = channels * mlp_ratio
        self.norm = ChannelLayerNorm(channels)
        self.fc1 = nn.Conv2d(channels, hidden, 1)
        self.dwconv = nn.Conv2d(hidden, hidden, 3, padding=1, groups=hidden)
        self.fc2 = nn.Conv2d(hidden, channels, 1)

    def execute(self, x):
        y = self.fc1(shift_channel_groups(self.norm(x), axis=2))
        y = nn.gelu(self.dwconv(y))
        y = self.fc2(shift_channel_groups(y, axis=3))
        return x + y


class TokenizedStage(nn.Sequential):
    """Overlapping patch embedding (3x3 stride-2 conv + LN), a shifted MLP block, LN."""

    def __init__(self, in_ch, out_ch):
        super().__init__(nn.Conv2d(in_ch, out_ch, 3, stride=2, padding=1), ChannelLayerNorm(out_ch),
                         ShiftedMLPBlock(out_ch), ChannelLayerNorm(out_ch))


def conv_bn(in_ch, out_ch):
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, 3, padding=1), nn.BatchNorm2d(out_ch))


class UNeXt(MultiScaleModel):
    def __init__(self, in_channels, num_classes, width=16):
        super().__init__(in_channels, num_classes)
        c = [width * m for m in (1, 2, 8, 10, 16)]
        self.feature_channels = c[4]
        self.conv_stages = nn.ModuleList([conv_bn(in_channels, c[0]), conv_bn(c[0], c[1]), conv_bn(c[1], c[2])])
        self.token_stages = nn.ModuleList([TokenizedStage(c[2], c[3]), TokenizedStage(c[3], c[4])])
        # Decoder: conv (+BN) to the finer channel count, x2 up-sampling, ReLU, add the encoder feature.
        self.decoders = nn.ModuleList([conv_bn(c[4], c[3]), conv_bn(c[3], c[2]), conv_bn(c[2], c[1]),
                                       conv_bn(c[1], c[0]), nn.Conv2d(c[0], c[0], 3, padding=1)])
        self.decoder_mlps = nn.ModuleList([nn.Sequential(ShiftedMLPBlock(c[3]), ChannelLayerNorm(c[3])),
                                           nn.Sequential(ShiftedMLPBlock(c[2]), ChannelLayerNorm(c[2]))])
        self.head = segmentation_head(c[0], num_classes)

    def encode(self, x):
        """Encoder maps at /2, /4, /8 (convolutional) and /16, /32 (tokenized MLP)."""
        feats = []
        y = x
        for stage in self.conv_stages:
            y = nn.relu(pool2x2(stage(y)))
            feats.append(y)
        for stage in self.token_stages:
            y = stage(y)
            feats.append(y)
        return feats

    def segment(self, x):
        feats = self.encode(x)
        y = feats.pop()
        for k, decoder in enumerate(self.decoders):
            y = nn.relu(upsample(decoder(y), 2))
            if feats:
                y = y + feats.pop()
            if k < len(self.decoder_mlps):
                y = self.decoder_mlps[k](y)
        return self.head(y)


@register_model
def unext(in_channels, num_classes, **kwargs):
    return UNeXt(in_channels, num_classes, **kwargs)
