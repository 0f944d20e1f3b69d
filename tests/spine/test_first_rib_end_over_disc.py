"""The first rib pair under a column end over its upper disc too short for a segment (issue 20, 2026-12-05 morning,
branch `firstpair`): `levels.find_anchors` counts T1 where the column goes on over the disc above the highest pair's
vertebra (the column's top segment) and the scan shows no rib over that disc for `NEIGHBOUR_SEEN_MM`
(`ribs.ribs_clear_above`). Segment lists are known by construction (3 mm slices); the end-to-end case is CT 73 of
the synthetic labelling benchmark's seed 53 (chest + abdomen, portal venous, 3 mm), refused "one anchor only" on
main c423826 with every level right.
"""
import numpy as np

from jmedseg.spine.levels import FIRST_HEAD_OVER_DISC_MM, NEIGHBOUR_SEEN_MM, THICK_SLICE_MM, Segment, find_anchors
from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct

DZ = 3.0
PAIR = ("left", "right")
PITCH = 7                   # slices a vertebra and its disc take (21 mm)


def _chest(top_upper_disc=True):
    """L1 (no rib) and T12..T1 (one rib level each, both sides, the head on the body's upper half), inferior to
    superior; T1, the column's top segment, ends at a disc (`top_upper_disc`) or at the column's end."""
    segs = []
    for k in range(13):
        lo = k * PITCH
        seg = Segment(lo, lo + PITCH - 2, lower_disc=k > 0, upper_disc=k < 12 or top_upper_disc)
        if k:
            seg.ribs, seg.rib_z = PAIR, [lo + PITCH - 3.0] * 2
        segs.append(seg)
    return segs


def _clear_slices(mm):
    """`ribs_clear_to` that leaves `mm` over T1's upper disc in view without a rib."""
    return lambda segs: segs[-1].hi + 1 + int(np.ceil(mm / DZ))


def test_a_clear_stretch_over_the_top_pairs_upper_disc_counts_the_first_pair():
    """The column's end over T1's disc is no segment (under `MIN_SEGMENT_MM`), and the scan shows no rib there for
    the 15 mm a neighbour needs: T1 counted, and with the lowest rib it confirms T1-T12."""
    segs = _chest()
    anchors, doubts = find_anchors(segs, DZ, ribs_clear_to=_clear_slices(NEIGHBOUR_SEEN_MM)(segs))
    assert anchors == {"T12": 1, "T1": 12} and doubts == {}


def test_no_upper_disc_or_a_short_clear_stretch_counts_nothing():
    """Without the disc above the pair's vertebra, the column's end may be the top of its own body; a clear stretch
    a slice short of `NEIGHBOUR_SEEN_MM` (the scan's top, or a rib over the end) shows too little of the vertebra
    above; no `ribs_clear_to` (not searched): nothing is counted in either case."""
    segs = _chest(top_upper_disc=False)
    assert "T1" not in find_anchors(segs, DZ, ribs_clear_to=segs[-1].hi + 20)[0]
    segs = _chest()
    assert "T1" not in find_anchors(segs, DZ, ribs_clear_to=_clear_slices(NEIGHBOUR_SEEN_MM - DZ)(segs))[0]
    assert "T1" not in find_anchors(segs, DZ)[0]


def test_thick_slices_or_a_pair_just_over_its_lower_disc_count_nothing():
    """At `THICK_SLICE_MM` the end over the disc is one slab averaging the disc with the endplate over it (the same
    segments, 5 mm slices); a pair whose heads lie within `FIRST_HEAD_OVER_DISC_MM` over the top vertebra's lower disc
    is where rib 2's head lies (at the T1/T2 disc), not the first rib's (on T1's upper half)."""
    segs = _chest()
    thick = THICK_SLICE_MM + 1.0
    assert "T1" not in find_anchors(segs, thick, ribs_clear_to=segs[-1].hi + 1 + int(np.ceil(2 * NEIGHBOUR_SEEN_MM
                                                                                             / thick)))[0]
    top = segs[-1]
    low = top.lo - 0.5 + FIRST_HEAD_OVER_DISC_MM / DZ          # exactly `FIRST_HEAD_OVER_DISC_MM` over the disc
    top.rib_z = [low, low]
    assert "T1" not in find_anchors(segs, DZ, ribs_clear_to=_clear_slices(2 * NEIGHBOUR_SEEN_MM)(segs))[0]
    top.rib_z = [low + 0.5, low + 0.5]                         # 1.5 mm higher: on T1's upper half
    assert "T1" in find_anchors(segs, DZ, ribs_clear_to=_clear_slices(2 * NEIGHBOUR_SEEN_MM)(segs))[0]


def test_a_rib_head_in_the_end_over_the_disc_is_a_second_level_on_the_top_vertebra():
    """A head in the followed end over T1's disc goes to T1 (`ribs.mark_rib_bearing`'s half pitch): two rib levels on
    one vertebra, so the pair found may be T2's and the anchor is doubted, whatever the clear stretch above."""
    segs = _chest()
    top = segs[-1]
    top.rib_z = top.rib_z + [top.hi + 3.0] * 2
    anchors, doubts = find_anchors(segs, DZ, ribs_clear_to=_clear_slices(2 * NEIGHBOUR_SEEN_MM)(segs))
    assert "T1" not in anchors and "rib levels but" in doubts["T1"][1]


def test_benchmark_ct_73_of_seed_53_counts_its_first_pair(tmp_path):
    """Seed 53 CT 73 (3 mm): the C7/T1 disc found, 6 mm of C7 followed over it, the scan's top 8 mm over the disc,
    C7's processes and no rib in the band (`ribs._edge_vertebra_rib_free`). Before: "one anchor only (the lowest
    rib-bearing vertebra (T12))"; now ribs and first pair confirm T1-T12, each within 10 mm of its true centre."""
    case, report, score = label_benchmark_ct(tmp_path, 53, 73, "chest_abdomen", "portal_venous")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [], score["confirmed_wrong"]
    assert_thoracic_levels_unflagged_near_truth(case, report)
