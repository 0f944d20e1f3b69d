"""`--check-levels`: a level the mask and the CT-alone labelling place differently is flagged and said on screen."""
import csv
import os

from jmedseg.cli import main
from jmedseg.data.io import load_labels, save_like
from tests.conftest import DATA

CT = os.path.join(DATA, "totalseg_example", "example_ct.nii.gz")
MASK = os.path.join(DATA, "totalseg_example", "example_ct_vertebrae.nii.gz")


def _mask_one_level_too_low(tmp_path):
    """Labels of L3..T12 one id up (the real L2 is labelled L1, the real L3 L2): a level mix-up of one."""
    mask = load_labels(MASK)
    arr = mask.array.copy()
    arr[(arr >= 29) & (arr <= 32)] += 1
    return save_like(mask, arr, tmp_path / "mixed_up.nii.gz")


def test_disagreeing_levels_get_no_density_and_the_screen_says_why(tmp_path, capsys):
    args = ["measure", "--ct", CT, "--mask", _mask_one_level_too_low(tmp_path), "--no-figures", "--check-levels"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "L1: the mask and the CT-alone labelling place it differently" in err
    assert "L2: the mask and the CT-alone labelling place it differently" in err
    assert "--accept-level-disagreement" in err
    out = tmp_path / "out"
    assert main(args + ["--accept-level-disagreement", "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "levels check (mask against the CT-alone labelling): agree:" in shown and "differ: " in shown
    assert "measured anyway (--accept-level-disagreement)" in shown
    with open(out / "densities.csv", newline="") as f:
        (row,) = csv.DictReader(f)
    assert (row["l1_flag"], row["l2_flag"], row["levels_used"]) == ("levels_disagree", "levels_disagree", "L1+L2")


def test_agreeing_levels_are_measured_without_a_flag(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["measure", "--ct", CT, "--mask", MASK, "--out", str(out), "--no-figures", "--check-levels"]) == 0
    assert "levels check (mask against the CT-alone labelling): agree: T12 L1 L2 L3" in capsys.readouterr().out
    with open(out / "densities.csv", newline="") as f:
        (row,) = csv.DictReader(f)
    assert (row["l1_flag"], row["l2_flag"], row["levels_agree"]) == ("", "", "True")


def test_accept_level_disagreement_needs_check_levels(capsys):
    assert main(["measure", "--ct", CT, "--mask", MASK, "--accept-level-disagreement"]) == 2
    assert "goes with --check-levels" in capsys.readouterr().err
