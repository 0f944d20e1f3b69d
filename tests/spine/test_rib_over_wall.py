"""A rib over the highest pair's rib along the lateral chest wall (issue 20, branch `wall12`,
`jmedseg.spine.rib_over_wall`).

Constructed scenes: 2 x 2 mm pixels, 2.5 mm slices; a body of soft tissue with two lungs (half-width 55 mm, their
lateral edges 125 mm from the midline), the pair's heads at slice `HEADS`. A rib at the wall is bone 2-8 mm outside a
lung's lateral edge (where the phantom's and real ribs lie against the pleura), across 4 slices (10 mm: a rib's
height). End to end: 13-rib subjects cropped at T1's centre.
"""
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from jmedseg.spine.cut_top import count_first_pair_by_rib_count
from jmedseg.spine.rib_over_wall import WALL_INSIDE_MM, rib_over_pair_rib
from tests.spine.test_cut_top import DZ, LUMBAR, _column

SP = (2.0, 2.0, 2.5)
NX, NY, NZ = 170, 120, 24
HEADS = 12                       # the pair's heads: slice 12 (30 mm up)
LUNG_X, LUNG_HALF_WIDTH = 70.0, 55.0


def _scene(rib_slices, lung_half_width=None):
    """HU volume and column: lungs in every slice (`lung_half_width` {slice: mm} narrows them: an apex), rib bone
    2-8 mm outside each lung's lateral edge, within 20 mm of its centre's depth, in `rib_slices`."""
    x = (np.arange(NX) - NX / 2) * SP[0]
    y = (np.arange(NY) - NY / 2) * SP[1]
    xx, yy = np.meshgrid(x, y, indexing="ij")
    hu = np.full((NX, NY, NZ), -1000.0)
    for k in range(NZ):
        hu[:, :, k][(xx / 160.0) ** 2 + (yy / 110.0) ** 2 <= 1] = 40.0
        half = (lung_half_width or {}).get(k, LUNG_HALF_WIDTH)
        for side in (-1, 1):
            cx = side * LUNG_X                                # the lateral edge moves in as the lung narrows
            hu[:, :, k][((xx - cx) / half) ** 2 + (yy / 70.0) ** 2 <= 1] = -800.0
            if k in rib_slices:
                out = side * (xx - cx) - half
                hu[:, :, k][(out >= 2.0) & (out <= 8.0) & (np.abs(yy) <= 20.0)] = 700.0
    column = SimpleNamespace(bone=hu > 200, dense=hu > 120, centre=np.tile([NX / 2, NY / 2], (NZ, 1)))
    return hu, column


def test_the_pairs_own_rib_under_its_heads_only_reads_no_rib_over_it():
    """Scan's top in C7: the pair's own rib crosses the wall 10-20 mm under its heads, nothing at the wall over
    them (the band's neck near the column is not at the wall)."""
    hu, column = _scene(rib_slices={4, 5, 6, 7})
    assert rib_over_pair_rib(hu, column, SP, [HEADS, HEADS]) is False


def test_a_rib_one_pitch_over_the_pairs_rib_at_the_wall_is_found():
    """T1 cut at its centre: the first rib's shaft at the wall 20 mm over the second rib's crossing, over the
    heads, as far out as that rib."""
    hu, column = _scene(rib_slices={4, 5, 6, 7, 13, 14, 15, 16})
    assert rib_over_pair_rib(hu, column, SP, [HEADS, HEADS]) is True


def test_bone_beside_a_narrowed_apex_is_no_rib_over_the_pair():
    """Over the heads the lung narrows to its apex (half-width 20 mm, its edge 35 mm inside the wall's line): the
    clavicle and the shoulder lie against it there. Past `WALL_INSIDE_MM` inside the line: no rib over the
    pair; a narrowing less than that (10 mm) is read as the wall."""
    apex = {k: 20.0 for k in range(HEADS + 2, NZ)}
    hu, column = _scene(rib_slices={4, 5, 6, 7, 16, 17, 18}, lung_half_width=apex)
    assert rib_over_pair_rib(hu, column, SP, [HEADS, HEADS]) is False
    assert WALL_INSIDE_MM > 10.0
    near = {k: LUNG_HALF_WIDTH - 10.0 for k in range(HEADS + 2, NZ)}
    hu, column = _scene(rib_slices={4, 5, 6, 7, 16, 17, 18}, lung_half_width=near)
    assert rib_over_pair_rib(hu, column, SP, [HEADS, HEADS]) is True


def test_no_slice_over_the_heads_or_no_wall_under_them_reads_nothing():
    """The heads in the scan's top slice, or no rib at the wall under them: None (nothing seen)."""
    hu, column = _scene(rib_slices={4, 5, 6, 7})
    assert rib_over_pair_rib(hu, column, SP, [NZ - 1, NZ - 1]) is None
    hu, column = _scene(rib_slices={20, 21})
    assert rib_over_pair_rib(hu, column, SP, [HEADS, HEADS]) is None


@pytest.mark.parametrize("seed, slice_mm", [(9003, 2.5), (9011, 2.0)])
def test_the_first_rib_over_the_second_is_found_in_a_13_rib_crop(seed, slice_mm, tmp_path, monkeypatch):
    """A 13-rib subject (a rib on L1) cropped at T1's centre: ribs 2-13 count twelve. The first rib's shaft comes
    down into the scan along the wall: the cue finds it (9003: 3 mm past the second ribs' line; 9011, asked at 2 mm
    and rendered at 2.5 under the voxel cap: 15 mm inside it, the nearest of 14 such crops to `WALL_INSIDE_MM`)."""
    import jmedseg.spine as spine
    from jmedseg.data import io
    from jmedseg.data.synth import trunk

    seen = []
    count = spine.count_first_pair_by_rib_count

    def spy(segs, anchors, doubts, dz, band, wall):
        seen.append(wall([s for s in segs if len(s.ribs) == 2][-1].rib_z))
        return count(segs, anchors, doubts, dz, band, wall)

    monkeypatch.setattr(spine, "count_first_pair_by_rib_count", spy)
    case = trunk.synth_trunk_case(np.random.default_rng([seed]), fov="chest_abdomen", slice_mm=slice_mm,
                                  variant=trunk.Variant(rib_pairs=13), max_voxels=12_000_000, cap_coarsens="pixels")
    path = str(tmp_path / "ct_13ribs.nii")
    trunk.save_case(case, path)
    volume = io.load_volume(path)
    top = int(np.floor((case.all_centroids["T1"][2] - volume.affine[2, 3]) / volume.affine[2, 2]))
    report = spine.label_vertebrae(replace(volume, array=volume.array[:, :, :top + 1].copy()))[1]
    assert seen == [True]
    assert not report["anchors"]["t1_first_rib_pair"]


@pytest.mark.parametrize("band, wall, counted", [(True, False, False), (True, None, False), (True, True, False),
                                                 (False, True, False), (False, None, True), (False, False, True)])
def test_a_rib_over_the_pairs_rib_at_the_wall_vetoes_the_count(band, wall, counted):
    """`cut_top` with twelve rib levels under a cut C7 (test_cut_top's column): the pair counts only with the band
    over it empty and no rib over its rib at the wall; a rib there counts nothing even with the band empty (a 13-rib
    crop at 2.5 mm, seed 9011, had its band empty and T2 confirmed as T1 on main). "No rib" at the wall clears
    nothing: on the real chest CTA the first rib lies inside the second's line (module docstring)."""
    anchors = {"T12": LUMBAR}
    why = count_first_pair_by_rib_count(_column(), anchors, {}, DZ, lambda z: band, lambda z: wall)
    assert (why is not None) == counted and ("T1" in anchors) == counted
