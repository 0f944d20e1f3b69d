"""Over a counted sacrum at thin slices, no rib found behind the body's centre: the lower rib pairs followed forward
(issue 20, branch `pelvis15`): `jmedseg.spine.forward_rib_pairs.forward_pairs_over_sacrum`.

Constructed scenes on a 2.6 x 2.6 x 1.5 mm working grid (seed 167 CT 66's: 1.32 mm pixels block-averaged by two):
a rib from 26 mm beside the body's centre, 15 mm behind it, curving forward as it runs out to 66 mm and down 10 mm,
so that its part behind `BEHIND_MM` ends about 52 mm out, short of `RIB_REACH_MM`; a lumbar transverse process
straight out to 50 mm.
"""
from types import SimpleNamespace

import numpy as np

from jmedseg.spine.forward_rib_pairs import forward_pairs_over_sacrum
from jmedseg.spine.levels import segments_between
from jmedseg.spine.ribs import RIB_REACH_MM, find_rib_heads
from jmedseg.spine.sacrum import SacrumFinding
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_disc_at_lowest_heads import assert_confirmed_t12_to_l5

SP = (2.6, 2.6, 1.5)
NX, NY, NZ = 61, 41, 60
CX, CY = 30, 20
XS, YS, ZS = np.meshgrid(np.arange(NX), np.arange(NY), np.arange(NZ), indexing="ij")


def _draw(bone, side, z0, reach_mm, forward_mm):
    """A bone tube (radius 3 mm) from 26 mm beside the centre, 15 mm behind it, to `reach_mm` out, rising
    `forward_mm` towards the front (quadratically) and descending 10 mm."""
    for t in np.linspace(0.0, 1.0, 60):
        x = CX + side * (26.0 + (reach_mm - 26.0) * t) / SP[0]
        y = CY + (-15.0 + forward_mm * t * t) / SP[1]
        z = z0 - 10.0 * t / SP[2]
        bone |= ((XS - x) * SP[0]) ** 2 + ((YS - y) * SP[1]) ** 2 + ((ZS - z) * SP[2]) ** 2 <= 9.0


def _column(ribs=(("left", 40), ("right", 40)), process=None):
    bone = np.zeros((NX, NY, NZ), bool)
    for side, z0 in ribs:
        _draw(bone, -1 if side == "left" else 1, z0, 66.0, 25.0)
    if process is not None:
        _draw(bone, 1, process, 50.0, 0.0)
    return SimpleNamespace(bone=bone, centre=np.tile([CX, CY], (NZ, 1)).astype(float))


SEGMENTS = segments_between([2, 4, 6], 0, NZ - 1, SP[2])     # the rib floor (two over the base) at slice 6
SACRUM = SacrumFinding(segment=0, pelvis=True)


def test_a_pair_turning_forward_is_found_where_none_was_behind():
    """The behind-only search finds nothing (the shaft behind the centre ends short); the forward band reaches
    past `RIB_REACH_MM`: the pair, both heads at the level's top (slice 40)."""
    column = _column()
    assert find_rib_heads(column, SP, 6, NZ - 1) == []
    pairs = forward_pairs_over_sacrum([], column, SP, SEGMENTS, SACRUM, 0, NZ - 1)
    assert [side for _, side in pairs] == ["left", "right"]
    assert all(abs(z - 40) <= 2 for z, _ in pairs), pairs


def test_a_lone_end_or_a_transverse_process_is_no_pair():
    """A one-sided forward rib is kept out (a pair's heads lie within `RIB_LEVEL_GAP_MM`), and a transverse process
    ending 50 mm out reaches under `RIB_REACH_MM` either way."""
    assert 50.0 < RIB_REACH_MM
    assert forward_pairs_over_sacrum([], _column(ribs=(("left", 40),)), SP, SEGMENTS, SACRUM, 0, NZ - 1) == []
    lone = _column(ribs=(("left", 40),), process=40)
    assert forward_pairs_over_sacrum([], lone, SP, SEGMENTS, SACRUM, 0, NZ - 1) == []


def test_only_with_no_rib_found_over_a_counted_pelvis_at_thin_slices():
    """Ribs found behind, no sacrum counted, a sacrum without iliac wings, or 4 mm slices (where the rib search
    follows shafts forward already): the heads are returned as they came."""
    column, found = _column(), [(40.0, "left")]
    assert forward_pairs_over_sacrum(found, column, SP, SEGMENTS, SACRUM, 0, NZ - 1) is found
    for sacrum in (SacrumFinding(), SacrumFinding(segment=0, pelvis=False)):
        assert forward_pairs_over_sacrum([], column, SP, SEGMENTS, sacrum, 0, NZ - 1) == []
    assert forward_pairs_over_sacrum([], column, SP[:2] + (4.0,), SEGMENTS, SACRUM, 0, NZ - 1) == []


def test_seed_167_ct_66(tmp_path):
    """Abdomen + pelvis, native, 1.32 x 1.32 x 1.5 mm, noise 26 HU: the T10-T12 pairs reach 50-56 mm behind the
    centre, 63-64 mm followed forward. Before: "one anchor only (the sacrum)", refused with every name right. Now
    confirmed by sacrum and ribs, T12-L5 right."""
    assert_confirmed_t12_to_l5(*label_benchmark_ct(tmp_path, 167, 66, "abdomen_pelvis", "native"))
