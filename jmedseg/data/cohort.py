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

from jmedseg.data.ids import check_id, repeated
from jmedseg.errors import InputError

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
        raise InputError(f"{where}: {text!r} is not a number") from None


def check_subject_ids(path, rows):
    """Refuse a cohort table whose ids cannot name a folder (jmedseg.data.ids.check_id) or repeat.

    Every cohort reader calls this where the ids enter: an id such as `../../evil` would
    otherwise put the subject's files (its labelling, figures) outside the output folder,
    and a repeated id would overwrite another subject's results.
    """
    bad = []
    for line, row in enumerate(rows, start=2):   # line 1 is the header
        try:
            check_id(row["subject_id"])
        except InputError as err:
            bad.append(f"line {line}: {err}")
    if bad:
        raise InputError(f"{path}: {len(bad)} subject id(s) cannot name a folder: " + "; ".join(bad[:5])
                         + ("; ..." if len(bad) > 5 else "") + "; rename the subject (its row and its folder)")
    twice = repeated(r["subject_id"] for r in rows)
    if twice:
        raise InputError(f"{path} lists subject ids twice: {twice[:10]}; each subject once")


def read_cohort_rows(root, required=("subject_id",)):
    """Rows of `root/cohort.csv` as written (every column, values as strings), ids checked; clear errors.

    The one reader of the table: `read_cohort` types the standard columns, and `jmedseg measure`
    keeps every column as written (a table may carry more than the standard ones).
    """
    path = os.path.join(root, "cohort.csv")
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no cohort folder at {root}; make one with `jmedseg phantom --out {root}`")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{root} has no cohort.csv (columns {','.join(COLUMNS)}); make the folder with "
                                "`jmedseg phantom` or `jmedseg import`, or add the table")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: missing column(s) {missing}; expected {','.join(COLUMNS)}")
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if not row["subject_id"]:
            raise InputError(f"{path} line {line}: empty subject_id")
    if not rows:
        raise InputError(f"{path} lists no subjects")
    check_subject_ids(path, rows)
    return rows


def read_cohort(root):
    """Rows of `root/cohort.csv` as dicts with typed values (the standard columns); clear errors for a bad table."""
    path = os.path.join(root, "cohort.csv")
    rows = []
    for line, raw in enumerate(read_cohort_rows(root, COLUMNS), start=2):
        where = f"{path} line {line}"
        rows.append(dict(subject_id=raw["subject_id"], age=_number(raw["age"], int, where), sex=raw["sex"],
                         site=raw["site"], true_density_hu=_number(raw["true_density_hu"], float, where)))
    return rows


def write_cohort_folder(out, subjects, replace=False, extra_json=None, progress=True, desc="cohort"):
    """Write a cohort folder at `out` atomically: built under a temporary name beside it, renamed when complete.

    `subjects` yields (cohort.csv row, reference Volume, ct array, vertebrae array, labels array or None);
    the CT is stored as whole HU in int16 when that is lossless, else float32. `extra_json`:
    {file name: value} written beside cohort.csv. An existing `out` is refused unless `replace`,
    which swaps the new folder in. A killed run never leaves a half-written cohort. Returns the rows.
    """
    import shutil
    import tempfile

    import numpy as np
    from tqdm import tqdm

    from jmedseg.data.io import save_like
    from jmedseg.utils.files import make_private_temp_folder_public
    from jmedseg.utils.report import write_csv, write_json

    out = os.path.abspath(out)
    if os.path.exists(out) and not replace:
        raise InputError(f"{out} already exists; choose another --out or remove it")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    tmp = tempfile.mkdtemp(dir=os.path.dirname(out), prefix=os.path.basename(out) + ".tmp-")
    try:
        rows = []
        for row, ref, ct, vertebrae, labels in tqdm(subjects, desc=desc, unit="subject", disable=not progress):
            paths = subject_paths(tmp, check_id(row["subject_id"]))
            whole = np.array_equal(ct, np.round(ct)) and ct.min() >= -32768 and ct.max() <= 32767
            save_like(ref, ct.astype(np.int16) if whole else ct, paths["ct"])
            save_like(ref, vertebrae, paths["vertebrae"])
            if labels is not None:
                save_like(ref, labels, paths["labels"])
            rows.append(row)
        write_csv(os.path.join(tmp, "cohort.csv"), rows, list(COLUMNS))
        for name, value in (extra_json or {}).items():
            write_json(os.path.join(tmp, name), value)
        make_private_temp_folder_public(tmp)  # mkdtemp makes it 0o700
        _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return rows


def _swap_in(new, out):
    import shutil
    import tempfile

    if not os.path.exists(out):
        os.rename(new, out)
        return
    old = tempfile.mkdtemp(dir=os.path.dirname(out), prefix=os.path.basename(out) + ".old-")
    os.rename(out, os.path.join(old, "x"))
    os.rename(new, out)
    shutil.rmtree(old, ignore_errors=True)
