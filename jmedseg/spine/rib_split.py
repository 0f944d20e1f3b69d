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

from jmedseg.spine.discs import (OUTER_TROUGH_MM, RIB_HEAD_HALF_MM, THIN_DISC_PITCH_MM, resolved_troughs,
                                 split_body_pairs)
from jmedseg.spine.levels import THICK_SLICE_MM, rib_level_groups, segments_between
from jmedseg.spine.pair_heads import two_sided_levels

MIN_PITCH_SHARE = 0.7      # two consecutive rib levels: the neighbouring pitch within the variation of thoracic
MAX_PITCH_SHARE = 1.4      # body heights between neighbours (T1-T12 bodies grow 1-2 mm per level, 14-28 mm)
MIN_HEIGHT_SHARE = 0.7     # of n pitches: n vertebrae are n pitches disc to disc, less where a found disc lies
                           # a 5 mm slice into a neighbour (two: 1.4 or more); one vertebra is one pitch
SPLIT_NOTE = ("split in {0} at discs inferred between {0} rib levels {1} mm apart in a {2:.0f} mm segment (thin discs "
              "missed): the discs between the pieces are not seen")


UPPER_LEVELS = 4           # ribs 1-4: their heads lie at the disc above their body (rib 1: T1's upper edge, under
                           # C7/T1) and their necks run out nearly level, so the head found is the head's height
TROUGH_NOTE = ("discs at {0} mm of arc read at the disc tissue between resolved plates, where the upper rib heads lie, "
               "not at a band in a body's middle")
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
    inside = _levels_borne(_pieces(after, span[0] + 1, span[1] - 1), dz)
    borne_after, borne_before = _levels_borne(after, dz), _levels_borne(before, dz)
    return (len(inside) >= 2 and max(inside) == 1 and sum(borne_after) == sum(borne_before)
            and sum(n >= 2 for n in borne_after) < sum(n >= 2 for n in borne_before))


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


def reread_upper_troughs(segments, discs, disc_arcs, heads, profile, arc, lo, hi, dz, prepare, body_readings):
    """(segments, discs, disc_arcs, body_readings) with a disc found in a body's middle between two of the upper rib
    levels replaced by the two discs the raw core shows at those levels' heads, where the rib levels doubt the top.

    The heads of ribs 2-9 articulate across the disc above their own body (demifacets) and the first rib's on T1's
    upper edge, just under the C7/T1 disc; the upper ribs (`UPPER_LEVELS`) run out nearly level from the head, so
    the head found lies within `RIB_HEAD_HALF_MM` of that disc (synthetic heads of ribs 1-4 within 1-5 mm of the
    disc; lower ribs descend more and their heads are found 5-10 mm lower). At 1-3 mm slices a thin disc shows
    whole in the raw core, plate, disc tissue, plate (`discs.resolved_troughs`), but its smoothed band may sit on
    one plate only, and where the brighter plates either side of a short body (T2, 13 mm) are that body's own
    endplates, the two bands are joined as one disc in the body's middle, half a body from either head (issue 20,
    seed 59 CT 36, chest, 3 mm: a disc at 409 mm between the heads at 398 and 418, the raw troughs at 399 and
    418; C7/T1 and T3/T4 found on their inner plates, 5-6 mm towards T2: C7's lower part took the first pair, which
    then had no rib-free vertebra above it). The two troughs replace that disc; a disc beside them closer than
    `THIN_DISC_PITCH_MM` (the shortest body plus disc) is a lone plate of the next disc and moves onto its own trough
    within `OUTER_TROUGH_MM`, which must also lie at an upper head. Every disc moved is then seen (disc tissue
    between plates) and lies at a rib head: two independent signs agree. One disc may stay without a trough: the
    C7/T1 band at the first pair's heads over the new T1/T2 trough (`_c7_t1_at_first_heads`; seed 107 CT 69).

    Only in a rib cage seen over most of its height (at least `2 * UPPER_LEVELS` two-sided levels: the highest are
    then ribs 1-4, not the lowest ribs of an abdominal scan, whose heads lie on their own bodies), and only where the
    rib levels doubt the top (the highest level on the column's top segment, or a segment holding
    two upper levels, `_upper_doubt`) and the re-read takes that doubt away, each upper level on its own vertebra
    and no fewer rib levels borne. Not at `THICK_SLICE_MM` or more (no resolved troughs; the band pairs' readings,
    `reread_band_pairs`, decide there). A re-read before the rib levels chose it (`discs.py`, branch `c7thick`)
    moved real discs into bodies: here the heads choose.
    `profile()`: (arc mm, core HU), the core's profile (`discs.core_hu_profile`), read only when needed.
    """
    same = segments, discs, disc_arcs, body_readings
    if dz >= THICK_SLICE_MM or not heads or not segments:
        return same
    both = two_sided_levels(heads, dz)
    upper = both[-UPPER_LEVELS:]
    if len(both) < 2 * UPPER_LEVELS or not _upper_doubt(segments, upper):
        return same
    k_axis = np.arange(len(arc))
    at = [float(np.interp(np.mean(g), k_axis, arc)) for g in upper]     # arc mm of each upper level
    middles = []
    for a, b in zip(at, at[1:]):
        inside = [d for d in disc_arcs if a < d < b]
        if len(inside) == 1 and min(inside[0] - a, b - inside[0]) > RIB_HEAD_HALF_MM:
            middles.append((a, b, inside[0]))
    if not middles:
        return same
    troughs = resolved_troughs(*profile())
    for a, b, d in reversed(middles):
        arcs = _troughs_at_heads(disc_arcs, d, a, b, troughs, at)
        if arcs is None:
            continue
        new = [int(round(np.interp(x, arc, k_axis))) for x in arcs]
        if len(set(new)) < len(new):
            continue
        trial = segments_between(new, lo, hi, dz)
        prepare(trial)
        if sum(_levels_borne(trial, dz)) < sum(_levels_borne(segments, dz)) or _upper_doubt(trial, upper):
            continue
        moved = sorted(set(arcs) - set(disc_arcs))
        for seg in trial:
            if any(seg.lo - 1 <= int(round(np.interp(x, arc, k_axis))) <= seg.hi + 1 for x in moved):
                seg.notes.append(TROUGH_NOTE.format(", ".join(f"{x:.0f}" for x in moved)))
        return trial, new, arcs, {x: r for x, r in body_readings.items() if x in arcs}
    return same


def _upper_doubt(segments, upper):
    """Whether the highest rib level lies on the column's top segment (no vertebra above it to show it is the first
    pair) or a segment holds two of the `upper` levels."""
    def holds(seg, g):
        return any(z in seg.rib_z for z in g)

    if segments and holds(segments[-1], upper[-1]):
        return True
    return any(sum(holds(seg, g) for g in upper) >= 2 for seg in segments)


def _levels_borne(segments, dz):
    """The number of rib levels each segment holds."""
    return [len(rib_level_groups(s.rib_z, dz)) for s in segments]


def _troughs_at_heads(disc_arcs, d, a, b, troughs, at):
    """Disc arcs with `d` (between the upper levels at arc a < b) replaced by the resolved troughs at those levels,
    and a disc closer than `THIN_DISC_PITCH_MM` to them moved onto its own trough (within `OUTER_TROUGH_MM`, at an
    upper level's head); None where a trough is missing or the discs would lie closer than that pitch."""
    def trough_near(x, reach):
        near = [t for t in troughs if abs(t - x) <= reach]
        return min(near, key=lambda t: abs(t - x)) if near else None

    ta, tb = trough_near(a, RIB_HEAD_HALF_MM), trough_near(b, RIB_HEAD_HALF_MM)
    if ta is None or tb is None or tb - ta < THIN_DISC_PITCH_MM:
        return None
    out, kept = [ta, tb], set()
    for x in disc_arcs:
        if x == d:
            continue
        if all(abs(x - t) >= THIN_DISC_PITCH_MM for t in (ta, tb)):
            out.append(x)
            continue
        own = [t for t in troughs if abs(t - x) <= OUTER_TROUGH_MM and all(abs(t - m) >= THIN_DISC_PITCH_MM
                                                                           for m in (ta, tb))
               and any(abs(t - h) <= RIB_HEAD_HALF_MM for h in at)]
        if not own:
            if not _c7_t1_at_first_heads(x, tb, at):
                return None
            kept.add(x)
            out.append(x)
            continue
        out.append(min(own, key=lambda t: abs(t - x)))
    out = sorted(out)
    changed = set(out) - set(disc_arcs)
    for x, y in zip(out, out[1:]):
        if (x in changed or y in changed) and y - x < (OUTER_TROUGH_MM if kept & {x, y} else THIN_DISC_PITCH_MM):
            return None
    return out


def _c7_t1_at_first_heads(x, tb, at):
    """Whether the disc at arc `x`, nearer than `THIN_DISC_PITCH_MM` to the new trough `tb` (at the second-highest
    upper level's heads) without a resolved trough of its own, is the C7/T1 disc at the first pair's heads and stays
    where it was found.

    The first rib's head articulates with T1 alone, on its upper edge just under the C7/T1 disc (a single facet,
    no demifacet on C7), so that disc lies within `RIB_HEAD_HALF_MM` of the highest level's heads; at 2-3 mm its band
    may sit on T1's upper plate, a few mm under the disc tissue, with no trough resolved between it and C7's plate
    (issue 20, seed 107 CT 69: the band 5 mm under rib 1's heads, 12 mm over the new T1/T2 trough, where T1 is 18 mm
    disc to disc). Such a band is another disc than the trough's when it lies more than `OUTER_TROUGH_MM` (half the
    shortest body plus disc) over it: nearer, it would be the trough's own plate. Only the disc over `tb` and under
    no other upper level: the highest level must lie over `tb` (the re-read cut between ribs 2 and 3 or lower),
    and the re-read is still kept only where each upper level then lies on its own vertebra (`_upper_doubt`).
    """
    return at[-1] > tb and x > tb + OUTER_TROUGH_MM and abs(x - at[-1]) <= RIB_HEAD_HALF_MM \
        and not any(tb < h < x for h in at)
