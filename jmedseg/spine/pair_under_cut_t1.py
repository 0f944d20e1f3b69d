"""The first rib pair under a rib-free piece cut by the scan's top, where the sacrum counts the pair lower: not
counted (issue 20, 2026-12-06 afternoon, branch `anchor13`).

`levels.find_anchors` counts the highest pair as T1 where the rib-free vertebra over it is in view for
`levels.NEIGHBOUR_SEEN_MM` (15 mm) from its lower disc, or the scan is clear of ribs that far over the column's top
(`ribs.clear_above`, which may reach past the scan's top). A T1 cut by the scan's top under its own rib's head looks
the same: a rib-free piece over T2's pair. With a 13th rib (on L1) the lowest-rib anchor is then one level off the
same way, the two rib anchors agree, and they outvote a sacrum that counts right (`levels._assign_names` names by the
largest group). Measured on 13-rib phantom subjects (`synth_trunk_case(default_rng([key]), fov="chest_abdomen",
variant=Variant(rib_pairs=13))`) cut at T1's centre, of 9001-9020 the two where `find_anchors` counted the pair:
[9020] (3 mm): the T1/T2 disc read 8 mm low, at T2's centre, the piece from it to the scan's top 15.0 mm; [9009] (5 mm):
a 10 mm piece, `clear_above` 15 mm past the scan's top. Both had T2-L1 confirmed as T1-T12
(`tests/spine/test_t1_centre_crops.py`). `cut_top` rule 3 guards its own route to the pair the same way: no majority
of two rib anchors against a disagreeing sacrum.

What the CT shows against it: rib 2's head lies at the T1/T2 disc, the first rib's on T1's upper half, up to
`T1_HEAD_OVER_DISC_MM` over that disc, and it shows with `levels.RIB_HALF_HEIGHT_MM` of it in view: 19 mm over T2's
heads. Where the scan is rib-free over the pair's heads for less than that (read in the scan, up to its top:
`rib_free_over_pair`), the pair may be T2's under a T1 cut under its head; seen further, T1's head would show, and a
sacrum that disagrees points to another variant. So where the sacrum counts the pair lower than T1 (what a 13th rib
with T1 cut makes it do), the two rib anchors agree and the rib-free scan over the pair, cut by the scan's top, reaches
under 19 mm over its heads, the first pair is not counted: sacrum and ribs then disagree one against one and every
level is flagged, named from the sacrum (`levels.naming_rank`). Measured: 9020 8.1 mm, 9009 14.3 mm; the 13-rib crops
at T1's centre where the pair was not counted read 10.1-15.3 mm. Kept, confirmed between T12 and T1 as on main: the
two development CTs of this configuration, four lumbar vertebrae (a transitional variant) under a cut C7, seed 73 CT
49 (3 mm, 21.3 mm) and seed 97 CT 53 (5 mm, 20.0 mm): narrow margins, the threshold is the anatomy's, not fitted.
"""
T1_HEAD_OVER_DISC_MM = 15.0     # the first rib's head on T1's upper half: 7-15 mm over the T1/T2 disc
T1_OVER_T12 = 11                # vertebrae from T12 up to T1 (twelve rib-bearing)
T1_OVER_S1 = 17                 # vertebrae from S1 up to T1 (five lumbar, twelve thoracic)


def rib_free_over_pair(segments, pair, ribs_clear_to, scan_top):
    """Slices from the pair's highest rib head (segment `pair`) to the top of the scan's rib-free part over it, where
    the rib-free vertebra over the pair is cut by the scan's top (or the pair's segment is the column's top); None
    where that vertebra is whole (a disc over it).

    The rib-free part reaches the column's top and, over it, as far as `ribs.clear_above` found no rib
    (`ribs_clear_to`), but no further than the scan's top (`scan_top`; None: the column's top): `clear_above` may
    reach past the scan's top, to the next rib level's place a pitch over the highest level, and the first rib's head
    lies higher than that (on T1's upper half, where rib 2's lies at the T1/T2 disc). Measured: 13-rib rng [9009]
    (5 mm) cut at T1's centre, clear 15 mm past the scan's top."""
    over = segments[pair + 1:]
    if over and over[0].upper_disc:
        return None
    clear = segments[-1].hi if ribs_clear_to is None else max(segments[-1].hi, ribs_clear_to)
    top = clear if scan_top is None else min(clear, scan_top)
    return top + 0.5 - max(segments[pair].rib_z)


def first_pair_under_cut_t1(segments, anchors, dz, ribs_clear_to, scan_top, rib_half_height_mm):
    """Why the first-pair anchor is not counted where it and the lowest-rib anchor would outvote a sacrum that counts
    the pair lower than T1, and the rib-free scan over the pair, cut by the scan's top, reaches less than
    `T1_HEAD_OVER_DISC_MM` + `rib_half_height_mm` over the pair's heads (`rib_free_over_pair`: T1's own head could
    lie over it); else None."""
    s1, t12, t1 = anchors.get("S1"), anchors.get("T12"), anchors.get("T1")
    if s1 is None or t12 is None or t1 is None or t1 - t12 != T1_OVER_T12 or t1 - s1 >= T1_OVER_S1:
        return None
    over = rib_free_over_pair(segments, t1, ribs_clear_to, scan_top)
    shown_mm = T1_HEAD_OVER_DISC_MM + rib_half_height_mm
    if over is None or over * dz >= shown_mm:
        return None
    return (f"the sacrum counts the first rib pair {T1_OVER_S1 - (t1 - s1)} level(s) lower, and the scan over the "
            f"pair, cut by its top, is seen free of ribs {over * dz:.0f} mm over the pair's heads, under the "
            f"{shown_mm:.0f} mm where T1's own rib head would show: the pair may be T2's under a T1 cut under its "
            "head, with a 13th rib moving the lowest-rib anchor too")
