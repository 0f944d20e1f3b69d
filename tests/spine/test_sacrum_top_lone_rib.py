"""A lone one-sided "rib" over the sacrum (issue 20, branch `lumbar5`).

`sacrum.without_lone_process`: a one-sided rib head on a vertebra within three above a sacrum with iliac wings, a
rib-free vertebra above it, is a lumbar transverse process (seed 53 CT 70: L3 named T12, the sacrum dropped). The
branch's other rule (the sacral base raised to a second wide run with iliac wings above narrow slices, seed 53 CT
62) was taken out at the merge: it moved a 5 mm chest CT's false base up and its rib floor with it, and seed 23 CT
56 (held out) lost its lower eight rib heads (test below; docs/spine.md).

Constructed columns (3 mm voxels, `tests.spine.test_sacrum._column`) check the rules; synthetic benchmark CTs of
seed 53 (phantom-only) check them end to end.
"""

from jmedseg.spine.sacrum import SacrumFinding, without_lone_process

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum import _segments
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

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


def test_seed_53_ct_70_arterial_5mm_transverse_process_is_no_twelfth_rib(tmp_path):
    """Abdomen + pelvis, arterial, 5 mm. Before: a right "rib" head on L3 made L3 the lowest rib-bearing vertebra,
    the thin-disc search from there split L1 at its endplate bands, the sacrum was dropped ("one anchor only")."""
    case, report, score = label_benchmark_ct(tmp_path, 53, 70, "abdomen_pelvis", "arterial")
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4", "L5"])
    assert not score["confirmed_wrong"]


def test_seed_23_ct_56_chest_5mm_keeps_its_lower_ribs(tmp_path):
    """Chest, portal venous, 5 mm (held out). With the sacral base raised to a second wide run, the lowest rib
    heads (T9-T12, 8 of 24) fell under the rib floor and the anchors disagreed; every level T1-T12 is confirmed."""
    case, report, score = label_benchmark_ct(tmp_path, 23, 56, "chest", "portal_venous")
    assert case.spacing[2] == 5.0
    assert report["summary"] == "confirmed by ribs and first rib pair"
    assert not _levels_near_truth(case, report, [f"T{k}" for k in range(1, 13)])
    assert not score["confirmed_wrong"]
