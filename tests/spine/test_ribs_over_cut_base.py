"""The rib floor over a sacral base cut by the scan's edge, checked against the ribs (issue 20,
`ribs.heads_over_cut_base`).

A sacral base cut by the lower edge of the scan is not counted, but its iliac crests could pass for ribs, so the
ribs are looked for only above the second vertebra over it (`jmedseg.spine.sacrum.rib_floor`). At the bottom of a
chest CT the lowest ribs beside L1 or T12, joined to the body, looked like such a base: the floor then dropped the
lowest two or three rib levels (synthetic benchmark, seed 2026, CTs 8 and 60). Over a true base L3 and L2 above the
floor bear no rib: a rib pair within `RIB_FREE_OVER_BASE_MM` of the floor lifts it. Grid: 3 mm pixels, 2 mm slices
(tests/spine/test_discs_and_ribs.py); eight vertebrae of 11 slices (22 mm) with a one-slice disc between them.
"""
from jmedseg.spine.levels import Segment
from jmedseg.spine.ribs import RIB_FREE_OVER_BASE_MM, find_rib_heads, heads_over_cut_base
from tests.spine.test_discs_and_ribs import _column_with_bones, _rod

SP = (3.0, 3.0, 2.0)
PITCH = 12                                   # slices per vertebra and disc
SEGMENTS = [Segment(PITCH * k, PITCH * k + PITCH - 2, k > 0, True) for k in range(8)]
FLOOR = SEGMENTS[2].hi + 1                   # `rib_floor` over a base at segment 0: above the second vertebra


def _pair(bone, k):
    """A rib pair with its heads at the middle of vertebra k, descending 8 mm as it runs out to 85 mm."""
    z = (PITCH * k + PITCH // 2 - 1) * SP[2]
    for side in (-1, 1):
        _rod(bone, [side * 22, side * 40, side * 85], [-12, -25, -30], [z, z - 3, z - 8], spacing=SP)


def _levels(heads):
    """The vertebrae (segment index) holding a head on each side."""
    by = {}
    for z, side in heads:
        k = next(k for k, seg in enumerate(SEGMENTS) if seg.lo - 0.5 <= z <= seg.hi + 1)
        by.setdefault(k, set()).add(side)
    return sorted(k for k, sides in by.items() if len(sides) == 2)


def _column(rib_levels):
    col = _column_with_bones(nz=PITCH * len(SEGMENTS))
    for k in rib_levels:
        _pair(col.bone, k)
    return col


def test_a_rib_pair_just_above_the_floor_lifts_it():
    """Ribs on every vertebra (the bottom of a chest CT): the floor alone drops the lowest three levels, the
    check keeps them."""
    col = _column(range(8))
    top = col.bone.shape[2] - 1
    assert _levels(find_rib_heads(col, SP, FLOOR, top)) == [3, 4, 5, 6, 7]
    assert _levels(heads_over_cut_base(col, SP, FLOOR, 0, top)) == list(range(8))


def test_the_floor_holds_over_a_lumbar_spine_without_ribs():
    """A rib-like pair beside the base's neighbour (an iliac crest joined to the ala), none on the two vertebrae
    above the floor (L3, L2), ribs from the sixth vertebra up (T12, T11): the floor holds."""
    col = _column([1, 6, 7])
    heads = heads_over_cut_base(col, SP, FLOOR, 0, col.bone.shape[2] - 1)
    assert _levels(heads) == [6, 7]
    assert min(z for z, _ in heads) - FLOOR > RIB_FREE_OVER_BASE_MM / SP[2]      # T12's pair: too high to lift it


def test_a_one_sided_bone_above_the_floor_does_not_lift_it():
    """One long bone on one side only above the floor is no rib pair (a kidney or bowel loop joined to a
    transverse process, say): the pair below the floor stays out."""
    col = _column([1, 6, 7])
    z = (PITCH * 3 + PITCH // 2 - 1) * SP[2]
    _rod(col.bone, [22, 40, 85], [-12, -25, -30], [z, z - 3, z - 8], spacing=SP)
    heads = heads_over_cut_base(col, SP, FLOOR, 0, col.bone.shape[2] - 1)
    assert _levels(heads) == [6, 7]
    assert [s for z_, s in heads if SEGMENTS[3].lo <= z_ <= SEGMENTS[3].hi] == ["right"]
