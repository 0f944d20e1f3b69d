"""Completeness is judged on the body, the region measured (one free slice to every edge); CT-alone --allow-truncated.

Cases are cut from the bundled 3 mm TotalSegmentator CTs: in example_ct_sm, L1's whole
mask spans slices 4-21 (its spinous process slopes down) but its body only 10-20.
"""
import csv
import os

import pytest

from jmedseg.cli import main
from jmedseg.data.io import load_labels, load_volume
from jmedseg.density.measure import measure_person
from jmedseg.density.safety import MeasurementRefused
from tests.conftest import DATA
from tests.density.test_measure_safety import REAL_CT, REAL_SEG, _real_ct_cut_at

FULL_CT = os.path.join(DATA, "totalseg_example", "example_ct.nii.gz")


def _row(out):
    with open(os.path.join(out, "densities.csv"), newline="") as f:
        (row,) = csv.DictReader(f)
    return row


def test_posterior_elements_at_the_edge_do_not_refuse_the_body(tmp_path):
    """Cut at slice 6: the mask touches the first slice, the body lies 4 slices from it: measured, with a note."""
    ct, seg = _real_ct_cut_at(tmp_path, 6)
    out = tmp_path / "out"
    assert main(["measure", "--ct", ct, "--mask", seg, "--labels", "L1=31", "--out", str(out), "--no-figures"]) == 0
    row = _row(out)
    assert (row["l1_flag"], row["levels_used"]) == ("", "L1")
    assert "L1 touches the first slice of the scan outside its body only" in row["note"]
    assert "lies 4 voxels or more from every edge" in row["note"]
    # the same body voxels as in the uncut scan: the same density (same values, same fit in one process)
    whole = load_volume(REAL_CT)
    uncut = measure_person(whole.array, load_labels(REAL_SEG).array, None, whole.spacing, {"L1": 31}).row
    assert float(row["density_hu"]) == pytest.approx(uncut["density_hu"], abs=1e-6)


@pytest.mark.parametrize("first_slice, cut", [(9, True), (8, False)])
def test_body_one_slice_from_the_edge_counts_as_cut(tmp_path, first_slice, cut):
    """Body from slice 1 (one slice short of the edge): incomplete; from slice 2: measured."""
    ct_path, seg_path = _real_ct_cut_at(tmp_path, first_slice)
    ct = load_volume(ct_path)
    levels = {"L1": 31}
    if cut:
        with pytest.raises(MeasurementRefused, match="the body of L1 reaches the first slice"):
            measure_person(ct.array, load_labels(seg_path).array, None, ct.spacing, levels)
    else:
        row = measure_person(ct.array, load_labels(seg_path).array, None, ct.spacing, levels).row
        assert (row["l1_flag"], row["levels_used"]) == ("", "L1")


def test_ct_alone_honours_allow_truncated(tmp_path, capsys):
    """Without a mask, T12 (cut by the top of the scan) is refused, and measured with --allow-truncated."""
    args = ["measure", "--ct", FULL_CT, "--labels", "T12=32,L1=31", "--no-figures"]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "T12: incomplete" in err and "--allow-truncated measures cut levels anyway" in err
    out = tmp_path / "kept"
    assert main(args + ["--allow-truncated", "--out", str(out)]) == 0
    row = _row(out)
    assert (row["t12_flag"], row["l1_flag"], row["levels_used"]) == ("incomplete", "", "T12+L1")
    assert "the body of T12 reaches the last slice" in row["note"] and "kept (--allow-truncated)" in row["note"]
