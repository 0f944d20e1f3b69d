"""The first rib pair under a scan top that cuts C7: counted by the rib count from the lowest rib (issue 20).

The first-pair anchor (T1) needs the rib-free vertebra over the highest pair in view for `NEIGHBOUR_SEEN_MM`
(`levels.find_anchors`): with the scan's top edge cutting C7, the highest pair could be T2's with T1 cut under its
own rib's head. In most chest and chest + abdomen CTs so cut every level is named right from the lowest rib (T12)
alone and the CT is refused only because no second anchor confirms the count. Two facts the CT shows tell the
cases apart without C7's own level in view:

- The count. From the lowest rib-bearing vertebra (the T12 anchor, counted) to the highest pair, every vertebra
  between the discs bears a rib and holds one rib level (`levels.rib_anchor_doubt`'s chain): twelve of them make
  the highest pair the twelfth rib up, the first. T2's pair under a cut T1 gives eleven; a missed or extra disc or
  rib in the thorax leaves a vertebra bare or with two rib levels and is refused by the chain. An 11th-rib variant
  (T12 bare) gives eleven with T1 in view, ten with it cut.
- The rib band over the highest pair. The count cannot see a 13th pair (a rib on L1, or a lumbar process taken for a
  rib) together with T1 cut under its head: then ribs 2-13 count twelve. But a T1 cut under its head holds its own
  rib: the first rib's neck runs out from T1's upper half (its head 7-15 mm over the T1/T2 disc, the tubercle about
  as high) and its shaft descends 20-30 mm forward round the thoracic apex (phantom: `data/synth/trunk/ribs.py`
  `rib_path`, drop 20 + 6 x index mm), so its posterior part lies in the rib band, past `FIRST_RIB_REACH_MM` from
  the midline, in the slices between the second pair's heads and T1's. C7 bears no rib: over the first pair the
  band holds only C7's and T1's transverse processes (31-45 mm out) and no bone further out (the scapula's medial
  border lies past `BAND_MM`, the clavicles in front of the band). So the pair counts only where the scan holds a
  slice over the pair's own rib (`RIB_LEVEL_GAP_MM` over its heads) and the band there holds no bone reaching
  `FIRST_RIB_REACH_MM`.
"""
import numpy as np

from jmedseg.spine.levels import (FIRST_HEAD_OVER_DISC_MM, RIB_HALF_HEIGHT_MM, THICK_SLICE_MM, level_offset,
                                  lowest_rib_bearing, rib_anchor_doubt)
from jmedseg.spine.ribs import BAND_MM, BEHIND_MM, FIRST_RIB_REACH_MM
from jmedseg.spine.thick_chain import heads_in_upper_half

TWELVE_RIB_LEVELS = 12   # rib-bearing vertebrae T1-T12 in normal anatomy


def rib_bone_over(column, spacing, z_heads):
    """Whether the rib band over the rib level at slices `z_heads` (the slices centred more than `RIB_HALF_HEIGHT_MM`
    over its highest head, to the scan's top) holds bone reaching `FIRST_RIB_REACH_MM` from the body's centre: True,
    False, or None where the scan holds no slice there (nothing seen).

    The level's own rib runs out from its head level or lower (its tubercle at or under the head, the shaft
    descending): out past `FIRST_RIB_REACH_MM` it reaches at most half its height (4-6 mm) over the head, while the
    first rib of a T1 cut under its head lies there at any height up to the edge. Issue 20, a 13-rib subject of the
    phantom (`tests/spine/test_cut_top.py`, 5 mm): the scan's top slab at T1's centre, under its head, held no bone
    past 25 mm (a slab half out of the scan), the one under it rib 1's shaft 50-65 mm out, 6 mm over the second
    pair's heads; from `RIB_LEVEL_GAP_MM` (8 mm) over them only the empty top slab was read and T2's pair counted
    as T1's.

    At slices of `THICK_SLICE_MM` or more a rib cut by the edge fills a slab only in part and partial volume lowers
    it: the band is read at `column.dense` (soft tissue's ceiling) there, as `ribs._edge_vertebra_rib_free` reads it.

    What the band holds, measured (branch `neck13`, the band's bone labelled in 3D from the heads' slice up): in all
    26 refused CTs with the scan's top in C7 it is the pair's own rib (neck and tubercle), one part a side joined to
    the heads' slice (and a one-slab sliver in 103/89), reaching 4.1-7.5 mm over the heads. In 13-rib subjects
    cropped at T1's centre or 2.5 mm under it (42 crops reading bone) it is T2's own rib alike (4.3-7.6 mm over its
    heads) and nothing else in 40, the 5 mm subject above included (its bone 6 mm over T2's heads is joined to
    them); the cut first rib, at its tubercle's height over T1's centre, shows as a part of its own at the top in 2
    (5 mm). So True mostly means "the pair's own neck reaches the slices read", in both; the band does not tell the
    two apart, and labelling its parts cannot (docs/spine.md, branch `neck13`).
    """
    nz = column.bone.shape[2]
    start = int(np.floor(max(z_heads) + RIB_HALF_HEIGHT_MM / spacing[2])) + 1
    if start > nz - 1:
        return None
    mask = column.dense if spacing[2] >= THICK_SLICE_MM and column.dense is not None else column.bone
    for k in range(start, nz):
        cx, cy = column.centre[k]
        dx = np.abs(np.arange(mask.shape[0]) - cx) * spacing[0]
        dy = (np.arange(mask.shape[1]) - cy) * spacing[1]
        band = ((dx >= FIRST_RIB_REACH_MM) & (dx <= BAND_MM))[:, None] & (dy < BEHIND_MM)[None, :]
        if np.any(mask[:, :, k] & band):
            return True
    return False


def count_first_pair_by_rib_count(segments, anchors, doubts, dz, rib_bone_over_pair, rib_over_pair_rib=None):
    """Count the highest rib pair as T1 (into `anchors`, in place) where `levels.find_anchors` left it out only
    because the vertebra over it is cut by the scan's top (the column's top piece, rib-free, or the pair's segment is
    the column's top) and the two facts of the module docstring hold: twelve rib-bearing vertebrae, one rib level
    each, from the counted T12 anchor to it, and no rib in the band over the pair (`rib_bone_over_pair(z_heads)`
    False; None, no slice there, counts nothing).

    Nothing is counted where another anchor in view (the sacrum) disagrees with T12: two rib anchors would then
    outvote it (`levels._assign_names` names by the largest group), while a 13th rib with T1 cut is what makes the
    sacrum disagree (a 13-rib phantom subject, 5 mm, cut at T1's centre, was confirmed one level off that way).
    At slices of `THICK_SLICE_MM` or more the segments of T2-T8 must be cut where their rib heads say
    (`thick_chain.heads_in_upper_half`, as `levels._thick_chain_seen` asks of the other route to a first pair at a
    column end): a first-pair anchor confirms every thoracic level it agrees on, and at 5 mm a disc placed inside the
    vertebra above gives a segment nearer that neighbour. Measured: seed 59 CT 45 (5 mm, confirmed by sacrum and
    ribs) had T9 confirmed 14 mm off, on T8, once this rule added its first pair without that test.
    The pair's heads must also lie more than `FIRST_HEAD_OVER_DISC_MM` over its lower disc, as
    `levels._end_over_disc_seen` asks: the first rib articulates with T1's upper half. `rib_over_pair_rib(z_heads)`
    (`rib_over_wall.rib_over_pair_rib`; None where not given) reads the lateral wall over the pair's rib: True (a rib
    over it) counts nothing even with the band empty (a 13-rib crop at T1's centre, seed 9011 at 2.5 mm, had its band
    empty and T2 confirmed as T1). It only vetoes: letting it clear bone in the band was measured (24 refused
    phantom CTs confirmed, every level right) and left out, since on the real chest CTA the first rib lies 24-38 mm
    inside the second rib's line at the wall, so a real 13-rib crop at T1 would read no rib there. Returns why it was counted (for the notes) or None.
    """
    if "T1" in anchors or "T1" in doubts or "T12" not in anchors:
        return None
    pairs = [i for i, s in enumerate(segments) if len(s.ribs) == 2]
    if not pairs:
        return None
    top, t12 = pairs[-1], anchors["T12"]
    if t12 != lowest_rib_bearing(segments) or top - t12 + 1 != TWELVE_RIB_LEVELS:
        return None
    over = segments[top + 1:]
    if len(over) > 1 or (over and (over[0].ribs or not segments[top].upper_disc)):
        return None
    pair = segments[top]
    if not pair.rib_z or (min(pair.rib_z) - pair.lo + 0.5) * dz <= FIRST_HEAD_OVER_DISC_MM:
        return None
    if rib_anchor_doubt(segments, {"T1": top}, dz):
        return None
    if dz >= THICK_SLICE_MM and not heads_in_upper_half(segments, t12, top):
        return None         # a mid-thoracic disc placed inside the vertebra above (`levels._thick_chain_seen`)
    if any(level_offset(level, i) != level_offset("T12", t12) for level, i in anchors.items()):
        return None         # another anchor (the sacrum) counts otherwise: a variant; no majority is made here
    if rib_bone_over_pair(pair.rib_z) is not False:
        return None
    if rib_over_pair_rib is not None and rib_over_pair_rib(pair.rib_z) is True:
        return None         # the cut T1's first rib come down along the wall (`rib_over_wall`)
    anchors["T1"] = top
    return ("the vertebra over the first rib pair is cut by the scan's top; the pair counted as the twelfth "
            "rib-bearing vertebra over the lowest rib, with no rib in the band over it nor over its rib along the wall")
