"""Rib-free pieces inside the rib run that are its whole excess count: each joined across its farther disc
(issue 20, 2026-12-06 late, branch `top16`).

Ribs are borne by consecutive vertebrae (T1 to T12, one rib a side each; `rib_gap`), each rib level one vertebra's
pitch above the next. A segment bounded by two discs that bears no rib, lying between two rib-bearing segments whose
levels are one pitch apart, is a piece of one of those two vertebrae: one disc read twice (its two plates, or the
disc and the dark middle of a body, each read as a disc). `rib_gap` joins such a piece where it is the only one and
each of the two levels' heads lies on a body; it runs before the re-cuts, and leaves two pieces (two errors) and a
level in a disc's slice to the anchors. Where the first pair is then refused by `levels.rib_anchor_doubt` ("12 rib
levels but 14 vertebrae between the discs (2 without a rib)"), the count itself says what is wrong: when the
vertebrae from the lowest rib-bearing one to the first pair outnumber the rib levels by exactly the rib-free pieces
among them, and no segment there bears two levels, then each piece is the excess. At 5 mm a disc read twice leaves a
10 mm piece, and a level whose heads lie in the slice of the disc under the piece is the vertebra's under it (its
heads a little over its body, as ribs 2-9 sit across the disc over their own body).

Each piece is joined across the disc of its two that lies farther from the middle of the two levels round it
(`rib_gap`'s choice: the true disc lies between the two heads' vertebrae); the segments elsewhere and every rib
level's vertebra stay as they are (the later re-cuts and `own_body_heads` may have moved them). The join is kept only
where `levels.find_anchors` then counts both the first pair and T12, eleven vertebrae apart, each bearing one level:
a 13- or 11-rib cage, a missed rib or a missed disc elsewhere leaves the count off and the segments unchanged.

Measured (docs/spine.md, branch `top16`; 5 mm, C7 whole, the first pair in view): seed 199 CT 64 (chest, native:
T4/T5's disc, 434 mm, read at 426 and 441 mm, T9/T10's, 298 mm, at 286 and 301 mm, two 10 mm rib-free pieces, the
fifth and tenth pairs' heads, 428 and 283 mm, in the slices of the pieces' lower discs; before, named from T12 alone
with T1-T8 one to two levels off), 179 CT 25 (T8's upper piece over a false disc at its heads) and 173 CT 76 (T6 cut at
its middle): refused -> confirmed by ribs and first pair, 31 levels confirmed, none wrong. Of 118 controls (seed 7's
chest CTs, every chest CT of 197 and 199 with both rib anchors in view) one changed, 197/69 (T1-T11 confirmed as
well, all right); forty 13-rib subjects and the real chest CTA unchanged.
"""
from jmedseg.spine.levels import MAX_PITCH_MM, Segment, find_anchors, rib_level_groups
from jmedseg.spine.pair_heads import level_sides
from jmedseg.spine.rib_gap import ONE_PITCH_SHARE

T12_TO_T1 = 11            # vertebrae from T12 to T1, not counting T12: twelve rib levels
JOIN_NOTE = ("a disc at slice {} dropped: it cut off a rib-free piece between two rib levels one pitch apart, one of "
             "{} such pieces that are the whole excess of vertebrae over rib levels under the first pair "
             "(`rib_free_pieces`)")


def join_excess_pieces(segments, discs, disc_arcs, heads, dz, measure, sacrum=None, clear_to=None, processes=False):
    """(segments, discs, disc_arcs) with each rib-free piece of the module's pattern joined across its farther disc
    where the join lets `find_anchors` count the first pair and T12 eleven vertebrae apart; else unchanged.
    `heads`: (slice, side) of each rib head; `measure(segments)` measures the widths of new segments."""
    same = segments, discs, disc_arcs
    anchors, doubts = find_anchors(segments, dz, sacrum, clear_to, processes)
    if "T12" not in anchors or "T1" not in doubts:
        return same
    t12, t1 = anchors["T12"], doubts["T1"][0]
    drops = _excess_piece_discs(segments, t12, t1, heads, dz, discs)
    if not drops:
        return same
    trial = list(segments)
    for drop in sorted(drops, reverse=True):
        j = next(k for k, s in enumerate(trial) if s.hi < drop < trial[k + 1].lo)
        trial[j:j + 2] = [_joined(trial[j], trial[j + 1], dz, JOIN_NOTE.format(drop, len(drops)))]
    measure([s for s in trial if s not in segments])
    after, _ = find_anchors(trial, dz, sacrum, clear_to, processes)
    if after.get("T1") is None or after.get("T12") is None or after["T1"] - after["T12"] != T12_TO_T1:
        return same
    kept = [k for k, d in enumerate(discs) if d not in drops]
    return trial, [discs[k] for k in kept], [disc_arcs[k] for k in kept]


def _excess_piece_discs(segments, t12, t1, heads, dz, discs):
    """The disc to drop for each rib-free piece between T12's segment `t12` and the first pair's `t1`, where those
    pieces are the whole excess of vertebrae over rib levels (module docstring); [] where any is not such a piece."""
    chain = segments[t12:t1 + 1]
    bare = [j for j in range(t12 + 1, t1) if not segments[j].ribs]
    per_segment = [len(rib_level_groups(s.rib_z, dz)) for s in chain if s.ribs]
    if not bare or max(per_segment) != 1 or len(per_segment) + len(bare) != len(chain):
        return []
    two_sided = {frozenset(g) for g, sides in level_sides(heads, dz) if len(sides) == 2}
    drops = []
    for j in bare:
        under, over = segments[j - 1], segments[j + 1]
        piece = segments[j]
        if not (piece.lower_disc and piece.upper_disc) or not (under.ribs and over.ribs):
            return []
        low, high = rib_level_groups(under.rib_z, dz)[-1], rib_level_groups(over.rib_z, dz)[0]
        if frozenset(low) not in two_sided or frozenset(high) not in two_sided:
            return []
        if not _one_pitch_apart(segments, j, low, high, dz):
            return []
        middle = 0.5 * (_mean(low) + _mean(high))
        below = max(d for d in discs if d < piece.lo)
        above = min(d for d in discs if d > piece.hi)
        drops.append(below if abs(below - middle) > abs(above - middle) else above)
    return drops


def _one_pitch_apart(segments, j, low, high, dz):
    """Whether the levels `low` and `high` round piece `j` lie under `ONE_PITCH_SHARE` of a neighbouring pitch apart
    (`rib_gap`): one vertebra's pitch, no vertebra whose rib was missed between them."""
    gap = _mean(high) - _mean(low)
    near = []
    below = [g for s in segments[:j - 1] for g in rib_level_groups(s.rib_z, dz)]
    above = [g for s in segments[j + 2:] for g in rib_level_groups(s.rib_z, dz)]
    if below:
        near.append(_mean(low) - _mean(below[-1]))
    if above:
        near.append(_mean(above[0]) - _mean(high))
    return bool(near) and gap < ONE_PITCH_SHARE * max(near)


def _mean(level):
    """The mean slice of a rib level's heads."""
    return sum(level) / len(level)


def _joined(under, over, dz, note):
    """One segment from `under` and the piece `over` it (or the piece and the segment over it): its rib heads,
    flags and notes those of both, `disc_missed` where it spans more than a vertebra and a disc."""
    seg = Segment(under.lo, over.hi, under.lower_disc, over.upper_disc)
    seg.rib_z = sorted(under.rib_z + over.rib_z)
    seg.ribs = tuple(sorted(set(under.ribs) | set(over.ribs)))
    seg.flags = list(dict.fromkeys(under.flags + over.flags))
    seg.notes = list(dict.fromkeys(under.notes + over.notes)) + [note]
    if (over.hi - under.lo + 2) * dz > MAX_PITCH_MM:
        seg.disc_missed = True
        seg.flags.append("uncertain_level")
    return seg
