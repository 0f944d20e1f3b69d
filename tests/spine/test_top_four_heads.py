"""T1-T4 re-cut from the first four rib pairs' heads where the T1-T3 re-cut stops at its T3 height check, the T3/T4
disc read inside T3 (issue 20, 2026-12-07 early, branch `top17`, `jmedseg.spine.top_four_heads`): constructed chests
at 5 mm (`test_top_three_heads`' layout), benchmark CT 97 of seed 193."""
from jmedseg.spine.levels import find_anchors
from jmedseg.spine.top_four_heads import recut_top_four_from_heads
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_top_three_heads import CLEAR_TO, DZ, FIRST_HEADS, TRUE_DISCS, _heads, _recut

T4_T3 = 46                     # the true T3/T4 disc; T3 spans 47-49, its heads at 49.5 under T2/T3 (50)
# read: C7/T1, T1/T2 and T2/T3 missed, T3/T4 read two slices into T3 (48): the first three levels on one segment, T3
# from that disc to its heads two slices, under `top_three_heads`' check (193/97, 229/60)
INTO_T3 = TRUE_DISCS[:-4] + [T4_T3 + 2]


def _both(discs):
    """The segments as read and after `top_three_heads` then `top_four_heads` (the pipeline's order)."""
    segments, three = _recut(discs, _heads())
    _, four = _recut(three[1], _heads(), recut=recut_top_four_from_heads)
    return segments, three, four


def test_t3_t4_disc_inside_t3_is_re_cut_from_four_heads_to_the_true_discs():
    segments, three, (after, discs, arcs) = _both(INTO_T3)
    assert "T1" not in find_anchors(segments, DZ, None, CLEAR_TO)[0]
    assert three[1] == INTO_T3                                      # `top_three_heads` stops at its T3 check
    assert discs == TRUE_DISCS and arcs == [DZ * d for d in discs]
    assert find_anchors(after, DZ, None, CLEAR_TO) == ({"T12": 2, "T1": 13}, {})
    assert [(s.lo, s.hi, s.rib_z) for s in after[-5:]] == [
        (43, 45, [45.5, 45.5]), (47, 49, [49.5, 49.5]), (51, 53, [53.5, 53.5]), (55, 57, [FIRST_HEADS] * 2),
        (59, 62, [])]                                               # T4 T3 T2 T1 C7
    assert "T1-T4 re-cut" in after[-2].notes[-1]


def test_a_chain_read_half_a_vertebra_off_under_t4_as_well_is_left():
    """T4/T5 read two slices into T4 (44) as well (seed 73 CT 61's kind: every disc from the re-cut's floor up in a
    body): T4 from it to its heads two slices, under the check moved one level down (the re-cut would leave T4 a
    5 mm sliver, which `recut_over`'s checks refuse as well): unchanged."""
    discs = TRUE_DISCS[:-5] + [T4_T3 - 2, T4_T3 + 2]
    segments, three, (after, out, _) = _both(discs)
    assert "T1" not in find_anchors(segments, DZ, None, CLEAR_TO)[0]
    assert three[1] == discs and out == discs


def test_a_counted_first_pair_or_a_t1_t3_re_cut_is_left():
    """The true discs (the first pair counted), and T1/T2, T2/T3 and C7/T1 missed over a T3/T4 disc in place
    (`top_three_heads` re-cuts it): `top_four_heads` leaves both."""
    for discs in (TRUE_DISCS, TRUE_DISCS[:-3]):
        _, three, (after, out, _) = _both(discs)
        assert out == three[1] == TRUE_DISCS


def test_benchmark_ct_193_97_confirmed_with_the_levels_near_their_truths(tmp_path):
    """Seed 193 CT 97 (chest + abdomen, native, 5 mm; the first two pairs on one segment, T3/T4 read at 447 mm, about
    5 mm into T3): refused before ("one anchor only (T12)"); now confirmed by ribs and first pair, T1-T6 and T10-T12
    without `uncertain_level`, every named level within 10 mm of its truth along z (half the shortest upper thoracic
    pitch: a name one level off cannot pass), none confirmed wrong."""
    from benchmarks.spine_labelling import design
    fov, phase = design(97)
    case, report, score = label_benchmark_ct(tmp_path, 193, 97, fov, phase)
    assert report["summary"] == "confirmed by ribs and first rib pair"
    levels = {e["name"]: e for e in report["levels"]}
    for name in ["T1", "T2", "T3", "T4", "T5", "T6", "T10", "T11", "T12"]:
        assert "uncertain_level" not in levels[name]["flags"], (name, levels[name]["flags"])
    for name, entry in levels.items():
        assert abs(entry["centroid_mm"][2] - case.levels[name]["centroid_mm"][2]) <= 10.0, name
    assert not score["confirmed_wrong"]
