"""Lumbar discs at 5 mm slices read from the body's core (issue 20, 2026-12-05 midnight, branch `lumbar9`;
`jmedseg.spine.lumbar_troughs`).

At working slices over half the thinnest lumbar disc (8 mm) a slice straddles a disc and one of its endplates, so
the core's profile keeps the disc's trough and one plate's band, not always both: a dip with no such trough near lies
inside a body and moves to the nearest free deep trough, as at thin slices. A gap taller than a lumbar body and its
disc (50 mm) above a lumbar dip gets the disc whose full signature (both plates, a deep trough) the core shows in it.
Synthetic benchmark CTs (phantom-only), abdomen + pelvis at 5 mm.
"""
import numpy as np

from jmedseg.spine.discs import core_departure
from jmedseg.spine.lumbar_troughs import at_disc_troughs, disc_troughs, in_tall_gaps
from tests.spine.benchmark_ct import label_benchmark_ct

LUMBAR_RUN = ["T12", "L1", "L2", "L3", "L4", "L5"]


def _core(discs_mm, length_mm=230.0, both=()):
    """A core profile at 1 mm: cancellous 200 HU, each disc 10 mm at 80 HU with a 2 mm plate at 500 HU under it
    (and over it too for the discs of `both`)."""
    s = np.arange(0.0, length_mm, 1.0)
    core = np.full(len(s), 200.0)
    for d in discs_mm:
        core[np.abs(s - d) <= 5] = 80.0
        core[(s - d < -5) & (s - d >= -7)] = 500.0
        if d in both:
            core[(s - d > 5) & (s - d <= 7)] = 500.0
    return s, core


def test_one_plate_is_a_signature_at_thick_slices_only():
    """Discs with the band on one side: troughs at 5 mm, none at 2 mm (there both plates are resolved)."""
    s, core = _core([30.0, 70.0, 110.0])
    departure = core_departure(core)
    assert [round(t) for t in disc_troughs(s, departure, 1)] == [30, 70, 110]
    assert disc_troughs(s, departure) == []


def test_a_dip_inside_a_body_at_5_mm_goes_to_the_one_plate_trough_and_not_at_2_mm():
    """A dip 15 mm over a disc no dip marks, four dips at their (one-plate) discs: moved at 5 mm only."""
    s, core = _core([30.0, 70.0, 110.0, 150.0, 190.0])
    dips = [30.0, 70.0, 125.0, 150.0, 190.0]
    assert at_disc_troughs(dips, dips, s, core, 5.0) == [30.0, 70.0, 110.0, 150.0, 190.0]
    assert at_disc_troughs(dips, dips, s, core, 2.0) == dips


def test_a_tall_gap_gets_the_disc_with_both_plates_in_it():
    """70 mm between two lumbar dips with a full signature 35 mm up: a disc there; a gap over no lumbar dip or a
    one-plate trough gets none."""
    s, core = _core([30.0, 70.0, 105.0, 140.0, 190.0], both=(105.0,))
    departure = core_departure(core)
    assert in_tall_gaps([30.0, 70.0, 140.0], [30.0, 70.0, 140.0], s, departure) == [30.0, 70.0, 105.0, 140.0]
    assert in_tall_gaps([30.0, 70.0, 140.0], [30.0, 140.0], s, departure) == [30.0, 70.0, 140.0]
    s, core = _core([30.0, 70.0, 105.0, 140.0, 190.0])
    assert in_tall_gaps([30.0, 70.0, 140.0], [30.0, 70.0, 140.0], s, core_departure(core)) == [30.0, 70.0, 140.0]


def test_the_tall_gap_fill_waits_for_a_core_that_reads_the_dips():
    """At 5 mm, a tall gap over dips the core does not mark (more off a trough than at one): no disc added."""
    s, core = _core([105.0], both=(105.0,))
    dips = [30.0, 50.0, 70.0, 140.0]
    assert at_disc_troughs(dips, dips, s, core, 5.0) == dips


def test_seed_103_ct_90_l2_l3_dip_in_l2_moved_to_its_disc(tmp_path):
    """Portal venous, 5 mm. Before: the L2/L3 dip 15 mm up in L2 (core flat there), the disc an 80 HU trough with one
    plate's band (L2 20 mm, L3 50 mm): "sacrum and ribs agree across a possibly missed disc: not confirmed"."""
    case, report, score = label_benchmark_ct(tmp_path, 103, 90, "abdomen_pelvis", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert set(LUMBAR_RUN) <= set(score["identified"])
    assert not score["confirmed_wrong"]


def test_seed_61_ct_54_dips_in_l1_and_l2_become_the_l1_l2_disc(tmp_path):
    """Arterial, 5 mm. Before: dips in the middle of L2 and of L1, the L1/L2 disc between them missed; the count
    from the sacrum one too high: "sacrum and ribs disagree; named from the sacrum"."""
    case, report, score = label_benchmark_ct(tmp_path, 61, 54, "abdomen_pelvis", "arterial")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert set(LUMBAR_RUN) <= set(score["identified"])
    assert not score["confirmed_wrong"]


def test_seed_79_ct_74_the_missed_l1_l2_disc_added_in_the_62_mm_gap(tmp_path):
    """Portal venous, 5 mm. Before: no body-area dip at the L1/L2 disc (a 120 HU trough with both plates in the
    core), L1 and L2 one 62 mm segment: "sacrum and ribs disagree by the one vertebra a possibly missed disc hides"."""
    case, report, score = label_benchmark_ct(tmp_path, 79, 74, "abdomen_pelvis", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert set(LUMBAR_RUN) <= set(score["identified"])
    assert not score["confirmed_wrong"]
