"""Thin ribs averaged under the bone threshold at 3-5 mm slices: their shaft followed through partial-volume bone.

Issue 20, the bundled real chest CTA (tests/data/totalseg_chest_cta, 1.5 mm, a 55-year-old man) resampled to 3 mm
slices by averaging consecutive slices (a scanner's thicker reconstruction). Its upper ribs (1-3) are thin: even at
1.5 mm the bone of each in the rib band (`ribs._band`, read at `column.SOFT_TISSUE_MAX_HU`) has a median of
208-256 HU and only 54-64 % of its voxels over `column.BONE_HU` (200 HU); at 3 mm 200-230 HU and 50-60 %. The
synthetic trunk's ribs read 292-338 HU with 74-84 % over 200 HU at 3 mm (seed 7 CT 1). Split at `BONE_HU`, a real
rib's shaft broke into a medial piece ending 25-55 mm out and pieces further out, so the medial piece fell short of
`ribs.RIB_REACH_MM`: at 3 mm the first rib (left: its medial piece 33 mm out), the third (left: 55 mm) were lost,
the second pair's heads were read apart, and the first pair counted was the fourth: C7 put on the real T3, T1 on T4
(three levels low). Followed through the partial-volume bone over `SOFT_TISSUE_MAX_HU` (`column.dense`) each of
these shafts reaches 63-65 mm, as at 1.5 mm.

Only where the reach is already followed beyond face contacts (slices over `ribs.DIAGONAL_SLICE_MM`, through the
same guards: `ribs._shaft_is_its_own` and `ribs._shaft_reach`, a shaft running out no higher than its head, judged
from its highest medial end): at 2 mm and thinner slices a rib is read at full volume over most of its shaft (the
CTA's upper ribs reach 60.6-64.9 mm at 1.5 mm in the bone mask) and the extension is not needed.
"""


def shaft_mask(column, cand, band):
    """The rib band's bone `cand` and, where the column holds it, its partial-volume bone (`band(column.dense)`,
    `band`: the rib band's mask of a voxel mask): the voxels a rib's shaft is followed through at thick slices."""
    return cand if column.dense is None else cand | band(column.dense)
