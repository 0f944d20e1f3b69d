"""The cohort folder: `cohort.csv` plus one folder of NIfTI volumes per subject.

Layout (written by `jmedseg phantom`, read by training, `check-data` and `measure --cohort`):

    DIR/cohort.csv                   subject_id,age,sex,site,true_density_hu
    DIR/<subject_id>/ct.nii.gz       CT in HU
    DIR/<subject_id>/labels.nii.gz   tissue classes: 0 background, 1 cortical, 2 cancellous, 3 other bone
    DIR/<subject_id>/vertebrae.nii.gz  vertebra levels, TotalSegmentator v2 ids (29 L3, 30 L2, 31 L1, 32 T12)

Real data laid out the same way works too: `true_density_hu` (and age, sex,
site) may be empty, and without labels.nii.gz the tissue classes are derived
from whole-vertebra masks (`jmedseg.data.labels.tissue_from_vertebrae`), as
TotalSegmentator gives them. `jmedseg import` writes such folders from VerSe,
TotalSegmentator and plain folder trees (jmedseg/data/importers).

A DICOM export imported in place (`jmedseg import --format dicom`,
jmedseg/data/dicom_export) has no ct.nii.gz: the subject's CT is the series
listed in DIR/private/series/<subject_id>.dicom.txt (file paths can carry
patient names, so they live with the other private files), and without
vertebrae.nii.gz the vertebrae are labelled from the CT.
"""
import csv
import math
import os

COLUMNS = ("subject_id", "age", "sex", "site", "true_density_hu")
FILES = {"ct": "ct.nii.gz", "labels": "labels.nii.gz", "vertebrae": "vertebrae.nii.gz"}
OPTIONAL = ("labels",)


def subject_paths(root, subject_id):
    return {key: os.path.join(root, subject_id, name) for key, name in FILES.items()}


def ct_path(root, subject_id):
    """The subject's CT: <id>/ct.nii.gz, or the DICOM series list of an import in place when there is no NIfTI."""
    nifti = os.path.join(root, subject_id, FILES["ct"])
    series = os.path.join(root, "private", "series", subject_id + ".dicom.txt")
    return series if not os.path.exists(nifti) and os.path.isfile(series) else nifti


def _number(text, cast, where):
    if text is None or text.strip() == "":
        return math.nan if cast is float else None
    try:
        return cast(text)
    except ValueError:
        raise ValueError(f"{where}: {text!r} is not a number") from None


def check_unique_ids(path, rows):
    """Refuse a cohort table that lists a subject id more than once (its rows would overwrite each other)."""
    ids = [r["subject_id"] for r in rows]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise ValueError(f"{path} lists subject ids twice: {twice[:10]}; each subject once")


def read_cohort(root):
    """Rows of `root/cohort.csv` as dicts with typed values; clear errors for a bad table."""
    path = os.path.join(root, "cohort.csv")
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no cohort folder at {root}; make one with `jmedseg phantom --out {root}`")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{root} has no cohort.csv (columns {','.join(COLUMNS)}); "
                                "make the folder with `jmedseg phantom` or add the table")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {missing}; expected {','.join(COLUMNS)}")
        rows = []
        for line, raw in enumerate(reader, start=2):
            where = f"{path} line {line}"
            if not raw["subject_id"]:
                raise ValueError(f"{where}: empty subject_id")
            rows.append(dict(subject_id=raw["subject_id"], age=_number(raw["age"], int, where),
                             sex=raw["sex"], site=raw["site"],
                             true_density_hu=_number(raw["true_density_hu"], float, where)))
    if not rows:
        raise ValueError(f"{path} lists no subjects")
    check_unique_ids(path, rows)
    return rows


def read_cohort_subjects(root, units="hu", label_scheme=None):
    """The cohort's subjects as `SourceSubject`s (jmedseg/data/importers), read in place.

    `label_scheme`: the numbering of vertebrae.nii.gz when it is not TotalSegmentator v2.
    """
    import numpy as np

    from jmedseg.data.importers.common import LoadedSubject, SourceSubject
    from jmedseg.data.io import load_labels, load_volume
    from jmedseg.data.label_schemes import COHORT_SCHEME, level_ids, to_scheme

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
