"""Segmentation metrics on label maps, foreground classes only.

The paper's own code averaged Dice/IoU over all classes including background,
so a prediction of all background scored about 0.5 on thin structures. Here
background is never averaged in: such a prediction scores 0.
A class absent from both prediction and reference has no defined score (NaN)
and is left out of means.
"""
import numpy as np


def confusion(pred, ref, cls):
    """(tp, fp, fn, tn) pixel counts for one class."""
    p, r = np.asarray(pred) == cls, np.asarray(ref) == cls
    tp = int(np.count_nonzero(p & r))
    fp = int(np.count_nonzero(p & ~r))
    fn = int(np.count_nonzero(~p & r))
    return tp, fp, fn, p.size - tp - fp - fn


def _ratio(num, den):
    return float(num) / den if den else float("nan")


def class_scores(pred, ref, cls):
    """Dice, IoU, precision, recall and accuracy of one class."""
    tp, fp, fn, tn = confusion(pred, ref, cls)
    return {
        "dice": _ratio(2 * tp, 2 * tp + fp + fn),
        "iou": _ratio(tp, tp + fp + fn),
        "precision": _ratio(tp, tp + fp) if tp + fp + fn else float("nan"),
        "recall": _ratio(tp, tp + fn) if tp + fp + fn else float("nan"),
        "accuracy": _ratio(tp + tn, tp + fp + fn + tn),
    }


def segmentation_scores(pred, ref, num_classes, class_names=None):
    """Per-class scores for classes 1..num_classes-1 and their foreground means."""
    pred, ref = np.asarray(pred), np.asarray(ref)
    if pred.shape != ref.shape:
        raise ValueError(f"prediction shape {pred.shape} != reference shape {ref.shape}")
    names = class_names or [f"class{c}" for c in range(num_classes)]
    out = {}
    for c in range(1, num_classes):
        for k, v in class_scores(pred, ref, c).items():
            out[f"{k}_{names[c]}"] = v
    for k in ("dice", "iou", "precision", "recall"):
        vals = [out[f"{k}_{names[c]}"] for c in range(1, num_classes)]
        vals = [v for v in vals if not np.isnan(v)]
        out[f"fg_{k}"] = float(np.mean(vals)) if vals else float("nan")
    return out
