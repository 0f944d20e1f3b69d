"""From a subject, an acquisition and a tissue HU mapping to a CT: paint on a coarse grid, resample, add noise.

Shapes are painted analytically with partial volume on a coarse canvas (default 2 mm),
inside the scan's z range only; the canvas is then averaged over each slice's
thickness (the slice profile), interpolated linearly onto the scan's grid (pixel
0.6-1.0 mm, slices 0.6-5 mm), given in-plane correlated noise of the drawn SD, rounded
to integer HU and clipped to the stored range -1024..3071 as a scanner writes them.
"""
import logging
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from jmedseg.data.synth.trunk import body as body_mod
from jmedseg.data.synth.trunk import organs, pelvis, ribs, skeleton, vessels
from jmedseg.data.synth.trunk.acquisition import CAP_PIXEL_MM, MAX_MATRIX, SLICE_MM, z_range
from jmedseg.data.synth.trunk.canvas import Canvas
from jmedseg.data.synth.trunk.tissues import AIR, missing_tissues, trabecular_key

logger = logging.getLogger(__name__)
HU_MIN, HU_MAX = -1024, 3071
COARSE_MM = 2.0


@dataclass
class TrunkCase:
    """One synthetic CT with its truth. `hu` [x, y, z] int16 in canonical RAS+ (as `jmedseg.data.io` loads)."""

    hu: np.ndarray
    affine: np.ndarray
    spacing: tuple
    levels: dict                 # name -> {id, centroid_mm (body centre, world), trabecular_hu, rib, complete}
    tissue_hu: dict
    phase: str
    fov: str
    z_range_mm: tuple
    axcodes: tuple               # storage orientation (nibabel axis codes)
    variant: dict                # rib_pairs, lumbar_count, transitional
    anchors_in_view: list        # 'first_rib' (T1), 'last_rib' (lowest rib-bearing vertebra), 'sacrum' (S1)
    all_centroids: dict          # name -> body centre (world mm) of every vertebra, in the scan or not
    noise_hu: float
    arms: str
    oral_contrast: bool
    seconds: float
    canvas: Canvas = field(repr=False, default=None)

    def label_map(self, which="vertebra"):
        """The coarse 'vertebra' ids or 'tissue' codes, nearest-neighbour on the CT's grid."""
        src = getattr(self.canvas, which)
        step = np.diag(self.affine)[:3] / self.canvas.step
        offset = (self.affine[:3, 3] - self.canvas.origin) / self.canvas.step
        return ndimage.affine_transform(src, step, offset, output_shape=self.hu.shape, order=0, mode="constant")


def _canvas_box(subject, body, acq, lo, hi, step):
    """(origin, shape) of the canvas: the body (and arms) over [lo, hi] in z; a lumbar crop's square only."""
    zs = np.linspace(lo, hi, 40)
    half_x = float(body.half_width(zs).max()) + (110.0 * subject.scale if subject.arms == "down" else 10.0)
    y0, y1 = float(body.back_y(zs).min()) - 10.0, float(body.front_y(zs).max()) + 10.0
    x0, x1 = -half_x, half_x
    if acq.fov == "lumbar":
        half, cy = 0.5 * acq.crop_mm + 2 * step, float(subject.spine_y(0.5 * (lo + hi))) - 25.0
        x0, x1, y0, y1 = max(x0, -half), min(x1, half), max(y0, cy - half), min(y1, cy + half)
    origin = np.array([x0, y0, lo])
    shape = np.ceil((np.array([x1, y1, hi]) - origin) / step).astype(int) + 1
    return origin, shape


def paint_subject(canvas, subject, tissue_hu, z_lo, z_hi):
    """Every structure, in painting order (later ones cover earlier ones)."""
    texture_rng = np.random.default_rng(subject.seeds["texture"])
    organ_rng = np.random.default_rng(subject.seeds["organs"])
    body = body_mod.Body(subject)
    lm = organs.Landmarks(subject, body, organ_rng)
    body_mod.paint_envelope(canvas, body, tissue_hu, (z_lo, z_hi))
    body_mod.paint_back_muscles(canvas, subject, body, tissue_hu)
    organs.paint_chest(canvas, subject, body, lm, tissue_hu, (z_lo, z_hi))
    organs.paint_abdomen(canvas, subject, body, lm, tissue_hu, organ_rng)
    vessels.paint_vessels(canvas, subject, lm, tissue_hu, organ_rng)
    skeleton.paint_discs(canvas, subject.vertebrae, subject.sacrum[0], tissue_hu)
    for v in subject.vertebrae:
        skeleton.paint_vertebra(canvas, v, tissue_hu, texture_rng)
    skeleton.paint_canal(canvas, subject.vertebrae, tissue_hu)
    skeleton.paint_sacrum(canvas, subject.sacrum, tissue_hu, texture_rng)
    pelvis.paint_pelvis(canvas, subject, tissue_hu)
    ribs.paint_ribs(canvas, subject, body, tissue_hu)
    ribs.paint_sternum(canvas, subject, body, tissue_hu)
    ribs.paint_shoulders(canvas, subject, body, tissue_hu)
    return body


def _linear_along(a, axis, coords):
    """`a` linearly interpolated along `axis` at fractional indices `coords` (clamped at the ends)."""
    n = a.shape[axis]
    c = np.clip(np.asarray(coords, np.float64), 0, n - 1)
    i0 = np.minimum(np.floor(c).astype(np.intp), max(n - 2, 0))
    w = (c - i0).astype(np.float32)
    shape = [1, 1, 1]
    shape[axis] = len(c)
    out = np.take(a, i0, axis=axis)
    if n > 1:
        out += (np.take(a, i0 + 1, axis=axis) - out) * w.reshape(shape)
    return out


def slice_thickness(acq, n_xy, z_lo, z_hi):
    """The drawn slice thickness, or the next thicker one in SLICE_MM when the series would exceed
    `acq.max_voxels` (`MAX_VOXELS` unless lowered)."""
    for t in [acq.slice_mm] + [t for t in SLICE_MM if t > acq.slice_mm]:
        if n_xy[0] * n_xy[1] * ((z_hi - z_lo) / t + 1) <= acq.max_voxels:
            return t
    return SLICE_MM[-1]


def scan_grid(canvas, acq, xy_box, z_lo, z_hi):
    """(origin mm, shape, slice mm, pixel mm) of the scanner's grid: `xy_box` ((x0, y0), (x1, y1))."""
    (x0, y0), (x1, y1) = xy_box
    extent = np.array([x1 - x0, y1 - y0])
    if acq.cap_coarsens not in ("slices", "pixels"):
        from jmedseg.errors import InputError

        raise InputError(f"cap_coarsens={acq.cap_coarsens!r}: use 'slices' (thicker slices over the voxel cap) or "
                         "'pixels' (coarser pixels first)")
    p = cap_pixel(acq, extent, z_lo, z_hi) if acq.cap_coarsens == "pixels" else acq.pixel_mm
    n_xy = _matrix(extent, p)
    start = np.array([x0, y0]) + 0.5 * (extent - (n_xy - 1) * p)      # centred when the matrix cuts the body
    t = slice_thickness(acq, n_xy, z_lo, z_hi)
    n_z = int(np.floor((z_hi - z_lo) / t)) + 1
    return np.array([start[0], start[1], z_lo]), (int(n_xy[0]), int(n_xy[1]), n_z), t, p


def _matrix(extent, p):
    return np.minimum(np.floor(extent / p).astype(int) + 1, MAX_MATRIX)


def cap_pixel(acq, extent, z_lo, z_hi):
    """The drawn pixel, or the finest one up to `CAP_PIXEL_MM` (steps of 2 %) that keeps the series at the drawn
    slice under `acq.max_voxels` (`CAP_PIXEL_MM` when none does: `slice_thickness` then thickens the slices)."""
    p = acq.pixel_mm
    while p < CAP_PIXEL_MM and np.prod(_matrix(extent, p)) * ((z_hi - z_lo) / acq.slice_mm + 1) > acq.max_voxels:
        p = min(CAP_PIXEL_MM, p * 1.02)
    return p


def series_noise_hu(acq, pixel_mm):
    """The noise SD of the series: the drawn one, or where the cap coarsened the pixels, the drawn one scaled by
    drawn / actual pixel (the same dose over a pixel `r` times wider averages `r`^2 times the photons: SD / r)."""
    return acq.noise_hu * acq.pixel_mm / pixel_mm


def scan(canvas, acq, xy_box, z_lo, z_hi, rng):
    """The canvas seen by the scanner: (int16 HU [x, y, z], affine, (pixel mm, slice mm)) on the acquisition's grid.

    Slice profile: a box average over the thickness on the canvas; then separable
    linear interpolation (z, y, x); noise is white on 2 x 2 pixel blocks (a soft
    kernel's grain of about two pixels), scaled to the series' SD (`series_noise_hu`).
    """
    origin, shape, t, p = scan_grid(canvas, acq, xy_box, z_lo, z_hi)
    hu = canvas.hu
    if t > canvas.step:
        hu = ndimage.uniform_filter1d(hu, max(1, int(round(t / canvas.step))), axis=2, mode="nearest")
    for axis in (2, 1, 0):
        step = t if axis == 2 else p
        coords = (origin[axis] + step * np.arange(shape[axis]) - canvas.origin[axis]) / canvas.step
        hu = _linear_along(hu, axis, coords)
    grain = rng.standard_normal(((shape[0] + 1) // 2, (shape[1] + 1) // 2, shape[2]), dtype=np.float32)
    grain *= np.float32(series_noise_hu(acq, p))
    hu += np.repeat(np.repeat(grain, 2, axis=0)[: shape[0]], 2, axis=1)[:, : shape[1]]
    affine = np.diag([p, p, t, 1.0])
    affine[:3, 3] = origin
    np.rint(hu, out=hu)
    return np.clip(hu, HU_MIN, HU_MAX).astype(np.int16), affine, (p, t)


def xy_box(subject, canvas, acq, z_lo, z_hi):
    """The reconstruction's in-plane box: the whole canvas, or for a lumbar crop a square on the spine."""
    if acq.fov != "lumbar":
        far = canvas.origin[:2] + (np.array(canvas.shape[:2]) - 1) * canvas.step
        return tuple(canvas.origin[:2]), tuple(far)
    half = 0.5 * acq.crop_mm
    cy = float(subject.spine_y(0.5 * (z_lo + z_hi))) - 25.0
    return (-half, cy - half), (half, cy + half)


def level_truth(subject, tissue_hu, z_lo, z_hi):
    """Per vertebra whose body centre is in the scan: id, centroid, trabecular HU, rib, whole body in view."""
    out = {}
    for v in subject.vertebrae + subject.sacrum[:1]:
        zc = float(v.centre[2])
        if not z_lo <= zc <= z_hi:
            continue
        half = 0.5 * v.height * abs(np.cos(v.pitch)) + v.half_depth * abs(np.sin(v.pitch))
        out[v.name] = {"id": int(v.label_id), "centroid_mm": [round(float(c), 2) for c in v.centre],
                       "trabecular_hu": float(tissue_hu[trabecular_key(v.name)]), "rib": bool(v.rib),
                       "complete": bool(z_lo <= zc - half and zc + half <= z_hi)}
    return out


SACRUM_SEEN_MM = 10.0   # the sacrum counts as in view when this much of S1 below its endplate is scanned


def anchors_in_view(subject, levels, z_lo):
    """Which level anchors the scan holds: T1 (first rib), the lowest rib-bearing vertebra (centres in the
    scan), the sacrum (its top `SACRUM_SEEN_MM` scanned: the sacral base is what marks it)."""
    bearers = [v.name for v in subject.vertebrae if v.rib]
    found = []
    if bearers[0] in levels:
        found.append("first_rib")
    if bearers[-1] in levels:
        found.append("last_rib")
    if z_lo <= -SACRUM_SEEN_MM:
        found.append("sacrum")
    return found


def render_case(subject, acq, tissue_hu, rng, coarse_mm=COARSE_MM):
    """A `TrunkCase`: the subject painted with `tissue_hu`, scanned as `acq` describes."""
    t0 = time.perf_counter()
    missing = missing_tissues(tissue_hu, subject.names)
    if missing:
        from jmedseg.errors import InputError

        raise InputError(f"tissue_hu lacks {missing}; start from tissues.default_tissue_hu(rng, phase, levels) "
                         "and change the values you model")
    z_lo, z_hi = z_range(subject, acq)
    margin = max(acq.slice_mm, 2 * coarse_mm)
    body = body_mod.Body(subject)
    origin, shape = _canvas_box(subject, body, acq, z_lo - margin, z_hi + margin, coarse_mm)
    canvas = Canvas(origin, shape, coarse_mm, tissue_hu[AIR])
    paint_subject(canvas, subject, tissue_hu, z_lo - margin, z_hi + margin)
    hu, affine, (pixel_mm, slice_mm) = scan(canvas, acq, xy_box(subject, canvas, acq, z_lo, z_hi), z_lo, z_hi, rng)
    levels = level_truth(subject, tissue_hu, z_lo, z_hi)
    v = subject.variant
    return TrunkCase(hu=hu, affine=affine, spacing=(pixel_mm, pixel_mm, slice_mm), levels=levels,
                     tissue_hu=dict(tissue_hu), phase=acq.phase, fov=acq.fov, z_range_mm=(z_lo, z_hi),
                     axcodes=tuple(acq.axcodes),
                     variant={"rib_pairs": v.rib_pairs, "lumbar_count": v.lumbar_count,
                              "transitional": v.transitional},
                     anchors_in_view=anchors_in_view(subject, levels, z_lo),
                     all_centroids={v.name: [float(c) for c in v.centre] for v in subject.vertebrae + subject.sacrum[:1]},
                     noise_hu=series_noise_hu(acq, pixel_mm), arms=subject.arms,
                     oral_contrast=subject.oral_contrast, seconds=round(time.perf_counter() - t0, 2), canvas=canvas)
