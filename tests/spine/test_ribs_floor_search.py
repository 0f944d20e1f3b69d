"""Why `ribs.heads_over_cut_base` searches the ribs again from the column's bottom when a rib pair lifts a cut sacral
base's floor, instead of keeping the heads above the floor from one search from the bottom (issue 20, review): the
heads above a floor depend on where the search starts. Grid of tests/spine/test_ribs_over_cut_base.py (3 mm pixels,
2 mm slices, 22 mm vertebrae)."""
from jmedseg.spine.ribs import RIB_FREE_OVER_BASE_MM, find_rib_heads, heads_over_cut_base
from tests.spine.test_discs_and_ribs import _rod
from tests.spine.test_ribs_over_cut_base import FLOOR, SP, _column, _levels


def test_a_rib_crossing_the_floor_is_found_only_from_below_it():
    """A pair with its heads 4 mm over the floor, descending 20 mm as it runs out to 85 mm: cut at the floor, its
    shaft does not reach `RIB_REACH_MM` near its head, so the search from the floor misses it and the search from
    the bottom finds it: the heads above the floor differ, and one search from the bottom would lift the floor
    where `heads_over_cut_base` keeps it."""
    col = _column([1, 6, 7])
    top = col.bone.shape[2] - 1
    z = (FLOOR + 2) * SP[2]
    for side in (-1, 1):
        _rod(col.bone, [side * 22, side * 40, side * 85], [-12, -25, -30], [z, z - 8, z - 20], spacing=SP)
    from_floor = find_rib_heads(col, SP, FLOOR, top)
    from_bottom = [(w, side) for w, side in find_rib_heads(col, SP, 0, top) if w >= FLOOR]
    assert _over_floor(from_floor) == [] and _levels(from_floor) == [6, 7]
    assert _over_floor(from_bottom) == ["left", "right"]
    # the floor holds (no pair seen from it), where the heads of one search from the bottom would have lifted it
    assert heads_over_cut_base(col, SP, FLOOR, 0, top) == from_floor


def _over_floor(heads):
    """The sides of the heads within `RIB_FREE_OVER_BASE_MM` over the floor."""
    return sorted(side for w, side in heads if 0 <= (w - FLOOR) * SP[2] <= RIB_FREE_OVER_BASE_MM)
