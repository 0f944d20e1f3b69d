"""A lumbar disc found off its place beside a tall segment: two vertebrae, no missed disc (issue 20, 2026-12-06
morning, branch `pelvis11`, `jmedseg.spine.displaced_disc`).

A tall lumbar segment (over `MAX_PITCH_MM`) beside one shorter than the smallest lumbar vertebra, the two together
under three of the least pitch the column's other lumbar vertebrae allow, holds two vertebrae: the disc between
them was found off its place, none was missed, and the sacrum and the ribs agreeing across it confirm the count.
Constructed segments (2 mm slices) check the bounds; the synthetic benchmark CTs seed 11 CT 42 and seed 97 CT 6
(phantom-only) end to end.
"""
from jmedseg.spine.displaced_disc import displaced_not_missed
from jmedseg.spine.levels import Segment
from jmedseg.spine.sacrum import SacrumFinding

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

DZ = 2.0


def _scene(pitches_mm, ribs_from, sacrum=True):
    """(segments, finding, disc arcs, arc) of a column from S1 up: S1 (30 mm, the column's bottom), then one
    segment per pitch in `pitches_mm` between discs, rib-bearing from index `ribs_from` (segment indices, S1 0);
    every segment over `MAX_PITCH_MM` marked as a possibly missed disc, as `levels.segments_between` does."""
    discs = [30.0]
    for p in pitches_mm:
        discs.append(discs[-1] + p)
    top = discs[-1] + 20.0
    arc = [k * DZ for k in range(int(top / DZ) + 1)]
    edges = [0] + [int(d / DZ) for d in discs] + [len(arc) - 1]
    segments = []
    for j in range(len(edges) - 1):
        seg = Segment(edges[j] + (1 if j else 0), edges[j + 1] - 1, lower_disc=j > 0, upper_disc=j < len(edges) - 2)
        seg.disc_missed = 0 < j <= len(pitches_mm) and pitches_mm[j - 1] > 45.0
        seg.ribs = ("left", "right") if j >= ribs_from else ()
        segments.append(seg)
    return segments, SacrumFinding(segment=0 if sacrum else None), discs, arc


# L5 36, L4 26, L3 54 (the L2/L3 disc found 15 mm high), L2 20, L1 38, T12 30 (ribs), T11: as seed 11 CT 42
DISPLACED = [36.0, 26.0, 54.0, 20.0, 38.0, 30.0, 24.0]


def test_a_tall_lumbar_segment_beside_a_short_one_holding_two_vertebrae_is_no_missed_disc():
    """54 + 20 mm, under three of 0.8 x 33 mm (the mean of L5, L4, L1): two vertebrae; L3's flag of a missed disc
    goes, its reason in the notes."""
    segments, finding, discs, arc = _scene(DISPLACED, 6)
    assert displaced_not_missed(segments, finding, discs, arc, DZ) == [3]
    assert not segments[3].disc_missed and "none missed" in segments[3].notes[-1]


def test_a_pair_long_enough_for_three_of_the_columns_vertebrae_keeps_the_missed_disc():
    """84 + 21 mm beside 35 mm lumbar vertebrae (three of 28 mm fit, a missed disc with a lumbar rib moving the
    rib anchor would agree), or 54 + 20 mm where the other lumbar vertebrae measure 27-30 mm: kept."""
    segments, finding, discs, arc = _scene([35.0, 35.0, 84.0, 21.0, 35.0, 30.0, 24.0], 6)
    assert displaced_not_missed(segments, finding, discs, arc, DZ) == [] and segments[3].disc_missed
    segments, finding, discs, arc = _scene([27.0, 27.0, 54.0, 20.0, 30.0, 30.0, 24.0], 6)
    assert displaced_not_missed(segments, finding, discs, arc, DZ) == [] and segments[3].disc_missed


def test_a_short_piece_that_can_be_one_vertebra_with_its_outer_neighbour_keeps_the_missed_disc():
    """20 mm beside a 26 mm L1 (46 mm: one vertebra split by a false disc may be both), or no sacrum counted:
    kept."""
    segments, finding, discs, arc = _scene([40.0, 40.0, 54.0, 20.0, 26.0, 30.0, 24.0], 6)
    assert displaced_not_missed(segments, finding, discs, arc, DZ) == [] and segments[3].disc_missed
    segments, finding, discs, arc = _scene(DISPLACED, 6, sacrum=False)
    assert displaced_not_missed(segments, finding, discs, arc, DZ) == []


def test_seed_11_ct_42_l2_l3_disc_found_high_is_confirmed(tmp_path):
    """Abdomen + pelvis, portal venous, 2 mm, noise 24 HU. Before: "sacrum and ribs agree across a possibly missed
    disc: not confirmed" (L2 18 mm, L3 52 mm between discs), every name right."""
    case, report, score = label_benchmark_ct(tmp_path, 11, 42, "abdomen_pelvis", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4"])
    assert not score["confirmed_wrong"] and not score["refused"]


def test_seed_97_ct_6_l2_l3_disc_found_low_is_confirmed(tmp_path):
    """Abdomen + pelvis, arterial, 2.5 mm, noise 6 HU. Before: "agree across a possibly missed disc" (L2 50 mm, L3
    17.5 mm between discs), every name right."""
    case, report, score = label_benchmark_ct(tmp_path, 97, 6, "abdomen_pelvis", "arterial")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4", "L5"])
    assert not score["confirmed_wrong"] and not score["refused"]
