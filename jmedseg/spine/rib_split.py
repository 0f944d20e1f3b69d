"""A thoracic disc missed between two rib levels: the segment that holds both is split (issue 20).

Thin thoracic discs are found as bright endplate bands (`jmedseg.spine.discs`); a band too weak, or one
merged with its neighbour's, leaves one segment holding two vertebrae. Every rib level may still be found:
the segment then bears two rib levels whose heads lie a vertebra's pitch apart, the count of rib levels
exceeds the count of vertebrae by one, and `levels.rib_anchor_doubt` refuses the first-rib anchor
("12 rib levels but 11 vertebrae between the discs"; synthetic CTs 44, 113, 124, 137, 177, 196 of seed 2026,
chest and chest + abdomen at 5 mm, now split and counted; docs/spine.md).

The evidence for the missed disc, all of it required:
- the segment holds exactly two rib levels (`levels.rib_level_groups`) and heads on both sides;
- their heads lie a vertebra's pitch apart: between `MIN_PITCH_SHARE` and `MAX_PITCH_SHARE` of the pitch of the
  neighbouring rib levels (consecutive ribs articulate with consecutive vertebrae; a broken-off piece of a neck or
  a bone beside a rib, a false level, lies closer to a true one);
- the segment is tall enough for two vertebrae: disc to disc at least `MIN_HEIGHT_SHARE` of two such pitches
  (one vertebra with a false level is one pitch tall);
- both its discs were found (its height is measured, not cut by the column's end).
Where the disc lies: the heads of ribs 2-9 sit at the disc above their own vertebra (demifacets), those of ribs
10-12 on their own body's upper half, so the missed disc lies from the lower head up to midway between the two
heads; the segment's middle (two vertebrae between its discs) is taken, kept within that window.

After the split the rib heads are given to the pieces again (`ribs.mark_rib_bearing`); a split is kept only when
each piece then bears exactly one of the two levels. Both pieces are flagged `uncertain_level` with a note: their
common disc is inferred, not seen, so the density of either may hold a slice of the other. A variant (11 or 13
rib pairs) still moves one rib anchor against the other, since the split only restores the count of vertebrae
between the discs; the anchors then disagree as before.
"""
import numpy as np

from jmedseg.spine.levels import rib_level_groups, segments_between

MIN_PITCH_SHARE = 0.7      # two consecutive rib levels: the neighbouring pitch within the variation of thoracic
MAX_PITCH_SHARE = 1.4      # body heights between neighbours (T1-T12 bodies grow 1-2 mm per level, 14-28 mm)
MIN_HEIGHT_SHARE = 0.7     # of two pitches: two vertebrae are two pitches disc to disc, less where a found disc
                           # lies a 5 mm slice into a neighbour (1.4 or more); one vertebra is one pitch
SPLIT_NOTE = ("split at a disc inferred between two rib levels {0:.0f} mm apart in a {1:.0f} mm segment (a thin "
              "disc missed): the disc between the two pieces is not seen")


def missed_disc_splits(segments, dz):
    """Slices (working grid) of the discs inferred in segments that hold two rib levels a pitch apart."""
    levels = [float(np.mean(g)) for g in rib_level_groups([z for s in segments for z in s.rib_z], dz)]
    splits = []
    for seg in segments:
        own = rib_level_groups(seg.rib_z, dz)
        if len(own) != 2 or seg.ribs != ("left", "right") or not (seg.lower_disc and seg.upper_disc):
            continue
        low, high = float(np.mean(own[0])), float(np.mean(own[1]))
        pitch = _neighbour_pitch(levels, low, high)
        if pitch is None:
            continue
        gap = high - low
        height = seg.hi - seg.lo + 2               # disc to disc, slices
        if not (MIN_PITCH_SHARE * pitch <= gap <= MAX_PITCH_SHARE * pitch and height >= 2 * MIN_HEIGHT_SHARE * pitch):
            continue
        middle = 0.5 * (seg.lo + seg.hi)
        k = int(round(np.clip(middle, min(own[0]), 0.5 * (low + high))))
        # each piece must stay a vertebra (`levels.MIN_SEGMENT_MM`): a disc slice leaves both at least 2 slices
        k = int(np.clip(k, seg.lo + 2, seg.hi - 2)) if seg.hi - seg.lo >= 4 else None
        if k is not None:
            splits.append(k)
    return splits


def _neighbour_pitch(levels, low, high):
    """Median spacing (slices) of the rib levels next to the pair (low, high): the one below and the one above."""
    below = [z for z in levels if z < low - 0.5]
    above = [z for z in levels if z > high + 0.5]
    gaps = []
    if below:
        gaps.append(low - below[-1])
    if above:
        gaps.append(above[0] - high)
    if len(below) >= 2:
        gaps.append(below[-1] - below[-2])
    if len(above) >= 2:
        gaps.append(above[1] - above[0])
    return float(np.median(gaps)) if gaps else None


def split_at_missed_discs(segments, discs, disc_arcs, arc, lo, hi, dz, prepare):
    """(segments, discs, disc_arcs) with the discs of `missed_disc_splits` added where each split is confirmed.

    `prepare(segments)` readies new segments as the pipeline does (widths, rib heads given by
    `ribs.mark_rib_bearing`); a split is kept when each of its two pieces then bears exactly one rib level.
    `arc`: each slice's arc position along the column (mm), for the disc's plane (`bodies.split_bodies`).
    """
    added = []
    for k in missed_disc_splits(segments, dz):
        trial = segments_between(sorted(discs + added + [k]), lo, hi, dz)
        prepare(trial)
        pieces = _pieces(trial, k)
        if len(pieces) == 2 and all(len(rib_level_groups(p.rib_z, dz)) == 1 for p in pieces):
            added.append(k)
    if not added:
        return segments, discs, disc_arcs
    discs = sorted(discs + added)
    segments = segments_between(discs, lo, hi, dz)
    prepare(segments)
    for k in added:
        below, above = _pieces(segments, k)
        gap = (np.mean(above.rib_z) - np.mean(below.rib_z)) * dz
        for piece in (below, above):
            piece.flags.append("uncertain_level")
            piece.notes.append(SPLIT_NOTE.format(gap, (above.hi - below.lo + 2) * dz))
    return segments, discs, sorted(disc_arcs + [float(arc[k]) for k in added])


def _pieces(segments, k):
    """The segments just below and just above the disc at slice `k`."""
    return [s for s in segments if s.hi == k - 1 or s.lo == k + 1]
