"""The sacral base's top in abdomen + pelvis CTs of normal anatomy (issue 20, branch `sacrumlr`;
`sacrum.wide_under_top_disc`, `sacrum.disc_inside_sacrum`).

Two readings named every level one too low ("sacrum and ribs disagree; named from the sacrum", L1/L2 missed):
- a narrow slab inside the lowest segment: the L5/S1 disc added 30 mm down in the sacrum although the segment's
  top, under its found upper disc, is wide with the iliac wings beside (seed 53 CT 62, 5 mm);
- a dip inside the sacrum (S1/S2) taken for a disc: a 12 mm piece of S2 named S1 and S1 named L5, the wide bone
  going on through the dip up to the next disc (seed 59 CT 50, 3 mm).

Constructed columns (3 mm voxels, `tests.spine.test_sacrum._column`) check the rules and their counter-cases;
synthetic benchmark CTs (phantom-only) check them end to end.
"""

from jmedseg.spine.sacrum import find_sacrum

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum import SP, _column, _segments
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

# a 57 mm lowest segment (S1-S2, no disc found in it; the column from slice 2, not cut by the scan's edge) under
# L5, L4, L3 and a cut L2 (3 mm slices)
TALL = [(2, 20), (22, 29), (31, 38), (39, 39)]
LUMBAR = ["L1", "L2", "L3", "L4", "L5"]


def test_a_wide_top_under_the_segment_s_disc_adds_no_l5_s1_disc_lower_down():
    """Wide 2-5, narrow 6-9 (a slab read narrow), wide 10-20 up to the disc: S1 is the whole segment."""
    column = _column(set(range(2, 6)) | set(range(10, 21)), 60.0)
    finding = find_sacrum(column, _segments(TALL), SP, 2, 39)
    assert finding.segment == 0 and finding.split_at is None and not finding.transitional


def test_a_narrow_top_under_the_segment_s_disc_is_l5_split_off():
    """Wide only 2-9: the body over it, 11 slices (33 mm) up to the disc, is L5 (the disc added over the run)."""
    finding = find_sacrum(_column(range(2, 10), 60.0), _segments(TALL), SP, 2, 39)
    assert finding.segment == 0 and finding.split_at == 10


def test_a_wide_top_under_a_wide_vertebra_is_not_taken_for_the_base():
    """The vertebra above reads wide too (a chest CT's rib necks): the rule does not hold, the split stays and the
    wide bone is not counted (a split body under a wide one)."""
    column = _column(set(range(2, 6)) | set(range(10, 30)), 60.0)
    finding = find_sacrum(column, _segments(TALL), SP, 2, 39)
    assert finding.segment is None and "ribs, not a sacral base" in finding.notes[-1]


# a 12 mm piece at the column's bottom, a dip at slice 4, S1 5-14, then L5, L4, L3 and a cut L2
DIP = [(0, 3), (5, 14), (16, 23), (25, 32), (34, 39)]


def test_a_dip_inside_the_wide_sacrum_is_no_disc():
    column = _column(range(0, 15), 60.0)
    finding = find_sacrum(column, _segments(DIP), SP, 0, 39)
    assert finding.inner_disc == 4 and finding.segment == 0 and finding.split_at is None
    assert not finding.transitional and "inside the sacral base" in finding.notes[0]


def test_a_narrow_dip_or_a_tall_lowest_piece_keeps_the_disc():
    """A narrow slice at the dip (a real L5/S1 disc, soft tissue) or a lowest piece as tall as a vertebra: the dip
    stays a disc (the vertebra over it wide: transitional, as before)."""
    column = _column(set(range(0, 4)) | set(range(5, 15)), 60.0)
    finding = find_sacrum(column, _segments(DIP), SP, 0, 39)
    assert finding.inner_disc is None and finding.transitional
    tall = [(0, 8), (10, 17), (19, 26), (28, 35), (37, 39)]
    finding = find_sacrum(_column(range(0, 18), 60.0), _segments(tall), SP, 0, 39)
    assert finding.inner_disc is None


def test_seed_53_ct_62_delayed_5mm_sacrum_not_split_at_a_narrow_slab(tmp_path):
    """Abdomen + pelvis, delayed, 5 mm. Before: the L5/S1 disc added 30 mm down in the sacrum, every level one too
    low, "sacrum and ribs disagree; named from the sacrum"."""
    case, report, score = label_benchmark_ct(tmp_path, 53, 62, "abdomen_pelvis", "delayed")
    assert case.spacing[2] == 5.0
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, LUMBAR + ["S1", "T12"])
    assert not score["confirmed_wrong"]


def test_seed_59_ct_50_native_3mm_no_disc_inside_the_sacrum(tmp_path):
    """Abdomen + pelvis, native, 3 mm. Before: a dip at S1/S2 made a 12 mm piece "S1", S1 "L5" (transitional
    doubt), the anchors disagreed and L1/L2 were missed."""
    case, report, score = label_benchmark_ct(tmp_path, 59, 50, "abdomen_pelvis", "native")
    assert case.spacing[2] == 3.0
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, LUMBAR + ["S1", "T12"])
    assert not score["confirmed_wrong"]
