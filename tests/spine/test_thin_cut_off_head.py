"""Rib heads that are not a rib level of their own (issue 20, branch `thin`, `jmedseg.spine.rib_run`): ribs are
borne by consecutive vertebrae a pitch apart, one a side.
- A one-sided "rib" cut off below the rib run by a rib-free vertebra (`without_cut_off_head`): a 13th rib lies one
  pitch under T12's, no further.
- A lone head under half a pitch from a pair's level in the same vertebra (`levels._twice_found`, counted in
  `levels.rib_anchor_doubt`): one rib found twice.
Constructed heads use 2 mm slices and a 14-slice (28 mm) pitch, the lower thoracic one; seed 73 CT 97 and seed 67
CT 84 end to end.
"""
from jmedseg.spine.levels import assign_names
from jmedseg.spine.rib_run import without_cut_off_head
from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct
from tests.spine.test_levels_disagreement import _segments

DZ = 2.0
PAIR = ("left", "right")


def _pairs(*zs):
    return [(float(z), side) for z in zs for side in PAIR]


def test_a_lone_head_two_pitches_under_the_lowest_pair_is_dropped():
    """A right head 28 slices (56 mm, two pitches: L2's height) under T12's pair, as on seed 71 CT 5: dropped, the
    pairs kept in their order."""
    heads = [(30.0, "right")] + _pairs(58, 72, 86, 100)
    assert without_cut_off_head(heads, DZ) == _pairs(58, 72, 86, 100)


def test_a_lone_head_one_pitch_under_the_lowest_pair_is_kept():
    """A 13th or a one-sided 12th rib one pitch (14 slices) under the lowest pair, or 1.4 pitches under it: kept."""
    for z in (44.0, 38.5):
        heads = [(z, "left")] + _pairs(58, 72, 86, 100)
        assert without_cut_off_head(heads, DZ) == heads


def test_a_low_pair_or_a_lone_head_under_a_one_sided_level_is_kept():
    """Heads on both sides two pitches down (not this rule's: a pair is looked at by the rib search), or a lone head
    under a level found on one side only (the run may be missing a side there): kept."""
    low_pair = _pairs(30, 58, 72, 86, 100)
    assert without_cut_off_head(low_pair, DZ) == low_pair
    under_one_sided = [(30.0, "right"), (58.0, "left")] + _pairs(72, 86, 100)
    assert without_cut_off_head(under_one_sided, DZ) == under_one_sided


def test_a_missed_level_over_the_lone_head_keeps_it():
    """The pitch is the median of the levels above: with T11 missed (a double pitch between the two lowest pairs
    found, 28 slices) the bar rises only for one pitch of three, so a head at two pitches is still dropped; two
    levels missed lift the median and the head is kept."""
    one_missed = [(30.0, "right")] + _pairs(58, 86, 100, 114)
    assert without_cut_off_head(one_missed, DZ) == _pairs(58, 86, 100, 114)
    two_missed = [(30.0, "right")] + _pairs(58, 86, 114, 128)
    assert without_cut_off_head(two_missed, DZ) == two_missed


def test_two_lone_heads_or_too_few_levels_change_nothing():
    """Only the lowest level is looked at, under a two-sided one: two lone heads under the run stay (the lowest is
    under a one-sided level), and so does a lone head under fewer than two levels (no pitch to measure)."""
    heads = [(2.0, "right"), (30.0, "left")] + _pairs(58, 72, 86)
    assert without_cut_off_head(heads, DZ) == heads
    assert without_cut_off_head([(2.0, "right")] + _pairs(58), DZ) == [(2.0, "right")] + _pairs(58)


def test_seed_73_ct_97_a_lone_head_at_s1_no_longer_moves_the_rib_count(tmp_path):
    """Seed 73 CT 97 (chest + abdomen, native, 2 mm): a right "rib" at S1, 167 mm under T12's pair. Before: the
    lowest rib-bearing vertebra was S1 (no T12 anchor), the tenth rib's head went to T11 by the half-pitch rule of
    ribs 2-9 (T10 bare), the first pair was doubted: "no anchor counted". Now both rib anchors count and agree,
    T1-T12 are confirmed at their true heights. About 10 s."""
    case, report, score = label_benchmark_ct(tmp_path, 73, 97, "chest_abdomen", "native")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert not [e for e in report["levels"] if e["name"] in ("L1", "L2", "L3", "L4", "L5", "S1") and e["ribs"]]
    assert_thoracic_levels_unflagged_near_truth(case, report)



def _thorax_with_lone_head(offset):
    """3 rib-free lumbar vertebrae, 12 rib-bearing ones (pairs mid-body, 10-slice pitch, `_segments`), C7; T9's
    vertebra also holds a lone head `offset` slices over its pair."""
    segs = _segments(16, {i: PAIR for i in range(3, 15)})
    t9 = segs[6]
    t9.rib_z = sorted(t9.rib_z + [t9.rib_z[0] + offset])
    return segs


def test_a_lone_head_under_half_a_pitch_over_a_pair_is_one_rib_found_twice():
    """Seed 67 CT 84's picture: the lone head 4.5 slices (9 mm, its own rib level) over the pair of a 10-slice
    vertebra: one rib found twice, the first pair counted, T12 to T1 confirmed; 5.2 slices up (over half the
    pitch) it is a level of its own and the first pair stays doubted."""
    segs = _thorax_with_lone_head(4.5)
    info = assign_names(segs, DZ)
    assert info["summary"] == "confirmed by ribs and first rib pair", info["summary"]
    assert [s.name for s in segs[3:15]] == [f"T{k}" for k in range(12, 0, -1)]
    segs = _thorax_with_lone_head(5.2)
    info = assign_names(segs, DZ)
    assert "T1" in info["doubts"] and info["t1_segment"] is None


def test_seed_67_ct_84_the_ninth_rib_found_twice_no_longer_refuses_the_first_pair(tmp_path):
    """Seed 67 CT 84 (chest, arterial, 1.5 mm): the ninth rib's left head found at 307 and 317 mm beside the right one
    at 301 mm. Before: 13 rib levels on 12 vertebrae, the first pair doubted, "one anchor only". Now both rib
    anchors count and agree, T1-T12 confirmed, nothing confirmed wrong. About 10 s."""
    case, report, score = label_benchmark_ct(tmp_path, 67, 84, "chest", "arterial")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert {f"T{k}" for k in range(1, 13)} <= set(score["identified"])
