"""`jmedseg measure --cohort DIR --format F`: a data set read in place through the reader registry."""
import shutil
from pathlib import Path

import pytest

import jmedseg
from jmedseg.cli import main
from tests.conftest import DATA
from tests.csv_rows import read_rows

SAMPLE = Path(DATA) / "totalseg_example"


def test_a_plain_folder_is_measured_in_place_as_its_mask_gives(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(SAMPLE / "example_ct_sm.nii.gz", src / "ex_ct.nii.gz")     # the folder reader's default names
    shutil.copy(SAMPLE / "example_seg.nii.gz", src / "ex_seg.nii.gz")
    out = tmp_path / "out"
    assert main(["measure", "--cohort", str(src), "--format", "folder", "--out", str(out), "--labels", "L1=31",
                 "--allow-truncated", "--no-figures", "--estimator", "median"]) == 0
    (row,) = read_rows(out / "densities.csv")
    given = jmedseg.measure_ct(SAMPLE / "example_ct_sm.nii.gz", mask=SAMPLE / "example_seg.nii.gz",
                               levels={"L1": 31}, allow_truncated=True, estimator="median")
    # the median of integer HU is exact, and the csv writes it in full: equal (97 HU since the region leaves its
    # partial-volume layer out, issue 22; 105 before)
    assert row["subject_id"] == "ex" and float(row["density_hu"]) == given.density_hu == 97.0
    assert row["density_estimator"] == "median"


def test_an_unknown_format_or_estimator_is_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["measure", "--cohort", str(tmp_path), "--format", "nifti-zoo", "--out", str(tmp_path / "o")])
    assert "invalid choice: 'nifti-zoo'" in capsys.readouterr().err
    assert main(["measure", "--ct", str(SAMPLE / "example_ct_sm.nii.gz"), "--mask", str(SAMPLE / "example_seg.nii.gz"),
                 "--estimator", "mode"]) == 2
    assert "unknown density estimator 'mode'; choose one of jsu_mode, mean" in capsys.readouterr().err


def test_format_and_labeller_that_cannot_apply_are_refused(capsys):
    ct, seg = str(SAMPLE / "example_ct_sm.nii.gz"), str(SAMPLE / "example_seg.nii.gz")
    assert main(["measure", "--ct", ct, "--format", "verse"]) == 2
    assert "--format names the layout of a --cohort folder" in capsys.readouterr().err
    labeller = "tests.pipelines.toy_labeller:label_one_level"
    assert main(["measure", "--ct", ct, "--mask", seg, "--labeller", labeller]) == 2
    assert "drop --mask or --labeller" in capsys.readouterr().err
