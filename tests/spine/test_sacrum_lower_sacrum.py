"""The sacral base over the lower sacrum, the L5/S1 disc's soft slices under its found slice, the ilia read as a
rib pair (issue 20, 2026-12-06 early, branch `sacrum10`).

- Where the body track follows the sacrum down into S2-S4 the alae's wide run lies at the top of the lowest segment,
  40-70 mm above the column's bottom, with the ilia beside the whole segment (`sacrum._run_over_lower_sacrum`).
- The L5/S1 disc is found at the area dip's least slice, anywhere inside the soft disc: the slices under it that
  are narrower than any lumbar body, within the tallest disc, are the disc's (`sacrum._soft_under_disc`).
- A two-sided "rib level" more than three rib-free vertebrae under the rib run with the ilia beside it is the
  pelvis (`iliac_pair.without_iliac_pair`).
Constructed columns (3 mm voxels) check the rules; the synthetic benchmark CTs of seeds 109 and 113 (phantom-only)
check them end to end.
"""
import numpy as np

from jmedseg.spine.iliac_pair import without_iliac_pair
from jmedseg.spine.levels import Segment
from jmedseg.spine.sacrum import _sacrum_up_to_disc, find_sacrum

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum import SP, _column, _segments
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

LOW_EDGES = [(0, 17), (19, 26), (28, 35), (37, 39)]     # S1-S3 (54 mm, the column's bottom), L5, L4, a cut L3
ALAE = range(12, 18)                                     # S1's alae, 18 mm under the L5/S1 disc at slice 18


def _with_plates(column, slices):
    """The iliac plates of `tests.spine.test_sacrum._column` added to `slices` too (the ilia beside S2-S3)."""
    plates = column.bone[:, :, ALAE[0]] & ~column.filled[:, :, ALAE[0]]
    for k in slices:
        column.bone[:, :, k] |= plates
    return column


def test_alae_at_the_top_of_a_long_lowest_segment_over_the_lower_sacrum_are_s1():
    """The alae (120 mm) in the six slices under the L5/S1 disc, 36 mm above the column's bottom, the ilia beside
    every slice of the segment: the lowest segment is S1 (the run is not within 30 mm of the bottom)."""
    column = _with_plates(_column(ALAE, 60.0), range(0, 12))
    finding = find_sacrum(column, _segments(LOW_EDGES), SP, 0, 39)
    assert finding.segment == 0 and finding.pelvis and finding.split_at is None and not finding.notes


def test_no_ilia_beside_the_lower_part_or_a_wide_vertebra_above_is_no_sacrum():
    """Without the ilia beside the slices under the run (a lumbar or thoracic vertebra at a chest CT's bottom), or
    with the vertebra over the lowest one wide too (rib necks), the wide top is not taken for the sacral base."""
    finding = find_sacrum(_column(ALAE, 60.0), _segments(LOW_EDGES), SP, 0, 39)
    assert finding.segment is None and not finding.pelvis
    column = _with_plates(_column(list(ALAE) + list(range(19, 27)), 60.0), range(0, 12))
    finding = find_sacrum(column, _segments(LOW_EDGES), SP, 0, 39)
    assert finding.segment is None


CUT_EDGES = [Segment(0, 5, lower_disc=False, upper_disc=True), Segment(7, 17, lower_disc=True, upper_disc=True),
             Segment(19, 28, lower_disc=True, upper_disc=True), Segment(30, 39, lower_disc=True, upper_disc=False)]


def _cut_widths(under_disc):
    """Per-slice widths (mm, 3 mm slices): the alae (128 mm) in slices 0-2 at the scan's edge, `under_disc` in
    slices 3-5 under the L5/S1 disc found at slice 6, a lumbar body (50 mm) above."""
    widths = np.full(40, 50.0)
    widths[0:3] = 128.0
    widths[3:6] = under_disc
    widths[6] = 0.0
    return widths


def test_soft_slices_under_the_found_disc_within_its_height_are_the_disc():
    """21, 10 and 0 mm read 9-3 mm under the disc's slice (12 mm with it, under the tallest L5/S1 disc's 14 mm): the
    disc's soft tissue, and the cut base under it reaches up to the disc."""
    assert _sacrum_up_to_disc(_cut_widths([21.0, 10.0, 0.0]), CUT_EDGES, (0, 2), 3.0)


def test_a_body_wide_slice_under_the_disc_or_soft_slices_past_its_height_keep_the_base_uncounted():
    """A 45 mm slice 9 mm under the disc (L5's bottom over the alae's tops), or at 5 mm slices three soft slices
    under the disc's (20 mm, taller than any disc): the base is not read as reaching the disc."""
    assert not _sacrum_up_to_disc(_cut_widths([45.0, 10.0, 0.0]), CUT_EDGES, (0, 2), 3.0)
    assert not _sacrum_up_to_disc(_cut_widths([21.0, 10.0, 0.0]), CUT_EDGES, (0, 2), 5.0)


RUN = [(37.0, "left"), (37.0, "right"), (32.0, "left"), (32.0, "right"), (27.0, "left"), (27.0, "right")]


def test_a_pair_far_under_the_rib_run_with_the_ilia_beside_is_dropped():
    """Rib levels 15 mm apart at slices 37, 32, 27 and a pair at slice 3, 72 mm (4.8 pitches) under the lowest, the
    ilia beside it: the pair goes; without the ilia, or 57 mm (3.8 pitches) under, it stays."""
    low = [(3.0, "left"), (3.0, "right")]
    column = _column(range(0, 0), 22.5, wings=False)
    plates = _column(ALAE, 60.0)
    plate2d = plates.bone[:, :, ALAE[0]] & ~plates.filled[:, :, ALAE[0]]
    for k in range(0, 10):
        column.bone[:, :, k] |= plate2d
    assert without_iliac_pair(RUN + low, column, SP) == RUN
    bare = _column(range(0, 0), 22.5, wings=False)
    assert without_iliac_pair(RUN + low, bare, SP) == RUN + low
    near = [(8.0, "left"), (8.0, "right")]
    assert without_iliac_pair(RUN + near, column, SP) == RUN + near


def test_seed_109_ct_90_sacrum_over_the_lower_sacrum_is_counted(tmp_path):
    """Abdomen + pelvis, portal venous, 5 mm, noise 29 HU, LPS. Before: "one anchor only", the sacrum not found and
    the ilia beside S1 a twelfth rib pair (T12 named on S1, every name nine levels off)."""
    case, report, score = label_benchmark_ct(tmp_path, 109, 90, "abdomen_pelvis", "portal_venous")
    assert report["anchors"]["sacrum"] and report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4", "L5"])
    assert not [e for e in report["levels"] if e["name"] in ("L1", "L2", "L3", "L4", "L5", "S1") and e["ribs"]]
    assert not score["confirmed_wrong"]

