"""What every importer shares: a subject found in a source tree, its metadata table, and the cohort writer.

A reader (`verse`, `totalsegmentator`, `folder`, `cohort`) returns `SourceSubject`s:
an id, age/sex/site when known, and `load()`, which reads the CT and gives the
vertebrae renumbered to the cohort's TotalSegmentator v2 ids (plus tissue labels
when the source has them). Training reads them in place (`data.format=...`);
`write_cohort_folder` copies them into a cohort folder (jmedseg/data/cohort.py).
"""
import csv
import logging
import math
from dataclasses import dataclass, field

import numpy as np

from jmedseg.data.cohort import write_cohort_folder as write_cohort
from jmedseg.data.ids import check_id, repeated
from jmedseg.errors import InputError

logger = logging.getLogger(__name__)

ID_COLUMNS = ("subject_id", "image_id", "participant_id", "id")
SEX_COLUMNS = ("sex", "gender")
SITE_COLUMNS = ("site", "institute", "center", "centre")
SEX_CODES = {"m": "M", "male": "M", "f": "F", "female": "F"}


@dataclass
class LoadedSubject:
    ct: object               # jmedseg.data.io.Volume, HU, canonical RAS+
    vertebrae: np.ndarray    # int32 [x, y, z], TotalSegmentator v2 ids
    labels: np.ndarray = None  # uint8 tissue classes (0-3) when the source has them, else None


@dataclass
class SourceSubject:
    subject_id: str
    loader: object           # () -> LoadedSubject
    meta: dict = field(default_factory=dict)   # age, sex, site (None when unknown)
    source: str = ""         # where it came from, for messages

    def load(self):
        try:
            return self.loader()
        except (OSError, ValueError) as err:
            raise InputError(f"{self.subject_id} ({self.source}): {err}") from None

    @property
    def row(self):
        """The subject's cohort.csv row; unknown values stay empty."""
        return {"subject_id": self.subject_id, "age": self.meta.get("age"), "sex": self.meta.get("sex") or "",
                "site": self.meta.get("site") or "", "true_density_hu": self.meta.get("true_density_hu", math.nan)}


def _pick(columns, names):
    lower = {c.strip().lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def _age(text, where):
    text = (text or "").strip()
    if not text or text.lower() in ("nan", "na", "n/a", "unknown"):
        return None
    try:
        return int(round(float(text.rstrip("Yy"))))  # DICOM writes ages like 055Y
    except ValueError:
        raise InputError(f"{where}: age {text!r} is not a number") from None


def read_table(path):
    """{subject id: {'age', 'sex', 'site'}} from a csv/tsv table (delimiter ',', ';' or tab, sniffed).

    The id column is one of subject_id, image_id (TotalSegmentator's meta.csv),
    participant_id (BIDS) or id; sex may be called gender (m/f/male/female are
    read as M/F), site may be institute. Missing values stay None.
    """
    with open(path, newline="") as f:
        text = f.read()
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = max((";", "\t", ","), key=first.count)
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    columns = reader.fieldnames or []
    id_col = _pick(columns, ID_COLUMNS)
    if id_col is None:
        raise InputError(f"{path}: no subject id column; name one of {', '.join(ID_COLUMNS)} "
                         f"(columns found: {columns})")
    age_col, sex_col, site_col = _pick(columns, ("age",)), _pick(columns, SEX_COLUMNS), _pick(columns, SITE_COLUMNS)
    out = {}
    for line, raw in enumerate(reader, start=2):
        where = f"{path} line {line}"
        sid = (raw.get(id_col) or "").strip()
        if not sid:
            continue
        sex = (raw.get(sex_col) or "").strip() if sex_col else ""
        out[sid] = {"age": _age(raw.get(age_col), where) if age_col else None,
                    "sex": SEX_CODES.get(sex.lower(), sex) or None,
                    "site": ((raw.get(site_col) or "").strip() or None) if site_col else None}
    return out


def attach_table(subjects, table_path):
    """Fill each subject's age, sex and site from the table (matched by id, with or without 'sub-')."""
    if not table_path:
        return subjects
    table = read_table(table_path)
    unmatched = []
    for s in subjects:
        key = next((k for k in (s.subject_id, s.subject_id.removeprefix("sub-"), "sub-" + s.subject_id)
                    if k in table), None)
        if key is None:
            unmatched.append(s.subject_id)
        else:
            s.meta.update(table[key])
    if unmatched:
        logger.warning("%d subject(s) not in %s (age, sex, site left empty): %s", len(unmatched), table_path,
                       unmatched[:10])
    return subjects


def check_subjects(subjects, root):
    """`subjects` when every id can name a folder (jmedseg.data.ids.check_id) and none repeats; else InputError.

    Every importer calls this on what it found: an id comes from a file or folder name of
    the source tree (a pattern can make it `..`), and becomes the subject's folder.
    """
    if not subjects:
        raise InputError(f"{root}: no subjects found")
    bad = []
    for s in subjects:
        try:
            check_id(s.subject_id)
        except InputError as err:
            bad.append(f"{s.source}: {err}")
    if bad:
        raise InputError(f"{root}: {len(bad)} subject id(s) cannot name a folder: " + "; ".join(bad[:5])
                         + ("; ..." if len(bad) > 5 else "") + "; rename those files or change --pattern")
    dupes = repeated(s.subject_id for s in subjects)
    if dupes:
        raise InputError(f"{root}: subject ids found twice: {dupes}; each subject once")
    return subjects


def write_cohort_folder(subjects, out, progress=True):
    """Write `subjects` as a new cohort folder at `out` (jmedseg.data.cohort.write_cohort_folder); the rows.

    Each subject becomes `<id>/ct.nii.gz`, `<id>/vertebrae.nii.gz` (TotalSegmentator v2 ids) and,
    when the source has tissue labels, `<id>/labels.nii.gz`.
    """
    def loaded():
        for s in subjects:
            item = s.load()
            yield s.row, item.ct, item.ct.array, item.vertebrae, item.labels

    return write_cohort(out, loaded(), progress=progress, desc="import")
