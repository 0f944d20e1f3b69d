"""The rib-free piece over the first pair, cut by the scan's top, read from the pair's heads where they lie over the
disc under it (issue 20, 2026-12-06 evening, branch `cut14`).

`levels.find_anchors` counts the highest pair as T1 where the rib-free vertebra over it is seen for
`levels.NEIGHBOUR_SEEN_MM` (15 mm) from its lower disc, so that its own rib's head would show. That reading trusts
the disc: the first rib's head lies on T1's body under the C7/T1 disc, so over a true first pair the rib-free part of
the scan starts at that disc. Where the disc under the piece is read low, inside the pair's own vertebra, the piece
holds the pair's heads and the part of it under them is not rib-free: the rib-free scan over the pair is shorter than
the piece. With T1 cut by the scan's top that is exactly what a T2 pair shows: rib 2's head sits at the T1/T2 disc,
a disc read a slab low puts it in the piece (T1's lower half), and the piece passes as a rib-free C7.

Measured (13-rib phantom subject rng [9019], chest + abdomen, 5 mm, cut 2.5 mm under T1's centre, no sacrum in
view; `tests/spine/test_t1_centre_crops.py`): the piece over T2's pair is slices 86-88 (15.0 mm from its lower disc,
cut by the scan's top, `ribs.clear_above` reaching no further), T2's heads at slice 86.6, 5.4 mm over that disc,
the scan rib-free 9.6 mm over them; T2-L1 were confirmed as T1-T12, each one level off. In the confirmed chest +
abdomen CTs of the benchmark series with the scan's top in C7 (47 CTs, 18 series) the pair's heads lie 1.4-8.6 mm
under the piece's disc in all but one (137/25, 3 mm: 2.6 mm over it, the piece rib-free 33.4 mm over the heads
with `clear_above`), and the rib-free scan over the heads reads 25-36 mm: none changes. So the piece counts as the
rib-free neighbour only for the part over the pair's highest head: where that is under `NEIGHBOUR_SEEN_MM`, the
first pair is not counted (the levels stay named, flagged, from the other anchors).
"""


def rib_free_over_heads(segments, pair, ribs_clear_to):
    """Slices of the scan free of ribs over the rib-free piece's lower disc or the pair's highest head, whichever is
    higher, up to the piece's top or as far as `ribs.clear_above` found no rib (`ribs_clear_to`), where the piece
    over the pair (segment `pair`) is the column's top cut by the scan's top and the heads lie over its lower disc;
    None otherwise (a whole vertebra over the pair, or the heads under the disc: `find_anchors`' own reading)."""
    over = segments[pair + 1:]
    if len(over) != 1 or over[0].upper_disc or not over[0].lower_disc or not segments[pair].rib_z:
        return None
    piece, heads = over[0], max(segments[pair].rib_z)
    disc = piece.lo - 0.5
    if heads <= disc:
        return None
    top = piece.hi if ribs_clear_to is None else max(piece.hi, ribs_clear_to)
    return top + 0.5 - heads


def piece_short_over_heads(segments, anchors, dz, ribs_clear_to, neighbour_seen_mm):
    """Why the first-pair anchor is not counted where the piece over it holds its heads and is seen rib-free for
    less than `neighbour_seen_mm` over them (`rib_free_over_heads`); else None."""
    t1 = anchors.get("T1")
    if t1 is None:
        return None
    over = rib_free_over_heads(segments, t1, ribs_clear_to)
    if over is None or over * dz >= neighbour_seen_mm:
        return None
    return (f"the first rib pair's heads lie over the disc under the rib-free piece cut by the scan's top, which is "
            f"seen free of ribs only {over * dz:.0f} mm over them, under the {neighbour_seen_mm:.0f} mm where the "
            "vertebra over the pair would show its own rib's head: the disc may be read low, the piece T1's lower half")
