"""A lone one-sided "rib" on L2 beside the right kidney (issue 20, 2026-12-05 evening: found by branches `pelvis` and
`thin` on the same two CTs; `thin`'s `rib_run.without_cut_off_head` was merged, which needs no sacrum).

The right kidney lies 10-20 mm lower than the left, its hilum at L1/L2; enhanced, its cortex prolongs L2's right
transverse process past the rib reach. A one-sided head more than 1.5 pitches under the rib run has a rib-free
vertebra between: it is no rib. Synthetic benchmark CTs of seed 71 (phantom-only), abdomen + pelvis, portal venous.
"""

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

LUMBAR_RUN = ["T12", "L1", "L2", "L3", "L4", "L5"]


def test_seed_71_ct_90_l2_process_is_no_twelfth_rib(tmp_path):
    """2.5 mm. Before: the head on L2 made L2 the lowest rib-bearing vertebra, two under T12: "sacrum and ribs
    disagree; named from the sacrum", every level right but refused."""
    case, report, score = label_benchmark_ct(tmp_path, 71, 90, "abdomen_pelvis", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, LUMBAR_RUN)
    assert not score["confirmed_wrong"]


def test_seed_71_ct_74_l2_process_no_longer_splits_l1(tmp_path):
    """3 mm. Before: the thin-disc search began at the head on L2, split L1 at its endplate bands and the sacrum's
    count was dropped ("one anchor only (T12)"), nothing identified."""
    case, report, score = label_benchmark_ct(tmp_path, 71, 74, "abdomen_pelvis", "portal_venous")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, LUMBAR_RUN)
    assert not score["confirmed_wrong"]
