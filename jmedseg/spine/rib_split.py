"""Thoracic discs missed between rib levels: the segment that holds two or more levels is split (issue 20).

Thin thoracic discs are found as bright endplate bands (`jmedseg.spine.discs`); a band too weak, or one
merged with its neighbour's, leaves one segment holding two vertebrae. Every rib level may still be found:
the segment then bears two rib levels whose heads lie a vertebra's pitch apart, the count of rib levels
exceeds the count of vertebrae by one, and `levels.rib_anchor_doubt` refuses the first-rib anchor
("12 rib levels but 11 vertebrae between the discs"; synthetic CTs 44, 113, 124, 137, 177, 196 of seed 2026,
chest and chest + abdomen at 5 mm, now split and counted; docs/spine.md). Where two discs in a row are missed
(CT 117, 3 mm: 78 and 54 mm segments) one segment holds three vertebrae and three levels.

The evidence for the missed disc, all of it required:
- the segment holds n >= 2 rib levels (`levels.rib_level_groups`) and heads on both sides;
- consecutive levels' heads lie a vertebra's pitch apart: between `MIN_PITCH_SHARE` and `MAX_PITCH_SHARE` of the
  pitch of the neighbouring rib levels (consecutive ribs articulate with consecutive vertebrae; a broken-off piece of
  a neck or a bone beside a rib, a false level, lies closer to a true one);
- the segment is tall enough for n vertebrae: disc to disc at least `MIN_HEIGHT_SHARE` of n such pitches
  (one vertebra with a false level is one pitch tall);
- both its discs were found (its height is measured, not cut by the column's end).
Where the disc lies: the heads of ribs 2-9 sit at the disc above their own vertebra (demifacets), those of ribs
10-12 on their own body's upper half, so a missed disc lies from the lower head up to midway between the two
heads; the segment is cut into n equal shares (n vertebrae between its discs), each cut kept within that window.

After the split the rib heads are given to the pieces again (`ribs.mark_rib_bearing`); a split is kept only when
each piece then bears exactly one of the levels. The pieces are flagged `uncertain_level` with a note: the discs
between them are inferred, not seen, so the density of one may hold a slice of its neighbour. A variant (11 or 13
rib pairs) still moves one rib anchor against the other, since the split only restores the count of vertebrae
between the discs; the anchors then disagree as before.

Before any split, a disc found as two joined bands that may be one short body's two endplates (5 mm slices; its
body reading from `discs.find_endplate_discs`) is read the other way where that gives each rib level of a two-level
segment its own vertebra (`reread_band_pairs`): there the disc was not missed but put in the body's middle (seed
2026 CTs 16 and 65).
"""
import numpy as np

from jmedseg.spine.discs import split_body_pairs
from jmedseg.spine.levels import rib_level_groups, segments_between

MIN_PITCH_SHARE = 0.7      # two consecutive rib levels: the neighbouring pitch within the variation of thoracic
MAX_PITCH_SHARE = 1.4      # body heights between neighbours (T1-T12 bodies grow 1-2 mm per level, 14-28 mm)
MIN_HEIGHT_SHARE = 0.7     # of n pitches: n vertebrae are n pitches disc to disc, less where a found disc lies
                           # a 5 mm slice into a neighbour (two: 1.4 or more); one vertebra is one pitch
SPLIT_NOTE = ("split in {0} at discs inferred between {0} rib levels {1} mm apart in a {2:.0f} mm segment (thin discs "
              "missed): the discs between the pieces are not seen")


REREAD_NOTE = ("discs at {0:.0f} and {1:.0f} mm of arc taken beside a short body's two endplate bands, where the rib "
               "levels put them, not between the bands")


def reread_band_pairs(segments, discs, disc_arcs, body_readings, arc, lo, hi, dz, prepare):
    """(segments, discs, disc_arcs) with a disc found as two joined bands replaced by the two discs of its other
    reading (one short body's endplates: `body_readings`, {disc arc mm: (lower disc, upper disc)}, from
    `discs.find_endplate_discs`) where a segment bounded by it holds two rib levels and the other reading gives each
    rib level a vertebra of its own, the pair being that segment's upper disc and lying between its two levels.

    At 5 mm slices a thin disc's two plates and a short upper thoracic body's two endplates both show as two bright
    slices 8-14 mm apart with bone-level HU between them; the profile cannot tell which (measured on the 27 dev
    chest CTs of seed 2026 at 3 and 5 mm: of 111 such pairs the disc reading puts 88 within 5 mm of a true disc;
    the endplate reading is right for T3 of CT 16 and T4 and T1 of CT 65). Taken as a disc, the body's middle is
    cut: the cut body's rib heads, on its upper part, lie above that false disc and go to the segment below it
    (`ribs.mark_rib_bearing`: a head up to half a pitch above a disc), which then holds two rib levels with the
    false disc between them ("12 rib levels but 11 vertebrae between the discs", the first-rib anchor not
    counted). A segment holding two levels for another reason (a head at the scan's top handed down to the last
    segment: synthetic CTs 34, 82 and 126, where re-reading its lower disc cut T10 or T11) does not have its pair
    between its levels. The rib levels decide: the other reading is kept only
    when it leaves every vertebra between the pair's neighbouring discs (or the column's end) with at most one rib
    level, fewer segments with two levels, and the same rib levels borne in all (`_reread_ok`); its discs are
    seen (troughs of disc tissue, or the band itself), so the vertebrae are not flagged, but noted. Issue 20,
    docs/spine.md.
    """
    readings = dict(body_readings)
    for _ in range(len(disc_arcs)):
        trial = _first_reread(segments, discs, disc_arcs, readings, arc, lo, hi, dz, prepare)
        if trial is None:
            break
        segments, discs, disc_arcs, done = trial
        del readings[done]              # that disc is gone: its troughs took its place
    return segments, discs, disc_arcs


def _first_reread(segments, discs, disc_arcs, readings, arc, lo, hi, dz, prepare):
    """(segments, discs, disc_arcs, the re-read disc's arc) after the first band pair re-read
    (`reread_band_pairs`), or None."""
    for seg in segments:
        own = rib_level_groups(seg.rib_z, dz)
        k = seg.hi + 1                              # the slice of its upper disc
        if len(own) != 2 or seg.ribs != ("left", "right") or not seg.upper_disc or k not in discs or \
                not max(own[0]) < k < min(own[1]):
            continue
        j = discs.index(k)
        body = readings.get(disc_arcs[j])
        if body is None:
            continue
        arcs = split_body_pairs(disc_arcs, {disc_arcs[j]: body})
        new = [int(round(np.interp(a, arc, np.arange(len(arc))))) for a in arcs]
        if len(arcs) == len(disc_arcs) or len(set(new)) < len(new):
            continue
        trial = segments_between(new, lo, hi, dz)
        prepare(trial)
        span = (discs[j - 1] if j else lo - 1, discs[j + 1] if j + 1 < len(discs) else hi + 1)
        if _reread_ok(segments, trial, span, dz):
            for piece in _pieces(trial, span[0] + 1, span[1] - 1):
                piece.notes.append(REREAD_NOTE.format(*body))
            return trial, new, arcs, disc_arcs[j]
    return None


def _reread_ok(before, after, span, dz):
    """Whether the segments `after` a re-read give every rib level within slices `span` (exclusive) a vertebra of its
    own, with fewer segments bearing two or more levels than `before` and the same number of levels borne."""
    def levels(segs):
        return [len(rib_level_groups(s.rib_z, dz)) for s in segs]

    inside = levels(_pieces(after, span[0] + 1, span[1] - 1))
    return (len(inside) >= 2 and max(inside) == 1 and sum(levels(after)) == sum(levels(before))
            and sum(n >= 2 for n in levels(after)) < sum(n >= 2 for n in levels(before)))


def missed_disc_splits(segments, dz):
    """[(lo, hi, disc slices)] of the segments (slices lo..hi) that hold n >= 2 rib levels a pitch apart, with the
    n - 1 discs inferred in each (working grid)."""
    levels = [float(np.mean(g)) for g in rib_level_groups([z for s in segments for z in s.rib_z], dz)]
    splits = []
    for seg in segments:
        own = rib_level_groups(seg.rib_z, dz)
        if len(own) < 2 or seg.ribs != ("left", "right") or not (seg.lower_disc and seg.upper_disc):
            continue
        means = [float(np.mean(g)) for g in own]
        pitch = _neighbour_pitch(levels, means[0], means[-1])
        height = seg.hi - seg.lo + 2               # disc to disc, slices
        if pitch is None or height < len(own) * MIN_HEIGHT_SHARE * pitch or \
                not all(MIN_PITCH_SHARE * pitch <= b - a <= MAX_PITCH_SHARE * pitch for a, b in zip(means, means[1:])):
            continue
        # n vertebrae between the discs: boundaries at equal shares of the height, each kept between the lower
        # level's lowest head and the midway to the next level (module docstring)
        shares = [seg.lo - 1 + j * height / len(own) for j in range(1, len(own))]
        ks = [int(round(np.clip(x, min(g), 0.5 * (a + b)))) for x, g, a, b in zip(shares, own, means, means[1:])]
        # at least 2 slices per piece and one for each disc (a shorter piece, under `levels.MIN_SEGMENT_MM`, is
        # dropped by `segments_between`, and the split then fails its check in `split_at_missed_discs`)
        ks = [int(np.clip(k, seg.lo + 2, seg.hi - 2)) for k in ks]
        if all(b - a >= 3 for a, b in zip([seg.lo - 1] + ks, ks + [seg.hi + 1])):
            splits.append((seg.lo, seg.hi, ks))
    return splits


def _neighbour_pitch(levels, low, high):
    """Median spacing (slices) of the rib levels next to the levels from `low` to `high`: two below, two above."""
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


def split_at_missed_discs(segments, discs, disc_arcs, arc, lo, hi, dz, prepare, body_readings=None):
    """(segments, discs, disc_arcs) with the discs of `missed_disc_splits` added where each split is confirmed.

    `prepare(segments)` readies new segments as the pipeline does (widths, rib heads given by
    `ribs.mark_rib_bearing`); a split is kept when each of its pieces then bears exactly one rib level.
    Band pairs that the rib levels read as a body's endplates are re-read first (`reread_band_pairs`; `body_readings`:
    {disc arc mm: (lower disc, upper disc)} from `discs.find_endplate_discs`, None: no disc has that reading).
    `arc`: each slice's arc position along the column (mm), for the disc's plane (`bodies.split_bodies`).
    """
    segments, discs, disc_arcs = reread_band_pairs(segments, discs, disc_arcs, body_readings or {}, arc, lo, hi, dz,
                                                   prepare)
    added, kept = [], []
    for seg_lo, seg_hi, ks in missed_disc_splits(segments, dz):
        trial = segments_between(sorted(discs + added + ks), lo, hi, dz)
        prepare(trial)
        pieces = _pieces(trial, seg_lo, seg_hi)
        if len(pieces) == len(ks) + 1 and all(len(rib_level_groups(p.rib_z, dz)) == 1 for p in pieces):
            added += ks
            kept.append((seg_lo, seg_hi))
    if not added:
        return segments, discs, disc_arcs
    discs = sorted(discs + added)
    segments = segments_between(discs, lo, hi, dz)
    prepare(segments)
    for seg_lo, seg_hi in kept:
        pieces = _pieces(segments, seg_lo, seg_hi)
        gaps = np.diff([np.mean(p.rib_z) for p in pieces]) * dz
        note = SPLIT_NOTE.format(len(pieces), "-".join(f"{g:.0f}" for g in gaps), (seg_hi - seg_lo + 2) * dz)
        for piece in pieces:
            piece.flags.append("uncertain_level")
            piece.notes.append(note)
    return segments, discs, sorted(disc_arcs + [float(arc[k]) for k in added])


def _pieces(segments, seg_lo, seg_hi):
    """The segments within slices seg_lo..seg_hi (the pieces of the segment split there)."""
    return [s for s in segments if s.lo >= seg_lo and s.hi <= seg_hi]
