"""A "rib pair" far under the rib run with the iliac wings beside it is the pelvis, not a rib (issue 20, docs/spine.md).

Ribs are borne by consecutive vertebrae from T1 down; under the lowest rib pair (T12's, or L1's for a 13th) lie at
least four lumbar vertebrae (a four-lumbar column is the fewest) before S1, and the ilia lie beside S1 (the
sacroiliac joints, S1-S3) with their crests reaching up to L4. A level with heads on both sides lying more than
`RIB_FREE_PITCHES` vertebral pitches under the next rib level up has at least four rib-free vertebrae over it (at
S1 or lower where four lumbar vertebrae lie between, at L5 or lower with five), and
where the iliac wings lie beside it (`sacrum.iliac_wings_beside`: a broad plate, over `sacrum.ILIAC_AREA_MM2` of
bone each side, 45-150 mm from the midline, in at least half its slices) it is the sacral alae and the ilia beside
them, cut from the sacrum by `ribs.CUT_MM` and read as a pair of ribs, not a twelfth pair.

Kept, it became the lowest rib-bearing vertebra: T12 named on S1 and every name above it nine levels off, the
refusal holding only because the first pair was out of view (issue 20, seed 109 CT 90, abdomen + pelvis, 5 mm, noise
29 HU: the sacrum not found, the iliac wings beside S1 a "twelfth pair" 230 mm under T12's). The sacrum's own floor
(`sacrum.rib_floor`) keeps the ilia out of the rib search where the sacrum is found; this check needs no sacrum.
A one-sided head there is `rib_run.without_cut_off_head`'s; a real twelfth pair with the heads of the ribs over it
missed on four vertebrae in a row and the lower ribs' shafts beside it as much bone as an ilium is what this rule
would drop (then the ribs' count is off and the anchors disagree: refused, not confirmed).

Only the lowest level is looked at (again after a drop), and only when the level over it is two-sided too; the
pitch is the median of up to `rib_run.PITCHES_ABOVE` pitches between the levels above it.
"""
import numpy as np

from jmedseg.spine.levels import rib_level_groups
from jmedseg.spine.rib_run import PITCHES_ABOVE
from jmedseg.spine.sacrum import RIB_FREE_ABOVE_S1, iliac_wings_beside

RIB_FREE_PITCHES = RIB_FREE_ABOVE_S1 + 1.5   # four rib-free vertebrae (the fewest lumbar ones) and half a pitch
                                             # of head placement between: S1 or lower, L5 or lower with five


def without_iliac_pair(heads, column, spacing):
    """`heads` ([(z slice, side)]) less the lowest two-sided rib levels lying more than `RIB_FREE_PITCHES` local
    pitches under the level over them with the iliac wings beside (module docstring); order kept."""
    dz = spacing[2]
    while True:
        groups = rib_level_groups([z for z, _ in heads], dz)
        if len(groups) < 3:
            return heads
        low = set(groups[0])
        if len({side for z, side in heads if z in low}) < 2 or \
                len({side for z, side in heads if z in set(groups[1])}) < 2:
            return heads
        means = [float(np.mean(g)) for g in groups[1:PITCHES_ABOVE + 2]]
        pitch = float(np.median(np.diff(means)))
        if float(np.mean(groups[1])) - float(np.mean(groups[0])) <= RIB_FREE_PITCHES * pitch:
            return heads
        ks = range(int(np.floor(min(low))), int(np.ceil(max(low))) + 1)
        if sum(iliac_wings_beside(column, spacing, k) for k in ks) < 0.5 * len(ks):
            return heads
        heads = [h for h in heads if h[0] not in low]
