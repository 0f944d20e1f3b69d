"""Thin ribs averaged under the bone threshold at 3-5 mm slices, followed through partial-volume bone (issue 20,
`jmedseg.spine.faint_ribs`).

The bundled real chest CTA's upper ribs read 200-230 HU (median) once 3 mm slabs average them; split at `BONE_HU`
their medial pieces ended 25-55 mm out, short of `RIB_REACH_MM`, and the first pair counted was the fourth (C7 put
on the real T3). Constructed scenes on the 3 mm grid of tests/spine/test_ribs_steep_shaft.py, then the real CTA
resampled to 3 and 4.5 mm slabs against its own 1.5 mm names (tests/spine/test_chest_cta.py checks those against
the scan's NOTICE and a count by eye).
"""
import os
from dataclasses import replace

import numpy as np
import pytest

from jmedseg.data.io import Volume, load_volume
from jmedseg.spine import label_vertebrae
from jmedseg.spine.levels import RIB_LEVEL_GAP_MM
from jmedseg.spine.ribs import DIAGONAL_SLICE_MM, RIB_REACH_MM, find_rib_heads
from tests.conftest import DATA
from tests.spine.test_discs_and_ribs import _column_with_bones

SP = (3.0, 3.0, 3.0)
CENTRE = 45                      # the column's centre voxel (x and y) in `_column_with_bones`
CTA = os.path.join(DATA, "totalseg_chest_cta", "chest_cta.nii.gz")


def _with_dense(col):
    """The column with its partial-volume mask (HU > `SOFT_TISSUE_MAX_HU`): the bone mask and what is added."""
    return replace(col, dense=col.bone.copy())


def _bar(col, side, k, from_mm, to_mm, faint=False):
    """A bar 6 mm thick front to back, 9-15 mm behind the body's centre, from `from_mm` to `to_mm` out at slice `k`:
    bone, or (`faint`) partial-volume bone only (over the soft-tissue threshold, under `BONE_HU`)."""
    for x_mm in np.arange(from_mm, to_mm + 0.1, SP[0]):
        i = CENTRE + int(round(side * x_mm / SP[0]))
        col.dense[i, CENTRE - 5:CENTRE - 3, k] = True
        if not faint:
            col.bone[i, CENTRE - 5:CENTRE - 3, k] = True


def _heads(col, sp=SP):
    return sorted((int(round(z)), side) for z, side in find_rib_heads(col, sp, 0, col.bone.shape[2] - 1))


def _faint_rib(col, side, k):
    """A rib at slice `k`: its neck bone to 45 mm, its shaft read under `BONE_HU` from 48 to 54 mm, bone again
    from 57 to 66 mm (the real CTA's left third rib at 3 mm: medial piece to 55 mm, shaft on from 61 mm)."""
    _bar(col, side, k, 24.0, 45.0)
    _bar(col, side, k, 48.0, 54.0, faint=True)
    _bar(col, side, k, 57.0, 66.0)


def _whole_rib(col, side, k):
    """A rib read over `BONE_HU` along its whole shaft at slice `k`, out to 66 mm."""
    _bar(col, side, k, 24.0, 66.0)


def test_a_rib_broken_under_the_bone_threshold_is_followed_through_its_partial_volume_bone():
    """A faint pair at slice 30 over a whole pair at slice 20 (a rib pitch, 30 mm, lower): both pairs found."""
    col = _with_dense(_column_with_bones(nz=60))
    for side in (-1, 1):
        _whole_rib(col, side, 20)
        _faint_rib(col, side, 30)
    assert 45.0 < RIB_REACH_MM < 66.0
    assert _heads(col) == [(20, "left"), (20, "right"), (30, "left"), (30, "right")]


def test_a_faint_rib_beside_a_whole_one_is_found():
    """A rib level read whole on the right and broken under `BONE_HU` on the left (the real CTA's first and third
    ribs at 3 mm): the left one is found, its level has both sides."""
    col = _with_dense(_column_with_bones(nz=60))
    for side in (-1, 1):
        _whole_rib(col, side, 20)
    _whole_rib(col, 1, 30)
    _faint_rib(col, -1, 30)
    assert _heads(col) == [(20, "left"), (20, "right"), (30, "left"), (30, "right")]


def test_a_faint_shaft_on_one_side_only_over_the_pairs_is_no_rib():
    """A shaft broken under `BONE_HU` on the left only, five slices (15 mm, more than `RIB_LEVEL_GAP_MM`) over the
    highest pair, nothing on the right at its level: what a C7 process or a cut rib looks like (seed 71 CT 5, 3 mm:
    such a head over the first pair made its anchor disagree with the lowest rib)."""
    col = _with_dense(_column_with_bones(nz=60))
    for side in (-1, 1):
        _whole_rib(col, side, 20)
    _faint_rib(col, -1, 25)
    assert 5 * SP[2] > RIB_LEVEL_GAP_MM
    assert _heads(col) == [(20, "left"), (20, "right")]


def test_without_the_partial_volume_mask_the_broken_rib_is_missed():
    """The same bone with no partial-volume mask (a column built without it): the medial piece ends at 45 mm."""
    col = _with_dense(_column_with_bones(nz=60))
    _whole_rib(col, 1, 20)
    _faint_rib(col, 1, 30)
    assert _heads(replace(col, dense=None)) == [(20, "right")]


def test_under_the_lowest_rib_level_found_in_bone_partial_volume_bone_makes_no_rib():
    """The same faint bone under the lowest rib found in the bone mask, or with no rib found in it: lumbar
    transverse processes, the sacral ala and the ilium lie there, and partial-volume bone joins them to bone 60 mm out
    (seed 59 CT 45, 5 mm: false pairs at L3 and S1)."""
    col = _with_dense(_column_with_bones(nz=60))
    _faint_rib(col, 1, 20)
    assert _heads(col) == []
    _whole_rib(col, 1, 30)
    assert _heads(col) == [(30, "right")]


def test_at_2_mm_slices_the_partial_volume_bone_is_not_followed():
    """At 2 mm slices a rib is read at full volume over most of its shaft (the CTA's upper ribs reach 60.6-64.9 mm
    in the bone mask at 1.5 mm): the band's bone alone decides, as before."""
    col = _with_dense(_column_with_bones(nz=60))
    _whole_rib(col, 1, 20)
    _faint_rib(col, 1, 30)
    thin = (SP[0], SP[1], 2.0)
    assert thin[2] <= DIAGONAL_SLICE_MM < SP[2]
    assert _heads(col, thin) == [(20, "right")]


def test_a_transverse_process_with_a_partial_volume_tip_is_no_rib():
    """A process to 45 mm whose tip's halo reads over the soft-tissue threshold out to 54 mm (lumbar processes end
    45-55 mm out), over a rib found in bone: short of `RIB_REACH_MM` however it is followed."""
    col = _with_dense(_column_with_bones(nz=60))
    _whole_rib(col, 1, 15)
    _bar(col, 1, 30, 24.0, 45.0)
    _bar(col, 1, 30, 48.0, 54.0, faint=True)
    assert 54.0 < RIB_REACH_MM
    assert _heads(col) == [(15, "right")]


def test_partial_volume_bone_above_a_process_does_not_make_it_a_rib():
    """A process to 45 mm at slice 20 and partial-volume bone rising from its tip to a rib 66 mm out two slices
    (6 mm) higher: a rib descends from its head, so bone above is not its shaft (`ribs._shaft_reach`)."""
    col = _with_dense(_column_with_bones(nz=60))
    _whole_rib(col, 1, 10)
    _bar(col, 1, 20, 24.0, 45.0)
    _bar(col, 1, 21, 48.0, 54.0, faint=True)
    _bar(col, 1, 22, 57.0, 66.0)
    assert _heads(col) == [(10, "right")]


def _slabs(ct, thick_mm):
    """The CT resampled to `thick_mm` slices, each the mean of the consecutive slices it covers (a scanner's thicker
    reconstruction); the canonical array's third axis runs foot to head."""
    k = int(round(thick_mm / ct.spacing[2]))
    n = ct.shape[2] // k
    hu = ct.array[:, :, :n * k].astype(np.float32).reshape(ct.shape[0], ct.shape[1], n, k).mean(axis=3)
    affine = ct.affine.copy()
    affine[:3, 3] += affine[:3, 2] * (k - 1) / 2
    affine[:3, 2] *= k
    return Volume(hu, affine, (ct.spacing[0], ct.spacing[1], ct.spacing[2] * k))


def _levels_z(report):
    """[(name, uncertain, centroid z mm)] top to bottom."""
    return [(e["name"], "uncertain_level" in e["flags"], e["centroid_mm"][2]) for e in report["levels"]]


@pytest.fixture(scope="module")
def cta_names():
    """The CTA (1.5 mm) and its names by centroid z (tests/spine/test_chest_cta.py: T1-T12 and C7, T12 at the
    lower edge)."""
    ct = load_volume(CTA)
    return ct, [(name, z) for name, _, z in _levels_z(label_vertebrae(ct)[1]) if name]


def _name_at(names, z):
    """The 1.5 mm name of the vertebra whose centroid lies nearest `z`, within 8 mm (half the shortest pitch of the
    upper column, C7-T1 17 mm: a slab's centroid lies a few mm off, a neighbour's 16 mm or more)."""
    name, z_named = min(names, key=lambda nz: abs(nz[1] - z))
    return name if abs(z_named - z) < 8.0 else None


def test_cta_at_3_mm_names_the_upper_thoracic_levels_as_at_1_5_mm(cta_names):
    """C7 and T1-T4 on the vertebrae named so at 1.5 mm (before: C7 on the real T3, T1 on T4)."""
    ct, names = cta_names
    levels = _levels_z(label_vertebrae(_slabs(ct, 3.0))[1])
    named = {name: z for name, _, z in levels if name}
    for name in ("C7", "T1", "T2", "T3", "T4"):
        assert _name_at(names, named[name]) == name, (name, named[name], names[:6])


@pytest.mark.parametrize("thick_mm", [3.0, 4.5])
def test_cta_at_thick_slabs_confirms_no_level_wrongly(cta_names, thick_mm):
    """Whatever the slabs lose, a level named without `uncertain_level` carries the 1.5 mm name of its vertebra.
    At 4.5 mm the names are still one level high (a bone over the first pair read as a rib pair on C7; see
    docs/spine.md), each flagged."""
    ct, names = cta_names
    for name, uncertain, z in _levels_z(label_vertebrae(_slabs(ct, thick_mm))[1]):
        if name and not uncertain:
            assert _name_at(names, z) == name, (name, z)
