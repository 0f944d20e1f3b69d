"""How far the scan shows no rib above the column's top (`ribs.ribs_clear_above`), for the first-pair anchor (issue 20).

The T1 anchor needs the vertebra above the highest rib pair to show `NEIGHBOUR_SEEN_MM` (15 mm) without a rib.
When that vertebra is the column's top end, the body's track may stop before the scan does (synthetic benchmark
seed 2026: a C7 of 10-14 mm followed by the track, the scan 16-32 mm higher, in 6 of the dev chest CTs that
missed the anchor). The rib search then looks at the slices above the track too: clear up to 15 mm above it,
or up to the scan's top, or not clear when a rib is there. Grids: 3 mm pixels, 2 mm slices (the labeller's).
"""
import numpy as np

from jmedseg.spine.levels import NEIGHBOUR_SEEN_MM
from jmedseg.spine.ribs import ribs_clear_above
from tests.spine.test_discs_and_ribs import _column_with_bones, _rod

SP = (3.0, 3.0, 2.0)
HI = 30                                              # the column's top slice (z 60 mm)
CLEAR_SLICES = int(np.ceil(NEIGHBOUR_SEEN_MM / SP[2]))   # 8 slices of 2 mm cover the 15 mm


def _first_rib(bone, z_mm):
    """A rib pair whose necks leave the column at height `z_mm` and descend 12 mm as they run out to 90 mm."""
    for side in (-1, 1):
        _rod(bone, [side * 22, side * 45, side * 90], [-12, -30, -40], [z_mm, z_mm - 4, z_mm - 12])


def test_no_bone_above_the_track_is_clear_for_the_rib_search_reach():
    """Nothing above the track's top (neck soft tissue over the synthetic C7): clear for 16 mm above it, the
    slices the rib search covers; neither more (a rib further up is another vertebra's) nor less."""
    col = _column_with_bones(nz=60)
    _first_rib(col.bone, z_mm=2 * HI - 20)            # the pair below the top vertebra, under the track's top
    assert ribs_clear_above(col, SP, HI) == HI + CLEAR_SLICES
    assert (ribs_clear_above(col, SP, HI) - HI) * SP[2] >= NEIGHBOUR_SEEN_MM


def test_a_rib_above_the_track_means_the_top_vertebra_may_bear_it():
    """A rib pair 6 mm above the track's top (the top vertebra's own rib, its body not followed that high): not
    clear, the top vertebra counts only as far as its body was followed."""
    col = _column_with_bones(nz=60)
    _first_rib(col.bone, z_mm=2 * HI + 6)
    assert ribs_clear_above(col, SP, HI) == HI


def test_the_scan_ends_the_clear_stretch():
    """The scan ends 3 slices above the track: clear only that far (6 mm), so a 10 mm top vertebra still shows
    16 mm in all, and an 8 mm one 14 mm: levels.find_anchors decides with `NEIGHBOUR_SEEN_MM`."""
    col = _column_with_bones(nz=HI + 4)
    assert ribs_clear_above(col, SP, HI) == HI + 3
    col = _column_with_bones(nz=HI + 1)
    assert ribs_clear_above(col, SP, HI) == HI              # the track reaches the scan's top: nothing above it
