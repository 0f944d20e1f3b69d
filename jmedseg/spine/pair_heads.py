"""The two heads of one rib pair handed to one vertebra: the half-pitch reach measured once per rib level.

`jmedseg.spine.ribs.mark_rib_bearing` hands a head that lies up to half a pitch (`MIN_PITCH_MM` / 2, 10 mm) above a
disc to the segment below it: the heads of ribs 2-9 span the disc above their own vertebra, and rib 1's head sits
on T1's upper lateral corner just under the C7/T1 disc. A rib pair's two heads articulate at one level (the costal
facets of the two sides are symmetric about the midline); in a CT their centres differ by 0-5 mm (tilt, the heads'
own shape, noise), within `jmedseg.spine.levels.RIB_LEVEL_GAP_MM`. Tested head by head, a pair whose heads lie at
the reach's end was cut in two: one side handed down, the other kept above, two segments each with one rib
(issue 20, seed 79 CT 45 and seed 71 CT 17, chest + abdomen at 5 mm: the first pair's heads 0.1 and 0.2 slices
either side of the reach, C7 taken for a one-sided T1, "ribs and first rib pair disagree"). Either side's head is
the pair's level, so the reach is tested once, from the level's lowest head (the one nearest the disc below), and
both heads go together.
"""
from jmedseg.spine.levels import rib_level_groups


def level_reach_z(z_heads, dz):
    """{head slice: slice its half-pitch reach is tested from}: the lowest head of its rib level
    (`rib_level_groups`), so one level's heads are handed to one segment."""
    return {z: group[0] for group in rib_level_groups(z_heads, dz) for z in group}


def level_sides(heads, dz):
    """[(head slices of one rib level, its sides)] among `heads` ((slice, side) pairs), the lowest level first: the
    levels of `rib_level_groups` with the sides their heads lie on (`rib_count.rib_levels`,
    `two_sided_levels`)."""
    sides = {}
    for z, side in heads:
        sides.setdefault(float(z), set()).add(side)
    return [(g, set().union(*(sides[z] for z in g))) for g in rib_level_groups(list(sides), dz)]


def two_sided_levels(heads, dz):
    """The rib levels with heads on both sides (lists of head slices), the lowest first (`rib_split`, `top_split`)."""
    return [g for g, sides in level_sides(heads, dz) if len(sides) == 2]
