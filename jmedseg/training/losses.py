"""Segmentation losses (config group `loss/`): `loss(logits [B, C, H, W], target [B, H, W]) -> scalar`.

- `CEDiceLoss`: cross-entropy plus soft Dice over the foreground classes (the default).
- `FocalLoss` (Lin et al. 2017): cross-entropy down-weighted on pixels that are already right.
- `TverskyLoss` (Salehi et al. 2017): Dice with separate weights for false positives and negatives.
- `DiceFocalLoss`: soft Dice plus focal, as MONAI's DiceFocalLoss.
- `LovaszSoftmaxLoss` (Berman et al. 2018): a convex surrogate of the Jaccard index, per class.

Dice and Tversky leave out class 0 (background), as the metrics do; focal and
cross-entropy average over every pixel; Lovasz averages over the classes present.
"""
from jmedseg.backend import jt, nn
from jmedseg.errors import ConfigError


def _onehot(target, num_classes):
    """`[B, C, H, W]` float one-hot of integer labels `[B, H, W]`."""
    return (target.unsqueeze(1) == jt.arange(num_classes).reshape(1, -1, 1, 1)).float32()


def _class_sums(logits, target):
    """Per-class sums over batch and pixels: (true positives, predicted mass, reference mass), soft."""
    prob = nn.softmax(logits, dim=1)
    onehot = _onehot(target, logits.shape[1])
    return ((prob * onehot).sum(dims=(0, 2, 3)), prob.sum(dims=(0, 2, 3)), onehot.sum(dims=(0, 2, 3)))


def soft_dice_loss(logits, target, eps=1.0):
    """1 - mean soft Dice of classes 1..C-1 (background excluded, as in the metrics)."""
    inter, pred, ref = _class_sums(logits, target)
    dice = (2 * inter + eps) / (pred + ref + eps)
    return 1.0 - dice[1:].mean()


def focal_loss(logits, target, gamma=2.0):
    """Mean over pixels of -(1 - p_t)^gamma log p_t; gamma=0 is the cross-entropy."""
    log_p = (nn.log_softmax(logits, dim=1) * _onehot(target, logits.shape[1])).sum(dim=1)  # log p_t [B, H, W]
    return -(((1.0 - log_p.exp()) ** gamma) * log_p).mean()


class CEDiceLoss(nn.Module):
    def __init__(self, ce_weight=1.0, dice_weight=1.0):
        super().__init__()
        self.ce_weight, self.dice_weight = ce_weight, dice_weight

    def execute(self, logits, target):
        loss = 0.0
        if self.ce_weight:
            loss = loss + self.ce_weight * nn.cross_entropy_loss(logits, target)
        if self.dice_weight:
            loss = loss + self.dice_weight * soft_dice_loss(logits, target)
        return loss


class FocalLoss(nn.Module):
    def __init__(self, gamma=2.0):
        super().__init__()
        if gamma < 0:
            raise ConfigError(f"loss.gamma must be >= 0, got {gamma}")
        self.gamma = float(gamma)

    def execute(self, logits, target):
        return focal_loss(logits, target, self.gamma)


class TverskyLoss(nn.Module):
    """1 - mean Tversky index TP / (TP + alpha FP + beta FN) of the foreground classes (soft counts).

    alpha = beta = 0.5 is the soft Dice; beta > alpha penalises missed bone more than extra bone.
    """

    def __init__(self, alpha=0.3, beta=0.7, eps=1.0):
        super().__init__()
        if alpha < 0 or beta < 0 or alpha + beta == 0:
            raise ConfigError(f"loss.alpha and loss.beta must be >= 0 and not both 0, got {alpha}, {beta}")
        self.alpha, self.beta, self.eps = float(alpha), float(beta), float(eps)

    def execute(self, logits, target):
        tp, pred, ref = _class_sums(logits, target)
        fp, fn = pred - tp, ref - tp
        index = (tp + self.eps) / (tp + self.alpha * fp + self.beta * fn + self.eps)
        return 1.0 - index[1:].mean()


class DiceFocalLoss(nn.Module):
    def __init__(self, dice_weight=1.0, focal_weight=1.0, gamma=2.0):
        super().__init__()
        self.dice_weight, self.focal_weight, self.gamma = float(dice_weight), float(focal_weight), float(gamma)

    def execute(self, logits, target):
        return (self.dice_weight * soft_dice_loss(logits, target)
                + self.focal_weight * focal_loss(logits, target, self.gamma))


def lovasz_grad(fg_sorted):
    """Gradient of the Jaccard loss's Lovasz extension at errors sorted in decreasing order."""
    total = fg_sorted.sum()
    intersection = total - jt.cumsum(fg_sorted)
    union = total + jt.cumsum(1.0 - fg_sorted)
    jaccard = 1.0 - intersection / union
    return jt.concat([jaccard[:1], jaccard[1:] - jaccard[:-1]])


class LovaszSoftmaxLoss(nn.Module):
    """Mean over the classes present in the batch of the Lovasz extension of 1 - Jaccard."""

    def execute(self, logits, target):
        num_classes = logits.shape[1]
        prob = nn.softmax(logits, dim=1).transpose(0, 2, 3, 1).reshape(-1, num_classes)  # [N, C]
        labels = target.reshape(-1)
        losses = []
        for c in range(num_classes):
            fg = (labels == c).float32()
            if float(fg.sum().item()) == 0:
                continue  # a class absent from the batch has no Jaccard index to improve
            errors = (fg - prob[:, c]).abs()
            order, _ = jt.argsort(errors.detach(), descending=True)
            losses.append((errors[order] * lovasz_grad(fg[order])).sum())
        return sum(losses) / len(losses)
