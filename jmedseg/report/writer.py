"""Writing the pages of a measure run: OUT/reports/<id>.html per subject and, for a cohort, OUT/index.html.

The pages are written after the table is assembled, from the stored rows, so they show
exactly the numbers of densities.csv; a rerun rewrites them (they are cheap: no CT is read).
"""
import logging
import os

from jmedseg.data.ids import check_id
from jmedseg.report.age_reference import SINGLE_CT, AgeReference, cohort_z_scores
from jmedseg.report.cohort_index import REPORTS, cohort_index
from jmedseg.report.subject_page import subject_page
from jmedseg.utils.files import atomic_write_bytes

logger = logging.getLogger(__name__)
INDEX = "index.html"


def report_path(out_dir, subject_id):
    return os.path.join(out_dir, REPORTS, check_id(subject_id) + ".html")


def write_reports(out_dir, rows, run_info=None, table_path=None, cohort=True):
    """Write every row's page (and, for a cohort, index.html); returns the paths written, index last.

    `table_path` (densities.csv of a cohort) gives each person an age-referenced z-score
    against their sex x site line in this cohort; a single CT gets none, and its page says why.
    """
    if cohort and table_path:
        z_scores = cohort_z_scores(table_path, rows)
    else:
        z_scores = {r["subject_id"]: AgeReference(reason=SINGLE_CT) for r in rows}
    paths = []
    for row in rows:
        path = report_path(out_dir, row["subject_id"])
        atomic_write_bytes(path, subject_page(row, out_dir, run_info, z_scores.get(row["subject_id"])).encode())
        paths.append(path)
    if cohort:
        path = os.path.join(out_dir, INDEX)
        atomic_write_bytes(path, cohort_index(rows, z_scores).encode())
        paths.append(path)
    logger.debug("wrote %d report page(s) into %s", len(paths), out_dir)
    return paths
