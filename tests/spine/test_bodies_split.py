"""Splitting the column's body region into vertebrae (`jmedseg.spine.bodies.split_bodies`)."""
import numpy as np

from jmedseg.spine.bodies import split_bodies
from jmedseg.spine.column import Column
from jmedseg.spine.levels import Segment

SP = (3.0, 3.0, 5.0)          # the working grid of a 5 mm CT


def _column(body):
    nz = body.shape[2]
    centre = np.tile([50.0, 30.0], (nz, 1))
    seen = body.any(axis=(0, 1))
    area = body.sum(axis=(0, 1)) * SP[0] * SP[1]
    return Column(centre, centre.copy(), seen, area, body, body.copy(), body.copy(), np.full(nz, 50.0))


def test_a_wing_of_the_pelvis_is_not_the_body_above_s1():
    """Three vertebrae on a straight column (x = 50 px) at 5 mm slices: S1 (slices 0-5), L5 (7-12), L4 (14-19),
    discs at slices 6 and 13. Each body is a disc of 7 px radius (42 mm across, 149 px a slice). In L5's three
    lowest slices the column's region also holds an iliac wing 75-132 mm to the right, apart from the body
    (as below the canal's end, where a sacral slice's region spans the pelvis): 3 x 20 x 25 = 1500 px, more
    than L5's own 6 x 149 = 894 px. Before the line's width limit the largest 3D part, the wing, was kept as
    L5 (its centre 104 mm right of the spine); now L5 is its body, centred on the line."""
    nx, ny, nz = 100, 60, 20
    x, y = np.mgrid[:nx, :ny]
    disc = (x - 50) ** 2 + (y - 30) ** 2 <= 49
    body = np.zeros((nx, ny, nz), bool)
    for k in range(nz):
        if k not in (6, 13):
            body[:, :, k] = disc
    body[75:95, 20:45, 7:10] = True
    segments = [Segment(0, 5, False, True), Segment(7, 12, True, True), Segment(14, 19, True, False)]
    for seg, name in zip(segments, ("S1", "L5", "L4")):
        seg.name = name
    arc = np.arange(nz) * SP[2]
    labels = split_bodies(_column(body), segments, [6, 13], [30.0, 65.0], arc, SP, 0, nz - 1)
    l5 = np.argwhere(labels == 2)
    assert len(l5) == 6 * disc.sum()                      # the whole body, nothing of the wing
    assert abs(l5[:, 0].mean() - 50.0) * SP[0] < 1.0      # centred on the spine's line (the wing's: 104 mm off)
    assert (labels[:, :, 14:] == 3).sum() == 6 * disc.sum()
    assert (labels[:, :, :6] == 1).sum() == 6 * disc.sum()


def test_the_lowest_vertebra_keeps_its_width():
    """S1 with its alae (110 mm across, one connected region) stays whole: the sacrum is the one wide vertebra
    and the sacrum checks measure it (`jmedseg.spine.sacrum`)."""
    nx, ny, nz = 100, 60, 14
    body = np.zeros((nx, ny, nz), bool)
    body[32:69, 22:38, 0:6] = True                           # 37 px = 111 mm across
    body[43:58, 22:38, 7:14] = True                          # L5, 45 mm
    segments = [Segment(0, 5, False, True), Segment(7, 13, True, False)]
    segments[0].name, segments[1].name = "S1", "L5"
    labels = split_bodies(_column(body), segments, [6], [30.0], np.arange(nz) * SP[2], SP, 0, nz - 1)
    assert (labels == 1).sum() == body[:, :, :6].sum()
    assert (labels == 2).sum() == body[:, :, 7:].sum()
