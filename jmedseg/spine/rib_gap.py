"""A rib-free piece between two consecutive rib levels is part of a vertebra, not one (a disc read twice).

Ribs are borne by consecutive vertebrae (T1 to T12; an 11th or 13th pair shortens or lengthens the run at its
lower end, it never leaves a vertebra out), each rib level one vertebra's pitch above the next (T10-T12 24-30 mm,
T1-T3 18-22 mm, growing 1-2 mm per level downwards). So where two two-sided rib levels, each on its own body, lie
about one pitch apart, exactly one disc lies between them: a segment with no rib and a disc on each side found
wholly between them is a piece of one of the two vertebrae, cut off by one disc found twice, each plate of the
disc (or the disc and the dark middle of a body) read as a disc. A vertebra between them whose rib was missed would
put the two levels two pitches apart; the levels' gap is taken against the neighbouring levels' pitch, and only
under `ONE_PITCH_SHARE` of it (half way between one pitch and two) is the piece joined.

Issue 20, 5 mm slices: seed 67 CT 65 (native; the T11/T12 disc, 232 mm, found at 220 and 240, a 10 mm bare piece
between the eleventh rib's heads at 244 and the twelfth's at 212, pitch 33 mm above them) and seed 83 CT 4 (the
same at 210 and 225 for 219): 13 vertebrae for 12 rib levels, the first pair refused (`levels.rib_anchor_doubt`).
Of the piece's two discs the one farther from the middle between the two levels is dropped (the disc lies between
the two heads' vertebrae; the phantom's and real heads sit at a like place on their own bodies, so the middle of
the two levels is the middle of the disc's likely place). The lowest rib level in the disc under its segment
(its head not on a body) is `head_at_disc`'s case and is left to it.
"""
from jmedseg.spine.levels import segments_between
from jmedseg.spine.pair_heads import level_sides

ONE_PITCH_SHARE = 1.5     # two consecutive levels' gap against the neighbouring pitch: one vertebra between them is 2
JOIN_NOTE = ("a disc at {0:.0f} mm of arc dropped: it cut off a rib-free piece between two rib levels one pitch "
             "apart (ribs are borne by consecutive vertebrae: one disc between them)")


def join_bare_piece(segments, discs, disc_arcs, lo, hi, dz, prepare, heads):
    """(segments, discs, disc_arcs) with one disc dropped where a rib-free segment bounded by two discs lies wholly
    between two consecutive two-sided rib levels, each level's heads on its own segment's slices, less than
    `ONE_PITCH_SHARE` of the neighbouring levels' pitch apart (module docstring); unchanged otherwise. Only one such
    piece is joined (two would be two errors; the anchors then judge). `heads`: (slice, side) of each rib head;
    `prepare(segments)` readies new segments as the pipeline does (widths, rib heads).
    """
    levels = [(min(g), max(g), len(sides) == 2) for g, sides in level_sides(heads, dz)]
    mids = [0.5 * (z_lo + z_hi) for z_lo, z_hi, _ in levels]
    found = []
    for k in range(len(levels) - 1):
        (a_lo, a_hi, a2), (b_lo, b_hi, b2) = levels[k], levels[k + 1]
        if not (a2 and b2):
            continue
        gap = mids[k + 1] - mids[k]
        near = [mids[j + 1] - mids[j] for j in (k - 1, k + 1) if 0 <= j < len(levels) - 1]
        if not near or gap >= ONE_PITCH_SHARE * max(near):
            continue
        bare = [i for i, s in enumerate(segments) if not s.ribs and s.lower_disc and s.upper_disc
                and a_hi < s.lo and s.hi < b_lo]
        if len(bare) != 1 or not _on_body(segments, a_lo, a_hi) or not _on_body(segments, b_lo, b_hi):
            continue
        found.append((bare[0], 0.5 * (mids[k] + mids[k + 1])))
    if len(found) != 1:
        return segments, discs, disc_arcs
    i, middle = found[0]
    piece = segments[i]
    below = max(d for d in discs if d < piece.lo)
    above = min(d for d in discs if d > piece.hi)
    drop = below if abs(below - middle) > abs(above - middle) else above
    j = discs.index(drop)
    new_discs = discs[:j] + discs[j + 1:]
    trial = segments_between(new_discs, lo, hi, dz)
    prepare(trial)
    for seg in trial:
        if seg.lo <= drop <= seg.hi:
            seg.notes.append(JOIN_NOTE.format(disc_arcs[j]))
    return trial, new_discs, disc_arcs[:j] + disc_arcs[j + 1:]


def _on_body(segments, z_lo, z_hi):
    """Whether one segment's slices hold every head slice z_lo..z_hi of a level (not in a disc)."""
    return any(s.lo - 0.5 <= z_lo and z_hi <= s.hi + 0.5 for s in segments)
