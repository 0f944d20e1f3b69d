"""Dense UNet (2D DenseUNet): Li et al., "H-DenseUNet: Hybrid Densely Connected
UNet for Liver and Tumor Segmentation from CT Volumes", IEEE TMI 2018
(arXiv:1709.07330), its 2D DenseUNet (Section III-B, Table I).

Encoder: DenseNet (Huang et al., CVPR 2017): a 7x7 stride-2 stem convolution
and max pooling, then dense blocks (each layer BN-ReLU-1x1 conv to
4 x growth, BN-ReLU-3x3 conv to growth, output concatenated to its input) joined
by transition layers (BN-ReLU-1x1 conv halving channels, 2x2 average pooling).
Decoder (UNet connections): bilinear x2 up-sampling, summation with the
same-scale encoder feature, 3x3 conv-BN-ReLU. The paper's encoder is DenseNet-161
(width 96, growth 48, blocks 6-12-36-24); the default here is the lighter
DenseNet-121 layout (width 64, growth 32, blocks 6-12-24-16).
"""
from jmedseg.backend import jt, nn
from jmedseg.models._blocks import ConvBNReLU, pool2x2, segmentation_head, upsample_like
from jmedseg.models._unet_base import MultiScaleModel
from jmedseg.models.registry import register_model


class DenseLayer(nn.Module):
    """BN-ReLU-conv1x1(4k)-BN-ReLU-conv3x3(k); returns input and the k new channels concatenated."""

    def __init__(self, in_ch, growth_rate):
        super().__init__()
        self.body = nn.Sequential(
            nn.BatchNorm2d(in_ch), nn.ReLU(), nn.Conv2d(in_ch, 4 * growth_rate, 1, bias=False),
            nn.BatchNorm2d(4 * growth_rate), nn.ReLU(),
            nn.Conv2d(4 * growth_rate, growth_rate, 3, padding=1, bias=False),
        )

    def execute(self, x):
        return jt.concat([x, self.body(x)], dim=1)


def dense_block(in_ch, n_layers, growth_rate):
    layers = [DenseLayer(in_ch + i * growth_rate, growth_rate) for i in range(n_layers)]
    return nn.Sequential(*layers), in_ch + n_layers * growth_rate


class Transition(nn.Module):
    """BN-ReLU-conv1x1 halving the channels (DenseNet compression 0.5), then 2x2 average pooling."""

    def __init__(self, in_ch):
        super().__init__()
        self.out_channels = in_ch // 2
        self.reduce = nn.Sequential(nn.BatchNorm2d(in_ch), nn.ReLU(), nn.Conv2d(in_ch, self.out_channels, 1, bias=False))

    def execute(self, x):
        return pool2x2(self.reduce(x), op="mean")


class DenseUNet(MultiScaleModel):
    def __init__(self, in_channels, num_classes, width=64, growth_rate=32, block_layers=(6, 12, 24, 16)):
        super().__init__(in_channels, num_classes)
        if len(block_layers) != 4 or min(block_layers) < 1:
            raise ValueError(f"block_layers needs four positive layer counts, got {list(block_layers)}")
        self.stem = ConvBNReLU(in_channels, width, kernel_size=7, stride=2)  # /2
        self.blocks = nn.ModuleList()
        self.transitions = nn.ModuleList()
        skip_chans = [width]
        ch = width
        for k, n_layers in enumerate(block_layers):
            block, ch = dense_block(ch, n_layers, growth_rate)
            self.blocks.append(block)
            skip_chans.append(ch)
            if k < len(block_layers) - 1:
                self.transitions.append(Transition(ch))
                ch = self.transitions[-1].out_channels
        self.final_norm = nn.Sequential(nn.BatchNorm2d(ch), nn.ReLU())
        self.feature_channels = ch
        # Decoder: at each finer scale, y = conv(up(y) + lateral(skip)); channels follow the encoder's.
        self.laterals = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for skip_ch in reversed(skip_chans[:-1]):
            self.laterals.append(nn.Conv2d(skip_ch, ch, 1))
            self.decoders.append(ConvBNReLU(ch, skip_ch))
            ch = skip_ch
        self.refine = ConvBNReLU(ch, width)
        self.head = segmentation_head(width, num_classes)

    def encode(self, x):
        """Features at /2 (stem), /4, /8, /16 (dense blocks 1-3) and /32 (block 4)."""
        skips = [self.stem(x)]
        y = nn.max_pool2d(skips[0], 3, 2, padding=1)
        for k, block in enumerate(self.blocks):
            if k > 0:
                y = self.transitions[k - 1](y)
            y = block(y)
            skips.append(y)
        skips[-1] = self.final_norm(skips[-1])
        return skips

    def segment(self, x):
        skips = self.encode(x)
        y = skips.pop()
        for lateral, decoder in zip(self.laterals, self.decoders):
            skip = skips.pop()
            y = decoder(upsample_like(y, skip) + lateral(skip))
        y = self.refine(nn.interpolate(y, size=tuple(x.shape[2:]), mode="bilinear", align_corners=False))
        return self.head(y)


@register_model
def dense_unet(in_channels, num_classes, **kwargs):
    return DenseUNet(in_channels, num_classes, **kwargs)
