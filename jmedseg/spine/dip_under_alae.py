"""A dip inside S1 under the alae's top: the sacral base's wide run goes on over the lowest segment's upper disc.

Issue 20, seed 151 CT 26 (abdomen + pelvis, portal venous, 5 mm; phantom-only): "sacrum and ribs agree across a
possibly missed disc", every name right. The body track lost most of S1's body in one slice (the body's area 6421
-> 904 mm^2), so the area profile read a disc 17 mm under the L5/S1 disc, in S1's middle, and missed the L5/S1 disc
itself: the segment over the dip measured 55 mm (65 mm along the column), S1's upper 20 mm and L5, and was marked
as a gap where a disc may have been missed. The sacral base's width says where the sacrum goes on: the bone in the
body's filled region reads 108-129 mm (the alae, `sacrum.SACRUM_WIDTH_MM` 100 mm) in the dip's slice and in the
four slices over it, the iliac wings beside, then 47-54 mm (a lumbar body) in the six slices under the next disc.

A disc is soft tissue: its slices read 0 or a body's width, never the alae's (`sacrum.disc_inside_sacrum` asks the
same of a dip inside the sacral base). So where the lowest segment's top, the dip's slice and at least `WIDE_RUN_MM`
of the segment over it from its lower disc up read as wide as the alae, the iliac wings beside, the dip lies inside
the sacrum; where a whole L5 body (`SPLIT_BODY_MM`) reads narrow over that wide part under the segment's upper disc,
the sacrum is read again without the dip and `find_sacrum` adds the L5/S1 disc at the wide run's top, as it does
where the profile found no dip at all. That reading is kept only where it adds the disc over the dip's place: one
disc is taken out and one added between the same two discs, so the count from the sacrum is unchanged, and only the
segments' extents (S1 longer, L5 its own length) and the missed-disc mark change. Where the narrow part is shorter
than an L5 body (the alae's top beside L5's lower part: the `sacral` section's 97/26 and 89/89, where the dip may be
the L5/S1 disc itself), nothing is done. Measured on 107 CTs of sixteen series (abdomen + pelvis and lumbar, the earlier
sacral-base cases and 27 variant subjects among them): it acts on 151/26 alone (branch `pelvis14`).
"""
from jmedseg.spine.levels import segments_between
from jmedseg.spine.sacrum import (ILIAC_SLICE_FRACTION, SACRUM_WIDTH_MM, SPLIT_BODY_MM, WIDE_RUN_MM, find_sacrum,
                                  iliac_wings_beside)


def without_dip_under_alae(column, spacing, lo, hi, segments, finding, area_arcs, slices):
    """(area dips, segments, `SacrumFinding`) with a dip inside S1 under the alae's top taken out and the sacrum read
    again (`find_sacrum` then adds the L5/S1 disc at the wide run's top); the arguments unchanged where there is no
    such dip or the second reading adds no L5/S1 disc over the dip's place (the count from the sacrum would change,
    or the disc would move down).

    `segments`: the thick-disc segments between `area_arcs` (arc mm), inferior to superior; `finding`: the sacrum
    found on them, counted on the lowest segment with no disc added or taken out; `slices`: arc mm -> slice."""
    if finding.segment != 0 or finding.split_at is not None or finding.inner_disc is not None or \
            finding.transitional:
        return area_arcs, segments, finding
    dip = dip_under_alae(column, spacing, finding.widths_mm, segments)
    if dip is None:
        return area_arcs, segments, finding
    kept = [a for a, k in zip(area_arcs, slices(area_arcs)) if k != dip]
    joined = segments_between(slices(kept), lo, hi, spacing[2])
    again = find_sacrum(column, joined, spacing, lo, hi)
    if again.segment != 0 or again.split_at is None or again.split_at <= dip:   # the L5/S1 disc over the dip
        return area_arcs, segments, finding
    again.notes.append("a dip inside S1 under the alae's top, the L5/S1 disc missed over it: the dip taken out, the "
                       "L5/S1 disc placed at the top of the sacral base")
    return kept, joined, again


def dip_under_alae(column, spacing, widths, segments):
    """The slice of a dip inside S1 with the L5/S1 disc missed over it, or None.

    `segments`: the thick-disc segments, inferior to superior (`levels.Segment`); `widths`: the sacral base's width
    per slice (`sacrum.base_widths`). The lowest segment is the column's bottom and wide at its top; the dip's slices
    are wide (no soft disc), and so is the segment over it from its lower disc up for at least `WIDE_RUN_MM`, the iliac
    wings beside at least `ILIAC_SLICE_FRACTION` of those slices; over that wide part at least `SPLIT_BODY_MM` of the
    segment (a whole L5 body) reads narrow up to its upper disc."""
    dz = spacing[2]
    if len(segments) < 2:
        return None
    low, base = segments[0], segments[1]
    if low.lower_disc or not (base.lower_disc and base.upper_disc) or widths[low.hi] < SACRUM_WIDTH_MM:
        return None
    if not all(widths[k] >= SACRUM_WIDTH_MM for k in range(low.hi + 1, base.lo)):
        return None
    top = base.lo
    while top + 1 <= base.hi and widths[top + 1] >= SACRUM_WIDTH_MM:
        top += 1
    wide = range(base.lo, top + 1)
    if widths[base.lo] < SACRUM_WIDTH_MM or len(wide) * dz < WIDE_RUN_MM or (base.hi - top) * dz < SPLIT_BODY_MM:
        return None
    if any(widths[k] >= SACRUM_WIDTH_MM for k in range(top + 1, base.hi + 1)):
        return None
    if sum(iliac_wings_beside(column, spacing, k) for k in wide) < ILIAC_SLICE_FRACTION * len(wide):
        return None
    return (low.hi + base.lo) // 2
