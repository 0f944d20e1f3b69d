"""The sacrum in abdomen + pelvis and lumbar CTs where its width is not read in every slice (issue 20, 2026-12-05
afternoon, branch `lumbar`; `sacrum.disc_inside_sacrum` with `sacrum._wide_where_measured`, and
`sacrum._sacrum_up_to_disc`).

Abdomen + pelvis CTs of normal anatomy were refused with "sacrum and ribs disagree; named from the sacrum; a
lumbosacral transitional vertebra is possible": a body-area dip at the rudimentary S1/S2 disc left a 14-20 mm piece
of S2 as the lowest segment and S1 above it named "L5" (wide with the iliac wings beside, so also read as a
transitional L5). The rule that takes such a dip out asked every slice of S1 to read wide, and one slice inside S1
and its last slice against the L5/S1 disc held no body (width 0: nothing measured). Those slices no longer count as
narrow; the dip's own slices must still be wide, and L5 over S1 narrow.

A sacral base cut by the scan's lower edge, under a found L5/S1 disc and a whole narrow L5, was not counted when
its run of wide slices stopped short of the disc: a few slices of S1 read 72 mm (wider than any lumbar body, not
the alae's 100) or the disc's lower half read no body. Such slices no longer stop it; a slice as wide as a body
under the disc still does (L5's bottom over the alae's tops cannot be ruled out).

Constructed columns (3 mm voxels, `tests.spine.test_sacrum._column`) check the rule and its counter-cases;
synthetic benchmark CTs (phantom-only) check it end to end.
"""

import pytest

from jmedseg.spine.sacrum import CUT_BASE_MM, find_sacrum

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum import SP, _column, _segments
from tests.spine.test_sacrum_cut_base_disc import CUT_EDGES, _levels_near_truth

# a 12 mm piece at the column's bottom, a dip at slice 4, S1 5-14, then L5, L4, L3 and a cut L2 (3 mm slices)
DIP = [(0, 3), (5, 14), (16, 23), (25, 32), (34, 39)]
LUMBAR = ["L1", "L2", "L3", "L4", "L5"]


def test_a_lone_slice_without_a_body_inside_s1_does_not_keep_the_dip():
    column = _column(range(0, 15), 60.0, body_gap={9})
    finding = find_sacrum(column, _segments(DIP), SP, 0, 39)
    assert finding.widths_mm[9] == 0.0
    assert finding.inner_disc == 4 and finding.segment == 0 and not finding.transitional


def test_a_dip_without_a_body_or_two_such_slices_in_a_row_keep_the_disc():
    """The dip's own slice unmeasured (a real disc holds no body), or two slices in a row without a body at 3 mm
    (more than half the wide run's gap): the dip stays a disc, S1 read as a transitional L5 as before."""
    for gap in ({4}, {9, 10}):
        finding = find_sacrum(_column(range(0, 15), 60.0, body_gap=gap), _segments(DIP), SP, 0, 39)
        assert finding.inner_disc is None and finding.transitional


@pytest.mark.parametrize("seed, case_id, phase, slice_mm", [(61, 46, "delayed", 2.0), (67, 18, "native", 1.5)])
def test_abdomen_pelvis_no_disc_inside_the_sacrum(tmp_path, seed, case_id, phase, slice_mm):
    """Seed 61 CT 46 (delayed, 2 mm) and seed 67 CT 18 (native, 1.5 mm). Before: a 14 and a 20 mm piece of S2
    named "S1", S1 named "L5" (transitional doubt), the anchors disagreeing, L1/L2 missed."""
    case, report, score = label_benchmark_ct(tmp_path, seed, case_id, "abdomen_pelvis", phase)
    assert case.spacing[2] == slice_mm
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, LUMBAR + ["T12"])      # S1's segment holds S2's top too
    assert {"S1", "T12"} | set(LUMBAR) <= set(score["identified"]) and not score["confirmed_wrong"]

def _narrowed(column, ks, half_mm):
    """`column` with slices `ks` holding alae only +-`half_mm` wide (iliac plates kept)."""
    other = _column(ks, half_mm)
    for k in ks:
        column.filled[:, :, k] = other.filled[:, :, k]
        column.bone[:, :, k] = other.bone[:, :, k]
    return column


def test_a_cut_base_read_wider_than_a_body_short_of_the_alae_is_s1():
    """Alae in slices 0-5 under the disc at slice 5 (18 mm, under `CUT_BASE_MM`), slices 2-3 read 75 mm: S1."""
    assert 6 * SP[2] < CUT_BASE_MM
    column = _narrowed(_column(range(0, 6), 60.0), [2, 3], 36.0)
    finding = find_sacrum(column, _segments(CUT_EDGES), SP, 0, 39)
    assert 70.0 < finding.widths_mm[2] < 100.0
    assert finding.segment == 0 and finding.pelvis and not finding.notes


def test_a_cut_base_with_a_body_wide_slice_inside_is_not_counted():
    """Slices 2-3 as wide as a body (45 mm: no alae there): the 20 mm rule stands."""
    finding = find_sacrum(_column({0, 1, 4, 5}, 60.0), _segments(CUT_EDGES), SP, 0, 39)
    assert finding.segment is None and "cut by the lower edge" in finding.notes[0]


def test_a_cut_base_under_the_disc_s_lower_half_without_a_body_is_s1():
    """Alae in slices 0-2 (9 mm), no body in 3-4 under the disc at slice 5 (its lower half): S1. With a body as
    wide as a lumbar one there it is not counted (`test_sacrum_cut_base_disc`)."""
    column = _column(range(0, 3), 60.0, body_gap={3, 4})
    finding = find_sacrum(column, _segments(CUT_EDGES), SP, 0, 39)
    assert finding.segment == 0 and finding.pelvis and not finding.notes


def test_seed_67_ct_35_native_1mm_a_cut_sacrum_under_its_disc(tmp_path):
    """Lumbar, native, 1 mm, the scan's edge in S1. Before: the base not counted ("one anchor only")."""
    case, report, score = label_benchmark_ct(tmp_path, 67, 35, "lumbar", "native")
    assert case.spacing[2] == 1.0 and "sacrum" in case.anchors_in_view
    assert report["anchors"]["sacrum"] and report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, LUMBAR)
    assert not score["confirmed_wrong"]
