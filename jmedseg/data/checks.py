"""Checks of CT inputs, shared by `jmedseg check-data` and `jmedseg measure` (one set of rules).

Each rule returns the problem as a sentence naming the fix, or None:
`grid_problem` (a label map on another grid than its CT: shape or affine),
`hu_scale_problem` (values that are not Hounsfield units), `edge_problem` (a
vertebra cut by the field of view) and `missing_levels`. `measure` refuses or
flags what these find; `check-data` lists it for a whole cohort folder, in the
spirit of nnU-Net's dataset integrity check, together with file, label-value,
spacing and cancellous-voxel checks.
"""
import os

import numpy as np

from jmedseg.data.cohort import OPTIONAL, read_cohort, subject_paths
from jmedseg.data.io import Volume, load_labels, load_volume
from jmedseg.data.labels import tissue_from_vertebrae
from jmedseg.constants import CLASS_NAMES
from jmedseg.data.label_schemes import COHORT_SCHEME, get_scheme, level_ids
from jmedseg.errors import InputError

TISSUE_VALUES = frozenset(range(len(CLASS_NAMES)))
IN_PLANE_MM = (0.2, 3.0)   # up to 3 mm: volumes resampled for fast models (TotalSegmentator --fast)
SLICE_MM = (0.3, 10.0)
HU_RANGE = (-3100.0, 4000.0)   # padding down to -3024 is common; metal aside, bone stays below 3000
AFFINE_TOL_MM = 1e-3
# Landmarks of a CT in HU: the most common value of the body lies between fat (about -100 HU) and
# muscle or organs (about 40-60 HU); air (outside the body, bowel gas, lung bases) reads about -1000 HU
# and lung parenchyma down to about -850 HU. A volume in HU spans at least air to bone (over 1000 HU).
TISSUE_PEAK_HU = (-150.0, 100.0)
AIR_PEAK_HU = (-1150.0, -800.0)
MIN_SPAN_HU = 500.0
MIN_AIR_FRACTION = 0.01    # fewer air voxels than this (a volume cropped to the body): no air landmark
MIN_BODY_FRACTION = 0.01   # fewer voxels above -500 HU (a volume of air only): no tissue landmark
UNITS_FIX = ("convert the CT to HU first; --units raw reads values stored as HU + 1024 (the paper's "
             "convention), no other unit is read")


def grid_problem(ct, other, name):
    """Why label map `other` (a Volume) does not lie on `ct`'s voxel grid, or None.

    Both are in canonical RAS+ (jmedseg.data.io), so a header that flips an axis
    shows up as a moved origin: the affines, not only the shapes, must agree.
    """
    if other.shape != ct.shape:
        return (f"the {name} has shape {other.shape} but the CT has {ct.shape}; "
                f"use the {name} made for this CT (or resample it onto the CT's grid)")
    diff = np.abs(np.asarray(other.affine, np.float64) - np.asarray(ct.affine, np.float64))
    if diff.max() > AFFINE_TOL_MM:
        shift = float(np.linalg.norm(np.asarray(other.affine)[:3, 3] - np.asarray(ct.affine)[:3, 3]))
        return (f"the {name} lies on another grid than the CT: same shape, but its voxel-to-world affine "
                f"differs by up to {diff.max():.3g} mm (origin {shift:.3g} mm away; a moved origin or an axis "
                f"flipped in the header); resample the {name} onto the CT's grid or use the one made for this CT")
    return None


def hu_scale_problem(array, what="the CT"):
    """Why `array` does not look like a CT in Hounsfield units, or None (`UNITS_FIX` says what to do)."""
    array = np.asarray(array)
    sample = array.ravel()[:: max(1, array.size // 250_000)].astype(np.float64)  # 0.5 % of 250k: 1250 voxels
    lo, hi = (float(v) for v in np.percentile(sample, [0.5, 99.5]))
    if hi - lo < MIN_SPAN_HU and not AIR_PEAK_HU[0] <= lo <= hi <= AIR_PEAK_HU[1]:  # all air is still HU
        return (f"{what} does not look like Hounsfield units: 99 % of its values lie within {lo:.3g}..{hi:.3g}, "
                f"but air reads about -1000 HU and bone several hundred (values scaled to 0..1 or windowed?); "
                + UNITS_FIX)
    body = sample[sample > -500.0]
    tissue = _peak(body, 10.0) if body.size >= MIN_BODY_FRACTION * sample.size else None  # None: all air
    if tissue is not None and not TISSUE_PEAK_HU[0] <= tissue <= TISSUE_PEAK_HU[1]:
        return (f"{what} does not look like Hounsfield units: its most common value above -500 is {tissue:.0f}, "
                f"but fat and soft tissue read {TISSUE_PEAK_HU[0]:.0f} to {TISSUE_PEAK_HU[1]:.0f} HU; " + UNITS_FIX)
    air = sample[(sample >= -1500.0) & (sample < -300.0)]
    if air.size >= MIN_AIR_FRACTION * sample.size:
        peak = _peak(air, 20.0)
        if not AIR_PEAK_HU[0] <= peak <= AIR_PEAK_HU[1]:
            return (f"{what} does not look like Hounsfield units: its air reads about {peak:.0f} but air is "
                    f"about -1000 HU (expected {AIR_PEAK_HU[0]:.0f} to {AIR_PEAK_HU[1]:.0f}); " + UNITS_FIX)
    return None


def _peak(values, bin_width):
    """Centre of the most populated bin of `values` (bins of `bin_width` on a fixed grid)."""
    bins = np.floor(values / bin_width).astype(np.int64)
    counts = np.bincount(bins - bins.min())
    return float((np.argmax(counts) + bins.min() + 0.5) * bin_width)


def edge_problem(mask, name):
    """Which edges of the field of view vertebra `mask` [x, y, z] touches, as a sentence, or None."""
    mask = np.asarray(mask, bool)
    touches = []
    if mask[:, :, 0].any():
        touches.append("the first slice")
    if mask[:, :, -1].any():
        touches.append("the last slice")
    if mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any():
        touches.append("the in-plane edge")
    if not touches:
        return None
    return f"{name} touches {' and '.join(touches)} of the scan: part of it lies outside the field of view"


TRUNCATED_FIX = "use a scan that covers it, or --allow-truncated to measure it anyway"


def missing_levels(vertebrae, levels):
    """Names of `levels` ({name: label id}) with no voxel in the vertebra map."""
    present = set(np.unique(np.asarray(vertebrae)).tolist())
    return [name for name, label in levels.items() if label not in present]


def _check_values(values, allowed, name, problems):
    extra = sorted(set(np.unique(values).tolist()) - set(allowed))
    if extra:
        problems.append(f"{name} holds values {extra[:8]} outside the declared set {sorted(allowed)}")


def check_subject(root, row, levels=("L1", "L2"), min_cancellous=200, units="hu", label_scheme=COHORT_SCHEME):
    """(table row, list of problems) for one subject of a cohort folder.

    Reports everything `jmedseg measure` would refuse or flag (the same rules), plus
    what training needs (label values, spacing). Vertebra ids other than `levels`
    (a full TotalSegmentator map) are ignored; `label_scheme` is the numbering of
    vertebrae.nii.gz (jmedseg.data.label_schemes), and a map that does not fit it is a problem.
    """
    from jmedseg.density.safety import region_content_problem

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
    out.update(shape="x".join(map(str, ct.shape)), spacing_mm="x".join(f"{s:g}" for s in ct.spacing),
               hu_min=float(ct.array.min()), hu_max=float(ct.array.max()),
               labels="derived" if derived else "file")
    problems = [p for p in (grid_problem(ct, vertebrae, "vertebra map (vertebrae.nii.gz)"),
                            None if derived else grid_problem(ct, labels, "tissue map (labels.nii.gz)"),
                            hu_scale_problem(ct.array)) if p]
    if any(not IN_PLANE_MM[0] <= s <= IN_PLANE_MM[1] for s in ct.spacing[:2]) \
            or not SLICE_MM[0] <= ct.spacing[2] <= SLICE_MM[1]:
        problems.append(f"spacing {ct.spacing} mm is implausible for CT (pixel {IN_PLANE_MM} mm, "
                        f"slice {SLICE_MM} mm); check the header's pixdim")
    if out["hu_min"] < HU_RANGE[0] or out["hu_max"] > HU_RANGE[1]:
        problems.append(f"HU range {out['hu_min']:.0f}..{out['hu_max']:.0f} is outside {HU_RANGE}")
    if labels is not None:
        _check_values(labels.array, TISSUE_VALUES, "labels", problems)
    if problems:  # the counts below need matching grids and HU
        return out, problems
    try:
        ids = level_ids(label_scheme, levels, label_map=vertebrae.array)
    except ValueError as err:
        return out, problems + [f"vertebrae.nii.gz: {err}"]
    absent = missing_levels(vertebrae.array, ids)
    problems += [f"{level} (label {ids[level]}) is not in vertebrae.nii.gz; measure uses the levels present"
                 for level in absent]
    present = [level for level in levels if level not in absent]
    problems += [f"{p}; measure flags it incomplete ({TRUNCATED_FIX})"
                 for p in (edge_problem(vertebrae.array == ids[level], level) for level in present) if p]
    if derived and present:  # the tissue classes training and measure derive from the vertebra masks
        try:
            labels = Volume(tissue_from_vertebrae(vertebrae.array, ct.spacing, present, ids), ct.affine,
                            ct.spacing)
        except ValueError as err:
            return out, problems + [f"cannot derive tissue labels from vertebrae.nii.gz: {err}"]
    for level in present:
        region = (labels.array == CLASS_NAMES.index("cancellous")) & (vertebrae.array == ids[level])
        out[f"cancellous_{level}"] = n = int(np.count_nonzero(region))
        if n < min_cancellous:
            problems.append(f"{level} has {n} cancellous voxels, fewer than {min_cancellous}")
        content = region_content_problem(ct.array[region], f"the cancellous region of {level}")
        if content:
            problems.append(content)
    return out, problems


def check_cohort(root, levels=("L1", "L2"), min_cancellous=200, units="hu", label_scheme=COHORT_SCHEME):
    """Table rows (one per subject, with a status) and the problems as 'subject: problem' lines.

    `label_scheme`: the numbering of vertebrae.nii.gz (jmedseg.data.label_schemes).
    """
    unknown = [l for l in levels if l not in get_scheme(label_scheme).levels]
    if unknown:
        raise InputError(f"unknown level(s) {unknown}; choose from {list(get_scheme(label_scheme).levels)}")
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
