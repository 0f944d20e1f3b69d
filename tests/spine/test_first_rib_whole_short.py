"""A first rib pair known by its short shafts under a vertebra cut by the scan's top edge (`ribs._first_pair_whole`,
issue 20).

The first-pair anchor (T1) needs the vertebra above it seen without a rib. Where the scan's top edge cuts that
vertebra (C7) near its centre, its own level (its transverse processes, where a rib of it would lie) can be above the
edge and `ribs._edge_vertebra_rib_free` rightly cannot say it bears none (synthetic seed 11 CT 77, 3 mm: the scan
ends 10 mm over T1's heads). The first rib itself says so: it turns forward round the apex of the thorax short of
`RIB_REACH_MM` while the ribs below run on past it, and no rib pair lies above the first. A short highest pair counts
only when its shafts end inside the scan: one cut by the top edge is short by the edge, not by its shape.
Grid: 3 mm pixels, 2 mm slices (tests/spine/test_discs_and_ribs.py); long pairs at 60 and 80 mm, the highest at 100 mm.
"""
import numpy as np

from jmedseg.spine.levels import NEIGHBOUR_SEEN_MM
from jmedseg.spine.ribs import FIRST_RIB_REACH_MM, RIB_HALF_HEIGHT_MM, RIB_REACH_MM, ribs_clear_above
from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct
from tests.spine.test_discs_and_ribs import _column_with_bones, _rod

SP = (3.0, 3.0, 2.0)
CLEAR_SLICES = int(np.ceil(NEIGHBOUR_SEEN_MM / SP[2]))
SHORT = 0.5 * (FIRST_RIB_REACH_MM + RIB_REACH_MM)       # a first rib's reach behind the body's centre
LONG = 85.0
TOP_PAIR_MM = 100.0
EDGE_MM = 110.0                                          # the scan's top edge, 10 mm over the highest pair's heads


def _rib(bone, z_mm, side, reach, rise_mm=0.0):
    """A rib from its head beside the body (22 mm out) to `reach` mm from the midline: descending as it goes, or
    with its neck rising `rise_mm` to the tubercle 40 mm out first."""
    z = [z_mm, z_mm - 3 + rise_mm, z_mm - 8 + rise_mm]
    _rod(bone, [side * 22, side * 40, side * reach], [-12, -25, -30], z, spacing=SP)


def _scan(top_reach, rise_mm=0.0):
    """(column, its top slice) of a scan whose top edge lies at `EDGE_MM`, nothing in the band over the highest
    pair (no transverse process of the cut vertebra in view), the highest pair reaching `top_reach` mm."""
    nz = int(round(EDGE_MM / SP[2]))
    col = _column_with_bones(nz=nz)
    for side in (-1, 1):
        for z in (60.0, 80.0):
            _rib(col.bone, z, side, LONG)
        _rib(col.bone, TOP_PAIR_MM, side, top_reach, rise_mm)
    return col, nz - 1


def test_a_short_highest_pair_ending_in_the_scan_shows_the_vertebra_above_bears_none():
    """The next level would lie 9 mm past the edge (more than `RIB_HALF_HEIGHT_MM`: the edge rule cannot pass), but
    the highest pair is the first by its shape: the top vertebra counts as seen `NEIGHBOUR_SEEN_MM` (on main, only as
    far as the scan, and the first pair was not counted)."""
    col, hi = _scan(SHORT)
    assert TOP_PAIR_MM + 20.0 - (hi + 0.5) * SP[2] > RIB_HALF_HEIGHT_MM
    assert ribs_clear_above(col, SP, hi) == hi + CLEAR_SLICES


def test_a_short_pair_cut_by_the_edge_or_a_long_highest_pair_is_not_enough():
    """A highest pair whose necks rise into the scan's top slice (short because the edge cuts it), or one reaching
    past `RIB_REACH_MM` (the second rib under a first cut off above the scan could be it): not seen."""
    col, hi = _scan(SHORT, rise_mm=EDGE_MM - TOP_PAIR_MM + 1.0)     # the tubercle in the top slice
    assert col.bone[:, :, hi].any()
    assert ribs_clear_above(col, SP, hi) == hi
    col, hi = _scan(LONG)
    assert ribs_clear_above(col, SP, hi) == hi


def test_benchmark_ct_77_of_seed_11_counts_its_short_first_pair(tmp_path):
    """Seed 11 CT 77 (chest and abdomen, delayed, 3 mm): T1's shafts end 50 mm out, two slices under the scan's top,
    C7 cut near its centre. Before, "one anchor only (the lowest rib-bearing vertebra (T12))"; now both rib anchors
    are counted and agree, T1-T12 unflagged within 10 mm of their true centres. About 15 s."""
    case, report, _ = label_benchmark_ct(tmp_path, 11, 77, "chest_abdomen", "delayed")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert_thoracic_levels_unflagged_near_truth(case, report)
