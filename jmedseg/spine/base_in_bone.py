"""The sacral base read in its own bone where the body's filled region in the band misses the alae.

Issue 20, seed 227 CT 78 (abdomen + pelvis, delayed, 1.18 x 1.18 x 3 mm, noise 19 HU; phantom-only): "one anchor
only (T12)", every name right, none confirmed. The column goes on 60 mm under S1's centre into the lower sacrum, so
the lowest segment (no disc under it) holds S1 and S2-S4 (63 mm). `find_sacrum` measures the base's width in the
body's filled region (120 HU, shells closed) within `sacrum.BAND_MM` of the centre line (`base_widths`): there the
region holding the body is split from the alae (47-68 mm of the 36-69 mm bone row at the working grid's 3.55 mm
pixels) and in the three slices under the L5/S1 disc the track found no body at all, so it reads 0-75 mm (131 mm
in two slices only) and no wide run is found; `_base_behind_line` reads the base as `extend_to_sacral_base` does
only where the body lies behind the band (here it lies on it). Read as `extend_to_sacral_base` reads it
(`sacrum._sacral_region`: the bone over 200 HU, shells closed and filled, on the column's left-right line, over
`SACRUM_WIDTH_MM` wide, the iliac wings beside), the segment's top 18 mm under the L5/S1 disc is 103-131 mm wide
(the alae) and the 30 mm under it the pelvic ring joined through the sacroiliac joints (291-295 mm); L5 over the
disc reads no such region in any slice.

The alae reach up to the L5/S1 disc (their top is level with the tilted S1 endplate's back edge) and S1 is joined
to the ilia: so where `find_sacrum` finds no sacral base, the lowest segment (the column's bottom, no disc under
it) is read from its top down, slice by slice while that bone region is found, and the sacrum is looked for again
on those widths (the band's reading kept where it is wider). Every check of `find_sacrum` stands on the second
reading (the wings beside, the vertebrae above narrow, the L5/S1 disc added at the wide run's top when a whole L5
body reads narrow over it), and after it the count checks (`check_count_above_sacrum`: ribs on the three vertebrae
over it, a short vertebra); a base found so is an ordinary sacrum anchor, confirming only where the ribs agree.
The reading is kept only where it counts a sacrum; otherwise the first finding (and its note) stands.
"""
import numpy as np

from jmedseg.spine.sacrum import find_sacrum, sacral_region_width


def sacrum_in_base_bone(column, spacing, segments, lo, hi, finding):
    """`finding` (a `sacrum.SacrumFinding`), or the sacrum found again on the lowest segment's widths read in its
    bone (`bone_widths_under_top`) where `finding` holds no sacral base and that second finding counts one."""
    if finding.segment is not None or finding.pelvis or not segments or segments[0].lower_disc:
        return finding
    bone = bone_widths_under_top(column, spacing, segments[0])
    if not bone.any():
        return finding
    again = find_sacrum(column, segments, spacing, lo, hi, widths=np.maximum(finding.widths_mm, bone))
    return again if again.segment is not None else finding


def bone_widths_under_top(column, spacing, lowest):
    """Per working-grid slice, the left-right extent (mm) of the sacral base's bone region (`sacral_region_width`)
    in the slices of segment `lowest` from its top down while one is found; 0 elsewhere. The region is looked for on
    the body's centre where the track found one in the slice, else on the smoothed centre line."""
    widths = np.zeros(column.bone.shape[2])
    for k in range(lowest.hi, lowest.lo - 1, -1):
        cx, cy = column.raw_centre[k]
        if not np.isfinite(cx):
            cx, cy = column.centre[k]
        widths[k] = sacral_region_width(column, spacing, k, cx, cy)
        if not widths[k]:
            break
    return widths
