"""Each segment's labelled body measured once on the working grid, and the `incomplete` flag decided from it, before
the checks that read it (issue 20, 2026-12-06 night, branch `review15`).

Why: `label_vertebrae` turned the segments into report entries and only there decided which vertebrae the field of
view cuts (`incomplete`) and where each body's centre lies; `body_off_heads` computed the same centres again before
that loop, and `off_centre`, which needs `incomplete` (a cut neighbour's centre is not its body's), had to run on the
finished entries, rewriting their flags, confidence and note. Measured here once (`measure_bodies`) and flagged on
the segments (`flag_cut_by_edge`), every check flags segments and the entry loop is the one place that turns a
segment's flags into an entry. Same values as before, to the bit: the centres are sums of integer indices divided
by the count (docs/spine.md, the section of branch `review15`).
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage


@dataclass
class BodyVoxels:
    """Per segment (index j: label j + 1 on the working grid): voxel count, centre (mean voxel index; NaN where the
    body has no voxel) and the first and last voxel index along each axis (-1 where none)."""

    count: np.ndarray      # (n,)
    centre: np.ndarray     # (n, 3)
    first: np.ndarray      # (n, 3)
    last: np.ndarray       # (n, 3)

    def centroids_mm(self, factors, affine):
        """Each body's centre in world mm on the CT's own grid (rounded to 0.01 mm, as reported); None where the
        body has no voxel. A working voxel of `factors` CT voxels has its centre at (k + 0.5) * f - 0.5."""
        rotation, shift = np.asarray(affine)[:3, :3], np.asarray(affine)[:3, 3]
        fine = (self.centre + 0.5) * np.asarray(factors) - 0.5
        return [None if n == 0 else [round(v, 2) for v in (rotation @ ijk + shift).tolist()]
                for n, ijk in zip(self.count, fine)]


def measure_bodies(labels, n):
    """`BodyVoxels` of segments 0..n-1 in `labels` (the label map of `bodies.split_bodies`: segment index + 1)."""
    where = np.nonzero(labels)
    which = labels[where].astype(int) - 1
    count = np.bincount(which, minlength=n)[:n]
    sums = np.stack([np.bincount(which, weights=axis, minlength=n)[:n] for axis in where], axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = sums / count[:, None]
    first, last = np.full((n, 3), -1), np.full((n, 3), -1)
    for j, box in enumerate(ndimage.find_objects(labels, max_label=n)):
        if box is not None:
            first[j] = [s.start for s in box]
            last[j] = [s.stop - 1 for s in box]
    return BodyVoxels(count, centre, first, last)


def flag_cut_by_edge(segments, bodies, shape):
    """Flag `incomplete` (in place) on each segment whose body touches the working grid's edge (`shape`), that
    lacks a disc on a side while lying within a slice of the top or bottom of the scan (S1 needs none under it), or
    that has no body voxel left after the split at the discs."""
    nz = shape[2]
    for j, seg in enumerate(segments):
        if bodies.count[j] == 0:
            seg.flags.append("incomplete")
            seg.notes.append("no body voxels left after splitting at the discs")
            continue
        touches_edge = (bodies.first[j] <= 0).any() or (bodies.last[j] >= np.array(shape) - 1).any()
        no_disc = (not seg.lower_disc and seg.name != "S1") or not seg.upper_disc
        if touches_edge or (no_disc and (seg.lo <= 1 or seg.hi >= nz - 2)):
            seg.flags.append("incomplete")
            seg.notes.append("the vertebra is cut by the edge of the field of view")


def count_ids(labels, top, slab_voxels=1 << 22):
    """Voxels of each id 0..top in `labels` (non-negative integers, e.g. the label map on the CT's grid), read once.

    Why: one comparison per level reads the whole map once per vertebra (a 512 x 512 x 300 map with 25 levels: 3.8 s
    against 1.1 s read once, side by side on the shared 2-core machine; the throughput CT's map, 7 levels: 0.48 s
    against 0.33 s, quiet). Why slabs: `np.bincount` widens its input to 8-byte integers, 630 MB for that map at
    once; slabs of `slab_voxels` keep the copy at 32 MB. The map is read in memory order (`ravel(order="K")`): the
    counts do not depend on the order, and `to_original` returns an x-fastest map, which a C-order `reshape` would
    copy whole first (1.0 s on the throughput CT).
    """
    flat = labels.ravel(order="K")      # memory order: no copy of an x-fastest map (docstring)
    counts = np.zeros(top + 1, np.int64)
    for start in range(0, flat.size, slab_voxels):
        counts += np.bincount(flat[start:start + slab_voxels], minlength=top + 1)[:top + 1]
    return counts
