"""Bad inputs to `jmedseg measure` and `check-data`: an error naming the fix, or a flag, never a silent density.

Inputs are built from the box phantom of test_density_measure (two vertebrae whose cancellous
values have known Johnson SU modes) and from the bundled TotalSegmentator CT, by editing
headers and arrays.
"""
import csv
import os
import re
import shutil

import nibabel as nib
import numpy as np
import pytest

from jmedseg.cli import main
from jmedseg.constants import CANCELLOUS
from jmedseg.density.measure import measure_person
from jmedseg.density.safety import MeasurementRefused
from tests.density.test_density_measure import SPACING, synthetic_case, write_cohort
from tests.conftest import DATA

SAMPLE = os.path.join(DATA, "totalseg_example")
REAL_CT = os.path.join(SAMPLE, "example_ct_sm.nii.gz")
REAL_SEG = os.path.join(SAMPLE, "example_seg.nii.gz")


def _read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _edit(src, dst, fn):
    """Copy NIfTI `src` to `dst` with (data, affine) -> fn(data, affine)."""
    img = nib.load(str(src))
    data, affine = fn(np.asarray(img.dataobj).copy(), img.affine.copy())
    nib.save(nib.Nifti1Image(data, affine), str(dst))
    return str(dst)


def _moved(mm):
    def fn(data, affine):
        affine[0, 3] += mm
        return data, affine
    return fn


def _flipped_x(data, affine):
    """Same array, x axis reversed in the header only: the voxels now sit mirrored in the world."""
    affine[:, 0] *= -1
    return data, affine


@pytest.fixture
def case(tmp_path):
    write_cohort(tmp_path, [("p1", 50, "F", "N", 160.0)])
    return tmp_path / "p1"


def _measure(case, *extra, mask=None, tissue=None, ct=None, out=None):
    args = ["measure", "--ct", str(ct or case / "ct.nii.gz"), "--mask", str(mask or case / "vertebrae.nii.gz"),
            "--tissue", str(tissue or case / "labels.nii.gz"), "--no-figures", *extra]
    return main(args + (["--out", str(out)] if out else []))


# -- label maps on another grid ------------------------------------------------------------------------------
@pytest.mark.parametrize("which, edit", [("mask", _moved(30.0)), ("mask", _flipped_x), ("tissue", _moved(30.0))])
def test_label_map_on_another_grid_is_refused(case, tmp_path, capsys, which, edit):
    bad = _edit(case / ("vertebrae.nii.gz" if which == "mask" else "labels.nii.gz"), tmp_path / "bad.nii.gz", edit)
    assert _measure(case, **{which: bad}) == 2
    err = capsys.readouterr().err
    name = "vertebra mask" if which == "mask" else "tissue map"
    assert f"the {name} lies on another grid than the CT" in err and "resample" in err
    assert "density" not in capsys.readouterr().out


def test_cohort_subject_with_a_moved_mask_gets_no_density(tmp_path, capsys):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    write_cohort(cohort, [("a", 41, "M", "N", 190.0), ("b", 60, "F", "S", 120.0)])
    _edit(cohort / "b" / "vertebrae.nii.gz", cohort / "b" / "vertebrae.nii.gz", _moved(30.0))
    assert main(["measure", "--cohort", str(cohort), "--out", str(tmp_path / "out"), "--no-figures",
                 "--workers", "1"]) == 1
    a, b = _read_csv(tmp_path / "out" / "densities.csv")
    assert float(a["density_hu"]) == pytest.approx(190.0, abs=2.0)
    # b's failure does not reach a's row: its levels are measured clean and its note names only its own phase
    assert a["l1_flag"] == "" and a["l2_flag"] == "" and "grid" not in a["note"]
    # the phantom draws no aorta or vena cava, so the phase cannot be read: said with the reason, never guessed
    assert a["contrast_phase"] == "unknown" and a["note"].startswith("contrast phase unknown (no aorta")
    assert b["density_hu"] == "" and "origin 30 mm away" in b["note"]


# -- vertebrae cut by the field of view ----------------------------------------------------------------------
def _real_ct_cut_at(tmp_path, first_slice):
    """The bundled CT and its label map without slices below `first_slice` (L1 spans slices 4-21, its body 10-20)."""
    def crop(data, affine):
        shifted = affine.copy()
        shifted[:3, 3] += affine[:3, 2] * first_slice
        return data[:, :, first_slice:], shifted
    return _edit(REAL_CT, tmp_path / "ct.nii.gz", crop), _edit(REAL_SEG, tmp_path / "seg.nii.gz", crop)


def test_vertebra_touching_the_first_slice_is_incomplete(tmp_path, capsys):
    ct, seg = _real_ct_cut_at(tmp_path, 10)
    args = ["measure", "--ct", ct, "--mask", seg, "--labels", "L1=31", "--no-figures"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "the body of L1 reaches the first slice of the scan" in err and "--allow-truncated" in err
    assert main(args + ["--allow-truncated", "--out", str(tmp_path / "kept")]) == 0
    (row,) = _read_csv(tmp_path / "kept" / "densities.csv")
    assert row["l1_flag"] == "incomplete" and "kept (--allow-truncated)" in row["note"]
    assert 50.0 < float(row["density_hu"]) < 250.0


def test_vertebra_touching_the_in_plane_edge_is_incomplete():
    hu, vertebrae, tissue = synthetic_case((150.0, 150.0))
    vertebrae[:5, 5:39, 13:22] = 31            # L1's body now reaches x = 0
    tissue[:5, 5:39, 13:22] = 1                # cortical: part of the body
    with pytest.raises(MeasurementRefused, match="the body of L1 reaches the in-plane edge") as refused:
        measure_person(hu, vertebrae, tissue, SPACING, levels={"L1": 31})
    assert refused.value.row["l1_flag"] == "incomplete"


def test_real_ct_l2_cut_by_the_scan_leaves_the_density_to_l1(tmp_path):
    """The sample's L2 starts at slice 0 (its NOTICE): flagged, and the density comes from L1 alone."""
    assert main(["measure", "--ct", REAL_CT, "--mask", REAL_SEG, "--out", str(tmp_path / "o"), "--no-figures"]) == 0
    (row,) = _read_csv(tmp_path / "o" / "densities.csv")
    assert (row["l1_flag"], row["l2_flag"], row["levels_used"]) == ("", "incomplete", "L1")
    assert row["l2_jsu_mode_hu"] == "" if "l2_jsu_mode_hu" in row else True
    assert float(row["density_hu"]) == pytest.approx(float(row["l1_jsu_mode_hu"]), abs=1e-9)  # one level: same fit
    assert "the body of L2 reaches the first slice" in row["note"]


# -- values that are not HU ----------------------------------------------------------------------------------
@pytest.mark.parametrize("edit, seen", [
    (lambda a: ((a + 1024.0) / 3000.0).astype(np.float32), "99 % of its values lie within"),   # scaled to 0..1
    (lambda a: (a + 250.0).astype(np.int16), "most common value above -500 is 2"),            # tissue at ~290
    (lambda a: (a * 0.5).astype(np.float32), "its air reads about -49"),                       # air at -500
])
def test_ct_not_in_hu_is_refused_naming_units(tmp_path, capsys, edit, seen):
    ct = _edit(REAL_CT, tmp_path / "ct.nii.gz", lambda data, affine: (edit(data.astype(np.float64)), affine))
    assert main(["measure", "--ct", ct, "--mask", REAL_SEG, "--labels", "L1=31", "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert "does not look like Hounsfield units" in err and seen in err and "--units" in err


# -- air or metal in the region, implausible densities -------------------------------------------------------
def _l1_region(vertebrae, tissue):
    return (vertebrae == 31) & (tissue == CANCELLOUS)


def test_metal_in_one_vertebra_flags_it_and_the_other_gives_the_density():
    hu, vertebrae, tissue = synthetic_case((150.0, 110.0))
    region = np.flatnonzero(_l1_region(vertebrae, tissue))
    hu.flat[region[: len(region) // 5]] = 3000.0     # 20 % of L1's cancellous voxels: a screw or cement
    row = measure_person(hu, vertebrae, tissue, SPACING).row
    assert (row["l1_flag"], row["l2_flag"], row["levels_used"]) == ("implausible", "", "L2")
    assert "l1_jsu_mode_hu" not in row and "20 % of the voxels" in row["note"] and "above 1500 HU" in row["note"]
    assert row["density_hu"] == pytest.approx(110.0, abs=3.0)


def test_region_full_of_air_in_both_vertebrae_gives_no_density(case, tmp_path, capsys):
    hu, vertebrae, tissue = synthetic_case((150.0, 150.0))
    hu[(tissue == CANCELLOUS)] = -1000.0           # a mask lying on air
    ct = tmp_path / "air.nii.gz"
    nib.save(nib.Nifti1Image(hu.astype(np.int16), np.diag([*SPACING, 1.0])), str(ct))
    assert _measure(case, ct=ct) == 2
    err = capsys.readouterr().err
    assert "no density" in err and "below -200 HU (air)" in err and "belongs to this CT" in err


def test_density_outside_trabecular_range_is_implausible():
    hu, vertebrae, tissue = synthetic_case((600.0, 600.0))   # cortex-like values: no trabecular bone reads so
    with pytest.raises(MeasurementRefused, match=r"of L1, (\d+) HU, is outside the range of trabecular bone \(-50 to 450"
                       ) as refused:
        measure_person(hu, vertebrae, tissue, SPACING)
    # the mode of values drawn with mode 600 HU, within the 3 HU the per-level tests of this case allow
    assert int(re.search(r"of L1, (\d+) HU", str(refused.value)).group(1)) == pytest.approx(600, abs=3)
    hu, vertebrae, tissue = synthetic_case((600.0, 140.0))
    row = measure_person(hu, vertebrae, tissue, SPACING).row
    assert (row["l1_flag"], row["levels_used"]) == ("implausible", "L2")


# -- missing levels ------------------------------------------------------------------------------------------
def test_missing_requested_level_is_noted_and_the_others_measured(case, tmp_path):
    out = tmp_path / "out"
    assert _measure(case, "--labels", "L1=31,L2=30,L3=29", out=out) == 0
    (row,) = _read_csv(out / "densities.csv")
    assert (row["l3_flag"], row["levels_used"]) == ("missing", "L1+L2")
    assert "L3 (label 29) is not in the mask" in row["note"] and "measured from L1+L2" in row["note"]
    assert float(row["density_hu"]) == pytest.approx(160.0, abs=2.0)


# -- one --out folder, one run -------------------------------------------------------------------------------
def test_out_folder_of_another_run_or_settings_is_refused(case, tmp_path, capsys):
    out = tmp_path / "out"
    assert _measure(case, out=out) == 0
    assert _measure(case, "--units", "raw", out=out) == 2                       # other settings
    assert "measured with other settings (units: 'hu' here, 'raw' now)" in capsys.readouterr().err
    other = tmp_path / "other"
    shutil.copytree(case, other)
    assert _measure(case, ct=other / "ct.nii.gz", out=out) == 2                  # another CT
    assert "holds results measured from" in capsys.readouterr().err
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("my own files")
    assert _measure(case, out=tmp_path / "mine") == 2                           # a folder not ours
    assert "not written by `jmedseg measure`" in capsys.readouterr().err


def test_out_folder_in_use_by_another_run_is_refused(case, tmp_path, capsys):
    from jmedseg.pipelines.cohort_run import settings_for
    from jmedseg.pipelines.results import ResultsFolder

    out = ResultsFolder(tmp_path / "out")
    out.claim(str(case / "ct.nii.gz"), settings_for({"L1": 31, "L2": 30}))    # a run in progress holds it
    try:
        assert _measure(case, out=tmp_path / "out") == 2
        assert "another `jmedseg measure` is writing into" in capsys.readouterr().err
    finally:
        out.release()
    assert _measure(case, out=tmp_path / "out") == 0


# -- check-data reports what measure refuses -----------------------------------------------------------------
def test_check_data_without_labels_and_a_moved_mask_reports_it(tmp_path, capsys):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    write_cohort(cohort, [("a", 41, "M", "N", 190.0), ("b", 60, "F", "S", 120.0)])
    for sid in "ab":
        os.remove(cohort / sid / "labels.nii.gz")
    _edit(cohort / "b" / "vertebrae.nii.gz", cohort / "b" / "vertebrae.nii.gz", _moved(30.0))
    _edit(cohort / "a" / "ct.nii.gz", cohort / "a" / "ct.nii.gz",
          lambda data, affine: (((data + 1024.0) / 3000.0).astype(np.float32), affine))
    assert main(["check-data", str(cohort)]) == 1
    out = capsys.readouterr().out
    assert "b: the vertebra map (vertebrae.nii.gz) lies on another grid" in out
    assert "a: the CT does not look like Hounsfield units" in out and "--units" in out


def test_check_data_reports_metal_in_the_cancellous_region(tmp_path, capsys):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    write_cohort(cohort, [("a", 41, "M", "N", 190.0)])

    def metal(data, affine):
        tissue = np.asarray(nib.load(str(cohort / "a" / "labels.nii.gz")).dataobj)
        vertebrae = np.asarray(nib.load(str(cohort / "a" / "vertebrae.nii.gz")).dataobj)
        data[_l1_region(vertebrae, tissue)] = 2500
        return data, affine
    _edit(cohort / "a" / "ct.nii.gz", cohort / "a" / "ct.nii.gz", metal)
    assert main(["check-data", str(cohort), "--min-cancellous", "100"]) == 1
    assert "100 % of the voxels of the cancellous region of L1 read above 1500 HU" in capsys.readouterr().out
