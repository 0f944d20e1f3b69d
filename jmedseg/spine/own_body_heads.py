"""A rib level handed to the vertebra under the one whose slices hold it, leaving that one rib-free inside the run:
given back (issue 20, 2026-12-06 night, branch `top15`).

`ribs.mark_rib_bearing` hands a head of ribs 2-9 lying up to half a pitch over a segment to that segment: those ribs
articulate across the disc over their own body (demifacets on both plates), so a head a little over a disc may be
the rib of the body under it. In the phantom the heads of ribs 6-9 lie at or under their own body's middle, and at
5 mm a head in the lowest slab of a short segment (10-15 mm, a body cut by a disc found a slab high or low) is within
that reach of the segment under it: the level is handed down. Then one vertebra bears two rib levels and the one over
it none, inside the run of rib-bearing vertebrae, and `levels.rib_anchor_doubt` (rightly) refuses the first pair:
"12 rib levels but 12 vertebrae between the discs (1 without a rib)". Measured (main 922e592, 5 mm, C7 whole, the
first pair in view): seed 173 CT 72 (chest: the ninth and eighth pairs' heads at 258 and 283 mm, at T9's and T8's
centres, each handed one segment down, T10's segment bearing two levels and T8's, 280-285 mm, none), 173 CT 76 (the
ninth pair at 262 mm, T9's centre, on T10's segment), and at 1.25 mm 157 CT 16 (the eighth pair at 272 mm on T9's
segment; there the twelfth rib is missed too).

Ribs are borne by consecutive vertebrae, one rib a side each (`rib_gap`): a vertebra inside the run without a rib
says its rib was given elsewhere, and a vertebra with two levels says where. So where a rib-free segment bounded by
two discs lies under a rib-bearing one and over a chain of segments, each bearing a level whose heads lie in the
slices of the segment over it, that ends at a segment bearing two levels, each of those levels goes back to the
segment whose slices hold its heads: one level on each. Nothing else moves: a level whose heads lie in a disc's slice
or in its own segment, a chain that ends at a segment bearing one level, a rib-free segment at the run's top (C7 over
the first pair) or bottom (L1) are left as they are. The levels still count only through `levels.find_anchors` and
its checks (the first pair with a rib-free vertebra over it, T12 with one under it, one level on each vertebra
between them): this only undoes a hand-down that two consecutive vertebrae contradict.

Measured (docs/spine.md, branch `top15`): 173/72 confirmed by ribs and first pair, T1-T12 within 4.5 mm of their truths
(with `top_heads` trying its re-cut where the pair counted is not the highest); 157/16 named from the right anchor,
still refused; 123 control CTs (seed 7 whole, the chest CTs of 173 and 179 among 0-24, 57 CTs with the first pair
not counted) unchanged; of forty 13-rib subjects one changed its summary only (9005: the first pair counted alone).
"""
from jmedseg.spine.levels import rib_level_groups

GIVEN_BACK_NOTE = ("a rib level at slice {:.1f} given back to this vertebra, whose slices hold its heads: handed to "
                   "the one under it, it left this one rib-free and that one with two levels (`own_body_heads`)")


def levels_back_to_own_body(segments, heads, dz):
    """Move each handed-down rib level of the module's pattern back to the segment holding its heads, in place.
    `segments`: inferior to superior; `heads`: (slice, side) of each rib head (for the sides of a moved level)."""
    sides = {}
    for z, side in heads:
        sides.setdefault(float(z), set()).add(side)
    for b in range(1, len(segments) - 1):
        moves = _handed_down_chain(segments, b, dz)
        for j, level in moves:
            _move_level(segments[j], segments[j + 1], level, sides)


def _handed_down_chain(segments, b, dz):
    """[(segment index, level's head slices)] to move one segment up, for the rib-free segment `b`; [] when the
    module's pattern does not hold there."""
    bare = segments[b]
    if bare.ribs or not (bare.lower_disc and bare.upper_disc) or not segments[b + 1].ribs:
        return []
    moves = []
    for j in range(b - 1, -1, -1):
        levels = rib_level_groups(segments[j].rib_z, dz)
        over = segments[j + 1]
        if not levels or not all(over.lo - 0.5 <= z <= over.hi + 0.5 for z in levels[-1]):
            return []
        moves.append((j, levels[-1]))
        if len(levels) >= 2:
            return moves
    return []


def _move_level(below, over, level, sides):
    """Give the heads `level` of segment `below` to segment `over`; each segment's sides follow its heads."""
    below.rib_z = [z for z in below.rib_z if z not in level]
    over.rib_z = sorted(over.rib_z + list(level))
    for seg in (below, over):
        seg.ribs = tuple(sorted(set().union(*(sides.get(float(z), set()) for z in seg.rib_z))))
    over.notes.append(GIVEN_BACK_NOTE.format(min(level)))
