"""A thick disc's two endplate bands kept as two discs: the body beside them cut in two (issue 20).

`jmedseg.spine.discs.pair_plates` joins two bands as one disc's plates only under `THIN_DISC_PITCH_MM` apart. On
synthetic benchmark CT 41 of seed 2026 (phantom-only; chest + abdomen, portal, 3 mm) the T12/L1 disc's plates lay
15.0 mm apart along the centre line (10.7 mm in z, the track wobbling), each band became a disc and T12 was cut
in two; its rib level went to a 10 mm piece and the first-rib anchor was not counted. Between the two bands the
core fell 89 HU below the cancellous level: disc tissue (`DISC_TISSUE_HU`), deeper than a body's middle reads.
`jmedseg.spine.discs.join_split_plates` takes such bands for one disc at the trough's bottom.
"""
import numpy as np
import pytest

from jmedseg.spine.discs import (DISC_TISSUE_HU, ENDPLATE_BUMP_HU, FULL_PLATE_HU, JOIN_GAP_MM, JOIN_PITCH_SHARE,
                                 SAMPLE_MM, BandPair,
                                 find_endplate_discs, join_split_plates)

CANCELLOUS_HU = 240.0   # CT 41's core in T11-T12 (236-250 HU)


def _profile(features, top_mm=120.0):
    """Arc positions every `SAMPLE_MM` and a departure profile: (centre mm, HU, sd mm) Gaussians added to zero."""
    s = np.arange(0.0, top_mm, SAMPLE_MM)
    bump = np.zeros_like(s)
    for at, hu, sd in features:
        bump += hu * np.exp(-0.5 * ((s - at) / sd) ** 2)
    return s, bump


def test_ct41_plates_with_disc_tissue_between_are_one_disc():
    """CT 41 along the arc: bands at 144 and 159 mm (+23, +35 HU), the trough between them (-89 HU) at 151.5 mm,
    the disc above (T11/T12) 26 mm higher. The two bands become one disc at the trough, within a sample."""
    s, bump = _profile([(144.0, 40.0, 1.5), (151.5, -100.0, 2.0), (159.0, 50.0, 1.5)], top_mm=200.0)
    assert join_split_plates([144.0, 159.0, 185.0], s, bump) == [pytest.approx(151.5, abs=SAMPLE_MM), 185.0]


@pytest.mark.parametrize("middle_hu", [-0.9 * FULL_PLATE_HU, -67.0])
def test_a_body_with_a_dark_middle_between_two_discs_is_kept(middle_hu):
    """Two discs 15 mm apart under a 26 mm pitch, but between them only a body's darker middle (basivertebral
    veins; at 5 mm slices the running median takes in the bands and a body's middle reads 41-67 HU below it, dev
    CTs 21, 28, 65 of seed 2026): under `DISC_TISSUE_HU`, both discs stay."""
    assert -middle_hu < DISC_TISSUE_HU
    s, bump = _profile([(151.5, middle_hu, 3.0)], top_mm=200.0)
    assert join_split_plates([144.0, 159.0, 185.0], s, bump) == [144.0, 159.0, 185.0]


def test_a_pitch_like_the_one_above_is_a_body_whatever_lies_between():
    """Bands `JOIN_PITCH_SHARE` or more of the pitch above apart are two discs with a body between them, even where
    that body's middle is dark (a trough of disc-tissue depth, e.g. a Schmorl node or a fatty body), here at the
    shortest pitch (`JOIN_GAP_MM`) under a 22 mm pitch above."""
    gap = 15.0
    assert gap >= JOIN_PITCH_SHARE * 21.0
    s, bump = _profile([(144.0 + gap / 2, -100.0, 2.0)], top_mm=220.0)
    assert join_split_plates([144.0, 144.0 + gap, 165.0 + gap], s, bump) == [144.0, 144.0 + gap, 165.0 + gap]


def test_bands_farther_apart_than_the_shortest_pitch_are_two_discs():
    """Two discs a sample over `THIN_DISC_PITCH_MM` apart (16 mm, under 0.7 of a 27 mm pitch above) with a trough of
    86 HU between them: two mid-thoracic discs with a body between (held-out CT 116 of seed 2026, 5 mm, T5/T6 and
    T4/T5), kept apart whatever the trough."""
    assert 16.0 > JOIN_GAP_MM
    s, bump = _profile([(152.0, -86.0, 2.0)], top_mm=200.0)
    assert join_split_plates([144.0, 160.0, 187.0], s, bump) == [144.0, 160.0, 187.0]


def test_a_trough_beside_one_band_is_not_their_disc():
    """A deep trough outside the middle half of the gap (the disc under the lower band, 2 mm above it) is no
    disc between two plates: a disc's plates lie symmetric about it."""
    s, bump = _profile([(146.0, -100.0, 1.5)], top_mm=200.0)
    assert join_split_plates([144.0, 159.0, 185.0], s, bump) == [144.0, 159.0, 185.0]


def test_a_band_pair_is_never_joined_again():
    """A `BandPair` is already a disc's two plates taken together (or a short body's endplates): not joined."""
    s, bump = _profile([(151.5, -100.0, 2.0)], top_mm=200.0)
    pair = BandPair(144.0, (138.0, 150.0))
    assert join_split_plates([pair, 159.0, 185.0], s, bump) == [144.0, 159.0, 185.0]


def test_find_endplate_discs_puts_one_disc_at_each_thick_disc():
    """Core profile of T9-L1 as CT 41 shows it at 3 mm: cancellous bone at 240 HU, each disc a trough of disc
    tissue with a plate either side, pitches 33, 29 and 27 mm along the arc (CT 41: 33.5 from T12/L1 to
    T11/T12); the T12/L1 plates 15 mm apart (not under `THIN_DISC_PITCH_MM`), the others 11 mm. One disc at each
    trough (4 discs), within 2 samples of it."""
    discs = [(60.5, 7.5), (93.0, 5.5), (122.0, 5.5), (149.0, 5.5)]     # (centre mm, half the plates' distance)
    feats = []
    for at, half in discs:
        feats += [(at - half, 2.0 * FULL_PLATE_HU, 1.0), (at, -130.0, 2.0), (at + half, 2.0 * FULL_PLATE_HU, 1.0)]
    s, dep = _profile(feats, top_mm=175.0)
    found = find_endplate_discs(s, CANCELLOUS_HU + dep)
    assert len(found) == len(discs)
    assert np.max(np.abs(np.array(found) - [at for at, _ in discs])) <= 2 * SAMPLE_MM
    assert ENDPLATE_BUMP_HU < FULL_PLATE_HU < DISC_TISSUE_HU < 130.0   # the troughs above are deep enough
