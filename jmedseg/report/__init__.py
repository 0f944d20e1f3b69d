"""The per-person HTML report and the cohort index of `jmedseg measure --report` (issue 22, section 4).

OUT/reports/<id>.html   one self-contained page per person (inline PNGs, inline CSS, no network):
                        the QC picture, the per-level table (HU, mg/cm3, category, flags), the
                        age-referenced z-score, the method, the software version and settings
OUT/index.html          one row per subject, sortable, flags visible, linking the pages (cohort runs)

Every value comes from the stored row of the subject (OUT/subjects/<id>.json, the same
numbers as densities.csv); columns a run did not produce (calibration, acquisition) show
a dash. Research output, not a diagnosis.
"""
from jmedseg.report.writer import write_reports

__all__ = ["write_reports"]
