"""Rib levels under a rib-free vertebra below the run's lowest pair are not ribs, pairs included (issue 20,
docs/spine.md, branch `pelvis16`).

Ribs are borne by consecutive vertebrae from T1 down: an 11th or 13th pair shortens or lengthens the run at its
lower end, a lumbar rib sits on L1 directly under T12's pair, and no vertebra inside the run is left out. A level
with a whole rib-free vertebra between it and a pair over it is no rib but bone-bright tissue beside a lumbar
vertebra. In the phantom it is the enhanced kidneys (cortex and medulla 110-230 HU in the arterial, portal and
delayed phases, 60-80 mm from the midline at L1-L3, their medial rims against the psoas): with the kidneys drawn at
soft-tissue HU (the same random draws otherwise) the "heads" under T12 of the two CTs below and of seed 191 CT 86
go, and all three are confirmed by sacrum and ribs on main's code. A real nephrographic kidney, or contrast in the
renal pelvis, lies there too.

Kept, such a level became the lowest rib-bearing vertebra: T12 named two or three vertebrae low, the sacrum's count
and the ribs' disagreeing (seed 191 CT 13, chest + abdomen, delayed, 5 mm: the kidneys a "pair" on L2, 57 mm
= 2.1 pitches under T12's pair, L1 bare between; seed 157 CT 58, abdomen + pelvis, portal venous, 3 mm: right
"heads" on L2 and L3, 62 mm = 2 pitches under T12's pair, which also dropped the sacrum: a vertebra three over it
bearing ribs). `rib_run.without_cut_off_head` drops a one-sided lowest level under a pair; `iliac_pair` a pair
far under the run with the iliac wings beside it; this rule takes what lies under the gap whatever its sides.

The rib-free vertebra is asked to be seen, not only inferred from the pitch: a segment between two body-area dips
(the first, thick-disc segmentation, made before the ribs are read) lying wholly between the level's heads and the
pair's, and the gap more than `head_at_disc.NEXT_LEVEL_PITCHES` (1.5) local pitches (the median of up to
`rib_run.PITCHES_ABOVE` pitches between the pair and the levels over it, so one level missed above does not set
it). The pitch alone is not enough: in the real chest CTA (1.5 mm) T11's pair lies 8 mm under its body's centre and
T10's 9 mm over its own, 36 mm apart (1.56 pitches of the 23 mm T7-T10 pitch), with no segment between them;
dropped, the ribs named every level two low (the pitch-only first version, measured). Only the bottom of the run is
cut: at most `MAX_LEVELS_UNDER` levels under the gap, of which at most one with heads on both sides. Two pairs a
pitch apart under a gap are a run (T11 and T12 under a missed T10 pair) and stay. A real twelfth pair under a
missed eleventh is what this rule would drop: then the lowest rib level is T10, the ribs count one vertebra high
against the sacrum and the anchors disagree (refused, never confirmed wrong).
"""
import numpy as np

from jmedseg.spine.head_at_disc import NEXT_LEVEL_PITCHES
from jmedseg.spine.levels import rib_level_groups
from jmedseg.spine.rib_run import PITCHES_ABOVE

MAX_LEVELS_UNDER = 2     # levels cut under the gap: the kidneys' "pair" or two one-sided rims, never a run


def without_levels_under_bare_vertebra(heads, first, dz):
    """`heads` ([(z slice, side)], from `ribs.find_rib_heads`) less the levels lying under a rib-free vertebra
    below the run's lowest pair; `first`: the segments between body-area dips (`levels.segments_between`), inferior
    to superior (module docstring); order kept."""
    groups = rib_level_groups([z for z, _ in heads], dz)
    sides = [{side for z, side in heads if z in set(g)} for g in groups]
    for k in range(1, min(MAX_LEVELS_UNDER, len(groups) - 2) + 1):   # k levels under the pair groups[k]
        if len(sides[k]) < 2 or sum(len(s) > 1 for s in sides[:k]) > 1:
            continue
        means = [float(np.mean(g)) for g in groups[k:k + PITCHES_ABOVE + 1]]
        pitch = float(np.median(np.diff(means)))
        if means[0] - float(np.mean(groups[k - 1])) > NEXT_LEVEL_PITCHES * pitch and \
                _vertebra_between(first, max(groups[k - 1]), min(groups[k])):
            under = {z for g in groups[:k] for z in g}
            return [h for h in heads if h[0] not in under]
    return heads


def _vertebra_between(first, below, above):
    """Whether a segment bounded by body-area dips on both sides lies wholly between slices `below` and `above`."""
    return any(seg.lower_disc and seg.upper_disc and below < seg.lo and seg.hi < above for seg in first)
