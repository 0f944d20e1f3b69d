"""Axial slices of random subjects, as training data for the 2D networks.

Each slice is rendered on a fine grid (half the model's pixel), averaged over
thin sub-slices (slice thickness), degraded by a random scanner and
interpolated onto the model's grid. Two views:

- `crop`: `size` pixels around the vertebra (the centre of its bounding box,
  jittered), what `measure --mask` feeds the model;
- `full`: the whole reconstruction circle (field of view), as `segment` sees a CT.

Labels (0 background, 1 cortical, 2 cancellous, 3 other bone) come from the
geometry: a pixel is body bone when at least half of it (over the slice
thickness) is body, cancellous only when all of it is trabecular bone, other
bone (posterior elements, ribs, arms) when half of it is; the trabecular
values follow a Johnson SU law whose mode is the slice's true density.
"""
from dataclasses import dataclass

import numpy as np

from jmedseg.data.synth.anatomy import LEVEL_SIZES, LEVELS, draw_anatomy
from jmedseg.data.synth.render import VertebraPainter, vertebra_centre_uv
from jmedseg.data.synth.scanner import HU_MIN, degrade, draw_scan, metal, streaks, sub_slice_offsets
from jmedseg.data.synth.soft_tissue import paint_soft_tissue
from jmedseg.errors import ConfigError

VIEWS = ("crop", "full")
CROP_JITTER_MM = 6.0          # the crop centre's random offset from the vertebra's centre (per axis, SD)
VERTEBRA_BOX = (-70.0, 70.0, -45.0, 115.0)   # (u0, u1, v0, v1) mm: where the vertebra can be


@dataclass
class SynthSlice:
    hu: np.ndarray          # float32 [size, size], radiological view
    labels: np.ndarray      # uint8 tissue ids
    level: str
    true_density_hu: float
    pixel_mm: float
    scan: object            # ScanParams
    z_mm: float             # slice centre relative to mid-body


def _grid(n, fine_mm, centre, angle):
    x = (np.arange(n) - (n - 1) / 2) * fine_mm
    yy, xx = np.meshgrid(x, x, indexing="ij")  # rows (v), columns (u)
    c, s = np.cos(angle), np.sin(angle)
    return centre[0] + c * xx - s * yy, centre[1] + s * xx + c * yy


def _box(uu, vv):
    """Index window of the grid that covers the vertebra's possible extent (or None)."""
    u0, u1, v0, v1 = VERTEBRA_BOX
    inside = (uu >= u0) & (uu <= u1) & (vv >= v0) & (vv <= v1)
    if not inside.any():
        return None
    rows, cols = np.flatnonzero(inside.any(1)), np.flatnonzero(inside.any(0))
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _block_mean(a, k=2):
    n0, n1 = a.shape[0] // k, a.shape[1] // k
    return a[: n0 * k, : n1 * k].reshape(n0, k, n1, k).mean(axis=(1, 3))


def draw_z(rng, level):
    """Slice centre (mm from mid-body): mostly through the body, sometimes into the disc."""
    h, disc = 0.5 * LEVEL_SIZES[level][2], LEVEL_SIZES[level][3]
    if rng.random() < 0.85:
        return float(rng.uniform(-h, h))
    return float(np.sign(rng.uniform(-1, 1)) * (h + rng.uniform(0, 0.5 * disc)))


def synth_slice(rng, anat, scan, z_mm, size=128, pixel_mm=0.8, view="crop", supersample=1):
    """One slice of subject `anat` at height `z_mm` through scanner `scan` (see the module doc).

    `supersample` fine pixels per model pixel and axis: 2 renders partial volume in-plane exactly
    (four times the work); 1 samples each pixel at its centre (the scanner blur still smooths edges).
    """
    if view not in VIEWS:
        raise ConfigError(f"view must be one of {VIEWS}, got {view!r}")
    angle = np.deg2rad(anat.rotation_deg)
    if view == "crop":
        cu, cv = vertebra_centre_uv(anat)
        centre = (cu + rng.normal(0, CROP_JITTER_MM), cv + rng.normal(0, CROP_JITTER_MM))
    else:
        centre = (scan.fov_shift[0], anat.body_cv + scan.fov_shift[1])
        size = int(np.ceil(scan.fov_mm / pixel_mm / 32) * 32)
    ss = int(supersample)
    fine_mm = pixel_mm / ss
    uu, vv = _grid(ss * size, fine_mm, centre, angle)
    hu, code = paint_soft_tissue(uu, vv, anat, rng)
    frac = {c: (code == c).astype(np.float32) for c in (1, 2, 3)}
    box = _box(uu, vv)
    if box is not None:
        painter = VertebraPainter(uu[box], vv[box], anat.vertebra, fine_mm, rng)
        painter.canal_hu = anat.csf_hu
        offsets = sub_slice_offsets(scan.slice_mm)
        acc = np.zeros(uu[box].shape, np.float32)
        counts = {c: np.zeros(uu[box].shape, np.float32) for c in (1, 2, 3)}
        for off in offsets:
            h, c = hu[box].copy(), code[box].copy()
            painter.paint(h, c, z_mm + off)
            acc += h
            for k in counts:
                counts[k] += c == k
        hu[box] = acc / len(offsets)
        for k in counts:
            frac[k][box] = counts[k] / len(offsets)
    vc = vertebra_centre_uv(anat)
    if scan.streaks:
        hu += streaks(uu, vv, rng, scan.streaks, vc)
    if scan.metal:
        add, mask = metal(uu, vv, rng, vc)
        hu += add
        for k in frac:
            frac[k][mask] = 0.0
    img = degrade(hu, fine_mm, scan, rng, (size, size))
    body, canc, other = (_block_mean(frac[c], ss) for c in (1, 2, 3))
    labels = np.zeros((size, size), np.uint8)
    labels[other >= 0.5] = 3
    labels[body + canc >= 0.5] = 1
    labels[canc >= 0.999] = 2
    # the reconstruction circle: nothing outside it, not even labels (field-of-view truncation)
    mu, mv = _grid(size, pixel_mm, centre, angle)
    fov_u, fov_v = scan.fov_shift[0], anat.body_cv + scan.fov_shift[1]
    outside = np.hypot(mu - fov_u, mv - fov_v) > 0.5 * scan.fov_mm
    img[outside] = HU_MIN
    labels[outside] = 0
    return SynthSlice(img, labels, anat.vertebra.level, anat.vertebra.density_hu, pixel_mm, scan, z_mm)


def subject_slices(seed, index, n_slices, size=128, pixel_mm=0.8, view="crop", levels=LEVELS, supersample=1):
    """`(info, [SynthSlice])` of subject `index`: its own random stream, so it does not depend on the cohort size."""
    rng = np.random.default_rng([int(seed), int(index), 7])
    level = levels[int(rng.integers(len(levels)))]
    anat = draw_anatomy(rng, level)
    scan = draw_scan(rng)
    out = [synth_slice(rng, anat, scan, draw_z(rng, level), size, pixel_mm, view, supersample)
           for _ in range(n_slices)]
    info = dict(subject_id=f"syn{index:05d}", level=level, true_density_hu=round(anat.vertebra.density_hu, 3),
                pixel_mm=round(scan.pixel_mm, 3), slice_mm=round(scan.slice_mm, 3),
                noise_hu=round(scan.noise_hu, 2), enhanced=anat.enhanced)
    return info, out


def synth_slices(n_subjects, slices_per_subject=1, seed=0, size=128, pixel_mm=0.8, view="crop", levels=LEVELS,
                 supersample=1):
    """All slices of `n_subjects` random subjects (a flat list of SynthSlice)."""
    return [s for i in range(n_subjects)
            for s in subject_slices(seed, i, slices_per_subject, size, pixel_mm, view, levels, supersample)[1]]
