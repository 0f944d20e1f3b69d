"""The tube voltage (kVp) a CT's calibration uses, from wherever it was given; two that disagree are an error.

Without the kVp the beam's effective energy rests on the tissues alone, and the calibration's
error is about twice as large (synthetic native CTs: median 8.8 mg/cm^3 without, 4.7 with;
docs/calibration.md). Where it can come from, each optional:

- the CT's own header: the DICOM KVP (0018,0060), or the `KVP` of a NIfTI's JSON sidecar
  (jmedseg.data.io.sidecar);
- `jmedseg measure --kvp N` (MeasureSettings.kvp, for every CT of the run);
- a cohort.csv column `kvp` (per subject; `jmedseg import` writes it from the DICOM headers).

Equal values from several sources are fine; different ones stop the subject with an InputError
naming both. A header value that is no tube voltage (an anonymiser's 0) is left out, and
`kvp_source` says so.
"""
import dataclasses
import math

from jmedseg.data.io.acquisition import acquisition_row
from jmedseg.data.io.sidecar import KVP_RANGE
from jmedseg.errors import InputError

KVP_TOLERANCE = 0.5        # kV: headers store e.g. "119.99"; clinical settings are 10-20 kV apart
OPTION, COHORT = "--kvp", "cohort.csv column kvp"


def _number(value):
    """float of `value`, None when it is not given ('' / None / NaN / 0 = MeasureSettings' default)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.inf   # given but not a number: out of range below
    return None if math.isnan(number) or number == 0 else number


def _in_range(number):
    return KVP_RANGE[0] <= number <= KVP_RANGE[1]


def resolve_kvp(header=None, header_source="the CT's header", option=None, cohort=None):
    """(kVp or '', where it came from) of one CT; InputError when --kvp or cohort.csv give no tube voltage, or
    when two sources disagree."""
    given, notes = [], []
    value = _number(header)
    if value is not None and _in_range(value):
        given.append((header_source, value))
    elif header not in (None, ""):   # an anonymiser's 0, or text: the header has no tube voltage
        notes.append(f"{header_source} kVp {header!r} left out (no tube voltage)")
    for source, raw in ((OPTION, option), (COHORT, cohort)):
        value = _number(raw)
        if value is None:
            continue
        if not _in_range(value):
            raise InputError(f"{source} is {raw!r}: the tube voltage must be a number of kV from {KVP_RANGE[0]:g} "
                             f"to {KVP_RANGE[1]:g} (clinical CT: 70-150); correct it, or leave it empty if unknown")
        given.append((source, value))
    for source, value in given[1:]:
        if abs(value - given[0][1]) > KVP_TOLERANCE:
            raise InputError(f"the tube voltage is given twice and disagrees: {given[0][0]} says {given[0][1]:g} kVp, "
                             f"{source} says {value:g} kVp; correct the wrong one or drop it (the CT's header is "
                             "what the scanner recorded)")
    if not given:
        return "", "; ".join(notes)
    return given[0][1], " = ".join(source for source, _ in given) + "".join(f"; {n}" for n in notes)


def with_tube_voltage(volume, option=None, cohort=None):
    """`volume` whose acquisition holds the resolved `kvp` and `kvp_source` (a copy; InputError as resolve_kvp,
    and for a JSON sidecar that is malformed or implausible: its KVP cannot be trusted, nor its absence)."""
    if getattr(volume, "acquisition_error", ""):
        raise InputError(f"{volume.acquisition_error}. `jmedseg measure` reads the CT's tube voltage and scanner "
                         "from this sidecar, so it stops; `vertebrae` and `segment` do not read it")
    acquisition = acquisition_row(volume)
    kvp, source = resolve_kvp(acquisition["kvp"], volume.acquisition_source or "the CT's header", option, cohort)
    return dataclasses.replace(volume, acquisition={**acquisition, "kvp": kvp, "kvp_source": source})
