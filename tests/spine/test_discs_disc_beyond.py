"""A body's two endplate bands with disc tissue beyond them, not between them (issue 20, seed 11 dev CTs 20 and 77).

Two ways a thoracic disc was put in a body's middle on the fresh dev seed 11 (synthetic, phantom-only):
- 5 mm (CT 20, chest, arterial): T7's two endplates at +171 and +88 HU 15 mm apart, its middle 244 HU but 77 HU
  under the running cancellous level (both bright plates inside the median's window raise it), the T6/T7 disc
  beyond the upper plate at 177 HU. The middle read as disc tissue, so the pair was not offered as a short body's
  endplates (`discs.body_endplates`) and the rib levels could not re-read it;
- 3 mm (CT 77, chest + abdomen, delayed): T3's weak endplates (+16 HU, under `ENDPLATE_BUMP_HU`) were taken by the
  gap filling (`discs.fill_pitch_gaps`) as one disc in T3's middle, never offered for the other reading.
`discs._disc_beyond` compares the core's own HU (smoothed, `discs.smoothed_core`) between the bands with the troughs
beyond them; gap-filled pairs have their body reading returned beside the discs. The rib levels still decide
(`rib_split.reread_band_pairs`). Profiles here are built by construction: cancellous bone, bright bands and dark
troughs of Gaussian shape (sd 2 mm, a 5 mm slice smoothed over 2 mm), sampled every `SAMPLE_MM`.
"""
import numpy as np
import pytest

from jmedseg.spine.discs import (DARKER_BEYOND_HU, ENDPLATE_BUMP_HU, GAP_PITCHES, OUTER_TROUGH_MM, SAMPLE_MM,
                                 body_endplates, core_departure, fill_pitch_gaps, smoothed_core)

from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct

CANCELLOUS_HU = 230.0     # CT 20's core between the bands (222-248 HU)


def _core(bands, troughs, top_mm=120.0):
    """(s, core HU): `CANCELLOUS_HU` with Gaussian bands (position mm, +HU) and troughs (position mm, -HU)."""
    s = np.arange(0.0, top_mm, SAMPLE_MM)
    core = np.full(len(s), CANCELLOUS_HU)
    for at, hu in bands:
        core += hu * np.exp(-0.5 * ((s - at) / 2.0) ** 2)
    for at, hu in troughs:
        core -= hu * np.exp(-0.5 * ((s - at) / 2.0) ** 2)
    return s, core


def _ct20_like():
    """T7's endplates at 53 and 67 mm (+230 and +140 HU, as CT 20's 461 and 374 HU over 230), its middle plain bone,
    the T6/T7 disc 6 mm beyond the upper plate (-110 HU, CT 20's 123-177 HU), weaker plates and troughs around."""
    return _core([(25, 120), (38, 90), (53, 230), (67, 140), (85, 100), (100, 90)], [(31, 60), (73, 110), (92, 60)])


def test_a_body_middle_under_the_running_level_is_not_disc_tissue():
    """The middle between the two bands reads over `ENDPLATE_BUMP_HU` under the running cancellous level (so not
    `_bone_between`), yet is brighter than the disc beyond the upper band by more than `DARKER_BEYOND_HU`: with the
    core's own HU the pair is offered as a body's endplates, its upper disc in the trough beyond."""
    s, core = _ct20_like()
    bump, band_hu = core_departure(core), smoothed_core(core)
    middle, trough = int(np.argmin(np.abs(s - 60.0))), int(np.argmin(np.abs(s - 73.0)))
    assert bump[middle] < -ENDPLATE_BUMP_HU and band_hu[middle] - band_hu[trough] > DARKER_BEYOND_HU
    assert body_endplates(s, bump, ENDPLATE_BUMP_HU) == {}            # the running level alone: one disc
    pairs = body_endplates(s, bump, ENDPLATE_BUMP_HU, band_hu)
    assert list(pairs) == [pytest.approx(60.0, abs=SAMPLE_MM)]
    low, high = pairs[next(iter(pairs))]
    assert abs(high - 73.0) <= SAMPLE_MM and 53.0 - OUTER_TROUGH_MM <= low <= 53.0


def test_disc_tissue_between_a_discs_own_plates_stays_one_disc():
    """A disc's own two plates (1-3 mm slices): disc tissue between them is the darkest point around, cancellous
    bone beyond: no body reading, with or without the core's own HU."""
    s, core = _core([(20, 150), (53, 200), (63, 200), (95, 150)], [(58, 140)])
    bump, band_hu = core_departure(core), smoothed_core(core)
    assert body_endplates(s, bump, ENDPLATE_BUMP_HU) == {}
    assert body_endplates(s, bump, ENDPLATE_BUMP_HU, band_hu) == {}


def test_a_trough_beyond_no_darker_than_between_keeps_one_disc():
    """The CT 20 profile with a shallow trough (10 HU) beyond the upper band: it reads `ENDPLATE_BUMP_HU` under the
    running level (raised by the bands) but lies under `DARKER_BEYOND_HU` below the middle between the bands (a
    vein, not disc tissue), so the middle is not shown to be bone and no body reading is offered."""
    s, core = _core([(25, 120), (38, 90), (53, 230), (67, 140), (85, 100), (100, 90)], [(31, 60), (73, 10), (92, 60)])
    bump, band_hu = core_departure(core), smoothed_core(core)
    beyond = (s > 67.0) & (s <= 67.0 + OUTER_TROUGH_MM)
    assert bump[beyond].min() <= -ENDPLATE_BUMP_HU
    assert band_hu[(s >= 53.0) & (s <= 67.0)].min() - band_hu[beyond].min() < DARKER_BEYOND_HU
    assert body_endplates(s, bump, ENDPLATE_BUMP_HU, band_hu) == {}


def _gap_profile(band_hu_above=16.0):
    """(discs, s, departure, smoothed core HU): discs found at 20, 40, 93, 114 mm (pitches 20 and 21 beside a 53 mm
    gap, over `GAP_PITCHES` of them), and inside the gap a short body's weak endplates at 61 and 72 mm (CT 77's
    +16 HU) over bone, with troughs of disc tissue 6 mm beyond each (-40 HU, CT 77's T2/T3 and T3/T4)."""
    s = np.arange(0.0, 140.0, SAMPLE_MM)
    bump = np.zeros(len(s))
    for at, hu in ((61.0, band_hu_above), (72.0, band_hu_above), (55.0, -40.0), (78.0, -40.0)):
        bump += hu * np.exp(-0.5 * ((s - at) / 1.5) ** 2)
    return [20.0, 40.0, 93.0, 114.0], s, bump, CANCELLOUS_HU + bump


def test_a_gap_filled_from_a_body_pair_carries_its_other_reading():
    """The gap's disc taken from the two weak bands (their middle, 66.5 mm: the body's middle) has the two troughs
    as its other reading, returned beside the discs, so the rib levels can choose it."""
    discs, s, bump, band_hu = _gap_profile()
    assert 93.0 - 40.0 >= GAP_PITCHES * np.mean([20.0, 21.0])
    filled, readings = fill_pitch_gaps(discs, s, bump, band_hu)
    added = [d for d in filled if d not in discs]
    assert added == [pytest.approx(66.5, abs=SAMPLE_MM)]
    assert list(readings) == added
    low, high = readings[added[0]]
    assert abs(low - 55.0) <= SAMPLE_MM and abs(high - 78.0) <= SAMPLE_MM


def test_a_gap_filled_from_one_band_is_a_plain_disc():
    """One weak band alone in the gap (no pair): the disc is the band, with no other reading."""
    discs, s, _, _ = _gap_profile()
    bump = 16.0 * np.exp(-0.5 * ((s - 66.0) / 1.5) ** 2)
    filled, readings = fill_pitch_gaps(discs, s, bump, CANCELLOUS_HU + bump)
    added = [d for d in filled if d not in discs]
    assert added == [pytest.approx(66.0, abs=SAMPLE_MM)] and readings == {}


def _label(seed, ct, tmp_path):
    """(case, report) of the benchmark's CT `ct` of `seed`, its field of view and phase from the benchmark's design."""
    from benchmarks.spine_labelling import design

    case, report, _ = label_benchmark_ct(tmp_path, seed, ct, *design(ct))
    return case, report


def test_benchmark_ct20_counts_its_first_rib(tmp_path):
    """Seed 11 CT 20 (chest, arterial, 5 mm): before, T6/T7 and T7/T8 were lost to one disc in T7's middle ("one
    anchor only (the lowest rib-bearing vertebra (T12))", 12 rib levels but 11 vertebrae, T1-T7 named one level
    low); now confirmed by both rib anchors, each of T1-T12 unflagged and within 10 mm of its true centre (half the
    shortest upper thoracic pitch). A few seconds."""
    case, report = _label(11, 20, tmp_path)
    assert case.spacing[2] == 5.0
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert_thoracic_levels_unflagged_near_truth(case, report)


def test_benchmark_ct77_names_t2_to_t4_at_their_bodies(tmp_path):
    """Seed 11 CT 77 (chest + abdomen, delayed, 3 mm): before, the gap's disc was put in T3's middle, T3 and T4
    named 8 mm off, over their upper neighbours; now T2, T3 and T4 each lie nearest their own true centre, within
    half the shortest pitch (its T11/T12 part still leaves one anchor only: not this rule's)."""
    case, report = _label(11, 77, tmp_path)
    assert case.spacing[2] == 3.0
    levels = {e["name"]: e for e in report["levels"]}
    centres = {n: case.levels[n]["centroid_mm"][2] for n in case.levels}
    for name in ("T2", "T3", "T4"):
        z = levels[name]["centroid_mm"][2]
        assert min(centres, key=lambda n: abs(centres[n] - z)) == name and abs(z - centres[name]) <= 7.0, \
            (name, z, centres[name])
