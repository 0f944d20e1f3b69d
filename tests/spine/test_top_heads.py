"""T1 re-cut between the first two rib pairs' heads where the first pair is not counted (issue 20, branch `top11`,
`jmedseg.spine.top_heads`): a constructed chest at 5 mm slices whose top discs were read in the wrong place (the
C7/T1 disc missed, T1/T2 read in T1's middle: the top segment holds C7 with T1's upper part and the first pair),
and benchmark CTs of the class at 3 and 5 mm."""
from jmedseg.spine.discs import MIN_PITCH_MM
from jmedseg.spine.levels import find_anchors, segments_between
from jmedseg.spine.ribs import mark_rib_bearing
from jmedseg.spine.top_heads import recut_top_from_heads
from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct

DZ = 5.0
LO, HI, CLEAR_TO = 3, 62, 64    # the column's track and the slice up to which the scan shows no rib over it
FIRST_HEADS = 57.3              # rib 1's heads on T1's upper edge, under the C7/T1 disc (truly at slice 58)


def _heads(first=FIRST_HEADS):
    """Both sides' heads of twelve rib levels a 20 mm pitch apart: ribs 10-12 on their own body's middle, ribs 2-9
    half a slice under the disc over their body, rib 1 at `first`."""
    z = []
    for k in range(12, 1, -1):
        lo = 11 + 4 * (12 - k)
        z.append(lo + 1.0 if k >= 10 else lo + 2.5)
    z.append(first)
    return sorted((h, side) for h in z for side in ("left", "right"))


def _scene(discs, heads):
    def prepare(segs):
        mark_rib_bearing(segs, heads, DZ, MIN_PITCH_MM)
    segments = segments_between(discs, LO, HI, DZ)
    prepare(segments)
    return segments, prepare


# the discs truly at 6, 10, ..., 50 (L2/L1 .. T3/T2), 54 (T1/T2) and 58 (C7/T1); read: T1/T2 at 56, C7/T1 missed
TRUE_DISCS = list(range(6, 51, 4))
READ = TRUE_DISCS + [56]


def _recut(discs, heads):
    segments, prepare = _scene(discs, heads)
    arc = [DZ * k for k in range(HI + 2)]
    out = recut_top_from_heads(segments, discs, [DZ * d for d in discs], heads, arc, LO, HI, DZ, prepare,
                               clear_to=CLEAR_TO)
    return segments, out


def test_the_top_read_over_c7_and_t1_is_re_cut_between_the_first_two_pairs_heads():
    heads = _heads()
    segments, (after, discs, arcs) = _recut(READ, heads)
    assert "T1" not in find_anchors(segments, DZ, None, CLEAR_TO)[0]
    assert discs == TRUE_DISCS + [54, 58] and arcs == [DZ * d for d in discs]
    anchors, doubts = find_anchors(after, DZ, None, CLEAR_TO)
    assert anchors == {"T12": 2, "T1": 13} and not doubts
    assert not after[-1].ribs and (after[-1].lo, after[-1].hi) == (59, 62)                   # C7, rib-free
    assert (after[-2].lo, after[-2].hi) == (55, 57) and min(after[-2].rib_z) == FIRST_HEADS  # T1, the first pair


def test_a_t2_left_short_or_a_level_missed_between_the_pairs_leaves_the_segments():
    """The disc under the second pair's segment read half a vertebra high as well (T2 would be a sliver), or the
    first pair two pitches over the second (a rib level missed): unchanged."""
    heads = _heads()
    short = TRUE_DISCS[:-1] + [52, 56]
    segments, out = _recut(short, heads)
    assert out[0] is segments and out[1] == short
    far = _heads(first=FIRST_HEADS + 4)
    segments, out = _recut(READ, far)
    assert out[0] is segments and out[1] == READ


def test_a_counted_first_pair_is_left_alone():
    heads = _heads()
    segments, out = _recut(TRUE_DISCS + [54, 58], heads)
    assert "T1" in find_anchors(segments, DZ, None, CLEAR_TO)[0]
    assert out[0] is segments


def test_benchmark_ct_24_of_seed_131_is_confirmed(tmp_path):
    """Seed 131 CT 24 (chest, portal venous, 5 mm; fresh last round): before, "one anchor only (T12)" with "T1" on
    C7 over T1 and T2 read as one; now ribs and first pair confirm, T1 named at its own body."""
    case, report, score = label_benchmark_ct(tmp_path, 131, 24, "chest", "portal_venous")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [], score["confirmed_wrong"]
    t1 = next(e for e in report["levels"] if e["name"] == "T1")
    assert not t1["flags"] and abs(t1["centroid_mm"][2] - case.levels["T1"]["centroid_mm"][2]) <= 10.0


def test_benchmark_ct_36_of_seed_79_is_confirmed(tmp_path):
    """Seed 79 CT 36 (chest, arterial, 3 mm): before, the C7/T1 disc not found and the top segment (T1's upper part
    with C7) bearing the first pair; now C7 over T1, T1-T12 unflagged at their own bodies."""
    case, report, score = label_benchmark_ct(tmp_path, 79, 36, "chest", "arterial")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [], score["confirmed_wrong"]
    assert_thoracic_levels_unflagged_near_truth(case, report)
