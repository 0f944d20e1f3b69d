"""The C7/T1 disc kept at the first pair's heads when the upper heads re-read a disc in T2's middle (issue 20,
2026-12-06 early, branch `top10`): `rib_split._c7_t1_at_first_heads` in `rib_split.reread_upper_troughs`.

The constructed chest of `test_rib_split_upper_troughs` (3 mm slices, thin discs 21 mm apart, the heads of ribs 1-12
1 mm under the disc above their body, T1/T2 and T2/T3 lost to one disc in T2's middle), with the C7/T1 disc found
on T1's upper plate 5 mm under its tissue and no trough resolved there (as on seed 107 CT 69, chest + abdomen, 3 mm:
the band 5 mm under rib 1's heads, 12 mm over the new T1/T2 trough). Before, the re-read was dropped, and C7 took
the first pair's name.
"""
from jmedseg.spine.discs import OUTER_TROUGH_MM
from tests.spine.benchmark_ct import assert_thoracic_levels_unflagged_near_truth, label_benchmark_ct
from tests.spine.test_rib_split_upper_troughs import DZ, TRUE, _profile, _reread

C7_T1 = TRUE[12]
FOUND = TRUE[:9] + [226.0, 250.0, C7_T1 - 5.0]   # T3/T4 7 mm high, T2's middle, C7/T1 5 mm low


def _no_c7_t1_trough():
    return _profile(TRUE[:12])


def test_the_c7_t1_band_at_the_first_heads_stays_and_t1_gets_the_first_pair():
    """T2's middle disc goes to its two troughs, T3/T4 onto its own; the C7/T1 band without a trough stays where it
    was found, over the new T1/T2 trough by more than `OUTER_TROUGH_MM`: each of ribs 1-12 on its own vertebra and
    C7 over the first pair without a rib."""
    before, (segs, discs, arcs, _) = _reread(found=FOUND, profile=_no_c7_t1_trough)
    assert segs is not before
    assert arcs == TRUE[:12] + [C7_T1 - 5.0]
    assert not segs[-1].rib_z and all(len({round(z) for z in s.rib_z}) == 1 for s in segs[1:-1])
    assert len(segs) == len(TRUE) + 1                   # L1 under T12 .. C7 over T1


def test_a_band_near_the_new_trough_or_away_from_the_first_heads_drops_the_re_read():
    """The band within `OUTER_TROUGH_MM` of the T1/T2 trough (that trough's own plate), or more than
    `RIB_HEAD_HALF_MM` from the first pair's heads: nothing changes, as before."""
    for c7_t1 in (TRUE[11] + OUTER_TROUGH_MM - 1.0, C7_T1 - 10.0):
        found = FOUND[:-1] + [c7_t1]
        before, (segs, _, arcs, _) = _reread(found=found, profile=_no_c7_t1_trough)
        assert segs is before and arcs == found, c7_t1
    assert DZ < 5.0


def test_benchmark_ct_69_of_seed_107_is_confirmed(tmp_path):
    """Seed 107 CT 69 (chest + abdomen, arterial, 3 mm): before, "one anchor only (T12)" with T1 named on C7 and T1
    with T2's upper part as one segment; now ribs and first pair confirm C7-L5, T1-T12 at their own bodies."""
    case, report, score = label_benchmark_ct(tmp_path, 107, 69, "chest_abdomen", "arterial")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [], score["confirmed_wrong"]
    assert_thoracic_levels_unflagged_near_truth(case, report)
