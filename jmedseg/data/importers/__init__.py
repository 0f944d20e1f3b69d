"""Readers of CT data sets as people have them; each returns `SourceSubject`s (importers/common.py).

`read_source(format, root, ...)` is the one entry: training reads subjects in
place through it (`data.format`), and `jmedseg import` writes them into a cohort folder.
"""
from jmedseg.data.importers.common import attach_table


def read_source(fmt, root, units="hu", table=None, pattern=None, mask_pattern=None, label_scheme=None):
    """Subjects of `root` in format `fmt` (cohort, verse, totalsegmentator or folder); `table` adds age/sex/site."""
    if fmt == "cohort":
        from jmedseg.data.importers.cohort import read_cohort_subjects

        subjects = read_cohort_subjects(root, units, label_scheme)
    elif fmt == "verse":
        from jmedseg.data.importers.verse import read_verse

        subjects = read_verse(root, units)
    elif fmt == "totalsegmentator":
        from jmedseg.data.importers.totalsegmentator import read_totalsegmentator

        return read_totalsegmentator(root, units, table)
    elif fmt == "folder":
        from jmedseg.data.importers.folder import DEFAULT_MASK_PATTERN, DEFAULT_PATTERN, read_folder

        subjects = read_folder(root, pattern or DEFAULT_PATTERN, mask_pattern or DEFAULT_MASK_PATTERN,
                               label_scheme, units)
    else:
        raise ValueError(f"unknown data format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return attach_table(subjects, table)


FORMATS = ("cohort", "verse", "totalsegmentator", "folder")
