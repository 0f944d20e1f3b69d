"""A lumbar segment shorter than the smallest lumbar vertebra, and thoracolumbar discs missed at 5 mm with noise
(issue 20, 2026-12-06 early, branch `lumbar10`; `jmedseg.spine.lumbar_short`).

A segment under 24 mm disc to disc between two lumbar dips has one disc placed off: it moves to the deepest disc
signature of the core (a trough between two endplate bands, its depth read at one sample's smoothing) that makes it
and its neighbour lumbar vertebrae. At 5 mm with noise the bands are lost: where every lumbar dip sits on a trough,
a gap over the tallest lumbar pitch above the highest dip gets the troughs a lumbar pitch up (two at most).
"""
import numpy as np

from jmedseg.spine.lumbar_short import disc_depths, lengthen_short, over_highest_dip
from jmedseg.spine.lumbar_troughs import at_disc_troughs
from tests.spine.benchmark_ct import label_benchmark_ct

LUMBAR_RUN = ["T12", "L1", "L2", "L3", "L4", "L5"]


def _core(discs_mm, length_mm=240.0, plates=True, veins=()):
    """A core profile at 1 mm: cancellous 200 HU, each disc 6 mm at 100 HU between two 2 mm plates at 400 HU (none
    where `plates` is False), a basivertebral vein (4 mm at 120 HU, no plates) at each of `veins`."""
    s = np.arange(0.0, length_mm, 1.0)
    core = np.full(len(s), 200.0)
    for d in discs_mm:
        core[np.abs(s - d) <= 3] = 100.0
        if plates:
            core[(np.abs(s - d) > 3) & (np.abs(s - d) <= 5)] = 400.0
    for v in veins:
        core[np.abs(s - v) <= 2] = 120.0
    return s, core


def test_a_thin_disc_between_its_plates_is_a_signature_a_vein_is_not():
    """Both plates round the trough: a signature at its middle; a vein's trough with no plate beside it is one only
    where the plates are not asked for (`sides` 0)."""
    s, core = _core([60.0, 100.0], veins=(160.0,))
    assert [round(t) for t in disc_depths(s, core)] == [60, 100]
    assert [round(t) for t in disc_depths(s, core, 0)] == [60, 100, 160]


def test_a_short_lumbar_segment_gets_its_off_disc_moved_to_the_core_s_disc():
    """Discs at 30, 65, 100, 135, 170 mm; the highest dip 9 mm low (161): 26 mm over the one under it is no short
    segment, 14 mm low (156) is one (21 mm): moved to 170."""
    s, core = _core([30.0, 65.0, 100.0, 135.0, 170.0])
    assert lengthen_short([30.0, 65.0, 100.0, 135.0, 161.0], [30.0, 65.0, 100.0, 135.0, 161.0], s, core) == \
        [30.0, 65.0, 100.0, 135.0, 161.0]
    dips = [30.0, 65.0, 100.0, 135.0, 156.0]
    assert lengthen_short(dips, dips, s, core) == [30.0, 65.0, 100.0, 135.0, 170.0]
    assert at_disc_troughs(dips + [200.0], dips, s, core, 2.0) == [30.0, 65.0, 100.0, 135.0, 170.0, 200.0]


def test_a_short_segment_stays_without_a_disc_that_fits_or_a_core_that_reads_the_dips():
    """No signature over the short segment (the core flat there), or the dips mostly off the core's discs: unchanged
    (the sacrum's count check then drops the count, as before)."""
    s, core = _core([30.0, 65.0, 100.0, 135.0])
    dips = [30.0, 65.0, 100.0, 135.0, 156.0]
    assert lengthen_short(dips, dips, s, core) == dips
    s, core = _core([50.0, 170.0])
    assert lengthen_short(dips, dips, s, core) == dips


def test_thoracolumbar_discs_missed_at_5_mm_come_from_troughs_alone():
    """No plates anywhere: four lumbar dips on their troughs, the column 120 mm over the highest: the two troughs a
    lumbar pitch up are added (not the third); at 2 mm nothing (the plates are resolved there)."""
    discs = [30.0, 65.0, 100.0, 135.0]
    s, core = _core(discs + [170.0, 205.0, 235.0], length_mm=255.0, plates=False)
    assert over_highest_dip(discs, discs, s, core) == discs + [170.0, 205.0]
    assert at_disc_troughs(discs, discs, s, core, 5.0) == discs + [170.0, 205.0]
    assert at_disc_troughs(discs, discs, s, core, 2.0) == discs


def test_no_trough_added_where_a_lumbar_dip_is_off_the_core_s_troughs():
    """One dip (65) with no trough under it: the troughs do not read this CT's discs; nothing added."""
    discs = [30.0, 65.0, 100.0, 135.0]
    s, core = _core([30.0, 100.0, 135.0, 170.0, 205.0], length_mm=255.0, plates=False)
    assert over_highest_dip(discs, discs, s, core) == discs


def test_seed_61_ct_43_the_t12_l1_dip_in_l1_moved_to_its_disc(tmp_path):
    """Lumbar crop, portal venous, 1 mm. Before: the T12/L1 dip 16 mm low in L1 (L1 20 mm disc to disc), the sacrum
    dropped by its count check: "one anchor only (the lowest rib-bearing vertebra (T12))"."""
    case, report, score = label_benchmark_ct(tmp_path, 61, 43, "lumbar", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert {"L1", "L2", "L3", "L4", "L5"} <= set(score["identified"])
    assert not score["confirmed_wrong"]


def test_seed_103_ct_70_two_thoracolumbar_discs_missed_under_noise(tmp_path):
    """Abdomen + pelvis, arterial, 5 mm, noise 28 HU. Before: T11, T12 and L1 one 135 mm segment, "one anchor only
    (the sacrum)"."""
    case, report, score = label_benchmark_ct(tmp_path, 103, 70, "abdomen_pelvis", "arterial")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert set(LUMBAR_RUN) <= set(score["identified"])
    assert not score["confirmed_wrong"]
