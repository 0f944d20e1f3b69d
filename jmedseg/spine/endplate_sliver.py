"""An upper thoracic body read as two discs one slice apart at its endplate bands, its sliver dropped: re-read as
the vertebra between them (issue 20, 2026-12-07 early, branch `top17`).

The refusal it mends (seed 229 CTs 9 and 56, chest + abdomen and chest, 5 mm, C7 whole over the first pair): T3
(a 15-17 mm body) shows at 5 mm as two bright slices, its two endplate bands, with one slice of marrow between; each
band is taken for a thin disc (`discs.find_endplate_discs`), the one slice between them is a sliver under
`levels.MIN_SEGMENT_MM` and no segment, and T3's rib heads, at the T2/T3 disc just over the upper band, go to the
segment over it (T2), which then bears two rib levels: "12 rib levels but 11 vertebrae between the discs", the first
pair refused, every level named from T12 alone and unconfirmed. (229/9: bands at 406 and 416 mm, T3's centre 413,
its heads at 420; 229/56: bands at 432 and 442 mm, T3's centre 438, its heads at 446.) `rib_split.reread_band_pairs`
re-reads one disc seen as a joined band pair, not two discs with a sliver between; `top_three_heads` asks T3 to span
`MIN_HEIGHT_SHARE` of a pitch over the lower band, which lies inside T3.

What says the sliver is a body and not a disc's tissue between its two plates: ribs are borne by consecutive
vertebrae, one level each, and the heads of ribs 2-9 lie at the disc over their own body (demifacets), so a segment
bearing two levels whose lower level's heads lie in its lowest slice, just over the sliver, has been handed the
sliver's level. So where `find_anchors` counts T12 and refuses the first pair, two discs lie one slice apart (the
slice between them in no segment), the segment over them bears exactly two rib levels and the lower's heads lie
within `HEADS_OVER_BAND_SLICES` of the upper disc, the two discs are moved one slice outwards (beside the bands, where
the discs lie: the body between them is three slices, 15 mm), under `top_heads.recut_over`'s checks (no rib level
lost, the first pair counted under a rib-free C7, T12 eleven segments under it, one level on each, T2-T8 bounded by
discs). The re-read vertebra and its two neighbours are left `uncertain_level` (their discs are placed one slice
beside bands, not seen); the names come from the count and the levels outside them stay confirmed.
Measured (docs/spine.md, branch `top17`): 229/9 and 229/56 refused -> confirmed by ribs and first pair (8 and 10
levels confirmed, none wrong); every other CT of seeds 229 and 7, the 13-rib subjects and the real chest CTA
unchanged.
"""
from jmedseg.spine.levels import find_anchors, rib_level_groups
from jmedseg.spine.pair_heads import two_sided_levels
from jmedseg.spine.top_heads import recut_over

HEADS_OVER_BAND_SLICES = 1.5   # the sliver's heads: at the disc over its body, within the slice over the upper band
SLIVER_NOTE = ("read between two discs one slice apart at {0:.0f} and {1:.0f} mm of arc, a body's two endplate "
               "bands (its rib level handed to the vertebra over it): the discs put one slice beside them, not seen")


def reread_endplate_sliver(segments, discs, disc_arcs, heads, arc, lo, hi, dz, prepare, sacrum=None, clear_to=None,
                           processes=False):
    """(segments, discs, disc_arcs) with a sliver between two discs one slice apart re-read as a vertebra where the
    module's conditions hold; else unchanged. Arguments as `top_heads.recut_top_from_heads` takes them."""
    same = segments, discs, disc_arcs
    if not heads or len(segments) < 3:
        return same
    anchors, doubts = find_anchors(segments, dz, sacrum, clear_to, processes)
    if "T1" in anchors or "T12" not in anchors or "T1" not in doubts:
        return same
    levels = two_sided_levels(heads, dz)
    for j in range(len(discs) - 1):
        band_lo, band_hi = discs[j], discs[j + 1]
        over = _handed_sliver_level(segments, band_lo, band_hi, dz)
        if over is None:
            continue
        floor = over - 1                                  # the vertebra under the lower band
        if segments[floor].hi != band_lo - 1 or not segments[floor].lower_disc:
            continue
        above = [band_lo - 1, band_hi + 1] + [d for d in discs if d > band_hi]
        trial = recut_over(segments, discs, disc_arcs, floor, above, levels, arc, lo, hi, dz, prepare, sacrum,
                           clear_to, processes, "")
        if trial is None:
            continue
        for k, seg in enumerate(trial[0][floor:]):
            seg.notes[:] = [n for n in seg.notes if n]    # `recut_over`'s note: none here, the discs over unchanged
            if k < 3:                                     # the re-read vertebra and its two neighbours
                seg.notes.append(SLIVER_NOTE.format(disc_arcs[j], disc_arcs[j + 1]))
                seg.flags.append("uncertain_level")
        return trial
    return same


def _handed_sliver_level(segments, band_lo, band_hi, dz):
    """Index of the segment just over discs `band_lo` and `band_hi` where those lie one slice apart with the slice
    between in no segment, and it bears two rib levels, the lower's heads within `HEADS_OVER_BAND_SLICES` of the upper
    disc; else None."""
    if band_hi - band_lo != 2 or any(s.lo <= band_lo + 1 <= s.hi for s in segments):
        return None
    over = next((k for k, s in enumerate(segments) if s.lo == band_hi + 1), None)
    if over is None or segments[over].ribs != ("left", "right"):
        return None
    own = rib_level_groups(segments[over].rib_z, dz)
    if len(own) != 2 or not all(band_hi < z < band_hi + HEADS_OVER_BAND_SLICES for z in own[0]):
        return None
    return over
