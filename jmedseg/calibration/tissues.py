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
- blood: the abdominal or descending thoracic aorta, the round vessel within 35 mm behind to
  45 mm in front of the vertebral body's anterior edge, on its left (it lies in front of the
  lumbar bodies and beside the thoracic ones), 200-1500 mm^2 in cross-section, bright
  (ENHANCED_HU, contrast) or not (0..100 HU, bounded by fat): per slice and window the round
  region nearest where the aorta lies; per window only the finds on one track along z; the
  window with the longer track is the vessel (oral contrast in a bowel loop next to an
  unenhanced aorta is round and bright too, but bowel does not run straight along the spine). The inferior
  vena cava is the same search on the body's right (for the phase).

Each tissue's value is the median of the CT's own voxels in its working-grid mask over the
searched slices (the mask is kept for the QC outlines).
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from jmedseg.spine.column import disk, find_column, work_grid

BODY_HU = -400.0
AIR_HU = (-1100.0, -850.0)
AIR_MARGIN_MM = 10.0
FAT_HU = (-200.0, -30.0)
MUSCLE_HU = (-20.0, 100.0)
MUSCLE_BOX_MM = {"behind": (25.0, 90.0), "beside": (18.0, 65.0)}
NATIVE_BLOOD_HU = (0.0, 100.0)
ENHANCED_HU = (100.0, 800.0)        # blood with any iodine (delayed phase at 140 kVp: about 90-130 HU)
VESSEL_AREA_MM2 = (80.0, 1500.0)     # after the opening: a 12-45 mm vessel (aorta 15-25 mm, a flat vena cava)
VESSEL_BOX_MM = {"front": (-35.0, 45.0), "side": 55.0}   # from the body's anterior edge; the
# descending thoracic aorta lies beside the body, the abdominal aorta in front of it
MAX_SLICES = 24                      # working-grid slices searched at most (speed; see find_reference_tissues)
VESSELS = ("aorta", "ivc")
VESSEL_WINDOWS = {"enhanced": ENHANCED_HU, "native": NATIVE_BLOOD_HU}
OPENING_MM = 4.0                     # detaches a vessel from thin contacts (a crus, a bowel wall)
VERTEBRA_MARGIN_MM = 2.0             # the body's own cortex is left out; the aorta may lie against it
SPLIT_OPENING_MM = 7.0               # splits an enhanced aorta from an enhanced vena cava it touches
VESSEL_TRACK_MM = 8.0               # a vessel's finds further than this from their median position are dropped
MIN_VOXELS = 20                      # working-grid voxels a tissue needs (about 0.5 ml)


@dataclass
class ReferenceTissues:
    """Median HU per tissue (NaN when not found), its working-grid voxel masks and the grid for the QC picture."""

    hu: dict
    masks: dict = field(default_factory=dict)
    grid: object = None
    slices: tuple = ()

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


def _vessel(candidates, sp, target, opening_mm=OPENING_MM):
    """(mask, centre pixel, distance mm) of the round component of `candidates` nearest `target` (x, y pixels)
    within the vessel size, or None."""
    opened = ndimage.binary_opening(candidates, structure=disk(opening_mm, sp[:2]))
    parts, n = ndimage.label(opened)
    best, best_d = None, np.inf
    for i in range(1, n + 1):
        comp = parts == i
        area = comp.sum() * sp[0] * sp[1]
        if not VESSEL_AREA_MM2[0] <= area <= VESSEL_AREA_MM2[1]:
            continue
        c = np.array(ndimage.center_of_mass(comp))
        extent = np.ptp(np.argwhere(comp) * sp[:2], axis=0).max() + sp[0]
        if area < 0.5 * np.pi * (extent / 2) ** 2:      # elongated (a crus, a bowel wall): not a vessel
            continue
        d = np.hypot(*((c - target) * sp[:2]))
        if d < best_d:
            best, best_d = (comp, c, d), d
    return best


class _Collector:
    def __init__(self, shape):
        self.masks = {}
        self.shape = shape

    def add(self, name, k, mask):
        if mask is None or not mask.any():
            return
        self.masks.setdefault(name, np.zeros(self.shape, bool))[:, :, k] |= mask


def find_reference_tissues(hu, spacing, z_range=None, max_slices=MAX_SLICES, vertebrae=None):
    """ReferenceTissues of a CT `hu` [x, y, z] (RAS+, HU).

    `vertebrae` (a label map on the CT's grid, when the measurement has one) gives the vertebrae's
    own outline; without it the column tracker's body is used, which can swallow a contrast-filled
    aorta lying against the body (both read above 120 HU), so the aorta is then missed more often.

    `z_range` (lo, hi) (slice indices of `hu`) limits the slices searched; of those, at most
    `max_slices` evenly spaced ones are searched (their medians already settle to under 1 HU).
    """
    grid = work_grid(hu, spacing)
    column = find_column(grid)
    g, sp = grid.hu, grid.spacing
    pad = _padding_value(hu)
    padded = None
    if pad is not None:  # working pixels that average any padding voxel
        padded = work_grid((np.asarray(hu) == pad).astype(np.float32), spacing).hu > 0
    ks = np.flatnonzero(column.seen)
    if z_range is not None:
        lo, hi = (int(z // grid.factors[2]) for z in z_range)
        ks = ks[(ks >= lo) & (ks <= hi)]
    if len(ks) > max_slices:
        ks = ks[np.linspace(0, len(ks) - 1, max_slices).round().astype(int)]
    if vertebrae is not None:
        column.body = work_grid((np.asarray(vertebrae) > 0).astype(np.float32), spacing).hu >= 0.5
    found = _Collector(g.shape)
    vessels = {(name, window): [] for name in VESSELS for window in VESSEL_WINDOWS}
    for k in ks:
        _slice_tissues(g[:, :, k], column, k, sp, found, None if padded is None else padded[:, :, k], vessels)
    for name in VESSELS:
        for k, mask in _chosen_track(vessels, name):
            found.add(name, k, mask)
    values = {name: (_vessel_median if name in VESSELS else _median)(_original_values(hu, grid, mask, ks))
              for name, mask in found.masks.items()}
    values.update({n: float("nan") for n in ("air", "fat", "muscle") + VESSELS if n not in values})
    values["blood"] = values["aorta"]   # its HU is the blood reference when the phase is native
    return ReferenceTissues(values, found.masks, grid, tuple(int(k) for k in ks))


def _chosen_track(vessels, name):
    """Bright or not: the window whose finds form the longer track along z (enhanced on a tie); a bowel loop
    with oral contrast beside an unenhanced aorta does not run along the spine as far as the aorta does."""
    tracks = [_along_one_track(vessels[(name, window)]) for window in VESSEL_WINDOWS]
    return max(tracks, key=len)


def _along_one_track(seen):
    """The (slice, mask) of a vessel's per-slice finds that lie on one track: within VESSEL_TRACK_MM of their
    median position beside the column (a bowel loop or a kidney taken in a few slices lies elsewhere)."""
    if not seen:
        return []
    where = np.array([offset for _, offset, _ in seen])
    centre = np.median(where, axis=0)
    return [(k, mask) for k, offset, mask in seen if np.hypot(*(offset - centre)) <= VESSEL_TRACK_MM]


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
    front = np.flatnonzero(column.body[:, :, k].any(axis=0))
    y_front = (front.max() - cy) * sp[1] if front.size else 20.0
    y_box = (y_front + VESSEL_BOX_MM["front"][0], y_front + VESSEL_BOX_MM["front"][1])
    w = VESSEL_BOX_MM["side"]
    vertebra = ndimage.binary_dilation(column.body[:, :, k], structure=disk(VERTEBRA_MARGIN_MM, sp[:2]))
    for name, x_box in (("aorta", (-w, 10.0)), ("ivc", (5.0, w))):   # RAS+: the patient's left is -x
        region = _in_box(s.shape, sp, cx, cy, x_box, y_box) & body & ~vertebra
        target = np.array([cx + np.mean(x_box) / sp[0], cy + (y_front + 15.0) / sp[1]])
        for window, (lo, hi) in VESSEL_WINDOWS.items():   # the round vessel nearest where it lies
            find = _vessel(region & (s >= lo) & (s <= hi), sp, target)
            if find is None and window == "enhanced":     # an enhanced aorta touching an enhanced vena cava
                find = _vessel(region & (s >= lo) & (s <= hi), sp, target, SPLIT_OPENING_MM)
            if find is None:
                continue
            comp, centre, _ = find
            vessels[(name, window)].append((k, (centre - (cx, cy)) * sp[:2],
                                            ndimage.binary_erosion(comp, structure=one)))
