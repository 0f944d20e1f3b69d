"""A disc read at the lowest rib level's heads over a rib-free piece too short for a vertebra: T12 cut in two.

Ribs 10-12 articulate with their own body only (a single facet on its middle or upper half), never across a disc,
and the lowest rib-bearing vertebra of a normal spine (T12) measures 24-30 mm disc to disc, L1 under it 24-35 mm
(`jmedseg.spine.sacrum.LUMBAR_PITCH_MM`: no lumbar vertebra is shorter). So where the disc under the lowest rib
level lies at that level's heads (within `HEAD_NEAR_DISC_MM`) and the rib-free segment under it measures under
`LUMBAR_PITCH_MM`, that segment is no vertebra: it is the heads' vertebra's lower part, cut off by a false disc
read at the heads, and the disc is dropped. Asked too: the segment under the piece is a whole vertebra (at least
`LUMBAR_PITCH_MM`, no disc possibly missed in it), so the piece is not the upper part of an L1 whose lower disc
was missed, and the piece and the heads' segment together measure no more than the tallest lumbar vertebra
(`LUMBAR_PITCH_MAX_MM`), so they can be one vertebra.

Issue 20 (synthetic, phantom-only; the phantom's lowest heads lie 0-7 mm under T12's centre): seed 181 CT 94
(abdomen + pelvis, delayed, 5 mm) and seed 23 CT 58 (abdomen + pelvis, portal venous, 2.5 mm): an endplate band
read at the twelfth pair's heads (2 mm and 0.3 mm from them) cut T12 into a rib-free 15 mm piece under the heads
and a 20-27 mm piece bearing them (together 35 and 37.5 mm disc to disc, L1 under them 35 and 30 mm). The ribs
then named the upper piece T12, the sacrum the lower one: "sacrum and ribs disagree", every level refused.
Joined, both count T12 on the whole vertebra and agree. A disc wrongly dropped here leaves the sacrum counting one
vertebra fewer than the ribs: the anchors disagree and the levels stay refused.
"""
from jmedseg.spine.levels import lowest_rib_bearing, segments_between
from jmedseg.spine.sacrum import LUMBAR_PITCH_MAX_MM, LUMBAR_PITCH_MM

HEAD_NEAR_DISC_MM = 5.0   # a rib head's half-height (4-6 mm): a head centred this near a disc's middle overlaps it
JOIN_NOTE = ("a disc at {0:.0f} mm of arc dropped: it lay at the lowest rib level's heads over a rib-free piece "
             "shorter than any vertebra (ribs 10-12 articulate with their own body, never across a disc)")


def join_piece_under_heads(segments, discs, disc_arcs, lo, hi, dz, prepare):
    """(segments, discs, disc_arcs) with the disc between the lowest rib-bearing segment and the rib-free piece
    under it dropped where the module docstring's conditions hold; unchanged otherwise. `segments`: inferior to
    superior, on slices of `dz` mm; `discs`: their slices; `prepare(segments)` readies new segments as the pipeline
    does (widths, rib heads)."""
    low = lowest_rib_bearing(segments)
    if low is None or low < 3 or low + 1 >= len(segments):
        return segments, discs, disc_arcs
    piece, seg = segments[low - 1], segments[low]
    disc = 0.5 * (piece.hi + seg.lo)                       # slices: the middle of the disc over the piece
    if not all(abs(z - disc) * dz <= HEAD_NEAR_DISC_MM for z in seg.rib_z) or segments[low - 2].disc_missed:
        return segments, discs, disc_arcs
    piece_mm, under_mm = _disc_to_disc(segments, low - 1, dz), _disc_to_disc(segments, low - 2, dz)
    if piece_mm >= LUMBAR_PITCH_MM or under_mm < LUMBAR_PITCH_MM or \
            piece_mm + _disc_to_disc(segments, low, dz) > LUMBAR_PITCH_MAX_MM:
        return segments, discs, disc_arcs
    j = discs.index(min(discs, key=lambda k: abs(k - disc)))
    new_discs = discs[:j] + discs[j + 1:]
    trial = segments_between(new_discs, lo, hi, dz)
    prepare(trial)
    for joined in trial:
        if joined.lo <= discs[j] <= joined.hi:
            joined.notes.append(JOIN_NOTE.format(disc_arcs[j]))
    return trial, new_discs, disc_arcs[:j] + disc_arcs[j + 1:]


def _disc_to_disc(segments, i, dz):
    """Segment i's length (mm) from the middle of the disc under it to the middle of the disc over it (segments
    i - 1 and i + 1 exist)."""
    return (0.5 * (segments[i].hi + segments[i + 1].lo) - 0.5 * (segments[i - 1].hi + segments[i].lo)) * dz
