"""A thin disc seen whole inside one band: plate, disc, plate in the raw core (issue 20, `discs._disc_in_band`).

At 1-3 mm slices a thin upper thoracic disc (4 mm, its plates 5-6 mm apart) shows in the core's raw profile as a
plate, a dark disc and a plate; the profile's 2 mm smoothing blurs the three into one band whose peak lies on the
brighter plate. Where the brighter plates of the discs above and below a short body are that body's own endplates,
the two bands lie 11-12 mm apart, each the other's nearest: they were joined as one disc's plates and the disc put
in the body's middle (seed 47 CT 4, chest, arterial, 2.5 mm: T2's endplates, T1/T2 and T2/T3 lost). The profiles
here are built by construction (phantom-only): cancellous bone, disc tissue and a 1 mm plate either side, blurred
as a slice of the given thickness blurs them, sampled every 1 mm.
"""
import numpy as np
from scipy import ndimage

from jmedseg.spine.discs import THIN_DISC_PITCH_MM, find_endplate_discs

CANCELLOUS_HU, DISC_HU = 200.0, 90.0
BRIGHT_PLATE_HU, DIM_PLATE_HU = 900.0, 350.0     # a body's dense endplate and a thinner one (CT 4: 371 against 224
                                                 # HU on the core at 2.5 mm)
DISC_MM = 4.0


def _core(discs, bright_plates, slice_mm, length=200.0, noise_hu=4.0, seed=0):
    """(s, median core HU): a 1 mm plate either side of `DISC_MM` of disc tissue at each disc centre, the plate
    at (disc, side) in `bright_plates` brighter, blurred over a slice of `slice_mm`, plus the median's noise."""
    s = np.arange(0.0, length, 0.1)
    hu = np.full(len(s), CANCELLOUS_HU)
    for j, d in enumerate(discs):
        hu[np.abs(s - d) <= DISC_MM / 2] = DISC_HU
        for side in (-1, 1):
            plate = np.abs(s - (d + side * (DISC_MM / 2 + 0.5))) <= 0.5
            hu[plate] = BRIGHT_PLATE_HU if (j, side) in bright_plates else DIM_PLATE_HU
    hu = ndimage.uniform_filter1d(hu, int(round(slice_mm / 0.1)), mode="nearest")[::10]
    return s[::10], hu + np.random.default_rng(seed).normal(0.0, noise_hu, len(hu))


# T4/T5 .. C7/T1 upwards: pitches 19, 18, 17 (T2: 13 mm body + 4 mm disc), 17
DISCS = [30.0, 49.0, 67.0, 84.0, 101.0, 118.0]
# one bright plate per disc (as on CT 4): the short body's own endplates, between discs 3 and 4, and elsewhere
# the plate away from that body (a lone band, 2.5 mm off its disc)
SHORT_BODY_PLATES = {(0, -1), (1, -1), (2, -1), (3, 1), (4, -1), (5, 1)}
PLATE_OFF_MM = DISC_MM / 2 + 0.5      # a lone band's peak: on its plate


def test_a_band_holding_its_disc_is_not_paired_across_a_short_body():
    s, core = _core(DISCS, SHORT_BODY_PLATES, slice_mm=2.5)
    found, readings = find_endplate_discs(s, core)
    # every disc found once, none in the short body's middle (92.5 mm); the two beside it at their dark middles
    # (the profile's 1 mm step and the noise's pull: 1.5 mm), the others at their bright plate
    assert len(found) == len(DISCS), found
    assert abs(found[3] - DISCS[3]) <= 1.5 and abs(found[4] - DISCS[4]) <= 1.5, found
    assert np.abs(np.array(found) - DISCS).max() <= PLATE_OFF_MM + 1.0, found
    assert min(np.diff(found)) >= THIN_DISC_PITCH_MM, found


def test_at_5_mm_the_three_share_slices_and_the_discs_stay_where_they_were():
    """At 5 mm the disc and its two plates share one slice: no raw minimum between plates, the bands as before."""
    every = {(j, side) for j in range(len(DISCS)) for side in (-1, 1)}
    s, core = _core(DISCS, every, slice_mm=5.0)
    found, _ = find_endplate_discs(s, core)
    assert len(found) == len(DISCS), found
    assert np.abs(np.array(found) - DISCS).max() <= 3.0, found
