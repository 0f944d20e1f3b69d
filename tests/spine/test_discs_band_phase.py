"""A run of endplate bands at near-equal gaps: the disc's gap told by the tissue between the bands (issue 20,
`discs.pair_plates`, `discs._joined`).

At 5 mm slices a thin disc's two plates and a short thoracic body's two endplates both lie 11-14 mm apart; along a
run of bands at such gaps the nearest neighbour is chosen by noise, and a run read out of phase puts the discs in
the bodies' middles (seed 113 CT 41, chest + abdomen, 5 mm, noise 22 HU: T5's and T4's own endplates joined as two
discs, T3/T4 and T4/T5 lost, "12 rib levels but 12 vertebrae between the discs (1 without a rib)"). Disc tissue with
no bone in it (70-100 HU) between two bands says they are one disc's plates. A body's darker middle (basivertebral
veins, 150-180 HU) does not: there the nearest neighbour decides as before. The profiles are constructed
(phantom-only numbers): cancellous bone, bright bands, and what lies between them.
"""
import numpy as np

from jmedseg.spine.discs import ENDPLATE_BUMP_HU, THIN_DISC_PITCH_MM, find_endplate_discs, pair_plates
from tests.spine.benchmark_ct import label_benchmark_ct

CANCELLOUS_HU, BAND_HU = 260.0, 330.0
# bands of a run at 13.5, 12.5, 11.5 and 12.0 mm: by the nearest neighbour the middle two pairs are joined
BANDS = [100.0, 113.5, 126.0, 137.5, 149.5]


def _profile(between_hu, length=260.0):
    """(s, raw core HU) every 1 mm: cancellous bone, a 3 mm band at each of `BANDS` (and two lone bands far out,
    so the run stands alone), `between_hu[k]` in the middle 3 mm between bands k and k + 1."""
    s = np.arange(0.0, length, 1.0)
    hu = np.full(len(s), CANCELLOUS_HU)
    for b in BANDS + [40.0, 210.0]:
        hu[np.abs(s - b) <= 1.5] = BAND_HU
    for k, value in enumerate(between_hu):
        mid = 0.5 * (BANDS[k] + BANDS[k + 1])
        hu[np.abs(s - mid) <= 1.5] = value
    return s, hu + np.random.default_rng(0).normal(0.0, 2.0, len(s))


def test_disc_tissue_between_two_bands_sets_the_run_s_phase():
    # a disc with no bone in it between bands 0 and 1 (100 HU), a partial-volume disc between 2 and 3 (215 HU),
    # bone between 1 and 2 and between 3 and 4: the discs lie at 107 and 132 mm, not in the bodies between
    s, core = _profile([100.0, CANCELLOUS_HU, 215.0, CANCELLOUS_HU])
    found, _ = find_endplate_discs(s, core)
    run = [d for d in found if BANDS[0] - 5 <= d <= BANDS[-1] + 5]
    assert [round(d) for d in run[:2]] == [107, 132], found
    assert min(np.diff(found)) >= THIN_DISC_PITCH_MM, found


def test_a_body_s_darker_middle_leaves_the_nearest_neighbour():
    # the same run with the darker gaps at 165 HU (cancellous bone, a body's middle): no disc tissue, nothing read
    # from it; the pairs are those of the nearest neighbour (the bodies' middles, as on 113/41 before)
    s, core = _profile([165.0, CANCELLOUS_HU, 165.0, CANCELLOUS_HU])
    found, _ = find_endplate_discs(s, core)
    run = [round(d) for d in found if BANDS[0] - 5 <= d <= BANDS[-1] + 5]
    assert 107 not in run and 132 not in run, found


def test_pair_plates_reads_the_gaps_only_where_they_are_alike():
    disc, bone = (-60.0, 150.0, 100.0), (-2.0, 262.0, 255.0)
    # gaps 13.5, 12.5: alike; the disc tissue lies in the longer one, which then decides
    assert pair_plates([0.0, 13.5, 26.0], "abc") == [("a",), ("b", "c")]
    assert pair_plates([0.0, 13.5, 26.0], "abc", [disc, bone]) == [("a", "b"), ("c",)]
    # gaps 13.5 and 8: a disc's plates read at 5 mm are nearer than a body's endplates; the nearest stays
    assert pair_plates([0.0, 13.5, 21.5], "abc", [disc, bone]) == [("a",), ("b", "c")]
    # a gap under `RESOLVED_PLATES_MM` is one band split by noise, no rival
    assert pair_plates([0.0, 13.5, 17.5], "abc", [disc, bone]) == [("a",), ("b", "c")]
    # the shorter gap's bone must be bone: both dark, the nearest stays
    assert pair_plates([0.0, 13.5, 26.0], "abc", [disc, (-0.6 * ENDPLATE_BUMP_HU, 200.0, 190.0)]) == \
        [("a",), ("b", "c")]


def test_seed_113_ct_41_discs_of_t3_to_t6_in_phase(tmp_path):
    _, report, score = label_benchmark_ct(tmp_path, 113, 41, "chest_abdomen", "portal_venous")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert not score["refused"] and score["confirmed_wrong"] == []
    assert {"T1", "T4", "T5", "T6", "T12", "L1"} <= set(score["identified"]), score["identified"]
