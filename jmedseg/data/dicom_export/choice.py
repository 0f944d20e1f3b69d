"""One CT series per study, by a documented rule; every other series gets its reason (series_choice.csv).

The rule (paper section 3 measures trabecular HU of the lumbar vertebrae, so the
series must be a faithful CT volume of the abdomen):

1. Modality CT: a PET/CT's CT, never the PET (PT), a dose report (SR) or anything else.
2. Axial ORIGINAL/PRIMARY images: no localizer (scout, topogram, surview), no
   secondary capture, no DERIVED/SECONDARY images (MPR, MIP, reformats), no
   sagittal or coronal slices.
3. A volume: at least `min_slices` slices, at most `max_thickness_mm` thick (5 mm).
4. Consistent geometry (jmedseg.data.io.dicom_geometry): one orientation, spacing
   and size, no missing slice, equal steps, no gantry tilt; with
   `resample_geometry` a series that can be resampled safely stays eligible.
5. Among the eligible: a soft-tissue or standard kernel before an unknown one,
   before a bone, lung or otherwise sharp kernel (sharp kernels widen and shift the
   trabecular HU distribution); then the thinnest slices; then the longest z extent
   (the best chance of holding the lumbar spine).

`SeriesRule` changes steps 3 and 5 (`--series-rule kernel=any,prefer=thick,...`);
a user CSV (subject_id, series_key) overrides the choice of a study.
"""
import re
from dataclasses import dataclass, fields

import numpy as np

from jmedseg.data.io.dicom_geometry import series_geometry
from jmedseg.errors import InputError

SOFT, UNKNOWN, SHARP = "soft", "unknown", "sharp"
KERNEL_ORDER = {SOFT: 0, UNKNOWN: 1, SHARP: 2}
SECONDARY_CAPTURE_PREFIX = "1.2.840.10008.5.1.4.1.1.7"     # the secondary capture image storage classes
LOCALIZER_WORDS = re.compile(r"scout|topogram|localizer|localiser|surview|scanogram|pilot", re.I)
SHARP_WORDS = re.compile(r"bone|lung|sharp|edge|detail|ultra|hr\b|high.?res", re.I)
SOFT_WORDS = re.compile(r"soft|standard|std|body|abdomen|smooth|stnd", re.I)
# vendor kernel codes: Siemens B/I/Br/Bf/Qr nn (<= 45 soft, >= 60 sharp); Canon FCnn (<= 18 soft, >= 30 sharp);
# Philips single letters A-C standard/soft, D-E/L/Y sharp (vendor reconstruction manuals' kernel tables)
SIEMENS = re.compile(r"^[BIDQH][a-z]?(\d{2})[a-z]?\b", re.I)
CANON = re.compile(r"^FC(\d{2})", re.I)
PHILIPS = re.compile(r"^([A-EL]|Y[A-D]?)$", re.I)
AXIAL_COS = np.cos(np.radians(10.0))    # slice normal within 10 degrees of the body axis


@dataclass(frozen=True)
class SeriesRule:
    """What can be changed in the rule: `--series-rule max_thickness_mm=3,kernel=any,prefer=thick,min_slices=20`."""

    max_thickness_mm: float = 5.0
    min_slices: int = 10
    kernel: str = "soft"          # soft: soft/standard kernels first; any: the kernel does not matter
    prefer: str = "thin"          # thin or thick slices first
    resample_geometry: bool = False

    @classmethod
    def parse(cls, text):
        if not text:
            return cls()
        known = {f.name: f.type for f in fields(cls)}
        values = {}
        for item in text.split(","):
            key, sep, value = (part.strip() for part in item.partition("="))
            if not sep or key not in known or key == "resample_geometry":
                raise InputError(f"--series-rule {item!r}: write key=value with key one of "
                                 f"max_thickness_mm, min_slices, kernel (soft|any), prefer (thin|thick)")
            try:
                values[key] = (known[key] if known[key] in (int, float) else str)(value)
            except ValueError:
                raise InputError(f"--series-rule {item!r}: {value!r} is not a number") from None
        rule = cls(**values)
        if rule.kernel not in ("soft", "any") or rule.prefer not in ("thin", "thick"):
            raise InputError(f"--series-rule: kernel must be soft or any, prefer thin or thick (got {text!r})")
        return rule


def kernel_class(kernel):
    """soft, sharp or unknown for a ConvolutionKernel text (vendor codes and plain words)."""
    text = (kernel or "").strip()
    if not text:
        return UNKNOWN
    for pattern, soft_max, sharp_min in ((SIEMENS, 45, 60), (CANON, 18, 30)):
        m = pattern.match(text)
        if m:
            n = int(m.group(1))
            return SOFT if n <= soft_max else SHARP if n >= sharp_min else UNKNOWN
    if PHILIPS.match(text):
        return SOFT if text.upper() in ("A", "B", "C") else SHARP
    if SHARP_WORDS.search(text):
        return SHARP
    if SOFT_WORDS.search(text):
        return SOFT
    return UNKNOWN


def series_key(record):
    """SeriesInstanceUID; without one, the SeriesNumber stands in (within its study)."""
    uid = str(record.get("SeriesInstanceUID", "")).strip()
    return uid or f"number-{record.get('SeriesNumber', '')}"


@dataclass
class Series:
    """One series of a study, summarised from its index records."""

    key: str                  # series_key of its records
    records: list
    geometry: object = None
    reason: str = ""          # why it is not eligible ("" when it is)

    @property
    def uid(self):
        return str(self.first.get("SeriesInstanceUID", "")).strip()

    @property
    def first(self):
        return self.records[0]

    def get(self, tag, default=""):
        return self.first.get(tag, default)

    @property
    def kernel(self):
        k = self.get("ConvolutionKernel")
        return " ".join(k) if isinstance(k, list) else str(k)

    @property
    def thickness_mm(self):
        try:
            return float(self.get("SliceThickness", None))
        except (TypeError, ValueError):
            return self.geometry.step_mm if self.geometry else float("nan")

    @property
    def extent_mm(self):
        return self.geometry.extent_mm if self.geometry else 0.0


def _image_type(series):
    value = series.get("ImageType", [])
    return [str(v).upper() for v in (value if isinstance(value, list) else str(value).split("\\"))]


def ineligible_reason(series, rule):
    """Why the series cannot be the study's CT under `rule` ('' when it can)."""
    modality = str(series.get("Modality")).upper()
    if modality != "CT":
        return f"modality {modality or 'unknown'} ({'PET' if modality == 'PT' else 'not an image of CT'}), not CT"
    if str(series.get("SOPClassUID")).startswith(SECONDARY_CAPTURE_PREFIX):
        return "secondary capture (a picture, not CT values)"
    image_type = _image_type(series)
    if "LOCALIZER" in image_type or LOCALIZER_WORDS.search(str(series.get("SeriesDescription"))):
        return "localizer (scout/topogram)"
    if image_type[:2] != ["ORIGINAL", "PRIMARY"]:
        return f"ImageType {'/'.join(image_type[:3]) or 'missing'}: derived or secondary images (MPR, MIP, reformat)"
    geometry = series.geometry
    if geometry.problems and geometry.problems[0].kind == "tags":
        return geometry.problems[0].text
    if abs(geometry.normal[2]) < AXIAL_COS:
        return "not axial (sagittal, coronal or oblique slices)"
    if len(series.records) < rule.min_slices:
        return f"{len(series.records)} slice(s), fewer than {rule.min_slices}: not a volume"
    if series.thickness_mm > rule.max_thickness_mm + 1e-6:
        return f"slices {series.thickness_mm:g} mm thick, over the {rule.max_thickness_mm:g} mm limit"
    if geometry.problems:
        if geometry.fatal() or not rule.resample_geometry:
            return f"geometry: {geometry.reasons()}"
    return ""


def rank_key(series, rule):
    kernel = KERNEL_ORDER[kernel_class(series.kernel)] if rule.kernel == "soft" else 0
    thickness = series.thickness_mm if rule.prefer == "thin" else -series.thickness_mm
    return (kernel, thickness, -series.extent_mm, series.key)


def _lost_because(loser, chosen, rule):
    a, b = rank_key(loser, rule), rank_key(chosen, rule)
    if a[0] != b[0]:
        return (f"not chosen: kernel {loser.kernel or '(none)'} is {kernel_class(loser.kernel)}; "
                f"{chosen.kernel or '(none)'} ({kernel_class(chosen.kernel)}) preferred")
    if a[1] != b[1]:
        return (f"not chosen: {loser.thickness_mm:g} mm slices, {'thicker' if rule.prefer == 'thin' else 'thinner'} "
                f"than the chosen {chosen.thickness_mm:g} mm")
    if a[2] != b[2]:
        return f"not chosen: covers {loser.extent_mm:.0f} mm, less than the chosen {chosen.extent_mm:.0f} mm"
    return "not chosen: equal to the chosen series by the rule (kept the first by UID)"


def study_series(records):
    """[Series] of one study's image records, with their geometry."""
    by_key = {}
    for r in records:
        by_key.setdefault(series_key(r), []).append(r)
    out = []
    for key, members in sorted(by_key.items()):
        s = Series(key, members)
        s.geometry = series_geometry(members)
        out.append(s)
    return out


def choose_series(series, rule, forced_key=None):
    """(chosen Series or None, {series key: reason}) for one study's series; `forced_key` is a user's override."""
    reasons = {}
    for s in series:
        s.reason = ineligible_reason(s, rule)
    if forced_key is not None:
        chosen = next(s for s in series if s.key == forced_key)
        for s in series:
            reasons[s.key] = ("chosen by the user's override" + (f" (the rule says: {s.reason})" if s.reason else "")
                              if s is chosen else "not chosen: the user's override chose another series")
        return chosen, reasons
    eligible = sorted((s for s in series if not s.reason), key=lambda s: rank_key(s, rule))
    chosen = eligible[0] if eligible else None
    for s in series:
        reasons[s.key] = s.reason or ("chosen" + (f"; resampled: {s.geometry.reasons()}" if s.geometry.problems else "")
                                      if s is chosen else _lost_because(s, chosen, rule))
    return chosen, reasons
