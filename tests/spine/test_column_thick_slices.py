"""The column's blood pool and body search at 5 mm slices (jmedseg.spine.column; issue 20, docs/spine.md 2026-12-04).

Drawn on the working grid (3 mm pixels, 5 mm slices, as a 5 mm CT gives it), 40 HU soft tissue round a canal
of CSF at (x, y) = (30, 20):
- a bright plate one slice thick (a tilted endplate cut by a 5 mm slice, 350 HU): bone, not blood; a bright
  cylinder through every slice, 45 mm in front of the canal (an iodine-filled aorta, 350 HU): blood;
- a thick bright ring round the canal (9-18 mm from its centre: small upper thoracic bodies and arches of a
  native CT, 350 HU against a column median of 40 HU here): bone enclosing the canal, not blood;
- a body whose back wall is open where the basivertebral veins enter (a 9 mm notch from the canal into its
  middle): still found; a disc slice (no bone in front of the canal): no body.
"""
import numpy as np

from jmedseg.spine.canal import CanalTrack
from jmedseg.spine.column import NECK_MM, _body_in_front_of_canal, _pool_and_bone

SP = (3.0, 3.0, 5.0)
SHAPE = (60, 60, 9)
CANAL = (30, 20)


def _canal():
    """The canal's track through every slice, as `jmedseg.spine.canal.track_canal` returns it."""
    nz = SHAPE[2]
    centre = np.tile(np.array(CANAL, float), (nz, 1))
    return CanalTrack(centre, np.ones(nz, bool), 0, nz - 1, np.zeros(SHAPE, bool))


def _grid():
    x, y = np.mgrid[:SHAPE[0], :SHAPE[1]]
    return x, y, np.full(SHAPE, 40.0, np.float32)


def test_a_one_slice_plate_is_bone_and_a_vessel_through_the_slices_is_blood():
    x, y, hu = _grid()
    plate = (np.abs(x - 15) <= 5) & (np.abs(y - 45) <= 5)             # 33 x 33 mm, far from the canal
    vessel = np.hypot(x - 45, y - 35) <= 4                             # 24 mm across, 45 mm from the canal
    hu[:, :, 4][plate] = 350.0
    hu[vessel] = 350.0
    pool, _, _ = _pool_and_bone(hu, _canal(), SP)
    assert not pool[:, :, 4][plate].any()        # before: the in-plane erosion alone kept all of it as pool
    core = np.hypot(x - 45, y - 35) <= 2
    assert pool[:, :, 1:-1][core].all()


def test_thick_bone_round_the_canal_is_not_blood():
    x, y, hu = _grid()
    r = np.hypot(x - CANAL[0], y - CANAL[1])
    ring = (r >= 3) & (r <= 6)             # 9-18 mm from the canal's centre; the bone sample 20 mm ahead stays 40 HU
    vessel = np.hypot(x - 45, y - 40) <= 4                             # 75 mm from the canal
    hu[ring] = 350.0
    hu[vessel] = 350.0
    pool, lumen, _ = _pool_and_bone(hu, _canal(), SP)
    assert not pool[ring].any() and not lumen[ring].any()
    assert pool[:, :, 1:-1][np.hypot(x - 45, y - 40) <= 2].all()


def _body_slice(notch):
    """Solid pixels of one slice: a 36 x 30 mm body from 6 mm in front of the canal, with or without an open
    basivertebral foramen (9 mm wide, 15 mm deep from its back wall)."""
    x, y = np.mgrid[:SHAPE[0], :SHAPE[1]]
    body = (np.abs(x - CANAL[0]) <= 6) & (y >= CANAL[1] + 2) & (y <= CANAL[1] + 11)
    if notch:
        body &= ~((np.abs(x - CANAL[0]) <= 1) & (y <= CANAL[1] + 6))
    return body


def test_a_body_with_an_open_foramen_is_found():
    solid = _body_slice(notch=True)
    mask = _body_in_front_of_canal(solid, np.array(CANAL, float), SP, NECK_MM)
    assert mask is not None                      # before: None, a false disc dip in the body's middle
    # the body is grown back from its core inside the solid pixels; the 6 mm neck's opening rounds off its
    # corners (18 of 115 pixels here), nothing else is lost
    assert not mask[~solid].any()
    assert mask.sum() >= 0.8 * solid.sum()


def test_a_disc_slice_has_no_body():
    solid = np.zeros(SHAPE[:2], bool)
    x, y = np.mgrid[:SHAPE[0], :SHAPE[1]]
    solid[(np.abs(x - CANAL[0]) >= 3) & (np.abs(x - CANAL[0]) <= 5) & (np.abs(y - CANAL[1]) <= 2)] = True  # pedicles
    assert _body_in_front_of_canal(solid, np.array(CANAL, float), SP, NECK_MM) is None
