"""T1-T3 re-cut from the first three rib pairs' heads where two of those pairs lie on one segment (issue 20,
2026-12-06 evening, branch `top14`).

The refusal it mends: a chest CT with C7 and T12 whole in view, "one anchor only (T12)", because the upper chain's
discs were read half a vertebra off and two of the first three rib levels lie on one segment (seed 47 CT 4, chest,
2.5 mm: ribs 2 and 3 on T3 with T2's lower half, T1/T2 read in T2's middle, the top segment T1's upper part with C7;
seed 157 CT 25, chest + abdomen, 5 mm: ribs 2 and 3 on one segment over T3 and T2's lower half, its upper disc in
T2's middle). The first pair is then not counted (`levels.rib_anchor_doubt`: twelve rib levels on eleven
vertebrae), and `top_heads`, which re-cuts only the two discs over the second pair's segment, leaves the two levels
on one segment.

A segment bearing two rib levels says a disc between them was missed: each vertebra bears one rib a side, and
consecutive levels lie a vertebra's pitch apart. Where that is, the rib heads say, whatever the discs show: the heads
of ribs 2 and 3 articulate across the disc over their own body (demifacets on both plates), at the disc or a little
under it, so T1/T2 and T2/T3 lie in the first slice at or over the second and third pairs' heads; the first rib
articulates with T1 alone just under the C7/T1 disc (`top_heads.c7_t1_disc`). So the discs over the lower disc of
the segment bearing the third pair are replaced by those three, under the checks `top_heads` keeps a re-cut by
(`top_heads.recut_over`: the first pair counted under a rib-free C7, T12 eleven segments under it, one rib level on
each, no level lost, T2-T8 cut where their heads say), and only where
- the first three levels lie a thoracic pitch apart (`MIN_PITCH_SHARE`-`MAX_PITCH_SHARE` of the third-fourth pitch:
  no level missed or found twice between them);
- T3 spans at least `MIN_HEIGHT_SHARE` of that pitch from its lower disc, the one disc kept under the re-cut (the
  check that the chain under is not half a vertebra off as well: seed 73 CT 61, every disc from T3 up in a body's
  middle, would leave a sliver named T3).
"""
import math

import numpy as np

from jmedseg.spine.levels import find_anchors
from jmedseg.spine.pair_heads import two_sided_levels
from jmedseg.spine.rib_split import MAX_PITCH_SHARE, MIN_HEIGHT_SHARE, MIN_PITCH_SHARE, UPPER_LEVELS
from jmedseg.spine.top_heads import c7_t1_disc, recut_over

TOP_THREE_NOTE = ("T1-T3 re-cut from the first three rib pairs' heads, two of which lay on one segment (T1/T2 and "
                  "C7/T1 at {:.0f} and {:.0f} mm of arc): ribs 2-3 articulate across the disc over their own body, "
                  "the first rib with T1 alone under the C7/T1 disc")


def recut_top_three_from_heads(segments, discs, disc_arcs, heads, arc, lo, hi, dz, prepare, sacrum=None,
                               clear_to=None, processes=False):
    """(segments, discs, disc_arcs) with T1-T3 re-cut from the first three rib pairs' heads where the module's
    conditions hold; else unchanged. Arguments as `top_heads.recut_top_from_heads` takes them."""
    return recut_from_first_heads(3, TOP_THREE_NOTE, segments, discs, disc_arcs, heads, arc, lo, hi, dz, prepare,
                                  sacrum, clear_to, processes)


def recut_from_first_heads(n, note, segments, discs, disc_arcs, heads, arc, lo, hi, dz, prepare, sacrum=None,
                           clear_to=None, processes=False):
    """T1..T`n` re-cut from the first `n` rib pairs' heads (n = 3 here, 4 in `top_four_heads`): where the first pair
    is refused, the first `n` levels lie a thoracic pitch apart (shares of the `n`-th to `n + 1`-th pitch), two of
    them on one segment, and the `n`-th level's vertebra spans `MIN_HEIGHT_SHARE` of that pitch from its lower disc,
    the discs over that disc are replaced by the `n` the heads say, under `top_heads.recut_over`'s checks (`note`
    written on the re-cut levels); else (segments, discs, disc_arcs) unchanged."""
    same = segments, discs, disc_arcs
    if not heads or len(segments) < n + 1 or "T1" in find_anchors(segments, dz, sacrum, clear_to, processes)[0]:
        return same
    levels = two_sided_levels(heads, dz)
    if len(levels) < 2 * UPPER_LEVELS:
        return same
    h = [float(np.mean(g)) for g in levels[:-n - 2:-1]]      # the first n + 1 levels, from the top
    pitch = h[n - 1] - h[n]
    if not all(MIN_PITCH_SHARE * pitch <= a - b <= MAX_PITCH_SHARE * pitch for a, b in zip(h[:n - 1], h[1:n])):
        return same
    bearing = [bearing_segment(segments, level) for level in levels[:-n - 1:-1]]
    if None in bearing or len(set(bearing)) == n:      # no two of the first n levels on one segment
        return same
    lowest = bearing[-1]
    floor_disc = segments[lowest].lo - 1
    d_n = int(math.ceil(h[n - 1]))
    if not segments[lowest].lower_disc or d_n - floor_disc < MIN_HEIGHT_SHARE * pitch:
        return same
    above = [int(math.ceil(z)) for z in h[n - 1:0:-1]] + [c7_t1_disc(h[0], dz)]
    return recut_over(segments, discs, disc_arcs, lowest, above, levels, arc, lo, hi, dz, prepare, sacrum, clear_to,
                      processes, note) or same


def bearing_segment(segments, level):
    """Index of the segment bearing a head of rib level `level` (head slices), or None."""
    return next((j for j, s in enumerate(segments) if any(z in s.rib_z for z in level)), None)
