"""S1's label is S1's own body, not the sacral base under it (issue 20, 2026-12-06 afternoon).

The column's body region of a sacral slice is the sacral base: S1, the S2 (and S3) segments fused under it and,
where the track ran into the pelvis, the alae and iliac wings beside it (200-290 mm across; `bodies` lets the
lowest vertebra keep that width, and `sacrum.extend_to_sacral_base` adds slices down the whole wide run). The
label named S1 held all of that: every confirmed S1 of the day round's series (161 CTs, main 64777d2) lay 12-20 mm
from its true body centre (median 15.7 mm, max 19.9 mm, against the benchmark's 20 mm identification line; L5 beside
it 2.5 mm), its centroid pulled down and back along the sacrum's curve (seed 2026, CTs 6 and 18: 14-16 mm behind and
8-9 mm under the body's centre, label 43 and 29 mm tall under the S1 endplate, 266 mm wide in CT 6). The report
names S1 a vertebra, as VerSe labels it (TotalSegmentator keeps the sacrum apart, and its S1 is S1's own segment),
and a density or a centroid read from it must be S1's body's.

So the S1 label keeps S1's body, read in S1's own frame: the front of the sacral base's midline, slice by slice, is
most anterior at the promontory (S1's anterior upper corner; the tilted endplate's slices above it have their front
further back) and runs down and back along S1's axis under it, so a line fitted to it gives the sacral slope. Kept:
the voxels within `BODY_HALF_WIDTH_MM` of the centre line left-right (the body is 42-54 mm wide; the alae lie
beside), at most `S1_HEIGHT_MM` under the endplate's plane through the promontory (S2 lies under) and at most
`S1_BODY_DEPTH_MM` behind the front line (the canal and the fused arches lie behind). The names and the anchors are
read before (`sacrum`, `levels`) and do not change; the report's S1 centroid, size and `incomplete` flag are its
body's.
"""
import numpy as np

from jmedseg.spine.column import BODY_HALF_WIDTH_MM

S1_HEIGHT_MM = 24.0        # S1's body along its axis: 24-30 mm in adults; the shortest, so no S2 is taken in
S1_DEPTH_MM = 40.0         # the promontory lies under the label's top by at most this: the top is the L5/S1 disc
                           # plane's back, up to the superior articular processes (15-20 mm over the endplate's
                           # middle), and the promontory 10-20 mm under that middle (half a 30-40 mm deep endplate
                           # at a 30-65 degree slope)
S1_BODY_DEPTH_MM = 35.0    # front to back across S1's body: 30-40 mm in adults (the phantom's 28-36 mm); the sacral
                           # canal and the fused arches lie behind
MIDLINE_MM = 10.0          # the body's front is read on the midline, not on the alae's front beside it
MAX_SLOPE_DEG = 65.0       # the steepest sacral slope (30-50 degrees usual, up to 65)


def keep_s1_body(labels, segments, column, spacing):
    """Clear from `labels` (working grid, segment index + 1, `bodies.split_bodies`) the S1 voxels outside S1's body
    (in place): further than `BODY_HALF_WIDTH_MM` left-right from the centre line, deeper than `S1_HEIGHT_MM` under
    the upper endplate's plane through the promontory, or more than `S1_BODY_DEPTH_MM` behind the body's front.
    Only the alae are cleared where the body's front cannot be read (`_front_line`)."""
    j = next((j for j, seg in enumerate(segments) if seg.name == "S1"), None)
    vox = np.argwhere(labels == j + 1) if j is not None else np.zeros((0, 3), int)
    if not len(vox):
        return
    sp = np.asarray(spacing, float)
    xyz = vox * sp
    off_line = np.abs(xyz[:, 0] - column.centre[vox[:, 2], 0] * sp[0])
    body = off_line <= BODY_HALF_WIDTH_MM
    front = _front_line(xyz[body & (off_line <= MIDLINE_MM)])
    outside = ~body
    if front is not None:
        promontory, slope = front
        up = np.array([0.0, np.sin(slope), np.cos(slope)])             # S1's axis, pointing up and forward
        forward = np.array([0.0, np.cos(slope), -np.sin(slope)])       # across it, towards the body's front
        outside |= ((promontory - xyz) @ up > S1_HEIGHT_MM) | ((promontory - xyz) @ forward > S1_BODY_DEPTH_MM)
    labels[tuple(vox[outside].T)] = 0


def _front_line(mid):
    """(the promontory on the line fitted to S1's anterior cortex, the sacral slope in radians) from the midline
    voxels `mid` (mm) of the S1 label, or None with under three slices to fit. Of each slice's front (its most anterior
    voxel), the promontory, S1's anterior upper corner, is the most anterior within `S1_DEPTH_MM` under the label's top
    (the tilted endplate's slices above it have their front further back); under it the body's front runs down and back
    along its axis over `S1_HEIGHT_MM`, and the line fitted to it leans back by the slope's tangent per mm down."""
    if not len(mid):
        return None
    zs = np.unique(mid[:, 2])
    fronts = np.array([mid[mid[:, 2] == z, 1].max() for z in zs])
    near = zs >= zs.max() - S1_DEPTH_MM
    promontory = zs[near][np.argmax(fronts[near])]
    along = (zs <= promontory) & (zs >= promontory - S1_HEIGHT_MM)
    if along.sum() < 3:
        return None
    lean, y0 = np.polyfit(zs[along], fronts[along], 1)
    slope = float(np.clip(np.arctan(lean), 0.0, np.radians(MAX_SLOPE_DEG)))
    return np.array([0.0, lean * promontory + y0, promontory]), slope
