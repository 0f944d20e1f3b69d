"""Compare a CT-alone vertebra labelling with reference labels: level id, centroid distance, body Dice.

Reference maps (TotalSegmentator, VerSe) mark whole vertebrae; the labelling marks
bodies. Centroids are compared on the reference's body (`jmedseg.data.labels.
vertebral_body`), so the posterior elements do not pull the reference centroid
20-30 mm backwards, and the Dice is body against body.
"""
import numpy as np

from jmedseg.data.label_schemes import SCHEMES, VERSE_SACRUM_ID
from jmedseg.spine.levels import TOTALSEG_IDS

VERSE_IDS = {**{name: SCHEMES["verse"].levels[name] for name in ("T11", "T12", "L1", "L2", "L3", "L4", "L5")},
             "S1": VERSE_SACRUM_ID}
CENTROID_TOLERANCE_MM = 10.0


def centroid_mm(mask, spacing):
    """Centre of mass of a boolean mask in mm of the array's axes."""
    return np.argwhere(mask).mean(axis=0) * np.asarray(spacing, float)


def dice(a, b):
    total = a.sum() + b.sum()
    return float(2.0 * np.logical_and(a, b).sum() / total) if total else float("nan")


def evaluate_levels(labels, reference, spacing, reference_ids):
    """One row per reference level: matched CT-alone level, correct id, centroid distance, body Dice.

    The reference level is matched to the CT-alone vertebra that overlaps its body
    most (whatever that one was named), so a wrong name still shows how well the
    body itself was found.
    """
    from jmedseg.data.labels import vertebral_body

    rows = []
    for name, ref_id in reference_ids.items():
        ref = reference == ref_id
        if not ref.any():
            continue
        try:
            ref_body = vertebral_body(ref, spacing)
        except ValueError:
            ref_body = ref
        found, counts = np.unique(labels[ref_body], return_counts=True)
        counts = counts[found != 0]
        found = found[found != 0]
        row = {"level": name, "reference_voxels": int(ref.sum())}
        if len(found) == 0:
            row.update(found_id=None, found_name=None, correct_id=False, centroid_distance_mm=None, body_dice=0.0)
            rows.append(row)
            continue
        got_id = int(found[np.argmax(counts)])
        got = labels == got_id
        got_name = next((n for n, i in TOTALSEG_IDS.items() if i == got_id), None)
        dist = float(np.linalg.norm(centroid_mm(got, spacing) - centroid_mm(ref_body, spacing)))
        row.update(found_id=got_id, found_name=got_name, correct_id=got_name == name,
                   centroid_distance_mm=round(dist, 1), body_dice=round(dice(got, ref_body), 3))
        rows.append(row)
    return rows
