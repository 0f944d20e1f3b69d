"""One rib pair's two heads handed to one vertebra (issue 20, branch `discs3`, `jmedseg.spine.pair_heads`).

A pair's heads articulate at one level; tested head by head against the half-pitch reach of
`jmedseg.spine.ribs.mark_rib_bearing`, a pair whose heads lie either side of the reach's end was cut in two, two
segments each with one rib. Constructed scenes use 2 mm slices and 9-slice bodies with a disc slice between them
(`tests/spine/test_levels_disagreement.py`); the two benchmark CTs are chest + abdomen at 5 mm.
"""
from jmedseg.spine.discs import MIN_PITCH_MM
from jmedseg.spine.pair_heads import level_reach_z
from jmedseg.spine.ribs import mark_rib_bearing
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_levels_disagreement import _segments

DZ = 2.0
REACH = 0.5 * MIN_PITCH_MM / DZ      # slices a head may lie above its segment (half a pitch)


def test_each_head_is_reached_from_its_level_s_lowest_head():
    """Two levels 10 slices apart, each a left and a right head 0.5 slice apart (1 mm): both heads of a level are
    tested from its lower one; a lone head from itself."""
    heads = [14.0, 14.5, 24.5, 24.0, 34.0]
    assert level_reach_z(heads, DZ) == {14.0: 14.0, 14.5: 14.0, 24.0: 24.0, 24.5: 24.0, 34.0: 34.0}


def test_a_pair_across_the_reach_s_end_goes_to_one_segment():
    """Six vertebrae; the lowest three rib levels (single facets) held by their segments, the top pair's heads
    0.1 slice either side of the end of segment 4's reach (its top slice + 0.5 + half a pitch), both above the
    disc over segment 4. Head by head, segment 4 got the right rib and segment 5 the left; now both go to
    segment 4, and segment 5 stays rib-free over the first pair."""
    segs = _segments(6, {})
    end = segs[4].hi + 0.5 + REACH
    heads = [(z, side) for z in (segs[1].lo + 4.0, segs[2].lo + 4.0, segs[3].lo + 4.0) for side in ("left", "right")]
    heads += [(end - 0.1, "right"), (end + 0.1, "left")]
    mark_rib_bearing(segs, heads, DZ, MIN_PITCH_MM)
    assert [s.ribs for s in segs] == [(), ("left", "right"), ("left", "right"), ("left", "right"),
                                      ("left", "right"), ()]


def _assert_t1_bears_the_first_pair(case, report, score):
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    found = {e["name"]: e for e in report["levels"]}
    assert sorted(found["T1"]["ribs"]) == ["left", "right"] and found["C7"]["ribs"] == []
    assert "uncertain_level" in found["C7"]["flags"]
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert {f"T{k}" for k in range(1, 13)} <= set(score["identified"])
    assert abs(found["T1"]["centroid_mm"][2] - case.levels["T1"]["centroid_mm"][2]) <= 10.0


def test_seed_79_ct_45_first_pair_across_the_reach_is_counted_on_t1(tmp_path):
    """Seed 79 CT 45 (chest + abdomen, delayed, 5 mm): the C7/T1 disc read at T1's upper endplate band 7 mm under
    its trough, the first pair's heads 0.1 slice either side of the reach over it. Before: C7 (left rib) and T1
    (right rib), "ribs and first rib pair disagree", refused. Now T1 bears the pair, C7 is bare and flagged, the
    anchors agree, T1-T12 are confirmed. About 10 s."""
    _assert_t1_bears_the_first_pair(*label_benchmark_ct(tmp_path, 79, 45, "chest_abdomen", "delayed"))


def test_seed_71_ct_17_first_pair_across_the_reach_is_counted_on_t1(tmp_path):
    """Seed 71 CT 17 (chest + abdomen, native, 5 mm): a false disc in T1's middle between its endplate bands, the
    first pair's heads either side of the reach over it. Before: refused as seed 79 CT 45. Now T1's lower piece
    bears the pair and is named T1; its upper piece, named C7, stays flagged (counted by discs from one anchor)."""
    _assert_t1_bears_the_first_pair(*label_benchmark_ct(tmp_path, 71, 17, "chest_abdomen", "native"))
