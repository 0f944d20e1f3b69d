"""A labeller of the API's type for tests: it 'labels' the bundled example CT with its TotalSegmentator mask.

So a measurement through it must equal the measurement with that mask given (the vertebra
source changes, the labels do not).
"""
from pathlib import Path

import numpy as np

from jmedseg.data.io import load_labels

SEG = Path(__file__).resolve().parents[1] / "data" / "totalseg_example" / "example_seg.nii.gz"
L1 = 31   # TotalSegmentator v2


def label_one_level(volume):
    labels = load_labels(str(SEG)).array
    assert labels.shape == volume.shape, "the toy labeller knows only the bundled example CT"
    only_l1 = np.where(labels == L1, L1, 0).astype(np.int32)
    return only_l1, {"summary": "L1 from the example's mask", "levels": [
        {"name": "L1", "id": L1, "flags": [], "note": ""}]}


def label_on_another_grid(volume):
    """A labeller that breaks the contract: labels not on the CT's grid."""
    return np.zeros((2, 2, 2), np.int32), {"levels": []}
