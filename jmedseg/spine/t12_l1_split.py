"""The lowest rib-bearing vertebra taller than a vertebra and its disc holds T12 and L1: the T12/L1 disc missed.

The twelfth rib (ribs 10-12 alike) articulates with its own vertebra's body only, by one costal facet on the upper
half of T12's body, and L1 bears no rib. So where the lowest rib-bearing segment holds one rib level and is taller
than the tallest body plus disc (`levels.MAX_PITCH_MM`, 50 mm; T12 is 20-25 mm tall, 25-30 mm disc to disc), the
disc found missing in it cannot lie above that level's head (the vertebra above the head would then be a
rib-bearing vertebra without its rib level, and the level above it would lie two pitches up, not one): it lies
under the head, between T12's body and L1's. Issue 20, 5 mm and 3 mm slices under noise: seed 109 CT 25 (chest +
abdomen, 5 mm: a dip in T12's middle read as a disc and dropped by `rib_gap`, the T12/L1 disc never found, T12 and
L1 one 65 mm segment), seed 89 CT 69 (chest + abdomen, 3 mm, noise 20 HU: the T12/L1 disc missed, a 54 mm segment
holding the twelfth pair). `levels.rib_anchor_doubt` refused the T12 anchor ("a disc may have been missed at the
lowest rib's vertebra") and the sacrum's count stood alone.

The segment is cut `HEAD_OVER_DISC_MM` under the lowest head (the T12/L1 disc lies under the head by the part of
T12's body below its facet: 5-10 mm in the phantom, 10-15 mm in adults; `label_vertebrae`'s `T12_HALF_BODY_MM`),
where both pieces keep room for a body and its disc (`discs.MIN_PITCH_MM`). The disc is inferred, not seen: both
pieces are flagged `incomplete` and say so. The cut adds one vertebra under the lowest rib and so moves only the
sacrum's count against the T12 anchor: they agree only where the sacrum had counted the tall segment as L1 (one
vertebra too few between the ribs and the sacrum, which the missed disc explains). Where the tall segment is T11 and
T12 with the twelfth rib missed, or an 11th or 13th pair's vertebra with its neighbour, the sacrum's count of the
unchanged lumbar discs names the upper piece one off the T12 anchor: they disagree and nothing is confirmed.
"""
from jmedseg.spine.discs import MIN_PITCH_MM
from jmedseg.spine.levels import lowest_rib_bearing, rib_level_groups, segments_between

HEAD_OVER_DISC_MM = 10.0    # the T12/L1 disc under the twelfth rib's head: the lower part of T12's body (20-25 mm)
SPLIT_NOTE = ("split at a disc inferred at {0:.0f} mm of arc, {1:.0f} mm under the lowest rib's head, not seen: the "
              "lowest rib-bearing vertebra was {2:.0f} mm disc to disc and one rib level; the twelfth rib articulates "
              "with T12's body only, so the missed disc lies under its head (T12/L1)")


def split_under_lowest_head(segments, discs, disc_arcs, arc, dz, prepare):
    """(segments, discs, disc_arcs) with a disc inferred `HEAD_OVER_DISC_MM` under the lowest rib level where the
    lowest rib-bearing segment is bounded by two discs, flagged `disc_missed`, holds one rib level, and both pieces
    are at least `discs.MIN_PITCH_MM` disc to disc (module docstring); unchanged otherwise. The other segments are
    kept as they are (their rib levels may have been given by `head_at_disc` or `rib_count`); `prepare(segments)`
    readies the two pieces (widths), whose rib level is the tall segment's, on the upper piece.
    """
    low = lowest_rib_bearing(segments)
    if low is None:
        return segments, discs, disc_arcs
    seg = segments[low]
    if not (seg.disc_missed and seg.lower_disc and seg.upper_disc) or len(rib_level_groups(seg.rib_z, dz)) != 1:
        return segments, discs, disc_arcs
    below, above = seg.lo - 1, seg.hi + 1          # the two discs' slices
    cut = int(round(min(seg.rib_z) - HEAD_OVER_DISC_MM / dz))
    if (cut - below) * dz < MIN_PITCH_MM or (above - cut) * dz < MIN_PITCH_MM or cut >= min(seg.rib_z):
        return segments, discs, disc_arcs
    pieces = segments_between([below, cut, above], below, above, dz)
    if len(pieces) != 2:
        return segments, discs, disc_arcs
    prepare(pieces)
    lower, upper = pieces
    lower.ribs, lower.rib_z = (), []
    upper.ribs, upper.rib_z = seg.ribs, list(seg.rib_z)
    kept = [n for n in seg.notes if "a disc may have been missed" not in n]
    note = SPLIT_NOTE.format(float(arc[cut]), (min(seg.rib_z) - cut) * dz, (above - below) * dz)
    for piece in pieces:
        piece.flags = [f for f in seg.flags if f != "uncertain_level"] + ["incomplete"]
        piece.notes = kept + [note]
    j = sum(1 for d in discs if d < cut)
    return (segments[:low] + pieces + segments[low + 1:], discs[:j] + [cut] + discs[j:],
            disc_arcs[:j] + [float(arc[cut])] + disc_arcs[j:])
