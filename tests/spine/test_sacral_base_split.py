"""Abdomen + pelvis CTs where the sacrum and the ribs disagreed because the sacral base was read one vertebra off
(issue 20, 2026-12-05 late, branch `sacral`).

- L5 over the alae shown in four 5 mm slices (20 mm, under `sacrum.SPLIT_BODY_MM`): L5 and S1 read as one segment
  and the sacrum's count one low; `sacrum._l5_over_run` adds the L5/S1 disc where the narrow body over the wide run
  is at least the smallest L5 body less one slice and cannot be a piece of the whole vertebra above.
- A slice of S1 over the rudimentary S1/S2 dip reading 75 mm (wider than any lumbar body, narrower than the alae):
  S1-S2 read as L5 and S1; `sacrum._open_shell_unmeasured` reads such a slice as unmeasured.
Constructed width profiles for the rules, and the two synthetic benchmark CTs (phantom-only) end to end.
"""
import numpy as np

from jmedseg.spine.levels import Segment
from jmedseg.spine.sacrum import _l5_over_run, _open_shell_unmeasured, _wide_where_measured
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

LUMBAR_RUN = ["T12", "L1", "L2", "L3", "L4", "L5", "S1"]


def _scene(l5_slices, above_slices, dz=5.0, l5_width=47.0):
    """Widths per slice and segments (lowest first) of a sacral base: 6 wide slices (the alae, 120 mm), then
    `l5_slices` of a narrow body and a disc, then a narrow vertebra of `above_slices` between two discs."""
    widths = [120.0] * 6 + [l5_width] * l5_slices + [0.0] + [47.0] * above_slices + [0.0] + [47.0] * 6
    widths = np.array(widths)
    lowest_hi = 6 + l5_slices - 1
    above_lo = lowest_hi + 2
    above_hi = above_lo + above_slices - 1
    segments = [Segment(0, lowest_hi, False, True), Segment(above_lo, above_hi, True, True),
                Segment(above_hi + 2, len(widths) - 1, True, False)]
    return widths, segments, 5, dz


def test_l5_in_four_5mm_slices_over_the_alae_is_split_off():
    """20 mm of a lumbar-wide body over the alae under a whole L4 (30 mm): L5 (the 55 mm from the run's top to L4's
    upper disc are more than one vertebra)."""
    widths, segments, top, dz = _scene(4, 6)
    assert _l5_over_run(widths, segments, top, dz)


def test_a_piece_that_may_belong_to_the_vertebra_above_is_not_split_off():
    """The piece and a short vertebra above fit one vertebra (45 mm run top to disc): a false disc may have cut the
    vertebra above, so no L5/S1 disc is added."""
    widths, segments, top, dz = _scene(4, 4)
    assert not _l5_over_run(widths, segments, top, dz)


def test_a_piece_shorter_than_l5_less_a_slice_or_wide_is_not_l5():
    """Three 5 mm slices (15 mm) are under the smallest L5 body less a slice (17 mm); a piece reading wider than any
    lumbar body is no L5 body."""
    widths, segments, top, dz = _scene(3, 7)
    assert not _l5_over_run(widths, segments, top, dz)
    widths, segments, top, dz = _scene(4, 6, l5_width=80.0)
    assert not _l5_over_run(widths, segments, top, dz)


def test_a_slice_between_a_lumbar_body_and_the_alae_is_read_as_unmeasured():
    """S1 over the S1/S2 dip: one 75 mm slice among 117-129 mm ones no longer reads the segment as narrow; a slice
    as narrow as a lumbar body (54 mm) still does."""
    s1 = np.array([75.0, 117, 123, 126, 129, 129, 129, 129, 129, 123, 120, 0])
    assert not _wide_where_measured(s1, range(len(s1)), 2.5)
    assert _wide_where_measured(_open_shell_unmeasured(s1), range(len(s1)), 2.5)
    l5 = s1.copy()
    l5[0] = 54.0
    assert not _wide_where_measured(_open_shell_unmeasured(l5), range(len(l5)), 2.5)


def test_seed_97_ct_26_l5_split_from_s1_at_5mm(tmp_path):
    """5 mm. Before: "sacrum and ribs disagree; named from the sacrum", S1 70 mm, every name over it one low."""
    case, report, score = label_benchmark_ct(tmp_path, 97, 26, "abdomen_pelvis", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, LUMBAR_RUN)
    assert not score["confirmed_wrong"]


def test_seed_101_ct_34_s1_s2_dip_is_no_disc(tmp_path):
    """2.5 mm. Before: "sacrum and ribs disagree; named from the sacrum; a lumbosacral transitional vertebra is
    possible", a 10 mm piece of S2 named S1."""
    case, report, score = label_benchmark_ct(tmp_path, 101, 34, "abdomen_pelvis", "native")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, LUMBAR_RUN)
    assert not score["confirmed_wrong"]
