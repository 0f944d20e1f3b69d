"""CT in, labelled vertebrae out, for `jmedseg measure` without a mask and `jmedseg vertebrae`.

`vertebrae_for_measure` labels the CT, writes the label map, and refuses (a clear
error that becomes the subject's note) to measure a level whose name could not be
confirmed, unless the user accepts uncertain levels.
"""
import os

import numpy as np

from jmedseg.errors import InputError
from jmedseg.spine import compare_labellings, label_vertebrae, level_flags


def write_labels(volume, labels, path):
    from jmedseg.data.io import save_like

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # Fortran order: NIfTI stores x fastest, so nibabel writes such an array without a per-slice copy
    save_like(volume, np.asfortranarray(labels, np.uint8 if labels.max(initial=0) < 256 else np.int16), path)


def spine_box(report, names, spacing, shape, margin_mm=10.0):
    """Slices of the box around the named levels plus a margin: their density needs nothing outside it."""
    boxes = [e["bbox"] for e in report["levels"] if e["name"] in names and "bbox" in e]
    if not boxes:
        return (slice(None),) * 3
    out = []
    for axis, (s, n) in enumerate(zip(spacing, shape)):
        m = int(np.ceil(margin_mm / s))
        out.append(slice(max(0, min(b[axis][0] for b in boxes) - m), min(n, max(b[axis][1] for b in boxes) + m)))
    return tuple(out)


def level_rows(report, levels, accepted, summary):
    """(row fields, problems) of a labelling report: the levels found, each asked level's flags, and a line per
    asked level whose flags are not all in `accepted` (the reasons it gets no density)."""
    row = {"levels_found": " ".join(str(e["name"] or e["id"]) for e in report["levels"]), "levels_summary": summary}
    problems = []
    for name in levels:
        flags, note = level_flags(report, name)
        row[f"{name.lower()}_flags"] = " ".join(flags)
        if flags and not set(flags) <= accepted:
            problems.append(f"{name}: {', '.join(flags)} ({note})")
    return row, problems


def vertebrae_for_measure(volume, subject_id, levels, out_dir=None, accept_uncertain=False, allow_truncated=False,
                          tracked=None):
    """(label map, report, row fields, box) for the levels to measure (names like 'L1'), or ValueError why not.

    `box` (slices) holds the measured vertebrae: measuring inside it gives the same density, faster.
    `allow_truncated` lets levels flagged `incomplete` through (the measurement flags them again).
    `tracked`: the CT's column (jmedseg.spine.track_column) when the caller shares it with the calibration.
    """
    accepted = {"uncertain_level"} if accept_uncertain else set()
    accepted |= {"incomplete"} if allow_truncated else set()
    labels, report = label_vertebrae(volume, tracked)
    if out_dir:
        write_labels(volume, labels, os.path.join(out_dir, "vertebrae", f"{subject_id}.nii.gz"))
    row, problems = level_rows(report, levels, accepted, report["summary"])
    if problems:
        text = " ".join(problems)
        hint = "".join(f"; {option} measures {what} levels anyway" for flag, option, what in (
            ("uncertain_level", "--accept-uncertain-levels", "uncertain"), ("incomplete", "--allow-truncated", "cut"))
            if flag in text and flag not in accepted)
        raise InputError(f"{subject_id}: no density from the CT-alone labelling: " + "; ".join(problems) + hint)
    return labels, report, row, spine_box(report, set(levels), volume.spacing, volume.shape)


def labelling_agreement(volume, reference, names=("T12", "L1", "L2", "L3"), tracked=None):
    """(row fields, {level: why it differs}) comparing a given vertebra map with the CT-alone labelling.

    Level mix-ups show here; the row fields are `levels_agree` and `levels_check`. `tracked`: the CT's
    column (jmedseg.spine.track_column) when the caller shares it with the calibration.
    """
    labels, report = label_vertebrae(volume, tracked)
    rows = compare_labellings(labels, reference, volume.spacing, names)
    agree = [r["level"] for r in rows if r["agree"]]
    differ = {r["level"]: (f"{r['level']} ({r['centroid_distance_mm']} mm)" if r["centroid_distance_mm"] is not None
                           else f"{r['level']} (only in {'CT labelling' if r['in_ct_labelling'] else 'mask'})")
              for r in rows if not r["agree"]}
    return ({"levels_agree": not differ,
             "levels_check": ("agree: " + " ".join(agree)) + ("; differ: " + ", ".join(differ.values())
                                                              if differ else "")}, differ)
