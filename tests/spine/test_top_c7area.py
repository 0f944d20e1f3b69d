"""C7's body over the column's top at 1-3 mm slices (issue 20, late 2026-12-05, branch `top`): searched down to
C7's cross-section, not the 250 mm^2 that every other body search asks.

Synthetic (phantom-only) cases. C7's body is 15-17 mm wide and 13-15 mm deep in adults (an ellipse of 150-200 mm^2),
smaller than T1's; `column.MIN_BODY_AREA_MM2` (250) dropped it in thin-slice chest CTs, the column ended at T1 and
the first rib pair had no rib-free vertebra over it: "one anchor only (the lowest rib-bearing vertebra (T12))". At
5 mm a slab under C7 holds as much of the C7/T1 disc as of C7 and reads the same area (branch `c7top`): unchanged.
"""
import numpy as np
import pytest

from jmedseg.spine.canal import CanalTrack
from jmedseg.spine.column import _small_bodies
from tests.spine.benchmark_ct import label_benchmark_ct


def _scene(nz=20, nx=40, ny=40):
    """A straight canal; a 30 x 30 mm body in front of it in slices 0-9 (T1), nothing found in 10-19; there the
    filled bone holds a 15 x 12 mm body (180 mm^2 at 3 mm pixels: C7's size) in front of the canal."""
    centre = np.tile(np.array([20.0, 10.0]), (nz, 1))
    canal = CanalTrack(centre, np.ones(nz, bool), 0, nz - 1, np.zeros((nx, ny, nz), bool))
    body = np.zeros((nx, ny, nz), bool)
    body[15:25, 13:23, :10] = True
    filled = body.copy()
    filled[18:23, 12:16, 10:] = True
    return canal, body, filled, np.full((nx, ny, nz), 40.0, np.float32)


@pytest.mark.parametrize("slice_mm, found", [(2.0, True), (3.0, True), (5.0, False)])
def test_a_c7_sized_body_over_the_top_is_kept_at_thin_slices_only(slice_mm, found):
    """Over the highest body, a body of C7's cross-section (180 mm^2) is the column's top at working slices up to
    4 mm; at 5 mm the 250 mm^2 minimum stays (a slab there mixes C7's endplate with the C7/T1 disc)."""
    canal, body, filled, hu = _scene()
    _small_bodies(body, filled, hu, canal, (3.0, 3.0, slice_mm))
    assert body[:, :, 10:].any(axis=(0, 1)).all() == found
    assert body[:, :, 10:].any() == found


def test_nothing_over_the_top_stays_nothing():
    """Where the bone over the top holds nothing of a body's size, no body is made up."""
    canal, body, filled, hu = _scene()
    filled[:, :, 10:] = False
    filled[19:21, 13:15, 10:] = True                   # 36 mm^2: a process tip, not a body
    _small_bodies(body, filled, hu, canal, (3.0, 3.0, 2.0))
    assert not body[:, :, 10:].any()


def test_seed71_ct5_is_confirmed_by_both_rib_anchors(tmp_path):
    """Seed 71 CT 5 (chest + abdomen, arterial, 3 mm): C7's slices read 117-243 mm^2; before, the column started at
    T1 and the CT was refused ("one anchor only"). Now confirmed by ribs and first rib pair, C7-L4 named, nothing
    confirmed wrong. About 5-8 s."""
    from benchmarks.spine_labelling import design

    _, report, score = label_benchmark_ct(tmp_path, 71, 5, *design(5))
    assert report["summary"] == "confirmed by ribs and first rib pair", report["summary"]
    assert score["confirmed_wrong"] == [] and not score["refused"], score
    assert {f"T{n}" for n in range(1, 13)} | {"C7", "L1", "L2"} <= set(score["identified"]), score["identified"]
