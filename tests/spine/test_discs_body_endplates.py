"""A short thoracic body's two endplate bands at 5 mm slices are not one disc's plates (issue 20).

At 5 mm slices an upper thoracic body (15-18 mm) shows its two endplates as two bright slices 10-11 mm apart with
bone between them, and the thin disc beyond each as a trough of disc tissue. `pair_plates` joined the two bands as
one disc's plates and put the disc in the body's middle; the two real discs were lost, one segment held two rib
levels and the first-rib anchor was not counted (synthetic benchmark CTs 16 and 65 of seed 2026, phantom-only).
`jmedseg.spine.discs.body_endplates` reads such a pair as the body, and `split_body_pairs` takes the troughs beyond
it where both clear every other disc by `THIN_DISC_PITCH_MM`.
"""
import numpy as np
import pytest

from jmedseg.spine.discs import (ENDPLATE_BUMP_HU, OUTER_TROUGH_MM, SAMPLE_MM, THIN_DISC_PITCH_MM, body_endplates,
                                 outer_troughs, split_body_pairs)

BAND_HU = 35.0          # an endplate slice's departure at 5 mm (CT 16: +32 to +35 HU)
DISC_TROUGH_HU = 22.0   # a disc slice's departure (CT 16: -22, -23 HU), just over `ENDPLATE_BUMP_HU`


def _bump(bands, troughs, trough_hu=DISC_TROUGH_HU, top_mm=60.0):
    """Arc positions every `SAMPLE_MM` and a departure profile: Gaussian bands of `BAND_HU` and troughs of
    `trough_hu` (sd 1.5 mm, the 2 mm smoothing of a 5 mm slice's step)."""
    s = np.arange(0.0, top_mm, SAMPLE_MM)
    bump = np.zeros_like(s)
    for at in bands:
        bump += BAND_HU * np.exp(-0.5 * ((s - at) / 1.5) ** 2)
    for at in troughs:
        bump -= trough_hu * np.exp(-0.5 * ((s - at) / 1.5) ** 2)
    return s, bump


def test_a_body_pair_gives_the_troughs_beyond_it():
    """Bands at 25 and 35 mm (a body's endplates, bone between), troughs 6 and 5 mm beyond them (CT 16's T3:
    bands 381 and 391 mm, troughs 375 and 394-396 mm): the discs are the troughs, within a sample."""
    s, bump = _bump([25.0, 35.0], [19.0, 40.0])
    pairs = body_endplates(s, bump, ENDPLATE_BUMP_HU)
    assert list(pairs) == [pytest.approx(30.0, abs=SAMPLE_MM)]
    low, high = pairs[next(iter(pairs))]
    assert abs(low - 19.0) <= SAMPLE_MM and abs(high - 40.0) <= SAMPLE_MM


def test_disc_tissue_between_the_bands_keeps_them_one_disc():
    """The same bands with a trough of disc tissue between them (one disc's two plates, as at 1-3 mm slices):
    no body pair."""
    s, bump = _bump([25.0, 35.0], [19.0, 30.0, 40.0])
    assert body_endplates(s, bump, ENDPLATE_BUMP_HU) == {}


def test_without_a_trough_beyond_the_band_itself_is_the_disc():
    """Troughs of half `ENDPLATE_BUMP_HU` beyond the bands (a vein, not disc tissue), and a trough further than
    `OUTER_TROUGH_MM`: each band stands for its disc."""
    s, bump = _bump([25.0, 35.0], [19.0, 40.0], trough_hu=0.5 * ENDPLATE_BUMP_HU)
    i, j = int(np.argmin(np.abs(s - 25.0))), int(np.argmin(np.abs(s - 35.0)))
    assert outer_troughs(s, bump, i, j) == [25.0, 35.0]
    s, bump = _bump([25.0, 35.0], [25.0 - OUTER_TROUGH_MM - 3.0])
    assert outer_troughs(s, bump, i, j) == [25.0, 35.0]


def test_the_split_is_kept_where_both_discs_clear_the_others():
    """CT 16 (T3, 5 mm): discs found at 359, 385 (T3's middle), 412 mm; the troughs 375 and 394 lie 16, 19 and
    18 mm apart from their neighbours, over `THIN_DISC_PITCH_MM`: T4/T3 and T3/T2 replace the false disc."""
    assert split_body_pairs([359.0, 385.0, 412.0], {385.0: (375.0, 394.0)}) == [359.0, 375.0, 394.0, 412.0]


@pytest.mark.parametrize("discs, pairs", [
    ([191.2, 217.3, 242.3], {217.3: (205.8, 221.9)}),    # CT 65, T11/T10: a disc's own plates, 205.8 is T11's middle
    ([264.5, 287.3, 311.7], {287.3: (282.8, 298.8)}),    # CT 65, T8/T7: 298.8 lies 13 mm under the disc above
    ([359.0, 385.0, 412.0], {385.0: (375.0, 386.0)}),    # the two troughs themselves closer than a pitch
])
def test_the_disc_is_kept_where_a_trough_crowds_a_neighbour(discs, pairs):
    assert min(np.diff(sorted(discs + list(next(iter(pairs.values())))))) < THIN_DISC_PITCH_MM
    assert split_body_pairs(discs, pairs) == discs


@pytest.mark.parametrize("ct, phase, fov", [(16, "native", "chest"), (65, "native", "chest_abdomen")])
def test_benchmark_5mm_chest_cts_count_their_first_rib(tmp_path, ct, phase, fov):
    """Benchmark CTs 16 and 65 (seed 2026, 5 mm, native): before, T3 (CT 16) or T4 and T1 (CT 65) were cut through
    their middles ("one anchor only (the lowest rib-bearing vertebra (T12))", 12 rib levels but 11 vertebrae);
    now confirmed by both rib anchors, each name of C7-T12 within 10 mm of its vertebra's true centre (half the
    shortest upper thoracic pitch). A few seconds each."""
    from jmedseg.data.io import load_volume
    from jmedseg.data.synth.trunk import save_case, synth_trunk_case
    from jmedseg.spine import label_vertebrae

    case = synth_trunk_case(np.random.default_rng([2026, ct]), phase=phase, fov=fov, max_voxels=12e6,
                            cap_coarsens="pixels")
    assert case.spacing[2] == 5.0
    path = tmp_path / f"ct{ct}.nii"
    save_case(case, str(path))
    _, report = label_vertebrae(load_volume(str(path)))
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    levels = {e["name"]: e for e in report["levels"]}
    for name in [f"T{n}" for n in range(1, 13)]:
        truth = case.levels[name]["centroid_mm"][2]
        assert not levels[name]["flags"] and abs(levels[name]["centroid_mm"][2] - truth) <= 10.0, \
            (name, levels[name], truth)
