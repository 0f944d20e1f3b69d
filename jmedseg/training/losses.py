"""Training loss: cross-entropy plus soft Dice over the foreground classes."""
from jmedseg.backend import jt, nn


def soft_dice_loss(logits, target, eps=1.0):
    """1 - mean soft Dice of classes 1..C-1 (background excluded, as in the metrics)."""
    num_classes = logits.shape[1]
    prob = nn.softmax(logits, dim=1)
    onehot = (target.unsqueeze(1) == jt.arange(num_classes).reshape(1, -1, 1, 1)).float32()
    inter = (prob * onehot).sum(dims=(0, 2, 3))
    denom = prob.sum(dims=(0, 2, 3)) + onehot.sum(dims=(0, 2, 3))
    dice = (2 * inter + eps) / (denom + eps)
    return 1.0 - dice[1:].mean()


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
