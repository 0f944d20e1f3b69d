"""The `cohort` reader: a cohort folder (jmedseg/data/cohort.py) read in place as `SourceSubject`s."""
import os

import numpy as np

from jmedseg.data.cohort import read_cohort, subject_paths
from jmedseg.data.importers.common import LoadedSubject, SourceSubject
from jmedseg.data.io import load_labels, load_volume
from jmedseg.data.label_schemes import COHORT_SCHEME, level_ids, to_scheme


def read_cohort_subjects(root, units="hu", label_scheme=None):
    """The cohort's subjects as `SourceSubject`s (jmedseg/data/importers), read in place.

    `label_scheme`: the numbering of vertebrae.nii.gz when it is not TotalSegmentator v2.
    """
    def loader(paths):
        def load():
            ct = load_volume(paths["ct"], units=units)
            vertebrae = load_labels(paths["vertebrae"]).array
            if vertebrae.shape != ct.shape:
                raise ValueError(f"vertebrae.nii.gz shape {vertebrae.shape} differs from the CT's {ct.shape}; "
                                 f"run `jmedseg check-data {root}`")
            if label_scheme and label_scheme != COHORT_SCHEME:
                level_ids(label_scheme, label_map=vertebrae)
                vertebrae, _ = to_scheme(vertebrae, label_scheme)
            labels = load_labels(paths["labels"]).array if os.path.isfile(paths["labels"]) else None
            if labels is not None and labels.shape != ct.shape:
                raise ValueError(f"labels.nii.gz shape {labels.shape} differs from the CT's {ct.shape}; "
                                 f"run `jmedseg check-data {root}`")
            return LoadedSubject(ct, np.asarray(vertebrae, np.int32), labels)
        return load

    out = []
    for row in read_cohort(root):
        meta = {k: row[k] for k in ("age", "sex", "site", "true_density_hu")}
        out.append(SourceSubject(row["subject_id"], loader(subject_paths(root, row["subject_id"])), meta,
                                 row["subject_id"]))
    return out
