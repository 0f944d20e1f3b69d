"""NIfTI input gets the acquisition a DICOM header gives: from dcm2niix's JSON sidecar, `--kvp` or cohort.csv;
the tube voltage moves the calibration's beam energy; a value given twice that disagrees is an error."""
import csv
import glob
import json
import os
import shutil

import pydicom
import pytest

from jmedseg.calibration.attenuation import effective_energy_kev
from jmedseg.calibration.person import NO_KVP
from jmedseg.calibration.tube_voltage import resolve_kvp
from jmedseg.cli import main
from jmedseg.data.io import load_volume, save_like
from jmedseg.data.io.acquisition import acquisition_row
from jmedseg.data.io.sidecar import read_sidecar
from jmedseg.errors import InputError
from tests.conftest import DATA

DICOM = os.path.join(DATA, "totalseg_dicom_example")
EXAMPLE = os.path.join(DATA, "totalseg_example")
SAME_COLUMNS = ("kvp", "manufacturer", "model", "kernel", "slice_thickness_mm", "pixel_spacing_mm", "study_date",
                "institution", "contrast_agent")


def _dcm2niix_sidecar(ds):
    """The sidecar dcm2niix writes for this header (its key names and value forms: a backslash between a
    multi-valued tag's values, ISO dates), plus the KVP and SliceThickness that dcm2niix leaves out of CT
    sidecars and a user adds."""
    return {"Modality": "CT", "Manufacturer": ds.Manufacturer, "ManufacturersModelName": ds.ManufacturerModelName,
            "InstitutionName": ds.get("InstitutionName", ""), "ConvolutionKernel": "\\".join(ds.ConvolutionKernel),
            "AcquisitionDateTime": f"{ds.AcquisitionDate[:4]}-{ds.AcquisitionDate[4:6]}-{ds.AcquisitionDate[6:]}T14:03:52",
            "ContrastBolusAgent": ds.ContrastBolusAgent, "KVP": float(ds.KVP),
            "SliceThickness": float(ds.SliceThickness), "XRayTubeCurrent": int(ds.XRayTubeCurrent)}


def test_sidecar_of_the_bundled_dicom_series_gives_its_header_columns(tmp_path):
    dicom = load_volume(DICOM)
    header = pydicom.dcmread(sorted(glob.glob(os.path.join(DICOM, "CT.*")))[0], stop_before_pixels=True)
    nifti = save_like(dicom, dicom.array, str(tmp_path / "series.nii.gz"))
    (tmp_path / "series.json").write_text(json.dumps(_dcm2niix_sidecar(header), indent=1))
    from_dicom, from_nifti = acquisition_row(dicom), acquisition_row(load_volume(nifti))
    # the header's own values: 120 kVp, SIEMENS Biograph40_mCT, kernel Br38f\3, 2022-12-08, contrast APPLIED
    assert from_nifti["kvp"] == 120.0 and from_nifti["model"] == "Biograph40_mCT 4R"
    assert from_nifti["kernel"] == "Br38f 3" and from_nifti["study_date"] == "2022-12-08"
    assert {c: from_nifti[c] for c in SAME_COLUMNS} == {c: from_dicom[c] for c in SAME_COLUMNS}
    assert load_volume(nifti).acquisition_source == "JSON sidecar series.json"


@pytest.mark.parametrize("content, key", [
    ({"KVP": "high"}, "KVP"), ({"KVP": 12000}, "KVP"), ({"SliceThickness": -3}, "SliceThickness"),
    ({"AcquisitionDateTime": "yesterday"}, "AcquisitionDateTime"), ({"PatientSex": "X"}, "PatientSex"),
    ({"Manufacturer": {"name": "x"}}, "Manufacturer"), ({"PatientAge": "old"}, "PatientAge")])
def test_malformed_sidecar_values_are_refused_naming_file_and_key(tmp_path, content, key):
    path = tmp_path / "ct.json"
    path.write_text(json.dumps(content))
    with pytest.raises(InputError, match=rf"ct.json: {key} is .*Correct or delete the key"):
        read_sidecar(str(path))


@pytest.mark.parametrize("text, problem", [("{\"KVP\": 120", "not valid JSON"), ("[120]", "must be a JSON object")])
def test_a_sidecar_that_is_no_json_object_is_refused(tmp_path, text, problem):
    path = tmp_path / "ct.json"
    path.write_text(text)
    with pytest.raises(InputError, match=problem):
        read_sidecar(str(path))


def test_kvp_sources_agree_or_the_subject_is_refused():
    assert resolve_kvp(120.0, "DICOM header") == (120.0, "DICOM header")
    assert resolve_kvp("", option=100) == (100.0, "--kvp")
    assert resolve_kvp(120.0, "DICOM header", option=120, cohort="120") == (120.0, "DICOM header = --kvp = "
                                                                            "cohort.csv column kvp")
    with pytest.raises(InputError, match=r"DICOM header says 120 kVp, --kvp says 100 kVp"):
        resolve_kvp(120.0, "DICOM header", option=100)
    with pytest.raises(InputError, match=r"--kvp says 80 kVp, cohort.csv column kvp says 140 kVp"):
        resolve_kvp("", option=80, cohort="140")
    with pytest.raises(InputError, match=r"cohort.csv column kvp is '120kV'"):
        resolve_kvp(cohort="120kV")
    # an anonymiser's 0 in the header is no tube voltage: left out, and said
    kvp, source = resolve_kvp(0.0, "DICOM header", option=120)
    assert kvp == 120.0 and "DICOM header kVp 0.0 left out" in source
    assert resolve_kvp(None) == ("", "")


def _measure(tmp_path, name, *extra):
    out = tmp_path / name
    code = main(["measure", "--ct", str(tmp_path / "ct.nii.gz"), "--mask",
                 os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz"), "--out", str(out), "--no-figures", *extra])
    if code:
        return code, None
    with open(out / "densities.csv", newline="") as f:
        return code, next(csv.DictReader(f))


def test_sidecar_or_option_kvp_moves_the_calibration_end_to_end(tmp_path, capsys):
    """The bundled native CT (NIfTI, no header kVp): calibrated on its tissues alone, then with a sidecar's
    KVP 100. The prior on the energy (65 +- 3 keV at 100 kVp) pulls the fitted energy from the tissues' own
    estimate towards 65 keV; the fat, muscle, air and blood keep it within a few keV of the prior."""
    shutil.copy(os.path.join(EXAMPLE, "example_ct.nii.gz"), tmp_path / "ct.nii.gz")
    _, alone = _measure(tmp_path, "alone")
    # unknown acquisition values are left out of the row (a cohort table's own values are not blanked)
    assert alone.get("kvp", "") == "" and alone.get("kvp_source", "") == "" and NO_KVP in alone["calibration_flag"].split(",")
    assert "no tube voltage known" in alone["calibration_note"]
    (tmp_path / "ct.json").write_text(json.dumps({"Modality": "CT", "Manufacturer": "Siemens", "KVP": 100}))
    _, sidecar = _measure(tmp_path, "sidecar")
    assert float(sidecar["kvp"]) == 100.0 and sidecar["kvp_source"] == "JSON sidecar ct.json"
    assert sidecar["manufacturer"] == "Siemens" and NO_KVP not in sidecar["calibration_flag"].split(",")
    with_kvp, without = float(sidecar["calibration_energy_kev"]), float(alone["calibration_energy_kev"])
    assert abs(with_kvp - effective_energy_kev(100)) < 6.0 < abs(without - effective_energy_kev(100))
    assert float(sidecar["calibration_slope"]) != pytest.approx(float(alone["calibration_slope"]), rel=0.02)
    # the same kVp given twice is fine; a disagreeing one names both sources and measures nothing
    assert _measure(tmp_path, "twice", "--kvp", "100")[1]["kvp_source"] == "JSON sidecar ct.json = --kvp"
    capsys.readouterr()
    assert _measure(tmp_path, "clash", "--kvp", "120")[0] == 2
    assert "JSON sidecar ct.json says 100 kVp, --kvp says 120 kVp" in capsys.readouterr().err
    os.remove(tmp_path / "ct.json")
    _, option = _measure(tmp_path, "option", "--kvp", "100")
    assert option["kvp_source"] == "--kvp" and option["calibration_energy_kev"] == sidecar["calibration_energy_kev"]


def test_cohort_csv_kvp_per_subject(tmp_path, capsys):
    """A cohort.csv column kvp (as `jmedseg import` writes it) reaches each subject's calibration; a subject
    whose sidecar says otherwise gets no density, and the note names both values."""
    cohort = tmp_path / "cohort"
    for sid in ("a", "b"):
        os.makedirs(cohort / sid)
        shutil.copy(os.path.join(EXAMPLE, "example_ct.nii.gz"), cohort / sid / "ct.nii.gz")
        shutil.copy(os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz"), cohort / sid / "vertebrae.nii.gz")
    (cohort / "b" / "ct.json").write_text(json.dumps({"KVP": 100}))
    (cohort / "cohort.csv").write_text("subject_id,age,sex,site,kvp\na,70,F,N,100\nb,71,M,N,120\n")
    code = main(["measure", "--cohort", str(cohort), "--out", str(tmp_path / "out"), "--no-figures",
                 "--workers", "1"])
    assert code == 1       # one subject without a density
    with open(tmp_path / "out" / "densities.csv", newline="") as f:
        rows = {r["subject_id"]: r for r in csv.DictReader(f)}
    assert rows["a"]["kvp_source"] == "cohort.csv column kvp" and float(rows["a"]["kvp"]) == 100.0
    assert abs(float(rows["a"]["calibration_energy_kev"]) - effective_energy_kev(100)) < 6.0
    assert rows["b"]["density_hu"] == "" and "JSON sidecar ct.json says 100 kVp, cohort.csv column kvp says 120 " \
                                              "kVp" in rows["b"]["note"]
