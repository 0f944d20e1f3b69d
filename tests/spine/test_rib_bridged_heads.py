"""Rib levels found twice or not counted (issue 20, 2026-12-05 midnight, branch `ribside`).

`jmedseg.spine.ribs._bridged_heads`: two consecutive ribs' heads joined by bone at the cut (the body's lateral
margin just past `CUT_MM`) made one part whose medial end ran over both heads: one "head" half way between two rib
levels (seed 101 CT 53, seed 61 CT 68, 3 mm). `jmedseg.spine.ribs._own_body_levels`: a single-facet pair (ribs 10-12)
with one head in a disc's slice and the other in the segment above was cut in two (seed 47 CT 61, 5 mm).
Constructed grids: 3 mm pixels, 2 mm slices (`tests/spine/test_discs_and_ribs.py`), and 9-slice bodies with a disc
slice between them (`tests/spine/test_levels_disagreement.py`).
"""
import pytest

from jmedseg.spine.discs import MIN_PITCH_MM
from jmedseg.spine.levels import RIB_LEVEL_GAP_MM
from jmedseg.spine.ribs import CUT_MM, HEAD_TOLERANCE_MM, RIB_REACH_MM, find_rib_heads, mark_rib_bearing
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_discs_and_ribs import _column_with_bones, _rod
from tests.spine.test_levels_disagreement import _segments

SP = (3.0, 3.0, 2.0)


def _rib(bone, z_mm):
    """A rib on the right: head and neck level out to 65 mm at `z_mm` (past `RIB_REACH_MM` in its own slice), the
    shaft descending beyond."""
    _rod(bone, [22, 45, 65, 90], [-12, -20, -30, -40], [z_mm, z_mm, z_mm, z_mm - 15])


def _rounded(heads):
    return [(round(z * SP[2] / 4) * 4, side) for z, side in heads]


def test_two_ribs_bridged_at_the_cut_are_two_heads():
    """Two right ribs, heads at 60 and 84 mm (24 mm: one thoracic pitch), joined by a bridge 27 mm out (within
    `HEAD_TOLERANCE_MM` of `CUT_MM`) over the 22 mm between them: one part, one run of medial slices. Before: one
    head near 72 mm, half way; now one at each rib."""
    col = _column_with_bones()
    _rib(col.bone, 60.0)
    _rib(col.bone, 84.0)
    _rod(col.bone, [27, 27], [-12, -12], [60, 84])
    assert 27.0 - CUT_MM <= HEAD_TOLERANCE_MM and 84.0 - 60.0 > RIB_LEVEL_GAP_MM
    heads = find_rib_heads(col, SP, 0, col.bone.shape[2] - 1)
    assert _rounded(heads) == [(60, "right"), (84, "right")], heads


def test_a_bridge_to_bone_that_is_no_rib_leaves_one_head():
    """Under the rib at 84 mm, bridged to it at the cut, a transverse process at 60 mm ending 50 mm out (under
    `RIB_REACH_MM`): not split, one right head as before (no second rib level made of a process)."""
    col = _column_with_bones()
    _rib(col.bone, 84.0)
    _rod(col.bone, [22, 50], [-12, -15], [60, 60])
    _rod(col.bone, [27, 27], [-12, -12], [60, 84])
    assert 50.0 < RIB_REACH_MM
    heads = find_rib_heads(col, SP, 0, col.bone.shape[2] - 1)
    assert [side for _, side in heads] == ["right"], heads


def test_a_single_facet_pair_with_a_head_in_the_disc_slice_goes_to_one_segment():
    """Four vertebrae (slices 0-8, 10-18, 20-28, 30-38; discs 9, 19, 29); the lowest pair's right head in the disc
    slice 19 (19.4), its left head in segment 2 (19.6). Before: the right head went by the half-pitch reach to
    segment 1, the left stayed in segment 2: two one-sided levels. Now both go to segment 2, which holds one of
    them (ribs 10-12 articulate with their own body). The two levels above are held whole as before."""
    segs = _segments(4, {})
    heads = [(19.4, "right"), (19.6, "left"), (24.0, "left"), (24.0, "right"), (34.0, "left"), (34.0, "right")]
    mark_rib_bearing(segs, heads, SP[2], MIN_PITCH_MM)
    assert [s.ribs for s in segs] == [(), (), ("left", "right"), ("left", "right")]
    assert segs[2].rib_z == [19.4, 19.6, 24.0, 24.0]


@pytest.mark.parametrize("seed, ct, fov, phase", [(61, 68, "chest", "arterial"),
                                                  (47, 61, "chest_abdomen", "delayed")])
def test_benchmark_cts_confirmed_by_both_rib_anchors(seed, ct, fov, phase, tmp_path):
    """Seed 61 CT 68 (chest, 3 mm; right ribs 4 and 5 bridged) and seed 47 CT 61 (chest + abdomen, 5 mm; the
    twelfth pair's heads either side of the T12/L1 disc's slice): refused before (13 rib levels; no anchor
    counted), now confirmed by both rib anchors, twelve two-sided levels, T1-T12 near their true centres, nothing
    confirmed wrong."""
    case, report, score = label_benchmark_ct(tmp_path, seed, ct, fov, phase)
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert report["anchors"]["rib_heads"] == 24
    ribs = {e["name"]: e["ribs"] for e in report["levels"]}
    assert all(sorted(ribs[f"T{k}"]) == ["left", "right"] for k in range(1, 13)), ribs
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert {f"T{k}" for k in range(1, 13)} <= set(score["identified"])


def test_seed_101_ct_53_counts_twelve_two_sided_rib_levels(tmp_path):
    """Seed 101 CT 53 (chest + abdomen, arterial, 3 mm): right ribs 4 and 5 bridged as in seed 61 CT 68; before, 23
    heads in 13 levels ("13 rib levels but 11 vertebrae"); now 24 heads, T1-T12 each with a rib on both sides,
    both rib anchors counted."""
    case, report, score = label_benchmark_ct(tmp_path, 101, 53, "chest_abdomen", "arterial")
    assert report["anchors"]["rib_heads"] == 24
    assert report["anchors"]["t12_ribs"] and report["anchors"]["t1_first_rib_pair"]
    ribs = {e["name"]: e["ribs"] for e in report["levels"]}
    assert all(sorted(ribs[f"T{k}"]) == ["left", "right"] for k in range(1, 13)), ribs
