"""The sacral base behind the column's smoothed centre line; a short piece of the sacrum under a dip (issue 20,
2026-12-05 midnight, branch `sacrum9`).

The sacrum tilts backwards: S1's body lies 10-25 mm behind L5's, more where the promontory juts forward. Where the
body track saw few sacral slices the smoothed line stays at L5's depth and `sacrum.base_widths`, which measures
within 20 mm of it, reads only S1's front edge; `sacrum._base_behind_line` reads those slices as
`extend_to_sacral_base` finds the base (a wide bone on the column's left-right line, up to 35 mm behind it, the
iliac wings beside). A dip under a lowest segment that is wide from its bottom to its top, with a short narrow
piece under it at the scan's edge, cuts off the sacrum's lower part, not S1 (`sacrum._base_over_lower_piece`).
A constructed column (3 mm voxels) checks the rule; the synthetic benchmark CT of seed 107
(phantom-only) checks it end to end.
"""
import numpy as np

from jmedseg.spine.levels import Segment
from jmedseg.spine.sacrum import base_widths, find_sacrum

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum import SP, _column, _segments
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

EDGES = [(0, 9), (11, 19), (21, 29), (31, 39)]       # S1 at the column's bottom, L5, L4, a cut L3
BACK_VOXELS = 13                                      # 39 mm behind the line: S1 under a forward L5


def _tilted(base_slices, back=BACK_VOXELS):
    """`tests.spine.test_sacrum._column` with the body, alae and iliac plates of `base_slices` moved `back` voxels
    behind the smoothed centre line, which stays at L5's depth; the body's own centre there is where it lies."""
    column = _column(base_slices, 57.0)
    for k in base_slices:
        for name in ("body", "filled", "bone"):
            arr = getattr(column, name)
            arr[:, :, k] = np.roll(arr[:, :, k], -back, axis=1)
        column.raw_centre[k] = np.argwhere(column.body[:, :, k]).mean(axis=0)
    return column


def test_a_sacral_base_behind_the_line_is_found():
    """Slices 0-9 hold a 114 mm base 39 mm behind the line: read within 20 mm of the line it is the body's front
    edge alone (under 100 mm), no sacral base; read where the body lies it is S1."""
    base = range(0, 10)
    column = _tilted(base)
    assert (base_widths(column, SP, 0, 39)[list(base)] < 100.0).all()
    finding = find_sacrum(column, _segments(EDGES), SP, 0, 39)
    assert finding.segment == 0 and finding.pelvis and not finding.notes
    assert (finding.widths_mm[list(base)] >= 100.0).all()


def test_a_lone_wide_slice_behind_the_line_is_no_base():
    """Two slices (6 mm, under the 8 mm of the alae's height) are no sacral base, read either way."""
    finding = find_sacrum(_tilted(range(0, 2)), _segments(EDGES), SP, 0, 39)
    assert finding.segment is None and not finding.pelvis


def _over_piece(edges):
    """Segments between (lo, hi) pairs, the lowest with a disc under it (a short piece below, no segment)."""
    return [Segment(lo, hi, lower_disc=True, upper_disc=i < len(edges) - 1) for i, (lo, hi) in enumerate(edges)]


OVER_PIECE = [(3, 12), (14, 22), (24, 32), (34, 39)]     # slices 0-1 under a dip at 2; S1 30 mm, L5, L4, L3


def test_a_wide_lowest_segment_over_a_short_narrow_piece_is_s1():
    """The alae in every slice of the lowest segment (3-12) with the wings beside, two 45 mm slices under the dip at
    slice 2: the dip cuts off the sacrum's lower part, and the segment is S1."""
    finding = find_sacrum(_column(range(3, 13), 57.0), _over_piece(OVER_PIECE), SP, 0, 39)
    assert finding.segment == 0 and finding.split_at is None and finding.pelvis and not finding.notes


def test_a_disc_under_a_half_wide_segment_or_over_a_wide_piece_stays_below_the_segment():
    """Wide only in the segment's lower half (the alae's tops beside L5's bottom), or wide under the dip too (S1
    under the L5/S1 disc): the sacrum is below the lowest segment, not it."""
    for base in (range(3, 8), range(0, 13)):
        finding = find_sacrum(_column(base, 57.0), _over_piece(OVER_PIECE), SP, 0, 39)
        assert finding.segment is None and "below the field of view" in finding.notes[-1], base


def test_seed_103_ct_41_short_piece_under_s1(tmp_path):
    """Chest + abdomen, portal venous, 5 mm. Before: "one anchor only (the lowest rib-bearing vertebra (T12))", a dip
    at the sacrum's taper under S1 read as the L5/S1 disc ("the sacrum is below the field of view")."""
    case, report, score = label_benchmark_ct(tmp_path, 103, 41, "chest_abdomen", "portal_venous")
    assert report["anchors"]["sacrum"] and report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4", "L5"])
    assert not score["confirmed_wrong"]


def test_seed_107_ct_14_sacrum_behind_the_line_is_counted(tmp_path):
    """Abdomen + pelvis, delayed, 3 mm, RPS. Before: "no anchor: levels not identified", S1 read 64-67 mm wide
    about L5's line and the two pieces of the sacrum each with a one-sided "rib" (the ilia under no rib floor)."""
    case, report, score = label_benchmark_ct(tmp_path, 107, 14, "abdomen_pelvis", "delayed")
    assert report["anchors"]["sacrum"] and report["anchors"]["t12_ribs"]
    assert report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4", "L5"])
    assert not [e for e in report["levels"] if e["name"] in ("L1", "L2", "L3", "L4", "L5", "S1") and e["ribs"]]
    assert not score["confirmed_wrong"]
