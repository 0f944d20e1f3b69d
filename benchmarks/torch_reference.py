"""PyTorch twins of jmedseg networks, for the train-step benchmark (benchmarks/train_step.py).

Each twin has the same layers, in the same order, under the same parameter
names as the jmedseg model, so a jmedseg state dict loads into it unchanged
and both give the same logits (`check_twin` proves it at every benchmark run).
The loss is the same cross-entropy + soft Dice as `jmedseg.training.losses.CEDiceLoss`.
PyTorch is a benchmark-only dependency (`pip install -e .[bench]`); this file
never imports Jittor, because one process holding both runtimes can clash over
OpenMP and oneDNN.

Run directly, it prints each twin's parameter count at the benchmark's settings.
"""
import sys

import numpy as np

try:
    import torch
except ModuleNotFoundError:
    if __name__ == "__main__":  # `make bench` runs every file here
        sys.exit(print("PyTorch is not installed (`pip install -e .[bench]`): no reference networks to list"))
    raise
from torch import nn
from torch.nn import functional as F


class ConvBNReLU(nn.Sequential):
    """jmedseg.models._blocks.ConvBNReLU."""

    def __init__(self, in_ch, out_ch, kernel_size=3, stride=1, dilation=1):
        super().__init__(nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=dilation * (kernel_size - 1) // 2,
                                   dilation=dilation, bias=False),
                         nn.BatchNorm2d(out_ch), nn.ReLU())


class DoubleConv(nn.Sequential):
    """jmedseg.models._blocks.DoubleConv."""

    def __init__(self, in_ch, out_ch):
        super().__init__(ConvBNReLU(in_ch, out_ch), ConvBNReLU(out_ch, out_ch))


def upsample_like(x, ref):
    if x.shape[2:] == ref.shape[2:]:
        return x
    return F.interpolate(x, size=ref.shape[2:], mode="bilinear", align_corners=False)


class AttentionGate(nn.Module):
    """jmedseg.models.attention_unet.AttentionGate (Oktay et al. 2018)."""

    def __init__(self, gating_ch, skip_ch, inter_ch):
        super().__init__()
        self.w_g = nn.Sequential(nn.Conv2d(gating_ch, inter_ch, 1), nn.BatchNorm2d(inter_ch))
        self.w_x = nn.Sequential(nn.Conv2d(skip_ch, inter_ch, 1, bias=False), nn.BatchNorm2d(inter_ch))
        self.psi = nn.Sequential(nn.Conv2d(inter_ch, 1, 1), nn.BatchNorm2d(1))

    def forward(self, g, skip):
        return skip * torch.sigmoid(self.psi(F.relu(self.w_g(g) + self.w_x(skip))))


class UNet(nn.Module):
    """jmedseg.models.unet.UNet (Ronneberger et al. 2015): transposed-conv up-sampling; with
    `attention=True` jmedseg's AttentionUNet: bilinear x2 + ConvBNReLU up-sampling, gated skips."""

    def __init__(self, in_channels, num_classes, width=32, depth=4, attention=False):
        super().__init__()
        chans = [width * 2**i for i in range(depth + 1)]
        self.stem = DoubleConv(in_channels, chans[0])
        self.downs = nn.ModuleList([DoubleConv(chans[i], chans[i + 1]) for i in range(depth)])
        self.ups, self.decoders = nn.ModuleList(), nn.ModuleList()
        self.gates = nn.ModuleList() if attention else None
        for i in reversed(range(depth)):
            if attention:
                self.ups.append(nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear"),
                                              ConvBNReLU(chans[i + 1], chans[i])))
                self.gates.append(AttentionGate(chans[i], chans[i], max(1, chans[i] // 2)))
            else:
                self.ups.append(nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2))
            self.decoders.append(DoubleConv(2 * chans[i], chans[i]))
        self.head = nn.Conv2d(chans[0], num_classes, 1)

    def forward(self, x):
        skips = [self.stem(x)]
        for down in self.downs:
            skips.append(down(F.max_pool2d(skips[-1], 2, 2)))
        y = skips.pop()
        for k, (up, dec) in enumerate(zip(self.ups, self.decoders)):
            skip = skips.pop()
            y = upsample_like(up(y), skip)
            if self.gates is not None:
                skip = self.gates[k](y, skip)
            y = dec(torch.cat([skip, y], dim=1))
        return self.head(y)


class ConvBN(nn.Sequential):
    """jmedseg.models._blocks.ConvBN."""

    def __init__(self, in_ch, out_ch, kernel_size=1, stride=1, dilation=1):
        super().__init__(nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=dilation * (kernel_size - 1) // 2,
                                   dilation=dilation, bias=False), nn.BatchNorm2d(out_ch))


class BasicBlock(nn.Module):
    """jmedseg.models._resnet.BasicBlock (He et al. 2016)."""

    def __init__(self, in_ch, out_ch, stride=1, dilation=1):
        super().__init__()
        self.conv1 = ConvBNReLU(in_ch, out_ch, stride=stride, dilation=dilation)
        self.conv2 = ConvBN(out_ch, out_ch, 3, dilation=dilation)
        self.shortcut = ConvBN(in_ch, out_ch, stride=stride) if stride != 1 or in_ch != out_ch else None

    def forward(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        return F.relu(self.conv2(self.conv1(x)) + identity)


class ResNetEncoder(nn.Module):
    """jmedseg.models._resnet.ResNetEncoder at output stride 16 (last stage dilated)."""

    def __init__(self, in_channels, width, layers=(2, 2, 2, 2)):
        super().__init__()
        self.channels = [width] + [width * 2**max(0, i - 1) for i in range(1, len(layers) + 1)]
        self.stem = ConvBNReLU(in_channels, width, kernel_size=7, stride=2)
        self.stages = nn.ModuleList()
        for i, (blocks, dilation) in enumerate(zip(layers, (1, 1, 1, 2))):
            stride = 1 if i == 0 or dilation > 1 else 2
            first = BasicBlock(self.channels[i], self.channels[i + 1], stride,
                               max(1, dilation // 2) if stride == 1 else 1)
            rest = [BasicBlock(self.channels[i + 1], self.channels[i + 1], dilation=dilation) for _ in range(blocks - 1)]
            self.stages.append(nn.Sequential(first, *rest))

    def forward(self, x):
        features = [self.stem(x)]
        y = F.max_pool2d(features[0], 3, 2, padding=1)
        for stage in self.stages:
            y = stage(y)
            features.append(y)
        return features


class ImagePooling(nn.Module):
    def __init__(self, in_ch, out_ch):
        super().__init__()
        self.project = ConvBNReLU(in_ch, out_ch, kernel_size=1)

    def forward(self, x):
        return upsample_like(self.project(x.mean(dim=(2, 3), keepdim=True)), x)


class ASPP(nn.Module):
    def __init__(self, in_ch, out_ch, rates=(6, 12, 18)):
        super().__init__()
        self.branches = nn.ModuleList([ConvBNReLU(in_ch, out_ch, kernel_size=1)]
                                      + [ConvBNReLU(in_ch, out_ch, dilation=r) for r in rates]
                                      + [ImagePooling(in_ch, out_ch)])
        self.project = ConvBNReLU(out_ch * len(self.branches), out_ch, kernel_size=1)

    def forward(self, x):
        return self.project(torch.cat([branch(x) for branch in self.branches], dim=1))


class DeepLabV3Plus(nn.Module):
    """jmedseg.models.deeplabv3p.DeepLabV3Plus (Chen et al. 2018) on a small ResNet."""

    def __init__(self, in_channels, num_classes, width=64, layers=(2, 2, 2, 2), rates=(6, 12, 18)):
        super().__init__()
        self.encoder = ResNetEncoder(in_channels, width, layers)
        aspp_ch, low_ch = 4 * width, max(1, 3 * width // 4)
        self.aspp = ASPP(self.encoder.channels[-1], aspp_ch, rates)
        self.reduce_low_level = ConvBNReLU(self.encoder.channels[1], low_ch, kernel_size=1)
        self.refine = nn.Sequential(ConvBNReLU(aspp_ch + low_ch, aspp_ch), ConvBNReLU(aspp_ch, aspp_ch))
        self.head = nn.Conv2d(aspp_ch, num_classes, 1)

    def forward(self, x):
        features = self.encoder(x)
        low = self.reduce_low_level(features[1])
        y = upsample_like(self.aspp(features[-1]), low)
        return upsample_like(self.head(self.refine(torch.cat([y, low], dim=1))), x)


def soft_dice_loss(logits, target, eps=1.0):
    """jmedseg.training.losses.soft_dice_loss: 1 - mean soft Dice of the foreground classes."""
    prob = torch.softmax(logits, dim=1)
    onehot = F.one_hot(target.long(), logits.shape[1]).permute(0, 3, 1, 2).float()
    inter = (prob * onehot).sum(dim=(0, 2, 3))
    denom = prob.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
    dice = (2 * inter + eps) / (denom + eps)
    return 1.0 - dice[1:].mean()


def ce_dice_loss(logits, target):
    """jmedseg.training.losses.CEDiceLoss with both weights 1."""
    return F.cross_entropy(logits, target.long()) + soft_dice_loss(logits, target)


# jmedseg model name -> twin builder(in_channels, num_classes, **kwargs), with jmedseg's defaults
TWINS = {
    "unet_small": lambda c_in, n_cls, **kw: UNet(c_in, n_cls, **{"width": 16, **kw}),
    "attention_unet": lambda c_in, n_cls, **kw: UNet(c_in, n_cls, attention=True, **kw),
    "deeplabv3p": DeepLabV3Plus,
}


def create_twin(name, in_channels, num_classes, **kwargs):
    if name not in TWINS:
        raise KeyError(f"no PyTorch twin for {name!r}; benchmarks/torch_reference.py has {sorted(TWINS)}")
    return TWINS[name](in_channels, num_classes, **kwargs)


def load_jittor_state(model, state):
    """Copy a jmedseg state dict (name -> numpy array) into the twin; every name must match."""
    own = model.state_dict()
    wanted = {k for k in own if not k.endswith("num_batches_tracked")}
    missing, extra = wanted - set(state), set(state) - wanted
    if missing or extra:
        raise ValueError(f"twin and jmedseg model differ: missing {sorted(missing)[:5]}, extra {sorted(extra)[:5]}")
    for key in wanted:
        if tuple(own[key].shape) != tuple(state[key].shape):
            raise ValueError(f"{key}: twin shape {tuple(own[key].shape)} != jmedseg {tuple(state[key].shape)}")
        own[key] = torch.from_numpy(np.asarray(state[key], np.float32))
    model.load_state_dict(own)


def check_twin(model, state, x, y, logits_ref, loss_ref):
    """Load jmedseg's weights and return (max |logit difference|, |loss difference|) in eval mode."""
    load_jittor_state(model, state)
    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(x))
        loss = ce_dice_loss(logits, torch.from_numpy(y))
    model.train()
    return float(np.abs(logits.numpy() - logits_ref).max()), abs(float(loss) - loss_ref)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


if __name__ == "__main__":
    from train_step import MODEL_KWARGS

    for name in sorted(TWINS):
        kwargs = MODEL_KWARGS.get(name, {})
        print(f"{name} {kwargs}: {count_parameters(create_twin(name, 1, 3, **kwargs)):,} parameters")
