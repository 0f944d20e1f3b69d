"""PyTorch twins of jmedseg networks, for the train-step benchmark (benchmarks/train_step.py).

Each twin has the same layers, in the same order, under the same parameter
names as the jmedseg model, so a jmedseg state dict loads into it unchanged
and both give the same logits (`check_twin` proves it at every benchmark run).
The loss is the same cross-entropy + soft Dice as `jmedseg.losses.CEDiceLoss`.
PyTorch is a benchmark-only dependency (`pip install -e .[bench]`); this file
never imports Jittor, because one process holding both runtimes can clash over
OpenMP and oneDNN.

Run directly, it prints each twin's parameter count.
"""
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class ConvBNReLU(nn.Sequential):
    """jmedseg.models._blocks.ConvBNReLU."""

    def __init__(self, in_ch, out_ch, kernel_size=3):
        super().__init__(nn.Conv2d(in_ch, out_ch, kernel_size, padding=(kernel_size - 1) // 2, bias=False),
                         nn.BatchNorm2d(out_ch), nn.ReLU())


class DoubleConv(nn.Sequential):
    """jmedseg.models._blocks.DoubleConv."""

    def __init__(self, in_ch, out_ch):
        super().__init__(ConvBNReLU(in_ch, out_ch), ConvBNReLU(out_ch, out_ch))


def upsample_like(x, ref):
    if x.shape[2:] == ref.shape[2:]:
        return x
    return F.interpolate(x, size=ref.shape[2:], mode="bilinear", align_corners=False)


class UNet(nn.Module):
    """jmedseg.models.unet.UNet (Ronneberger et al. 2015), transposed-conv up-sampling."""

    def __init__(self, in_channels, num_classes, width=32, depth=4):
        super().__init__()
        chans = [width * 2**i for i in range(depth + 1)]
        self.stem = DoubleConv(in_channels, chans[0])
        self.downs = nn.ModuleList([DoubleConv(chans[i], chans[i + 1]) for i in range(depth)])
        self.ups = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for i in reversed(range(depth)):
            self.ups.append(nn.ConvTranspose2d(chans[i + 1], chans[i], 2, stride=2))
            self.decoders.append(DoubleConv(2 * chans[i], chans[i]))
        self.head = nn.Conv2d(chans[0], num_classes, 1)

    def forward(self, x):
        skips = [self.stem(x)]
        for down in self.downs:
            skips.append(down(F.max_pool2d(skips[-1], 2, 2)))
        y = skips.pop()
        for up, dec in zip(self.ups, self.decoders):
            skip = skips.pop()
            y = dec(torch.cat([skip, upsample_like(up(y), skip)], dim=1))
        return self.head(y)


def soft_dice_loss(logits, target, eps=1.0):
    """jmedseg.losses.soft_dice_loss: 1 - mean soft Dice of the foreground classes."""
    prob = torch.softmax(logits, dim=1)
    onehot = F.one_hot(target.long(), logits.shape[1]).permute(0, 3, 1, 2).float()
    inter = (prob * onehot).sum(dim=(0, 2, 3))
    denom = prob.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
    dice = (2 * inter + eps) / (denom + eps)
    return 1.0 - dice[1:].mean()


def ce_dice_loss(logits, target):
    """jmedseg.losses.CEDiceLoss with both weights 1."""
    return F.cross_entropy(logits, target.long()) + soft_dice_loss(logits, target)


TWINS = {
    "unet_small": lambda c_in, n_cls: UNet(c_in, n_cls, width=16),
}


def create_twin(name, in_channels, num_classes):
    if name not in TWINS:
        raise KeyError(f"no PyTorch twin for {name!r}; benchmarks/torch_reference.py has {sorted(TWINS)}")
    return TWINS[name](in_channels, num_classes)


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
    for name in sorted(TWINS):
        print(f"{name}: {count_parameters(create_twin(name, 1, 3)):,} parameters")
