"""Segmentation metrics on label maps, foreground classes only.

The paper's own code averaged Dice/IoU over all classes including background,
so a prediction of all background scored about 0.5 on thin structures. Here
background is never averaged in: such a prediction scores 0.
A class absent from both prediction and reference has no defined score (NaN)
and is left out of means.

HD95 (the 95 % Hausdorff distance, in mm from the pixel spacing) follows
medpy.metric.binary.hd95: boundary pixels of each mask, Euclidean distance of
each to the other mask's boundary, 95th percentile of both directions pooled.
"""
import numpy as np
from scipy import ndimage


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
    return _foreground_means(out, names, num_classes, ("dice", "iou", "precision", "recall"))


def _surface(mask):
    """Boundary pixels of a boolean mask: the mask minus its erosion by the cross (medpy's connectivity 1)."""
    cross = ndimage.generate_binary_structure(mask.ndim, 1)
    return mask & ~ndimage.binary_erosion(mask, structure=cross, border_value=0)


def surface_distances(pred_mask, ref_mask, spacing=None):
    """Distances (mm with `spacing`, else pixels) from each boundary pixel of one mask to the other's boundary.

    `spacing` is the pixel size per array axis, e.g. (row mm, column mm) for a 2D slice.
    Returns `(pred_to_ref, ref_to_pred)`; both empty when either mask is empty.
    Distance transforms as in medpy.metric.binary.__surface_distances.
    """
    pred_mask, ref_mask = np.asarray(pred_mask, bool), np.asarray(ref_mask, bool)
    if pred_mask.shape != ref_mask.shape:
        raise ValueError(f"mask shapes differ: {pred_mask.shape} vs {ref_mask.shape}")
    spacing = _check_spacing(spacing, pred_mask.ndim)
    if not pred_mask.any() or not ref_mask.any():
        return np.zeros(0), np.zeros(0)
    pred_edge, ref_edge = _surface(pred_mask), _surface(ref_mask)
    to_ref = ndimage.distance_transform_edt(~ref_edge, sampling=spacing)
    to_pred = ndimage.distance_transform_edt(~pred_edge, sampling=spacing)
    return to_ref[pred_edge], to_pred[ref_edge]


def _check_spacing(spacing, ndim):
    if spacing is None:
        return (1.0,) * ndim
    spacing = tuple(float(s) for s in np.broadcast_to(np.asarray(spacing, float), (ndim,)))
    if not all(np.isfinite(s) and s > 0 for s in spacing):
        raise ValueError(f"pixel spacing must be positive numbers (mm), got {spacing}")
    return spacing


def hd95_from_distances(pred_to_ref, ref_to_pred, pred_empty, ref_empty):
    """95th percentile of the pooled boundary distances of both directions (medpy's hd95).

    Rule for empty masks: both empty -> NaN (no boundary to compare, left out of
    means like Dice); exactly one empty -> inf (the boundary is infinitely far).
    """
    if pred_empty and ref_empty:
        return float("nan")
    if pred_empty or ref_empty:
        return float("inf")
    return float(np.percentile(np.concatenate([pred_to_ref, ref_to_pred]), 95))


def hd95(pred_mask, ref_mask, spacing=None):
    """Symmetric 95 % Hausdorff distance between two binary masks, in mm when `spacing` is given."""
    pred_mask, ref_mask = np.asarray(pred_mask, bool), np.asarray(ref_mask, bool)
    d_pr, d_rp = surface_distances(pred_mask, ref_mask, spacing)
    return hd95_from_distances(d_pr, d_rp, not pred_mask.any(), not ref_mask.any())


def _foreground_means(out, names, num_classes, keys):
    for k in keys:
        vals = [out[f"{k}_{names[c]}"] for c in range(1, num_classes)]
        vals = [v for v in vals if not np.isnan(v)]
        out[f"fg_{k}"] = float(np.mean(vals)) if vals else float("nan")
    return out


def slice_scores(pred, ref, num_classes, class_names=None, spacing=None):
    """`segmentation_scores` of one 2D slice plus HD95 per class (mm with `spacing`) and its foreground mean."""
    out = segmentation_scores(pred, ref, num_classes, class_names)
    names = class_names or [f"class{c}" for c in range(num_classes)]
    for c in range(1, num_classes):
        out[f"hd95_{names[c]}"] = hd95(np.asarray(pred) == c, np.asarray(ref) == c, spacing)
    return _foreground_means(out, names, num_classes, ("hd95",))


def case_scores(preds, refs, num_classes, class_names=None, spacings=None):
    """Scores of one case (a subject's stack of 2D slices `[N, H, W]`).

    Overlap scores count the pixels of all slices together. HD95 pools the
    boundary distances of every slice (computed in 2D with that slice's
    spacing, since slices need not be adjacent) and takes their 95th
    percentile; a class present in a slice of one map but absent from the same
    slice of the other makes the case's HD95 inf (see `hd95_from_distances`).
    """
    preds, refs = np.asarray(preds), np.asarray(refs)
    if preds.shape != refs.shape or preds.ndim != 3:
        raise ValueError(f"need equal [N, H, W] stacks, got {preds.shape} and {refs.shape}")
    spacings = [None] * len(preds) if spacings is None else list(spacings)
    if len(spacings) != len(preds):
        raise ValueError(f"{len(spacings)} spacings for {len(preds)} slices")
    out = segmentation_scores(preds, refs, num_classes, class_names)
    names = class_names or [f"class{c}" for c in range(num_classes)]
    for c in range(1, num_classes):
        pooled, pred_any, ref_any, unmatched = [], False, False, False
        for p, r, s in zip(preds == c, refs == c, spacings):
            pooled.extend(surface_distances(p, r, s))
            pred_any, ref_any = pred_any or p.any(), ref_any or r.any()
            unmatched = unmatched or (p.any() != r.any())
        if unmatched:
            out[f"hd95_{names[c]}"] = float("inf")
        else:
            flat = np.concatenate(pooled) if pooled else np.zeros(0)
            out[f"hd95_{names[c]}"] = hd95_from_distances(flat, np.zeros(0), not pred_any, not ref_any)
    return _foreground_means(out, names, num_classes, ("hd95",))
