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

A pair's two heads found more than `RIB_LEVEL_GAP_MM` apart are one pair all the same where they are nearer each
other than half the pitch to the levels beside them (`paired_across_sides`).
"""
from jmedseg.spine.levels import TWICE_PITCHES, rib_level_groups


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


def paired_across_sides(heads, dz):
    """`heads` ((slice, side) pairs, sorted) with each two neighbouring one-sided rib levels of opposite sides, one
    head each, that lie under `TWICE_PITCHES` of the pitch to the levels beside them apart, moved to their middle:
    one rib pair, one level (`rib_level_groups`).

    A vertebra bears one rib a side and consecutive rib levels lie a vertebra's pitch apart (T1-T3 18-22 mm, T10-T12
    24-30 mm); a pair's heads lie 0-5 mm apart in z. At 3 mm slices one head of a pair may be read a slice or two off
    its place (its medial end's run joined to its neck rising to the tubercle, 5-8 mm higher), past
    `RIB_LEVEL_GAP_MM`: two one-sided levels for one pair, 13 rib levels on 12 vertebrae and the first pair not
    counted (issue 20, seed 113 CT 85, chest + abdomen, 3 mm: the tenth pair's right head at 240 mm, its left one
    at 249, the levels beside them at 213 and 267). A left-only and a right-only level that are two vertebrae' ribs
    (each missing its other side) lie a pitch apart; their pitch to the levels beside them is then the same, so half
    of it is never reached. The pitch is the smaller of the two gaps, merged level to the level below and above
    (only one where the pair is the lowest or highest); a pair with no level beside it is left.
    """
    groups = rib_level_groups([z for z, _ in heads], dz)
    sides = {}
    for z, side in heads:
        sides.setdefault(z, []).append(side)
    moved = {}
    k = 0
    while k + 1 < len(groups):
        a, b = groups[k], groups[k + 1]
        if len(a) != 1 or len(b) != 1 or sides[a[0]] == sides[b[0]] or len(sides[a[0]] + sides[b[0]]) != 2:
            k += 1
            continue
        middle = 0.5 * (a[0] + b[0])
        near = [middle - sum(groups[k - 1]) / len(groups[k - 1])] if k > 0 else []
        near += [sum(groups[k + 2]) / len(groups[k + 2]) - middle] if k + 2 < len(groups) else []
        if not near or b[0] - a[0] >= TWICE_PITCHES * min(near):
            k += 1
            continue
        moved[a[0]] = moved[b[0]] = middle
        k += 2
    return sorted((moved.get(z, z), side) for z, side in heads)
