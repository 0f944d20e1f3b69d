"""The first rib pair under a rib-free piece cut short by the scan's top, where the sacrum counts the pair lower: not
counted (issue 20, branch `anchor13`, `jmedseg.spine.pair_under_cut_t1`).

Constructed scenes: 3 mm slices, 6-slice segments with a disc slice between them; S1 at the bottom, `bare` rib-free
lumbar segments over it, twelve segments with a rib pair (heads 4 slices over each segment's lowest slice, 13.5 mm),
and over the highest pair a rib-free piece cut by the scan's top (no disc over it), the scan clear of ribs to its
top slice. Four bare lumbar segments are a 13-rib subject cut at T1's centre (ribs on L1-T2, T1's lower part the
piece): the sacrum counts the pair as T2, both rib anchors count it as T1. The end-to-end case, the 13-rib phantom
subject the rule was made for, is `tests/spine/test_t1_centre_crops.py` (rng [9020], 3 mm).
"""
from types import SimpleNamespace

import pytest

from jmedseg.spine.levels import NEIGHBOUR_SEEN_MM, RIB_HALF_HEIGHT_MM, Segment, assign_names
from jmedseg.spine.pair_under_cut_t1 import T1_HEAD_OVER_DISC_MM, seen_over_pair_mm
from tests.spine.test_levels_disagreement import PAIR

DZ = 3.0
SHOWN_MM = T1_HEAD_OVER_DISC_MM + RIB_HALF_HEIGHT_MM      # 19 mm: T1's own head would show


def _column(bare, piece_slices, piece_whole=False):
    """Segments inferior to superior: S1, `bare` rib-free, twelve with a pair, and a rib-free piece of
    `piece_slices` slices over the pair (none where 0), cut by the scan's top unless `piece_whole`."""
    n = 1 + bare + 12
    segs = [Segment(7 * i, 7 * i + 5, lower_disc=i > 0, upper_disc=i < n - 1 or piece_slices > 0) for i in range(n)]
    for seg in segs[1 + bare:]:
        seg.ribs, seg.rib_z = PAIR, [seg.lo + 4.0] * 2
    if piece_slices:
        segs.append(Segment(7 * n, 7 * n + piece_slices - 1, lower_disc=True, upper_disc=piece_whole))
    return segs


def _label(segs, ribs_clear_to=None):
    sacrum = SimpleNamespace(segment=0, transitional=False, notes=[])
    top = segs[-1].hi if ribs_clear_to is None else ribs_clear_to
    return assign_names(segs, dz=DZ, sacrum=sacrum, ribs_clear_to=top)


def test_thirteen_ribs_with_t1_cut_at_its_centre_confirm_nothing():
    """Four bare lumbar segments (a rib on L1), a 15 mm piece over T2's pair (T1 cut at its centre, seen exactly
    `NEIGHBOUR_SEEN_MM`, so `find_anchors` counts the pair): the pair is not counted; sacrum and the lowest rib
    disagree, every level flagged, each named right from the sacrum (the pair T2, the lowest rib L1)."""
    segs = _column(bare=4, piece_slices=5)
    assert (segs[-1].hi - segs[-1].lo + 1) * DZ == NEIGHBOUR_SEEN_MM
    info = _label(segs)
    assert info["t1_segment"] is None and info["doubts"]["T1"][0] == 16
    assert info["summary"] == "sacrum and ribs disagree; named from the sacrum"
    assert all("uncertain_level" in s.flags for s in segs)
    assert [segs[i].name for i in (0, 5, 16, 17)] == ["S1", "L1", "T2", "T1"]
    assert any("T1's own rib head would show" in note for note in segs[16].notes)


def test_on_main_the_two_rib_anchors_outvoted_the_sacrum(monkeypatch):
    """The same scene with the rule switched off: T2-L1 confirmed as T1-T12 (main's fault, 9020's path)."""
    monkeypatch.setattr("jmedseg.spine.levels.first_pair_under_cut_t1", lambda *args: None)
    segs = _column(bare=4, piece_slices=5)
    info = _label(segs)
    assert info["summary"] == "confirmed by ribs and first rib pair between T12 and T1; sacrum disagree"
    assert segs[16].name == "T1" and not segs[16].flags


@pytest.mark.parametrize("piece_slices, piece_whole", [(7, False), (5, True)])
def test_a_piece_seen_where_t1s_head_would_show_or_whole_keeps_the_pair(piece_slices, piece_whole):
    """The piece seen 21 mm (over `SHOWN_MM`, 19 mm: the first rib's head would be in view; the 4-lumbar
    transitional CTs 73/49 and 97/53 read 36 and 30 mm), or a whole vertebra with a disc over it: the pair counts as
    before, the two rib anchors confirm T12-T1 against the sacrum."""
    segs = _column(bare=4, piece_slices=piece_slices, piece_whole=piece_whole)
    assert piece_whole or (piece_slices * DZ >= SHOWN_MM)
    info = _label(segs)
    assert info["t1_segment"] == 16
    assert info["summary"] == "confirmed by ribs and first rib pair between T12 and T1; sacrum disagree"


def test_a_sacrum_counting_the_pair_higher_is_not_the_cut_t1():
    """Six bare lumbar segments (a sixth lumbar vertebra): the sacrum counts the pair as C7, which a cut T1 cannot
    make it do; the pair counts as before."""
    segs = _column(bare=6, piece_slices=5)
    info = _label(segs)
    assert info["t1_segment"] == 18 and info["t12_segment"] == 7
    assert "first rib pair" in info["summary"] and "sacrum disagree" in info["summary"]


def test_anchors_that_agree_are_left_alone():
    """Five bare lumbar segments (normal anatomy), the same 15 mm piece: the three anchors agree, all confirmed."""
    segs = _column(bare=5, piece_slices=5)
    info = _label(segs)
    assert info["summary"] == "confirmed by sacrum and ribs and first rib pair" and info["t1_segment"] == 17
    assert not any(s.flags for s in segs[:18])


def test_seen_over_the_pair_reads_the_piece_or_the_scan_clear_of_ribs():
    """The piece's height from its lower disc to the scan's top (or as far as the scan is clear of ribs), None for a
    whole vertebra; where the pair's segment is the column's top, the slices clear of ribs over its disc."""
    segs = _column(bare=4, piece_slices=5)
    assert seen_over_pair_mm(segs, 16, DZ, segs[-1].hi) == 15.0
    assert seen_over_pair_mm(segs, 16, DZ, segs[-1].hi + 2) == 21.0
    assert seen_over_pair_mm(_column(bare=4, piece_slices=5, piece_whole=True), 16, DZ, None) is None
    top = _column(bare=4, piece_slices=0)
    assert seen_over_pair_mm(top, 16, DZ, top[-1].hi + 6) == 15.0
    assert seen_over_pair_mm(top, 16, DZ, None) == 0.0
