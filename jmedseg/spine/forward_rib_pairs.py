"""Over a counted sacrum at thin slices, no rib found behind the body's centre: the lower rib pairs followed forward.

At slices thinner than `jmedseg.spine.levels.THICK_SLICE_MM` the rib search follows a shaft behind the body's centre
only (`jmedseg.spine.ribs.BEHIND_MM`): at the top of the thorax the forward band would join C7's transverse process
to the first rib's neck and pass it for a rib (the bundled chest CTA). Forward shafts are taken between rib levels
found behind (`ribs._forward_ribs_between`) and one pitch under the lowest (`rib_below`), never where none was
found. But ribs 10-12 run out and down round the flank and turn forward within 60 mm of the midline where the
working grid is coarse in plane (thin slices of fine pixels are block-averaged to about 2.6 mm): then no rib is
found behind, the T12 anchor is lost with its ribs in view, and a normal spine with the sacrum and the lowest rib in
view is refused as "one anchor only" (issue 20, seed 167 CT 66, abdomen + pelvis, native, 1.32 x 1.32 x 1.5 mm,
noise 26 HU: the T10-T12 pairs' medial ends reach 50-56 mm behind the centre, 63-64 mm followed forward).

Where a sacrum with its iliac wings is counted (an abdomen + pelvis or lumbar CT: the first rib and C7 lie 400 mm
or more above S1, out of such a field of view; a scan reaching them shows ribs behind the centre, and the search is
not made again) and no rib was found over its floor (`sacrum.rib_floor`, two
vertebrae over the base: no rib lies lower, and the iliac crests reach L4), the search is made again with the
forward band, as at thick slices, and what it finds is kept only as rib pairs: a medial end on each side within
`RIB_LEVEL_GAP_MM` of z of each other (left and right heads of one level lie 0-5 mm apart). A lumbar transverse
process ends within 45-55 mm of the midline either way (the forward band adds the psoas and kidneys beside it, soft
tissue). The pairs found are ordinary rib levels: the T12 anchor counts them and only agreement with the sacrum
confirms a level, so a pair taken wrongly (a level missed or one too many) leaves the anchors disagreeing and the
levels refused, as they were with one anchor.
"""
from scipy import ndimage

from jmedseg.spine.levels import RIB_LEVEL_GAP_MM, THICK_SLICE_MM
from jmedseg.spine.ribs import FORWARD_MM, RIB_REACH_MM, medial_ends, offsets_from_centre, rib_band
from jmedseg.spine.sacrum import rib_floor


def forward_pairs_over_sacrum(heads, column, spacing, segments, sacrum, lo, hi):
    """`heads` ([(z slice, side)] found over the rib floor), or where they are none, a sacrum with iliac wings is
    counted and the slices are thinner than `THICK_SLICE_MM`, the rib pairs found with the forward band over the
    floor (module docstring). `segments`: the thick-disc segments (inferior to superior); `sacrum`: `find_sacrum`'s
    finding."""
    if heads or sacrum.segment is None or not sacrum.pelvis or spacing[2] >= THICK_SLICE_MM:
        return heads
    floor = rib_floor(segments, sacrum, lo)
    dx_mm, dy_mm = offsets_from_centre(column, spacing)
    parts, _ = ndimage.label(rib_band(column.bone, dx_mm, dy_mm, FORWARD_MM, floor, hi))
    ends = [(z, side) for z, side, reach, _ in medial_ends(parts, dx_mm, spacing, None) if reach >= RIB_REACH_MM]
    gap = RIB_LEVEL_GAP_MM / spacing[2]
    return sorted((z, side) for z, side in ends
                  if any(other != side and abs(w - z) <= gap for w, other in ends))
