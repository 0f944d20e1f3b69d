"""How a CT was acquired, from its headers: the columns a measured row carries (issue 22 section 3).

HU of bone depend on tube voltage, scanner and kernel, and iodine contrast raises
trabecular HU, so every row says where its number came from. The column names
are fixed (the report, calibration and trend code read them):

    kvp, manufacturer, model, kernel, slice_thickness_mm, pixel_spacing_mm,
    study_date (YYYY-MM-DD), institution, contrast_agent

plus `header_age` and `header_sex`, the patient's age (years) and sex (M/F) as
the DICOM header gives them; `trend` and its z-scores use them where the
cohort table has no age or sex. Unknown values are empty strings, never guesses.

DICOM: KVP (0018,0060), Manufacturer, ManufacturerModelName, ConvolutionKernel,
SliceThickness, PixelSpacing, StudyDate, InstitutionName, ContrastBolusAgent
(0018,0010), PatientAge (or StudyDate minus PatientBirthDate), PatientSex.
NIfTI keeps none of these: only the pixel spacing is known (the slice
*spacing* in pixdim is not the slice thickness, so that column stays empty),
unless a JSON sidecar (dcm2niix's <name>.json) lies beside it: then its values
fill the same columns (jmedseg.data.io.sidecar).
"""
import datetime

ACQUISITION_COLUMNS = ("kvp", "manufacturer", "model", "kernel", "slice_thickness_mm", "pixel_spacing_mm",
                       "study_date", "institution", "contrast_agent")
HEADER_DEMOGRAPHICS = ("header_age", "header_sex")
DAYS_PER_YEAR = 365.2425
AGE_UNIT_YEARS = {"Y": 1.0, "M": 1 / 12, "W": 7 / DAYS_PER_YEAR, "D": 1 / DAYS_PER_YEAR}   # DICOM AS: nnnY/M/W/D


def _text(ds, tag):
    value = ds.get(tag)
    if value is None:
        return ""
    if not isinstance(value, (str, bytes)) and hasattr(value, "__iter__"):   # multi-valued, e.g. kernel "Br40", "3"
        return " ".join(str(v).strip() for v in value if str(v).strip())
    return str(value).strip()


def _number(ds, tag):
    try:
        return float(ds.get(tag))
    except (TypeError, ValueError):
        return ""


def dicom_date(text):
    """datetime.date of a DICOM DA value (YYYYMMDD), None when empty or malformed."""
    text = str(text or "").strip()
    try:
        return datetime.date(int(text[:4]), int(text[4:6]), int(text[6:8])) if len(text) >= 8 else None
    except ValueError:
        return None


def patient_age(ds):
    """Age in whole years: PatientAge (e.g. '055Y', '018M'), else StudyDate minus PatientBirthDate; None if unknown."""
    text = _text(ds, "PatientAge").upper()
    if len(text) >= 2 and text[:-1].isdigit() and text[-1] in AGE_UNIT_YEARS:
        return int(int(text[:-1]) * AGE_UNIT_YEARS[text[-1]])
    study, born = dicom_date(_text(ds, "StudyDate")), dicom_date(_text(ds, "PatientBirthDate"))
    if study and born and born <= study:
        return study.year - born.year - ((study.month, study.day) < (born.month, born.day))
    return None


def patient_sex(ds):
    """'M' or 'F' from PatientSex; None for 'O', blank or anything else."""
    sex = _text(ds, "PatientSex").upper()
    return sex if sex in ("M", "F") else None


def _pixel_spacing(values):
    """One number when the pixels are square (the usual case), else 'row x column' mm."""
    if not values:
        return ""
    row, col = (float(v) for v in values[:2])
    return row if abs(row - col) < 1e-6 else f"{row:g}x{col:g}"


def dicom_acquisition(ds):
    """The acquisition columns and header demographics of one slice's pydicom dataset."""
    date = dicom_date(_text(ds, "StudyDate"))
    age, sex = patient_age(ds), patient_sex(ds)
    return {"kvp": _number(ds, "KVP"), "manufacturer": _text(ds, "Manufacturer"),
            "model": _text(ds, "ManufacturerModelName"), "kernel": _text(ds, "ConvolutionKernel"),
            "slice_thickness_mm": _number(ds, "SliceThickness"),
            "pixel_spacing_mm": _pixel_spacing(ds.get("PixelSpacing")),
            "study_date": date.isoformat() if date else "", "institution": _text(ds, "InstitutionName"),
            "contrast_agent": _text(ds, "ContrastBolusAgent"),
            "header_age": "" if age is None else age, "header_sex": sex or ""}


def nifti_acquisition(spacing):
    """What a NIfTI header allows: the in-plane pixel spacing; every other column empty."""
    row = dict.fromkeys(ACQUISITION_COLUMNS + HEADER_DEMOGRAPHICS, "")
    row["pixel_spacing_mm"] = _pixel_spacing((spacing[1], spacing[0]))   # DICOM order: (y, x)
    return row


def acquisition_row(volume):
    """The row columns of a loaded `Volume` (all keys present, unknown values empty)."""
    row = dict.fromkeys(ACQUISITION_COLUMNS + HEADER_DEMOGRAPHICS, "")
    row.update(volume.acquisition or nifti_acquisition(volume.spacing))
    if volume.geometry_note:
        row["dicom_geometry"] = volume.geometry_note
    return row
