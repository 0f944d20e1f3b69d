"""Abdomen + pelvis CTs with the sacrum and the lowest rib in view (issue 20): the lowest rib level found in a
disc (`jmedseg.spine.head_at_disc`), the alae beside a low L5/S1 disc taken for a transitional vertebra
(`jmedseg.spine.sacrum._wide_at_processes`), and a neighbouring endplate band's shoulder taken for a disc's mark
(`jmedseg.spine.disc_check.has_disc_mark`).

Segment lists are built with `segments_between` on 3 mm slices (the slice thickness of the synthetic CTs 10 and
18 of the 200-CT series, seed 2026, that these rules come from), with the answer known by construction: S1 is
segment 0, so segment k is LEVEL_NAMES[k].
"""
import numpy as np
import pytest

from jmedseg.spine.disc_check import DISC_WINDOW_MM, has_disc_mark
from jmedseg.spine.discs import ENDPLATE_BUMP_HU, MIN_PITCH_MM, core_departure
from jmedseg.spine.head_at_disc import NEXT_LEVEL_PITCHES, lowest_level_up
from jmedseg.spine.levels import LEVEL_NAMES, assign_names, segments_between
from jmedseg.spine.ribs import mark_rib_bearing
from jmedseg.spine.sacrum import SACRUM_WIDTH_MM, WIDE_RUN_MM, SacrumFinding, find_sacrum

from tests.spine.test_sacrum import EDGES, SP, _column, _segments

DZ = 3.0                 # mm per working slice
PITCH = 9                # slices disc to disc: 27 mm, a lower thoracic / lumbar body (22-28 mm) and its disc


def _spine(n_vertebrae):
    """Segments from S1 (segment 0) up, `PITCH` slices apart, the top one whole; and the disc slices."""
    discs = [PITCH * (k + 1) for k in range(n_vertebrae - 1)]
    return segments_between(discs, 0, discs[-1] + PITCH - 1, DZ), discs


def _pairs(zs):
    return sorted((float(z), side) for z in zs for side in ("left", "right"))


def _ct10_like(next_level_up=PITCH + 3):
    """Ten vertebrae S1..T11 with ribs from T12 up; the twelfth rib level in the T12/L1 disc's slice (54), as in
    CT 10, where the head, 7 mm under T12's centre, shared its slice with the disc found there. The next rib
    level `next_level_up` slices above that disc."""
    segs, discs = _spine(10)
    t12_l1 = discs[5]
    heads = _pairs([t12_l1, t12_l1 + next_level_up, t12_l1 + next_level_up + PITCH,
                    t12_l1 + next_level_up + 2 * PITCH])
    mark_rib_bearing(segs, heads, DZ, MIN_PITCH_MM)
    return segs


def test_a_rib_level_in_the_disc_under_a_bare_vertebra_goes_up_and_both_anchors_agree():
    """Before: the level went to L1 (segment 5), T12 stayed bare although T11 bears a rib, and the T12 anchor was
    not counted ("at the disc above its vertebra"): one anchor, every level flagged. Moved up, T12 is counted
    and agrees with the sacrum: S1..T12 confirmed with the right names."""
    segs = _ct10_like()
    assert segs[5].ribs and not segs[6].ribs                   # the old assignment
    before = assign_names(_ct10_like(), DZ, SacrumFinding(segment=0))
    assert before["t12_segment"] is None and "T12" in before["doubts"]
    assert lowest_level_up(segs, DZ) is True
    assert [bool(s.ribs) for s in segs] == [False] * 6 + [True] * 4
    assert "consecutive vertebrae" in segs[6].notes[-1]
    info = assign_names(segs, DZ, SacrumFinding(segment=0))
    assert info["t12_segment"] == 6 and info["agree"] is True and info["summary"] == "confirmed by sacrum and ribs"
    assert [s.name for s in segs] == list(LEVEL_NAMES[:10])
    assert all("uncertain_level" not in s.flags for s in segs[1:7])


def test_a_rib_level_two_vertebrae_below_the_next_stays():
    """The next rib level two vertebrae above the disc: the vertebra between bears a rib the search missed, so
    the level in the disc may be its lower neighbour's; nothing is moved and the anchor stays doubted."""
    pitch_mm = (PITCH - 1 + 1) * DZ                            # segment 6 disc to disc (its slices plus a disc)
    up = int(np.ceil(NEXT_LEVEL_PITCHES * pitch_mm / DZ)) + 1  # beyond the limit, as two vertebrae up would be
    segs = _ct10_like(next_level_up=up)
    assert lowest_level_up(segs, DZ) is False
    assert segs[5].ribs and not segs[6].ribs


def test_a_rib_level_on_a_body_or_under_a_rib_bearing_vertebra_stays():
    segs, discs = _spine(10)
    on_body = _pairs([discs[5] + 4] + [discs[k] + 4 for k in (6, 7, 8)])      # every level on its own body
    mark_rib_bearing(segs, on_body, DZ, MIN_PITCH_MM)
    assert lowest_level_up(segs, DZ) is False and segs[6].ribs
    segs, discs = _spine(10)
    in_disc = _pairs([discs[5], discs[5] + 4] + [discs[k] + 4 for k in (6, 7)])   # T12 bears its own level too
    mark_rib_bearing(segs, in_disc, DZ, MIN_PITCH_MM)
    before = [s.ribs for s in segs]
    assert lowest_level_up(segs, DZ) is False and [s.ribs for s in segs] == before


def test_a_rib_level_in_the_disc_under_the_columns_open_top_stays():
    """The vertebra above the disc is the column's top end (no disc above it): its own rib may lie above the
    scan, so no rib-free gap is shown and nothing is moved."""
    discs = [PITCH * (k + 1) for k in range(6)]
    segs = segments_between(discs, 0, discs[-1] + 5, DZ)         # segment 6: a 15 mm top end
    mark_rib_bearing(segs, _pairs([discs[5]]), DZ, MIN_PITCH_MM)
    assert lowest_level_up(segs, DZ) is False


def test_alae_widening_only_the_lower_half_of_l5_are_no_transitional_vertebra():
    """CT 18: the L5/S1 disc found 8 mm low, so L5's segment begins in the sacrum's top and its lowest slices
    are as wide as the base; the vertebra's upper half (where transverse processes arise) is a body's width.
    The count from the sacrum stands. L5 (slices 10-17) wide in 10-13, 12 mm, over `WIDE_RUN_MM`."""
    assert 4 * SP[2] >= WIDE_RUN_MM
    finding = find_sacrum(_column(range(0, 14), 60.0), _segments(EDGES), SP, 0, 39)
    assert finding.segment == 0 and not finding.transitional
    assert finding.widths_mm[12] >= SACRUM_WIDTH_MM and finding.widths_mm[15] == pytest.approx(45.0)


def test_wings_in_the_upper_half_of_l5_are_a_transitional_vertebra():
    """Winged transverse processes at L5's middle and above (slices 14-17, 12 mm) against the sacral base: the
    count from the sacrum is not confirmed, whatever the lower half shows."""
    finding = find_sacrum(_column(list(range(0, 8)) + list(range(14, 18)), 60.0), _segments(EDGES), SP, 0, 39)
    assert finding.segment == 0 and finding.transitional and "transitional" in finding.notes[-1]


def test_a_neighbouring_bands_shoulder_is_no_disc_mark():
    """A 20 mm body between two discs with bright endplates: 9.5 mm from its middle the smoothed bands of the two
    discs rise past `ENDPLATE_BUMP_HU` inside the `DISC_WINDOW_MM` window, but their peaks lie outside it. The
    middle is unmarked (CT 114: a dip where L4's body was lost in three slices was kept by such a shoulder and
    split L4). A real disc, its dip or its band centred near the position, stays marked: also when placed 3 mm
    off, and when the bone is as dark as the disc (only its endplates mark it)."""
    s = np.arange(0.0, 200.0, 1.0)
    low, high = 60.0, 90.0                                   # 10 mm discs, 20 mm of body between
    core = np.full(len(s), 160.0)
    for d in (low, high):
        core[np.abs(s - d) <= 5.0] = 85.0
        core[np.abs(np.abs(s - d) - 5.5) <= 0.5] = 600.0
    departure = core_departure(core)
    middle = 0.5 * (low + high)
    assert np.abs(departure[np.abs(s - middle) <= DISC_WINDOW_MM]).max() >= ENDPLATE_BUMP_HU     # the shoulders
    assert not has_disc_mark(middle, s, departure)
    assert has_disc_mark(low, s, departure) and has_disc_mark(low + 3.0, s, departure)
    dark = core.copy()
    dark[dark == 160.0] = 85.0                               # osteopenic: bone as dark as the disc
    assert has_disc_mark(low + 3.0, s, core_departure(dark))
