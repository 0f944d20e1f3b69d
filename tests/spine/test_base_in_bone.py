"""The sacral base read in its own bone where the body's filled region in the band misses the alae (issue 20,
2026-12-07 early, branch `pelvis17`, `jmedseg.spine.base_in_bone`).

Seed 227 CT 78 (abdomen + pelvis, delayed, 3 mm; phantom-only): the column goes on 60 mm under S1's centre into
the lower sacrum, and in the band the body's filled region reads the base 0-75 mm wide (131 mm in two slices):
"one anchor only (T12)". Read as `extend_to_sacral_base` reads it (the bone over 200 HU, shells closed and filled,
on the column's line, the iliac wings beside), the lowest segment's top 18 mm read 103-131 mm. Constructed
working-grid columns at the CT's 3.55 x 3.55 x 3 mm check the reading from the top down and where it is not made;
seed 227 CT 78 end to end.
"""
from types import SimpleNamespace

import numpy as np

from jmedseg.spine.base_in_bone import bone_widths_under_top, sacrum_in_base_bone
from jmedseg.spine.levels import Segment
from jmedseg.spine.sacrum import SacrumFinding

from tests.spine.benchmark_ct import label_benchmark_ct
from tests.spine.test_sacrum_cut_base_disc import _levels_near_truth

SPACING = (3.55, 3.55, 3.0)
CX, CY = 50, 25          # the column's centre (pixels)
BASE = range(10, 16)     # S1's top under the L5/S1 disc (slices)
RING = range(0, 10)      # the lower sacrum joined to the ilia through the sacroiliac joints
L5 = range(18, 26)


def _column(gap_slice=None, ring_over=False):
    """A working-grid column: the pelvic ring (x 10-90 px, 284 mm) in `RING`, the sacral base (x 34-66 px, 117 mm)
    in `BASE`, L5's body (x 43-57 px, 53 mm) in `L5`, a 6 mm disc of soft tissue between; iliac plates 70-105 mm
    each side of the centre (60 px of 12.6 mm^2: 756 mm^2 a side) in every slice. `gap_slice`: no bone on the
    column's line there; `ring_over`: the ring in L5's lowest slice too (a vertebra joined to the ilia)."""
    bone = np.zeros((100, 60, 26), bool)
    bone[20:30, 35:41, :] = bone[70:80, 35:41, :] = True        # the iliac wings, behind the line's band
    for k in RING:
        bone[10:91, 24:29, k] = True
    for k in BASE:
        bone[34:67, 21:29, k] = True
    for k in L5:
        bone[43:58, 20:30, k] = True
    if ring_over:
        bone[10:91, 24:29, L5[0]] = True
    if gap_slice is not None:
        bone[:, :, gap_slice] = False
        bone[20:30, 35:41, gap_slice] = bone[70:80, 35:41, gap_slice] = True
    centre = np.tile([float(CX), float(CY)], (26, 1))
    return SimpleNamespace(bone=bone, centre=centre, raw_centre=centre.copy())


def _lowest():
    return Segment(0, 15, lower_disc=False, upper_disc=True)


def test_the_lowest_segment_is_read_from_its_top_down_through_the_base_and_the_ring():
    """The base's slices read 117 mm, the ring's 288 mm (the region's extent, pixels x 10-90); L5 over the disc is
    not read (only the lowest segment is)."""
    widths = bone_widths_under_top(_column(), SPACING, _lowest())
    assert np.allclose(widths[list(BASE)], 33 * 3.55) and np.allclose(widths[list(RING)], 81 * 3.55)
    assert not widths[16:].any()


def test_the_reading_stops_at_the_first_slice_from_the_top_with_no_base():
    """No bone on the line in slice 7: the slices under it are not read (a base is wide from the disc down)."""
    widths = bone_widths_under_top(_column(gap_slice=7), SPACING, _lowest())
    assert widths[8:16].all() and not widths[:8].any()
    assert not bone_widths_under_top(_column(gap_slice=15), SPACING, _lowest()).any()


def test_no_second_reading_where_a_base_was_found_or_a_disc_lies_under_the_lowest_segment():
    """A finding with a counted sacrum, or a wide bone with the wings beside that failed a later check (`pelvis`),
    or a lowest segment with a disc under it (the sacrum below the field of view): the finding stands as it is."""
    column = _column()
    for finding, lowest in ((SacrumFinding(segment=0, widths_mm=np.zeros(26)), _inside()),
                            (SacrumFinding(pelvis=True, widths_mm=np.zeros(26)), _inside()),
                            (SacrumFinding(widths_mm=np.zeros(26)), Segment(2, 15, lower_disc=True, upper_disc=True))):
        assert sacrum_in_base_bone(column, SPACING, [lowest, _above()], 0, 25, finding) is finding


def _inside():
    """The lowest segment one slice over the scan's first: ended by the sacrum, not cut by the field of view."""
    return Segment(1, 15, lower_disc=False, upper_disc=True)


def test_no_second_reading_where_the_scan_bottom_cuts_the_lowest_segment():
    """Seed 2026 CT 97's picture: the lowest segment starts in the scan's first slice, so no disc under it only
    means the field of view ends there."""
    finding = SacrumFinding(widths_mm=np.zeros(26))
    assert sacrum_in_base_bone(_column(), SPACING, [_lowest(), _above()], 0, 25, finding) is finding


def _above():
    return Segment(L5[0], L5[-1], lower_disc=True, upper_disc=True)


def test_no_second_reading_where_the_vertebra_over_the_disc_is_joined_to_the_ilia():
    """Seed 23 CT 50's picture: the segment over the lowest one reads the pelvic ring in a slice (there in every
    one): it is the sacrum's own top, the lowest segment S2, so the finding stands (the first version confirmed L5 on
    S1 there). The lowest segment alone, with no vertebra over it, is not read either."""
    finding = SacrumFinding(widths_mm=np.zeros(26))
    assert sacrum_in_base_bone(_column(ring_over=True), SPACING, [_inside(), _above()], 0, 25, finding) is finding
    assert sacrum_in_base_bone(_column(), SPACING, [_inside()], 0, 25, finding) is finding


def test_seed_227_ct_78_sacral_base_missed_in_the_band_is_confirmed(tmp_path):
    """Abdomen + pelvis, delayed, 3 mm, noise 19 HU. Before: "one anchor only (the lowest rib-bearing vertebra
    (T12))", every name right, none confirmed. Tolerance 10 mm along z: under half the shortest lumbar pitch (24
    mm), so a level named one off cannot pass (T12-L5 lie within 5.1 mm of their true centres)."""
    case, report, score = label_benchmark_ct(tmp_path, 227, 78, "abdomen_pelvis", "delayed")
    assert report["anchors"]["sacrum"] and report["summary"] == "confirmed by sacrum and ribs"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2", "L3", "L4", "L5"])
    levels = {e["name"]: e for e in report["levels"]}
    assert all(not levels[n]["flags"] for n in ("T12", "L1", "L2", "L3", "L4", "L5"))
    assert not score["confirmed_wrong"] and not score["refused"]


def test_seed_2026_ct_97_scan_bottom_in_l5_is_no_sacrum(tmp_path):
    """Chest + abdomen, native, 5 mm, the scan's bottom in L5 with the iliac crests beside it: no sacrum is counted,
    so the ribs and the first pair confirm L1 and L2 (a first version read L5's last slices as a sacral base and left
    them unconfirmed). Tolerance 10 mm along z, as above."""
    case, report, score = label_benchmark_ct(tmp_path, 2026, 97, "chest_abdomen", "native")
    assert not report["anchors"]["sacrum"] and report["summary"] == "confirmed by ribs and first rib pair"
    assert not _levels_near_truth(case, report, ["T12", "L1", "L2"])
    levels = {e["name"]: e for e in report["levels"]}
    assert all(not levels[n]["flags"] for n in ("T12", "L1", "L2"))
    assert not score["confirmed_wrong"]
