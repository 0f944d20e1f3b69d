"""Anchors that disagree (issue 20, section 2): every level flagged `uncertain_level`, the counts in the note, and
the names from the count that is most often right (`levels.naming_rank`, `levels.missed_disc_gap`).

Segment lists whose answer is known by construction (2 mm slices, 18 mm bodies, 20 mm pitch). Benchmark CT 174 (seed
2026), the case the missed-disc rule was made for, is now labelled whole since its dropped L3 body is no longer read
as a disc (tests/spine/test_discs_dropped_body.py).
"""
from types import SimpleNamespace

from jmedseg.spine.levels import LEVEL_NAMES, Segment, assign_names

PAIR = ("left", "right")


def _segments(n, ribs, dz=2.0):
    """n vertebrae of 9 slices with a disc slice between them; `ribs` {index: sides}, each head mid-body."""
    segs = [Segment(10 * i, 10 * i + 8, lower_disc=i > 0, upper_disc=i < n - 1) for i in range(n)]
    for i, sides in ribs.items():
        segs[i].ribs = sides
        segs[i].rib_z = [segs[i].lo + 4.0] * len(sides)
    return segs


def _sacrum(segment=0):
    return SimpleNamespace(segment=segment, transitional=False, notes=[])


def _names_from(level, index, n):
    """The names of n segments when segment `index` is `level` (inferior to superior)."""
    first = LEVEL_NAMES.index(level) - index
    return [LEVEL_NAMES[first + i] for i in range(n)]


def _thorax(rib_pairs, above=()):
    """A chest + abdomen column without sacrum: 3 rib-free lumbar vertebrae, `rib_pairs` rib-bearing vertebrae,
    one vertebra above the first pair (C7) bearing `above` (a one-sided rib or nothing)."""
    n = 3 + rib_pairs + 1
    ribs = {i: PAIR for i in range(3, 3 + rib_pairs)}
    if above:
        ribs[n - 1] = above
    segs = _segments(n, ribs)
    segs[-1].upper_disc = True                     # C7 whole in the scan (its lower half is what counts)
    return segs


def test_eleven_rib_pairs_are_named_from_the_first_pair_and_all_flagged():
    """11 rib pairs: the lowest rib is on T11, so the lowest-rib count is one level off and the first pair's is
    right (names count from the top). One against one: the first pair, whose rib count was checked against the
    discs, names the levels; nothing is confirmed and the note gives both anchors' vertebra numbers."""
    segs = _thorax(11)
    info = assign_names(segs, dz=2.0)
    assert info["t12_segment"] == 3 and info["t1_segment"] == 13 and info["agree"] is False
    assert info["summary"] == "ribs and first rib pair disagree; named from the first rib pair"
    assert [s.name for s in segs] == _names_from("T1", 13, len(segs))
    assert segs[3].name == "T11" and segs[2].name == "T12"
    assert all("uncertain_level" in s.flags for s in segs)
    note = " ".join(segs[0].notes)
    assert "the lowest rib-bearing vertebra (T12) at vertebra 4" in note
    assert "the first rib pair (T1) at vertebra 14" in note


def test_thirteen_rib_pairs_are_named_from_the_first_pair():
    """13 rib pairs (a rib on L1): the first pair's count is right, L1 is the lowest rib-bearing vertebra."""
    segs = _thorax(13)
    info = assign_names(segs, dz=2.0)
    assert info["agree"] is False and info["summary"].endswith("named from the first rib pair")
    assert segs[3].name == "L1" and segs[4].name == "T12"
    assert all("uncertain_level" in s.flags for s in segs)


def test_a_one_sided_rib_above_the_first_pair_leaves_the_names_to_the_lowest_rib():
    """12 rib levels but the first pair's left rib missed: the pair found is T2's and the vertebra above it (T1)
    shows one rib. The first-pair count is then the suspect one: the lowest rib names the levels."""
    segs = _thorax(11, above=("right",))          # 11 pairs found, T1's one rib above them
    info = assign_names(segs, dz=2.0)
    assert info["t1_segment"] == 13 and info["agree"] is False
    assert info["summary"].endswith("named from the ribs")
    assert [s.name for s in segs] == _names_from("T12", 3, len(segs))
    assert all("uncertain_level" in s.flags for s in segs)


def test_sacrum_and_lowest_rib_disagreeing_are_named_from_the_sacrum():
    """13 rib pairs seen with the sacrum (abdomen + pelvis, no first pair): the sacrum names the levels (L1 bears
    the thirteenth rib), every level flagged, no gap to explain the disagreement."""
    ribs = {i: PAIR for i in range(5, 10)}         # S1, L5..L2 rib-free, L1 up bearing ribs
    segs = _segments(10, ribs)
    segs[-1].upper_disc = True
    info = assign_names(segs, dz=2.0, sacrum=_sacrum())
    assert info["sacrum_segment"] == 0 and info["t12_segment"] == 5 and info["agree"] is False
    assert info["summary"] == "sacrum and ribs disagree; named from the sacrum"
    assert [s.name for s in segs] == _names_from("S1", 0, len(segs)) and segs[5].name == "L1"
    assert all("uncertain_level" in s.flags for s in segs)


def test_a_missed_disc_that_explains_the_disagreement_lets_each_anchor_name_its_side():
    """S1, L5, then one 58 mm segment holding L4 and L3 (their disc missed), L2, L1, T12 with the lowest rib:
    the ribs count one vertebra more between the anchors than the discs do, exactly what the tall segment hides.
    Below it the sacrum's names hold, above it the lowest rib's; nothing is confirmed."""
    segs = _segments(6, {5: PAIR})
    segs[2] = Segment(20, 48, True, True)          # 29 slices: 58 mm between its discs
    segs[2].disc_missed = True
    segs[2].flags.append("uncertain_level")
    for i, s in enumerate(segs[3:], start=3):      # shift the upper ones above the tall segment
        s.lo, s.hi = 50 + 10 * (i - 3), 58 + 10 * (i - 3)
        s.rib_z = [s.lo + 4.0] * len(s.ribs)
    segs[-1].upper_disc = True
    segs.append(Segment(110, 118, True, True, ribs=PAIR, rib_z=[114.0, 114.0]))   # T11
    info = assign_names(segs, dz=2.0, sacrum=_sacrum())
    assert info["sacrum_segment"] == 0 and info["t12_segment"] == 5 and info["agree"] is False
    assert "a possibly missed disc hides: each names its side" in info["summary"]
    assert [s.name for s in segs] == ["S1", "L5", "L4", "L2", "L1", "T12", "T11"]
    assert all("uncertain_level" in s.flags for s in segs)
    assert any("58 mm vertebra 3" in n for n in segs[4].notes)


def test_a_missed_disc_that_does_not_explain_the_count_changes_nothing():
    """The same tall segment, but the ribs count one vertebra fewer than the discs (11 rib pairs, say): the gap
    cannot explain that, so the sacrum names every level as for any disagreement."""
    segs = _segments(9, {i: PAIR for i in range(7, 9)})
    segs[3].disc_missed = True
    segs[-1].upper_disc = True
    info = assign_names(segs, dz=2.0, sacrum=_sacrum())
    assert info["t12_segment"] == 7 and info["summary"] == "sacrum and ribs disagree; named from the sacrum"
    assert [s.name for s in segs] == _names_from("S1", 0, len(segs))
