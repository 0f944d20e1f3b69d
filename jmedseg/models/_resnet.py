"""A small ResNet encoder shared by the context-module models of the zoo.

He, Zhang, Ren and Sun, "Deep Residual Learning for Image Recognition", CVPR 2016
(arXiv:1512.03385): basic blocks (two 3x3 convolutions and an identity or 1x1
projection shortcut), a 7x7 stride-2 stem and a max pool, then four stages
that double the channels. `layers=(2, 2, 2, 2)` is ResNet-18, `(3, 4, 6, 3)`
ResNet-34.

`output_stride` 8 or 16 replaces the last strides by dilation, as in
DeepLab (Chen et al., 2017, Section 3.1) and PSPNet (Zhao et al., 2017,
Section 3.2 "dilated network"): the deep stages keep a finer grid while their
receptive field still grows.
"""
from jmedseg.backend import nn
from jmedseg.models._blocks import ConvBN, ConvBNReLU, SegmentationModel, upsample_like


class BasicBlock(nn.Module):
    """ResNet basic block (He et al., 2016, Figure 2)."""

    def __init__(self, in_ch, out_ch, stride=1, dilation=1):
        super().__init__()
        self.conv1 = ConvBNReLU(in_ch, out_ch, stride=stride, dilation=dilation)
        self.conv2 = ConvBN(out_ch, out_ch, 3, dilation=dilation)
        self.shortcut = ConvBN(in_ch, out_ch, stride=stride) if stride != 1 or in_ch != out_ch else None

    def execute(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        return nn.relu(self.conv2(self.conv1(x)) + identity)


def resnet_stage(in_ch, out_ch, blocks, stride=1, dilation=1):
    """`blocks` basic blocks; the first one changes stride and channels."""
    layers = [BasicBlock(in_ch, out_ch, stride=stride, dilation=max(1, dilation // 2) if stride == 1 else 1)]
    layers += [BasicBlock(out_ch, out_ch, dilation=dilation) for _ in range(blocks - 1)]
    return nn.Sequential(*layers)


def require_four_stages(layers):
    if len(layers) != 4:
        raise ValueError(f"this model's ResNet needs four stage depths (ResNet-18: 2, 2, 2, 2), got layers={layers}")


class ResNetEncoder(nn.Module):
    """Stem + four residual stages; `execute` returns the five feature maps, finest first.

    Strides of the returned maps: 2 (stem), 4, 8, 16, 32 at `output_stride=32`;
    the last one or two stages stay at 8 or 16 when `output_stride` asks so.
    `channels` lists their channel counts. Fewer entries in `layers` build
    fewer stages (a hybrid that hands the stride-16 map to a transformer
    needs three).
    """

    def __init__(self, in_channels, width=64, layers=(2, 2, 2, 2), output_stride=32):
        super().__init__()
        if output_stride not in (8, 16, 32):
            raise ValueError(f"output_stride must be 8, 16 or 32, got {output_stride}")
        if not 1 <= len(layers) <= 4 or min(layers) < 1:
            raise ValueError(f"layers must give one to four stage depths >= 1, got {layers}")
        self.channels = [width] + [width * 2**max(0, i - 1) for i in range(1, len(layers) + 1)]
        self.stem = ConvBNReLU(in_channels, width, kernel_size=7, stride=2)
        # Stages 3 and 4 trade stride for dilation when the output stride is below 32.
        dilations = {32: (1, 1, 1, 1), 16: (1, 1, 1, 2), 8: (1, 1, 2, 4)}[output_stride]
        self.stages = nn.ModuleList()
        for i, (blocks, dilation) in enumerate(zip(layers, dilations)):
            stride = 1 if i == 0 or dilation > 1 else 2
            self.stages.append(resnet_stage(self.channels[i], self.channels[i + 1], blocks, stride, dilation))

    def execute(self, x):
        features = [self.stem(x)]
        y = nn.max_pool2d(features[0], 3, 2, padding=1)
        for stage in self.stages:
            y = stage(y)
            features.append(y)
        return features


class ResNetSegmenter(SegmentationModel):
    """A ResNet encoder with a context head: `decode(features)` gives logits, up-sampled to the input.

    The base of the models that put one context module on a dilated ResNet
    (DeepLabV3+, PSPNet, DANet, OCNet, OCRNet, EANet).
    """

    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2), output_stride=8):
        super().__init__(in_channels, num_classes)
        require_four_stages(layers)
        self.encoder = ResNetEncoder(in_channels, width=width, layers=layers, output_stride=output_stride)
        self.feature_channels = self.encoder.channels[-1]

    def encoder_features(self, x):
        return self.encoder(x)[-1]

    def segment(self, x):
        return upsample_like(self.decode(self.encoder(x)), x)

    def decode(self, features):
        raise NotImplementedError
