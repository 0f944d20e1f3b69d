"""The JSON sidecar beside a NIfTI CT: the acquisition columns a DICOM header would give (issue 22 section 3).

Most users convert DICOM with dcm2niix, which writes `<name>.json` beside `<name>.nii.gz`
(BIDS style: DICOM keywords as keys). It is read as JSON only (no code runs), and only
these keys are used, each mapped onto the column `jmedseg.data.io.acquisition` fills from DICOM:

    KVP -> kvp                      Manufacturer -> manufacturer
    ManufacturersModelName (dcm2niix's spelling) or ManufacturerModelName -> model
    ConvolutionKernel -> kernel     SliceThickness -> slice_thickness_mm
    InstitutionName -> institution  ContrastBolusAgent -> contrast_agent
    AcquisitionDateTime, AcquisitionDate or StudyDate -> study_date
    PatientAge (years, or DICOM's "055Y") -> header_age      PatientSex -> header_sex

What dcm2niix writes for a CT (its console/nii_dicom_batch.cpp, December 2024): Manufacturer,
ManufacturersModelName, InstitutionName, ConvolutionKernel, and with `-ba n` (not anonymised)
AcquisitionDateTime, PatientSex and PatientAge. It writes no KVP, no ContrastBolusAgent and, for
CT, no SliceThickness: a dcm2niix sidecar alone does not give the calibration its tube voltage.
Add `"KVP": 120` to the sidecar (from the DICOM header), or give `measure --kvp` / a cohort.csv
`kvp` column. A value that is there but malformed is an InputError naming the file and key.
"""
import datetime
import json
import os

from jmedseg.data.io.acquisition import ACQUISITION_COLUMNS, AGE_UNIT_YEARS, HEADER_DEMOGRAPHICS
from jmedseg.errors import InputError

NIFTI_SUFFIXES = (".nii.gz", ".nii")
KVP_RANGE = (40.0, 160.0)          # clinical CT tubes run at 70-150 kVp; outside this a value is no tube voltage
MAX_SIDECAR_BYTES = 10_000_000     # a sidecar is a few kB; anything this large is not one
TEXT_KEYS = {"manufacturer": ("Manufacturer",), "model": ("ManufacturersModelName", "ManufacturerModelName"),
             "institution": ("InstitutionName",), "contrast_agent": ("ContrastBolusAgent",)}
DATE_KEYS = ("AcquisitionDateTime", "AcquisitionDate", "StudyDate")


def sidecar_path(nifti_path):
    """`x.json` for `x.nii.gz` or `x.nii`; None for any other name."""
    path = os.fspath(nifti_path)
    for suffix in NIFTI_SUFFIXES:
        if path.endswith(suffix):
            return path[: -len(suffix)] + ".json"
    return None


class _Sidecar:
    """One parsed sidecar: typed look-ups whose errors name the file, the key and the fix."""

    def __init__(self, path, data):
        self.path, self.data = path, data

    def error(self, key, why):
        return InputError(f"{self.path}: {key} is {self.data[key]!r}: {why}. Correct or delete the key (or the "
                          "file); the sidecar holds what the DICOM header said, with DICOM keywords as keys")

    def text(self, *keys):
        for key in keys:
            value = self.data.get(key)
            if value is None:
                continue
            if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
                return " ".join(str(v).strip() for v in value if str(v).strip())   # like a multi-valued DICOM tag
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise self.error(key, "expected text")
            return str(value).replace("\\", " ").strip()   # DICOM's value separator
        return ""

    def number(self, key, low, high, unit):
        if key not in self.data:
            return ""
        value = self.data[key]
        try:
            number = float(value) if not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        if number is None or not low <= number <= high:
            raise self.error(key, f"expected a number of {unit} from {low:g} to {high:g}")
        return number

    def date(self):
        for key in DATE_KEYS:
            if key in self.data:
                text = str(self.data[key]).strip()[:10].replace("-", "")
                try:
                    return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8])).isoformat()
                except ValueError:
                    raise self.error(key, "expected a date YYYY-MM-DD (or DICOM's YYYYMMDD)") from None
        return ""

    def age(self):
        if "PatientAge" not in self.data:
            return ""
        value = self.data["PatientAge"]
        text = str(value).strip().upper()
        if isinstance(value, str) and text[-1:] in AGE_UNIT_YEARS and text[:-1].isdigit():   # DICOM's "055Y"
            return int(int(text[:-1]) * AGE_UNIT_YEARS[text[-1]])
        return int(self.number("PatientAge", 0, 130, "years"))

    def sex(self):
        sex = self.text("PatientSex").upper()
        if sex not in ("", "M", "F", "O"):
            raise self.error("PatientSex", "expected M, F or O")
        return sex if sex in ("M", "F") else ""


def read_sidecar(path):
    """The acquisition columns of the JSON sidecar at `path` (all keys present; unknown values empty)."""
    if os.path.getsize(path) > MAX_SIDECAR_BYTES:
        raise InputError(f"{path} is {os.path.getsize(path)} bytes, not a JSON sidecar of a few kB; move it away "
                         "from the CT (it is read because it shares the CT's name)")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not valid JSON ({err}); fix or delete the sidecar, which is read because it "
                         "shares the CT's name") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a sidecar must be a JSON object of DICOM keywords and values, found a "
                         f"{type(data).__name__}; fix or delete it")
    side = _Sidecar(path, data)
    row = dict.fromkeys(ACQUISITION_COLUMNS + HEADER_DEMOGRAPHICS, "")
    row.update({column: side.text(*keys) for column, keys in TEXT_KEYS.items()})
    row.update(kvp=side.number("KVP", *KVP_RANGE, "kV"), kernel=side.text("ConvolutionKernel"),
               slice_thickness_mm=side.number("SliceThickness", 0.1, 20.0, "mm"), study_date=side.date(),
               header_age=side.age(), header_sex=side.sex())
    return row


def sidecar_acquisition(nifti_path):
    """(columns, the sidecar's path) of the sidecar beside `nifti_path`, or ({}, None) when there is none."""
    path = sidecar_path(nifti_path)
    if path is None or not os.path.isfile(path):
        return {}, None
    return read_sidecar(path), path
