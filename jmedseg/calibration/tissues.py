"""Find the internal-calibration reference tissues in a CT: air, fat, paraspinal muscle, aortic blood.

Everything is found relative to the spinal column (jmedseg.spine.column tracks the
vertebral body slice by slice, without naming levels, so this also works on a CT whose
density is refused), on the column tracker's block-averaged working grid (about 3 mm
pixels: each value is the mean of 10-30 voxels, so image noise hardly moves a voxel across
the HU windows below):

- air: outside the body outline (HU above -400, filled), more than AIR_MARGIN_MM from the
  skin, reading -1100..-850 HU; a constant padding value outside the reconstruction circle
  (the CT's minimum, when it fills over 2 % of the CT) is left out;
- fat: every adipose voxel of the body (-200..-30 HU, subcutaneous and visceral) eroded
  by one pixel, so no partial-volume edge with skin, muscle or bowel gas is counted;
- muscle: the erector spinae, 25-90 mm behind the vertebral body's centre and 18-65 mm to
  either side of it (the spinal canal and spinous process lie inside 15 mm), reading
  -20..100 HU, eroded by one pixel;
- blood: the aorta, and the inferior vena cava for the phase, enhanced or not
  (jmedseg.calibration.vessels: round tubes on one track along the column, where anatomy puts them);
- kidneys, for the phase only: cortex and medulla when enhanced (jmedseg.calibration.kidneys).

Each tissue's value is the median of the CT's own voxels in its working-grid mask over the
searched slices (the mask is kept for the QC outlines).
"""
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import ndimage

from jmedseg.calibration.kidneys import KidneySearch
from jmedseg.calibration.vessels import VesselSearch
from jmedseg.spine.column import disk
from jmedseg.spine.tracked import track_column

BODY_HU = -400.0
AIR_HU = (-1100.0, -850.0)
AIR_MARGIN_MM = 10.0
FAT_HU = (-200.0, -30.0)
MUSCLE_HU = (-20.0, 100.0)
MUSCLE_BOX_MM = {"behind": (25.0, 90.0), "beside": (18.0, 65.0)}
MAX_SLICES = 24                      # working-grid slices searched at most (speed; see find_reference_tissues)
VESSELS = ("aorta", "ivc")
MIN_VOXELS = 20                      # working-grid voxels a tissue needs (about 0.5 ml)


@dataclass
class ReferenceTissues:
    """Median HU per tissue (NaN when not found), its working-grid voxel masks and the grid for the QC picture."""

    hu: dict
    masks: dict = field(default_factory=dict)
    grid: object = None
    slices: tuple = ()
    near_levels: bool = False   # searched near labelled vertebrae (not the whole scan, pelvis included)

    def value(self, name):
        return self.hu.get(name, float("nan"))


def _padding_value(array):
    low = float(array.min())
    return low if np.mean(array == low) > 0.02 and low <= -1000.0 else None


def _median(per_slice):
    values = np.concatenate(per_slice) if per_slice else np.zeros(0)
    return float(np.median(values)) if values.size >= MIN_VOXELS else float("nan")


def _vessel_median(per_slice):
    """Median over slices of each slice's median: a slice where a kidney or a bowel loop was taken for the
    vessel is outvoted by the slices that found it, however large that slice's region."""
    if sum(v.size for v in per_slice) < MIN_VOXELS:
        return float("nan")
    return float(np.median([np.median(v) for v in per_slice if v.size]))


def _original_values(hu, grid, mask, ks):
    """Per slice of `ks`, the CT's own voxels inside the working-grid `mask`: a median of these is not moved
    by a CT that clips noisy air at -1024 HU, as a median of block means would be."""
    fx, fy, fz = grid.factors
    out = []
    for k in ks:
        m = mask[:, :, k]
        if not m.any():
            continue
        full = np.repeat(np.repeat(m, fx, axis=0), fy, axis=1)
        slab = np.asarray(hu[: full.shape[0], : full.shape[1], k * fz:(k + 1) * fz])
        out.append(slab[full[: slab.shape[0], : slab.shape[1]]].ravel())
    return out


def _body_outline(slice_hu):
    filled = ndimage.binary_fill_holes(slice_hu > BODY_HU)
    parts, n = ndimage.label(filled)
    if n == 0:
        return filled
    sizes = ndimage.sum(filled, parts, index=np.arange(1, n + 1))
    return parts == 1 + int(np.argmax(sizes))


def _in_box(shape, sp, cx, cy, x_mm, y_mm):
    """Working-grid pixels whose offsets from (cx, cy) in mm lie in x_mm and y_mm ((lo, hi) each)."""
    dx = (np.arange(shape[0]) - cx)[:, None] * sp[0]
    dy = (np.arange(shape[1]) - cy)[None, :] * sp[1]
    return (dx >= x_mm[0]) & (dx <= x_mm[1]) & (dy >= y_mm[0]) & (dy <= y_mm[1])


class _Collector:
    def __init__(self, shape):
        self.masks = {}
        self.shape = shape

    def add(self, name, k, mask):
        if mask is None or not mask.any():
            return
        self.masks.setdefault(name, np.zeros(self.shape, bool))[:, :, k] |= mask


def find_reference_tissues(hu, spacing, z_range=None, max_slices=MAX_SLICES, vertebrae=None, tracked=None):
    """ReferenceTissues of a CT `hu` [x, y, z] (RAS+, HU).

    `vertebrae` (a label map on the CT's grid, when the measurement has one) gives the vertebrae's
    own outline; without it the column tracker's body is used, which can swallow a contrast-filled
    aorta lying against the body (both read above 120 HU), so the aorta is then missed more often.

    `z_range` (lo, hi) (slice indices of `hu`) limits the slices searched; of those, at most
    `max_slices` evenly spaced ones are searched (their medians already settle to under 1 HU).

    `tracked` (jmedseg.spine.track_column of this CT, as the labeller shares it) saves tracking the
    column again; the tissues found are the same (tests/calibration/test_shared_column.py).
    """
    grid, column = _tracked(hu, spacing, tracked)
    g, sp = grid.hu, grid.spacing
    ks = _searched_slices(column, grid, z_range, max_slices)
    pad = _padding_value(hu)
    padded = None
    if pad is not None:  # working pixels that average any padding voxel
        padded = _block_counts(hu, lambda slab: slab == pad, grid, ks) > 0
    if vertebrae is not None:   # a new Column: a shared one stays as the tracker left it
        block = int(np.prod(grid.factors))   # working pixels at least half inside a vertebra
        column = replace(column, body=2 * _block_counts(vertebrae, lambda slab: slab > 0, grid, ks) >= block)
    found = _Collector(g.shape)
    vessels = VesselSearch(len(ks), sp[2], float(np.diff(ks).max() * sp[2]) if len(ks) > 1 else sp[2])
    kidneys = KidneySearch()
    for k in ks:
        _slice_tissues(g[:, :, k], column, k, sp, found, None if padded is None else padded[:, :, k], vessels)
        kidneys.add_slice(g[:, :, k], _body_outline(g[:, :, k]), column, k, sp)
    for name, track in vessels.aorta_and_vena_cava().items():
        for find in track:
            found.add(name, find.k, find.mask)   # a vessel's core: its rim already left out
    values = {name: (_vessel_median if name in VESSELS else _median)(_original_values(hu, grid, mask, ks))
              for name, mask in found.masks.items()}
    values.update({n: float("nan") for n in ("air", "fat", "muscle") + VESSELS if n not in values})
    values["kidney_cortex"], values["kidney_medulla"] = kidneys.cortex_medulla_hu(min(vessels.thoracic, default=None))
    values["blood"] = values["aorta"]   # its HU is the blood reference when the phase is native
    return ReferenceTissues(values, found.masks, grid, tuple(int(k) for k in ks),
                            near_levels=vertebrae is not None and z_range is not None)


def _searched_slices(column, grid, z_range, max_slices):
    """The working-grid slices searched: where the column was seen, inside `z_range` (CT slices), at most
    `max_slices` of them evenly spaced."""
    ks = np.flatnonzero(column.seen)
    if z_range is not None:
        lo, hi = (int(z // grid.factors[2]) for z in z_range)
        ks = ks[(ks >= lo) & (ks <= hi)]
    if len(ks) > max_slices:
        ks = ks[np.linspace(0, len(ks) - 1, max_slices).round().astype(int)]
    return ks


def _block_counts(volume, test, grid, ks):
    """Per working-grid voxel of the slices `ks` (0 elsewhere), how many CT voxels of its block pass `test`.

    The share of a block (count / block size) is what `work_grid` of the 0/1 map gives (a map
    whose values lie in 0..1 is never smoothed there: its noise is under 1 HU), without a float
    copy of the whole CT (300 MB for 512 x 512 x 300) or blocks outside the searched slices.
    """
    fx, fy, fz = grid.factors
    nx, ny, nz = grid.hu.shape
    out = np.zeros((nx, ny, nz), np.int32)
    for k in ks:
        slab = test(np.asarray(volume[: nx * fx, : ny * fy, k * fz:(k + 1) * fz]))
        out[:, :, k] = slab.reshape(nx, fx, ny, fy, fz).sum(axis=(1, 3, 4))
    return out


def _tracked(hu, spacing, tracked):
    """(working grid, column) of the CT: `tracked`'s when given (checked to be this CT's), else tracked now."""
    if tracked is None:
        tracked = track_column(hu, spacing)
    elif not tracked.matches(np.shape(hu), spacing):
        raise ValueError(f"the tracked column belongs to a CT of {tracked.grid.shape} voxels, not to this one of "
                         f"{np.shape(hu)} voxels of {tuple(spacing)} mm: track the column of this CT "
                         "(jmedseg.spine.track_column) or leave `tracked` out")
    return tracked.grid, tracked.column


def _slice_tissues(s, column, k, sp, found, padded, vessels):
    body = _body_outline(s)
    one = np.ones((3, 3), bool)
    air = ~ndimage.binary_dilation(body, structure=disk(AIR_MARGIN_MM, sp[:2])) & (s >= AIR_HU[0]) & (s <= AIR_HU[1])
    if padded is not None:
        air &= ~padded
    found.add("air", k, air)
    fat = body & (s >= FAT_HU[0]) & (s <= FAT_HU[1])
    found.add("fat", k, ndimage.binary_erosion(fat, structure=one))
    cx, cy = column.centre[k]
    behind = (-MUSCLE_BOX_MM["behind"][1], -MUSCLE_BOX_MM["behind"][0])   # y grows anteriorly (RAS+)
    lo, hi = MUSCLE_BOX_MM["beside"]
    box = _in_box(s.shape, sp, cx, cy, (-hi, -lo), behind) | _in_box(s.shape, sp, cx, cy, (lo, hi), behind)
    muscle = box & body & (s >= MUSCLE_HU[0]) & (s <= MUSCLE_HU[1])
    found.add("muscle", k, ndimage.binary_erosion(muscle, structure=one))
    vessels.add_slice(s, body, column, k, sp)
