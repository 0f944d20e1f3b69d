"""A lumbar piece shorter than the smallest lumbar vertebra cut off by a dip the core shows no disc at (issue 20,
branch `pelvis15`): `jmedseg.spine.short_lumbar_piece.unmarked_by_short_pieces`.

Constructed core profiles, 1 mm samples (`discs.SAMPLE_MM`): cancellous bone at 200 HU with a disc's trough (80 HU,
10 mm wide) at each real disc, as seed 181 CT 6's lumbar spine: the dips found at 182, 228, 268, 295, 315, 352 and
390 mm of arc, the core's discs at 182, 228, 270, 311, 352 and 390 (the dip at 295 in L3's cancellous bone).
"""
import numpy as np
import pytest

from jmedseg.spine.levels import MAX_PITCH_MM
from jmedseg.spine.sacrum import LUMBAR_PITCH_MAX_MM, LUMBAR_PITCH_MM
from jmedseg.spine.short_lumbar_piece import unmarked_by_short_pieces
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_disc_at_lowest_heads import assert_confirmed_t12_to_l5

S = np.arange(150.0, 420.0)
DIPS = [182.0, 228.0, 268.0, 295.0, 315.0, 352.0, 390.0]


def _core(discs):
    core = np.full(len(S), 200.0)
    for d in discs:
        core[np.abs(S - d) <= 5] = 80.0
    return core


def test_181_6_the_unmarked_dip_by_the_20_mm_piece_goes():
    """The 20 mm piece (295-315) is no lumbar vertebra; its upper disc is marked (the core's disc 4 mm off), its
    lower one not: dropped. The two pieces measure 47 mm, over `LUMBAR_PITCH_MAX_MM` (so `disc_check` kept it),
    within `MAX_PITCH_MM`."""
    assert 315 - 295 < LUMBAR_PITCH_MM and LUMBAR_PITCH_MAX_MM < 315 - 268 <= MAX_PITCH_MM
    core = _core([182, 228, 270, 311, 352, 390])
    assert unmarked_by_short_pieces(DIPS, DIPS, S, core) == [295.0]


@pytest.mark.parametrize("why, dips, lumbar, core_discs", [
    ("the dip marked: a real disc by a short piece is lumbar_short's", DIPS, DIPS,
     [182, 228, 270, 295, 311, 352, 390]),
    ("the piece's other disc unmarked too: which one is false is not known", DIPS, DIPS, [182, 228, 270, 352, 390]),
    ("no piece under 24 mm (24 and 24): two vertebrae, disc_check's bound judges", [182, 228, 268, 292, 316, 352],
     None, [182, 228, 270, 316, 352]),
    ("the two pieces over 50 mm: more than a vertebra and a disc", [182, 228, 262, 295, 315, 352], None,
     [182, 228, 262, 311, 352]),
    ("the dip not a lumbar one (over the lowest rib's vertebra)", DIPS, [182, 228, 268],
     [182, 228, 270, 311, 352, 390]),
])
def test_kept(why, dips, lumbar, core_discs):
    assert unmarked_by_short_pieces(dips, dips if lumbar is None else lumbar, S, _core(core_discs)) == [], why


def test_seed_181_ct_6(tmp_path):
    """Abdomen + pelvis, arterial, 2.5 mm: before, "one anchor only (the lowest rib-bearing vertebra (T12))", L3-S1
    named one level off from the ribs (unconfirmed). Now confirmed by sacrum and ribs, T12-L5 right."""
    assert_confirmed_t12_to_l5(*label_benchmark_ct(tmp_path, 181, 6, "abdomen_pelvis", "arterial"))
