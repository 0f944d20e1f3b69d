"""One peak finder for the core's departure profile (`jmedseg.spine.profile_extremes`, issue 20, 2026-12-06 night,
branch `review15`), read by `disc_check.has_disc_mark` and `dark_bone_dips.plate_pairs`; `dark_bone_dips._runs`
vectorised."""
import numpy as np

from jmedseg.spine.dark_bone_dips import _runs, plate_pairs
from jmedseg.spine.discs import ENDPLATE_BUMP_HU
from jmedseg.spine.profile_extremes import local_extremes

#                    0    1    2     3     4    5    6     7    8    9
PROFILE = np.array([5.0, 2.0, 20.0, 20.0, 3.0, -4.0, -9.0, -9.0, -1.0, 8.0])


def test_peaks_and_dips_each_on_their_own_side_of_zero():
    """A band's peak (2 and 3: a flat top counts at both samples), a dip's bottom (6 and 7), the profile's ends
    (0 and 9: the end counts as a neighbour no larger); 1 is under both neighbours, 5 and 8 lie on slopes."""
    assert local_extremes(PROFILE, np.arange(10)).tolist() == [0, 2, 3, 6, 7, 9]
    assert local_extremes(PROFILE, [1, 5, 8]).tolist() == []
    assert local_extremes(PROFILE, [7, 2]).tolist() == [7, 2]        # in the order asked


def test_a_sample_next_to_zero_is_judged_on_its_own_side():
    """At 0.0 (read as positive) the dip beside it (-30) does not count as larger; the band (+1) does."""
    assert local_extremes([-30.0, 0.0, -30.0], [1]).tolist() == [1]
    assert local_extremes([-30.0, 0.0, 1.0], [1]).tolist() == []


def test_nan_is_no_extreme_and_hides_its_neighbours():
    """Sample 3 (30) would be a peak over its right neighbour, but its left one is NaN: not judged an extreme."""
    values = [20.0, 10.0, np.nan, 30.0, 20.0]
    assert local_extremes(values, np.arange(5)).tolist() == [0]


def test_plate_pairs_take_interior_band_peaks_only():
    """Two bands 10 mm apart (a disc's plates, `PLATE_PAIR_MIN_MM` to `PLATE_PAIR_MAX_MM`): one pair; a band at
    the profile's first sample is no plate (its outer side is not seen) and a peak under `ENDPLATE_BUMP_HU` none."""
    s = np.arange(0.0, 40.0, 1.0)
    departure = np.zeros(40)
    departure[0] = 2 * ENDPLATE_BUMP_HU
    departure[[14, 24]] = ENDPLATE_BUMP_HU
    departure[[13, 15, 23, 25]] = ENDPLATE_BUMP_HU / 2
    departure[34] = ENDPLATE_BUMP_HU - 1.0
    assert plate_pairs(s, departure) == [(14.0, 24.0)]


def test_runs_of_consecutive_discs_in_a_set():
    ordered = [10.0, 40.0, 65.0, 90.0, 118.0, 150.0]
    assert _runs(ordered, [40.0, 65.0, 118.0]) == [[40.0, 65.0], [118.0]]
    assert _runs(ordered, [10.0, 150.0]) == [[10.0], [150.0]]
    assert _runs(ordered, ordered) == [ordered]
    assert _runs(ordered, []) == [] and _runs([], [5.0]) == []
