"""The twelfth rib's steep, thin shaft at 3 mm voxels: followed through diagonal contacts (issue 20).

Ribs 11 and 12 are thin (7-8 mm) and descend the most steeply as they run out from the column. At 3 mm pixels and
3-5 mm slices the shaft's cross-sections in consecutive slices then meet only at an edge or a corner, so the part
holding the head (face-connected) ended 50-59 mm from the midline, short of `RIB_REACH_MM`, and rib 12 was missed
(synthetic benchmark, seed 2026, CTs 21 and 37: T11 taken for T12, "sacrum and ribs disagree" on normal anatomy).
`ribs.find_rib_heads` now follows the shaft through those contacts, downwards only: a rib descends from its head,
so bone joined diagonally above a transverse process does not make it a rib. Grid: 3 mm pixels, 3 mm slices.
"""
import numpy as np

from jmedseg.spine.ribs import DIAGONAL_SLICE_MM, RIB_HEAD_MM, RIB_REACH_MM, SHAFT_RISE_MM, find_rib_heads
from tests.spine.test_discs_and_ribs import _column_with_bones

SP = (3.0, 3.0, 3.0)
CENTRE = 45                      # the column's centre voxel (x and y) in `_column_with_bones`


def _neck(bone, side, k, out_mm):
    """A face-connected bone (a rib's neck, or a transverse process) from 24 mm to `out_mm` at slice `k`, 6 mm thick
    front to back, 9-15 mm behind the body's centre (on whole pixels: `out_mm` a multiple of 3 mm)."""
    for x_mm in np.arange(24.0, out_mm + 0.1, SP[0]):
        i = CENTRE + int(round(side * x_mm / SP[0]))
        bone[i, CENTRE - 5:CENTRE - 3, k] = True


def _diagonal_chain(bone, side, k, from_mm, to_mm, step_k):
    """One voxel per slice, each one pixel further out and one slice lower (`step_k` -1) or higher (+1): consecutive
    voxels share an edge only, as a thin shaft descending 45 degrees does at 3 mm voxels."""
    for n, x_mm in enumerate(np.arange(from_mm, to_mm + 0.1, SP[0])):
        i = CENTRE + int(round(side * x_mm / SP[0]))
        bone[i, CENTRE - 5:CENTRE - 3, k + step_k * (n + 1)] = True


def _heads(col, sp=SP):
    return sorted((int(round(z)), side) for z, side in find_rib_heads(col, sp, 0, col.bone.shape[2] - 1))


def test_a_steep_thin_shaft_touching_only_at_edges_is_a_rib():
    """Neck to 45 mm at slice 30, then a shaft descending one slice per pixel out to 63 mm: found, at the neck's
    slice, on each side."""
    col = _column_with_bones(nz=60)
    for side, name in ((-1, "left"), (1, "right")):
        _neck(col.bone, side, 30, 45.0)
        _diagonal_chain(col.bone, side, 30, 48.0, 63.0, -1)
    assert 45.0 < RIB_REACH_MM < 63.0
    assert _heads(col) == [(30, "left"), (30, "right")]


def test_at_2_mm_slices_the_diagonal_contacts_are_not_followed():
    """At 2 mm slices a rib's shaft overlaps itself from slice to slice: bone meeting a neck only at edges there is
    not its shaft (a lumbar transverse process joined so to other bone made a false lowest rib on L2, CT 185)."""
    col = _column_with_bones(nz=60)
    _neck(col.bone, 1, 30, 45.0)
    _diagonal_chain(col.bone, 1, 30, 48.0, 63.0, -1)
    thin = (SP[0], SP[1], 2.0)
    assert thin[2] <= DIAGONAL_SLICE_MM < SP[2]
    assert _heads(col, thin) == []
    assert _heads(col) == [(30, "right")]


def test_without_the_diagonal_shaft_the_neck_alone_is_no_rib():
    """The same neck alone ends at 45 mm, within a lumbar transverse process's length: not a rib."""
    col = _column_with_bones(nz=60)
    _neck(col.bone, 1, 30, 45.0)
    assert _heads(col) == []


def test_bone_joined_diagonally_above_a_transverse_process_does_not_make_it_a_rib():
    """A transverse process (to 48 mm) with bone rising from its tip out to 66 mm (a rib above it running down to
    meet it): beyond its first voxel the chain rises more than `SHAFT_RISE_MM` above the process's medial end,
    and it starts beyond `RIB_HEAD_MM`, so neither is a rib."""
    col = _column_with_bones(nz=60)
    _neck(col.bone, 1, 20, 48.0)
    _diagonal_chain(col.bone, 1, 20, 51.0, 66.0, +1)
    assert 2 * SP[2] > SHAFT_RISE_MM and 51.0 > RIB_HEAD_MM
    assert _heads(col) == []
