"""`jmedseg check-data`: a cohort folder checked with the rules `jmedseg measure` applies, before anything runs.

In the spirit of nnU-Net's dataset integrity check: files, grids, units, spacing and
label values (jmedseg.data.checks), then each level as measure sees it
(jmedseg.density.measure.level_regions: missing, its body cut by the field of view,
its cancellous region holding air or metal or not enclosed by a cortical wall,
jmedseg.density.region_check), the cancellous voxels a level needs, and the CT's JSON sidecar
(a broken one stops `measure`, jmedseg.calibration.tube_voltage; issue 22). A level that
measure measures is not a problem here: a vertebra whose posterior elements only
touch the edge of the scan is fine, its body is what is measured.
"""
import os

import numpy as np

from jmedseg.data.checks import (HU_RANGE, IN_PLANE_MM, SLICE_MM, TISSUE_VALUES, grid_problem, hu_scale_problem,
                                 missing_levels)
from jmedseg.data.cohort import OPTIONAL, read_cohort, subject_paths
from jmedseg.data.io import load_labels, load_volume
from jmedseg.data.label_schemes import COHORT_SCHEME, get_scheme, level_ids
from jmedseg.density.measure import level_regions
from jmedseg.errors import InputError


def _check_values(values, allowed, name, problems):
    extra = sorted(set(np.unique(values).tolist()) - set(allowed))
    if extra:
        problems.append(f"{name} holds values {extra[:8]} outside the declared set {sorted(allowed)}")


def _read(root, paths, units):
    """(ct, vertebrae, tissue Volume or None, problem or None) of one subject's files."""
    try:
        ct = load_volume(paths["ct"], units=units)
        labels = load_labels(paths["labels"]) if os.path.isfile(paths["labels"]) else None
        return ct, load_labels(paths["vertebrae"]), labels, None
    except (OSError, ValueError) as err:
        return None, None, None, str(err).replace(root + os.sep, "")


def _sidecar_problems(root, ct):
    """[the broken JSON sidecar beside the CT: the file, what is wrong, the fix] or [] (Volume.acquisition_error).

    Loading the CT does not stop on it (only the tube voltage's user does), so without this line check-data
    would pass a subject that `measure` then refuses.
    """
    error = getattr(ct, "acquisition_error", "")
    if not error:
        return []
    return [f"{error.replace(root + os.sep, '')}; `jmedseg measure` stops on this subject until it is fixed"]


def _file_problems(ct, vertebrae, labels):
    """Grids, units, spacing, value range and label values: what must hold before a level can be looked at."""
    problems = [p for p in (grid_problem(ct, vertebrae, "vertebra map (vertebrae.nii.gz)"),
                            None if labels is None else grid_problem(ct, labels, "tissue map (labels.nii.gz)"),
                            hu_scale_problem(ct.array)) if p]
    if any(not IN_PLANE_MM[0] <= s <= IN_PLANE_MM[1] for s in ct.spacing[:2]) \
            or not SLICE_MM[0] <= ct.spacing[2] <= SLICE_MM[1]:
        problems.append(f"spacing {ct.spacing} mm is implausible for CT (pixel {IN_PLANE_MM} mm, "
                        f"slice {SLICE_MM} mm); check the header's pixdim")
    low, high = float(ct.array.min()), float(ct.array.max())
    if low < HU_RANGE[0] or high > HU_RANGE[1]:
        problems.append(f"HU range {low:.0f}..{high:.0f} is outside {HU_RANGE}")
    if labels is not None:
        _check_values(labels.array, TISSUE_VALUES, "labels", problems)
    return problems


def _level_problems(ct, vertebrae, tissue, ids, min_cancellous, out):
    """Problems of each level present, judged as measure judges it; its cancellous voxel count goes into `out`."""
    problems = []
    for level, level_id in ids.items():
        regions, flags, notes = level_regions(vertebrae, {level: level_id}, tissue, ct.spacing, hu=ct.array)
        if flags:   # notes of a flagged level say why measure leaves it out, and the fix
            problems += notes
        if level in regions:
            out[f"cancellous_{level}"] = n = int(np.count_nonzero(regions[level].mask))
            if n < min_cancellous:
                problems.append(f"{level} has {n} cancellous voxels, fewer than {min_cancellous}")
    return problems


def check_subject(root, row, levels=("L1", "L2"), min_cancellous=200, units="hu", label_scheme=COHORT_SCHEME):
    """(table row, list of problems) for one subject of a cohort folder.

    Reports everything `jmedseg measure` would refuse or flag (its own rules), plus what
    training needs (label values, spacing). Vertebra ids other than `levels` (a full
    TotalSegmentator map) are ignored; `label_scheme` is the numbering of vertebrae.nii.gz
    (jmedseg.data.label_schemes), and a map that does not fit it is a problem.
    """
    sid = row["subject_id"]
    out = {"subject_id": sid}
    paths = subject_paths(root, sid)
    missing = [os.path.basename(p) for k, p in paths.items() if k not in OPTIONAL and not os.path.isfile(p)]
    if missing:
        return out, [f"missing file(s) {missing}"]
    ct, vertebrae, labels, unreadable = _read(root, paths, units)
    if unreadable:
        return out, [unreadable]
    out.update(shape="x".join(map(str, ct.shape)), spacing_mm="x".join(f"{s:g}" for s in ct.spacing),
               hu_min=float(ct.array.min()), hu_max=float(ct.array.max()),
               labels="derived" if labels is None else "file")
    sidecar = _sidecar_problems(root, ct)   # the image is still checked: both are reported at once
    problems = _file_problems(ct, vertebrae, labels)
    if problems:  # the levels below need matching grids and HU
        return out, sidecar + problems
    try:
        ids = level_ids(label_scheme, levels, label_map=vertebrae.array)
    except ValueError as err:
        return out, sidecar + [f"vertebrae.nii.gz: {err}"]
    absent = missing_levels(vertebrae.array, ids)
    problems += [f"{level} (label {ids[level]}) is not in vertebrae.nii.gz; measure uses the levels present"
                 for level in absent]
    present = {level: ids[level] for level in levels if level not in absent}
    tissue = None if labels is None else labels.array   # None: the cancellous region derived, as measure does
    return out, sidecar + problems + _level_problems(ct, vertebrae.array, tissue, present, min_cancellous, out)


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
