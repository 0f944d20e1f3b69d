"""A rib level handed to the vertebra under the one whose slices hold it, leaving that one rib-free inside the run:
given back (issue 20, 2026-12-06 night, branch `top15`, `jmedseg.spine.own_body_heads`); the T1 re-cut from the heads
tried where the counted first pair is the second (`top_heads`). Constructed chests at 5 mm, benchmark CT 72 of seed
173."""
from jmedseg.spine.discs import MIN_PITCH_MM
from jmedseg.spine.levels import find_anchors, rib_level_groups, segments_between
from jmedseg.spine.own_body_heads import levels_back_to_own_body
from jmedseg.spine.ribs import mark_rib_bearing
from jmedseg.spine.top_heads import recut_top_from_heads
from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct

DZ = 5.0
LO, HI, CLEAR_TO = 3, 62, 64
# the discs truly at 6 (L2/L1), 10 (L1/T12), ..., 50 (T3/T2), 54 (T2/T1) and 58 (C7/T1): each vertebra three
# slices, L2 3-5, L1 7-9, T12 11-13, T11 15-17, T10 19-21, T9 23-25, T8 27-29, ..., T2 51-53, T1 55-57, C7 59-62
DISCS = list(range(6, 59, 4))
T10, T9, T8 = 4, 5, 6           # segment indices (L2 is 0)


def _heads(low=(), first=57.3):
    """Both sides' heads of twelve rib levels: ribs 10-12 a slice over their lower disc, ribs 2-9 half a slice under
    the disc over their body, except the ribs in `low`, whose heads lie in their body's lowest slice (as the ninth and
    eighth pairs' at their bodies' middles in seed 173 CT 72, whose bodies were cut 10-15 mm short); rib 1 at
    `first`."""
    def z(rib):
        lower_disc = 10 + 4 * (12 - rib)
        if rib in low:
            return lower_disc + 1.2
        return lower_disc + 1.0 if rib >= 10 else lower_disc + 3.5
    return sorted((h, side) for h in [z(rib) for rib in range(12, 1, -1)] + [first] for side in ("left", "right"))


def _marked(discs, heads):
    segments = segments_between(discs, LO, HI, DZ)
    mark_rib_bearing(segments, heads, DZ, MIN_PITCH_MM)
    return segments


def _levels(segments):
    return [len(rib_level_groups(s.rib_z, DZ)) for s in segments]


def test_the_ninth_pair_handed_to_t10_goes_back_to_t9():
    heads = _heads(low=(9,))
    segments = _marked(DISCS, heads)
    assert segments[T10].rib_z == [19.0, 19.0, 23.2, 23.2] and not segments[T9].ribs     # the reach hands it down
    assert "T1" in find_anchors(segments, DZ, None, CLEAR_TO)[1]                            # refused: T9 bare
    levels_back_to_own_body(segments, heads, DZ)
    assert segments[T10].rib_z == [19.0, 19.0] and segments[T9].rib_z == [23.2, 23.2]
    assert segments[T9].ribs == ("left", "right") and segments[T10].ribs == ("left", "right")
    assert _levels(segments) == [0, 0] + [1] * 12 + [0]
    assert find_anchors(segments, DZ, None, CLEAR_TO) == ({"T12": 2, "T1": 13}, {})
    assert "given back" in segments[T9].notes[-1]


def test_two_levels_handed_down_in_a_chain_go_back_together():
    """Seed 173 CT 72: rib 9 on T10, rib 8 on T9, T8 bare; each goes back one segment."""
    heads = _heads(low=(9, 8))
    segments = _marked(DISCS, heads)
    assert segments[T10].rib_z == [19.0, 19.0, 23.2, 23.2] and segments[T9].rib_z == [27.2, 27.2]
    assert not segments[T8].ribs
    levels_back_to_own_body(segments, heads, DZ)
    assert [segments[j].rib_z for j in (T10, T9, T8)] == [[19.0, 19.0], [23.2, 23.2], [27.2, 27.2]]
    assert find_anchors(segments, DZ, None, CLEAR_TO) == ({"T12": 2, "T1": 13}, {})


def test_a_chain_ending_at_a_vertebra_with_one_level_is_left():
    """Without rib 10 found, T10 bears the handed-down ninth pair alone: nothing says a rib was given elsewhere
    (a vertebra with two levels), so nothing moves."""
    heads = [h for h in _heads(low=(9,)) if h[0] != 19.0]
    segments = _marked(DISCS, heads)
    before = [list(s.rib_z) for s in segments]
    levels_back_to_own_body(segments, heads, DZ)
    assert [s.rib_z for s in segments] == before


def test_the_first_pair_handed_to_t2_under_a_rib_free_c7_is_left():
    """A rib-free vertebra at the run's top (C7 over T1's pair) is no gap in the run: the first pair's heads in T1's
    lowest slice, handed to T2, stay (the top's re-cuts, `top_split`, `top_heads`, read those)."""
    heads = _heads(first=55.2)
    segments = _marked(DISCS, heads)
    assert segments[-3].rib_z == [53.5, 53.5, 55.2, 55.2] and not segments[-2].ribs
    levels_back_to_own_body(segments, heads, DZ)
    assert segments[-3].rib_z == [53.5, 53.5, 55.2, 55.2] and not segments[-2].ribs


def test_a_head_in_a_disc_slice_is_left():
    """The ninth pair in the T9/T10 disc's slice (22): in no segment's slices, it keeps the reach's segment."""
    heads = [(22.0 if h == 23.2 else h, side) for h, side in _heads(low=(9,))]
    segments = _marked(DISCS, heads)
    assert segments[T10].rib_z == [19.0, 19.0, 22.0, 22.0]
    levels_back_to_own_body(segments, heads, DZ)
    assert segments[T10].rib_z == [19.0, 19.0, 22.0, 22.0] and not segments[T9].ribs


def test_top_heads_re_cuts_where_the_first_pair_lies_in_a_dropped_sliver():
    """T2/T1 read a slice high (55) and C7/T1 a slice low (57): T1 is a 5 mm sliver, dropped (`MIN_SEGMENT_MM`), its
    pair's heads (57.3) in no segment, and the pair under it (T2's) is counted as the first under a rib-free C7,
    one level low. The re-cut from the heads is tried all the same and puts T1 back between the two pairs' heads."""
    heads = _heads()
    read = DISCS[:-2] + [55, 57]
    segments = _marked(read, heads)
    assert find_anchors(segments, DZ, None, CLEAR_TO)[0] == {"T12": 2, "T1": 12}     # T2's pair counted as T1
    arc = [DZ * k for k in range(HI + 2)]
    after, discs, _ = recut_top_from_heads(segments, read, [DZ * d for d in read], heads, arc, LO, HI, DZ,
                                           lambda segs: mark_rib_bearing(segs, heads, DZ, MIN_PITCH_MM),
                                           clear_to=CLEAR_TO)
    assert discs == DISCS[:-2] + [54, 58]
    assert find_anchors(after, DZ, None, CLEAR_TO) == ({"T12": 2, "T1": 13}, {})
    assert after[13].rib_z == [57.3, 57.3]


def test_benchmark_ct_72_of_seed_173_is_confirmed(tmp_path):
    """Chest, 5 mm: the ninth and eighth pairs handed one segment down (T8 bare), the first pair's heads between two
    discs a sliver apart. T1-T12 confirmed, each within 10 mm of its truth (half the shortest upper thoracic pitch:
    a name one level off cannot pass)."""
    case, report, score = label_benchmark_ct(tmp_path, 173, 72, "chest", "portal_venous")
    assert report["summary"] == "confirmed by ribs and first rib pair"
    assert_thoracic_levels_unflagged_near_truth(case, report)
    assert score["confirmed_wrong"] == []
