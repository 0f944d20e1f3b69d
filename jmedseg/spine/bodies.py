"""Vertebral bodies per level: body cross-sections split by the disc planes.

Each disc is a plane through the column's centre line at the disc, perpendicular
to the centre line there (lordosis tilts the lower lumbar discs by 10-30 degrees
against the axial slices, so splitting by slice number alone would cut L5/S1
bodies obliquely). A body pixel belongs to the vertebra between the two disc
planes that enclose it; of each vertebra's pixels the largest 3D connected part
is kept (a neighbour's corner crossing the plane is dropped).

Below the canal's end the column's body region of a sacral slice can hold the whole
pelvis (the alae joined to the iliac wings, 200-290 mm across); an oblique disc plane
gives the vertebra above S1 some of those slices, and the largest part of it could be a
wing far from any vertebra (synthetic CT 166 of seed 2026, 5 mm slices, whose L5 body the
column saw in few slices: "L5" centred in the right iliac wing, 132 mm off the spine). A
body is no wider than 55 mm, so above the lowest vertebra (S1, or the column's bottom) only
pixels within `LINE_HALF_WIDTH_MM` of the centre line count.
"""
import numpy as np
from scipy import ndimage

from jmedseg.spine.column import BODY_HALF_WIDTH_MM, TRACK_TOLERANCE_MM

LINE_HALF_WIDTH_MM = BODY_HALF_WIDTH_MM + TRACK_TOLERANCE_MM   # half the widest body, margin, and the track's
                                                              # distance from the body's centre


def disc_planes(column, disc_arcs, arc, spacing):
    """[(point_mm, unit_normal)] per disc at arc position (mm): the centre line's point and tangent there."""
    sp = np.asarray(spacing, float)
    pts = np.column_stack([column.centre * sp[:2], np.arange(len(arc)) * sp[2]])
    planes = []
    for s in disc_arcs:
        k = float(np.interp(s, arc, np.arange(len(arc))))
        k0 = int(np.clip(np.floor(k), 0, len(arc) - 2))
        f = k - k0
        point = (1 - f) * pts[k0] + f * pts[k0 + 1]
        a, b = max(0, k0 - 1), min(len(arc) - 1, k0 + 2)
        tangent = pts[b] - pts[a]
        planes.append((point, tangent / np.linalg.norm(tangent)))
    return planes


def split_bodies(column, segments, discs, disc_arcs, arc, spacing, lo, hi):
    """Label array on the working grid: segment index + 1 for each body voxel (0 elsewhere)."""
    body = column.body
    out = np.zeros(body.shape, np.int16)
    planes = disc_planes(column, disc_arcs, arc, spacing)
    gap_of_segment = {}
    for j, seg in enumerate(segments):
        gap_of_segment[sum(d < seg.lo for d in discs)] = j
    sp = np.asarray(spacing, float)
    margin = int(np.ceil(15.0 / spacing[2]))    # an oblique disc plane reaches this far from its centre slice
    wide_ok = np.array([j == 0 or seg.name == "S1" for j, seg in enumerate(segments)] + [True])  # [-1]: none
    for k in range(max(0, lo - margin), min(body.shape[2], hi + margin + 1)):
        pts = np.argwhere(body[:, :, k])
        if len(pts) == 0:
            continue
        xyz = np.column_stack([pts * sp[:2], np.full(len(pts), k * sp[2])])
        gap = np.zeros(len(pts), int)
        for p, n in planes:
            gap += ((xyz - p) @ n > 0).astype(int)
        seg_idx = np.array([gap_of_segment.get(g, -1) for g in gap])
        on_line = np.abs(xyz[:, 0] - column.centre[k, 0] * sp[0]) <= LINE_HALF_WIDTH_MM
        keep = (seg_idx >= 0) & (on_line | wide_ok[seg_idx])
        out[pts[keep, 0], pts[keep, 1], k] = seg_idx[keep] + 1
    for j in range(len(segments)):
        mask = out == j + 1
        parts, n = ndimage.label(mask)
        if n > 1:
            sizes = ndimage.sum_labels(mask, parts, index=np.arange(1, n + 1))
            out[mask & (parts != 1 + int(np.argmax(sizes)))] = 0
    return out
