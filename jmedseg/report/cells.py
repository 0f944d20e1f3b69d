"""Values of a row as escaped HTML: one formatting rule for every page.

Every value that reaches a page goes through `text` (or `attr`), which HTML-escapes it:
subject ids, notes and DICOM header fields come from users and may hold `<`, `&` or quotes.
"""
import html
import math
import numbers

DASH = "\u2013"   # shown for a column the run did not produce, or an undefined number


def present(value):
    """False for what a row holds when a column has no value: None, '', NaN."""
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value).strip() != ""


def number(value):
    """The value as a float when it is one (CSV strings included), else None."""
    if isinstance(value, bool) or not present(value):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def shown(value, digits=None):
    """Plain text of a value (not escaped yet): a dash when absent; with `digits`, a number rounded to them.

    Text columns (`digits` None) are shown as written: a DICOM date 20261103 is not a number.
    """
    if not present(value):
        return DASH
    as_number = number(value) if digits is not None else None
    if as_number is None:
        return str(value)
    if not math.isfinite(as_number):
        return DASH
    return f"{as_number:.{digits}f}"


def text(value, digits=None):
    """Escaped HTML text of a value."""
    return html.escape(shown(value, digits))


def attr(value):
    """Escaped value of an HTML attribute (quotes included)."""
    return html.escape("" if not present(value) else str(value), quote=True)


def flags_of(row):
    """[(name, value)] of the row's non-empty flag columns, in row order.

    `<level>_flag` (the measurement), `calibration_flag` and other `*_flag` columns, and
    `<level>_flags` (what labelling the CT alone found uncertain about a level's name).
    """
    out = []
    for key, value in row.items():
        for suffix in ("_flag", "_flags"):
            if key.endswith(suffix) and present(value):
                out.append((key[:-len(suffix)], str(value)))
    return out
