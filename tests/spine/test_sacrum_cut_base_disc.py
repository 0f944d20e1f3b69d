"""The sacrum anchor at the scan's lower edge and under a rib-bearing vertebra (issue 20, round of 2026-12-05).

- A sacral base cut by the scan's lower edge counts when the L5/S1 disc is found at the top of its wide run under
  a whole, narrow lumbar vertebra (`sacrum._disc_over_cut_base`); without that disc, or under a piece of a
  vertebra, the 20 mm rule stands (the alae's tops beside L5 cannot be told from S1).
- A wide lowest bone with a rib-bearing vertebra within three above it is not the sacrum (`sacrum._ribs_on_lumbar`):
  S1 has four or more lumbar vertebrae above it.

Constructed columns (3 mm voxels, `tests.spine.test_sacrum._column`) check the rules; synthetic benchmark CTs of
seed 31 (phantom-only) check them end to end.
"""
import numpy as np

from jmedseg.spine.sacrum import (CUT_BASE_MM, LUMBAR_PITCH_MM, RIB_FREE_ABOVE_S1, SacrumFinding,
                                  check_count_above_sacrum, find_sacrum)

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum import SP, _column, _segments

CUT_EDGES = [(0, 4), (6, 17), (19, 26), (28, 35), (37, 39)]   # S1 cut (disc at slice 5), L5 39 mm, L4, L3, a cut L2


def test_a_cut_base_with_the_l5_s1_disc_at_its_top_is_s1():
    """Alae in slices 0-5 (18 mm wide, under the 20 mm of a cut base) and the disc found at slice 5, under an L5
    of 39 mm disc to disc: S1 is the segment under the disc."""
    assert 6 * SP[2] < CUT_BASE_MM
    finding = find_sacrum(_column(range(0, 6), 60.0), _segments(CUT_EDGES), SP, 0, 39)
    assert finding.segment == 0 and finding.split_at is None and finding.pelvis and not finding.notes


def test_a_cut_base_under_a_piece_of_a_vertebra_is_not_counted():
    """The disc at the run's top leaves a piece 21 mm disc to disc above it (under the smallest lumbar vertebra's
    24 mm): a false disc in L5's body can make it, so the 20 mm rule stands."""
    edges = [(0, 4), (6, 10), (12, 17), (19, 26), (28, 35), (37, 39)]
    assert (10 - 6 + 2) * SP[2] < LUMBAR_PITCH_MM
    finding = find_sacrum(_column(range(0, 6), 60.0), _segments(edges), SP, 0, 39)
    assert finding.segment is None and finding.pelvis and "cut by the lower edge" in finding.notes[0]


def test_a_cut_base_whose_wide_run_stops_below_the_disc_is_not_counted():
    """Alae in slices 0-2 only (9 mm), the disc at slice 5: the run does not reach the disc, nothing tells
    the bone under it from L5's bottom."""
    finding = find_sacrum(_column(range(0, 3), 60.0), _segments(CUT_EDGES), SP, 0, 39)
    assert finding.segment is None and "cut by the lower edge" in finding.notes[0]


def _with_ribs(at):
    """S1 and eight vertebrae above it (3 mm slices, 27-30 mm pitch), ribs on both sides from segment `at` up."""
    edges = [(0, 8)] + [(10 * j, 10 * j + 8) for j in range(1, 9)]
    segments = _segments(edges)
    segments[-1].upper_disc = True
    for seg in segments[at:]:
        seg.ribs = ("left", "right")
    return segments


def test_a_rib_three_vertebrae_above_the_wide_bone_drops_it_as_the_sacrum():
    segments = _with_ribs(RIB_FREE_ABOVE_S1)
    finding = SacrumFinding(segment=0)
    assert check_count_above_sacrum(finding, segments, [], np.arange(100) * 3.0, 3.0) and finding.segment is None
    assert "3 above the wide lowest one bears ribs" in segments[0].notes[-1]


def test_a_rib_four_vertebrae_above_the_sacrum_keeps_it():
    """A four-lumbar column with a thirteenth rib pair on its top lumbar vertebra: ribs at S1 + 4."""
    segments = _with_ribs(RIB_FREE_ABOVE_S1 + 1)
    finding = SacrumFinding(segment=0)
    assert not check_count_above_sacrum(finding, segments, [], np.arange(100) * 3.0, 3.0) and finding.segment == 0
    assert not any(seg.notes for seg in segments)


def _levels_near_truth(case, report, names, tolerance_mm=10.0):
    levels = {e["name"]: e for e in report["levels"]}
    return [n for n in names if n not in levels
            or abs(levels[n]["centroid_mm"][2] - case.levels[n]["centroid_mm"][2]) > tolerance_mm]


def test_seed_31_ct_47_delayed_lumbar_cut_10_mm_into_s1_is_confirmed_by_the_sacrum(tmp_path):
    """Lumbar crop, delayed phase, 2 mm slices, the scan from 10.5 mm below the S1 endplate: 18 mm of wide bone
    under the L5/S1 disc. Before: the base counted as cut ("one anchor only", all named uncertain)."""
    case, report, score = label_benchmark_ct(tmp_path, 31, 47, "lumbar", "delayed")
    assert "sacrum" in case.anchors_in_view and case.spacing[2] == 2.0
    assert report["anchors"]["sacrum"] and report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["L1", "L2", "L3", "L4", "L5"])
    assert not score["confirmed_wrong"]


def test_seed_31_ct_88_chest_lowest_ribs_are_not_a_sacrum(tmp_path):
    """Chest CT, portal venous, 2.5 mm, the scan's bottom at T12: the twelfth ribs' necks made a wide base with
    "wings". Before: T12 named S1 and every level named from it, seven levels low. Now no sacrum is claimed and the
    names come from the first rib pair (still flagged: the ribs above the false base's floor were missed)."""
    case, report, score = label_benchmark_ct(tmp_path, 31, 88, "chest", "portal_venous")
    assert "sacrum" not in case.anchors_in_view
    assert not report["anchors"]["sacrum"] and not [e for e in report["levels"] if e["name"] == "S1"]
    assert not _levels_near_truth(case, report, [f"T{n}" for n in range(1, 13)])
    assert not score["confirmed_wrong"]
