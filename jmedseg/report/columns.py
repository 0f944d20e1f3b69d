"""Which columns of a densities.csv row the report shows, under which label and with how many decimals.

The one place that knows the column names the report reads. Columns come from three
producers; a row without a column shows a dash (`jmedseg.report.cells.DASH`):
- the measurement (jmedseg.density.measure): `density_hu`, `<level>_jsu_mode_hu`, flags, ...
- the internal calibration (issue 22 section 1): `*_bmd_mgcm3`, the calibration line, categories
- the acquisition read from DICOM headers (issue 22 section 3): kVp, scanner, kernel, ...
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str          # column of densities.csv
    label: str        # what the reader sees
    digits: int = None   # decimals of a number column; None: a text column, shown as written


@dataclass(frozen=True)
class LevelColumn:
    """A column of the per-level table: its value on a level's row and on the person's (pooled) row."""

    label: str
    level_key: str         # {level} is replaced by the level's name in lower case, as in the CSV
    person_key: str = ""   # "" : nothing on the person's row
    digits: int = None


# The per-level table: one row per requested level, then the person's row (the pooled levels). The category
# of L1 is Pickhardt et al.'s L1 HU screening class, the person's the ACR QCT class of mg/cm3 (two levels).
LEVEL_TABLE = (
    LevelColumn("density (HU)", "{level}_jsu_mode_hu", "density_hu", 1),
    LevelColumn("BMD (mg/cm\u00b3)", "{level}_bmd_mgcm3", "bmd_mgcm3", 1),
    LevelColumn("category", "{level}_hu_category", "acr_category"),
    LevelColumn("flag", "{level}_flag", "calibration_flag"),
    LevelColumn("voxels", "{level}_voxels", "", 0),
    LevelColumn("volume (ml)", "{level}_volume_ml", "", 2),
)
CALIBRATION_COLUMNS = (
    Column("calibration_slope", "slope (mg/cm\u00b3 per HU)", 4),
    Column("calibration_intercept", "intercept (mg/cm\u00b3)", 2),
    Column("ref_air_hu", "air (HU)", 1),
    Column("ref_fat_hu", "fat (HU)", 1),
    Column("ref_muscle_hu", "muscle (HU)", 1),
    Column("ref_blood_hu", "blood (HU)", 1),
    Column("calibration_energy_kev", "effective energy (keV)", 1),
    Column("calibration_flag", "calibration flag"),
    Column("calibration_note", "calibration note (why no mg/cm\u00b3, or why less accurate)"),
    Column("contrast_phase", "contrast phase"),
    Column("contrast_evidence", "phase evidence"),
    Column("contrast_agent", "contrast agent (DICOM)"),
    Column("contrast_correction_hu", "contrast correction (HU)", 1),
    Column("density_corrected_hu", "density after correction (HU)", 1),
)
ACQUISITION_COLUMNS = (
    Column("manufacturer", "manufacturer"),
    Column("model", "model"),
    Column("kvp", "tube voltage (kVp)", 0),
    Column("kernel", "kernel"),
    Column("slice_thickness_mm", "slice thickness (mm)", 2),
    Column("pixel_spacing_mm", "pixel spacing (mm)", 3),
    Column("study_date", "study date"),
    Column("institution", "institution"),
)
PERSON_FACTS = (
    Column("age", "age (years)"),
    Column("sex", "sex"),
    Column("site", "site"),
    Column("header_age", "age in the DICOM header"),
    Column("header_sex", "sex in the DICOM header"),
    Column("levels_summary", "vertebrae named (CT alone)"),
)
# The cohort index: one row per subject.
INDEX_COLUMNS = (
    Column("age", "age"),
    Column("sex", "sex"),
    Column("site", "site"),
    Column("density_hu", "density (HU)", 1),
    Column("bmd_mgcm3", "BMD (mg/cm\u00b3)", 1),
    Column("acr_category", "ACR QCT"),
    Column("l1_hu_category", "L1 HU category"),
    Column("contrast_phase", "phase"),
    Column("levels_used", "levels"),
)
