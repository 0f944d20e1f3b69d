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
cut by the scan's top, `ribs.clear_above` reaching no further), T2's heads at slice 86.6, 5.4 mm over the top of the
disc's slice, the scan rib-free 9.6 mm over them; T2-L1 were confirmed as T1-T12, each one level off (13-rib
rng [9020], 3 mm, the same path with the sacrum in view: heads 6.6 mm over the disc, `pair_under_cut_t1`). The 47
confirmed chest + abdomen CTs of the afternoon series (18 seeds) with the scan's top in C7 and the first pair
counted: 36 have such a piece, the heads lying from 10.5 mm under to 2.6 mm over its disc (137/25, 3 mm; then 163/37
0.9 mm, 7/17 0.5 mm, the rest under it), the piece seen 25-36 mm from the disc in all but 7/17 (15.0 mm, 14.5 from
its heads) and 127/21 (10 mm, counted by `cut_top`). So the piece counts as the rib-free neighbour only over the
pair's highest head where that head's centre lies more than `levels.RIB_HALF_HEIGHT_MM` over the disc (a head
that far over a disc is not under it: the first rib's head lies under the C7/T1 disc, rib 2's at the T1/T2 disc):
where the scan is then rib-free under `NEIGHBOUR_SEEN_MM` over the heads, the first pair is not counted and the
levels stay named, flagged, from the other anchors. The margins are narrow (1.4 mm each way: 137/25 at 2.6 mm, 9019
at 5.4) and rest on three subjects on the danger's side (9014 5.6 mm, 9020 6.9 mm).

The real chest CTA contradicts the premise (docs/spine.md, branch `cut14`): its first rib's neck rises 20-23 mm
over T1's centre and at 1.5 mm its heads are read there, 7.0 mm over the C7/T1 disc; cropped 8-12 mm over C7's
centre, the rule takes that right count away (one anchor there, flagged before and after). It only ever takes a
count away: a veto, kept for the lead to weigh against the refusals it could add on real CTs.
"""
from jmedseg.spine.pair_under_cut_t1 import rib_free_over_pair


def rib_free_over_heads(segments, pair, ribs_clear_to, over_disc_slices):
    """Slices of the scan free of ribs over the pair's highest head (segment `pair`), up to the top of the piece over
    it or as far as `ribs.clear_above` found no rib (`ribs_clear_to`), where that piece is the column's top, cut by
    the scan's top, and the heads lie more than `over_disc_slices` over its lower disc (the top of the disc's slices:
    the piece's lowest slice less a half); None otherwise (a whole vertebra over the pair, or heads at or under the
    disc: `find_anchors`' own reading from the disc stands)."""
    over = segments[pair + 1:]
    if len(over) != 1 or over[0].upper_disc or not over[0].lower_disc or not segments[pair].rib_z:
        return None
    if max(segments[pair].rib_z) <= over[0].lo - 0.5 + over_disc_slices:
        return None
    # not clipped at the scan's top (as `pair_under_cut_t1` clips it): past the heads condition `clear_above` reached no
    # slice past the top in any CT measured, so clipping would decide nothing differently (docs/spine.md, `review15`)
    return rib_free_over_pair(segments, pair, ribs_clear_to, None)


def piece_short_over_heads(segments, anchors, dz, ribs_clear_to, neighbour_seen_mm, rib_half_height_mm):
    """Why the first-pair anchor is not counted where its heads lie more than `rib_half_height_mm` over the disc
    under the piece over it (a head's centre that far over a disc is not under it) and the scan is seen rib-free for
    less than `neighbour_seen_mm` over them (`rib_free_over_heads`); else None."""
    t1 = anchors.get("T1")
    if t1 is None:
        return None
    over = rib_free_over_heads(segments, t1, ribs_clear_to, rib_half_height_mm / dz)
    if over is None or over * dz >= neighbour_seen_mm:
        return None
    return (f"the first rib pair's heads lie over the disc under the rib-free piece cut by the scan's top, which is "
            f"seen free of ribs only {over * dz:.0f} mm over them, under the {neighbour_seen_mm:.0f} mm where the "
            "vertebra over the pair would show its own rib's head: the disc may be read low, the piece T1's lower half")
