"""Integrity checks of a cohort folder (in the spirit of nnU-Net's dataset integrity check).

Per subject: the files exist and load (tissue labels may be missing: they are
then derived from the vertebra masks), CT / tissue labels / vertebra labels
share shape and affine, label values are in the declared sets, the spacing and
the HU range are plausible for CT, there are no NaNs, and each chosen
vertebra has enough cancellous voxels to fit a density.
"""
import os

import numpy as np

from jmedseg.data.cohort import OPTIONAL, read_cohort, subject_paths
from jmedseg.data.io import Volume, load_labels, load_volume
from jmedseg.data.labels import tissue_from_vertebrae
from jmedseg.data.label_schemes import COHORT_SCHEME, get_scheme, level_ids
from jmedseg.data.phantom import CLASS_NAMES

TISSUE_VALUES = frozenset(range(len(CLASS_NAMES)))
IN_PLANE_MM = (0.2, 3.0)   # up to 3 mm: volumes resampled for fast models (TotalSegmentator --fast)
SLICE_MM = (0.3, 10.0)
HU_RANGE = (-3100.0, 4000.0)   # padding down to -3024 is common; metal aside, bone stays below 3000
AFFINE_TOL_MM = 1e-3


def _check_pair(ct, other, name, problems):
    if other.shape != ct.shape:
        problems.append(f"{name} shape {other.shape} != CT shape {ct.shape}")
    elif not np.allclose(other.affine, ct.affine, atol=AFFINE_TOL_MM):
        worst = float(np.abs(other.affine - ct.affine).max())
        problems.append(f"{name} affine differs from the CT's by up to {worst:.3g} mm "
                        "(resample it onto the CT grid)")


def _check_values(values, allowed, name, problems):
    extra = sorted(set(np.unique(values).tolist()) - set(allowed))
    if extra:
        problems.append(f"{name} holds values {extra[:8]} outside the declared set {sorted(allowed)}")


def check_subject(root, row, levels=("L1", "L2"), min_cancellous=200, units="hu", label_scheme=COHORT_SCHEME):
    """(table row, list of problems) for one subject of a cohort folder."""
    sid = row["subject_id"]
    out = {"subject_id": sid}
    paths = subject_paths(root, sid)
    missing = [os.path.basename(p) for k, p in paths.items() if k not in OPTIONAL and not os.path.isfile(p)]
    if missing:
        return out, [f"missing file(s) {missing}"]
    derived = not os.path.isfile(paths["labels"])
    try:
        ct = load_volume(paths["ct"], units=units)
        vertebrae = load_labels(paths["vertebrae"])
        labels = None if derived else load_labels(paths["labels"])
    except (OSError, ValueError) as err:
        return out, [str(err).replace(root + os.sep, "")]
    problems = []
    out.update(shape="x".join(map(str, ct.shape)), spacing_mm="x".join(f"{s:g}" for s in ct.spacing),
               hu_min=float(ct.array.min()), hu_max=float(ct.array.max()),
               labels="derived" if derived else "file")
    _check_pair(ct, vertebrae, "vertebrae", problems)
    if derived and not problems:  # the tissue classes training would derive from the vertebra masks
        try:
            labels = Volume(tissue_from_vertebrae(vertebrae.array, ct.spacing, levels,
                                                  level_ids(label_scheme, levels)), ct.affine, ct.spacing)
        except ValueError as err:
            return out, problems + [f"cannot derive tissue labels from vertebrae.nii.gz: {err}"]
    elif not derived:
        _check_pair(ct, labels, "labels", problems)
    if any(not IN_PLANE_MM[0] <= s <= IN_PLANE_MM[1] for s in ct.spacing[:2]) \
            or not SLICE_MM[0] <= ct.spacing[2] <= SLICE_MM[1]:
        problems.append(f"spacing {ct.spacing} mm is implausible for CT (pixel {IN_PLANE_MM} mm, "
                        f"slice {SLICE_MM} mm); check the header's pixdim")
    if out["hu_min"] < HU_RANGE[0] or out["hu_max"] > HU_RANGE[1]:
        problems.append(f"HU range {out['hu_min']:.0f}..{out['hu_max']:.0f} is outside {HU_RANGE}")
    _check_values(labels.array, TISSUE_VALUES, "labels", problems)
    try:
        ids = level_ids(label_scheme, levels, label_map=vertebrae.array)
    except ValueError as err:
        problems.append(f"vertebrae.nii.gz: {err}")
    if problems:  # the counts below need matching grids
        return out, problems
    cancellous = labels.array == CLASS_NAMES.index("cancellous")
    for level in levels:
        n = int(np.count_nonzero(cancellous & (vertebrae.array == ids[level])))
        out[f"cancellous_{level}"] = n
        if n < min_cancellous:
            problems.append(f"{level} has {n} cancellous voxels, fewer than {min_cancellous}")
    return out, problems


def check_cohort(root, levels=("L1", "L2"), min_cancellous=200, units="hu", label_scheme=COHORT_SCHEME):
    """Table rows (one per subject, with a status) and the problems as 'subject: problem' lines.

    `label_scheme`: the numbering of vertebrae.nii.gz (jmedseg.data.label_schemes).
    """
    unknown = [l for l in levels if l not in get_scheme(label_scheme).levels]
    if unknown:
        raise ValueError(f"unknown level(s) {unknown}; choose from {list(get_scheme(label_scheme).levels)}")
    rows, problems = [], []
    try:
        cohort = read_cohort(root)
    except (OSError, ValueError) as err:
        return [], [str(err)]
    for row in cohort:
        out, found = check_subject(root, row, levels, min_cancellous, units, label_scheme)
        out["status"] = "ok" if not found else f"{len(found)} problem(s)"
        rows.append(out)
        problems += [f"{row['subject_id']}: {p}" for p in found]
    listed = {r["subject_id"] for r in cohort}
    strays = sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)) and d not in listed)
    problems += [f"{d}: folder not listed in cohort.csv" for d in strays]
    return rows, problems
