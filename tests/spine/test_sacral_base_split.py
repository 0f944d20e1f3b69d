"""Abdomen + pelvis CTs where the sacrum and the ribs disagreed because the sacral base was read one vertebra off
(issue 20, 2026-12-05 late, branch `sacral`).

- A slice of S1 over the rudimentary S1/S2 dip reading 75 mm (wider than any lumbar body, narrower than the alae):
  S1-S2 read as L5 and S1; `sacrum._open_shell_unmeasured` reads such a slice as unmeasured.
A constructed width profile, and the synthetic benchmark CT (phantom-only) end to end.
"""
import numpy as np

from jmedseg.spine.sacrum import _open_shell_unmeasured, _wide_where_measured
from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

LUMBAR_RUN = ["T12", "L1", "L2", "L3", "L4", "L5", "S1"]


def test_a_slice_between_a_lumbar_body_and_the_alae_is_read_as_unmeasured():
    """S1 over the S1/S2 dip: one 75 mm slice among 117-129 mm ones no longer reads the segment as narrow; a slice
    as narrow as a lumbar body (54 mm) still does."""
    s1 = np.array([75.0, 117, 123, 126, 129, 129, 129, 129, 129, 123, 120, 0])
    assert not _wide_where_measured(s1, range(len(s1)), 2.5)
    assert _wide_where_measured(_open_shell_unmeasured(s1), range(len(s1)), 2.5)
    l5 = s1.copy()
    l5[0] = 54.0
    assert not _wide_where_measured(_open_shell_unmeasured(l5), range(len(l5)), 2.5)


def test_seed_101_ct_34_s1_s2_dip_is_no_disc(tmp_path):
    """2.5 mm. Before: "sacrum and ribs disagree; named from the sacrum; a lumbosacral transitional vertebra is
    possible", a 10 mm piece of S2 named S1."""
    case, report, score = label_benchmark_ct(tmp_path, 101, 34, "abdomen_pelvis", "native")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, LUMBAR_RUN)
    assert not score["confirmed_wrong"]
