"""Readers of CT data sets as people have them; each returns `SourceSubject`s (importers/common.py).

`read_source(format, root, ...)` is the one entry: training reads subjects in
place through it (`data.format`), and `jmedseg import` writes them into a cohort folder.
"""
from jmedseg.data.importers.common import attach_table
from jmedseg.errors import InputError


def _cohort(root, units, table, pattern, mask_pattern, label_scheme):
    from jmedseg.data.importers.cohort import read_cohort_subjects

    return attach_table(read_cohort_subjects(root, units, label_scheme), table)


def _verse(root, units, table, pattern, mask_pattern, label_scheme):
    from jmedseg.data.importers.verse import read_verse

    return attach_table(read_verse(root, units), table)


def _totalsegmentator(root, units, table, pattern, mask_pattern, label_scheme):
    from jmedseg.data.importers.totalsegmentator import read_totalsegmentator

    return read_totalsegmentator(root, units, table)   # reads its own meta.csv; `table` overrides it


def _folder(root, units, table, pattern, mask_pattern, label_scheme):
    from jmedseg.data.importers.folder import DEFAULT_MASK_PATTERN, DEFAULT_PATTERN, read_folder

    return attach_table(read_folder(root, pattern or DEFAULT_PATTERN, mask_pattern or DEFAULT_MASK_PATTERN,
                                    label_scheme, units), table)


# The reader registry: format name -> reader. The CLI's --format choices, `data.format` and
# `measure --cohort` all come from here; a new format is one reader added to it.
READERS = {"cohort": _cohort, "verse": _verse, "totalsegmentator": _totalsegmentator, "folder": _folder}
FORMATS = tuple(READERS)
# A PACS export is not read as subjects: `jmedseg import` indexes it and chooses a series per study
# (jmedseg.data.dicom_export), writing a cohort folder that then reads as format `cohort`.
DICOM_EXPORT = "dicom"
IMPORT_FORMATS = (*(f for f in FORMATS if f != "cohort"), DICOM_EXPORT)   # what `jmedseg import` takes


def read_source(fmt, root, units="hu", table=None, pattern=None, mask_pattern=None, label_scheme=None):
    """Subjects of `root` in format `fmt` (one of FORMATS); `table` adds age/sex/site."""
    if fmt not in READERS:
        raise InputError(f"unknown data format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return READERS[fmt](root, units, table, pattern, mask_pattern, label_scheme)
