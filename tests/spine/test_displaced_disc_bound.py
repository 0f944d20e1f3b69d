"""A displaced lumbar disc's pair read against three vertebrae of the column's least pitch, no slice taken off the
bound twice (issue 20, 2026-12-07 early, branch `pelvis17`, `jmedseg.spine.displaced_disc`).

Seed 193 CT 98 (abdomen + pelvis, native, 5 mm; phantom-only): the L2/L3 disc found 15 mm low, L3 25 mm and L2
60 mm along the column beside L5, L4, L1 of 40, 35, 35 mm (mean 36.7 mm, least 0.8 of it 29.3 mm). The pair, 85
mm, was read against three of the least less a slice (88 - 5 = 83 mm): "sacrum and ribs agree across a possibly
missed disc", every name right, none confirmed. `PITCH_SPREAD` (twice the anatomical 10 %) already holds the outer
discs' placement; three vertebrae of that column measure at least 3 x 0.9 x 36.7 - 5 = 94 mm. Constructed
segments at 5 mm (pitches along the column, disc to disc, from S1 up) check the bound on both sides; seed 193 CT 98
end to end.
"""
from jmedseg.spine.displaced_disc import displaced_not_missed

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_displaced_disc_column_least import _scene   # S1 0, T12 6; pitches read from the discs
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

DZ = 5.0
SEED_193_98 = [40.0, 35.0, 25.0, 60.0, 35.0, 39.0, 29.5]     # L5, L4, L3, L2, L1, T12, T11


def test_seed_193_ct_98_pair_under_three_of_the_least_is_two_vertebrae():
    """85 mm under 3 x 29.3 = 88 mm: L2's missed-disc mark cleared (with a slice off, 83 mm, it was kept)."""
    segments, finding, discs, arc = _scene(SEED_193_98)
    assert displaced_not_missed(segments, finding, discs, arc, DZ) == [4]
    assert not segments[4].disc_missed and "none missed" in segments[4].notes[-1]


def test_a_pair_at_three_of_the_least_keeps_the_missed_disc():
    """The same column with L2 64 mm: the pair 89 mm, over 88 mm: it may hold three vertebrae, kept."""
    segments, finding, discs, arc = _scene([40.0, 35.0, 25.0, 64.0, 35.0, 39.0, 29.5])
    assert displaced_not_missed(segments, finding, discs, arc, DZ) == [] and segments[4].disc_missed


def test_seed_193_ct_98_l2_l3_disc_found_low_is_confirmed(tmp_path):
    """Abdomen + pelvis, native, 5 mm. Before: "sacrum and ribs agree across a possibly missed disc: not confirmed".
    Tolerance 10 mm along z: under half the shortest lumbar pitch (24 mm), so a level named one off cannot pass;
    L2 (its lower disc found 15 mm low) stays flagged, L3 (15 mm of its body outside its label) within 10 mm."""
    case, report, score = label_benchmark_ct(tmp_path, 193, 98, "abdomen_pelvis", "native")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4", "L5"])
    levels = {e["name"]: e for e in report["levels"]}
    assert "uncertain_level" in levels["L2"]["flags"]
    assert all(not levels[n]["flags"] for n in ("T12", "L1", "L3", "L4", "L5"))
    assert not score["confirmed_wrong"] and not score["refused"]
