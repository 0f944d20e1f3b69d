"""The rib-free piece over the first pair, cut by the scan's top, read from the pair's heads where they lie over the
disc under it (issue 20, branch `cut14`, `jmedseg.spine.piece_over_heads`).

Constructed scenes: 5 mm slices, no sacrum, 6-slice segments with a disc slice between them; five rib-free lumbar
segments, twelve with a rib pair (heads 4 slices over each segment's lowest slice) and over the highest pair a
rib-free piece of 3 slices cut by the scan's top: 15 mm from its lower disc, `NEIGHBOUR_SEEN_MM`, so
`levels.find_anchors` counts the pair. 13-rib rng [9019] (5 mm) showed the piece holding the pair's heads (the disc
under it read low), rib-free 9.6 mm over them. The end-to-end crop is in `tests/spine/test_t1_centre_crops.py`.
"""
import pytest

from jmedseg.spine.levels import NEIGHBOUR_SEEN_MM, RIB_HALF_HEIGHT_MM, Segment, assign_names
from jmedseg.spine.piece_over_heads import rib_free_over_heads
from tests.spine.test_levels_disagreement import PAIR

DZ = 5.0
BARE, PAIRS, PIECE = 5, 12, 3
TOP_PAIR = BARE + PAIRS - 1


def _column(top_heads_in_piece_at=None):
    """Segments inferior to superior; the highest pair's heads at `top_heads_in_piece_at` slices over the piece's
    lowest slice (inside the piece: the disc under it read low), else 4 slices over its own lowest slice."""
    n = BARE + PAIRS
    segs = [Segment(7 * i, 7 * i + 5, lower_disc=i > 0, upper_disc=True) for i in range(n)]
    for seg in segs[BARE:]:
        seg.ribs, seg.rib_z = PAIR, [seg.lo + 4.0] * 2
    segs.append(Segment(7 * n, 7 * n + PIECE - 1, lower_disc=True, upper_disc=False))
    if top_heads_in_piece_at is not None:
        segs[TOP_PAIR].rib_z = [segs[-1].lo + top_heads_in_piece_at] * 2
    return segs


def test_a_piece_holding_the_pairs_heads_is_no_rib_free_c7():
    """The highest pair's heads 0.6 slice into the piece, 5.5 mm over the top of the disc's slice, over
    `RIB_HALF_HEIGHT_MM` (9019: 86.6 in a piece from slice 86, 5.4 mm), the scan clear of ribs to the piece's top
    only: rib-free 9.5 mm over the heads, under 15 mm. The pair is not counted: one anchor (the lowest rib), every
    level flagged, named from it."""
    segs = _column(top_heads_in_piece_at=0.6)
    assert (segs[-1].hi - segs[-1].lo + 1) * DZ == NEIGHBOUR_SEEN_MM      # find_anchors' 15 mm from the disc
    info = assign_names(segs, dz=DZ, ribs_clear_to=segs[-1].hi, scan_top=segs[-1].hi)
    assert info["t1_segment"] is None and info["doubts"]["T1"][0] == TOP_PAIR
    assert info["summary"].startswith("one anchor only")
    assert all("uncertain_level" in s.flags for s in segs)
    assert [segs[i].name for i in (BARE, TOP_PAIR)] == ["T12", "T1"]
    assert any("rib-free piece cut by the scan's top" in note for note in segs[TOP_PAIR].notes)


def test_on_main_the_piece_counted_the_pair(monkeypatch):
    """The same scene with the rule switched off: T1-T12 confirmed by the two rib anchors (9019's path on main; in
    9019 they were T2-L1)."""
    monkeypatch.setattr("jmedseg.spine.levels.piece_short_over_heads", lambda *args: None)
    segs = _column(top_heads_in_piece_at=0.6)
    info = assign_names(segs, dz=DZ, ribs_clear_to=segs[-1].hi, scan_top=segs[-1].hi)
    assert info["summary"] == "confirmed by ribs and first rib pair" and info["t1_segment"] == TOP_PAIR
    assert not segs[TOP_PAIR].flags


@pytest.mark.parametrize("heads_at, clear_past_top", [(None, 0), (0.0, 0), (0.6, 3)])
def test_heads_under_the_disc_or_the_scan_clear_past_them_keep_the_pair(heads_at, clear_past_top):
    """Heads under the piece's disc (44 of the 47 confirmed CTs of the series with the top in C7); at the piece's
    lowest slice, 2.5 mm over the top of the disc's slice, within half a rib's height (7/17, 5 mm: 0.5 mm over, the
    scan rib-free 14.5 mm over them; 163/37: 0.9 mm); or in the piece with `ribs.clear_above` reading no rib 3
    slices past the scan's top (137/25, 3 mm: heads 2.6 mm over the disc, rib-free 33.4 mm over them): the pair
    counts as before, T1-T12 confirmed."""
    segs = _column(top_heads_in_piece_at=heads_at)
    info = assign_names(segs, dz=DZ, ribs_clear_to=segs[-1].hi + clear_past_top, scan_top=segs[-1].hi)
    assert info["summary"] == "confirmed by ribs and first rib pair" and info["t1_segment"] == TOP_PAIR
    assert not any(s.flags for s in segs[BARE:TOP_PAIR + 1])


def test_rib_free_over_heads_reads_from_the_heads_only_where_they_lie_over_the_disc():
    """Slices from the heads to the piece's top or `clear_above`'s reach, where the heads lie more than the margin
    over the top of the disc's slice; None with the heads within it, a whole vertebra over the pair, or more than
    one segment over it."""
    margin = RIB_HALF_HEIGHT_MM / DZ
    segs = _column(top_heads_in_piece_at=0.6)
    top = segs[-1].hi
    assert rib_free_over_heads(segs, TOP_PAIR, top, margin) == pytest.approx(1.9)
    assert rib_free_over_heads(segs, TOP_PAIR, top + 3, margin) == pytest.approx(4.9)
    assert rib_free_over_heads(segs, TOP_PAIR, None, margin) == pytest.approx(1.9)
    assert rib_free_over_heads(_column(top_heads_in_piece_at=0.2), TOP_PAIR, top, margin) is None
    assert rib_free_over_heads(_column(top_heads_in_piece_at=0.2), TOP_PAIR, top, 0.0) == pytest.approx(2.3)
    assert rib_free_over_heads(_column(), TOP_PAIR, top, margin) is None
    whole = _column(top_heads_in_piece_at=0.6)
    whole[-1].upper_disc = True
    assert rib_free_over_heads(whole, TOP_PAIR, top, margin) is None
    assert rib_free_over_heads(segs, TOP_PAIR - 1, top, margin) is None

def test_a_first_pair_with_heads_over_the_disc_and_the_scan_clear_past_them_stays_confirmed(tmp_path):
    """Seed 137 CT 25 (chest + abdomen, 3 mm, the scan's top in C7): the only confirmed CT of the series with the top
    in C7 whose first pair's heads lie over the disc under the piece (2.6 mm), rib-free 33.4 mm over them with
    `ribs.clear_above`: confirmed by the sacrum, the lowest rib and the first pair as on main, T1-T12 unflagged within
    10 mm of their true centres (half the shortest upper thoracic pitch: a level one off cannot pass)."""
    from benchmarks.spine_labelling import design
    from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct

    case, report, score = label_benchmark_ct(tmp_path, 137, 25, *design(25))
    assert report["summary"] == "confirmed by sacrum and ribs and first rib pair"
    assert score["confirmed_wrong"] == []
    assert_thoracic_levels_unflagged_near_truth(case, report)
