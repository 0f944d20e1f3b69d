"""A level's body whole along z: its gap slices filled (issue 20, branch `gap17`, `jmedseg.spine.body_gaps`).

Constructed scenes: a working-grid label map with one level (segment 0, label 1) between its discs, its body a
10 x 10 pixel square shifted by one pixel between the two sides of a gap, so the overlap the gap gets is 9 x 10, the
body reading 200 HU and the gap `gap_hu` (a lost body reads as bone, a disc darker than both sides); then two benchmark CTs end to end, whose L1/L2 density was 12-13 HU off the true labels' before (the body lost in a
slice inside the level by the column's contrast-pool removal).
"""
import numpy as np
import pytest

from jmedseg.spine.body_gaps import DISC_DARKER_HU, MAX_GAP_MM, fill_body_gaps
from jmedseg.spine.levels import Segment


BODY_HU = 200.0


def _scene(gap_slices, lo=2, hi=16, first=3, gap_hu=BODY_HU):
    """(labels, segments, hu): level 1's body in slices `first`.. except `gap_slices`, its square at x 10-19 under
    the gap and at x 11-20 over it (the overlap x 11-19), y 10-19; a second level over it from slice hi + 2; the
    body's square reads `BODY_HU` in every slice, the gap slices `gap_hu`."""
    labels = np.zeros((40, 40, hi + 6), np.int16)
    hu = np.zeros(labels.shape, np.float32)
    hu[10:21, 10:20] = BODY_HU
    hu[:, :, sorted(gap_slices)] = np.where(hu[:, :, sorted(gap_slices)] > 0, gap_hu, 0.0)
    top = max(gap_slices) + 3
    for k in range(first, top + 1):
        if k in gap_slices:
            continue
        shift = 1 if k > max(gap_slices) else 0
        labels[10 + shift:20 + shift, 10:20, k] = 1
    labels[10:20, 10:20, hi + 2:hi + 6] = 2
    return labels, [Segment(lo, hi, True, True), Segment(hi + 2, hi + 5, True, True)], hu


def test_a_gap_slice_inside_the_level_gets_the_overlap_of_its_neighbours():
    labels, segments, hu = _scene({7})
    filled = fill_body_gaps(labels, segments, 5.0, hu)
    assert filled == {0: 1}
    assert (labels[:, :, 7] == 1).sum() == 9 * 10
    assert labels[11:20, 10:20, 7].all() and not labels[10, 10:20, 7].any() and not labels[20, 10:20, 7].any()


def test_a_run_of_gap_slices_under_the_bound_is_filled_and_one_at_it_is_not():
    # 2.5 mm slices: three slices (7.5 mm) under the thinnest lumbar disc are the body lost; four (10 mm) may be a
    # lumbar disc missed inside the segment
    assert 3 * 2.5 < MAX_GAP_MM <= 4 * 2.5
    labels, segments, hu = _scene({6, 7, 8})
    assert fill_body_gaps(labels, segments, 2.5, hu) == {0: 3}
    assert all((labels[:, :, k] == 1).sum() == 90 for k in (6, 7, 8))
    labels, segments, hu = _scene({6, 7, 8, 9})
    assert fill_body_gaps(labels, segments, 2.5, hu) == {}
    assert not labels[:, :, 6:10].any()


def test_a_gap_reaching_past_the_levels_own_slices_is_left():
    # the label's lower end lies in the disc's slice under the segment (an oblique disc plane): the empty slice
    # between it and the body is at the disc, not inside the level
    labels, segments, hu = _scene({3}, lo=4, first=2)
    assert fill_body_gaps(labels, segments, 5.0, hu) == {}
    assert not labels[:, :, 3].any()


def test_another_levels_pixels_stay_its_own():
    labels, segments, hu = _scene({7})
    labels[15:20, 10:20, 7] = 2
    fill_body_gaps(labels, segments, 5.0, hu)
    assert (labels[:, :, 7] == 2).sum() == 50 and (labels[:, :, 7] == 1).sum() == 4 * 10


@pytest.mark.parametrize("gap_hu, filled", [
    (BODY_HU - DISC_DARKER_HU + 5.0, {0: 2}),   # a body lost, its marrow a little darker than the slices beside
    (BODY_HU - DISC_DARKER_HU - 5.0, {}),       # darker than bone on both sides: a disc missed inside the segment
    (90.0, {}),                                  # a disc's nucleus (the real TPTBox crop's L2/L3: 87-112 HU)
])
def test_a_gap_reading_as_a_disc_is_left(gap_hu, filled):
    labels, segments, hu = _scene({7, 8}, gap_hu=gap_hu)
    assert fill_body_gaps(labels, segments, 3.0, hu) == filled
    assert (labels[:, :, 7:9] == 1).sum() == (180 if filled else 0)


@pytest.mark.parametrize("seed, case_id", [
    (227, 18),   # native, 5 mm: L1's slice 65 lost, L1+L2 12.2 HU under the true labels' density before
    (227, 55),   # arterial, 1.5 mm: L2 lost in four slices, its density 13.0 HU over the true label's before
])
def test_the_ct_alone_density_comes_within_the_issues_target_of_the_true_labels(seed, case_id):
    from benchmarks.ct_alone_density import measure_one

    row = measure_one((case_id, seed, 12_000_000))
    assert row["named"] and row["off_mm"] < 5.0, row
    # 5 HU: issue 20's target for the real-derived variants; before, the labels' own error was 12-13 HU; after,
    # 1.6 and 1.1 HU (the labels' outline, one working pixel too wide, is left: cause B of docs/spine.md)
    assert abs(row["ct_alone_hu"] - row["truth_hu"]) < 5.0, row
