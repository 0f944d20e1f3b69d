"""MultiResUNet: Ibtehaz and Rahman, "MultiResUNet: Rethinking the U-Net
Architecture for Multimodal Biomedical Image Segmentation", Neural Networks
2020 (arXiv:1902.04049).

MultiRes block (Section 3.1, Figure 3c): three chained 3x3 convolutions (the
second and third approximate 5x5 and 7x7 receptive fields) with W/6, W/3 and
W/2 filters, W = alpha * U (alpha = 1.67), concatenated and added to a 1x1
convolution shortcut. Res path (Section 3.2, Figure 4): the skip connection
passes through a chain of 3x3 convolutions with 1x1 residual shortcuts, four
at the top scale, then three, two and one, to narrow the semantic gap between
encoder and decoder. U = width x (1, 2, 4, 8, 16), width 32 in the paper.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBNReLU, concat, segmentation_head, upsample_like
from jmedseg.models._unet_base import MultiScaleModel, pooled_encode
from jmedseg.models.registry import register_model

ALPHA = 1.67


def conv_bn(in_ch, out_ch, kernel_size):
    return nn.Sequential(nn.Conv2d(in_ch, out_ch, kernel_size, padding=kernel_size // 2, bias=False),
                         nn.BatchNorm2d(out_ch))


def multires_split(filters, alpha=ALPHA):
    """Filters of the three chained convolutions: W/6, W/3, W/2 with W = alpha * filters."""
    w = alpha * filters
    split = (int(w * 0.167), int(w * 0.333), int(w * 0.5))
    if min(split) < 1:
        raise ValueError(f"MultiRes block with {filters} filters has an empty branch; use width >= 4")
    return split


class MultiResBlock(nn.Module):
    def __init__(self, in_ch, filters):
        super().__init__()
        c3, c5, c7 = multires_split(filters)
        self.out_channels = c3 + c5 + c7
        self.shortcut = conv_bn(in_ch, self.out_channels, 1)
        self.conv3 = ConvBNReLU(in_ch, c3)
        self.conv5 = ConvBNReLU(c3, c5)
        self.conv7 = ConvBNReLU(c5, c7)
        self.norm_in = nn.BatchNorm2d(self.out_channels)
        self.norm_out = nn.BatchNorm2d(self.out_channels)

    def execute(self, x):
        a = self.conv3(x)
        b = self.conv5(a)
        c = self.conv7(b)
        y = self.norm_in(concat([a, b, c])) + self.shortcut(x)
        return self.norm_out(nn.relu(y))


class ResPath(nn.Module):
    """`length` residual units: relu(conv3x3-BN(x) + conv1x1-BN(x)) followed by BN."""

    def __init__(self, in_ch, out_ch, length):
        super().__init__()
        self.convs = nn.ModuleList([ConvBNReLU(in_ch if k == 0 else out_ch, out_ch) for k in range(length)])
        self.shortcuts = nn.ModuleList([conv_bn(in_ch if k == 0 else out_ch, out_ch, 1) for k in range(length)])
        self.norms = nn.ModuleList([nn.BatchNorm2d(out_ch) for _ in range(length)])

    def execute(self, x):
        for conv, shortcut, norm in zip(self.convs, self.shortcuts, self.norms):
            x = norm(nn.relu(conv(x) + shortcut(x)))
        return x


class MultiResUNet(MultiScaleModel):
    def __init__(self, in_channels, num_classes, width=32, depth=4):
        super().__init__(in_channels, num_classes)
        filters = [width * 2**i for i in range(depth + 1)]
        self.size_divisor = max(32, 2**depth)
        self.encoder = nn.ModuleList()
        ch = in_channels
        block_out = []
        for f in filters:
            block = MultiResBlock(ch, f)
            self.encoder.append(block)
            ch = block.out_channels
            block_out.append(ch)
        self.feature_channels = ch
        self.res_paths = nn.ModuleList([ResPath(block_out[i], filters[i], depth - i) for i in range(depth)])
        self.ups = nn.ModuleList()
        self.decoder = nn.ModuleList()
        for i in reversed(range(depth)):
            self.ups.append(nn.ConvTranspose2d(ch, filters[i], 2, stride=2))
            block = MultiResBlock(2 * filters[i], filters[i])
            self.decoder.append(block)
            ch = block.out_channels
        self.head = segmentation_head(ch, num_classes)

    def encode(self, x):
        return pooled_encode(self.encoder, x)

    def segment(self, x):
        feats = self.encode(x)
        y = feats.pop()
        for up, block in zip(self.ups, self.decoder):
            skip = self.res_paths[len(feats) - 1](feats.pop())
            y = block(concat([upsample_like(up(y), skip), skip]))
        return self.head(y)


@register_model
def multiresunet(in_channels, num_classes, **kwargs):
    return MultiResUNet(in_channels, num_classes, **kwargs)
