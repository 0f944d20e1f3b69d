"""T1 re-cut between the first two rib pairs' heads where the first pair is not counted (issue 20, branch `top11`).

The most frequent refusal with C7 and L1 whole in the scan (seeds 103, 131, 79 at 3 and 5 mm): the discs of the
column's top are read in the wrong place (the C7/T1 disc, 4 mm and the thinnest of the column, not found; T1/T2 read
in T1's middle), so the top segment bearing the first pair holds C7 and T1's upper part, and no rib-free vertebra is
left over the pair: the first-rib anchor is not counted and the CT is named from the lowest rib alone.

The rib heads say where T1 lies, whatever the discs show:
- the first rib articulates with T1's body alone, on its upper lateral corner just under the C7/T1 disc (a single
  facet; the heads 1-5 mm under the disc in the phantom, `top_split`), so the C7/T1 disc lies just over the first
  pair's heads (`FIRST_HEAD_UNDER_DISC_MM`, at least the slab over the heads' own);
- the second rib articulates across the T1/T2 disc (demifacets on T1's lower and T2's upper plate), its head at the
  disc or a little under it: the T1/T2 disc lies in the first slab at or over the second pair's heads.
T1 is then the stretch between the two pairs' heads (its pitch, 14-18 mm body plus a 4 mm disc), and what the column
shows over the first pair's heads is C7, which bears no rib.

The re-cut replaces the discs over the second pair's segment's lower disc by those two; it is tried only where the
first-pair anchor is not counted on the segments as cut (`levels.find_anchors`), or is counted on a segment that does
not bear the highest two-sided rib level (that level's heads between two discs a slice apart, T1 a sliver too short
for a segment: the pair counted is the second, under T1; seed 173 CT 72, 5 mm, branch `top15`), in a rib cage seen
over most of its height (at least `2 * UPPER_LEVELS` two-sided levels, so the highest pair is rib 1, not a lower
rib at the top of an abdominal scan), and kept only where
- the first and second pairs lie one thoracic pitch apart, within `MIN_PITCH_SHARE`-`MAX_PITCH_SHARE` of the pitch
  of the second and third pairs (no rib level missed between them);
- the segment left under T1 (T2) spans at least `MIN_HEIGHT_SHARE` of that pitch from disc to disc (else the discs
  under the top are read half a vertebra off as well, seed 73 CT 61: the re-cut would leave a sliver named T2);
- the first pair is then counted (`find_anchors`: a rib-free vertebra seen over it for `NEIGHBOUR_SEEN_MM`, the scan
  showing no rib there, `ribs.clear_above`), every rib level is still borne, each segment from T12 to T1 bears one
  level, and T2-T8 are bounded by discs and bear heads (`low_heads.chain_bounded`), each of them whose rib level lies
  in the lower half of its span left unconfirmed with its two neighbours (`low_heads.flag_low_heads`: a disc of it
  may lie inside a body, seed 59 CT 45, seed 31 CT 12), at every slice thickness since branch `top14` (before, at
  slices under `levels.THICK_SLICE_MM` a low level refused the re-cut: seed 157 CT 40, 3 mm, T8's heads at 0.48 of
  its span, every level within 9 mm of its truth).
"""
import math

import numpy as np

from jmedseg.spine.levels import find_anchors, lowest_rib_bearing, rib_level_groups, segments_between
from jmedseg.spine.low_heads import chain_counts, flag_low_heads
from jmedseg.spine.pair_heads import two_sided_levels
from jmedseg.spine.rib_split import MAX_PITCH_SHARE, MIN_HEIGHT_SHARE, MIN_PITCH_SHARE, UPPER_LEVELS

FIRST_HEAD_UNDER_DISC_MM = 3.0   # the first rib's head centre under the C7/T1 disc (1-5 mm in the phantom)
LOW_HEADS_COUNTED_FROM_MM = 0.0  # a re-cut counts T2-T8 bounded by discs at every slice thickness, a low rib level
                                 # flagged with its neighbours (`low_heads`; branch `top14`): the heads of ribs 6-8
                                 # lie at or under their body's middle in right chains at 3 mm too (157/40: T8 0.48)

TOP_HEADS_NOTE = ("T1 re-cut between the first two rib pairs' heads (discs at {:.0f} and {:.0f} mm of arc): the first "
                  "rib articulates with T1 alone under the C7/T1 disc, the second across the T1/T2 disc")


def recut_top_from_heads(segments, discs, disc_arcs, heads, arc, lo, hi, dz, prepare, sacrum=None, clear_to=None,
                         processes=False):
    """(segments, discs, disc_arcs) with T1 re-cut between the first and second rib pairs' heads where the module's
    conditions hold; else unchanged. `discs`: disc slices (ascending), `disc_arcs` their arcs (mm); `heads`:
    (slice, side) pairs; `prepare(segments)` measures widths and hands out rib heads; `sacrum`, `clear_to`,
    `processes` as `levels.find_anchors` takes them."""
    same = segments, discs, disc_arcs
    if not heads or len(segments) < 3:
        return same
    anchors, _ = find_anchors(segments, dz, sacrum, clear_to, processes)
    levels = two_sided_levels(heads, dz)
    if "T1" in anchors and (not levels or any(z in segments[anchors["T1"]].rib_z for z in levels[-1])):
        return same     # a pair counted under the highest two-sided level is the second pair (module docstring)
    if len(levels) < max(2 * UPPER_LEVELS, 3):
        return same
    h1, h2, h3 = (float(np.mean(g)) for g in (levels[-1], levels[-2], levels[-3]))
    pitch = h2 - h3
    if not MIN_PITCH_SHARE * pitch <= h1 - h2 <= MAX_PITCH_SHARE * pitch:
        return same
    second = next((j for j, s in enumerate(segments) if any(z in s.rib_z for z in levels[-2])), None)
    if second is None or not segments[second].lower_disc:
        return same
    floor_disc = segments[second].lo - 1
    d_lo = int(math.ceil(h2))
    if d_lo - floor_disc < MIN_HEIGHT_SHARE * pitch:
        return same
    return recut_over(segments, discs, disc_arcs, second, [d_lo, c7_t1_disc(h1, dz)], levels, arc, lo, hi, dz,
                      prepare, sacrum, clear_to, processes, TOP_HEADS_NOTE) or same


def c7_t1_disc(h1, dz):
    """The C7/T1 disc's slice over the first pair's heads at mean slice `h1`: `FIRST_HEAD_UNDER_DISC_MM` over them,
    and at least the slice over the heads' own."""
    return max(int(math.floor(h1 + 0.5 + FIRST_HEAD_UNDER_DISC_MM / dz)), int(math.floor(h1 + 0.5)) + 1)


def recut_over(segments, discs, disc_arcs, floor, above, levels, arc, lo, hi, dz, prepare, sacrum, clear_to,
               processes, note):
    """(segments, discs, disc_arcs) with the discs over segment `floor`'s lower disc replaced by the slices `above`
    (ascending), where `_kept` holds; else None. The segments under keep their rib heads as handed out (`rib_count`'s
    re-cut); `note` (formatted with the arcs of the two highest new discs) goes to each new segment."""
    floor_disc = segments[floor].lo - 1
    if not floor_disc < above[0] or not all(a < b for a, b in zip(above, above[1:])) or not above[-1] < hi:
        return None
    new = [d for d in discs if d <= floor_disc] + list(above)
    if new == list(discs):
        return None
    top = [s for s in segments_between(new, lo, hi, dz) if s.lo > floor_disc]
    prepare(top)
    trial = segments[:floor] + top
    if not _kept(segments, trial, levels, dz, sacrum, clear_to, processes):
        return None
    t1 = max(j for j, s in enumerate(trial) if s.ribs)      # nothing over T1 bears a rib (`_kept`)
    flag_low_heads(trial, t1, dz, LOW_HEADS_COUNTED_FROM_MM)   # T2-T8 with low heads and neighbours (`low_heads`)
    k_axis = np.arange(len(arc))
    arcs = [a for d, a in zip(discs, disc_arcs) if d <= floor_disc] + [float(np.interp(d, k_axis, arc))
                                                                        for d in above]
    for seg in top:
        seg.notes.append(note.format(arcs[-2], arcs[-1]))
    return trial, new, arcs


def _kept(before, after, levels, dz, sacrum, clear_to, processes):
    """Whether the re-cut counts the first pair on the vertebra under a rib-free top, loses no rib level, gives each
    vertebra from the lowest rib-bearing one to T1 one level, and leaves T2-T8 cut where their heads say."""
    borne = sum(len(rib_level_groups(s.rib_z, dz)) for s in after)
    if borne < sum(len(rib_level_groups(s.rib_z, dz)) for s in before):
        return False
    anchors, _ = find_anchors(after, dz, sacrum, clear_to, processes)
    t1, t12 = anchors.get("T1"), anchors.get("T12")
    if t1 is None or t12 is None or not any(z in after[t1].rib_z for z in levels[-1]):
        return False
    if t1 - t12 != 11 or any(len(rib_level_groups(s.rib_z, dz)) != 1 for s in after[t12:t1 + 1]):
        return False
    if any(s.ribs for s in after[t1 + 1:]):
        return False
    lowest = lowest_rib_bearing(after)
    return lowest == t12 and chain_counts(after, lowest, t1, dz, LOW_HEADS_COUNTED_FROM_MM)   # `low_heads`
