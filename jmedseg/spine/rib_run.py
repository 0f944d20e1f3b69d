"""A one-sided "rib" cut off below the rib run is not a rib (issue 20, docs/spine.md).

Ribs are borne by consecutive vertebrae from T1 down: an 11th or 13th pair shortens or lengthens the run at its
lower end, a lumbar rib articulates with L1 directly under T12's pair, and no vertebra inside the run is left out.
The rib levels found therefore follow one another a vertebra's pitch apart (T10-T12: 24-30 mm disc to disc, L1's
pitch 28-35 mm, so a 13th rib lies at most about a pitch under the 12th). A one-sided head lying more than
`NEXT_LEVEL_PITCHES` pitches under the lowest level with heads on both sides (half way between one vertebra down,
where a 13th or a unilateral 12th rib would lie, and two) has a whole rib-free vertebra between it and the run: it
is a lumbar transverse process (L2-L3's reach 45-55 mm from the midline), an iliac crest or the sacral ala cut by
the scan, or a vessel's calcified wall against the body, not a rib.

Kept, it became the lowest rib-bearing vertebra: the T12 anchor moved onto a lumbar vertebra (or was lost, no
rib-free vertebra under the column's bottom), the lowest `ribs.SINGLE_FACET_LEVELS` rib levels were counted from it
so the tenth rib's head went to the vertebra below by the half-pitch rule of ribs 2-9, and
`levels.rib_anchor_doubt` refused the first pair (bare vertebrae between the lowest rib and the first pair).
Synthetic dev CTs (seed 73 CT 97, chest + abdomen, 2 mm: a right head at S1, 167 mm under T12's pair, T10 left
bare; seed 71 CT 5, 3 mm: a right head on L2, 56 mm under T12's pair whose pitch to T11 is 28 mm). The sacrum's
own check (`sacrum.without_lone_process`) needs a counted sacrum with iliac wings; this one needs none.

Only the lowest level is looked at (again after a drop), and only when it holds one side, the level over it
two, and the pitch is taken from the levels above (a median of up to three, so one level found twice or missed
does not set it); a double pitch from a level missed just above the lone head lifts the bar, keeping the head.
"""
import numpy as np

from jmedseg.spine.head_at_disc import NEXT_LEVEL_PITCHES
from jmedseg.spine.levels import rib_level_groups

PITCHES_ABOVE = 3             # pitches between the levels over the lone head that set the local pitch


def without_cut_off_head(heads, dz):
    """`heads` ([(z slice, side)], from `ribs.find_rib_heads`) less the one-sided lowest rib levels that lie more
    than `NEXT_LEVEL_PITCHES` local pitches under a two-sided level (module docstring); order kept."""
    while True:
        groups = rib_level_groups([z for z, _ in heads], dz)
        if len(groups) < 3:
            return heads
        low = set(groups[0])
        sides = {side for z, side in heads if z in low}
        above = {side for z, side in heads if z in set(groups[1])}
        if len(sides) > 1 or len(above) < 2:
            return heads
        means = [float(np.mean(g)) for g in groups[1:PITCHES_ABOVE + 2]]
        pitch = float(np.median(np.diff(means)))
        if float(np.mean(groups[1])) - float(np.mean(groups[0])) <= NEXT_LEVEL_PITCHES * pitch:
            return heads
        heads = [h for h in heads if h[0] not in low]


