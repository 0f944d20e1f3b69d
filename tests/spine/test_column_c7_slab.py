"""C7's body at 5 mm slices: searched below the column's top at C7's own size (issue 20).

Synthetic (phantom-only) cases. C7's body (14-17 mm deep, 19-25 mm wide) in a 5 mm slab through its lower part reads
under the 250 mm^2 that `MIN_BODY_AREA_MM2` counts further down the column, so the column lost it there and ended in
C7's top slice (benchmark CT 12 of seed 31, chest, delayed, 5 mm: C7 a 5 mm sliver, not counted, the first rib pair
without a rib-free neighbour, "one anchor only").
"""
import numpy as np

from jmedseg.spine.column import (C7_BODY_MM, C7_MIN_AREA_MM2, MIN_BODY_AREA_MM2, SMALL_NECK_MM, TOP_SLAB_MM,
                                  UPPER_BODY_MAX_MM2, _body_in_front_of_canal, _c7_slices, _small_bodies)
from tests.spine.test_column_c7 import _block, _canal

SP5 = (3.0, 3.0, 5.0)
SP2 = (3.0, 3.0, 2.5)
PX_MM2 = 9.0                       # a 3 x 3 mm working pixel


def test_a_c7_sized_body_counts_at_c7s_minimum_only():
    """A 15 x 15 mm body (5 x 5 pixels, 225 mm^2: C7's lower part in a 5 mm slab) is under `MIN_BODY_AREA_MM2` and
    over `C7_MIN_AREA_MM2`; the `SMALL_NECK_MM` erosion leaves it a core."""
    c7 = _block(40, 40, (20, 10), 5, 5)
    assert C7_MIN_AREA_MM2 < c7.sum() * PX_MM2 < MIN_BODY_AREA_MM2
    centre = np.array([20.0, 10.0])
    assert _body_in_front_of_canal(c7, centre, SP5, SMALL_NECK_MM) is None
    found = _body_in_front_of_canal(c7, centre, SP5, SMALL_NECK_MM, C7_MIN_AREA_MM2)
    assert found is not None and (found == c7).all()


def test_the_slices_searched_below_the_top_only_at_thick_slices_under_upper_thoracic_bodies():
    """Top body at slice 10 of 14, slices 7 and 8 without a body: at 5 mm the empty slices within `C7_BODY_MM` below
    it are searched at `C7_MIN_AREA_MM2`; at 2.5 mm slices, or under bodies of a lower thoracic or lumbar size
    (`UPPER_BODY_MAX_MM2`), none."""
    body = np.zeros((40, 40, 14), bool)
    body[15:20, 13:18, :11] = True
    body[:, :, [7, 8]] = False
    upper = 400.0 / PX_MM2                     # an upper thoracic body (T1-T4: 300-600 mm^2), in pixels
    assert TOP_SLAB_MM <= SP5[2] and 10 - C7_BODY_MM / SP5[2] <= 7
    assert _c7_slices(body, 10, SP5, upper) == [(7, C7_MIN_AREA_MM2), (8, C7_MIN_AREA_MM2)]
    assert _c7_slices(body, 10, SP2, upper) == []
    assert _c7_slices(body, 10, SP5, UPPER_BODY_MAX_MM2 / PX_MM2) == []


def test_small_bodies_finds_c7s_lower_slice_at_5_mm_and_not_at_2_5_mm():
    """Bodies of 6 x 8 pixels (432 mm^2, T1-T2) in slices 0-5, C7's 5 x 5 pixels in slices 6-8, slice 6 without a
    body and slices 7-8 found: at 5 mm slices `_small_bodies` puts C7 in slice 6; at 2.5 mm slices it stays empty
    (there C7's middle slices show its whole cross-section)."""
    nx, ny, nz = 40, 40, 9
    c7, t1 = _block(nx, ny, (20, 10), 5, 5), _block(nx, ny, (20, 10), 6, 8)
    for sp, expected in ((SP5, True), (SP2, False)):
        canal = _canal(nx, ny, nz)
        filled = np.zeros((nx, ny, nz), bool)
        filled[:, :, :6] = t1[:, :, None]
        filled[:, :, 6:] = c7[:, :, None]
        body = filled.copy()
        body[:, :, 6] = False
        hu = np.full((nx, ny, nz), 40.0, np.float32)
        _small_bodies(body, filled, hu, canal, sp)
        assert bool(body[:, :, 6].any()) is expected, sp
        if expected:
            assert (body[:, :, 6] == c7).all()


def test_benchmark_ct_12_of_seed_31_gets_c7_and_both_rib_anchors(tmp_path):
    """Benchmark CT 12 of seed 31 (chest, delayed phase, 5 mm): before, the column ended in C7's top slice, C7 was a
    5 mm sliver under `MIN_SEGMENT_MM` and the first rib pair had no rib-free neighbour ("one anchor only (the lowest
    rib-bearing vertebra (T12))"). Now C7 is a vertebra of its own without ribs, within 10 mm (half the shortest upper
    thoracic pitch) of its true centre, the levels are confirmed by both rib anchors and no confirmed level is nearer
    another vertebra's centre: T1-T12 confirmed but T5 and T7, whose middle slices lost their bodies and whose labels
    lie in their segments' outer quarters (`bodies._lost_in_middle`; T7's 12 mm from its centre). About 15 s."""
    from tests.spine.benchmark_ct import label_benchmark_ct

    case, report, score = label_benchmark_ct(tmp_path, 31, 12, "chest", "delayed")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    levels = {e["name"]: e for e in report["levels"]}
    assert levels["C7"]["ribs"] == [] and sorted(levels["T1"]["ribs"]) == ["left", "right"]
    for name in ("C7", "T1"):
        assert abs(levels[name]["centroid_mm"][2] - case.levels[name]["centroid_mm"][2]) <= 10.0, levels[name]
    assert score["confirmed_wrong"] == [] and score["confirmed"] >= 10, score
