"""A rib over the highest pair's rib along the lateral chest wall: the first rib of a T1 cut under its head (issue 20).

Why. `cut_top.count_first_pair_by_rib_count` counts the highest rib pair as T1 under a scan top that cuts C7, but
its posterior band test (`cut_top.rib_bone_over`) can read empty over T2's pair in a 13-rib subject cropped at T1's
centre (ribs 2-13 then count twelve and T2 would be named T1): the phantom's first rib runs out nearly level at its
tubercle, just over T1's centre, so such a cut keeps at most its lower edge near the heads (seeds 9010, 9011 at
2-2.5 mm were confirmed one level off on main). Along the lateral wall the cut first rib shows. Ribs descend as they run round the trunk (phantom
`data/synth/trunk/ribs.py` `rib_path`: 20 + 6 x index mm along the arc; real ribs alike, the first reaching the
manubrium at about T2-T3): with T1 cut at its centre, the first rib's head and neck lie over the scan's top but its
shaft comes down into the scan along the lateral wall, one rib pitch over the second rib at the same place. With
the scan's top in C7 the highest rib at the wall is the pair's own, below its heads: over it lie only the clavicle
and the shoulder (over the narrowing lung apex, medial to the wall's line), the scapula (behind, outside the ribs
past the muscle) and the arm (far out).

What is read. Per slice, the lungs (air enclosed by the body, components of at least `MIN_LUNG_MM2`) and the bone
within `RING_MM` outside each lung (where the ribs lie against the pleura) in the lateral sector (within
`SECTOR_DEG` of straight out from that lung's centre): the wall's rib bone, with its distance from the midline.
The wall line of a side is where the pair's own ribs cross it: the outermost distance from the midline (the
`LINE_PERCENTILE`th of the wall's bone pixels) in the `REFERENCE_MM` of slices under the pair's heads. A rib over
the pair is wall bone in a slice more than `RIB_HALF_HEIGHT_MM` over the heads (the pair's own rib is at or under
its heads at the wall) and no more than `WALL_INSIDE_MM` inside that line.

Measured, as the outermost wall bone over the heads minus the line (benchmark CTs at 12 Mvoxels, 2-5 mm; per CT in
docs/spine.md, branch `wall12`): the 37 chest + abdomen CTs with the scan's top in C7, -56.6 to -27.8 mm (the
clavicle and shoulder over a lung narrowing to its apex), and -14.5 in one small subject (47/17, 2.5 mm: its
shoulder within 12 mm of the apex); ten 13-rib subjects cropped at T1's centre (seeds 9001, 9003, 9006,
9010-9016, rendered at 2.5-5 mm under the cap), -15.5 to +6.5 mm: the first rib at the wall about as far out as
the second. `WALL_INSIDE_MM` 20 mm lies 4.5 mm outside the nearest crop and 7.8 mm inside the nearest CUT CT but
one (47/17 reads a rib and stays refused). The bundled chest CTA (1.5 mm, one real CT) contradicts the phantom:
cropped 8 or 16 mm over C7's centre the wall over T1's heads reads False (the apex), but cropped at C7's middle,
where the labeller's highest pair is T2's, it also reads False: the real first rib lies 24-38 mm inside the second
rib's line at the wall (a narrow thoracic inlet). So `cut_top` uses the cue as a veto only (a rib found there
counts nothing): letting "no rib" clear bone in the posterior band confirmed 24 refused phantom CTs, every level
right, but a real 13-rib crop at T1 would read no rib at the wall and be named one level off; real CTs cut at T1
are needed before that use.
"""
import numpy as np
from scipy import ndimage

from jmedseg.spine.levels import RIB_HALF_HEIGHT_MM, THICK_SLICE_MM

AIR_HU = -400.0           # lung parenchyma -900 to -700 HU, fat -120 to -80: air and lung under this
LUNG_FLOOR_HU = -960.0    # air outside the body is -1000 HU: a lung reads over this once 3 x 3 median-filtered
MIN_LUNG_MM2 = 400.0      # a lung's section at its apex is larger; the trachea (15-20 mm across) smaller
RING_MM = 12.0            # a rib lies against the pleura: its bone within 1.5-10.5 mm of the lung (phantom)
SECTOR_DEG = 40.0         # the lateral wall: the clavicle lies in front, the scapula behind (past the muscle)
REFERENCE_MM = 30.0       # under the heads: the pair's own rib crosses the wall there (1-25 mm under them)
LINE_PERCENTILE = 95.0    # the outermost reach of those ribs, a stray pixel of noise left out
WALL_INSIDE_MM = 20.0     # see the module docstring: measured margins


def wall_bone(hu, bone, spacing, k, centre_x):
    """(distance from the midline in mm, side -1 or 1) of each bone pixel of slice `k` within `RING_MM` outside a
    lung and within `SECTOR_DEG` of straight out from that lung's centre; and the sides holding a lung.

    A lung is air enclosed by the body or, where the body's outline is open (a phantom's apex reaching its front
    at 5 mm), air that is no outside air (`LUNG_FLOOR_HU`)."""
    air = hu[:, :, k] < AIR_HU
    lungs = air & (ndimage.binary_fill_holes(~air) | (ndimage.median_filter(hu[:, :, k], 3) > LUNG_FLOOR_HU))
    labels, n = ndimage.label(lungs)
    if n == 0:
        return [], set()
    areas = ndimage.sum(lungs, labels, range(1, n + 1)) * spacing[0] * spacing[1]
    found, sides = [], set()
    for j in 1 + np.flatnonzero(areas >= MIN_LUNG_MM2):
        lung = labels == j
        lx, ly = np.argwhere(lung).mean(0)
        side = 1 if lx > centre_x else -1
        sides.add(side)
        ring = ndimage.distance_transform_edt(~lung, sampling=spacing[:2]) <= RING_MM
        xs, ys = np.nonzero(ring & ~lung & bone[:, :, k])
        angle = np.degrees(np.arctan2((ys - ly) * spacing[1], (xs - lx) * spacing[0] * side))
        lateral = np.abs(angle) <= SECTOR_DEG
        found += [(float(d), side) for d in (xs[lateral] - centre_x) * spacing[0] * side]
    return found, sides


def rib_over_pair_rib(hu, column, spacing, z_heads):
    """Whether rib bone lies over the highest pair's rib along the lateral wall (the first rib of a T1 cut under
    its head): True, False, or None where the wall under the heads or over them cannot be read (no rib beside a
    lung under them, no lung over them, or no slice over the heads)."""
    bone = column.dense if spacing[2] >= THICK_SLICE_MM and column.dense is not None else column.bone
    nz = hu.shape[2]
    heads = max(z_heads)
    over_from = int(np.floor(heads + RIB_HALF_HEIGHT_MM / spacing[2])) + 1
    under_from = max(0, int(np.ceil(heads - REFERENCE_MM / spacing[2])))
    if over_from > nz - 1:
        return None
    under = [p for k in range(under_from, int(np.floor(heads)) + 1)
             for p in wall_bone(hu, bone, spacing, k, column.centre[k][0])[0]]
    lines = {side: np.percentile([d for d, s in under if s == side], LINE_PERCENTILE) for side in (-1, 1)
             if any(s == side for _, s in under)}
    if not lines:
        return None
    read = False
    for k in range(over_from, nz):
        found, sides = wall_bone(hu, bone, spacing, k, column.centre[k][0])
        read |= bool(sides & set(lines))
        if any(side in lines and d >= lines[side] - WALL_INSIDE_MM for d, side in found):
            return True
    return False if read else None

