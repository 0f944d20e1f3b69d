"""Building blocks shared by the model zoo, and the `SegmentationModel` base class.

The base class owns the input check, so every architecture accepts the same
inputs and fails the same clear way, and it defines the uniform encoder-feature
API that contrastive pretraining (SAS, paper supplement B.2.1) relies on.
"""
from jmedseg.backend import jt, nn
from jmedseg.errors import ConfigError
from jmedseg.models._fused import BatchNormReLU


class SegmentationModel(nn.Module):
    """Base of every registered model: `(N, in_channels, H, W) -> (N, num_classes, H, W)` logits.

    Subclasses implement `segment(x)` and `encoder_features(x)`, the deepest
    encoder feature map `(N, C, h, w)`; `feature_channels` is that C.
    """

    size_divisor = 32
    feature_channels = None

    def __init__(self, in_channels, num_classes):
        super().__init__()
        if in_channels < 1 or num_classes < 2:
            raise ConfigError(
                f"need in_channels >= 1 and num_classes >= 2 (background + one class), "
                f"got in_channels={in_channels}, num_classes={num_classes}"
            )
        self.in_channels = in_channels
        self.num_classes = num_classes

    def check_input(self, x):
        if x.ndim != 4:
            raise ConfigError(f"expected a batch (N, C, H, W), got shape {tuple(x.shape)}")
        n, c, h, w = x.shape
        if c != self.in_channels:
            raise ConfigError(
                f"{type(self).__name__} was built for {self.in_channels} input channel(s), got {c}; "
                "set model in_channels (or data.windows) to match"
            )
        d = self.size_divisor
        if h % d or w % d:
            raise ConfigError(
                f"{type(self).__name__} needs height and width divisible by {d}, got {h}x{w}; "
                f"crop or pad the input (e.g. data.image_size={max(d, (h // d) * d)})"
            )

    def execute(self, x):
        self.check_input(x)
        return self.segment(x)

    def segment(self, x):
        raise NotImplementedError

    def encoder_features(self, x):
        raise NotImplementedError


class ConvBN(nn.Sequential):
    """1x1 (by default) convolution + batch norm, no activation: residual branches, shortcuts, bottlenecks."""

    def __init__(self, in_ch, out_ch, kernel_size=1, stride=1, dilation=1, groups=1, relu=False):
        padding = dilation * (kernel_size - 1) // 2
        super().__init__(
            nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding,
                      dilation=dilation, groups=groups, bias=False),
            # batch norm (+ ReLU) as one CPU kernel (models/_fused.py); same state dict keys as nn.BatchNorm2d
            BatchNormReLU(out_ch, relu=relu),
        )


class ConvBNReLU(ConvBN):
    """3x3 (by default) convolution, batch norm, ReLU: the unit most architectures stack."""

    def __init__(self, in_ch, out_ch, kernel_size=3, stride=1, dilation=1, groups=1):
        super().__init__(in_ch, out_ch, kernel_size, stride, dilation, groups, relu=True)


class DoubleConv(nn.Sequential):
    """Two ConvBNReLU: the UNet stage (Ronneberger et al., 2015)."""

    def __init__(self, in_ch, out_ch, mid_ch=None):
        mid_ch = mid_ch or out_ch
        super().__init__(ConvBNReLU(in_ch, mid_ch), ConvBNReLU(mid_ch, out_ch))


def upsample_like(x, ref):
    """Bilinear resize of `x` to the spatial size of `ref`."""
    if tuple(x.shape[2:]) == tuple(ref.shape[2:]):
        return x
    return nn.interpolate(x, size=tuple(ref.shape[2:]), mode="bilinear", align_corners=False)


def upsample(x, scale):
    return nn.interpolate(x, scale_factor=scale, mode="bilinear", align_corners=False)


def segmentation_head(in_ch, num_classes):
    """1x1 convolution to class logits."""
    return nn.Conv2d(in_ch, num_classes, 1)


def concat(tensors):
    return jt.concat(tensors, dim=1)


def pool2x2(x, op="max"):
    """2x2 pooling with stride 2 ("max" or "mean"). Jittor's pooling refuses a map no larger than
    its kernel, so a 2x2 map (the /16 scale of a 32-pixel input) could not be pooled to 1x1."""
    n, c, h, w = x.shape
    if h % 2 or w % 2:
        raise ConfigError(f"2x2 pooling needs an even height and width, got {h}x{w}")
    blocks = x.reshape(n, c, h // 2, 2, w // 2, 2)
    return blocks.max(dims=(3, 5)) if op == "max" else blocks.mean(dims=(3, 5))


