"""Thin discs at the top of the thoracic count (issue 20, `discs.lone_plate_centres`, `discs.fill_pitch_gaps`).

Two ways a thin disc was lost at C7-T3, so that two vertebrae became one segment and the first-rib (T1) anchor
was lost or counted one level off:
- one plate of a disc shows and its partner does not; the lone band lies under `THIN_DISC_PITCH_MM` from the
  neighbouring disc's pair of plates and the spacing rule dropped it (seed 2026 dev CTs 37, 80, C7/T1);
- both plates are weaker than `ENDPLATE_BUMP_HU` (dev CTs 41, 57, 85, T1/T2 and T2/T3 at 8-13 HU).
The profiles here are built by construction, as in tests/spine/test_disc_plates.py: cancellous bone, disc tissue
and a 1 mm cortical plate either side, blurred as a 3 mm slice blurs them, sampled every 1 mm.
"""
import numpy as np
import pytest
from scipy import ndimage

from jmedseg.spine.discs import (ENDPLATE_BUMP_HU, FULL_PLATE_HU, GAP_PITCHES, RESOLVED_PLATES_MM,
                                 THIN_DISC_PITCH_MM, core_departure, fill_pitch_gaps, find_endplate_discs,
                                 lone_plate_centres)

CANCELLOUS_HU, DISC_HU, PLATE_HU = 180.0, 90.0, 700.0


def _core(discs, plate_hu, disc_mm=6.0, slice_mm=3.0, length=260.0, noise_hu=3.0, seed=0):
    """(s, median core HU): at each disc centre `disc_mm` of disc tissue with a 1 mm plate either side, of
    `plate_hu[k]` (or (lower, upper) plate HU), blurred over a slice of `slice_mm`, plus the median's noise over
    the core (3-5 HU)."""
    s = np.arange(0.0, length, 0.1)
    hu = np.full(len(s), CANCELLOUS_HU)
    for d, plate in zip(discs, plate_hu):
        lower, upper = plate if np.ndim(plate) else (plate, plate)
        hu[np.abs(s - d) <= disc_mm / 2] = DISC_HU
        hu[np.abs(s - d + disc_mm / 2 + 0.5) <= 0.5] = lower
        hu[np.abs(s - d - disc_mm / 2 - 0.5) <= 0.5] = upper
    hu = ndimage.uniform_filter1d(hu, int(round(slice_mm / 0.1)), mode="nearest")[::10]
    return s[::10], hu + np.random.default_rng(seed).normal(0.0, noise_hu, len(hu))


def _upper_thoracic(top=20.0):
    """Disc centres from C7/T1 down the thoracic spine: pitch 17 mm at the top growing smoothly to 25 mm."""
    return list(top + np.concatenate([[0.0], np.cumsum(np.linspace(17.0, 25.0, 10))]))


def test_a_lone_plate_near_a_pair_is_put_half_a_plate_gap_beyond_it():
    strong = [FULL_PLATE_HU + 10.0] * 2
    # a pair of plates 6 mm apart (disc centre 3) and a lone band 14 mm from that centre: no body plus disc is
    # that short, so the band is the far plate of the next disc, whose centre lies 3 mm further out
    assert lone_plate_centres([[0.0, 6.0], [17.0]], strong) == pytest.approx([3.0, 20.0])
    assert lone_plate_centres([[-11.0], [0.0, 6.0]], strong) == pytest.approx([-14.0, 3.0])
    # a lone band a shortest pitch or more from the pair is a disc's middle as it stands
    assert lone_plate_centres([[0.0, 6.0], [3.0 + THIN_DISC_PITCH_MM]], strong) == pytest.approx([3.0, 18.0])
    # a "pair" no wider than the smoothing resolves is one band split by noise: its gap is no plate gap
    narrow = RESOLVED_PLATES_MM - 1.0
    assert lone_plate_centres([[0.0, narrow], [14.0]], strong) == pytest.approx([narrow / 2, 14.0])
    # a lone band weaker than a whole plate's is not trusted over the spacing rule (seed 7 CT 33): left in place
    assert lone_plate_centres([[0.0, 6.0], [17.0]], [FULL_PLATE_HU + 10.0, FULL_PLATE_HU - 5.0]) == \
        pytest.approx([3.0, 17.0])


def test_the_lone_plate_of_c7_t1_is_kept_as_its_disc():
    """The first disc of the profile (shortest pitch, as C7/T1) shows only its plate facing the next disc: the
    disc is found, within 2 mm (dev CTs 37, 80: dropped, C7 and T1 one segment)."""
    discs = _upper_thoracic()
    plates = [PLATE_HU] * len(discs)
    plates[0] = (CANCELLOUS_HU, PLATE_HU)                   # its far plate no brighter than the bone
    s, core = _core(discs, plates)
    # the case is what it claims: the lone band lies under `THIN_DISC_PITCH_MM` from the next disc's middle, so
    # the spacing rule alone would drop it
    lone = discs[0] + 3.5
    assert discs[1] - lone < THIN_DISC_PITCH_MM
    found, _ = find_endplate_discs(s, core)
    assert len(found) == len(discs), found
    assert abs(found[0] - discs[0]) <= 2.0, found


def _weak_plate_hu(discs, k, target_hu):
    """The plate HU of disc `k` of `discs` (the others `PLATE_HU`) whose bands rise `target_hu` above the running
    cancellous level after the profile's blurring and `core_departure`, found on the noiseless profile (so the test
    states the band it builds)."""
    for plate in np.arange(CANCELLOUS_HU, PLATE_HU, 2.0):
        plates = [PLATE_HU] * len(discs)
        plates[k] = plate
        s, core = _core(discs, plates, noise_hu=0.0)
        if core_departure(core)[np.abs(s - discs[k]) <= 6.0].max() >= target_hu:
            return plate
    raise AssertionError("no plate HU gives that band")


def test_a_weak_upper_thoracic_disc_is_taken_from_the_gap_it_leaves():
    """The third disc from the top (T2/T3 when the first is C7/T1) with plates 12-15 HU over the cancellous level
    (dev CTs 41, 57, 85: 8-13 HU), the others strong: the gap, twice the pitches either side of it, takes its
    strongest band above half the threshold."""
    discs = _upper_thoracic()
    plates = [PLATE_HU] * len(discs)
    plates[2] = _weak_plate_hu(discs, 2, 0.7 * ENDPLATE_BUMP_HU)
    s, core = _core(discs, plates)
    bump = core_departure(core)
    near = np.abs(s - discs[2]) <= 6.0
    assert 0.5 * ENDPLATE_BUMP_HU < bump[near].max() < ENDPLATE_BUMP_HU      # the case is what it claims
    found = np.array(sorted(find_endplate_discs(s, core)[0]))
    assert len(found) == len(discs), found
    assert np.abs(np.delete(found - discs, 2)).max() <= 2.0, found
    # the weak disc may be placed at one of its plates (the other under half the threshold): half its plate gap
    # (3.5 mm) plus the noise's pull on a band this weak (about 3 mm at 3 HU noise)
    assert abs(found[2] - discs[2]) <= 7.0, found


def test_no_disc_is_added_where_the_pitch_is_regular_or_the_gap_holds_no_band():
    discs = _upper_thoracic()
    s, core = _core(discs, [PLATE_HU] * len(discs))
    bump = core_departure(core)
    assert fill_pitch_gaps(discs, s, bump) == (discs, {})
    # one disc's plates no brighter than cancellous bone (nothing to find): the gap is left, not filled by noise
    plates = [PLATE_HU] * len(discs)
    plates[2] = CANCELLOUS_HU
    s, core = _core(discs, plates)
    found, _ = find_endplate_discs(s, core)
    assert len(found) == len(discs) - 1, found
    gaps = np.diff(sorted(found))
    assert gaps.max() >= GAP_PITCHES * np.median(gaps)       # the gap is there, and stays
