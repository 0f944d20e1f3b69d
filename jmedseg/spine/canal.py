"""The spinal canal: the one structure of the trunk that only a spine has, tracked through the scan.

The column used to be found as the thickest bright region near the midline; iodine
contrast in the heart or aorta (blood pool 200-500 HU) looks just like that. What
contrast cannot imitate is the canal: a tube of CSF and epidural fat (about -100..30
HU) enclosed by bone (the body in front, pedicles at the sides, laminae and the
spinous process behind), running the whole length of the scan behind the bodies.

1. Canal pixels (per axial slice of the working grid): soft tissue or fat
   (`CANAL_LOW_HU`..`CANAL_HIGH_HU`) with dense tissue (> `ENCLOSING_HU`) within
   `ENCLOSURE_MM` in at least `MIN_ENCLOSED_DIRECTIONS` of 8 directions. The canal's
   diameter is 12-25 mm, so from any point inside it bone lies within 20 mm on
   nearly every side; at a disc level the disc in front is not dense, hence 7 of 8.
   Other such pockets exist (fat between contrast-filled heart chambers, the
   marrow cavity of the humerus) but they are short and do not line up over z.
2. The track: per slice the connected groups of canal pixels are candidates; a
   dynamic programme picks one per slice (or none, at a slice through the
   interlaminar gap) maximising the canal seen minus the cost of skipped slices, with
   no step larger than the spine's curvature allows (`MAX_DRIFT_PER_MM` of z, plus
   `DRIFT_SLACK_MM`). The heart's pockets give paths of a few centimetres; the canal
   gives one through the whole scan.
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

CANAL_LOW_HU = -200.0        # epidural fat -100 plus partial volume with air-free tissue; lung/air are below
CANAL_HIGH_HU = 40.0         # CSF 0-15 HU plus noise and partial volume; cancellous bone reads above this
ENCLOSING_HU = 150.0         # bone (or contrast) at partial volume; muscle 40-60, disc 70-100 HU
ENCLOSURE_MM = 20.0          # the canal's radius is 6-12 mm; the enclosing bone is within this
MIN_ENCLOSED_DIRECTIONS = 7  # of 8: the anterior direction may meet a disc
MIN_CANAL_AREA_MM2 = 25.0    # smallest canal cross-section counted (a canal of 12 mm seen at 3 mm pixels)
MAX_CANAL_AREA_MM2 = 900.0   # a lumbar canal is under 400 mm^2; larger enclosed pockets are the pelvis or heart
MAX_OFF_MIDLINE_MM = 50.0    # the canal lies near the body's left-right middle (scoliosis aside); the humerus
                             # or femur marrow cavity, also a long enclosed tube, lies far to the side
MAX_DRIFT_PER_MM = 0.6       # the canal moves at most this many mm in-plane per mm of z (strong kyphosis/lordosis)
DRIFT_SLACK_MM = 6.0         # plus this much (two working pixels: the candidate's centroid wobbles)
MAX_GAP_MM = 40.0            # slices without a canal candidate bridged (an interlaminar gap, a missed level)
GAP_COST_PER_MM = 0.15       # cost of a skipped mm of z, in units of a slice's reward (a reward is <= 1)
CANAL_STEP_PENALTY_PER_MM = 0.05   # a path that wanders costs more than a straight one


@dataclass
class CanalTrack:
    """Per working-grid slice: canal centre (x, y) in working voxels (NaN where none), and where it was seen."""

    centre: np.ndarray        # [nz, 2], interpolated between seen slices, NaN outside the track
    seen: np.ndarray          # [nz] bool: a canal candidate was chosen in this slice
    first: int                # first and last slice of the track (inclusive); first > last when none
    last: int
    pixels: np.ndarray        # [nx, ny, nz] bool: every pixel that could be canal (`canal_pixels`)


def canal_pixels(hu, spacing):
    """Boolean [x, y, z]: pixels that could be the spinal canal (fat or fluid enclosed by dense tissue)."""
    dense = hu > ENCLOSING_HU
    low = (hu > CANAL_LOW_HU) & (hu < CANAL_HIGH_HU)
    hits = np.zeros(hu.shape, np.int8)
    for sx, sy in ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (1, -1), (-1, 1), (-1, -1)):
        n = max(1, int(ENCLOSURE_MM / np.hypot(sx * spacing[0], sy * spacing[1])))
        seen = np.zeros_like(dense)
        for s in range(1, n + 1):
            seen |= _shift2(dense, sx * s, sy * s)
        hits += seen
    return low & (hits >= MIN_ENCLOSED_DIRECTIONS)


def _shift2(mask, dx, dy):
    """`mask` moved so that out[x, y] = mask[x + dx, y + dy] (False outside)."""
    out = np.zeros_like(mask)
    nx, ny = mask.shape[:2]
    out[max(0, -dx):nx - max(0, dx), max(0, -dy):ny - max(0, dy)] = \
        mask[max(0, dx):nx - max(0, -dx), max(0, dy):ny - max(0, -dy)]
    return out


def _candidates(canal, spacing, midline_x):
    """Per slice: array [m, 3] of (x, y, reward) for each group of canal pixels of a canal's size."""
    px_area = spacing[0] * spacing[1]
    out = []
    structure = np.ones((3, 3), bool)
    for k in range(canal.shape[2]):
        parts, n = ndimage.label(canal[:, :, k], structure=structure)
        rows = []
        if n:
            lab = parts.ravel()
            xs, ys = np.indices(parts.shape).reshape(2, -1)
            count = np.bincount(lab, minlength=n + 1)[1:]
            cx = np.bincount(lab, xs, minlength=n + 1)[1:] / np.maximum(count, 1)
            cy = np.bincount(lab, ys, minlength=n + 1)[1:] / np.maximum(count, 1)
            area = count * px_area
            keep = ((area >= MIN_CANAL_AREA_MM2) & (area <= MAX_CANAL_AREA_MM2)
                    & (np.abs(cx - midline_x[k]) * spacing[0] <= MAX_OFF_MIDLINE_MM))
            # reward: saturates at a small canal's area, so a big pocket is no better than the canal
            rows = np.column_stack([cx[keep], cy[keep], np.minimum(1.0, area[keep] / 150.0)])
        out.append(np.array(rows, float).reshape(-1, 3))
    return out


def track_canal(hu, spacing, midline_x):
    """The spinal canal's centre per slice of the working grid (see the module docstring)."""
    nz = hu.shape[2]
    pixels = canal_pixels(hu, spacing)
    cands = _candidates(pixels, spacing, midline_x)
    dz = spacing[2]
    max_back = max(1, int(MAX_GAP_MM / dz))
    best = [c[:, 2].copy() for c in cands]          # best path score ending at each candidate
    prev = [np.full((len(c), 2), -1, int) for c in cands]
    for k in range(nz):
        if not len(cands[k]):
            continue
        xy = cands[k][:, :2] * spacing[:2]
        for back in range(1, min(max_back, k) + 1):
            j = k - back
            if not len(cands[j]):
                continue
            d = np.linalg.norm(xy[:, None, :] - cands[j][None, :, :2] * spacing[:2], axis=2)   # [m_k, m_j]
            allowed = d <= DRIFT_SLACK_MM + MAX_DRIFT_PER_MM * back * dz
            gain = (best[j][None, :] - GAP_COST_PER_MM * (back - 1) * dz - CANAL_STEP_PENALTY_PER_MM * d
                    + cands[k][:, 2][:, None])
            gain = np.where(allowed, gain, -np.inf)
            arg = np.argmax(gain, axis=1)
            top = gain[np.arange(len(arg)), arg]
            better = top > best[k]
            best[k][better] = top[better]
            prev[k][better] = np.column_stack([np.full(better.sum(), j), arg[better]])
    centre = np.full((nz, 2), np.nan)
    seen = np.zeros(nz, bool)
    ends = [(best[k].max(), k, int(np.argmax(best[k]))) for k in range(nz) if len(best[k])]
    if not ends:
        return CanalTrack(centre, seen, 0, -1, pixels)
    _, k, i = max(ends)
    while k >= 0:
        centre[k] = cands[k][i, :2]
        seen[k] = True
        k, i = prev[k][i]
    ks = np.flatnonzero(seen)
    for axis in (0, 1):
        line = np.interp(np.arange(ks[0], ks[-1] + 1), ks, centre[ks, axis])
        # median over ~10 mm: a candidate's centroid wobbles by a pixel; the canal does not
        centre[ks[0]:ks[-1] + 1, axis] = ndimage.median_filter(line, size=max(3, int(round(10.0 / dz))) | 1,
                                                               mode="nearest")
    return CanalTrack(centre, seen, int(ks[0]), int(ks[-1]), pixels)
