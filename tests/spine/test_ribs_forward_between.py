"""A rib curving forward early at thin slices, between found rib levels (issue 20, `ribs._forward_ribs_between`).

Where the thoracic kyphosis puts a body's centre further back against the cavity (T4-T6), the rib's shaft runs in
front of `ribs.BEHIND_MM` 55-58 mm out, short of `RIB_REACH_MM`, at any slice thickness (synthetic benchmark, seed
2026, CTs 69 at 3 mm and 104 at 1.25 mm: T5's pair missed, the first-rib anchor doubted). At slices under
`ribs.THICK_SLICE_MM` the band follows the shaft forward (as at thick slices) only between the lowest and the
highest rib level found behind: above them C7's transverse process against the first rib's neck (the bundled chest
CTA), below them the lumbar transverse processes. Grid: 3 mm pixels, 2 mm slices (tests/spine/test_discs_and_ribs.py).
"""
from jmedseg.spine.ribs import THICK_SLICE_MM, find_rib_heads
from tests.spine.test_discs_and_ribs import _column_with_bones, _rod
from tests.spine.test_ribs_thick_slices import _forward_rib

SP = (3.0, 3.0, 2.0)
assert SP[2] < THICK_SLICE_MM


def _pair(bone, z_mm):
    """A rib pair that stays behind the body's centre as it runs out to 85 mm (descending 8 mm)."""
    for side in (-1, 1):
        _rod(bone, [side * 22, side * 40, side * 85], [-12, -25, -30], [z_mm, z_mm - 3, z_mm - 8], spacing=SP)


def _heads(bone_setup):
    col = _column_with_bones(nz=100)
    bone_setup(col.bone)
    heads = find_rib_heads(col, SP, 0, col.bone.shape[2] - 1)
    return sorted((int(round(z * SP[2] / 5) * 5), side) for z, side in heads)


def test_a_forward_curving_pair_between_two_rib_levels_is_a_rib_pair():
    def setup(bone):
        _pair(bone, 60)
        _pair(bone, 140)
        for side in (-1, 1):
            _forward_rib(bone, 100, side, SP)
    heads = _heads(setup)
    assert [h for h in heads if h[0] == 100] == [(100, "left"), (100, "right")], heads


def test_forward_curving_bones_above_or_below_the_rib_levels_are_not_ribs():
    """The same bones above the highest and below the lowest rib level stay out, as does a second, forward copy
    on a side that already has a rib at that level (it adds no rib)."""
    def setup(bone):
        _pair(bone, 80)
        _pair(bone, 120)
        for side in (-1, 1):
            _forward_rib(bone, 40, side, SP)        # below: a lumbar transverse process's place
            _forward_rib(bone, 170, side, SP)       # above: C7 against the first rib
    heads = _heads(setup)
    assert sorted({z for z, _ in heads}) == [80, 120], heads
    assert len(heads) == 4, heads
