"""Evaluate a model on a split: per-subject segmentation scores and density agreement.

Per test subject (a case), the slices are predicted, scored against the
reference labels, and the density (Johnson SU mode of the cancellous pixels,
paper section 3) is measured on the reference and on the predicted mask of the
same HU image, so the difference is what segmentation errors cost downstream.
"""
import math

import numpy as np
from tqdm import tqdm

from jmedseg.backend import jt
from jmedseg.density.johnson_su import DensityFitError, fit_johnson_su
from jmedseg.metrics import segmentation_scores


def predict(model, dataset, progress=False, desc="predict"):
    """Predicted label maps `[N, H, W]` for every slice of `dataset`, in dataset order."""
    model.eval()
    batches = []
    with jt.no_grad():
        bs = dataset.batch_size
        n = dataset.num_slices
        for start in tqdm(range(0, n, bs), desc=desc, disable=not progress, leave=False):
            x = np.stack([dataset[i][0] for i in range(start, min(start + bs, n))])
            logits = model(jt.array(x))
            batches.append(np.argmax(logits.numpy(), axis=1).astype(np.uint8))
    return np.concatenate(batches)


def density_or_nan(values, what):
    try:
        return fit_johnson_su(values, what).mode, ""
    except DensityFitError as err:
        return float("nan"), str(err)


def evaluate_split(model, split, num_classes, class_names, cancellous_class, progress=False):
    """Per-subject rows and the summary (means and SDs over subjects)."""
    ds = split.dataset
    preds = predict(model, ds, progress=progress, desc="evaluate")
    ids = np.asarray(ds.subject_ids)
    rows = []
    for meta in split.subjects:
        sel = np.flatnonzero(ids == meta["subject_id"])
        ref = np.stack([ds.labels[i] for i in sel])
        hu = np.stack([ds.images_hu[i] for i in sel])
        pred = preds[sel]
        row = dict(meta)
        row.update(segmentation_scores(pred, ref, num_classes, class_names))
        row["density_ref_hu"], _ = density_or_nan(hu[ref == cancellous_class], "reference mask")
        row["density_pred_hu"], row["density_note"] = density_or_nan(
            hu[pred == cancellous_class], f"predicted mask of {meta['subject_id']}")
        row["density_error_hu"] = row["density_pred_hu"] - row["density_ref_hu"]
        rows.append(row)
    return rows, summarize(rows)


def summarize(rows):
    """Mean and SD over subjects of every numeric column (NaNs left out)."""
    out = {"n_subjects": len(rows)}
    for key in rows[0]:
        vals = [r[key] for r in rows if isinstance(r[key], (int, float)) and not isinstance(r[key], bool)]
        if len(vals) != len(rows) or key in ("age",):
            continue
        vals = [v for v in vals if not math.isnan(v)]
        out[f"{key}_mean"] = float(np.mean(vals)) if vals else float("nan")
        out[f"{key}_sd"] = float(np.std(vals, ddof=1)) if len(vals) > 1 else float("nan")
    errs = [abs(r["density_error_hu"]) for r in rows if not math.isnan(r["density_error_hu"])]
    out["density_mae_hu"] = float(np.mean(errs)) if errs else float("nan")
    return out
