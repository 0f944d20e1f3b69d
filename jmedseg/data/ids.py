"""The one check for every id that becomes part of a file name (subject, study, series).

An id enters jmedseg from a user's file (cohort.csv, an importer's file names, DICOM headers, a shard's result
files). It is checked once, where it enters, so that no later path built from it can leave the chosen folder.
"""
from jmedseg.errors import InputError

MAX_ID_LENGTH = 128  # well under the 255-byte file-name limit, with room for suffixes such as "_qc.png"


def check_id(value, what="subject id"):
    """Return `value` if it can name a file inside a folder; raise InputError naming the problem otherwise.

    Refused: empty, longer than MAX_ID_LENGTH, `.` or `..`, a leading dot (hidden files, our temporary files),
    a path separator, or a character that is not printable.
    """
    text = str(value)
    problem = None
    if not text:
        problem = "it is empty"
    elif len(text) > MAX_ID_LENGTH:
        problem = f"it is {len(text)} characters long (at most {MAX_ID_LENGTH})"
    elif text in (".", ".."):
        problem = "it names a folder ('.' or '..')"
    elif text.startswith("."):
        problem = "it starts with '.'"
    elif "/" in text or "\\" in text:
        problem = "it contains a path separator"
    elif not text.isprintable():
        problem = "it contains a character that is not printable"
    if problem:
        raise InputError(f"{what} {text!r} cannot name a file: {problem}; use letters, digits, '-' and '_'")
    return text


def repeated(ids):
    """The ids that occur more than once in `ids`, sorted: a table listing a subject twice is refused."""
    seen, twice = set(), set()
    for i in ids:
        (twice if i in seen else seen).add(i)
    return sorted(twice)
