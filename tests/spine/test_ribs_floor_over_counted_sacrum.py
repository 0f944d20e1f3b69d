"""The rib floor over a wide bone counted as S1 is checked against the ribs as over a cut base (issue 20,
`ribs.heads_over_cut_base`, now called for a counted sacrum too).

At the bottom of a chest CT the necks of the twelfth ribs and the shafts of the lowest ribs, joined to T12's or
L1's body, are as wide as the sacral alae and lie where the iliac wings would: the wide bone was counted as S1 with
its wings, the ribs were looked for only above the second vertebra over it (the L3/L4 disc of a true base,
`sacrum.rib_floor`), and the pairs of ribs 11 and 12 below that floor were dropped. The ribs on the vertebrae over
the "S1" then dropped it (`sacrum._ribs_on_lumbar`), but T10 was left the lowest rib-bearing vertebra, taken for
T12: "ribs and first rib pair disagree" on normal anatomy. Over a true base the lowest possible rib head (a 13th
pair on L1's upper half) lies 55-75 mm over that floor, so a rib pair within `RIB_FREE_OVER_BASE_MM` of it means
no sacrum there, and the ribs are searched from the column's bottom. Synthetic (phantom-only) benchmark CT.
"""
from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct


def test_seed59_ct88_keeps_ribs_11_and_12_under_a_false_sacrum(tmp_path):
    """Seed 59 CT 88 (chest, portal venous, 1.25 mm): was "ribs and first rib pair disagree", T10 the lowest
    rib-bearing vertebra; now all twelve rib levels count and both rib anchors confirm T1-T12."""
    case, report, score = label_benchmark_ct(tmp_path, 59, 88, "chest", "portal_venous")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert report["anchors"]["sacrum"] is False and report["anchors"]["rib_heads"] == 24
    levels = {e["name"]: e for e in report["levels"]}
    assert levels["T12"]["ribs"] == ["left", "right"] and levels["L1"]["ribs"] == []
    assert "the wide bone is not taken for the sacrum" in levels["T12"]["note"]
    assert_thoracic_levels_unflagged_near_truth(case, report)
    assert score["confirmed_wrong"] == [] and not score["refused"]
