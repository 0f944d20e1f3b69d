"""Issue 20: the sacrum anchor and a short vertebra above it (`jmedseg.spine.sacrum.check_count_above_sacrum`).

A vertebra under `LUMBAR_PITCH_MM` disc to disc counted from S1 is either a body split by a false disc (two
short pieces that together make one vertebra: the count above is one too high) or a disc placed off (a short
vertebra next to a long one that together make two: the count is unchanged). Constructed straight columns of
3 mm slices (`tests.spine.test_sacrum._split_column`, pitches multiples of 3 mm) check each case.
"""
from jmedseg.spine.sacrum import LUMBAR_PITCH_MAX_MM, LUMBAR_PITCH_MM, SacrumFinding, check_count_above_sacrum

from tests.spine.test_sacrum import _split_column

SLICE_MM = 3.0      # `_split_column`'s slices


def _kept(pitches_mm, top_cut=False):
    """Whether the sacrum (segment 0) stays an anchor above S1 with these disc-to-disc pitches (L5 first);
    `top_cut`: the top segment has no disc above (the scan's edge), so its pitch is unknown."""
    segments, discs, arc = _split_column(pitches_mm)
    if top_cut:
        segments[-1].upper_disc = False
    finding = SacrumFinding(segment=0)
    dropped = check_count_above_sacrum(finding, segments, discs, arc, SLICE_MM)
    assert dropped == (finding.segment is None)
    return not dropped


def test_a_short_l1_under_a_long_t12_is_a_disc_placed_off_and_keeps_the_sacrum():
    """Synthetic CT 194 (seed 2026): the T12/L1 disc found 8-10 mm down in L1's body, L1 22.5 mm and T12 46 mm
    disc to disc (68 mm together: two vertebrae). Here L1 21 mm, T12 45 mm, L2 33 mm below it."""
    assert 21 < LUMBAR_PITCH_MM and 21 + 33 > LUMBAR_PITCH_MAX_MM and 21 + 45 > LUMBAR_PITCH_MAX_MM
    assert _kept([36, 33, 33, 33, 21, 45])


def test_a_short_l5_on_the_sacrum_under_a_long_l4_keeps_the_sacrum():
    """Synthetic CT 90 (seed 2026, 5 mm slices): the L5/S1 disc found in L5's middle, L5 20 mm and L4 40 mm;
    the S1 segment below takes L5's lower half, so the names counted from S1 are unchanged."""
    assert _kept([21, 39, 39, 36, 39])


def test_two_short_pieces_that_make_one_vertebra_drop_the_sacrum():
    """A false disc splitting L3 unevenly: 21 + 24 = 45 mm, under `LUMBAR_PITCH_MAX_MM`, is one vertebra,
    and the names above counted from S1 would be one too high."""
    assert 21 + 24 < LUMBAR_PITCH_MAX_MM
    assert not _kept([36, 33, 21, 24, 30, 30])


def test_a_short_vertebra_beside_one_of_unknown_length_drops_the_sacrum():
    """L1 21 mm under a top segment cut by the scan's edge: a split cannot be ruled out, so the count from S1
    is not used (as before issue 20's round 4)."""
    assert not _kept([36, 33, 33, 33, 21, 45], top_cut=True)
    assert _kept([36, 33, 33, 33, 30, 45], top_cut=True)       # no short vertebra: nothing to doubt


def test_two_pieces_within_a_slice_of_the_tallest_vertebra_drop_the_sacrum():
    """Each disc is found at a slice, up to half a slice off, so two pieces' length over their outer discs is
    known to one slice: 18 + 30 = 48 mm lies within one 3 mm slice of `LUMBAR_PITCH_MAX_MM` and may be one
    vertebra (synthetic CT 26 of `--seed 23`, 5 mm slices: a 13th-rib L1 read as 17 + 30 mm pieces, the sacrum's
    count then one too high and "confirmed" by the lowest rib). 18 + 33 = 51 mm is two vertebrae either way."""
    assert LUMBAR_PITCH_MAX_MM < 18 + 30 < LUMBAR_PITCH_MAX_MM + SLICE_MM < 18 + 33
    assert not _kept([36, 33, 33, 33, 18, 30])
    assert _kept([36, 33, 33, 33, 18, 33, 33])
