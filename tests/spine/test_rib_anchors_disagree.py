"""Rib anchors that disagree on a normal spine (issue 20, branch `ribagree`): one of them is wrong.

- The twelfth rib's shaft turning forward at thin slices, found one rib pitch under the lowest level found
  (`rib_below.pair_below_lowest`, hooked in `ribs._forward_ribs_between`): seed 67 CT 20 (chest, 1.5 mm).
- The first pair under the column's top cut before its own rib's head, two or more levels from the lowest rib's
  count (`levels.first_pair_under_cut_top`): seed 47 CT 73 (chest + abdomen, 3 mm).
Constructed scenes use 2 mm slices, 18 mm bodies and a 20 mm pitch (`tests/spine/test_levels_disagreement.py`).
"""

from jmedseg.spine.levels import assign_names
from jmedseg.spine.rib_below import pair_below_lowest
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_levels_disagreement import PAIR, _segments

DZ = 2.0


def _levels(*zs):
    """(z, side) heads: a pair at each slice z."""
    return [(float(z), side) for z in zs for side in PAIR]


def test_a_forward_pair_one_pitch_under_the_lowest_level_is_the_next_rib():
    """Levels every 10 slices (20 mm) from slice 40 up; forward ends at slices 30.5 (left) and 31 (right): a pair one
    pitch under slice 40 is taken."""
    heads = _levels(40, 50, 60, 70)
    assert pair_below_lowest([(30.5, "left"), (31.0, "right")], heads, DZ) == [(30.5, "left"), (31.0, "right")]


def test_a_forward_end_too_far_under_the_lowest_level_or_one_sided_is_no_rib():
    """A pair two pitches down (a lumbar transverse process's height), a lone left end one pitch down, or a lowest
    level found on one side only: nothing is added."""
    heads = _levels(40, 50, 60, 70)
    assert pair_below_lowest([(20.0, "left"), (20.0, "right")], heads, DZ) == []
    assert pair_below_lowest([(30.0, "left")], heads, DZ) == []
    one_sided = [(40.0, "left")] + _levels(50, 60, 70)
    assert pair_below_lowest([(30.0, "left"), (30.0, "right")], one_sided, DZ) == []


def test_two_forward_pairs_under_the_lowest_level_add_nothing():
    """Two pairs both within a pitch's share under the lowest level (8 and 12 slices down): ambiguous, none added."""
    heads = _levels(40, 50, 60, 70)
    forward = [(32.0, "left"), (32.0, "right"), (28.0, "left"), (28.0, "right")]
    assert pair_below_lowest(forward, heads, DZ) == []


def _cut_top(rib_pairs, lumbar=3, top_slices=8):
    """`lumbar` rib-free vertebrae, `rib_pairs` rib-bearing ones, and the column's top vertebra, rib-free, followed
    `top_slices` slices from its lower disc with no disc over it."""
    n = lumbar + rib_pairs + 1
    segs = _segments(n, {i: PAIR for i in range(lumbar, lumbar + rib_pairs)})
    segs[-1].hi = segs[-1].lo + top_slices - 1
    return segs


def test_a_first_pair_eight_levels_over_the_lowest_rib_under_a_cut_top_is_not_counted():
    """Eight rib-bearing vertebrae between the anchors (four levels from twelve), the vertebra over the pair
    followed 16 mm (over `NEIGHBOUR_SEEN_MM`) of a 20 mm pitch: the first pair is doubted and the lowest rib names
    the levels, all flagged."""
    segs = _cut_top(8)
    info = assign_names(segs, dz=DZ, ribs_clear_to=segs[-1].hi)
    assert info["t12_segment"] == 3 and info["t1_segment"] is None and "T1" in info["doubts"]
    assert info["summary"] == "one anchor only (the lowest rib-bearing vertebra (T12))"
    assert [s.name for s in segs[:4]] == ["L3", "L2", "L1", "T12"]
    assert all("uncertain_level" in s.flags for s in segs)


def test_a_first_pair_one_level_off_or_under_a_top_seen_a_pitch_keeps_its_rank():
    """Eleven rib pairs (one level: a rib-count variant) or the top followed a whole pitch (10 slices, 20 mm): the
    first pair stays counted and names the levels, as before."""
    for segs in (_cut_top(11), _cut_top(8, top_slices=10)):
        info = assign_names(segs, dz=DZ, ribs_clear_to=segs[-1].hi)
        assert info["t1_segment"] == len(segs) - 2 and not info["doubts"]
        assert info["summary"] == "ribs and first rib pair disagree; named from the first rib pair"


def test_a_first_pair_under_a_top_clear_of_ribs_keeps_its_rank():
    """The scan shows no rib for 30 mm over the column's top (`ribs.ribs_clear_above`): the vertebra over the pair
    is seen rib-free, the first pair stays counted."""
    segs = _cut_top(8)
    info = assign_names(segs, dz=DZ, ribs_clear_to=segs[-1].hi + 15)
    assert info["t1_segment"] == len(segs) - 2 and not info["doubts"]


def test_seed_67_ct_20_twelfth_rib_turning_forward_is_found(tmp_path):
    """Seed 67 CT 20 (chest, arterial, 1.5 mm): the twelfth pair's ends reach 47-49 mm behind the body's centre and
    62-64 mm followed forward. Before: T11 read as T12, "ribs and first rib pair disagree", refused. Now the two rib
    anchors agree, T12 bears a pair, T1-T12 are confirmed, nothing is confirmed wrong. About 10 s."""
    case, report, score = label_benchmark_ct(tmp_path, 67, 20, "chest", "arterial")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    found = {e["name"]: e for e in report["levels"]}
    assert sorted(found["T12"]["ribs"]) == ["left", "right"]
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert {f"T{k}" for k in range(1, 13)} <= set(score["identified"])
    assert abs(found["T12"]["centroid_mm"][2] - case.levels["T12"]["centroid_mm"][2]) <= 10.0


def test_seed_47_ct_73_first_pair_counted_once_the_column_reaches_c7(tmp_path):
    """Seed 47 CT 73 (chest + abdomen, portal venous, 3 mm): the column lost above T4, T5's pair taken for the
    first under T4 followed 15 mm. Before: named from that pair, four levels off, L1 and L2 misnamed. Then the first
    pair was doubted and the lowest rib named the levels (refused: one anchor). Since branch `coltop` the column
    reaches C7 (`column._bodies_in_long_gaps`, the search with only the lumen kept out): the true first pair is
    counted, both rib anchors agree, and L1, L2 are named right and confirmed."""
    _, report, score = label_benchmark_ct(tmp_path, 47, 73, "chest_abdomen", "portal_venous")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert report["anchors"]["t12_ribs"] and report["anchors"]["t1_first_rib_pair"]
    assert {"T12", "L1", "L2"} <= set(score["identified"]) and score["confirmed_wrong"] == []


def test_seed_71_ct_98_four_lumbar_vertebrae_are_not_confirmed_one_level_high(tmp_path):
    """Held-out seed 71 CT 98 (abdomen + pelvis, native, 2.5 mm; four lumbar vertebrae, a variant): T12's ribs reach
    57-60 mm behind the body's centre and 63 mm followed forward. Missed, T11 was the lowest rib-bearing vertebra and
    the sacrum's count, one short by the variant, agreed with it: T11-L4 were confirmed as T12-L5. The twelfth pair
    found (`rib_below`), the anchors disagree and the levels are refused."""
    case, report, score = label_benchmark_ct(tmp_path, 71, 98, "abdomen_pelvis", "native")
    assert case.variant["lumbar_count"] == 4
    assert score["confirmed_wrong"] == [] and score["refused"]
    assert report["summary"].startswith("sacrum and ribs disagree"), report["summary"]
    lowest = [e for e in report["levels"] if e["ribs"]][-1]
    assert abs(lowest["centroid_mm"][2] - case.levels["T12"]["centroid_mm"][2]) <= 10.0, lowest
