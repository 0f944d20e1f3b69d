"""The first rib's short shaft (issue 20, `ribs.first_ribs`).

The first rib turns forward round the narrow apex of the thorax within 45-55 mm of the midline, so the part of it
behind the body's centre ends short of `RIB_REACH_MM` (set beyond the lumbar transverse processes). On the
synthetic benchmark (seed 2026, dev CTs 40, 41: 53-56 mm) the first pair was missed and the second pair was taken
for the first. Grid: 3 mm pixels, 2 mm slices (tests/spine/test_discs_and_ribs.py).
"""
from jmedseg.spine.ribs import FIRST_RIB_REACH_MM, RIB_REACH_MM, find_rib_heads
from tests.spine.test_discs_and_ribs import _column_with_bones, _rod

SP = (3.0, 3.0, 2.0)
SHORT = 0.5 * (FIRST_RIB_REACH_MM + RIB_REACH_MM)       # a first rib's reach behind the body's centre
assert FIRST_RIB_REACH_MM < SHORT < RIB_REACH_MM


def _rib(bone, z_mm, side, reach):
    """A rib from its head beside the body (22 mm out) to `reach` mm from the midline, descending as it goes."""
    _rod(bone, [side * 22, side * 40, side * reach], [-12, -25, -30], [z_mm, z_mm - 3, z_mm - 8], spacing=SP)


def _heads(bone_setup):
    col = _column_with_bones(nz=80)
    bone_setup(col.bone)
    heads = find_rib_heads(col, SP, 0, col.bone.shape[2] - 1)
    return sorted((int(round(z * SP[2] / 5) * 5), side) for z, side in heads)


def _two_pairs_below(bone):
    for z in (60, 80):                       # the third and second rib pairs: long shafts
        for side in (-1, 1):
            _rib(bone, z, side, 85)


def test_a_short_pair_one_level_above_the_highest_is_the_first_rib():
    def setup(bone):
        _two_pairs_below(bone)
        for side in (-1, 1):
            _rib(bone, 100, side, SHORT)
    heads = _heads(setup)
    assert [h for h in heads if h[0] == 100] == [(100, "left"), (100, "right")], heads


def test_a_one_sided_highest_level_is_not_completed_from_a_short_bone():
    """A rib on one side at the highest level and a short bone on the other: the short bone is not taken (a
    transverse process joined to the first rib's neck; the bundled chest CTA's C7 became a false first pair)."""
    def setup(bone):
        _two_pairs_below(bone)
        _rib(bone, 100, 1, 85)
        _rib(bone, 100, -1, SHORT)
    heads = _heads(setup)
    assert [h for h in heads if h[0] == 100] == [(100, "right")], heads


def test_short_bones_elsewhere_are_not_ribs():
    """A short bone on one side only above the ribs (a transverse process touching the clavicle), a short pair
    below the highest level (lumbar transverse processes are below the ribs, never above) and a pair above
    reaching less than `FIRST_RIB_REACH_MM` (C7's transverse processes) are no ribs."""
    def setup(bone):
        _two_pairs_below(bone)
        _rib(bone, 100, -1, SHORT)           # one side only, one level above
        for side in (-1, 1):
            _rib(bone, 40, side, SHORT)      # below the ribs
            _rib(bone, 120, side, FIRST_RIB_REACH_MM - 8.0)   # above: reaching as far as a transverse process
    heads = _heads(setup)
    assert sorted({z for z, _ in heads}) == [60, 80], heads
