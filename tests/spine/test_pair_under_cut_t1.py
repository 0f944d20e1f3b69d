"""The first rib pair under a rib-free piece cut short by the scan's top, where the sacrum counts the pair lower: not
counted (issue 20, branch `anchor13`, `jmedseg.spine.pair_under_cut_t1`).

Constructed scenes: 3 mm slices, 6-slice segments with a disc slice between them; S1 at the bottom, `bare` rib-free
lumbar segments over it, twelve segments with a rib pair (heads 4 slices over each segment's lowest slice, 13.5 mm),
and over the highest pair a rib-free piece of `piece` slices cut by the scan's top (no disc over it): the column's top
lies `piece` + 2.5 slices over the pair's heads. Four bare lumbar segments are a 13-rib subject cut at T1's centre
(ribs on L1-T2, T1's lower part the piece): the sacrum counts the pair as T2, both rib anchors count it as T1. The
end-to-end cases, the 13-rib phantom subjects the rule was made for, are in `tests/spine/test_t1_centre_crops.py`
(rng [9020] at 3 mm, [9009] at 5 mm).
"""
from types import SimpleNamespace

import pytest

from jmedseg.spine.levels import NEIGHBOUR_SEEN_MM, RIB_HALF_HEIGHT_MM, Segment, assign_names
from jmedseg.spine.pair_under_cut_t1 import T1_HEAD_OVER_DISC_MM, rib_free_over_pair
from tests.spine.test_levels_disagreement import PAIR

DZ = 3.0
SHOWN_MM = T1_HEAD_OVER_DISC_MM + RIB_HALF_HEIGHT_MM      # 19 mm over T2's heads: T1's own head would show


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


def _label(segs, ribs_clear_to):
    """Names from S1 at segment 0, the scan's top the column's top (the piece cut by it)."""
    sacrum = SimpleNamespace(segment=0, transitional=False, notes=[])
    return assign_names(segs, dz=DZ, sacrum=sacrum, ribs_clear_to=ribs_clear_to, scan_top=segs[-1].hi)


def test_thirteen_ribs_with_t1_cut_at_its_centre_confirm_nothing():
    """Four bare lumbar segments (a rib on L1), a 2-slice piece over T2's pair, the scan taken as clear of ribs 3
    slices past it (`ribs.clear_above` past the scan's top: `find_anchors` sees 15 mm, `NEIGHBOUR_SEEN_MM`, and counts
    the pair; 13-rib rng [9009], 5 mm): the scan's top 13.5 mm over the pair's heads, under `SHOWN_MM`. The pair is
    not counted; sacrum and the lowest rib disagree, every level flagged, each named right from the sacrum (the pair
    T2, the lowest rib L1)."""
    segs = _column(bare=4, piece_slices=2)
    info = _label(segs, ribs_clear_to=segs[-1].hi + 3)
    assert (segs[-1].hi + 3 - segs[-1].lo + 1) * DZ == NEIGHBOUR_SEEN_MM
    assert info["t1_segment"] is None and info["doubts"]["T1"][0] == 16
    assert info["summary"] == "sacrum and ribs disagree; named from the sacrum"
    assert all("uncertain_level" in s.flags for s in segs)
    assert [segs[i].name for i in (0, 5, 16, 17)] == ["S1", "L1", "T2", "T1"]
    assert any("T1's own rib head would show" in note for note in segs[16].notes)


def test_on_main_the_two_rib_anchors_outvoted_the_sacrum(monkeypatch):
    """The same scene with the rule switched off: T2-L1 confirmed as T1-T12 (main's fault, 9009's and 9020's path)."""
    monkeypatch.setattr("jmedseg.spine.levels.first_pair_under_cut_t1", lambda *args: None)
    segs = _column(bare=4, piece_slices=2)
    info = _label(segs, ribs_clear_to=segs[-1].hi + 3)
    assert info["summary"] == "confirmed by ribs and first rib pair between T12 and T1; sacrum disagree"
    assert segs[16].name == "T1" and not segs[16].flags


@pytest.mark.parametrize("piece_slices, piece_whole", [(5, False), (2, True)])
def test_a_top_where_t1s_head_would_show_or_a_whole_piece_keeps_the_pair(piece_slices, piece_whole):
    """The scan's top 22.5 mm over the pair's heads (over `SHOWN_MM`: T1's own head would be in view; the 4-lumbar
    transitional CTs 73/49 and 97/53 read 21.3 and 20.0 mm), or a whole vertebra with a disc over the pair: the pair
    counts as before, the two rib anchors confirm T12-T1 against the sacrum."""
    segs = _column(bare=4, piece_slices=piece_slices, piece_whole=piece_whole)
    assert piece_whole or rib_free_over_pair(segs, 16, segs[-1].hi + 3, segs[-1].hi) * DZ >= SHOWN_MM
    info = _label(segs, ribs_clear_to=segs[-1].hi + 3)
    assert info["t1_segment"] == 16
    assert info["summary"] == "confirmed by ribs and first rib pair between T12 and T1; sacrum disagree"


def test_a_sacrum_counting_the_pair_higher_is_not_the_cut_t1():
    """Six bare lumbar segments (a sixth lumbar vertebra): the sacrum counts the pair as C7, which a cut T1 cannot
    make it do; the pair counts as before."""
    segs = _column(bare=6, piece_slices=2)
    info = _label(segs, ribs_clear_to=segs[-1].hi + 3)
    assert info["t1_segment"] == 18 and info["t12_segment"] == 7
    assert info["summary"] == "confirmed by ribs and first rib pair between T12 and T1; sacrum disagree"


def test_anchors_that_agree_are_left_alone():
    """Five bare lumbar segments (normal anatomy), the same short top: the three anchors agree, all confirmed."""
    segs = _column(bare=5, piece_slices=2)
    info = _label(segs, ribs_clear_to=segs[-1].hi + 3)
    assert info["summary"] == "confirmed by sacrum and ribs and first rib pair" and info["t1_segment"] == 17
    assert not any(s.flags for s in segs[:18])


def test_the_rib_free_scan_over_the_pair_ends_at_the_scans_top():
    """Slices from the pair's highest head to the top of the rib-free scan over it: the column's top, or as far as
    `ribs.clear_above` found no rib, never past the scan's top (13-rib rng [9009]: clear 15 mm past it); None where
    a whole vertebra lies over the pair."""
    segs = _column(bare=4, piece_slices=2)
    top = segs[-1].hi
    assert rib_free_over_pair(segs, 16, top + 3, top) == 4.5            # clear past the scan's top: the scan's top
    assert rib_free_over_pair(segs, 16, top + 3, top + 1) == 5.5        # a slice over the column's top, rib-free
    assert rib_free_over_pair(segs, 16, top + 3, None) == 7.5           # no scan top given: as far as clear
    assert rib_free_over_pair(segs, 16, None, None) == 4.5
    assert rib_free_over_pair(_column(bare=4, piece_slices=2, piece_whole=True), 16, top + 3, top) is None
    pair_top = _column(bare=4, piece_slices=0)                            # the pair's segment is the column's top
    assert rib_free_over_pair(pair_top, 16, pair_top[-1].hi + 2, pair_top[-1].hi + 5) == 3.5


def test_four_lumbar_vertebrae_under_a_cut_c7_stay_confirmed_between_t12_and_t1(tmp_path):
    """Seed 97 CT 53 (chest + abdomen, 5 mm, a transitional variant with four lumbar vertebrae, the scan's top in
    C7): the sacrum counts the pair as T2 and the piece over it is cut by the scan's top, but the scan is rib-free
    20.0 mm over the pair's heads, over `SHOWN_MM`: the two rib anchors confirm T12-T1 as on main (T1-T9 and T12
    unflagged; T10 and T11 flagged by `rib_count`'s split, as on main), each confirmed level within 10 mm of its true
    centre (half the shortest upper thoracic pitch: a level one off cannot pass)."""
    from benchmarks.spine_labelling import design
    from tests.spine.benchmark_ct import label_benchmark_ct

    case, report, score = label_benchmark_ct(tmp_path, 97, 53, *design(53))
    assert case.variant["lumbar_count"] == 4
    assert report["summary"] == "confirmed by ribs and first rib pair between T12 and T1; sacrum disagree"
    assert score["confirmed_wrong"] == []
    confirmed = {e["name"]: e for e in report["levels"] if not e["flags"]}
    assert set(confirmed) == {f"T{k}" for k in (1, 2, 3, 4, 5, 6, 7, 8, 9, 12)}, sorted(confirmed, key=str)
    for name, entry in confirmed.items():
        assert abs(entry["centroid_mm"][2] - case.levels[name]["centroid_mm"][2]) <= 10.0, (name, entry)
