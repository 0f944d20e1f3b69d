"""The first rib pair at 5 mm under a column end past its upper disc (issue 20, branch `thick5`).

At slices of `THICK_SLICE_MM` or more the pair counts where the vertebra over the disc shows its transverse
processes and no rib (`ribs._processes_over_top_level`, branch `thicktop`) and the segments of T2-T8 are cut where
their rib heads say: each head in the upper half of its vertebra's span between the discs
(`thick_chain.heads_in_upper_half`). Constructed scenes: 5 mm slices, 4-slice segments with a disc slice between
them (a 25 mm pitch), three lumbar vertebrae, twelve rib-bearing ones, the column ending over T1's upper disc.
"""
from jmedseg.spine.levels import Segment, assign_names
from jmedseg.spine.thick_chain import heads_in_upper_half
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_levels_disagreement import PAIR

DZ = 5.0
LUMBAR, RIBS = 3, 12


def _column(head=2.5, low=None):
    """Segments inferior to superior, heads `head` slices over each segment's lowest slice (2.5 of 4: 0.7 of the
    span between the discs); `low`: the index of a rib-bearing segment whose heads lie 1 slice over it (0.4)."""
    n = LUMBAR + RIBS
    segs = [Segment(5 * i, 5 * i + 3, lower_disc=i > 0, upper_disc=True) for i in range(n)]
    for i in range(LUMBAR, n):
        segs[i].ribs = PAIR
        segs[i].rib_z = [segs[i].lo + (1.0 if i == low else head)] * 2
    return segs


def test_heads_in_the_upper_half_of_t2_to_t8():
    """Every head 0.7 of its span up: sound; T7's (index 3 + 5) at 0.4: mis-cut; T9's or T10's at 0.4 (their heads
    lie lower in many spines): still sound."""
    assert heads_in_upper_half(_column(), LUMBAR, LUMBAR + RIBS - 1)
    assert not heads_in_upper_half(_column(low=LUMBAR + 5), LUMBAR, LUMBAR + RIBS - 1)
    assert heads_in_upper_half(_column(low=LUMBAR + 3), LUMBAR, LUMBAR + RIBS - 1)
    assert heads_in_upper_half(_column(low=LUMBAR + 2), LUMBAR, LUMBAR + RIBS - 1)


def test_first_pair_at_5_mm_counts_with_processes_and_sound_segments():
    """The scan clear of ribs 20 mm over the column's top with C7's processes in the band: the first pair counts and
    the two rib anchors confirm T1-T12."""
    segs = _column()
    info = assign_names(segs, dz=DZ, ribs_clear_to=segs[-1].hi + 5, processes_shown=True)
    assert info["t1_segment"] == len(segs) - 1 and info["t12_segment"] == LUMBAR
    assert info["summary"] == "confirmed by ribs and first rib pair"
    assert [s.name for s in segs[LUMBAR:]] == [f"T{k}" for k in range(12, 0, -1)]


def test_first_pair_at_5_mm_not_counted_without_processes_or_with_a_miscut_segment():
    """No processes in the band (the edge just over the disc, or C7 cut at its centre), or T7's heads in the lower
    half of its span (a disc placed inside T6): one anchor, every level flagged."""
    for segs, processes in ((_column(), False), (_column(low=LUMBAR + 5), True)):
        info = assign_names(segs, dz=DZ, ribs_clear_to=segs[-1].hi + 5, processes_shown=processes)
        assert info["t1_segment"] is None
        assert info["summary"] == "one anchor only (the lowest rib-bearing vertebra (T12))"
        assert all("uncertain_level" in s.flags for s in segs)


def test_seed_53_ct_49_first_pair_over_a_column_end_counts(tmp_path):
    """Seed 53 CT 49 (chest + abdomen, native, 5 mm): T1 the column's top with its C7/T1 disc, C7's processes in the
    band, T2-T8's heads 0.57-0.87 of their spans up. Before: one anchor only, refused. Now T1-T12 confirmed."""
    _, report, score = label_benchmark_ct(tmp_path, 53, 49, "chest_abdomen", "native")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [] and not score["refused"]
    assert {f"T{k}" for k in range(1, 13)} <= set(score["identified"])


def test_seed_73_ct_41_first_pair_over_a_column_end_counts(tmp_path):
    """Seed 73 CT 41 (chest + abdomen, portal venous, 5 mm; a fresh series): as seed 53 CT 49 (shares 0.56-0.73)."""
    _, report, score = label_benchmark_ct(tmp_path, 73, 41, "chest_abdomen", "portal_venous")
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [] and not score["refused"]


def test_seed_59_ct_45_mid_thoracic_miscut_keeps_the_pair_uncounted(tmp_path):
    """Seed 59 CT 45 (chest + abdomen, delayed, 5 mm): C7's processes in the band, but T8's heads 0.43 of its span up
    (T9's segment holds T8's lower part). The pair counted, T9 was confirmed 14 mm off, on T8 (branch `thicktop`).
    Now the first pair stays uncounted: confirmed by the sacrum and the ribs, the thorax above T12 flagged."""
    _, report, score = label_benchmark_ct(tmp_path, 59, 45, "chest_abdomen", "delayed")
    assert report["summary"] == "confirmed by sacrum and ribs", report["summary"]
    assert not report["anchors"]["t1_first_rib_pair"]
    assert score["confirmed_wrong"] == []


def test_seed_31_ct_12_mid_thoracic_miscut_keeps_the_pair_uncounted(tmp_path):
    """Seed 31 CT 12 (chest, delayed, 5 mm): T7's and T8's heads 0.47 and 0.43 of their spans up (T7/T6 disc 6 mm
    inside T6). The pair counted, T7 was confirmed 12 mm off, on T6 (branches `firstpair`, `thicktop`). Now: one
    anchor, refused, nothing confirmed wrong."""
    _, report, score = label_benchmark_ct(tmp_path, 31, 12, "chest", "delayed")
    assert report["summary"] == "one anchor only (the lowest rib-bearing vertebra (T12))", report["summary"]
    assert score["confirmed_wrong"] == [] and score["refused"]
