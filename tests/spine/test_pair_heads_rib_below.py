"""Rib levels found twice or missed on normal anatomy (issue 20, 2026-12-06 early, branch `ribs10`).

- A pair's two heads read more than `RIB_LEVEL_GAP_MM` apart, nearer each other than half the pitch to the levels
  beside them, are one rib level (`pair_heads.paired_across_sides`): seed 113 CT 85 (chest + abdomen, 3 mm).
- Two rib pairs alone in the scan give the pitch the twelfth pair turning forward is looked for under
  (`rib_below.pair_below_lowest`): seed 113 CT 86 (abdomen + pelvis, 1.25 mm).
Constructed scenes use 2 mm slices and a 20 mm pitch (10 slices), as tests/spine/test_rib_anchors_disagree.py.
"""

from jmedseg.spine.pair_heads import paired_across_sides
from jmedseg.spine.rib_below import pair_below_lowest
from tests.spine.benchmark_ct import label_benchmark_ct

DZ = 2.0


def _levels(*zs):
    """(z, side) heads: a pair at each slice z."""
    return [(float(z), side) for z in zs for side in ("left", "right")]


def test_a_left_and_a_right_head_under_half_a_pitch_apart_are_one_pair():
    """Pairs every 10 slices; at the fourth level a left head at slice 47.75 and a right one at 52.25 (9 mm apart,
    past `RIB_LEVEL_GAP_MM`, under half the 20 mm pitch): one level at their middle, the others unchanged."""
    heads = sorted(_levels(20, 30, 40, 60, 70) + [(47.75, "left"), (52.25, "right")])
    out = paired_across_sides(heads, DZ)
    assert out == sorted(_levels(20, 30, 40, 50, 60, 70))


def test_one_sided_levels_a_pitch_apart_or_on_one_side_stay_apart():
    """A left-only level and a right-only level a pitch apart (two vertebrae each missing one rib), two left heads 9
    mm apart, or a one-sided pair of levels with no level beside them: unchanged."""
    apart = sorted(_levels(20, 30, 60, 70) + [(40.0, "left"), (50.0, "right")])
    assert paired_across_sides(apart, DZ) == apart
    same_side = sorted(_levels(20, 30, 40, 60, 70) + [(47.75, "left"), (52.25, "left")])
    assert paired_across_sides(same_side, DZ) == same_side
    alone = [(47.75, "left"), (52.25, "right")]
    assert paired_across_sides(alone, DZ) == alone


def test_two_pairs_alone_give_the_pitch_for_the_next_pair_under_them():
    """Only two rib levels found (slices 40 and 50, both pairs): a forward pair at 30.5/31 is one pitch under the
    lowest and is taken; with the upper level one-sided, or a pair two pitches down, nothing is added."""
    heads = _levels(40, 50)
    assert pair_below_lowest([(30.5, "left"), (31.0, "right")], heads, DZ) == [(30.5, "left"), (31.0, "right")]
    assert pair_below_lowest([(20.0, "left"), (20.0, "right")], heads, DZ) == []
    one_sided = _levels(40) + [(50.0, "left")]
    assert pair_below_lowest([(30.5, "left"), (31.0, "right")], one_sided, DZ) == []
    assert pair_below_lowest([(30.5, "left"), (31.0, "right")], _levels(40), DZ) == []


def test_seed_113_ct_85_counts_the_tenth_pair_once(tmp_path):
    """Seed 113 CT 85 (chest + abdomen, arterial, 3 mm): the tenth pair's heads at 240 and 249 mm were two one-sided
    levels, 13 rib levels on 12 vertebrae, the first pair not counted; now both rib anchors count and every level
    from C7 to S1 is named right. The sacrum, cut by the scan's edge 9 mm under three soft slices of the L5/S1 disc,
    is counted too (`sacrum._soft_under_disc`): all three anchors agree."""
    case, report, score = label_benchmark_ct(tmp_path, 113, 85, "chest_abdomen", "arterial")
    assert report["summary"] == "confirmed by sacrum and ribs and first rib pair", report["summary"]
    ribs = {e["name"]: e["ribs"] for e in report["levels"]}
    assert all(sorted(ribs[f"T{k}"]) == ["left", "right"] for k in range(1, 13)), ribs
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert {f"T{k}" for k in range(1, 13)} | {"L1", "L2"} <= set(score["identified"])


def test_seed_113_ct_86_finds_the_twelfth_pair_under_two_pairs(tmp_path):
    """Seed 113 CT 86 (abdomen + pelvis, arterial, 1.25 mm): the tenth and eleventh pairs only were found, T12 bore
    no rib and the ribs disagreed with the sacrum; now T12 bears the twelfth pair and the two anchors agree."""
    case, report, score = label_benchmark_ct(tmp_path, 113, 86, "abdomen_pelvis", "arterial")
    assert report["summary"] == "confirmed by sacrum and ribs", report["summary"]
    ribs = {e["name"]: e["ribs"] for e in report["levels"]}
    assert sorted(ribs["T12"]) == ["left", "right"] and ribs["L1"] == [], ribs
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert {"T12", "L1", "L2"} <= set(score["identified"])
