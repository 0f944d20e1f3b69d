"""One column tracking shared by the labeller and the calibration (issue 20 section 4, docs/throughput.md).

On the bundled real example (3 mm, T12-S1, native): the labels, the reference tissues and the whole
CT-alone measurement are the same whether the calibration tracks the column itself or reuses the
labeller's, and neither user changes the shared column.
"""
import math
import os

import numpy as np
import pytest

from jmedseg.calibration.person import calibration_columns
from jmedseg.calibration.tissues import find_reference_tissues
from jmedseg.data.io import load_volume
from jmedseg.spine import label_vertebrae, track_column

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "data", "totalseg_example", "example_ct.nii.gz")
LEVELS = {"L1": 31, "L2": 30}
# the same voxels go through the same arithmetic in both paths; what is left is float64 rounding of a median
# or a least-squares line (about 1e-13 relative), far below 1e-6 HU
SAME = 1e-6


@pytest.fixture(scope="module")
def example():
    ct = load_volume(EXAMPLE)
    tracked = track_column(ct.array, ct.spacing)
    before = tracked.copy()
    labels, report = label_vertebrae(ct, tracked)
    return ct, tracked, before, labels, report


def _same_column(a, b):
    for name in ("centre", "raw_centre", "seen", "area_mm2", "body", "filled", "bone", "midline_x"):
        np.testing.assert_array_equal(getattr(a.column, name), getattr(b.column, name), err_msg=name)


def test_labeller_gives_the_same_labels_and_leaves_the_column(example):
    ct, tracked, before, labels, report = example
    alone, alone_report = label_vertebrae(ct)
    np.testing.assert_array_equal(labels, alone)
    assert [e["name"] for e in report["levels"]] == [e["name"] for e in alone_report["levels"]]
    _same_column(tracked, before)   # the sacral base was added to the labeller's own copy
    assert report["seconds"] >= tracked.seconds > 0.0   # the report's time counts the shared tracking too


def test_calibration_on_the_shared_column_is_the_same(example):
    ct, tracked, before, labels, _ = example
    row = {"density_hu": 105.0, "l1_jsu_mode_hu": 100.0, "l2_jsu_mode_hu": 110.0, "l1_mean_hu": 104.0}
    shared, shared_note, shared_tissues = calibration_columns(ct.array, ct.spacing, row, LEVELS, labels,
                                                              tracked=tracked)
    anew, anew_note, anew_tissues = calibration_columns(ct.array, ct.spacing, row, LEVELS, labels)
    assert shared.keys() == anew.keys() and shared_note == anew_note
    for key, value in anew.items():
        if isinstance(value, float) and math.isfinite(value):
            assert shared[key] == pytest.approx(value, abs=SAME), key
        else:
            assert shared[key] == value or (value != value and shared[key] != shared[key]), key
    assert shared_tissues.slices == anew_tissues.slices
    for name, mask in anew_tissues.masks.items():
        np.testing.assert_array_equal(shared_tissues.masks[name], mask, err_msg=name)
    # a native CT (the example has no contrast): the column found air, fat, muscle and the aorta
    assert shared["contrast_phase"] == "native" and math.isfinite(shared["ref_blood_hu"])
    _same_column(tracked, before)   # the labelled vertebrae replaced the bodies in the calibration's copy only


def test_a_column_of_another_ct_is_refused(example):
    ct, tracked, _, _, _ = example
    cut = ct.array[:, :, : ct.shape[2] // 2]
    with pytest.raises(ValueError, match="track the column of this CT"):
        find_reference_tissues(cut, ct.spacing, tracked=tracked)


def test_ct_alone_measurement_is_unchanged(tmp_path, example):
    """`measure` without a mask (the labeller's column shared) gives the numbers of the path that tracks the
    column twice: the labelling alone, the density in the levels' box, the calibration tracking anew."""
    from jmedseg.density.measure import measure_person
    from jmedseg.pipelines.cohort_run import settings_for
    from jmedseg.pipelines.subject import measure_files
    from jmedseg.spine.pipeline import spine_box

    ct, _, _, labels, report = example
    row = measure_files("example_ct", EXAMPLE, None, None, settings_for(LEVELS), out_dir=str(tmp_path)).row
    box = spine_box(report, set(LEVELS), ct.spacing, ct.shape)
    want = measure_person(ct.array[box], labels[box], None, ct.spacing, LEVELS).row
    want.update(calibration_columns(ct.array, ct.spacing, want, LEVELS, labels)[0])
    for key in ("density_hu", "l1_jsu_mode_hu", "l2_jsu_mode_hu", "ref_air_hu", "ref_fat_hu", "ref_muscle_hu",
                "ref_blood_hu", "calibration_slope", "calibration_intercept", "bmd_mgcm3"):
        assert row[key] == pytest.approx(want[key], abs=SAME), key
    assert row["contrast_phase"] == want["contrast_phase"] and row["l1_voxels"] == want["l1_voxels"]


def test_block_counts_give_work_grids_shares(example):
    """The vertebrae's working-grid outline and the padding pixels, counted per block on the searched slices only,
    are the pixels `work_grid` of the 0/1 map gave (a block at least half inside; any voxel inside)."""
    from jmedseg.calibration.tissues import _block_counts
    from jmedseg.spine.column import work_grid

    ct, tracked, _, labels, _ = example
    grid = tracked.grid
    ks = np.flatnonzero(tracked.column.seen)[::3]
    counts = _block_counts(labels, lambda slab: slab > 0, grid, ks)
    share = work_grid((labels > 0).astype(np.float32), ct.spacing).hu
    np.testing.assert_array_equal(2 * counts[:, :, ks] >= np.prod(grid.factors), share[:, :, ks] >= 0.5)
    np.testing.assert_array_equal(counts[:, :, ks] > 0, share[:, :, ks] > 0)
    assert (counts[:, :, ks] > 0).sum() > 100 and not counts[:, :, np.setdiff1d(np.arange(counts.shape[2]), ks)].any()
