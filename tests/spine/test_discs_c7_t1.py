"""The C7/T1 disc at 5 mm slices: a top disc no farther above the disc below than the pitch below it, and a body's
two endplates read as such where a gap's disc lies too near them (issue 20, `discs.top_within_pitch`,
`discs.body_beside_filled`).

Synthetic (phantom-only) cases: constructed profiles for the rules, and two CTs of the labelling benchmark (seed 53,
5 mm, both rib anchors in view, normal anatomy) that were refused "one anchor only (T12)" on main c423826 because C7
and T1 were one segment (docs/spine.md, branch `c7disc`).
"""
import numpy as np
import pytest

from jmedseg.spine.discs import SAMPLE_MM, THIN_DISC_PITCH_MM, TOP_PIECE_MM, body_beside_filled, top_within_pitch
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_bodies_piece_off_centre import _confirmed_at_own_vertebra


def _profile(top_mm, band_from, band_to):
    """Arc samples every `SAMPLE_MM` from 0 to `top_mm`, departure +60 HU in [band_from, band_to], -40 elsewhere."""
    s = np.arange(0.0, top_mm + 1e-6, SAMPLE_MM)
    return s, np.where((s >= band_from) & (s <= band_to), 60.0, -40.0)


def test_a_top_disc_past_the_pitch_below_is_moved_down_inside_its_band():
    """Discs 20 mm apart below, the top one 24 mm above them and 7 mm under the column's top (a C7 sliver):
    moved to 20 mm above, still inside its band."""
    s, bump = _profile(75.0, 62.0, 70.0)
    moved = top_within_pitch([24.0, 44.0, 68.0], s, bump)
    assert 75.0 - 68.0 < TOP_PIECE_MM
    assert moved[:2] == [24.0, 44.0] and moved[2] == pytest.approx(64.0, abs=SAMPLE_MM / 2)


@pytest.mark.parametrize("discs, top_mm", [([24.0, 44.0, 63.0], 70.0),    # within the pitch below
                                           ([24.0, 44.0, 68.0], 80.0)])   # a whole C7 above it
def test_a_top_disc_within_the_pitch_or_below_a_whole_body_stays(discs, top_mm):
    s, bump = _profile(top_mm, 60.0, 70.0)
    assert top_within_pitch(discs, s, bump) == discs


def test_a_top_disc_whose_pitch_place_is_outside_its_band_stays():
    """One pitch above the disc below lies in a body's darker middle (departure under 0): no disc there."""
    s, bump = _profile(75.0, 66.0, 70.0)
    assert top_within_pitch([24.0, 44.0, 68.0], s, bump) == [24.0, 44.0, 68.0]


def test_a_top_disc_beyond_a_trough_from_its_pitch_place_stays():
    """Bands at 62-64 and 66-70 mm with a trough between: the disc at 68 is not the band at 64 moved up, it is
    another disc (one missed below it), and is left where it is."""
    s, bump = _profile(75.0, 62.0, 70.0)
    bump[(s > 64.5) & (s < 65.5)] = -40.0
    assert top_within_pitch([24.0, 44.0, 68.0], s, bump) == [24.0, 44.0, 68.0]


def test_a_pair_too_near_a_gap_disc_is_read_as_one_body():
    """T1's endplates joined as a disc at 97 mm (reading: troughs at 90 and 110), T1/T2 filled at 84.4 mm,
    12.6 mm below: the disc at 97 is replaced by its reading's upper trough, C7/T1."""
    discs, readings = body_beside_filled([39.0, 84.4, 97.0], [84.4], {97.0: (90.0, 110.0)})
    assert 97.0 - 84.4 < THIN_DISC_PITCH_MM
    assert discs == [39.0, 84.4, 110.0] and readings == {}


def test_a_pair_whose_far_trough_is_too_near_another_disc_stays():
    discs, readings = body_beside_filled([84.4, 97.0, 118.0], [84.4], {97.0: (90.0, 110.0)})
    assert discs == [84.4, 97.0, 118.0] and readings == {97.0: (90.0, 110.0)}


@pytest.mark.parametrize("case_id, fov, phase", [(36, "chest", "arterial"), (49, "chest_abdomen", "native")])
def test_c7_above_the_first_rib_pair_at_5mm_confirms_both_anchors(tmp_path, case_id, fov, phase):
    """Seed 53 CT 36 (T1's endplates read as a disc) and CT 49 (C7/T1 placed 7 mm up in C7): C7 found rib-free above
    the first pair, the levels confirmed by both rib anchors, each at its own vertebra."""
    case, report, _ = label_benchmark_ct(tmp_path, 53, case_id, fov, phase)
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    names = [e["name"] for e in report["levels"]]
    assert names[:2] == ["C7", "T1"], names
    _confirmed_at_own_vertebra(case, report)
