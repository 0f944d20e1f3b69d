"""The last rib (T12) over a short column end (issue 20, branch `lastrib`).

`find_anchors` counts the lowest rib-bearing vertebra as T12 only with the rib-free vertebra under it seen for
`NEIGHBOUR_SEEN_MM`; `levels._count_last_rib_over_short_end` counts it too where that vertebra is the column's short
bottom but the column reaches the place of the next rib's head, a pitch of the two lowest rib levels and
`RIB_HALF_HEIGHT_MM` under the lowest (`levels.next_head_place_seen`). Constructed scenes: 3 mm slices, 7-slice
segments with a disc slice between them (a 24 mm pitch), twelve rib-bearing vertebrae with their heads 5 slices over
each segment's lowest slice, a short rib-free piece at the bottom.
"""
from jmedseg.spine.levels import (LOW_RIB_PITCH_MM, NEIGHBOUR_SEEN_MM, RIB_HALF_HEIGHT_MM, Segment, assign_names,
                                  next_head_place_seen)
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_levels_disagreement import PAIR

DZ = 3.0
RIBS = 12


def _column(bottom_slices, head=5.0, one_sided_low=False):
    """Segments inferior to superior: a rib-free bottom of `bottom_slices` slices under its disc, then twelve
    rib-bearing 7-slice segments (heads `head` slices over each one's lowest slice), and a rib-free top (C7) whole."""
    segs = [Segment(0, bottom_slices - 1, lower_disc=False, upper_disc=True)]
    lo = bottom_slices + 1
    for i in range(RIBS + 1):
        segs.append(Segment(lo, lo + 6, lower_disc=True, upper_disc=i < RIBS))
        if i < RIBS:
            segs[-1].ribs = ("right",) if one_sided_low and i == 0 else PAIR
            segs[-1].rib_z = [lo + head] * len(segs[-1].ribs)
        lo += 8
    return segs


def test_the_next_head_place_in_view_counts_the_last_rib():
    """A 12 mm rib-free piece under T12 (under `NEIGHBOUR_SEEN_MM`), the column 30 mm under the twelfth pair: the
    next head's place (24 mm pitch + 4 mm) is in view and bears none: T12 counts, and with the first pair (C7 whole
    over it) T1-T12 are confirmed."""
    segs = _column(4)
    assert (segs[0].hi - segs[0].lo + 1) * DZ < NEIGHBOUR_SEEN_MM
    assert next_head_place_seen(segs, DZ)
    info = assign_names(segs, dz=DZ)
    assert info["t12_segment"] == 1 and info["t1_segment"] == RIBS
    assert info["summary"] == "confirmed by ribs and first rib pair"
    assert [s.name for s in segs[1:RIBS + 1]] == [f"T{k}" for k in range(12, 0, -1)]


def test_a_one_sided_twelfth_rib_counts_the_same():
    """The twelfth rib on one side only (it may be faint or missing on the other): the same count."""
    segs = _column(4, one_sided_low=True)
    assert assign_names(segs, dz=DZ)["summary"] == "confirmed by ribs and first rib pair"


def test_the_column_ending_short_of_the_next_head_place_counts_nothing():
    """The heads lower on their bodies (1 slice over the disc): the column reaches 18 mm under the twelfth pair, short
    of the next head's place (24 + 4 mm): no T12 anchor, one anchor only, every level flagged."""
    segs = _column(4, head=1.0)
    assert (segs[1].rib_z[0] - segs[0].lo) * DZ < LOW_RIB_PITCH_MM + RIB_HALF_HEIGHT_MM
    assert not next_head_place_seen(segs, DZ)
    info = assign_names(segs, dz=DZ)
    assert info["t12_segment"] is None
    assert info["summary"] == "one anchor only (the first rib pair (T1))"
    assert all("uncertain_level" in s.flags for s in segs)


def test_no_disc_under_the_lowest_rib_counts_nothing():
    """The rib-free bottom piece joined to the lowest rib-bearing segment (no disc between them): the vertebra under
    the lowest rib is not one of its own; nothing is counted."""
    segs = _column(4)
    segs[0].upper_disc = False
    assert not next_head_place_seen(segs, DZ)


def test_a_whole_neighbour_is_counted_as_before():
    """A whole rib-free vertebra under T12 (`find_anchors`'s own rule): counted whatever the column below."""
    segs = _column(7, head=1.0)
    assert assign_names(segs, dz=DZ)["summary"] == "confirmed by ribs and first rib pair"


def test_seed_53_ct_76_last_rib_over_a_short_l1_piece(tmp_path):
    """Seed 53 CT 76 (chest, delayed, 3 mm): twelve rib levels, a false disc in L1's middle, a 12 mm piece of L1 at
    the column's bottom, 43 mm of column under the twelfth pair (pitch 31 mm). Before: one anchor only (the first
    rib pair), refused. Now T1-T12 confirmed by both rib anchors."""
    _, report, score = label_benchmark_ct(tmp_path, 53, 76, "chest", "delayed")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert report["anchors"]["t12_ribs"] and report["anchors"]["t1_first_rib_pair"]
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert {f"T{k}" for k in range(1, 13)} <= set(score["identified"])


def test_seed_71_ct_52_l1_cut_short_of_the_next_head_place_stays_refused(tmp_path):
    """Seed 71 CT 52 (chest, arterial, 2 mm): the twelfth pair's heads 6 mm over the T12/L1 disc, 14 mm of L1 under
    it, the column 22 mm under the pair against a 28 mm pitch: a rib on L1 could lie under the column's end. Stays
    one anchor only, refused (a refusal is acceptable here)."""
    _, report, score = label_benchmark_ct(tmp_path, 71, 52, "chest", "arterial")
    assert report["summary"] == "one anchor only (the first rib pair (T1))", report["summary"]
    assert score["confirmed_wrong"] == []
