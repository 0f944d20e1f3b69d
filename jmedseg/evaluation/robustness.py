"""A distorted copy of the test set, and Dice on the clean and the distorted set side by side.

The paper tested SAS robustness on smartphone photographs of a CT screen
(supplement B.3.2, Figure 12): rotated, sheared, rescaled, with colour
deviation. Here every test slice gets one held-out distortion, drawn from a
fixed seed so every model meets the same set: rotation up to 20 degrees,
scaling, shear and a shift, applied to image and label together (bilinear /
nearest), then a contrast and intensity shift and extra noise on the HU image.
Supervised training never applies geometric changes to labelled slices, so
these are distortions the segmenter has not seen.
"""
import copy
import os
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from jmedseg.data.build import SplitData
from jmedseg.utils.report import markdown_table, write_csv, write_text

DISTORTION_SEED = 20260417  # fixed: the distorted set is the same for every run


@dataclass(frozen=True)
class Distortions:
    max_rotation_deg: float = 20.0
    scale: tuple = (0.85, 1.15)
    max_shear: float = 0.15          # shear factor of x by y
    max_shift: float = 0.05          # fraction of the slice side
    contrast: tuple = (0.8, 1.25)    # HU gain around soft tissue
    max_intensity_shift_hu: float = 80.0
    noise_sd_hu: float = 30.0
    centre_hu: float = 40.0          # the gain pivots on soft tissue


def _affine(rng, shape, d):
    """Output-to-input pixel mapping (scipy's convention) of a random rotation, scale, shear, shift."""
    angle = np.deg2rad(rng.uniform(-d.max_rotation_deg, d.max_rotation_deg))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shear = np.array([[1.0, 0.0], [rng.uniform(-d.max_shear, d.max_shear), 1.0]])
    forward = rot @ shear * rng.uniform(*d.scale)
    matrix = np.linalg.inv(forward)
    centre = (np.array(shape, float) - 1) / 2
    shift = rng.uniform(-d.max_shift, d.max_shift, size=2) * np.array(shape)
    return matrix, centre - matrix @ (centre + shift)


def distort_slice(rng, hu, label, d=Distortions()):
    """One distorted (HU image, label) pair; the label moves exactly as the image does."""
    hu = np.asarray(hu, np.float32)
    matrix, offset = _affine(rng, hu.shape, d)
    border = np.concatenate([hu[0], hu[-1], hu[:, 0], hu[:, -1]])
    out = ndimage.affine_transform(hu, matrix, offset, order=1, mode="constant", cval=float(np.median(border)))
    lab = ndimage.affine_transform(np.asarray(label), matrix, offset, order=0, mode="constant", cval=0)
    out = (out - d.centre_hu) * rng.uniform(*d.contrast) + d.centre_hu
    out = out + rng.uniform(-d.max_intensity_shift_hu, d.max_intensity_shift_hu)
    out = out + rng.normal(0.0, d.noise_sd_hu, size=out.shape)
    return out.astype(np.float32), lab.astype(label.dtype)


def distorted_split(split, d=Distortions(), seed=DISTORTION_SEED):
    """A copy of `split` whose slices are distorted; subject metadata and windows are kept."""
    rng = np.random.default_rng(seed)
    ds = copy.copy(split.dataset)
    pairs = [distort_slice(rng, im, lab, d) for im, lab in zip(split.dataset.images_hu, split.dataset.labels)]
    ds.images_hu = [p[0] for p in pairs]
    ds.labels = [p[1] for p in pairs]
    return SplitData(ds, split.subjects)


def robustness_report(model, split, clean, evaluate, run_dir):
    """Evaluate on the distorted copy of `split`; `clean` is the clean evaluation of the same model.

    `evaluate(model, split)` returns an evaluation dict (cases, summary) as
    `jmedseg.evaluation.evaluate.evaluate_split_full` does. Writes `robustness.csv` and
    `robustness.md` (per subject, clean and distorted side by side).
    """
    distorted = evaluate(model, distorted_split(split))
    rows = []
    for c, t in zip(clean["cases"], distorted["cases"]):
        rows.append({"subject_id": c["subject_id"], "fg_dice_clean": c["fg_dice"],
                     "fg_dice_distorted": t["fg_dice"], "fg_iou_clean": c["fg_iou"],
                     "fg_iou_distorted": t["fg_iou"]})
    summary = {f"{k}_mean": float(np.nanmean([r[k] for r in rows])) for k in rows[0] if k != "subject_id"}
    summary["fg_dice_drop_mean"] = summary["fg_dice_clean_mean"] - summary["fg_dice_distorted_mean"]
    table = markdown_table(rows + [{"subject_id": "mean", **{k[:-5]: v for k, v in summary.items()
                                                             if k != "fg_dice_drop_mean"}}])
    write_csv(os.path.join(run_dir, "robustness.csv"), rows)
    write_text(os.path.join(run_dir, "robustness.md"), table + "\n")
    return {"summary": summary, "cases": rows, "table": table}
