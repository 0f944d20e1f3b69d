"""One CT measured, and with an output folder stored there as `jmedseg measure --ct` stores it (paper section 3).

The one path of a single-CT measurement: the Python API's `measure_ct` runs it and the
CLI calls that. Without `out_dir` nothing is written; with it the folder is claimed
(jmedseg.pipelines.results: the same CT with other settings is refused), the row,
histogram and figures are stored, densities.csv written, and with `report` the
person's HTML page (also for a refused CT, saying why).
"""
import math
import os
from dataclasses import dataclass, field

from jmedseg.data.ids import check_id
from jmedseg.pipelines.results import ResultsFolder, table_rows
from jmedseg.pipelines.subject import measure_files


@dataclass
class SingleRun:
    """What measuring one CT gave: its table row, and the files written (table, pages) when stored."""

    row: dict
    table_path: str = ""
    pages: list = field(default_factory=list)


def subject_id_of(ct_path):
    """The id a CT file is stored under: its file name without extensions (a folder's name for DICOM)."""
    return os.path.basename(os.path.normpath(str(ct_path))).split(".")[0]


def measure_one(ct_path, settings, mask=None, tissue=None, model=None, out_dir=None, figures=False, report=False,
                redo=False, paper_units=False, series_uid=None):
    """SingleRun of CT `ct_path`; raises a JmedsegError (MeasurementRefused, InputError...) when no density.

    `model`: (network, meta) of a loaded `.jmed` file, segmenting the tissue map.
    """
    subject_id = subject_id_of(ct_path)
    if out_dir:   # the id names the subject's files in out_dir
        check_id(subject_id, "subject id (the CT's file name)")
    folder = ResultsFolder(out_dir) if out_dir else None
    if folder:
        folder.claim(str(ct_path), settings, redo=redo)  # the same CT with the same settings: measured again
    try:
        return _measure_and_store(folder, subject_id, ct_path, settings, mask, tissue, model, figures, report,
                                  paper_units, series_uid)
    finally:
        if folder:
            folder.release()


def _measure_and_store(folder, subject_id, ct_path, settings, mask, tissue, model, figures, report, paper_units,
                       series_uid):
    out_dir = folder.path if folder else None
    try:
        person = measure_files(subject_id, str(ct_path), mask and str(mask), tissue and str(tissue), settings, model,
                               out_dir=out_dir, qc_figure=figures and bool(out_dir), series_uid=series_uid,
                               qc_always=report and figures)
    except ValueError as err:  # MeasurementRefused included: the page says why, then the error as before
        if folder:
            folder.note_refusal(subject_id, err)
            if report:
                err.pages = _pages(folder, [{"subject_id": subject_id, **getattr(err, "row", {}),
                                             "density_hu": math.nan, "note": str(err)}])
        raise
    row = {"subject_id": subject_id, **person.row}
    if not folder:
        return SingleRun(row)
    stored = folder.save(0, row, settings.fingerprint(), person, figures,
                         f"{subject_id}: {row['levels_used']} cancellous bone")
    table = folder.write_table([stored], paper_units)
    row = table_rows([stored], paper_units)[0]
    return SingleRun(row, table, _pages(folder, [row]) if report else [])


def _pages(folder, rows, table_path=None):
    """The report's pages of `rows` (jmedseg.report) in `folder`; a cohort (with `table_path`) also gets index.html."""
    from jmedseg.pipelines.pages import write_pages

    return write_pages(folder.path, rows, table_path)
