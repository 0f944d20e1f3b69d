"""A confirmed thoracic level whose labelled body lies off its own rib heads: flagged `uncertain_level` (issue 20,
branch `top13`).

Why: the count of the thoracic levels can be right while the cut of a run of them is not. At 5 mm slices a thin disc
read one slab off (in a body's middle, or an endplate averaged with a disc) moves a segment's planes by a slab, and
`jmedseg.spine.bodies.split_bodies` then labels a body that holds part of its neighbour: its centroid 10-13 mm off
the true centre, half a thoracic pitch, one slab short of a wrong level (the development series, main 64777d2:
every confirmed identified thoracic level more than 10 mm off, several CTs with 3-5 in a row; a held-out series had
two such levels confirmed wrong). The discs cannot tell this: they placed the cut. The rib heads can, independently
of the discs, since each vertebra's pair of heads is found where the ribs meet the column (`jmedseg.spine.ribs`):
- the heads of ribs 2-8 articulate across the disc above their own body (demifacets on its upper endplate and on the
  lower endplate of the vertebra above), so its body's centre lies UNDER its heads, never over them;
- the heads of ribs 10 and 11 articulate with their own body alone, and the 9th's lies at or under its body's middle
  in many spines (its lower demifacet often missing; `jmedseg.spine.thick_chain`): each of these heads lies on its own
  body, so the body's centre lies within half a body's height of its heads, over or under.
A body centre more than `OVER_UPPER_DISC_HEADS_MM` over the heads of ribs 2-8, or more than `OFF_OWN_BODY_HEADS_MM`
from the heads of ribs 9-11, holds the wrong piece of column: its name is kept for a reader and flagged. T12 (`t12_l1_split`) is left to its own
rule.
T1 (evening round, lead): the first rib's head sits on a whole facet at T1's upper border, so T1's centre lies under
its heads as ribs 2-8's do; in the 60 chest CTs of seeds 7 and 2026 (CTs 0-79) whose T1 carries heads, every T1
centre lay 1.2-14.1 mm under them (57 of them within 6 mm of the truth), while the fresh 179/57 (5 mm) had T1's label
holding C7's lower part, its centre 5.6 mm over its heads and 14 mm over its truth, confirmed one level off: T1
takes the same `OVER_UPPER_DISC_HEADS_MM` check (its own cut, `top_split`/`top_heads`, is unchanged).
A body of ribs 2-8 far under its heads is not flagged: how far the upper demifacet lies over the centre varies with
the level and the rib's slope (T2-T3 confirmed right down to 15 mm under their heads, T7-T8 down to 9 mm, where
bodies cut off by half a level lie 15-18 mm under).

Measured (the 68 CTs of `_notes/offbody_list.txt` with thoracic levels, main 64777d2, the body's centre against its
heads' mean height): the 524 confirmed T2-T11 levels within 6 mm of their truth lie at -14.9 .. +2.3 mm (ribs 2-8)
and -8.3 .. +7.9 mm (ribs 9-11); flagged: 12 of the 21 levels more than 10 mm off along z (107/13 T7, T9, T10, T11;
107/41 T9; 107/68 T11; 109/96 T9; 127/69 T10; 139/33 T8; 2026/77 T9; 79/49 T7; 83/33 T9), 8 of 61 at 6-10 mm, none
within 6 mm; seed 7 CTs 0-39 unchanged. Details: docs/spine.md, the section of branch `top13`.
"""
import numpy as np

OVER_UPPER_DISC_HEADS_MM = 5.0   # ribs 2-8: a centre over its heads by more than the 5 mm slab a head's height is
                                 # read to (the centre lies half a body under the upper disc the heads sit at)
OFF_OWN_BODY_HEADS_MM = 10.0     # ribs 9-11: half the height of the shortest lower thoracic body (20 mm): heads
                                 # on their own body lie within it of its centre
UPPER_DISC_RIBS = tuple(f"T{n}" for n in range(2, 9))    # heads across the disc above their own body
FIRST_RIB = "T1"      # its head on a whole facet at T1's upper border: its body's centre lies under it too
OWN_BODY_RIBS = ("T9", "T10", "T11")                    # heads on their own body


def flag_bodies_off_heads(segments, centre_slices, dz):
    """Flag `uncertain_level` (in place) on each confirmed T1-T11 whose body's centre slice (`centre_slices`, per
    segment: `body_voxels.measure_bodies`' centre along z, NaN where it has no voxel) lies more than
    `OVER_UPPER_DISC_HEADS_MM` over its rib heads' mean height (T1-T8), or more than `OFF_OWN_BODY_HEADS_MM` over or
    under it (T9-T11). Returns the names flagged."""
    flagged = []
    for seg, centre in zip(segments, centre_slices):
        if seg.name not in (FIRST_RIB,) + UPPER_DISC_RIBS + OWN_BODY_RIBS or not seg.rib_z or "uncertain_level" in seg.flags:
            continue
        if np.isnan(centre):
            continue
        over_mm = (centre - float(np.mean(seg.rib_z))) * dz
        off = abs(over_mm) > OFF_OWN_BODY_HEADS_MM if seg.name in OWN_BODY_RIBS else over_mm > OVER_UPPER_DISC_HEADS_MM
        if off:
            seg.flags.append("uncertain_level")
            seg.notes.append(f"its body's centre lies {abs(over_mm):.0f} mm {'over' if over_mm > 0 else 'under'} its "
                             "own rib heads, off where they articulate: the cut holds part of a neighbour")
            flagged.append(seg.name)
    return flagged
