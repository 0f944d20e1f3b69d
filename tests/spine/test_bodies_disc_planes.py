"""The L5/S1 disc's plane faces along the line joining the bodies either side of it (`jmedseg.spine.bodies`).

Synthetic benchmark CTs 26 and 34 (seed 47, abdomen + pelvis, 1.5 and 2.5 mm slices) were "confirmed by sacrum and
ribs" with "L5" centred 16 mm behind and 11 mm below its body, nearer S1's centre: the smoothed centre line does not
follow the sacrum's step back, so the plane perpendicular to it at the L5/S1 disc tilted the wrong way (its
normal 19 degrees backwards) and gave the back of the upper sacrum to L5.
"""
import numpy as np

from jmedseg.spine.bodies import MAX_DISC_TILT_DEG, disc_planes, split_bodies
from jmedseg.spine.column import Column
from jmedseg.spine.levels import Segment

from tests.spine.test_bodies_split import SP

S1_SLICES, L5_SLICES, DISC = range(0, 6), range(7, 13), 6


def _sacrum_behind_l5():
    """S1 (slices 0-5) a block x 44-55, y 10-21 px (36 mm deep, its centre 42 mm behind L5's), the disc at slice 6,
    L5 (7-12) a disc of 5 px radius at (50, 30) px, 3 x 3 x 5 mm. The smoothed centre line drifts forwards going
    down (y 36 px at slice 0 to 28.8 at 12), as the one of CT 26 did: a plane perpendicular to it at the disc
    tilts backwards. The raw centres are each slice's centre of mass, as the column and the sacral base give them."""
    nx, ny, nz = 100, 60, 13
    x, y = np.mgrid[:nx, :ny]
    body = np.zeros((nx, ny, nz), bool)
    for k in S1_SLICES:
        body[44:56, 10:22, k] = True
    for k in L5_SLICES:
        body[:, :, k] = (x - 50) ** 2 + (y - 30) ** 2 <= 25
    seen = body.any(axis=(0, 1))
    raw = np.full((nz, 2), np.nan)
    for k in np.flatnonzero(seen):
        raw[k] = np.argwhere(body[:, :, k]).mean(axis=0)
    centre = np.column_stack([np.full(nz, 50.0), 36.0 - 0.6 * np.arange(nz)])
    area = body.sum(axis=(0, 1)) * SP[0] * SP[1]
    return Column(centre, raw, seen, area, body, body.copy(), body.copy(), np.full(nz, 50.0)), body


def test_the_l5_s1_plane_faces_forwards_and_up_within_the_steepest_tilt():
    column, _ = _sacrum_behind_l5()
    arc = np.arange(column.body.shape[2]) * SP[2]
    (point, normal), = disc_planes(column, [DISC * SP[2]], arc, SP, sacral=0)
    tilt = np.degrees(np.arccos(normal[2]))
    assert normal[1] > 0                          # forwards and up: S1's top is higher at its back
    # the line joining the bodies (42 mm back over 12.5 mm of z) is steeper than any disc: held at the limit
    assert abs(tilt - MAX_DISC_TILT_DEG) < 0.5
    assert 15.5 * SP[1] < point[1] < 30 * SP[1]   # between S1's centre (15.5 px) and L5's (30 px)


def test_other_discs_keep_the_smoothed_lines_plane():
    """A disc not above S1 is cut perpendicular to the smoothed line (its tangent from the slices either side)."""
    column, _ = _sacrum_behind_l5()
    arc = np.arange(column.body.shape[2]) * SP[2]
    (_, normal), = disc_planes(column, [DISC * SP[2]], arc, SP)
    expected = np.array([0.0, -0.6 * 3 * SP[1], 3 * SP[2]])          # slices 5 -> 8 of the drifting line
    assert np.allclose(normal, expected / np.linalg.norm(expected))


def test_the_sacrums_back_stays_s1_and_l5_is_its_own_body():
    column, body = _sacrum_behind_l5()
    segments = [Segment(0, 5, False, True), Segment(7, 12, True, False)]
    segments[0].name, segments[1].name = "S1", "L5"
    labels = split_bodies(column, segments, [DISC], [DISC * SP[2]], np.arange(body.shape[2]) * SP[2], SP, 0, 12)
    assert (labels == 1).sum() == body[:, :, :6].sum()      # the whole sacral block (the old plane took its
    assert (labels == 2).sum() == body[:, :, 7:].sum()      # top-back slices 2-5 from it), L5 its own disc
