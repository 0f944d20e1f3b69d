"""2D axial slices through chosen vertebrae, cut out of 3D volumes for the 2D networks.

The paper segments 2D axial CT slices of L1 and L2 (section 2). From a volume
with tissue labels and vertebra-level ids, `axial_slices` keeps the slices
that cross the cancellous bone of the chosen levels and resamples each onto a
square grid of `size` pixels of `pixel_mm`, centred on that level's body.
Images use the radiological view: rows run anterior to posterior, columns from
the patient's right to left.

2.5D input (`context_slices=k`): each slice also carries its k neighbours on
either side (the volume's own slices, resampled on the same grid; at the
volume's end the edge slice repeats), which thick-slice CT often needs to tell
bone from partial-volume blur.
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from jmedseg.constants import BACKGROUND, CANCELLOUS, CORTICAL, MIN_DENSITY_PIXELS, OTHER_BONE
from jmedseg.data.label_schemes import TOTALSEG_V2
from jmedseg.errors import InputError

AIR_HU = -1000.0


@dataclass
class Slice2D:
    hu: np.ndarray        # float32 [size, size]
    labels: np.ndarray    # uint8 [size, size]
    level: str
    z_index: int
    spacing_mm: tuple     # (row_mm, col_mm)
    context: np.ndarray = None  # float32 [2k + 1, size, size]: the slice and its k neighbours each side (2.5D)


def level_ids(levels, mapping=None):
    """Vertebra ids for level names, e.g. ('L1', 'L2') -> (31, 30) with TotalSegmentator v2 ids."""
    mapping = mapping or TOTALSEG_V2
    unknown = [l for l in levels if l not in mapping]
    if unknown:
        raise InputError(f"unknown vertebra level(s) {unknown}; known: {sorted(mapping)}")
    return tuple(int(mapping[l]) for l in levels)


def map_classes(labels, num_classes):
    """Tissue labels for a model with `num_classes` outputs: 3 drops 'other bone' into background."""
    if num_classes == 3:
        return np.where(labels == OTHER_BONE, BACKGROUND, labels).astype(np.uint8)
    if num_classes == 4:
        return labels.astype(np.uint8)
    raise InputError(f"num_classes must be 3 (background, cortical, cancellous) or 4 (+ other bone), "
                     f"got {num_classes}")


def candidate_slices(labels, vertebrae, level_id, min_pixels):
    """z indices whose cancellous bone of this level has at least `min_pixels` voxels."""
    counts = ((labels == CANCELLOUS) & (vertebrae == level_id)).sum(axis=(0, 1))
    return [int(k) for k in np.flatnonzero(counts >= min_pixels)]


def pick_evenly(items, n):
    """n items spread evenly over the list (all of them when there are n or fewer)."""
    if len(items) <= n:
        return list(items)
    return [items[int(i)] for i in np.round(np.linspace(0, len(items) - 1, n))]


def resample_slice(hu2d, lab2d, spacing_xy, centre_xy, size, pixel_mm):
    """Resample a [x, y] slice onto `size` x `size` pixels of `pixel_mm` around `centre_xy` (voxels).

    Returns (hu, labels) in the radiological view. HU is interpolated linearly
    (exact copy when the spacing already matches), labels by nearest neighbour.
    """
    same_spacing = np.allclose(spacing_xy, pixel_mm)
    if same_spacing:  # whole-voxel centre: the crop copies voxels, so HU values stay untouched
        centre_xy = np.round(np.asarray(centre_xy) + 0.5 * ((size + 1) % 2)) - 0.5 * ((size + 1) % 2)
    offsets = (np.arange(size) - (size - 1) / 2) * pixel_mm
    # row r: anterior to posterior (y decreasing); column c: patient's right to left (x decreasing)
    ys = centre_xy[1] - offsets / spacing_xy[1]
    xs = centre_xy[0] - offsets / spacing_xy[0]
    yy, xx = np.meshgrid(ys, xs, indexing="ij")
    order = 0 if same_spacing else 1
    hu = ndimage.map_coordinates(hu2d, [xx, yy], order=order, mode="constant", cval=AIR_HU)
    lab = ndimage.map_coordinates(lab2d, [xx, yy], order=0, mode="constant", cval=BACKGROUND)
    return hu.astype(np.float32), lab.astype(np.uint8)


def axial_slices(ct, labels, vertebrae, spacing, levels=("L1", "L2"), n_slices=6, size=128, pixel_mm=0.6,
                 num_classes=3, min_pixels=MIN_DENSITY_PIXELS, level_map=None, context_slices=0):
    """Up to `n_slices` axial slices through the cancellous bone of `levels`, centred on each body.

    `ct`, `labels`, `vertebrae` are [x, y, z] arrays (RAS+); `spacing` their voxel size in mm.
    Raises ValueError when no slice crosses enough cancellous bone of the chosen levels.
    """
    if size % 32:
        raise InputError(f"image size must be a multiple of 32 (the networks halve it 5 times), got {size}")
    ids = level_ids(levels, level_map)
    candidates = [(name, lid, k) for name, lid in zip(levels, ids)
                  for k in candidate_slices(labels, vertebrae, lid, min_pixels)]
    if not candidates:
        found = sorted(int(v) for v in np.unique(vertebrae) if v)
        raise InputError(f"no axial slice crosses at least {min_pixels} cancellous voxels of {list(levels)} "
                         f"(ids {list(ids)}); vertebra ids present: {found}")
    out = []
    for name, lid, k in pick_evenly(candidates, n_slices):
        body = np.isin(labels[:, :, k], (CORTICAL, CANCELLOUS)) & (vertebrae[:, :, k] == lid)
        centre = ndimage.center_of_mass(body)
        hu, lab = resample_slice(ct[:, :, k], labels[:, :, k], spacing[:2], centre, size, pixel_mm)
        context = None
        if context_slices:
            context = np.stack([hu if j == k else resample_slice(ct[:, :, j], labels[:, :, j], spacing[:2], centre,
                                                                 size, pixel_mm)[0]
                                for j in np.clip(np.arange(k - context_slices, k + context_slices + 1), 0,
                                                 ct.shape[2] - 1)])
        out.append(Slice2D(hu, map_classes(lab, num_classes), name, k, (float(pixel_mm), float(pixel_mm)), context))
    return out
