"""The twelfth rib's shaft beside L1 is no rib head of its own (`ribs._medial_ends`, `ribs._head_run`, issue 20).

A rib's head is where its shaft meets the column, at the top of its course: the shaft runs out and down from it.
Synthetic benchmark seed 2026, dev CT 41 (chest + abdomen, portal venous, 3 mm): one part held the twelfth rib and,
joined below it, bone reaching down beside L1; its innermost voxels lay in two runs (136-148 and 178-184 mm) and
their mean put the head on L1 (a false disc split T12, the first-rib anchor was doubted). Dev CT 88 (chest, portal
venous, 2 mm): a piece split from the twelfth rib's shaft, its inner end 31 mm out at L1 and its top 51 mm out
8 mm higher, passed for a one-sided rib on L1 (the T12 anchor lost). Grids: 3 mm pixels, 2 mm slices (the
labeller's at 2 mm and thinner).
"""
import numpy as np
import pytest
from scipy import ndimage

from jmedseg.spine.ribs import HEAD_TOLERANCE_MM, SHAFT_RISE_MM, _head_run, find_rib_heads
from tests.spine.test_discs_and_ribs import _column_with_bones, _rod

SP = (3.0, 3.0, 2.0)


def test_the_head_is_the_highest_run_of_the_medial_end():
    """Innermost voxels in slices 17-19 and 24-26 (two runs, a gap of four slices): the upper run only."""
    inner = np.array([[10, 10, k] for k in (17, 18, 19, 24, 25, 26)])
    assert sorted(_head_run(inner)[:, 2].tolist()) == [24, 25, 26]
    one_run = np.array([[10, 10, k] for k in (30, 31, 32)])
    assert len(_head_run(one_run)) == 3


def test_bone_joined_below_a_rib_does_not_pull_its_head_down():
    """A rib on the right, head at 80 mm, running out and down to 90 mm at 60 mm height; joined to its shaft 45 mm
    out, a bone reaching down and in to 28 mm from the midline at 50 mm height (as an enhanced kidney beside L1):
    both ends lie within `HEAD_TOLERANCE_MM` of the part's innermost voxel. The head stays at the rib's own
    height, within a slice and a half of 80 mm (the rod's head slices straddle it); the mean of both runs lay
    near 62 mm."""
    col = _column_with_bones()
    _rod(col.bone, [22, 45, 90], [-12, -30, -40], [80, 76, 60])
    _rod(col.bone, [45, 34, 28], [-30, -25, -20], [76, 60, 50])
    assert 28.0 - 22.0 <= HEAD_TOLERANCE_MM          # the lower end's voxels count as medial ones
    heads = find_rib_heads(col, SP, 0, col.bone.shape[2] - 1)
    assert [side for _, side in heads] == ["right"]
    assert abs(heads[0][0] * SP[2] - 80.0) <= 1.5 * SP[2], heads


def test_a_shaft_piece_whose_bone_rises_past_its_inner_end_is_no_rib():
    """On the left, a piece whose inner end lies 31 mm out at 20 mm height and which rises outward to 65 mm out at
    36 mm (the twelfth rib's shaft coming down past L1, split from its head): it reaches `RIB_REACH_MM` near its
    inner end, so it passed before; its bone rises 16 mm above that end, more than `SHAFT_RISE_MM`, and its medial
    edge runs on up and out without a break. The rib on the right (head at its top) is still found."""
    col = _column_with_bones()
    _rod(col.bone, [-31, -50, -65], [-20, -25, -30], [20, 30, 36])
    _rod(col.bone, [22, 45, 90], [-12, -30, -40], [80, 76, 60])
    assert 36.0 - 20.0 > SHAFT_RISE_MM
    heads = find_rib_heads(col, SP, 0, col.bone.shape[2] - 1)
    assert [(round(z * SP[2] / 4) * 4, side) for z, side in heads] == [(80, "right")]


@pytest.mark.parametrize("ct", [41, 88])
def test_benchmark_cts_name_t12_and_l1_from_both_rib_anchors(ct, tmp_path):
    """Benchmark CTs 41 and 88 (seed 2026): before, "one anchor only"; now both rib anchors are counted and agree,
    T12 bears a rib on both sides, L1 none, and T11, T12, L1 lie within 10 mm of their true centres (half the
    shortest pitch there). About 10 s each."""
    from benchmarks.spine_labelling import design
    from jmedseg.data.io import load_volume
    from jmedseg.data.synth.trunk import save_case, synth_trunk_case
    from jmedseg.spine import label_vertebrae

    fov, phase = design(ct)
    case = synth_trunk_case(np.random.default_rng([2026, ct]), phase=phase, fov=fov, max_voxels=12e6,
                            cap_coarsens="pixels")
    save_case(case, str(tmp_path / f"ct{ct}.nii"))
    _, report = label_vertebrae(load_volume(str(tmp_path / f"ct{ct}.nii")))
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    found = {e["name"]: (e["centroid_mm"][2], sorted(e["ribs"])) for e in report["levels"]}
    assert (found["T12"][1], found["L1"][1]) == (["left", "right"], [])
    errors = {name: abs(found[name][0] - case.levels[name]["centroid_mm"][2]) for name in ("T11", "T12", "L1")}
    assert max(errors.values()) <= 10.0, errors


def test_a_rib_touched_far_out_by_bone_above_its_head_is_kept():
    """A rib on the right, head at 40 mm, running out and down; 56 mm out a bone rises from its shaft to 56 mm
    height (a neighbouring rib's descending shaft touching it, dev CT 8, 1.25 mm: the twelfth rib was lost and
    the anchors disagreed when any bone above the head was taken for a shaft's course). The part's bone rises
    16 mm above the head, but the edge above the head lies far out: the head is kept, within a slice and a half
    of 40 mm."""
    col = _column_with_bones()
    _rod(col.bone, [22, 45, 90], [-12, -30, -40], [40, 36, 20])
    _rod(col.bone, [56, 56], [-33, -33], [31, 56])
    assert ndimage.label(col.bone)[1] == 1                   # the rod is joined to the rib
    heads = find_rib_heads(col, SP, 0, col.bone.shape[2] - 1)
    assert [side for _, side in heads] == ["right"]
    assert abs(heads[0][0] * SP[2] - 40.0) <= 1.5 * SP[2], heads


def test_a_neck_rising_from_a_head_at_the_cut_to_its_tubercle_is_kept():
    """A rib on the left whose neck rises 12 mm up and out from its head at the cut to the tubercle 42 mm out, then
    descends round the trunk (the upper ribs of the bundled chest CTA, 1.5 mm: a shaft's up-and-out edge above the
    medial end dropped three of their heads when asked of every part). Its innermost voxel lies within a pixel of
    `CUT_MM`: it crosses the cut, and its head is kept."""
    col = _column_with_bones()
    _rod(col.bone, [-22, -42, -60, -90], [-12, -25, -30, -40], [40, 52, 50, 34])
    heads = find_rib_heads(col, SP, 0, col.bone.shape[2] - 1)
    assert [side for _, side in heads] == ["left"]
    assert abs(heads[0][0] * SP[2] - 40.0) <= 2.0 * SP[2], heads
