"""Header facts per row (issue 22 s.3), the kernel table, the rule's options, header ages in trend, DICOMDIR exports."""
import os

import pandas as pd
import pytest

from jmedseg.cli import main
from jmedseg.data.dicom_export.choice import SeriesRule, kernel_class
from jmedseg.data.dicom_export.synthetic import plan_studies, write_export
from jmedseg.data.io import load_volume
from jmedseg.data.io.acquisition import ACQUISITION_COLUMNS, acquisition_row, dicom_acquisition, patient_age
from jmedseg.density.study_rows import fill_from_header, first_study_per_patient
from jmedseg.errors import InputError
from tests.conftest import DATA


def test_ages_from_patient_age_or_the_dates():
    assert patient_age({"PatientAge": "055Y"}) == 55
    assert patient_age({"PatientAge": "018M"}) == 1 and patient_age({"PatientAge": "010W"}) == 0
    # no PatientAge: study date minus birth date, one year less while the birthday has not come yet
    assert patient_age({"StudyDate": "20220614", "PatientBirthDate": "19600615"}) == 61
    assert patient_age({"StudyDate": "20220615", "PatientBirthDate": "19600615"}) == 62
    assert patient_age({"PatientAge": "", "StudyDate": "2022", "PatientBirthDate": "19600615"}) is None


def test_acquisition_columns_from_a_header_and_from_nifti():
    header = {"KVP": "100", "Manufacturer": "GE MEDICAL SYSTEMS", "ManufacturerModelName": "Revolution",
              "ConvolutionKernel": "STANDARD", "SliceThickness": "1.25", "PixelSpacing": ["0.7", "0.7"],
              "StudyDate": "20230102", "InstitutionName": "North", "ContrastBolusAgent": "IOMERON 350",
              "PatientAge": "071Y", "PatientSex": "F"}
    row = dicom_acquisition(header)
    assert row == {"kvp": 100.0, "manufacturer": "GE MEDICAL SYSTEMS", "model": "Revolution", "kernel": "STANDARD",
                   "slice_thickness_mm": 1.25, "pixel_spacing_mm": 0.7, "study_date": "2023-01-02",
                   "institution": "North", "contrast_agent": "IOMERON 350", "header_age": 71, "header_sex": "F"}
    nifti = acquisition_row(load_volume(os.path.join(DATA, "totalseg_example", "example_ct.nii.gz")))
    assert nifti["pixel_spacing_mm"] == 3.0 and all(nifti[c] == "" for c in ACQUISITION_COLUMNS
                                                    if c != "pixel_spacing_mm")


@pytest.mark.parametrize("kernel, expected", [
    ("B30f", "soft"), ("Br40", "soft"), ("I31f", "soft"), ("B70f", "sharp"), ("Br64", "sharp"), ("B50f", "unknown"),
    ("STANDARD", "soft"), ("SOFT", "soft"), ("BONEPLUS", "sharp"), ("LUNG", "sharp"), ("FC08", "soft"),
    ("FC52", "sharp"), ("C", "soft"), ("YB", "sharp"), ("", "unknown"), ("T20f", "unknown")])
def test_kernel_classes(kernel, expected):
    assert kernel_class(kernel) == expected


def test_series_rule_options():
    assert SeriesRule.parse("max_thickness_mm=3,kernel=any,prefer=thick,min_slices=20") == SeriesRule(3.0, 20, "any",
                                                                                                       "thick")
    for bad in ("thickness=3", "max_thickness_mm=thin", "kernel=bone", "prefer"):
        with pytest.raises(InputError, match="--series-rule"):
            SeriesRule.parse(bad)


def test_trend_takes_header_ages_and_one_study_per_patient():
    df = pd.DataFrame({"subject_id": ["a", "b", "c", "d"], "age": ["", "50", "", "62"], "sex": ["", "F", "M", "M"],
                       "header_age": ["47", "", "58", "61"], "header_sex": ["F", "", "M", "M"],
                       "patient": ["p1", "p2", "p3", "p3"], "study_date": ["2020-01-01", "", "2021-05-01",
                                                                           "2020-02-01"]})
    df = fill_from_header(df)
    assert df["age"].tolist() == ["47", "50", "58", "62"] and df["sex"].tolist() == ["F", "F", "M", "M"]
    kept, left_out = first_study_per_patient(df)
    assert kept["subject_id"].tolist() == ["a", "b", "d"]   # p3's first study is d (2020), not c (2021)
    assert left_out == [{"subject_id": "c", "reason": "a later study of patient p3 (the first study is kept: one "
                                                      "per person)"}]


def test_an_export_with_a_dicomdir_is_read_through_it(tmp_path):
    from pydicom.fileset import FileSet

    specs = write_export(str(tmp_path / "raw"), specs=plan_studies(2, seed=4), junk=False)
    fs = FileSet()
    for folder, _, names in os.walk(tmp_path / "raw"):
        for n in names:
            if not n.startswith("SR") and not n.endswith("dose.dcm"):   # the directory lists the images
                fs.add(os.path.join(folder, n))
    fs.write(str(tmp_path / "media"))
    (tmp_path / "media" / "notes.txt").write_text("not listed in the DICOMDIR: never read")
    out = tmp_path / "cohort"
    assert main(["import", "--format", "dicom", str(tmp_path / "media"), "--out", str(out), "--quiet"]) == 0
    summary = pd.read_json(out / "import.json", typ="series")
    assert (summary["files"], summary["not_dicom"], summary["subjects"]) == (2 * 64, 0, 2)
    ids = pd.read_csv(out / "private" / "ids.csv")
    assert sorted(ids["series_uid"]) == sorted(s.uids["soft_thin"] for s in specs)


def test_a_killed_indexing_resumes_where_it_stopped(tmp_path):
    from jmedseg.data.dicom_export.index import index_export, load_index

    write_export(str(tmp_path / "export"), specs=plan_studies(2, seed=5), junk=False)
    index = tmp_path / "index.jsonl"
    full = index_export(str(tmp_path / "export"), str(index), workers=1)
    lines = index.read_text().splitlines(keepends=True)
    assert len(lines) == len(full) == 2 * 65
    index.write_text("".join(lines[:100]) + lines[100][:40])   # killed while writing line 101
    assert len(load_index(str(index))) == 100                   # the cut line is ignored
    again = index_export(str(tmp_path / "export"), str(index), workers=2)
    assert again == full and len(index.read_text().splitlines()) == 131   # 100 kept + the cut one + 30 read anew
