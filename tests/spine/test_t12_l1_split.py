"""The lowest rib-bearing vertebra holding T12 and L1 (issue 20, 2026-12-06 morning, branch `t12x11`).

The twelfth rib articulates with T12's body only, so a lowest rib-bearing segment taller than a vertebra and its
disc with one rib level hides the T12/L1 disc under the rib's head (`t12_l1_split.split_under_lowest_head`).
Constructed scenes use 5 mm slices; two benchmark CTs (seed 109 CT 25, seed 89 CT 69) end to end.
"""
from jmedseg.spine.levels import segments_between
from jmedseg.spine.t12_l1_split import split_under_lowest_head
from tests.spine.benchmark_ct import label_benchmark_ct

DZ = 5.0


def _scene(discs, levels, lo=0, hi=94):
    """Segments between `discs` (slices), a pair of rib heads at each slice of `levels` given to the segment holding
    it, as `ribs.mark_rib_bearing` does for the lowest levels."""
    segs = segments_between(discs, lo, hi, DZ)
    for z in levels:
        seg = next(s for s in segs if s.lo - 0.5 <= z <= s.hi + 0.5)
        seg.ribs, seg.rib_z = ("left", "right"), sorted(seg.rib_z + [float(z)] * 2)
    return segs


def _split(segs, discs, hi=94):
    return split_under_lowest_head(segs, discs, [5.0 * d for d in discs], [5.0 * k for k in range(hi + 1)], DZ,
                                   lambda pieces: None)


def test_a_tall_lowest_rib_vertebra_is_cut_under_its_head():
    """Discs at 20, 32 and 45 (the lowest rib-bearing segment 65 mm disc to disc, its twelfth pair at 40.4), the
    eleventh pair at 47: a disc is inferred 10 mm (2 slices) under the head; the upper piece keeps the rib level,
    both pieces are flagged `incomplete` and no longer `disc_missed`."""
    discs = [20, 32, 45, 50]
    segs = _scene(discs, [40.4, 47.0])
    out, new_discs, new_arcs = _split(segs, discs)
    assert new_discs == [20, 32, 38, 45, 50] and new_arcs == [100.0, 160.0, 190.0, 225.0, 250.0]
    assert len(out) == len(segs) + 1
    lower, upper = out[2], out[3]
    assert (lower.lo, lower.hi, upper.lo, upper.hi) == (33, 37, 39, 44)
    assert lower.ribs == () and upper.ribs == ("left", "right") and upper.rib_z == [40.4, 40.4]
    assert not lower.disc_missed and not upper.disc_missed
    assert "incomplete" in lower.flags and "incomplete" in upper.flags
    assert "uncertain_level" not in upper.flags


def test_no_cut_where_the_vertebra_fits_holds_two_levels_or_leaves_no_room():
    """Unchanged: the lowest rib-bearing segment 50 mm or less disc to disc; two rib levels in the tall segment
    (`rib_count`'s case); the head 15 mm over the lower disc (no room for L1 under the cut); a segment cut by the
    column's end (no lower disc)."""
    fits = [20, 32, 42, 50]
    assert _split(_scene(fits, [40.0, 47.0]), fits)[1] == fits
    tall = [20, 32, 45, 50]
    assert _split(_scene(tall, [35.0, 42.0, 47.0]), tall)[1] == tall
    assert _split(_scene(tall, [35.0, 47.0]), tall)[1] == tall
    end = [13, 50]
    assert _split(_scene(end, [10.0, 20.0]), end)[1] == end


def test_seed_109_ct_25_t12_and_l1_split_all_three_anchors_agree(tmp_path):
    """Seed 109 CT 25 (chest + abdomen, 5 mm): a dip in T12's middle dropped (`rib_gap`), the T12/L1 disc never
    found, T12 and L1 one 65 mm segment: only the sacrum counted. Cut under the twelfth pair's heads, all three
    anchors agree and every level from C7 to S1 is named right."""
    case, report, score = label_benchmark_ct(tmp_path, 109, 25, "chest_abdomen", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs and first rib pair", report["summary"]
    levels = {e["name"]: e for e in report["levels"]}
    assert "incomplete" in levels["T12"]["flags"] and "incomplete" in levels["L1"]["flags"]
    assert levels["T12"]["ribs"] == ["left", "right"] and levels["L1"]["ribs"] == []
    assert not score["confirmed_wrong"] and not score["refused"]
    assert {"T12", "L1", "L2"} <= set(score["identified"]), score["identified"]


def test_seed_89_ct_69_ribs_and_first_pair_agree_the_sacrum_still_dissents(tmp_path):
    """Seed 89 CT 69 (chest + abdomen, 3 mm, noise 20 HU): the T12/L1 disc missed (54 mm), a false disc in L1's
    middle. Cut under the twelfth pair, the two rib anchors agree on T1-T12; the sacrum's count, one off through the
    false lumbar disc, disagrees, and the lumbar levels stay uncertain."""
    case, report, score = label_benchmark_ct(tmp_path, 89, 69, "chest_abdomen", "arterial")
    assert report["summary"] == "confirmed by ribs and first rib pair between T12 and T1; sacrum disagree", \
        report["summary"]
    levels = {e["name"]: e for e in report["levels"]}
    assert "uncertain_level" not in levels["T12"]["flags"] and "uncertain_level" in levels["L1"]["flags"]
    assert not score["confirmed_wrong"]
