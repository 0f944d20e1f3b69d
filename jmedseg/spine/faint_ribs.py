"""Thin ribs averaged under the bone threshold at 3-5 mm slices: their shaft followed through partial-volume bone.

Issue 20, the bundled real chest CTA (tests/data/totalseg_chest_cta, 1.5 mm, a 55-year-old man) resampled to 3 mm
slices by averaging consecutive slices (a scanner's thicker reconstruction). Its upper ribs (1-3) are thin: even at
1.5 mm the bone of each in the rib band (`ribs._band`, read at `column.SOFT_TISSUE_MAX_HU`) has a median of
208-256 HU and only 54-64 % of its voxels over `column.BONE_HU` (200 HU); at 3 mm 200-230 HU and 50-60 %. The
synthetic trunk's ribs read 292-338 HU with 74-84 % over 200 HU at 3 mm (seed 7 CT 1). Split at `BONE_HU`, a real
rib's shaft broke into a medial piece ending 25-55 mm out and pieces further out, so the medial piece fell short of
`ribs.RIB_REACH_MM`: at 3 mm the first rib (left: its medial piece 33 mm out) and the third (left: 55 mm) were lost,
and the first pair counted was the fourth: C7 put on the real T3, T1 on T4 (three levels low). Followed through the
partial-volume bone over `SOFT_TISSUE_MAX_HU` (`column.dense`) each of these shafts reaches 63-65 mm, as at 1.5 mm.

Where the reach is already followed beyond face contacts (slices over `ribs.DIAGONAL_SLICE_MM`), the rib band's
medial ends are judged a second time with their shafts followed through that bone too, under the same guards
(`ribs._shaft_is_its_own`, `ribs._shaft_reach`: a shaft runs out no higher than its head). At 2 mm and thinner a rib is
read at full volume over most of its shaft (the CTA's upper ribs reach 60.6-64.9 mm at 1.5 mm in the bone mask).
Only over the lowest rib level found in the bone mask: below it lie the lumbar transverse processes, the sacral ala
and the ilium, which partial-volume bone joins to bone 60 mm out (seed 59 CT 45, chest + abdomen, delayed, 5 mm: two
such "pairs" at L3's and S1's levels made 14 rib levels and lost a CT confirmed by three anchors).

Only where the other side shows a rib at that level too (found in bone or through partial-volume bone, within
`RIB_LEVEL_GAP_MM`): the real CTA's lost upper ribs each have a partner on the other side at 3 mm (its first rib,
left, 2.5 mm from the right one; its third, 0.3 mm) and at 4.5 mm. A shaft over the first pair seen on one side only
is what a transverse process of C7 or a cut rib looks like: seed 71 CT 5 (chest + abdomen, arterial, 3 mm) gained one
15 mm over the first pair, left only, and its first-pair anchor counted it (confirmed by both anchors before, then
"ribs and first rib pair disagree").
"""
from jmedseg.spine.levels import RIB_LEVEL_GAP_MM


def faint_ribs_over_lowest(heads, through_partial_volume, dz):
    """[(z, side)] of `through_partial_volume` (rib heads found with the shafts followed through partial-volume bone)
    that `heads` (found in the bone mask) lacks, no lower than `RIB_LEVEL_GAP_MM` under the lowest of `heads` (the
    other side of the lowest level); none without `heads`. `dz`: slice spacing (mm)."""
    if not heads:
        return []
    floor = min(z for z, _ in heads) - RIB_LEVEL_GAP_MM / dz
    faint = [(z, side) for z, side in through_partial_volume if (z, side) not in heads and z >= floor]
    return [(z, side) for z, side in faint if _other_side_at(z, side, heads + faint, RIB_LEVEL_GAP_MM / dz)]


def _other_side_at(z, side, heads, gap):
    """Whether `heads` hold one on the other side than `side` within `gap` slices of slice `z`."""
    return any(s != side and abs(h - z) <= gap for h, s in heads)
