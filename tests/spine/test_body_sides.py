"""The aorta joined to the thoracic bodies' side is cut off at the narrower side's reach from the spinal canal (issue
20, branch `aorta16`, jmedseg.spine.body_sides)."""
import numpy as np

from jmedseg.spine.body_sides import SIDE_MARGIN_MM, within_canal_sides

SP = (1.5, 1.5, 2.5)       # the working grid of a 2.5 mm CT
CANAL_X = 100.0            # the canal's centre (working voxels); the body's back lies in front of it


def _bodies(centre_x=CANAL_X, half_px=10, nz=24):
    """Round bodies of `half_px` pixels' radius (15 mm: a mid-thoracic body) centred at `centre_x`, 20 mm in front of
    the canal, in every slice; and the canal's centre in every slice."""
    x, y = np.mgrid[0:200, 0:120]
    disc = (x - centre_x) ** 2 + (y - 60) ** 2 <= half_px ** 2
    canal = np.tile([CANAL_X, 47.0], (nz, 1))
    return np.repeat(disc[:, :, None], nz, axis=2), canal


def _with_aorta(body):
    """The body with a 24 mm aorta joined to its -x side in every slice: its lumen 8-32 mm from the canal's centre."""
    x, y = np.mgrid[0:200, 0:120]
    aorta = (x - (CANAL_X - 13)) ** 2 + (y - 62) ** 2 <= 8 ** 2
    return body | aorta[:, :, None]


def test_aorta_along_every_slice_is_cut_at_the_narrower_sides_reach():
    body, canal = _bodies()
    out = within_canal_sides(_with_aorta(body), canal, SP)
    assert (out[body]).all()                                      # every body pixel kept
    # the limit: the +x side's reach (10 pixels, 15 mm) plus the 12 mm (8 pixel) margin from the canal's centre
    limit = 10 + int(SIDE_MARGIN_MM / SP[0])
    assert not out[:int(CANAL_X) - limit, :, :].any() and out[int(CANAL_X) - limit].any(axis=0).all()
    assert (out[int(CANAL_X):] == body[int(CANAL_X):]).all()     # the side without the aorta is untouched


def test_a_body_rotated_aside_by_fifteen_degrees_keeps_its_width():
    """Rotated by 15 degrees about its canal, a body 20 mm in front of it lies 5 mm (3 pixels) aside: its wider side
    reaches 6 pixels (9 mm) further than its narrower one, inside the 12 mm margin."""
    body, canal = _bodies(centre_x=CANAL_X - 3)
    assert (within_canal_sides(body, canal, SP) == body).all()


def test_slices_off_the_canals_track_are_left_as_they_are():
    body, canal = _bodies()
    leaked = _with_aorta(body)
    canal[:6] = np.nan                                            # under the canal's track: the sacrum, a cut bottom
    out = within_canal_sides(leaked, canal, SP)
    assert (out[:, :, :6] == leaked[:, :, :6]).all() and not (out[:, :, 6:] == leaked[:, :, 6:]).all()


def test_enhanced_chest_aorta_leaves_the_thoracic_labels(tmp_path):
    """Seed 113 CT 8 (chest, portal venous, 2.5 mm, 1.12 mm pixels): T5-T10's labels reached 30.5 mm to the -x side
    of their true centres (the aorta's side) and 12-16 mm to the +x side, their centroids 6-11 mm aside. Cut, no label
    reaches further to one side than to the other by more than `SIDE_MARGIN_MM` plus 3 mm (the label is the working
    grid's, up to 2.25 mm pixels, resampled, and the canal's centre is read to a pixel), and T3-T12 stay named,
    unflagged, within 10 mm of their centres along z (half the shortest thoracic pitch: one level off cannot pass)."""
    from jmedseg.data import io
    from jmedseg.data.synth import trunk
    from jmedseg.spine import label_vertebrae

    case = trunk.synth_trunk_case(np.random.default_rng([113, 8]), phase="portal_venous", fov="chest",
                                  max_voxels=12_000_000, cap_coarsens="pixels")
    path = str(tmp_path / "ct.nii")
    trunk.save_case(case, path)
    labels, report = label_vertebrae(io.load_volume(path))
    x_mm = case.affine[0, 3] + np.arange(case.hu.shape[0]) * case.affine[0, 0]
    levels = {e["name"]: e for e in report["levels"]}
    for n in range(3, 13):
        name, truth = f"T{n}", case.levels[f"T{n}"]
        entry = levels[name]
        assert not entry["flags"] and abs(entry["centroid_mm"][2] - truth["centroid_mm"][2]) <= 10.0, (name, entry)
        dx = x_mm[np.nonzero(labels == entry["id"])[0]] - truth["centroid_mm"][0]
        assert abs(-dx.min() - dx.max()) <= SIDE_MARGIN_MM + 3.0, (name, dx.min(), dx.max())
