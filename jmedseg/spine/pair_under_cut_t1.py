"""The first rib pair under a rib-free piece cut short by the scan's top, where the sacrum counts the pair lower:
not counted (issue 20, 2026-12-06 afternoon, branch `anchor13`).

`levels.find_anchors` counts the highest pair as T1 where the rib-free vertebra over it is in view for
`levels.NEIGHBOUR_SEEN_MM` (15 mm) from its lower disc, or the scan is clear of ribs that far over the column's top.
A T1 cut by the scan's top under its own rib's head looks the same: a rib-free piece over T2's pair. With a 13th rib
(on L1) the lowest-rib anchor is then one level off the same way, the two rib anchors agree, and they outvote a
sacrum that counts right (`levels._assign_names` names by the largest group). Measured: a 13-rib phantom subject
(`synth_trunk_case(default_rng([9020]), fov="chest_abdomen", variant=Variant(rib_pairs=13))`, 3 mm) cut at T1's
centre: the T1/T2 disc read 5 mm low, in T2's top, and the piece from it to the scan's top 15.0 mm, no rib over it;
T2-L1 were confirmed as T1-T12 (`tests/spine/test_t1_centre_crops.py`). `cut_top` rule 3 guards its own route to the
pair the same way: no majority of two rib anchors against a disagreeing sacrum.

What the CT shows against it: the first rib's head lies on T1's upper half, up to `T1_HEAD_OVER_DISC_MM` over the
T1/T2 disc, and shows with `levels.RIB_HALF_HEIGHT_MM` of it in view. A rib-free piece seen for less than that over
the pair (`T1_HEAD_SHOWN_MM`) may be T1 cut under its head; seen further it is not T1, and a sacrum that disagrees
points to another variant (a lumbosacral transitional vertebra: seed 73 CT 49 and seed 97 CT 53, four lumbar
vertebrae, the piece seen 36 and 30 mm, confirmed right between T12 and T1). So where the sacrum counts the pair lower
than T1 (what a 13th rib with T1 cut makes it do), the two rib anchors agree and the piece over the pair is cut by the
scan's top under `T1_HEAD_SHOWN_MM`, the first pair is not counted: sacrum and ribs then disagree one against one and
every level is flagged, named from the sacrum (`levels.naming_rank`).
"""
T1_HEAD_OVER_DISC_MM = 15.0     # the first rib's head on T1's upper half: 7-15 mm over the T1/T2 disc
T1_OVER_T12 = 11                # vertebrae from T12 up to T1 (twelve rib-bearing)
T1_OVER_S1 = 17                 # vertebrae from S1 up to T1 (five lumbar, twelve thoracic)


def seen_over_pair_mm(segments, pair, dz, ribs_clear_to):
    """Millimetres of the rib-free vertebra over the pair's segment `pair` in view over its lower disc, where the
    scan's top cuts it (as far as the scan shows no rib, `ribs.clear_above`, as `levels.find_anchors` reads it);
    None where it is whole (a disc over it)."""
    if pair + 1 < len(segments):
        piece = segments[pair + 1]
        if piece.upper_disc:
            return None
        top = max(piece.hi, ribs_clear_to) if ribs_clear_to is not None and pair + 2 == len(segments) else piece.hi
        return (top - piece.lo + 1) * dz
    if ribs_clear_to is None:
        return 0.0
    return max(ribs_clear_to - segments[pair].hi - 1, 0) * dz     # the pair is the column's top (over a disc)


def first_pair_under_cut_t1(segments, anchors, dz, ribs_clear_to, rib_half_height_mm):
    """Why the first-pair anchor is not counted where it and the lowest-rib anchor would outvote a sacrum that counts
    the pair lower than T1, and the rib-free piece over the pair, cut by the scan's top, is in view for less than
    `T1_HEAD_OVER_DISC_MM` + `rib_half_height_mm` (T1's own head could lie over it); else None."""
    s1, t12, t1 = anchors.get("S1"), anchors.get("T12"), anchors.get("T1")
    if s1 is None or t12 is None or t1 is None or t1 - t12 != T1_OVER_T12 or t1 - s1 >= T1_OVER_S1:
        return None
    seen_mm = seen_over_pair_mm(segments, t1, dz, ribs_clear_to)
    shown_mm = T1_HEAD_OVER_DISC_MM + rib_half_height_mm
    if seen_mm is None or seen_mm >= shown_mm:
        return None
    return (f"the sacrum counts the first rib pair {T1_OVER_S1 - (t1 - s1)} level(s) lower, and the rib-free "
            f"vertebra over the pair is cut by the scan's top {seen_mm:.0f} mm over its lower disc, under the "
            f"{shown_mm:.0f} mm where T1's own rib head would show: it may be T1 cut under its head, with a 13th "
            "rib moving the lowest-rib anchor too")
