"""`jmedseg import --format dicom EXPORT --out COHORT`: a PACS export becomes a cohort read in place.

    COHORT/cohort.csv          one row per study: subject_id (hashed), age, sex, site, patient (hashed),
                               study_date, age_note, and the acquisition (jmedseg.data.io.acquisition)
    COHORT/series_choice.csv   every series of every study: chosen or not, and why (jmedseg.data.dicom_export.choice)
    COHORT/import.json         counts: files, images, skipped (not DICOM, no image, unreadable), studies, subjects
    COHORT/private/            salt.txt, ids.csv (hashed id -> UIDs, PatientID, AccessionNumber), index.jsonl
                               (the header index, resumable), series/<subject_id>.dicom.txt (the chosen files)

The chosen series are not copied: `jmedseg measure --cohort COHORT` reads them
where they are (jmedseg.data.cohort.ct_path) and labels the vertebrae from the CT.
A series without a StudyInstanceUID is a study of its own; images without
any UID make one study per folder. Ages are PatientAge,
else StudyDate minus PatientBirthDate; a patient whose
studies' ages disagree with their dates by more than a year and a half gets no
age, and the reason in `age_note`.
"""
import csv
import datetime
import logging
import os
from collections import Counter

from jmedseg.data.cohort import COLUMNS
from jmedseg.data.dicom_export.choice import SeriesRule, choose_series, kernel_class, series_key, study_series
from jmedseg.data.dicom_export.index import index_export
from jmedseg.data.dicom_export.privacy import Pseudonyms
from jmedseg.data.io.acquisition import (ACQUISITION_COLUMNS, DAYS_PER_YEAR, dicom_acquisition,
                                         patient_age, patient_sex)
from jmedseg.data.io.dicom import SERIES_LIST_SUFFIX, write_series_list
from jmedseg.errors import InputError
from jmedseg.utils.report import write_csv, write_json

logger = logging.getLogger(__name__)

SUBJECT_COLUMNS = list(COLUMNS) + ["patient", "age_note"] + list(ACQUISITION_COLUMNS)
CHOICE_COLUMNS = ["subject_id", "series_key", "series_number", "description", "modality", "kernel", "kernel_class",
                  "slice_thickness_mm", "slices", "z_extent_mm", "chosen", "reason"]
ID_COLUMNS = ("subject_id", "patient", "study_uid", "series_uid", "patient_id", "accession_number")
SITE_SOURCES = ("institution", "folder")
AGE_SPREAD_YEARS = 1.5     # one patient's birth dates implied by (study date - age) agree within this
MAX_AGE_YEARS = 120


def study_key(record, root):
    """StudyInstanceUID; without one (anonymisers blank UIDs) the series, else the folder holding the file."""
    study = str(record.get("StudyInstanceUID", "")).strip()
    series = str(record.get("SeriesInstanceUID", "")).strip()
    folder = os.path.relpath(os.path.dirname(record["path"]), root).replace(os.sep, "_")
    return study or (f"series-{series}" if series else f"folder-{folder}")


def _site_reader(site_from, root):
    """record -> site text, for --site-from institution, folder or a MAP.csv (institution|folder -> site)."""
    if not site_from:
        return lambda record: ""
    if site_from == "institution":
        return lambda record: str(record.get("InstitutionName", "")).strip()
    if site_from == "folder":
        return lambda record: os.path.relpath(record["path"], root).split(os.sep)[0] \
            if os.sep in os.path.relpath(record["path"], root) else ""
    if not os.path.isfile(site_from):
        raise InputError(f"--site-from {site_from!r}: give institution, folder or a CSV file mapping them to sites")
    with open(site_from, newline="") as f:
        rows = list(csv.DictReader(f))
    columns = set(rows[0]) if rows else set()
    key = next((k for k in SITE_SOURCES if k in columns), None)
    if "site" not in columns or key is None:
        raise InputError(f"{site_from}: needs a 'site' column and an 'institution' or 'folder' column")
    mapping = {r[key].strip(): r["site"].strip() for r in rows}
    source = _site_reader(key, root)
    return lambda record: mapping.get(source(record), "")


def _read_override(path, pseudonyms, studies):
    """{study key: series key} from a user CSV with subject_id and series_key columns (as series_choice.csv has)."""
    if not path:
        return {}
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"subject_id", "series_key"} <= set(rows[0]):
        raise InputError(f"{path}: needs the columns subject_id and series_key (copy them from series_choice.csv)")
    by_subject = {pseudonyms.study(uid): uid for uid in studies}
    out = {}
    for r in rows:
        study = by_subject.get(r["subject_id"].strip())
        series = {pseudonyms.series(key): key for key in {series_key(s) for s in studies.get(study, [])}}
        if study is None or r["series_key"].strip() not in series:
            raise InputError(f"{path}: no series {r['series_key']!r} in study {r['subject_id']!r}; "
                             "use the subject_id and series_key of series_choice.csv")
        out[study] = series[r["series_key"].strip()]
    return out


def _choice_row(sid, s, pseudonyms, reason, chosen):
    return {"subject_id": sid, "series_key": pseudonyms.series(s.key),
            "series_number": s.get("SeriesNumber"), "description": s.get("SeriesDescription"),
            "modality": s.get("Modality"), "kernel": s.kernel, "kernel_class": kernel_class(s.kernel),
            "slice_thickness_mm": s.thickness_mm, "slices": len(s.records), "z_extent_mm": round(s.extent_mm, 1),
            "chosen": "yes" if chosen else "no", "reason": reason}


def _check_ages(rows):
    """Per patient: studies whose implied birth dates (study date - age) disagree lose their age, with the reason."""
    by_patient = {}
    for r in rows:
        date = datetime.date.fromisoformat(r["study_date"]) if r["study_date"] else None
        if r["age"] is not None and date:
            by_patient.setdefault(r["patient"], []).append((r, date.toordinal() / DAYS_PER_YEAR - r["age"]))
    for studies in by_patient.values():
        born = [b for _, b in studies]
        if len(studies) > 1 and max(born) - min(born) > AGE_SPREAD_YEARS:
            said = ", ".join(f"{r['age']} on {r['study_date']}" for r, _ in studies)
            for r, _ in studies:
                r["age"], r["age_note"] = None, f"this patient's ages disagree with the study dates ({said}): left empty"


def _subject_row(sid, chosen, pseudonyms, site_of):
    first = chosen.first
    age = patient_age(first)
    note = ""
    if age is not None and not 0 <= age <= MAX_AGE_YEARS:
        age, note = None, f"header age {first.get('PatientAge') or 'from the birth date'} is impossible: left empty"
    acquisition = dicom_acquisition(first)
    return {"subject_id": sid, "age": age, "sex": patient_sex(first) or "", "site": site_of(first),
            "true_density_hu": "", "patient": pseudonyms.patient(first), "age_note": note,
            **{k: acquisition[k] for k in ACQUISITION_COLUMNS}}


def _prepare_out(out):
    private = os.path.join(out, "private")
    if os.path.exists(out) and not os.path.isfile(os.path.join(private, "index.jsonl")):
        raise InputError(f"{out} already exists and is not an earlier DICOM import; choose another --out")
    os.makedirs(os.path.join(private, "series"), exist_ok=True)
    os.chmod(private, 0o700)
    return private


def _write_series_lists(series_dir, lists):
    """One `<subject_id>.dicom.txt` per chosen series; lists of studies no longer chosen (a rerun) are removed."""
    for name in os.listdir(series_dir):
        if name.endswith(SERIES_LIST_SUFFIX) and name[:-len(SERIES_LIST_SUFFIX)] not in lists:
            os.remove(os.path.join(series_dir, name))
    for sid, (files, settings) in lists.items():
        write_series_list(os.path.join(series_dir, sid + SERIES_LIST_SUFFIX), files, settings)


def import_dicom_export(root, out, site_from=None, rule=None, override=None, keep_ids=False, workers=2,
                        progress=False):
    """Index the export at `root`, choose one CT series per study and write the cohort `out`; returns the counts."""
    rule = rule or SeriesRule()
    root, out = os.path.abspath(root), os.path.abspath(out)
    private = _prepare_out(out)
    records = index_export(root, os.path.join(private, "index.jsonl"), workers, progress)
    studies = {}
    for r in records.values():
        if r["status"] == "image":
            studies.setdefault(study_key(r, root), []).append(r)
    pseudonyms = Pseudonyms(private, keep_ids)
    forced = _read_override(override, pseudonyms, studies)
    site_of = _site_reader(site_from, root)
    subjects, choices, ids, lists = [], [], [], {}
    for key in sorted(studies):
        sid = pseudonyms.study(key)
        series = study_series(studies[key])
        chosen, reasons = choose_series(series, rule, forced.get(key))
        choices += [_choice_row(sid, s, pseudonyms, reasons[s.key], s is chosen) for s in series]
        if chosen is None:
            continue
        subjects.append(_subject_row(sid, chosen, pseudonyms, site_of))
        ids.append({"subject_id": sid, "patient": subjects[-1]["patient"], "study_uid": key,
                    "series_uid": chosen.uid, "patient_id": chosen.get("PatientID"),
                    "accession_number": chosen.get("AccessionNumber")})
        lists[sid] = (sorted(r["path"] for r in chosen.records),
                      {"series_uid": chosen.uid, "resample": "yes" if chosen.geometry.problems else "no"})
    _check_ages(subjects)
    subjects.sort(key=lambda r: (r["patient"], r["study_date"], r["subject_id"]))
    _write_series_lists(os.path.join(private, "series"), lists)
    write_csv(os.path.join(private, "ids.csv"), ids, list(ID_COLUMNS))
    write_csv(os.path.join(out, "series_choice.csv"), choices, CHOICE_COLUMNS)
    write_csv(os.path.join(out, "cohort.csv"), subjects, SUBJECT_COLUMNS)
    status = Counter(r["status"] for r in records.values())
    summary = {"files": len(records), "image_files": status["image"], "not_dicom": status["not_dicom"],
               "without_image": status["other"], "unreadable": status["unreadable"], "studies": len(studies),
               "subjects": len(subjects), "studies_without_a_ct_series": len(studies) - len(subjects),
               "series": len(choices), "rule": rule.__dict__, "ids": "original" if keep_ids else "salted hashes"}
    write_json(os.path.join(out, "import.json"), summary)
    return summary
