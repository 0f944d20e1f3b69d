"""`jmedseg import --format dicom`: a synthetic PACS export (21 studies, 6 series each) plus the bundled real series.

The export (jmedseg.data.dicom_export.synthetic) is written with pydicom from phantom volumes: per study a scout,
a thin soft-kernel CT (the one to choose), the same in a bone kernel, a 5 mm soft series, a PET and a dose report;
one study misses a slice, one has a gantry tilt, one patient has two studies whose ages contradict their dates;
nested and flat folders; uncompressed, RLE and JPEG 2000. The truth is what the generator wrote.
"""
import os
import shutil

import numpy as np
import pytest

from jmedseg.cli import main
from jmedseg.data.cohort import ct_path
from jmedseg.data.dicom_export.synthetic import phantom_volumes, write_export
from jmedseg.data.io import load_volume
from tests.conftest import DATA
from tests.csv_rows import read_rows

REAL = os.path.join(DATA, "totalseg_dicom_example")
N_STUDIES = 21


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    root = tmp_path_factory.mktemp("pacs")
    specs = write_export(str(root / "export"), N_STUDIES, seed=0)
    real = root / "export" / "anonymised" / "case_real"
    os.makedirs(real)
    for name in os.listdir(REAL):
        if name.startswith("CT."):
            shutil.copy(os.path.join(REAL, name), real / name)
    sites = root / "sites.csv"
    sites.write_text("institution,site\nNorth General Hospital,N\nSouth Valley Clinic,S\n")
    return root, specs


def _import(export, out, *extra):
    root, _ = export
    assert main(["import", "--format", "dicom", str(root / "export"), "--out", str(out), "--site-from",
                 str(root / "sites.csv"), "--quiet", *extra]) == 0
    ids = {r["study_uid"]: r for r in read_rows(out / "private" / "ids.csv")}
    return ids, {r["subject_id"]: r for r in read_rows(out / "cohort.csv")}, read_rows(out / "series_choice.csv")


@pytest.fixture(scope="module")
def imported(export, tmp_path_factory):
    out = tmp_path_factory.mktemp("cohort") / "cohort"
    return (out, *_import(export, out))


def _choice(choices, sid, number):
    (row,) = [r for r in choices if r["subject_id"] == sid and r["series_number"] == str(number)]
    return row


def test_every_file_is_counted_and_every_study_gets_its_series(export, imported):
    out, ids, cohort, choices = imported
    _, specs = export
    summary = __import__("json").load(open(out / "import.json"))
    # 21 studies x (1 scout + 25 thin soft + 25 bone + 10 thick + 3 PET) image files, less the deleted slice,
    # plus the 20 real slices; 21 dose reports; README and .DS_Store; one DICOM file cut inside its header
    assert summary["image_files"] == N_STUDIES * 64 - 1 + 20
    assert (summary["without_image"], summary["not_dicom"], summary["unreadable"]) == (N_STUDIES, 2, 1)
    assert summary["studies"] == summary["subjects"] == N_STUDIES + 1 and len(choices) == N_STUDIES * 5 + 1
    for spec in specs:
        want = "soft_thick" if spec.special else "soft_thin"
        assert ids[spec.study_uid]["series_uid"] == spec.uids[want], spec.special


def test_rejection_reasons_are_written(export, imported):
    _, ids, _, choices = imported
    _, specs = export
    for spec in specs:
        sid = ids[spec.study_uid]["subject_id"]
        assert _choice(choices, sid, 1)["reason"] == "localizer (scout/topogram)"
        assert _choice(choices, sid, 5)["reason"] == "modality PT (PET), not CT"
        thin, bone, thick = (_choice(choices, sid, n) for n in (2, 3, 4))
        assert bone["reason"] == "not chosen: kernel B70f is sharp; B30f (soft) preferred"
        assert (bone["kernel_class"], thin["kernel_class"]) == ("sharp", "soft")
        if spec.special == "missing_slice":
            assert thin["reason"].startswith("geometry: 1 slice(s) missing (1 between 22.00 and 26.00 mm")
            assert thick["chosen"] == "yes"
        elif spec.special == "tilt":
            assert thin["reason"] == ("geometry: gantry tilt: the slices are sheared by 12.0 degrees (each shifted "
                                      "in-plane against the previous one)")
        else:
            assert thin["chosen"] == "yes" and thin["reason"] == "chosen"
            assert thick["reason"] == "not chosen: 5 mm slices, thicker than the chosen 2 mm"


def test_ages_sexes_sites_and_patients(export, imported):
    _, ids, cohort, _ = imported
    _, specs = export
    first, last = specs[0], specs[-1]   # one patient, two studies 3 years apart, the second 5 years "younger"
    for spec in specs:
        row = cohort[ids[spec.study_uid]["subject_id"]]
        assert row["sex"] == spec.sex and row["site"] == {"North General Hospital": "N"}.get(spec.institution, "S")
        assert row["study_date"] == spec.study_date.isoformat() and row["kernel"] == "B30f"
        if spec in (first, last):
            assert row["age"] == "" and "ages disagree with the study dates" in row["age_note"]
        else:   # PatientAge where written (2 studies in 3), else study date minus birth date: both give spec.age
            assert row["age"] == str(spec.age) and row["age_note"] == ""
    assert cohort[ids[first.study_uid]["subject_id"]]["patient"] == cohort[ids[last.study_uid]["subject_id"]]["patient"]
    assert len({r["patient"] for r in cohort.values()}) == N_STUDIES   # 20 synthetic patients + the real one


def test_the_bundled_real_series_is_chosen_and_read_in_place(imported):
    out, ids, cohort, choices = imported
    (real,) = [r for key, r in ids.items() if key.startswith("folder-")]   # no UID at all: one study per folder
    row = cohort[real["subject_id"]]
    assert (row["age"], row["sex"], row["kernel"], row["contrast_agent"]) == ("", "", "Br38f 3", "APPLIED")
    assert (row["manufacturer"], row["model"], row["kvp"]) == ("SIEMENS", "Biograph40_mCT 4R", "120.0")
    path = ct_path(str(out), real["subject_id"])
    assert path.endswith(".dicom.txt") and not os.path.exists(out / real["subject_id"])   # no copy
    np.testing.assert_array_equal(load_volume(path).array, load_volume(REAL).array)        # JPEG 2000, in place


def test_compressed_series_decode_to_the_phantom(export, imported):
    out, ids, _, _ = imported
    _, specs = export
    thin, _ = phantom_volumes()
    syntaxes = set()
    for spec in specs[3:6]:   # uncompressed, RLE, JPEG 2000 (the syntax rotates with the study)
        vol = load_volume(ct_path(str(out), ids[spec.study_uid]["subject_id"]))
        np.testing.assert_array_equal(vol.array, np.rint(thin))   # lossless: the phantom's whole HU exactly
        syntaxes.add(spec.syntax)
    assert len(syntaxes) == 3


def test_no_name_id_birth_date_or_uid_in_any_output(export, imported):
    out, _, _, _ = imported
    _, specs = export
    secrets = set()
    for s in specs:
        secrets |= {s.patient_name, s.patient_name.replace("^", "_"), s.patient_id, f"ACC{90000 + s.index}",
                    s.birth_date.strftime("%Y%m%d"), s.birth_date.isoformat(), s.study_uid, *s.uids.values()}
    texts = {}
    for folder, dirs, names in os.walk(out):
        dirs[:] = [d for d in dirs if d != "private"]
        for n in names:
            texts[os.path.join(folder, n)] = open(os.path.join(folder, n), errors="replace").read()
    assert {os.path.basename(p) for p in texts} == {"cohort.csv", "series_choice.csv", "import.json"}
    leaks = [(p, s) for p, t in texts.items() for s in secrets if s in t]
    assert not leaks
    private = open(out / "private" / "ids.csv").read()
    assert specs[4].patient_id in private and specs[4].study_uid in private   # the user keeps the mapping


def test_a_rerun_resumes_and_keeps_the_ids(export, imported, tmp_path):
    out, ids, cohort, choices = imported
    index = (out / "private" / "index.jsonl").read_text()
    again = _import(export, out)
    assert again == (ids, cohort, choices)
    assert (out / "private" / "index.jsonl").read_text() == index   # nothing read twice


def test_resampling_the_geometry_and_a_user_override(export, imported, tmp_path):
    _, specs = export
    _, ids, _, _ = imported
    bone_study = specs[5]
    override = tmp_path / "choice.csv"
    sid = ids[bone_study.study_uid]["subject_id"]
    bone_key = next(r["series_key"] for r in imported[3] if r["subject_id"] == sid and r["series_number"] == "3")
    override.write_text(f"subject_id,series_key\n{sid},{bone_key}\n")
    out = tmp_path / "c2"
    shutil.copytree(imported[0], out)   # the same cohort (same salt: the ids of series_choice.csv hold)
    ids2, _, choices = _import(export, out, "--resample-geometry", "--series-choice", str(override))
    for spec in specs[1:3]:   # the missing slice and the tilt: the thin soft series, resampled when read
        assert ids2[spec.study_uid]["series_uid"] == spec.uids["soft_thin"]
        thin = _choice(choices, ids2[spec.study_uid]["subject_id"], 2)
        assert thin["reason"].startswith("chosen; resampled: ")
        vol = load_volume(ct_path(str(out), ids2[spec.study_uid]["subject_id"]))
        assert vol.shape[2] == 25 and vol.geometry_note.startswith("resampled onto a regular 2 mm grid")
    assert ids2[bone_study.study_uid]["series_uid"] == bone_study.uids["bone_thin"]
    assert _choice(choices, sid, 3)["reason"] == "chosen by the user's override"
    unchanged = [s for s in specs if s not in (*specs[1:3], bone_study)]
    assert all(ids2[s.study_uid]["series_uid"] == ids[s.study_uid]["series_uid"] for s in unchanged)
