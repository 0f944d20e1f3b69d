"""A short thoracic body's two endplate bands at 5 mm slices are not one disc's plates (issue 20).

At 5 mm slices an upper thoracic body (15-18 mm) shows its two endplates as two bright slices 10-11 mm apart with
bone between them, and the thin disc beyond each as a trough of disc tissue. `pair_plates` joined the two bands as
one disc's plates and put the disc in the body's middle; the two real discs were lost, one segment held two rib
levels and the first-rib anchor was not counted (synthetic benchmark CTs 16 and 65 of seed 2026, phantom-only).
`jmedseg.spine.discs.body_endplates` gives such a pair its other reading (the body, its discs in the troughs beyond),
returned beside the discs (`find_endplate_discs`); `jmedseg.spine.rib_split.reread_band_pairs` takes it only where a
segment bounded by the pair holds two rib levels and the other reading gives each its own vertebra (the profile
alone cannot tell: a disc's own plates read the same way on most 5 mm thoracic discs).
"""
import numpy as np
import pytest

from jmedseg.spine.discs import (ENDPLATE_BUMP_HU, MIN_PITCH_MM, OUTER_TROUGH_MM, SAMPLE_MM, THIN_DISC_PITCH_MM,
                                 body_endplates, outer_troughs, split_body_pairs)
from jmedseg.spine.levels import assign_names, segments_between
from jmedseg.spine.rib_split import split_at_missed_discs
from jmedseg.spine.ribs import mark_rib_bearing

from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct

DZ = 2.0            # working slices (mm)
PITCH = 10          # slices: a 20 mm upper thoracic vertebra plus its disc
NAMES = ("L1",) + tuple(f"T{k}" for k in range(12, 0, -1)) + ("C7",)     # inferior to superior

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
    case, report, _ = label_benchmark_ct(tmp_path, 2026, ct, fov, phase)
    assert case.spacing[2] == 5.0
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert_thoracic_levels_unflagged_near_truth(case, report)


def _column_with_pair(body_at, missed=()):
    """(disc arcs, body readings, heads, lo, hi) of a column by construction (vertebra j of `NAMES` spans slices
    j*PITCH..(j+1)*PITCH, a rib pair on each thoracic vertebra at 0.7 of its height, towards the disc above): a
    disc at each slice of `body_at` (keys) whose other reading is the two slices of its value; the discs at slices
    `missed` (and at those keys) are not found as discs."""
    discs = [(j + 1) * PITCH for j in range(len(NAMES) - 1) if (j + 1) * PITCH not in missed]
    heads = sorted((j * PITCH + 0.7 * PITCH + dz, side) for j, name in enumerate(NAMES) if name.startswith("T")
                   for side, dz in (("left", 0.0), ("right", 0.1)))
    readings = {k * DZ: tuple(b * DZ for b in body) for k, body in body_at.items()}
    arcs = sorted([d * DZ for d in discs if d not in body_at] + list(readings))
    return arcs, readings, heads, 0, len(NAMES) * PITCH - 1


def _named(arcs, readings, heads, lo, hi):
    def prepare(segs):
        mark_rib_bearing(segs, heads, DZ, MIN_PITCH_MM)

    arc = np.arange(hi + 1) * DZ
    discs = [int(round(a / DZ)) for a in arcs]
    segments = segments_between(discs, lo, hi, DZ)
    prepare(segments)
    segments, discs, arcs = split_at_missed_discs(segments, discs, list(arcs), arc, lo, hi, DZ, prepare, readings)
    return segments, discs, assign_names(segments, DZ)


def test_the_ribs_take_the_body_reading_where_a_body_was_cut():
    """T3 (slices 100-110) cut in its middle by a pair at slice 105 whose other reading is T3's own discs (100 and
    110, both unseen as discs): T4 and T3's rib levels fall in one segment and the first pair is not counted. The
    re-read restores both discs exactly, every name right, both rib anchors counted and agreeing, no level of
    T1-T12 flagged."""
    t3 = NAMES.index("T3") * PITCH
    arcs, readings, heads, lo, hi = _column_with_pair({t3 + 5: (t3, t3 + PITCH)}, missed=(t3, t3 + PITCH))
    segments, discs, info = _named(arcs, readings, heads, lo, hi)
    assert discs == [(j + 1) * PITCH for j in range(len(NAMES) - 1)]
    assert info["agree"] and info["t1_segment"] is not None and info["t12_segment"] is not None
    assert [s.name for s in segments] == list(NAMES)
    assert not any(s.flags for s in segments if s.name.startswith("T"))
    assert all("endplate bands" in " ".join(s.notes) for s in segments if s.name in ("T4", "T3", "T2"))


def test_a_pair_at_a_true_disc_keeps_it():
    """The T8/T7 disc (slice 60) found as a pair whose other reading cuts T8 and T7 in their middles: no segment
    holds two rib levels, so the disc stays and nothing is noted."""
    t7 = NAMES.index("T7") * PITCH
    arcs, readings, heads, lo, hi = _column_with_pair({t7: (t7 - PITCH // 2, t7 + PITCH // 2)})
    segments, discs, info = _named(arcs, readings, heads, lo, hi)
    assert discs == [(j + 1) * PITCH for j in range(len(NAMES) - 1)]
    assert info["agree"] and not any("endplate bands" in " ".join(s.notes) for s in segments)


def test_a_body_reading_that_leaves_two_levels_together_is_not_taken():
    """The T7/T6 disc missed (T7 and T6 in one segment) and that segment's lower disc (T8/T7, slice 60) a pair whose
    other reading cuts T8 and T7 in their middles: T7's head (upper half) stays with T6's, so the reading is not
    taken; the ordinary split (`missed_disc_splits`) restores T7/T6, its pieces flagged."""
    t7 = NAMES.index("T7") * PITCH
    arcs, readings, heads, lo, hi = _column_with_pair({t7: (t7 - PITCH // 2, t7 + PITCH // 2)}, missed=(t7 + PITCH,))
    segments, discs, info = _named(arcs, readings, heads, lo, hi)
    assert t7 in discs and t7 - PITCH // 2 not in discs and t7 + PITCH // 2 not in discs
    assert not any("endplate bands" in " ".join(s.notes) for s in segments)
    assert [s.name for s in segments] == list(NAMES)
    assert all("uncertain_level" in s.flags for s in segments if s.name in ("T7", "T6"))


def test_benchmark_ct_126_keeps_its_t11_t10_disc(tmp_path):
    """Benchmark CT 126 (seed 2026, abdomen + pelvis, delayed, 5 mm): T9's heads at the scan's top go to the last
    segment (T10), which then holds two rib levels; its lower disc (T11/T10, a band pair) lies below both levels, so
    it is not re-read (a first version re-read it and cut T11 and T10, one vertebra too many above T12). The levels
    stay as before: confirmed by sacrum and ribs, nothing re-read, T10 and T11 within 10 mm of their true centres."""
    from jmedseg.data.io import load_volume
    from jmedseg.data.synth.trunk import save_case, synth_trunk_case
    from jmedseg.spine import label_vertebrae

    case = synth_trunk_case(np.random.default_rng([2026, 126]), phase="delayed", fov="abdomen_pelvis",
                            max_voxels=12e6, cap_coarsens="pixels")
    path = tmp_path / "ct126.nii"
    save_case(case, str(path))
    _, report = label_vertebrae(load_volume(str(path)))
    assert report["summary"] == "confirmed by sacrum and ribs", report["summary"]
    assert not any("endplate bands" in e["note"] for e in report["levels"])
    levels = {e["name"]: e for e in report["levels"]}
    for name in ("T11", "T10"):
        assert abs(levels[name]["centroid_mm"][2] - case.levels[name]["centroid_mm"][2]) <= 10.0, levels[name]
