"""The rib anchors (T12 from the lowest rib, T1 from the first pair) are counted only when the vertebra each
rib is given to is unambiguous (issue 20: 2.2 % of the benchmark's named levels were confirmed but wrong, whole
runs one level off because both rib anchors moved the same way and "agreed").

Two end-to-end cases are CTs of the 200-CT benchmark (benchmarks/spine_labelling.py, seed 2026, 12 Mvoxels)
that were confirmed-but-wrong before the fix; the others are segment lists whose answer is known by construction.
"""
import numpy as np
import pytest

from jmedseg.spine.levels import NEIGHBOUR_SEEN_MM, Segment, assign_names

PAIR = ("left", "right")


def _benchmark_case(i, fov, phase):
    """(case, report, score) of benchmark CT `i`, labelled from its canonical array (no file round trip)."""
    from jmedseg.data.io import Volume
    from jmedseg.data.synth.trunk import synth_trunk_case
    from jmedseg.data.synth.trunk.scoring import score_labelling
    from jmedseg.spine import label_vertebrae

    case = synth_trunk_case(np.random.default_rng([2026, i]), phase=phase, fov=fov, max_voxels=12_000_000)
    _, report = label_vertebrae(Volume(case.hu.astype(np.float32), case.affine, case.spacing))
    return case, report, score_labelling(case, report)


def _notes(report):
    return " ".join(e["note"] for e in report["levels"])


@pytest.mark.parametrize("case_id", [57])
def test_rib_anchors_that_miscount_the_thoracic_discs_confirm_nothing(case_id):
    """Benchmark CT 57 (chest + abdomen, portal venous, 5 mm slices, 12 rib pairs). Before the fix: "confirmed by
    ribs and first rib pair", T1..T12 said for true T2..L1, 12 levels confirmed but wrong: the first rib was not
    found (the T2 pair was taken as the first), a spurious thoracic disc left a vertebra without a rib, and the
    T12/L1 disc was missed so the lowest rib was counted on a segment reaching down into L1.
    Now: 11 rib levels against 12 vertebrae between the discs drop the first-pair anchor, the lowest rib's head
    38 mm above its segment's lower disc drops the T12 anchor; named from the sacrum alone, all flagged. Since the
    T12/L1 dip under the lowest head is kept (2026-12-04, evening), that disc is found: T12-S1 confirmed, right."""
    case, report, score = _benchmark_case(case_id, "chest_abdomen", "portal_venous")
    assert {"first_rib", "last_rib", "sacrum"} <= set(case.anchors_in_view)
    assert score["confirmed_wrong"] == [], score["confirmed_wrong"]
    notes = _notes(report)
    if report["anchors"]["t1_first_rib_pair"]:
        # since `rib_count` (2026-12-05) the first pair is found and twelve regular rib levels drop the disc that
        # cut T11: all three anchors agree, and everything they confirm is right (asserted above)
        assert report["anchors"]["agree"] and score["confirmed"] >= 12, (report["summary"], score["confirmed"])
        assert "T1" in score["identified"] and "T12" in score["identified"]
        return
    # the first-pair anchor is either doubted (11 rib levels against 12 vertebrae) or, since the column keeps C7 at
    # its top (2026-12-04 night, `column._small_bodies`), not reached at all: a 10 mm piece above C7 at the scan's
    # top edge holds no vertebra seen enough to show it bears no rib
    top = report["levels"][0]
    assert ("the first rib pair (T1) not counted" in notes and "rib levels but" in notes) or \
        ("incomplete" in top["flags"] and top["height_mm"] < NEIGHBOUR_SEEN_MM and not top["ribs"]), top
    if report["anchors"]["t12_ribs"]:
        # since the T12/L1 dip under the lowest head is kept (discs.merge_discs, `lowest_head`), that disc is
        # found and the lowest rib lies on T12: sacrum and ribs agree, and what they confirm is right (above)
        assert report["anchors"]["agree"] and score["confirmed"] > 0
    else:
        # either head-position doubt drops the T12 anchor (which one depends on where the T12/L1 disc is found):
        # a head that may belong to the next vertebra
        assert "above the disc below it" in notes or "at the disc above its vertebra" in notes
    # the names themselves still come from the sacrum: L1 and L2 identified, flagged for a reader to check
    assert {"L1", "L2"} <= set(score["identified"]), score["identified"]


def test_ct_58_once_confirmed_wrong_is_now_confirmed_right():
    """Benchmark CT 58 (abdomen + pelvis, portal venous, 5 mm slices). Before the rib-anchor checks: "confirmed by
    sacrum and ribs", T12..L5 said for true L1..S1 (5 confirmed but wrong): the T12/L1 disc was missed and the
    column's top segment, holding L1 and T12, carried the lowest rib's head. The checks then dropped that anchor
    (the head lay over 32 mm above its segment's lower disc) and a false disc split L5, so nothing was confirmed.
    Since 2026-12-04 the thick-slice column keeps L5 whole and the lowest rib goes to the vertebra holding its
    head: sacrum and ribs agree, and every level in view is named right."""
    _, report, score = _benchmark_case(58, "abdomen_pelvis", "portal_venous")
    assert score["confirmed_wrong"] == [], score["confirmed_wrong"]
    assert report["anchors"]["sacrum"] and report["anchors"]["t12_ribs"] and report["anchors"]["agree"]
    assert {"T12", "L1", "L2", "L3", "L4", "L5", "S1"} <= set(score["identified"]), score["identified"]


def _segments(n, ribs, dz=2.0):
    """n vertebrae of 9 slices with a disc slice between them (2 mm slices: 18 mm bodies, 20 mm pitch);
    `ribs` {index: (sides, head slice offset from the segment's lo)}."""
    segs = [Segment(10 * i, 10 * i + 8, lower_disc=i > 0, upper_disc=i < n - 1) for i in range(n)]
    for i, (sides, offset) in ribs.items():
        segs[i].ribs = sides
        segs[i].rib_z = [segs[i].lo + offset] * len(sides)
    return segs


def test_a_lowest_rib_head_at_the_disc_above_its_segment_is_ambiguous():
    """S1 at 0, L5..L1 rib-free, the lowest rib's head one slice above segment 5's top (in the disc between 5
    and 6): it may be a rib spanning the disc above its vertebra (segment 5 = T12) or a twelfth rib low on its
    own body (segment 6 = T12). Before the fix segment 5 was counted as T12 (against the sacrum's count)."""
    from types import SimpleNamespace

    ribs = {5: (PAIR, 9.0)} | {i: (PAIR, 5.0) for i in range(6, 14)}      # ribs up to the top: no T1
    segs = _segments(14, ribs)
    info = assign_names(segs, dz=2.0, sacrum=SimpleNamespace(segment=0, transitional=False, notes=[]))
    assert info["t12_segment"] is None and "T12" in info["doubts"]
    assert info["summary"] == "one anchor only (the sacrum)"
    assert all("uncertain_level" in s.flags for s in segs)


def test_two_rib_levels_in_one_vertebra_drop_the_first_pair_anchor():
    """12 rib levels, but one disc missed: two levels' heads in one segment (11 segments for 12 levels)."""
    ribs = {i: (PAIR, 5.0) for i in range(2, 13)}
    segs = _segments(15, ribs)
    segs[7].rib_z = [segs[7].lo + 1.0] * 2 + [segs[7].lo + 8.0] * 2      # 14 mm apart: two rib levels
    info = assign_names(segs, dz=2.0)
    assert info["t1_segment"] is None and "12 rib levels but 11 vertebrae" in info["doubts"]["T1"][1]
    assert info["summary"] == "one anchor only (the lowest rib-bearing vertebra (T12))"


def test_anchors_agreeing_across_a_missed_disc_confirm_nothing():
    """Sacrum and lowest rib agree, but a gap between them is taller than a vertebra and a disc: their agreement
    needs a second, compensating error, so no level between them is confirmed."""
    from types import SimpleNamespace

    segs = _segments(10, {i: (PAIR, 5.0) for i in range(6, 10)})
    segs[-1].upper_disc = True                       # the top segment's disc is seen (a rib-bearing T9)
    segs[3].disc_missed = True
    info = assign_names(segs, dz=2.0, sacrum=SimpleNamespace(segment=0, transitional=False, notes=[]))
    assert info["agree"] is False and "possibly missed disc" in info["summary"]
    assert all("uncertain_level" in s.flags for s in segs)


def test_a_doubtful_rib_anchor_alone_names_the_levels_for_a_reader_but_confirms_none():
    """No sacrum, the lowest rib's head in the disc above its segment, ribs up to the top (no first pair):
    the names still come from that rib (a reader checks them on the QC figure), every one flagged."""
    segs = _segments(8, {2: (PAIR, 9.0)} | {i: (PAIR, 5.0) for i in range(3, 8)})
    info = assign_names(segs, dz=2.0)
    assert info["summary"] == "no anchor counted: named from the lowest rib-bearing vertebra (T12), which is ambiguous"
    assert [s.name for s in segs[:4]] == ["L2", "L1", "T12", "T11"]
    assert all("uncertain_level" in s.flags for s in segs)
    assert "the lowest rib-bearing vertebra (T12) not counted" in segs[0].notes[0]
