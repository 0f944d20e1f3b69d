"""`jmedseg measure --ct CT` without a mask and `jmedseg vertebrae`: the CT-alone labelling end to end."""
import csv
import json
import os

import nibabel as nib
import numpy as np
import pytest

from jmedseg.cli import main
from jmedseg.data.io import load_labels, load_volume, save_like
from jmedseg.data.phantom import SITES, render_subject
from jmedseg.density.measure import measure_person

from tests.conftest import DATA as TESTS_DATA

DATA = os.path.join(TESTS_DATA, "totalseg_example")
CT = os.path.join(DATA, "example_ct.nii.gz")
REF = os.path.join(DATA, "example_ct_vertebrae.nii.gz")


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_measure_without_mask_labels_measures_and_draws(tmp_path):
    out = tmp_path / "out"
    assert main(["measure", "--ct", CT, "--out", str(out)]) == 0
    (row,) = _rows(out / "densities.csv")
    labels = load_labels(out / "vertebrae" / "example_ct.nii.gz")
    ct = load_volume(CT)
    assert labels.shape == ct.shape and np.allclose(labels.affine, ct.affine)
    assert {27, 28, 29, 30, 31, 32} <= set(np.unique(labels.array).tolist())
    assert row["l1_flags"] == "" and row["l2_flags"] == "" and "confirmed" in row["levels_summary"]
    assert (out / row["qc_figure"]).stat().st_size > 10_000
    # the same density as from the reference (TotalSegmentator) mask: 10 HU is the target; the cancellous
    # regions differ by about one 3 mm voxel at their border, which moves the Johnson SU mode by a few HU
    ref = measure_person(ct.array, load_labels(REF).array, None, ct.spacing, {"L1": 31, "L2": 30}).row
    assert float(row["density_hu"]) == pytest.approx(ref["density_hu"], abs=10.0)


def test_cohort_subjects_without_vertebra_maps_are_labelled(tmp_path):
    """A cohort folder whose subject has only ct.nii.gz: the labelling runs per subject, as for one CT."""
    cohort = tmp_path / "cohort"
    os.makedirs(cohort / "p1")
    os.symlink(CT, cohort / "p1" / "ct.nii.gz")
    (cohort / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\np1,55,M,N,\n")
    out = tmp_path / "out"
    assert main(["measure", "--cohort", str(cohort), "--out", str(out), "--workers", "1", "--no-figures"]) == 0
    (row,) = _rows(out / "densities.csv")
    assert row["subject_id"] == "p1" and row["note"] == "" and "confirmed" in row["levels_summary"]
    assert (out / "vertebrae" / "p1.nii.gz").is_file()
    ct = load_volume(CT)
    ref = measure_person(ct.array, load_labels(REF).array, None, ct.spacing, {"L1": 31, "L2": 30}).row
    assert float(row["density_hu"]) == pytest.approx(ref["density_hu"], abs=10.0)  # as for one CT, above


def test_measure_with_mask_can_check_the_levels(tmp_path):
    out = tmp_path / "out"
    assert main(["measure", "--ct", CT, "--mask", REF, "--out", str(out), "--no-figures", "--check-levels"]) == 0
    (row,) = _rows(out / "densities.csv")
    assert row["levels_agree"] == "True", row["levels_check"]
    shifted = load_labels(REF)
    arr = shifted.array.copy()
    arr[(arr >= 29) & (arr <= 32)] += 1          # every level one too high: a level mix-up
    save_like(shifted, arr, tmp_path / "shifted.nii.gz")
    args = ["measure", "--ct", CT, "--mask", str(tmp_path / "shifted.nii.gz"), "--no-figures", "--check-levels"]
    assert main(args) == 2                       # L1 and L2 placed differently: flagged, no density
    assert main(args + ["--accept-level-disagreement", "--out", str(tmp_path / "o2")]) == 0
    (row,) = _rows(tmp_path / "o2" / "densities.csv")
    assert row["levels_agree"] == "False" and "differ" in row["levels_check"]
    assert row["l1_flag"] == row["l2_flag"] == "levels_disagree"


def test_measure_without_mask_refuses_unnamed_levels(tmp_path):
    """The phantom (T12-L3, no ribs, no sacrum): the levels cannot be counted, so no density, and why."""
    p = render_subject(120.0, SITES["N"], np.random.default_rng(1))  # N: 3 mm slices
    path = tmp_path / "phantom.nii.gz"
    nib.save(nib.Nifti1Image(p.ct.astype(np.int16), p.affine), str(path))
    out = tmp_path / "out"
    assert main(["measure", "--ct", str(path), "--out", str(out)]) == 2
    assert not (out / "densities.csv").exists()
    labels = load_labels(out / "vertebrae" / "phantom.nii.gz").array
    assert set(np.unique(labels).tolist()) == {0, 101, 102, 103, 104}


def test_vertebrae_command_writes_labels_report_and_picture(tmp_path, capsys):
    out = tmp_path / "v.nii.gz"
    assert main(["vertebrae", "--ct", CT, "--out", str(out), "--report", str(tmp_path / "r.json"),
                 "--qc", str(tmp_path / "qc.png")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert [e["name"] for e in report["levels"]] == ["T12", "L1", "L2", "L3", "L4", "L5", "S1"]
    assert load_labels(out).shape == load_volume(CT).shape
    assert (tmp_path / "qc.png").stat().st_size > 10_000
    assert "confirmed by sacrum and ribs" in capsys.readouterr().out


def test_label_map_does_not_depend_on_the_stored_orientation(tmp_path):
    """The same CT stored flipped left-right and anterior-posterior gets the same labels in world space."""
    img = nib.load(CT)
    data = np.asarray(img.dataobj)[::-1, ::-1]
    flip = img.affine @ np.array([[-1, 0, 0, data.shape[0] - 1], [0, -1, 0, data.shape[1] - 1],
                                  [0, 0, 1, 0], [0, 0, 0, 1.0]])
    path = tmp_path / "flipped.nii.gz"
    nib.save(nib.Nifti1Image(data, flip), str(path))
    out = tmp_path / "v.nii.gz"
    assert main(["vertebrae", "--ct", str(path), "--out", str(out)]) == 0
    a = load_labels(out)                          # loaded back to RAS+: the original array order
    from jmedseg.spine import label_vertebrae
    b, _ = label_vertebrae(load_volume(CT))
    assert np.allclose(a.affine, load_volume(CT).affine)
    assert (a.array == b).mean() > 0.999
