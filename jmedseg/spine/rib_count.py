"""Twelve rib levels re-cut the thoracic segments their discs got wrong (issue 20, docs/spine.md).

Ribs are borne by consecutive vertebrae, one rib level per vertebra (T1 to T12), so where the rib search finds
twelve levels from the first pair to the lowest rib, each with a head on both sides and a vertebra's pitch from its
neighbours, the levels count the thoracic vertebrae even where a thin disc was missed or a false one found
(synthetic dev CTs 1 and 20 of seed 11 at 5 mm: a false disc cuts T11 into a piece with ribs and a rib-free
piece; a thin disc between T7 and T8 missed). `levels.rib_anchor_doubt` then refuses the first-rib anchor ("12 rib
levels but 12 vertebrae between the discs (1 without a rib)"). Here the discs are edited, one at a time, until the
rib levels fit the vertebrae in order:
- level k (from the lowest) lies on the k-th vertebra from the lowest rib-bearing one: between its discs, or up to
  half a pitch above its upper disc (the heads of ribs 2-9 span the disc above their body: `ribs.mark_rib_bearing`),
  or, for the lowest `SINGLE_FACET_LEVELS` (ribs 10-12 on their own body only), in the disc just below it (a head
  on the body's lower endplate read one slice low);
- a disc is removed only where the vertebra it leaves is at most `MAX_PITCH_SHARE` of the local rib pitch tall
  disc to disc (a piece of one body, not a vertebra whose rib was missed: that one is a full pitch tall and
  joined to its neighbour it would be two);
- a disc is added only inside a segment at least `2 * MIN_HEIGHT_SHARE` pitches tall (room for two bodies), at the
  slice nearest its middle that makes the levels fit.
Where the discs fit already and only a head went to a neighbour (seed 11 CT 9: the first pair's left and right heads
either side of the half-pitch reach), the levels are given one to each vertebra, no disc changed.
A single edit is tried first, and only where the current discs do not fit; where more than one fitting edit of
different names exists, nothing changes. Where no single edit fits, two edits of one kind are tried (two merges or
two splits at two places, each bounded as above; seed 101 CTs 4 and 37, seed 71 CT 32 at 3-5 mm: false discs in two
thoracic bodies, "12 rib levels but 14 vertebrae between the discs (2 without a rib)"): the two places are two
rib-level intervals for merges (whichever piece there is joined, the rib-bearing vertebra of each level keeps its
level), two segments for splits; where fits exist at more than one pair of places, nothing changes. A merge and a
split are not paired: with the count already right they would shift the levels by a vertebra between the two places,
a fit the discs found do not show. Three edits are not tried. The disc count stays the evidence the anchors check:
an edit must leave every level on its own vertebra with the discs found elsewhere unchanged, so a false rib level
plus a missed one, or an 11th or 13th pair, is not made to agree (13 pairs with one missed leave a double gap, 11
with a false one a short gap: `regular_levels` refuses both; 11 or 13 found are not twelve).

An added disc is inferred, not seen: both pieces are flagged `incomplete` (the body is not delimited by a disc
seen in the CT, so its density may hold a slice of its neighbour) and say so in their note; a removed disc leaves a
vertebra bounded by seen discs, noted only.
"""
import numpy as np

from jmedseg.spine.discs import MIN_PITCH_MM
from jmedseg.spine.levels import THICK_SLICE_MM, lowest_rib_bearing, rib_level_groups, segments_between
from jmedseg.spine.pair_heads import level_sides
from jmedseg.spine.rib_split import MAX_PITCH_SHARE, MIN_HEIGHT_SHARE, MIN_PITCH_SHARE
from jmedseg.spine.ribs import SINGLE_FACET_LEVELS
from jmedseg.spine.thick_chain import UPPER_HALF

_AMBIGUOUS = "ambiguous"      # several single edits fit: no second edit is tried, nothing changes
THORACIC_LEVELS = 12          # rib pairs in most adults (an 11th or 13th pair is not re-cut: not twelve)
MERGE_NOTE = ("a disc found at {0:.0f} mm of arc inside this vertebra dropped: the twelve rib levels from the first "
              "pair to the lowest rib leave the piece it cut off without a rib of its own (ribs are borne by "
              "consecutive vertebrae)")
REASSIGN_NOTE = ("rib levels given one to each vertebra from the lowest rib to the first pair (twelve levels, ribs "
                 "borne by consecutive vertebrae): a head near a disc had gone to the neighbour")
LOW_HEAD_NOTE = ("its rib level lies {0:.2f} of the way from its lower disc to its upper one, in the lower half where "
                 "the head of a rib 2-8 does not: the segment may hold the lower part of the vertebra above")
SPLIT_NOTE = ("split at a disc inferred at {0:.0f} mm of arc, not seen (the body is not delimited by it): the twelve "
              "rib levels from the first pair to the lowest rib need one more vertebra than the discs found, in this "
              "{1:.0f} mm segment")


def rib_levels(heads, dz):
    """[(mean slice, sides)] of the rib levels among `heads` ((slice, side) pairs), the lowest first."""
    return [(float(np.mean(g)), sides) for g, sides in level_sides(heads, dz)]


def regular_levels(levels):
    """Whether `levels` are twelve, each with heads on both sides, each gap within `MIN_PITCH_SHARE` ..
    `MAX_PITCH_SHARE` of the median of its neighbouring gaps (a missed level leaves a double gap, a false one a
    short one)."""
    if len(levels) != THORACIC_LEVELS or any(len(s) < 2 for _, s in levels):
        return False
    gaps = np.diff([z for z, _ in levels])
    for j, g in enumerate(gaps):
        near = np.median(np.r_[gaps[max(0, j - 2):j], gaps[j + 1:j + 3]])
        if not MIN_PITCH_SHARE * near <= g <= MAX_PITCH_SHARE * near:
            return False
    return True


def _fits(segments, levels, dz):
    """Index of the lowest rib-bearing vertebra when level k lies on vertebra start + k for every k (module
    docstring); else None."""
    zs = [z for z, _ in levels]

    def on(j, k):
        seg = segments[j]
        if k < SINGLE_FACET_LEVELS:     # ribs 10-12 on their own body, or in the disc just below it
            floor = segments[j - 1].hi + 0.5 if j else seg.lo - 0.5
            return floor <= zs[k] <= seg.hi + 0.5
        return seg.lo - 0.5 <= zs[k] <= seg.hi + 0.5 + 0.5 * MIN_PITCH_MM / dz

    for start in range(len(segments) - len(zs) + 1):
        if all(on(start + k, k) for k in range(len(zs))):
            return start
    return None


def _pitch(levels, z):
    """Local rib pitch (slices) at slice z: the median of the two level gaps on each side of it."""
    zs = np.array([v for v, _ in levels])
    gaps = np.diff(zs)
    mids = 0.5 * (zs[1:] + zs[:-1])
    return float(np.median(gaps[np.argsort(np.abs(mids - z))[:4]]))


def _candidates(segments, discs, levels, dz):
    """[(kind, disc slice, new disc list)] of the single edits allowed within the rib levels' span."""
    lo_z, hi_z = levels[0][0] - MIN_PITCH_MM / dz, levels[-1][0] + MIN_PITCH_MM / dz
    out = []
    for j, d in enumerate(discs):
        if not lo_z <= d <= hi_z:
            continue
        below = discs[j - 1] if j else None
        above = discs[j + 1] if j + 1 < len(discs) else None
        if below is not None and above is not None and above - below <= MAX_PITCH_SHARE * _pitch(levels, d):
            out.append(("merge", d, discs[:j] + discs[j + 1:]))
    for seg in segments:
        if not (seg.lower_disc and seg.upper_disc) or seg.hi < lo_z or seg.lo > hi_z:
            continue
        height = seg.hi - seg.lo + 2                # disc to disc, slices
        mid = 0.5 * (seg.lo + seg.hi)
        if height < 2 * MIN_HEIGHT_SHARE * _pitch(levels, mid):
            continue
        for k in sorted(range(seg.lo + 2, seg.hi - 1), key=lambda k: abs(k - mid)):
            out.append(("split", k, sorted(discs + [k])))
    return out


def recut_by_rib_levels(segments, discs, disc_arcs, arc, lo, hi, dz, prepare, heads):
    """(segments, discs, disc_arcs) with one disc (or two, of one kind) removed or added where the twelve rib
    levels then fit the vertebrae in order and do not before (module docstring); unchanged otherwise.

    `prepare(segments)` readies new segments as the pipeline does (widths, rib heads); the heads of the chain are
    then given to its vertebrae in order (one level each). `heads`: (slice, side) of every rib head found.
    `arc`: each slice's arc position (mm), for an added disc's plane.
    """
    levels = rib_levels(heads, dz)
    if not regular_levels(levels) or _one_each(segments, dz):
        return segments, discs, disc_arcs
    start = _fits(segments, levels, dz)
    if start is not None:
        # the discs fit; a level was handed to a neighbour (a head half a pitch above a disc): one level each
        chain = segments[start:start + len(levels)]
        if start == lowest_rib_bearing(segments):
            _assign_in_order(chain, heads, dz, REASSIGN_NOTE)
            _flag_low_heads(chain, dz)
        return segments, discs, disc_arcs
    single = _single_edit(segments, discs, levels, lo, hi, dz, ambiguous=_AMBIGUOUS)
    edits = [single] if single is not None else _two_edits(segments, discs, levels, lo, hi, dz)
    if edits is None or single is _AMBIGUOUS:
        return segments, discs, disc_arcs
    trial, start = edits[-1][3], edits[-1][4]
    prepare(trial)
    _assign_in_order(trial[start:start + len(levels)], heads, dz)
    new_discs, new_arcs = list(discs), list(disc_arcs)
    for kind, d, _, _, _ in edits:
        if kind == "merge":
            j = new_discs.index(d)
            new_discs, new_arcs = new_discs[:j] + new_discs[j + 1:], new_arcs[:j] + new_arcs[j + 1:]
            seg = next(s for s in trial if s.lo <= d <= s.hi)
            seg.notes.append(MERGE_NOTE.format(disc_arcs[discs.index(d)]))
            continue
        cut = next(s for s in segments if s.lo <= d <= s.hi)
        new_discs, new_arcs = sorted(new_discs + [d]), sorted(new_arcs + [float(arc[d])])
        for seg in trial:
            if seg.hi + 1 == d or seg.lo - 1 == d:
                seg.flags.append("incomplete")
                seg.notes.append(SPLIT_NOTE.format(float(arc[d]), (cut.hi - cut.lo + 2) * dz))
    return trial, new_discs, new_arcs


def _single_edit(segments, discs, levels, lo, hi, dz, ambiguous=None):
    """(kind, disc slice, discs, segments, index of the lowest rib-bearing vertebra) of the one edit that makes
    the levels fit, or None where none or several (in different places) do. Of a segment's cuts the one nearest
    its middle is kept; two fitting merges are one edit when they join the same piece to one or the other
    neighbour (the vertebra closer to the local pitch is kept: the piece completes it)."""
    found = {}
    for kind, d, trial_discs in _candidates(segments, discs, levels, dz):
        place = next((i for i, s in enumerate(segments) if s.lo - 1 <= d <= s.hi + 1), None)
        key = (kind, place) if kind == "split" else (kind, d)
        if key in found:
            continue
        trial = segments_between(trial_discs, lo, hi, dz)
        start = _fits(trial, levels, dz)
        if start is not None:
            found[key] = (kind, d, trial_discs, trial, start)
    if not found:
        return None
    edits = list(found.values())
    if len(edits) == 2 and all(e[0] == "merge" for e in edits):
        a, b = sorted(e[1] for e in edits)
        j = discs.index(a)
        if j + 1 < len(discs) and discs[j + 1] == b:   # the two discs of one piece
            return min(edits, key=lambda e: _score(e, levels))
    return edits[0] if len(edits) == 1 else ambiguous


def _place(d, levels):
    """Between which two rib levels disc d lies (the number of levels below it): a merge's place. Two merges between
    the same two levels re-cut the same pair of vertebrae (the rib-bearing one of each level keeps its level, hence
    its name), whichever of the pieces there is joined to which neighbour (seed 101 CT 37: T7/T8 in three pieces of
    10-15 mm, either of two discs drops one)."""
    return sum(z < d for z, _ in levels)


def _two_edits(segments, discs, levels, lo, hi, dz):
    """[(kind, disc slice, discs, segments, index of the lowest rib-bearing vertebra)] of the two edits of one kind
    (two merges or two splits, at two different places) that make the levels fit where no single edit does, or
    None where none or fits at more than one pair of places exist (module docstring). Both merges keep the one-edit
    bound on the vertebra they leave, measured after both (two adjacent pieces joined to one neighbour are a
    vertebra and a half, not a piece); of the fits at one pair of places, the merges whose vertebrae are nearest
    the local pitch, the cuts nearest their segments' middles, are kept. A merge and a split are not paired: with
    the disc count already matching the levels, that pair shifts the rib levels by a vertebra between the two
    places, a fit the discs found do not show."""
    cands = [(kind, d, _place(d, levels) if kind == "merge" else _segment_at(segments, d))
             for kind, d, _ in _candidates(segments, discs, levels, dz)]
    found = {}
    for i, (kind, d1, p1) in enumerate(cands):
        for kind2, d2, p2 in cands[i + 1:]:
            if kind2 != kind or p1 == p2:
                continue
            if kind == "merge":
                trial_discs = [x for x in discs if x not in (d1, d2)]
                if not all(_merged_height(trial_discs, d) <= MAX_PITCH_SHARE * _pitch(levels, d) for d in (d1, d2)):
                    continue
                cost = sum(abs(_merged_height(trial_discs, d) / _pitch(levels, d) - 1.0) for d in (d1, d2))
            else:
                trial_discs = sorted(discs + [d1, d2])
                cost = sum(abs(d - _middle(segments, d)) for d in (d1, d2))
            trial = segments_between(trial_discs, lo, hi, dz)
            start = _fits(trial, levels, dz)
            key = tuple(sorted((p1, p2))) + (start,)
            if start is not None and (key not in found or cost < found[key][0]):
                found[key] = (cost, [(kind, d, trial_discs, trial, start) for d in sorted((d1, d2))])
    return next(iter(found.values()))[1] if len(found) == 1 else None


def _segment_at(segments, d):
    """Index of the segment that a cut at slice d splits (a split's place: its cuts are one edit)."""
    return next(i for i, s in enumerate(segments) if s.lo - 1 <= d <= s.hi + 1)


def _middle(segments, d):
    """The middle slice of the segment that slice d cuts."""
    seg = segments[_segment_at(segments, d)]
    return 0.5 * (seg.lo + seg.hi)


def _merged_height(discs, d):
    """Height (slices, disc to disc) of the vertebra of `discs` that holds slice d; inf at the column's ends."""
    below = [x for x in discs if x < d]
    above = [x for x in discs if x > d]
    return above[0] - below[-1] if below and above else np.inf


def _flag_low_heads(chain, dz):
    """Flag `uncertain_level` on each of T2-T8 in `chain` (T12 first) whose rib level lies in the lower half of its
    span between its discs, at slices of `THICK_SLICE_MM` or more: the heads of ribs 2-8 articulate across the disc
    above their own body (`thick_chain.heads_in_upper_half`), so a level given to a segment near its lower disc says
    the discs there sit low, inside the bodies, and the segment holds the lower part of the vertebra above.

    The count stays (the twelve levels fit the discs in order); the segment's place does not: seed 137 CT 77 (chest +
    abdomen, 5 mm, held out): discs in the middles of T3, T2 and T1, T3's level 0.29 of its span over the lower disc
    and T2's 0.46, and T3 was confirmed on T2's lower half and the T2/T3 disc (its centroid 20 mm from T3's, nearest
    T2). Right counts share the low spans (seed 11 CT 1: T2 0.38; seed 47 CT 61: T8 0.47), so the CT is not refused:
    only the levels whose segment may lie on the neighbour lose their confirmation. Thinner slices keep each segment
    on most of its own body (seed 59 CT 64, 3 mm: T8 at 0.43, its centroid 5 mm from T8's)."""
    if dz < THICK_SLICE_MM:
        return
    for seg in chain[4:11]:
        share = (float(np.mean(seg.rib_z)) - seg.lo + 1) / (seg.hi - seg.lo + 2)
        if share <= UPPER_HALF:
            seg.flags.append("uncertain_level")
            seg.notes.append(LOW_HEAD_NOTE.format(share))


def _one_each(segments, dz):
    """Whether every segment from the lowest rib-bearing one to the highest holds exactly one rib level."""
    idx = [i for i, s in enumerate(segments) if s.ribs]
    return all(len(rib_level_groups(s.rib_z, dz)) == 1 for s in segments[idx[0]:idx[-1] + 1]) if idx else False


def _score(merge, levels):
    """How far a merge's vertebra is from the local pitch (the piece joins the vertebra it completes: the
    smaller, the better). Only merges are scored (`_single_edit`)."""
    _, d, trial_discs, _, _ = merge
    j = trial_discs.index(next(x for x in trial_discs if x > d)) if any(x > d for x in trial_discs) else None
    if j is None or j == 0:
        return np.inf
    return abs((trial_discs[j] - trial_discs[j - 1]) / _pitch(levels, d) - 1.0)


def _assign_in_order(chain, heads, dz, note=None):
    """Level k's heads to the k-th vertebra of `chain` (ribs are borne by consecutive vertebrae); `note` goes to
    each vertebra whose rib level changed."""
    before = [list(s.rib_z) for s in chain]
    for seg in chain:
        seg.ribs, seg.rib_z = (), []
    groups = rib_level_groups([z for z, _ in heads], dz)
    for seg, group in zip(chain, groups):
        members = [(z, side) for z, side in heads if z in group]
        seg.ribs = tuple(sorted({side for _, side in members}))
        seg.rib_z = sorted(float(z) for z, _ in members)
    for seg, old in zip(chain, before):
        if note and seg.rib_z != old:
            seg.notes.append(note)
