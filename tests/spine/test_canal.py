"""The spinal-canal track (jmedseg.spine.canal) on a drawn trunk: a bright, thick blood pool in front of a
thin column with a canal must give the column, wherever the blood pool is."""
import numpy as np

from jmedseg.data.io import Volume
from jmedseg.spine import label_vertebrae
from jmedseg.spine.canal import track_canal
from jmedseg.spine.column import _patient_midline, work_grid

SPACING = (1.0, 1.0, 2.0)
SHAPE = (200, 160, 75)            # 200 x 160 mm, 150 mm of z


def _trunk():
    """Soft tissue, a 400 HU 'heart' (radius 40 mm) in front, a column behind: bodies of 250 HU (radius 15 mm)
    with a 600 HU rim, 6 mm discs of 85 HU every 30 mm, and behind each body a bony ring (arch) around a
    CSF canal (radius 7 mm). Returns the HU volume and the canal centre (x, y) in mm."""
    x, y = np.meshgrid(np.arange(SHAPE[0]) * SPACING[0], np.arange(SHAPE[1]) * SPACING[1], indexing="ij")
    hu = np.full(SHAPE, -1000.0, np.float32)
    outline = ((x - 100) / 95) ** 2 + ((y - 80) / 75) ** 2 <= 1.0
    canal_xy = np.array([100.0, 35.0])
    body_xy = canal_xy + [0.0, 24.0]
    r_body = np.hypot(x - body_xy[0], y - body_xy[1])
    r_canal = np.hypot(x - canal_xy[0], y - canal_xy[1])
    heart = np.hypot(x - 90.0, y - 110.0) <= 40.0
    for k in range(SHAPE[2]):
        z = k * SPACING[2]
        s = hu[:, :, k]
        s[outline] = 45.0
        s[heart] = 400.0
        in_disc = (z % 30.0) < 6.0
        s[r_body <= 15.0] = 85.0 if in_disc else 250.0
        if not in_disc:
            s[(r_body > 13.5) & (r_body <= 15.0)] = 600.0
        s[(r_canal > 7.0) & (r_canal <= 12.0) & (r_body > 15.0)] = 500.0      # pedicles, laminae
        s[r_canal <= 7.0] = 10.0
    return hu, canal_xy


def test_canal_track_follows_the_canal_not_the_blood_pool():
    hu, canal_xy = _trunk()
    grid = work_grid(hu, SPACING)
    track = track_canal(grid.hu, grid.spacing, _patient_midline(grid.hu, grid.spacing))
    nz = grid.hu.shape[2]
    # the track runs the whole scan (the canal is enclosed in every slice here)
    assert track.first <= 1 and track.last >= nz - 2
    centre_mm = (track.centre[track.first:track.last + 1] + 0.5) * np.array(grid.spacing[:2]) - 0.5 * np.array(
        SPACING[:2])
    # within 3 mm (one working pixel) of the drawn canal in every slice; the heart is 75 mm away
    assert np.abs(centre_mm - canal_xy).max() <= 3.0, np.abs(centre_mm - canal_xy).max()


def test_bodies_are_the_column_in_front_of_the_canal():
    hu, canal_xy = _trunk()
    labels, report = label_vertebrae(Volume(hu, np.diag([*SPACING, 1.0]), SPACING))
    assert report["levels"], report["summary"]
    ys = np.argwhere(labels > 0)[:, 1] * SPACING[1]
    # every labelled voxel lies in front of the canal's centre (no arch) and at most one working pixel (3 mm)
    # beyond the body's front (y 74 mm); none in the blood pool (400 HU, y 70-150 mm)
    assert ys.min() > canal_xy[1] and ys.max() <= canal_xy[1] + 24.0 + 15.0 + 3.0
    # the labels come back from 3 x 3 x 2 mm working pixels: a pixel straddling the body's front may carry
    # a few original voxels of the touching pool; the whole pool is over 100 times the labelled volume
    assert (labels > 0)[hu == 400.0].sum() <= 0.01 * (labels > 0).sum()
    # discs every 30 mm over 150 mm of z: four or five whole bodies between them
    assert 4 <= len(report["levels"]) <= 6, [e["height_mm"] for e in report["levels"]]
