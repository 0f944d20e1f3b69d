"""CT in, labelled vertebrae out, for `jmedseg measure` without a mask and `jmedseg vertebrae`.

`vertebrae_for_measure` labels the CT, writes the label map, and refuses (a clear
error that becomes the subject's note) to measure a level whose name could not be
confirmed, unless the user accepts uncertain levels.
"""
import os

import numpy as np

from jmedseg.spine import compare_labellings, label_vertebrae, level_flags


def write_labels(volume, labels, path):
    from jmedseg.data.io import save_like

    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    save_like(volume, labels.astype(np.int16), path)


def vertebrae_for_measure(volume, subject_id, levels, out_dir=None, accept_uncertain=False):
    """(label map, report, row fields) for the levels to measure (names like 'L1'), or ValueError why not."""
    labels, report = label_vertebrae(volume)
    if out_dir:
        write_labels(volume, labels, os.path.join(out_dir, "vertebrae", f"{subject_id}.nii.gz"))
    row = {"levels_found": " ".join(str(e["name"] or e["id"]) for e in report["levels"]),
           "levels_summary": report["summary"]}
    problems = []
    for name in levels:
        flags, note = level_flags(report, name)
        row[f"{name.lower()}_flags"] = " ".join(flags)
        if flags and not (accept_uncertain and flags == ["uncertain_level"]):
            problems.append(f"{name}: {', '.join(flags)} ({note})")
    if problems:
        hint = "" if accept_uncertain else "; --accept-uncertain-levels measures uncertain levels anyway"
        raise ValueError(f"{subject_id}: no density from the CT-alone labelling: " + "; ".join(problems) + hint)
    return labels, report, row


def labelling_agreement(volume, reference, names=("T12", "L1", "L2", "L3")):
    """Row fields comparing a given vertebra map with the CT-alone labelling (level mix-ups show here)."""
    labels, report = label_vertebrae(volume)
    rows = compare_labellings(labels, reference, volume.spacing, names)
    agree = [r["level"] for r in rows if r["agree"]]
    differ = [f"{r['level']} ({r['centroid_distance_mm']} mm)" if r["centroid_distance_mm"] is not None
              else f"{r['level']} (only in {'CT labelling' if r['in_ct_labelling'] else 'mask'})"
              for r in rows if not r["agree"]]
    return {"levels_agree": not differ,
            "levels_check": ("agree: " + " ".join(agree)) + ("; differ: " + ", ".join(differ) if differ else "")}
