"""The lowest rib level in the disc over a segment longer than every lumbar vertebra under it: given to the piece
above that disc.

`jmedseg.spine.ribs.mark_rib_bearing` gives a head that no segment holds (it lies in a disc's slices) to the segment
under that disc, and `jmedseg.spine.levels.rib_anchor_doubt` then does not count the T12 anchor ("the lowest rib's
head lies at the disc above its vertebra: it may be the next vertebra's"). `jmedseg.spine.head_at_disc` tells the
two vertebrae apart by the rib level above; where the segment above the disc is the column's top, cut by the scan,
or a piece with no rib level over it in reach, there is none to read (issue 20: synthetic seed 2026 CT 123, lumbar,
3 mm, and seed 89 CT 15, lumbar, 5 mm: the scan's top 12-15 mm over the disc; seed 127 CT 18, abdomen + pelvis,
5 mm, noise 23 HU: T12 cut in two 10 mm pieces by a false disc; all named right from the sacrum alone).

What tells them apart there is the length of the segment under the disc. Ribs 10-12 articulate with their own body
only, on its middle or upper half, never across a disc, so a disc found in the heads' slices was read inside the
heads' vertebra: one of the two segments beside it holds a whole vertebra and part of the heads' one, the other the
rest of the heads' one. Where the segment under the disc measures more than every lumbar vertebra under it (disc to
disc), it is that long one: L1 is the shortest lumbar vertebra (bodies 24-27 mm at L1 against 26-29 mm at L2-L4,
discs 9-10 mm under L1 against 10-12 mm lower), so a segment on L1's place longer than each of them holds more than
one vertebra, here L1 and the lower part of T12 up to the twelfth rib's heads; the heads are T12's and the segment
above the disc is T12's upper part (`LUMBAR_PITCH_MM`: a piece, under the smallest lumbar pitch). Measured: the
segment under the disc 42 mm against 24-36 mm under it (2026/123), 40 against 30-35 mm (89/15 and 127/18: one 5 mm
slice more); their true L1 28-31 mm centre to centre. Of 183 CTs of twenty-five series run (every CT where the rule
can act, seed 7 whole, 42 variant subjects), these three changed, each confirmed by sacrum and ribs with every name
as before (docs/spine.md, branch `pelvis12`).

The move only sets where the rib anchor lies; the count is confirmed where the sacrum's agrees, as for any other
anchor. Were the long segment a T12 with its own rib missed and the heads in its upper disc T11's (a T12 longer
than every lumbar vertebra: a second misreading), the ribs would name it L1 and the sacrum T12: refused.
"""
from jmedseg.spine.levels import lowest_rib_bearing
from jmedseg.spine.sacrum import LUMBAR_PITCH_MM, segment_pitch

MIN_LUMBAR_UNDER = 2   # lumbar vertebrae under the long segment, each bounded by two discs, to measure it against


def heads_over_long_segment(segments, sacrum, disc_arcs, arc, dz):
    """Give the lowest rib level (in place) from segment i to segment i + 1 when all its heads lie in the disc
    between them, segment i is longer disc to disc than each of at least `MIN_LUMBAR_UNDER` whole, rib-free
    vertebrae under it and over the counted sacrum (none counted: nothing is moved), and segment i + 1 bears no rib and shows less than
    `LUMBAR_PITCH_MM` (a piece of the heads' vertebra over the disc read at its heads). The reason goes into both
    segments' notes. Returns True when moved.

    `sacrum`: the `SacrumFinding` (its `segment`, the counted S1, or None); `disc_arcs`, `arc`: as for
    `sacrum.segment_pitch`; `dz`: the slice spacing (mm)."""
    low = lowest_rib_bearing(segments)
    if low is None or low + 1 >= len(segments):
        return False
    seg, piece = segments[low], segments[low + 1]
    if not seg.rib_z or min(seg.rib_z) <= seg.hi + 0.5 or max(seg.rib_z) >= piece.lo - 0.5:
        return False                         # a head on the body itself, or not in the disc just above it
    if piece.ribs or (piece.hi - piece.lo + 1) * dz >= LUMBAR_PITCH_MM or seg.disc_missed:
        return False
    length = segment_pitch(seg, disc_arcs, arc)
    under = _lumbar_pitches_under(segments, low, sacrum, disc_arcs, arc)
    if length is None or len(under) < MIN_LUMBAR_UNDER or length <= max(under):
        return False
    piece.ribs, piece.rib_z, seg.ribs, seg.rib_z = seg.ribs, seg.rib_z, (), []
    why = (f"the lowest rib level lies in the disc over a {length:.0f} mm segment, longer than each lumbar "
           f"vertebra under it ({min(under):.0f}-{max(under):.0f} mm): that disc was read inside the heads' "
           "vertebra, given to the piece above it")
    seg.notes.append(why)
    piece.notes.append(why)
    return True


def _lumbar_pitches_under(segments, low, sacrum, disc_arcs, arc):
    """Disc-to-disc lengths (mm) of the segments under segment `low` and over the counted sacrum, each rib-free
    and bounded by two discs, with no missed disc in it; [] when any of them is not so (a cut or a gap: no length
    to read the others against) or no sacrum is counted (the segments under the ribs are then not known to be
    whole lumbar vertebrae)."""
    if sacrum is None or sacrum.segment is None:
        return []
    pitches = []
    for seg in segments[sacrum.segment + 1:low]:
        pitch = segment_pitch(seg, disc_arcs, arc)
        if pitch is None or seg.ribs or seg.disc_missed:
            return []
        pitches.append(pitch)
    return pitches
