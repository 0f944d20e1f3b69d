"""The sacral base's top over narrow slices, and a lone one-sided "rib" over the sacrum (issue 20, branch `lumbar5`).

- `sacrum._run_to_sacral_top`: a wide run low in the sacrum, narrow slices over it and S1's alae above them, with no
  disc between, is one sacrum whose base is the upper run (seed 53 CT 62: the L5/S1 disc was put into the sacrum).
- `sacrum.without_lone_process`: a one-sided rib head on a vertebra within three above a sacrum with iliac wings, a
  rib-free vertebra above it, is a lumbar transverse process (seed 53 CT 70: L3 named T12, the sacrum dropped).

Constructed columns (3 mm voxels, `tests.spine.test_sacrum._column`) check the rules; synthetic benchmark CTs of
seed 53 (phantom-only) check them end to end.
"""

from jmedseg.spine.sacrum import RUN_GAP_MM, SPLIT_BODY_MM, WIDE_RUN_MM, SacrumFinding, find_sacrum, \
    without_lone_process

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum import SP, _column, _segments
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

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


# S1 and eight vertebrae (3 mm slices, 27-30 mm pitch); heads (slice, side) of ribs on both sides from segment 5 up
NINE = [(0, 8)] + [(10 * j, 10 * j + 8) for j in range(1, 9)]
RUN = [(z, side) for z in (54.0, 64.0, 74.0, 84.0) for side in ("left", "right")]


def test_a_lone_one_sided_head_over_the_pelvis_is_a_transverse_process():
    """A right head on segment 3 (L3 counted from S1), none on segment 4: taken off, the rib run kept."""
    finding = SacrumFinding(segment=0, pelvis=True)
    heads = without_lone_process([(34.0, "right")] + RUN, _segments(NINE), finding)
    assert heads == RUN and "transverse process" in finding.notes[-1]


def test_a_one_sided_head_under_a_rib_bearing_vertebra_is_kept():
    """Heads on segment 4 too (a rib run reaching down: a chest CT's T12 taken for the sacrum): all kept, and
    `check_count_above_sacrum` then drops the wide bone."""
    finding = SacrumFinding(segment=0, pelvis=True)
    heads = [(34.0, "right"), (44.0, "left"), (44.0, "right")] + RUN
    assert without_lone_process(heads, _segments(NINE), finding) == heads and not finding.notes


def test_a_lone_head_on_the_column_s_top_vertebra_is_kept():
    """S1 and three vertebrae: a right head on the top one has no vertebra above it to show the run cut off."""
    finding = SacrumFinding(segment=0, pelvis=True)
    heads = [(34.0, "right")]
    assert without_lone_process(heads, _segments(NINE[:4]), finding) == heads and not finding.notes


def test_heads_on_both_sides_or_without_iliac_wings_are_kept():
    both = [(34.0, "left"), (34.0, "right")] + RUN
    assert without_lone_process(both, _segments(NINE), SacrumFinding(segment=0, pelvis=True)) == both
    lone = [(34.0, "right")] + RUN
    assert without_lone_process(lone, _segments(NINE), SacrumFinding(segment=0, pelvis=False)) == lone
    assert without_lone_process(lone, _segments(NINE), SacrumFinding(segment=None, pelvis=True)) == lone


def test_seed_53_ct_62_delayed_5mm_sacrum_base_over_narrow_slices_is_confirmed(tmp_path):
    """Abdomen + pelvis, delayed, 5 mm. Before: the L5/S1 disc added 30 mm down in the sacrum, S1 named L5 and
    "sacrum and ribs disagree; named from the sacrum" (L1/L2 not identified)."""
    case, report, score = label_benchmark_ct(tmp_path, 53, 62, "abdomen_pelvis", "delayed")
    assert case.spacing[2] == 5.0 and {"sacrum", "last_rib"} <= set(case.anchors_in_view)
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4", "L5"])
    assert not score["confirmed_wrong"]


def test_seed_53_ct_70_arterial_5mm_transverse_process_is_no_twelfth_rib(tmp_path):
    """Abdomen + pelvis, arterial, 5 mm. Before: a right "rib" head on L3 made L3 the lowest rib-bearing vertebra,
    the thin-disc search from there split L1 at its endplate bands, the sacrum was dropped ("one anchor only")."""
    case, report, score = label_benchmark_ct(tmp_path, 53, 70, "abdomen_pelvis", "arterial")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4", "L5"])
    assert not score["confirmed_wrong"]
