"""The C7/T1 disc at 5 mm slices, placed over the first rib pair's heads (issue 20, branch `top5`).

At slices of `jmedseg.spine.levels.THICK_SLICE_MM` or more the C7/T1 disc (4 mm, the thinnest of the column) shares
its slab with the two endplates either side: the core's profile shows a weak band or a shallow trough there, under
`jmedseg.spine.discs.ENDPLATE_BUMP_HU` (synthetic seed 79 CT 4: a trough of -11 HU; seed 83 CT 65: two 16-17 HU
plates either side of a +3 HU dip), and `discs.top_trough` asks for a trough of the full depth. C7 and T1 then stay
one segment at the column's top, the first pair on it, no rib-free vertebra above: the first-rib anchor is not
counted and a chest CT is named from the lowest rib alone.

The first rib's head says where that disc lies: the first rib articulates with T1's body alone, on its upper lateral
corner just under the C7/T1 disc (the heads found 1-5 mm under it in the phantom: seed 79 CT 4 468 against 469 mm,
seed 83 CT 65 531.5 against 533, seed 71 CT 9 520.5 against 524), while C7 (14-17 mm tall) bears no rib above it.
So where the column's top segment bears the highest rib level, and the column goes on over those heads by more than
the disc's reach and the sight of a neighbour (`NEIGHBOUR_SEEN_MM`), the segment holds T1's upper part and C7: the
disc is put at the core's deepest point within `RIB_HEAD_HALF_MM` (and half a slab) over the heads, where it is a
local minimum (disc tissue between two plates).

Where the disc under the segment lies within `THIN_DISC_PITCH_MM` of the new disc, it cannot be T1/T2 (no body plus
disc is that short): it is one disc read from two bands that were T1's own endplates (`discs.body_readings`), and its
body reading is taken where that reading's upper disc is the new disc (within a slab): seed 71 CT 9, the bands at 506
and 520 mm joined into a disc at 513 mm in T1's middle, the reading (506, 527) against the truth (502, 524).

Only in a rib cage seen over most of its height (at least `2 * UPPER_LEVELS` two-sided rib levels, as
`rib_split.reread_upper_troughs` asks: the highest level is then rib 1, not a lower rib at the top of an abdominal
scan), and only where the top segment bears that level alone.
The split is kept only where the anchor it makes would be trusted at these slices: the piece over the disc bears no
rib, the piece under it the highest level alone, no rib level is lost, and the thoracic segments T2-T8 are cut
where their rib heads say (`thick_chain.heads_in_upper_half`, the condition that keeps a first pair at 5 mm from
confirming a mid-thoracic level whose body was lost to the blood pool: seed 59 CT 45, seed 31 CT 12).
"""
import numpy as np

from jmedseg.spine.discs import RIB_HEAD_HALF_MM, THIN_DISC_PITCH_MM, core_departure
from jmedseg.spine.levels import (NEIGHBOUR_SEEN_MM, THICK_SLICE_MM, lowest_rib_bearing, rib_level_groups,
                                  segments_between)
from jmedseg.spine.low_heads import chain_bounded, flag_low_heads
from jmedseg.spine.pair_heads import two_sided_levels
from jmedseg.spine.rib_split import UPPER_LEVELS

TOP_NOTE = "the C7/T1 disc placed over the first rib pair's heads at {:.0f} mm of arc (5 mm slices)"


def split_top_at_first_heads(segments, discs, disc_arcs, heads, profile, arc, lo, hi, dz, prepare, body_readings,
                             clear_to=None):
    """(segments, discs, disc_arcs) with the column's top segment split at the C7/T1 disc over the first rib pair's
    heads where the module's conditions hold; else unchanged. `profile()`: (arc mm, core HU)
    (`discs.core_hu_profile`), read only when needed; `body_readings`: {disc arc mm: (lower, upper disc)};
    `clear_to`: the slice up to which the scan shows no rib over the column's top (`ribs.clear_above`), so far the
    vertebra over the new disc counts as seen, as `levels.find_anchors` counts the top vertebra (branch `top`: the
    track may stop on C7 a slab under the scan's top edge, where the anchor rules read the rib-free slab over it)."""
    same = segments, discs, disc_arcs
    if dz < THICK_SLICE_MM or not heads or len(segments) < 2:
        return same
    levels = two_sided_levels(heads, dz)
    top = segments[-1]
    if len(levels) < 2 * UPPER_LEVELS or top.upper_disc or not top.lower_disc:
        return same
    first = levels[-1]
    if not any(z in top.rib_z for z in first) or len(rib_level_groups(top.rib_z, dz)) != 1:
        return same
    k_axis = np.arange(len(arc))
    head = float(np.interp(np.mean(first), k_axis, arc))
    disc = _trough_over(head, dz, *profile())
    if disc is None:
        return same
    arcs = sorted(disc_arcs)
    below = arcs[-1] if arcs else None
    if below is not None and disc - below < THIN_DISC_PITCH_MM:
        reading = body_readings.get(below)
        if reading is None or abs(reading[1] - disc) > dz or reading[1] - reading[0] < THIN_DISC_PITCH_MM:
            return same
        arcs = arcs[:-1] + [reading[0]]
        disc = reading[1]
    new_arcs = arcs + [disc]
    new = [int(round(np.interp(x, arc, k_axis))) for x in new_arcs]
    seen_to = hi if clear_to is None else max(hi, clear_to)
    if len(set(new)) < len(new) or (seen_to - new[-1]) * dz < NEIGHBOUR_SEEN_MM:
        return same
    trial = segments_between(new, lo, hi, dz)
    prepare(trial)
    if not _kept(segments, trial, first, dz):
        return same
    flag_low_heads(trial, len(trial) - 2, dz, THICK_SLICE_MM)   # T2-T8 with low heads: places unconfirmed
    for seg in trial[-2:]:
        seg.notes.append(TOP_NOTE.format(disc))
    return trial, new, new_arcs


def _trough_over(head, dz, s, core_hu):
    """The arc (mm) of the core's deepest point within `RIB_HEAD_HALF_MM` and half a slab over `head` (arc mm),
    where it is a local minimum of the core's departure darker than the brightest point there (disc tissue under
    a plate); None otherwise."""
    s = np.asarray(s, float)
    bump = core_departure(core_hu)
    near = np.flatnonzero((s > head) & (s <= head + RIB_HEAD_HALF_MM + 0.5 * dz))
    if not len(near):
        return None
    j = near[np.argmin(bump[near])]
    if not (0 < j < len(s) - 1 and bump[j] <= bump[j - 1] and bump[j] <= bump[j + 1] and bump[j] < bump[near].max()):
        return None
    return float(s[j])


def _kept(before, after, first, dz):
    """Whether the split gives a rib-free top piece over the highest level's segment, loses no rib level, and
    leaves T2-T8 cut where their heads say (`heads_in_upper_half`)."""
    if len(after) != len(before) + 1 or after[-1].rib_z or not any(z in after[-2].rib_z for z in first):
        return False
    borne = sum(len(rib_level_groups(s.rib_z, dz)) for s in after)
    if borne < sum(len(rib_level_groups(s.rib_z, dz)) for s in before):
        return False
    lowest = lowest_rib_bearing(after)
    return lowest is not None and chain_bounded(after, lowest, len(after) - 2)   # low heads flagged (`low_heads`)

