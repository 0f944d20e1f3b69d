"""A lone plate's disc beside a body reading at 2-3 mm slices (issue 20, `discs.plates_beside_readings`).

At 3 mm a thin disc is a trough of disc tissue between two plates, and often only one plate is a band. Where the
lone plates of the discs either side of a short body (T2) lie on its side, that body's two endplates are joined as
one disc in its middle, and its reading's troughs lie too near the lone plates for the rib levels to take it.
Synthetic (phantom-only) cases: constructed profiles, and a CT of the labelling benchmark (seed 59 CT 36, chest,
arterial, 3 mm, both rib anchors in view, normal anatomy) refused "one anchor only" on main 6f289b4 (docs/spine.md,
branch `c7thick`).
"""
import numpy as np

from jmedseg.spine.discs import plates_beside_readings
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_bodies_piece_off_centre import _confirmed_at_own_vertebra

S = np.arange(0.0, 120.0, 1.0)


def _profile(bands, troughs):
    """Core departure (HU) on `S`: +40 HU bands and -60 HU troughs, 3 mm wide (-40 HU at a trough's sides), at the
    given arc positions."""
    bump = np.zeros_like(S)
    for c in bands:
        bump[np.abs(S - c) <= 1.5] = 40.0
    for c in troughs:
        bump[np.abs(S - c) <= 1.5] = -40.0
        bump[S == c] = -60.0
    return bump


def test_lone_plates_beside_a_body_reading_move_onto_their_discs():
    """T2's endplates at 53 and 64 joined as a disc at 58.5 (reading: troughs at 49 and 69); T1/T2's lone lower
    plate at 80 (its disc at 87), T2/T3's lone upper plate at 35 (its disc at 31): both move onto their troughs."""
    bump = _profile([35, 53, 64, 80], [31, 49, 69, 87])
    discs = plates_beside_readings([10.0, 35.0, 58.5, 80.0], {58.5: (49.0, 69.0)}, S, bump)
    assert discs == [10.0, 31.0, 58.5, 87.0]


def test_a_band_with_a_trough_on_both_sides_stays():
    """A trough on the near side too (a body's darker middle as near as the disc): the band stays."""
    bump = _profile([53, 64, 80], [49, 69, 75, 87])
    assert plates_beside_readings([58.5, 80.0], {58.5: (49.0, 69.0)}, S, bump) == [58.5, 80.0]


def test_a_band_far_enough_from_the_reading_stays():
    bump = _profile([53, 64, 86], [49, 69, 92])
    assert plates_beside_readings([58.5, 86.0], {58.5: (49.0, 69.0)}, S, bump) == [58.5, 86.0]


def test_t2_read_as_one_body_at_3mm_confirms_both_anchors(tmp_path):
    """Seed 59 CT 36 (chest, arterial, 3 mm): C7 found rib-free above the first pair, the levels confirmed by both
    rib anchors, each at its own vertebra."""
    case, report, _ = label_benchmark_ct(tmp_path, 59, 36, "chest", "arterial")
    assert case.spacing[2] == 3.0
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    names = [e["name"] for e in report["levels"]]
    assert names[:3] == ["C7", "T1", "T2"], names
    _confirmed_at_own_vertebra(case, report)
