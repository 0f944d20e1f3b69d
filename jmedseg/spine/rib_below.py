"""The lowest rib pair's shaft curving forward at thin slices: found one rib pitch under the lowest level found.

At slices thinner than `jmedseg.spine.levels.THICK_SLICE_MM` the rib search follows a shaft behind the body's centre
only (`jmedseg.spine.ribs.BEHIND_MM`), and a rib that reaches `RIB_REACH_MM` only when followed forward is taken
between rib levels found (`ribs._forward_ribs_between`), never below the lowest: there lie the lumbar transverse
processes. The twelfth rib runs out from T12 down and out along the back of the abdominal wall and its shaft turns
forward round the flank like the ribs above it; where it turns forward within 60 mm of the midline its part behind
the centre ends short (issue 20, seed 67 CT 20, chest, 1.5 mm: the twelfth pair's medial ends on T12 reach 47-49
mm behind the centre and 62-64 mm followed forward; the eleven levels above were found, T11 was read as T12 and
"ribs and first rib pair disagree" refused a spine whose first pair was right).

A lumbar transverse process ends within 45-55 mm of the midline followed either way (the forward band adds the
psoas and kidneys beside it, soft tissue), so the thick-slice search, which follows every shaft forward, does not
take it for a rib; the thin-slice search takes a forward shaft under the lowest level only where it is the next
rib level by anatomy:
- a pair: a medial end on each side within `RIB_LEVEL_GAP_MM` of z of each other (left and right heads of one
  level lie 0-5 mm apart), under a lowest level found on both sides;
- one rib pitch under that level: `MIN_PITCH_SHARE` to `MAX_PITCH_SHARE` of the median of the two lowest pitches
  found (the lowest thoracic bodies grow 1-2 mm per level), where the next rib's head lies; L1's processes, at the
  middle of its body, lie 30-35 mm under T12's rib level, inside that window too: what tells them from a rib is
  the reach, as at thick slices, and L2's lie a pitch further down, outside it;
- only one such pair.
What the forward band may join to a process (an enhanced kidney's cortex lies 40-100 mm out) could still make one
reach: then the T12 anchor moves down a level, disagrees with a right first pair, and the levels are refused.
Where the scan's top leaves only two rib levels found behind (abdomen + pelvis CTs, the top at T9-T10), their one
pitch is the local pitch when both levels are pairs (a pair is one level, not a head found twice or a lone process,
so their gap is one vertebra's pitch, at most `ONE_PITCH_MAX_MM`; a level missed between them doubles it, and is not
used). Issue 20, seed 113 CT
86 (abdomen + pelvis, 1.25 mm): the tenth and eleventh pairs at 242 and 213 mm, the twelfth pair's ends at 183 mm
reaching 57 mm behind and 63-64 mm followed forward: no rib on T12, the ribs counted one high against the sacrum.
A pair found this way is an ordinary rib level: the T12 anchor and its checks (`levels.rib_anchor_doubt`) count it
like any other, so a shaft taken wrongly still has to agree with the first pair's count to confirm anything.
"""
import numpy as np

from jmedseg.spine.levels import RIB_LEVEL_GAP_MM, rib_level_groups
from jmedseg.spine.rib_split import MAX_PITCH_SHARE, MIN_PITCH_SHARE

PITCHES_FOR_SCALE = 2      # the lowest two pitches found give the local thoracic pitch; where only two rib levels
                           # are found (an abdomen + pelvis CT whose top holds T10-T11), their one pitch does when both
                           # are pairs (module docstring)
ONE_PITCH_MAX_MM = 35.0    # that one pitch: T10-T12 24-30 mm, L1 28-35 mm; longer, a level was missed between the two


def pair_below_lowest(forward, heads, dz):
    """[(z, side)] of the one rib pair among `forward` ((z, side) of medial ends reaching `RIB_REACH_MM` followed
    forward) one rib pitch under the lowest rib level of `heads` ((z, side), found behind), or [] (module docstring).
    """
    levels = rib_level_groups([z for z, _ in heads], dz)
    if len(levels) < 2:
        return []
    scale = levels[:PITCHES_FOR_SCALE + 1]      # two levels alone: both two-sided (module docstring)
    if any({side for z, side in heads if z in level} != {"left", "right"}
           for level in (scale if len(scale) < PITCHES_FOR_SCALE + 1 else scale[:1])):
        return []
    means = [float(np.mean(g)) for g in scale]
    pitch = float(np.median(np.diff(means)))
    if len(scale) < PITCHES_FOR_SCALE + 1 and pitch * dz > ONE_PITCH_MAX_MM:
        return []
    gap = RIB_LEVEL_GAP_MM / dz
    pairs = []
    for zl, a in forward:
        for zr, b in forward:
            if a == "left" and b == "right" and abs(zl - zr) <= gap:
                below = means[0] - 0.5 * (zl + zr)
                if MIN_PITCH_SHARE * pitch <= below <= MAX_PITCH_SHARE * pitch:
                    pairs.append([(zl, "left"), (zr, "right")])
    return pairs[0] if len(pairs) == 1 else []
