"""The sacral base's top over narrow slices, and a lone one-sided "rib" over the sacrum (issue 20, branch `lumbar5`).

- `sacrum._run_to_sacral_top`: a wide run low in the sacrum, narrow slices over it and S1's alae above them, with no
  disc between, is one sacrum whose base is the upper run (seed 53 CT 62: the L5/S1 disc was put into the sacrum).
- `sacrum._clear_lone_process`: a one-sided rib on a vertebra within three above a sacrum with iliac wings, a
  rib-free vertebra above it, is a lumbar transverse process (seed 53 CT 70: L3 named T12, the sacrum dropped).

Constructed columns (3 mm voxels, `tests.spine.test_sacrum._column`) check the rules; synthetic benchmark CTs of
seed 53 (phantom-only) check them end to end.
"""
import numpy as np

from jmedseg.spine.sacrum import RUN_GAP_MM, SPLIT_BODY_MM, WIDE_RUN_MM, SacrumFinding, check_count_above_sacrum, \
    find_sacrum

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum import SP, _column, _segments
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth, _with_ribs

EDGES = [(2, 14), (16, 24), (26, 33), (35, 39)]     # S1 (no disc found inside it), L5, L4, a cut L3
GAP = (0, 1)            # no body in the lowest two slices: the column starts above the scan's edge (no cut base)


def test_alae_over_narrow_slices_in_the_lowest_segment_are_the_sacral_base():
    """Wide in slices 2-4 (9 mm) and 9-14 (18 mm, S1's alae), narrow in 5-8 (12 mm, over the run's 6 mm gap): the
    base's top is slice 14 under the disc at 15, no L5/S1 disc is added inside the sacrum (before: added at 5)."""
    assert 3 * SP[2] >= WIDE_RUN_MM and 4 * SP[2] > RUN_GAP_MM and (14 - 4) * SP[2] >= SPLIT_BODY_MM
    column = _column(list(range(2, 5)) + list(range(9, 15)), 60.0, body_gap=GAP)
    finding = find_sacrum(column, _segments(EDGES), SP, 2, 39)
    assert finding.segment == 0 and finding.split_at is None and not finding.transitional


def test_a_stray_wide_slice_above_the_run_leaves_the_split():
    """Wide in 2-4 and in slice 12 only (3 mm, under `WIDE_RUN_MM`): no second run, the body above the wide run is
    L5 and the L5/S1 disc is added at its top, as before."""
    finding = find_sacrum(_column(list(range(2, 5)) + [12], 60.0, body_gap=GAP), _segments(EDGES), SP, 2, 39)
    assert finding.segment == 0 and finding.split_at == 5


def _lone_rib(side_above=()):
    """S1 and eight vertebrae (3 mm slices), ribs on both sides from segment 5 up, one right "rib" on segment 3,
    `side_above` on segment 4."""
    segments = _with_ribs(5)
    segments[3].ribs, segments[3].rib_z = ("right",), [35.0]
    segments[4].ribs = tuple(side_above)
    return segments


def test_a_lone_one_sided_rib_over_the_pelvis_is_taken_off_and_the_sacrum_kept():
    segments = _lone_rib()
    finding = SacrumFinding(segment=0, pelvis=True)
    assert not check_count_above_sacrum(finding, segments, [], np.arange(100) * 3.0, 3.0)
    assert finding.segment == 0 and segments[3].ribs == () and segments[3].rib_z == []
    assert "transverse process" in segments[3].notes[-1]


def test_a_one_sided_rib_under_a_rib_bearing_vertebra_still_drops_the_sacrum():
    """Ribs on the vertebra directly above: part of a rib run (a chest CT's T12 taken for the sacrum)."""
    segments = _lone_rib(side_above=("left", "right"))
    finding = SacrumFinding(segment=0, pelvis=True)
    assert check_count_above_sacrum(finding, segments, [], np.arange(100) * 3.0, 3.0) and finding.segment is None
    assert segments[3].ribs == ("right",)


def test_a_lone_rib_without_iliac_wings_still_drops_the_wide_bone():
    segments = _lone_rib()
    finding = SacrumFinding(segment=0, pelvis=False)
    assert check_count_above_sacrum(finding, segments, [], np.arange(100) * 3.0, 3.0) and finding.segment is None


def test_seed_53_ct_62_delayed_5mm_sacrum_base_over_narrow_slices_is_confirmed(tmp_path):
    """Abdomen + pelvis, delayed, 5 mm. Before: the L5/S1 disc added 30 mm down in the sacrum, S1 named L5 and
    "sacrum and ribs disagree; named from the sacrum" (L1/L2 not identified)."""
    case, report, score = label_benchmark_ct(tmp_path, 53, 62, "abdomen_pelvis", "delayed")
    assert case.spacing[2] == 5.0 and {"sacrum", "last_rib"} <= set(case.anchors_in_view)
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4", "L5"])
    assert not score["confirmed_wrong"]


def test_seed_53_ct_70_arterial_5mm_transverse_process_is_no_twelfth_rib(tmp_path):
    """Abdomen + pelvis, arterial, 5 mm. Before: a right "rib" on L3 made it T12 and dropped the sacrum. Now T12 is
    the true T12 (still one anchor: a false disc splits L1, which drops the sacrum's count; left to the discs)."""
    case, report, score = label_benchmark_ct(tmp_path, 53, 70, "abdomen_pelvis", "arterial")
    assert not _levels_near_truth(case, report, ["T10", "T11", "T12", "L1"])
    assert not any("bears ribs" in e["note"] for e in report["levels"])
    assert not score["confirmed_wrong"]
