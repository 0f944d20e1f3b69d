"""Evaluate a model on a split: per-case and per-slice segmentation scores, and density agreement.

Per test subject (a case), the slices are predicted and scored against the
reference labels (Dice, IoU, precision, recall, accuracy per class, HD95 in mm
from the slice spacing). The density (Johnson SU mode of the cancellous
pixels, paper section 3, and simpler estimators beside it) is measured on the
reference and on the predicted mask of the same HU image, so the difference
is what segmentation errors cost downstream; `jmedseg.evaluation.agreement` then compares
the two over subjects (Bland-Altman, ICC, CCC, age slopes).
"""
import math
import os

import numpy as np
from tqdm import tqdm

from jmedseg.errors import ConfigError
from jmedseg.evaluation import agreement
from jmedseg.backend import jt
from jmedseg.constants import MIN_DENSITY_PIXELS  # other estimators use the fit's minimum: none is invented
from jmedseg.density.estimators import ESTIMATORS, estimate
from jmedseg.density.johnson_su import DensityFitError
from jmedseg.evaluation.metrics import case_scores, slice_scores
from jmedseg.utils.report import fmt, markdown_table, write_csv, write_json, write_text

CASE_COLUMNS = ("subject_id", "fg_dice", "fg_iou", "fg_hd95", "density_ref_hu", "density_pred_hu",
                "density_error_hu")


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


def density_estimates(values, what, estimators=tuple(ESTIMATORS)):
    """`{name: (value or NaN, note)}` for each estimator of `jmedseg.density.estimators`.

    Too few pixels (an empty or nearly empty predicted mask) gives NaN and the reason, never a number.
    """
    values = np.asarray(values, np.float64).ravel()
    out = {}
    for name in estimators:
        if values.size < MIN_DENSITY_PIXELS:
            out[name] = (float("nan"), f"{what}: {values.size} cancellous pixels < {MIN_DENSITY_PIXELS}, "
                                       "no density (empty or nearly empty prediction)")
            continue
        try:
            out[name] = (float(estimate(name, values, what=what)), "")
        except DensityFitError as err:
            out[name] = (float("nan"), str(err))
    return out


def slice_spacings(dataset):
    """Per-slice in-plane spacing `(row mm, column mm)` from `dataset.spacing_mm`, and the HD95 unit.

    Without `spacing_mm` the distances are in pixels, and the unit says so.
    """
    n = dataset.num_slices
    spacing = getattr(dataset, "spacing_mm", None)
    if spacing is None:
        return [None] * n, "pixel"
    arr = np.asarray(spacing, float)
    if arr.ndim == 0 or arr.shape == (2,):
        return [tuple(np.broadcast_to(arr, (2,)))] * n, "mm"
    if arr.shape[0] != n:
        raise ValueError(f"dataset.spacing_mm has {arr.shape[0]} entries for {n} slices")
    return [tuple(np.broadcast_to(s, (2,))) for s in arr], "mm"


def evaluate_split_full(model, split, num_classes, class_names, cancellous_class, progress=False):
    """Cases, slices, summary and density agreement of `model` on `split` (a `SplitData`)."""
    ds = split.dataset
    preds = predict(model, ds, progress=progress, desc="evaluate")
    spacings, unit = slice_spacings(ds)
    ids = np.asarray(ds.subject_ids)
    cases, slices = [], []
    for meta in split.subjects:
        sel = np.flatnonzero(ids == meta["subject_id"])
        ref = np.stack([ds.labels[i] for i in sel])
        hu = np.stack([ds.images_hu[i] for i in sel])
        pred = preds[sel]
        case_spacing = [spacings[i] for i in sel]
        for j, i in enumerate(sel):
            slices.append({"subject_id": meta["subject_id"], "slice": j, "dataset_index": int(i),
                           **slice_scores(pred[j], ref[j], num_classes, class_names, case_spacing[j])})
        row = dict(meta, n_slices=len(sel))
        row.update(case_scores(pred, ref, num_classes, class_names, case_spacing))
        row.update(_case_densities(hu, ref, pred, cancellous_class, meta["subject_id"]))
        cases.append(row)
    summary = summarize(cases)
    summary["hd95_unit"] = unit
    return {"cases": cases, "slices": slices, "summary": summary, "agreement": density_agreement(cases)}


def density_key(estimator, which):
    """Case column of an estimator's density: `density_pred_hu` for the paper's, `density_mean_pred_hu`, ..."""
    tag = "" if estimator == "jsu_mode" else f"_{estimator}"  # the paper's estimator keeps the plain names
    return f"density{tag}_{which}_hu"


def _case_densities(hu, ref, pred, cancellous_class, subject_id):
    ref_d = density_estimates(hu[ref == cancellous_class], f"reference mask of {subject_id}")
    pred_d = density_estimates(hu[pred == cancellous_class], f"predicted mask of {subject_id}")
    out = {}
    for name in ESTIMATORS:
        out[density_key(name, "ref")] = ref_d[name][0]
        out[density_key(name, "pred")] = pred_d[name][0]
        out[density_key(name, "error")] = pred_d[name][0] - ref_d[name][0]
    out["density_note"] = "; ".join(sorted({note for _, note in (*ref_d.values(), *pred_d.values()) if note}))
    return out


def density_agreement(cases):
    """Agreement of predicted-mask vs reference-mask density over cases, one entry per estimator."""
    ages = [c.get("age", float("nan")) for c in cases]
    out = {}
    for name in ESTIMATORS:
        out[name] = agreement.agreement([c[density_key(name, "pred")] for c in cases],
                                        [c[density_key(name, "ref")] for c in cases], ages)
    return out


def summarize(rows):
    """Mean and SD over cases of every numeric column.

    NaN (score undefined) is left out. inf (an HD95 where a class was missed
    in one map) is left out of the mean and SD and counted in `<key>_n_inf`.
    """
    out = {"n_subjects": len(rows)}
    for key in rows[0]:
        vals = [r[key] for r in rows if isinstance(r[key], (int, float)) and not isinstance(r[key], bool)]
        if len(vals) != len(rows) or key in ("age", "n_slices"):
            continue
        finite = [v for v in vals if math.isfinite(v)]
        n_inf = sum(1 for v in vals if math.isinf(v))
        out[f"{key}_mean"] = float(np.mean(finite)) if finite else float("nan")
        out[f"{key}_sd"] = float(np.std(finite, ddof=1)) if len(finite) > 1 else float("nan")
        if n_inf:
            out[f"{key}_n_inf"] = n_inf
    errs = [abs(r["density_error_hu"]) for r in rows if not math.isnan(r["density_error_hu"])]
    out["density_mae_hu"] = float(np.mean(errs)) if errs else float("nan")
    out["n_density_failed"] = sum(1 for r in rows if math.isnan(r["density_pred_hu"]))
    return out


def summary_table(summary, class_names):
    """Markdown table: metric, mean, SD over cases (and how many cases had an infinite HD95)."""
    keys = ["fg_dice", "fg_iou", "fg_precision", "fg_recall", "fg_hd95"]
    for name in class_names[1:]:
        keys += [f"{k}_{name}" for k in ("dice", "iou", "precision", "recall", "accuracy", "hd95")]
    keys += ["density_ref_hu", "density_pred_hu", "density_error_hu"]
    unit = summary.get("hd95_unit", "pixel")
    rows = []
    for k in keys:
        if f"{k}_mean" not in summary:
            continue
        label = f"{k} ({unit})" if "hd95" in k else k
        n_inf = summary.get(f"{k}_n_inf", 0)
        rows.append({"metric": label, "mean": summary[f"{k}_mean"], "sd": summary[f"{k}_sd"],
                     "cases_inf": n_inf})
    return markdown_table(rows, digits=4)


def agreement_table(agreements):
    """Markdown table of the density agreement, one row per estimator."""
    cols = ("n", "mae", "bias", "loa_low", "loa_high", "icc_a1", "ccc", "pearson_r",
            "age_slope_measured", "age_slope_reference")
    return markdown_table([{"estimator": name, **{c: a[c] for c in cols}} for name, a in agreements.items()],
                          digits=4)


def write_evaluation(result, run_dir, class_names):
    """Write the evaluation's files into `run_dir` and return their names (the caller writes metrics.json)."""
    cases, slices, summary, agree = result["cases"], result["slices"], result["summary"], result["agreement"]
    write_csv(os.path.join(run_dir, "test_cases.csv"), cases)
    write_csv(os.path.join(run_dir, "test_slices.csv"), slices)
    case_table = markdown_table([{k: r[k] for k in CASE_COLUMNS} for r in cases])
    write_text(os.path.join(run_dir, "test_cases.md"), case_table + "\n")
    write_json(os.path.join(run_dir, "agreement.json"), agree)
    paper = agree["jsu_mode"]
    ref = [c["density_ref_hu"] for c in cases]
    pred = [c["density_pred_hu"] for c in cases]
    agreement.plot_bland_altman(
        pred, ref, os.path.join(run_dir, "bland_altman.png"),
        title=f"density (Johnson SU mode), predicted vs reference mask\nn = {paper['n']}, "
              f"bias {fmt(paper['bias'], 2)} HU, 95 % limits {fmt(paper['loa_low'], 2)} to {fmt(paper['loa_high'], 2)}")
    agreement.plot_density_vs_age([c.get("age", float("nan")) for c in cases], pred, ref,
                                  os.path.join(run_dir, "density_vs_age.png"))
    report = "\n\n".join([
        f"# Evaluation: {summary['n_subjects']} test subjects, {len(slices)} slices",
        "## Segmentation (mean and SD over subjects)", summary_table(summary, class_names),
        "## Density agreement, predicted vs reference cancellous mask (HU)", agreement_table(agree),
        "## Per subject", case_table])
    write_text(os.path.join(run_dir, "evaluation.md"), report + "\n")
    result["table"] = case_table
    return ["test_cases.csv", "test_slices.csv", "test_cases.md", "agreement.json", "bland_altman.png",
            "density_vs_age.png", "evaluation.md"]


def select_checkpoint(path, select_by="best_val", mode="max"):
    """The checkpoint to evaluate or export: a file, a run folder's best.ckpt, or the best run of a sweep.

    A sweep folder (Hydra multirun) is ranked by `select_by`, a column of
    `jmedseg.training.sweep.collect_sweep` (e.g. best_val, test_fg_dice, density_mae_hu),
    highest first with mode=max, lowest first with mode=min.
    Returns `(checkpoint path, selection info dict)`.
    """
    from jmedseg.training.checkpoint import CheckpointError
    from jmedseg.training.sweep import collect_sweep

    path = os.path.abspath(str(path))
    if os.path.isfile(path):
        return path, {"source": "file"}
    run_best = os.path.join(path, "checkpoints", "best.ckpt")
    if os.path.isfile(run_best):
        return run_best, {"source": "run"}
    if not os.path.isdir(path):
        raise CheckpointError(f"no checkpoint, run folder or sweep folder at {path}")
    if mode not in ("max", "min"):
        raise ConfigError(f"select_mode must be max or min, got {mode!r}")
    rows = [r for r in collect_sweep(path)
            if os.path.isfile(os.path.join(path, r["job"], "checkpoints", "best.ckpt"))]
    if not rows:
        raise CheckpointError(f"{path} holds no checkpoints/best.ckpt and no sweep jobs with one; "
                              "pass a run folder, a sweep folder or a .ckpt file")
    if select_by not in rows[0]:
        raise ConfigError(f"select_by={select_by!r} is not a sweep column; choose one of {sorted(rows[0])}")
    scored = [r for r in rows if isinstance(r[select_by], (int, float)) and math.isfinite(r[select_by])]
    if not scored:
        raise ConfigError(f"no job of sweep {path} has a value for {select_by!r}")
    best = (max if mode == "max" else min)(scored, key=lambda r: r[select_by])
    return (os.path.join(path, best["job"], "checkpoints", "best.ckpt"),
            {"source": "sweep", "job": best["job"], "select_by": select_by, "value": best[select_by],
             "n_jobs": len(rows)})
