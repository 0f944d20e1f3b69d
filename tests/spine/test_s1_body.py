"""S1's label is S1's own body, not the sacral base under and beside it (`jmedseg.spine.s1_body`, issue 20)."""
import os

import numpy as np
import pytest

from jmedseg.spine.column import Column
from jmedseg.spine.levels import Segment
from jmedseg.spine.s1_body import keep_s1_body

SP = (3.0, 3.0, 2.0)          # the working grid of a 2 mm CT
SLOPE = np.radians(40.0)      # sacral slope
UP = np.array([0.0, np.sin(SLOPE), np.cos(SLOPE)])          # S1's axis
FORWARD = np.array([0.0, np.cos(SLOPE), -np.sin(SLOPE)])    # across it, to the front
DISC_MM = np.array([150.0, 120.0, 100.0])                   # the L5/S1 disc's centre (working grid, mm)
TOP_MM = DISC_MM - 6.0 * UP                                 # S1's upper endplate, half a disc under it


def _sacral_scene():
    """(labels, column, S1 body mask, S2 mask) on a 100 x 80 x 90 working grid: L5 a vertical box (48 mm wide,
    36 mm deep, 26 mm tall) over a 12 mm disc; under it the sacrum at 40 degrees' slope: S1's body 24 mm along its
    axis, 32 mm front to back, 48 mm wide; the alae beside it (to 55 mm from the midline, the same height) and S2
    under it along the axis (19 mm, 26 mm deep, its front on S1's), the canal and fused arches behind both (filled
    by the column's body region: 40-65 mm behind S1's front, 40 mm wide). What `split_bodies` leaves as S1: all of
    it under the disc's (here axial) plane (label 1), L5 label 2. Returns (labels, column, S1's body, S2 over a voxel's
    diagonal under it and the arches)."""
    shape = (100, 80, 90)
    xyz = np.stack(np.meshgrid(*[np.arange(n) * s for n, s in zip(shape, SP)], indexing="ij"), axis=-1)
    rel = xyz - TOP_MM
    down, side = -(rel @ UP), np.abs(rel[..., 0])            # mm down S1's axis, mm from the midline
    front = 16.0 - rel @ FORWARD                              # mm behind S1's front: 0 at its front, 32 at its back
    s1 = (down >= 0) & (down <= 24) & (front >= 0) & (front <= 32) & (side <= 24)
    alae = (down >= 0) & (down <= 24) & (front >= 0) & (front <= 32) & (side > 24) & (side <= 55)
    s2 = (down > 24) & (down <= 43) & (front >= 0) & (front <= 26) & (side <= 20)
    back = (down >= 0) & (down <= 43) & (front > 40) & (front <= 65) & (side <= 20)
    l5_rel = xyz - (DISC_MM + np.array([0.0, 0.0, 6.0]))
    l5 = (l5_rel[..., 2] >= 0) & (l5_rel[..., 2] <= 26) & (np.abs(l5_rel[..., 0]) <= 24) & \
         (np.abs(l5_rel[..., 1] - 8.0) <= 18)
    labels = np.zeros(shape, np.int16)
    labels[(s1 | alae | s2 | back) & (xyz[..., 2] < DISC_MM[2])] = 1     # the disc plane: above it is L5's
    labels[l5] = 2
    body = labels > 0
    nz = shape[2]
    centre = np.array([[DISC_MM[0] / SP[0], body[:, :, k].nonzero()[1].mean() if body[:, :, k].any() else 40.0]
                       for k in range(nz)])
    raw = np.array([np.argwhere(body[:, :, k]).mean(axis=0) if body[:, :, k].any() else [np.nan, np.nan]
                    for k in range(nz)])
    seen = body.any(axis=(0, 1))
    column = Column(centre, raw, seen, body.sum(axis=(0, 1)) * SP[0] * SP[1], body, body.copy(), body.copy(),
                    np.full(nz, centre[0, 0]))
    # past one working voxel's diagonal (3 x 2 mm: 3.6 mm) and the cut's tilt by a 5 degree error of the slope read
    # from the voxels' fronts (over the body's 32 mm depth: 2.8 mm) under S1
    deep_s2 = s2 & (down > 24.0 + 3.6 + 2.8)
    return labels, column, s1 & (labels == 1), (deep_s2 | back) & (labels == 1)


def test_s1_keeps_its_body_and_drops_the_alae_s2_and_arches():
    """Before, S1's label was the body with the alae, S2 and the arches: its centroid 7.8 mm down and back from the
    body's. Now it is the body: none of the alae (over `BODY_HALF_WIDTH_MM`, 30 mm, from the line), S2 (under `S1_HEIGHT_MM`, 24 mm,
    down the axis from the endplate, past a voxel and the slope's error: 37 degrees read here) or the
    arches (over 35 mm behind the front) kept, at least 85 % of the body kept (its corners under the front line's
    fit, one 3 mm pixel at its rim, may go), and its centroid within 3 mm (one working pixel) of the body's."""
    labels, column, s1, lower_and_back = _sacral_scene()
    sp = np.asarray(SP)
    before = np.argwhere(labels == 1).mean(axis=0) * sp
    truth = np.argwhere(s1).mean(axis=0) * sp
    assert np.linalg.norm(before - truth) > 7.0
    disc_k = int(round(DISC_MM[2] / SP[2]))
    segments = [Segment(0, disc_k - 1, False, True), Segment(disc_k + 1, 89, True, False)]
    segments[0].name, segments[1].name = "S1", "L5"
    keep_s1_body(labels, segments, column, SP)
    kept = labels == 1
    assert not (kept & lower_and_back).any()
    assert np.abs(np.argwhere(kept)[:, 0] * SP[0] - DISC_MM[0]).max() <= 30.0
    assert (kept & s1).sum() >= 0.85 * s1.sum()
    assert np.linalg.norm(np.argwhere(kept).mean(axis=0) * sp - truth) <= 3.0
    assert (labels == 2).sum() > 0                         # L5 untouched


def test_no_s1_leaves_the_labels_unchanged():
    labels, column, _, _ = _sacral_scene()
    segments = [Segment(0, 49, False, True), Segment(51, 89, True, False)]
    segments[1].name = "L5"
    same = labels.copy()
    keep_s1_body(labels, segments, column, SP)
    assert (labels == same).all()


@pytest.mark.parametrize("slice_mm", [None, 5.0])
def test_real_ct_s1_is_the_reference_s1_body(slice_mm):
    """The bundled native example (TotalSegmentator's reference, whose S1 is S1's own vertebra; its body taken by
    `evaluate_levels`) as stored (3 mm) and resampled to 5 mm slices. Before, S1's label held the alae and S2: Dice
    0.51 / 0.49, centroid 7.6 / 12.3 mm. Now 0.77 / 0.74 and 4.8 / 1.8 mm: held to the other levels' Dice floor
    (0.7, `test_spine`: a 3 mm outline on a 30 mm body) and the issue's 10 mm centroid target."""
    from jmedseg.data.io import load_labels, load_volume
    from jmedseg.spine import label_vertebrae
    from jmedseg.spine.evaluate import evaluate_levels
    from tests.conftest import DATA
    from tests.spine.test_spine_real_variants import _resample_z

    folder = os.path.join(DATA, "totalseg_example")
    ct, ref = load_volume(os.path.join(folder, "example_ct.nii.gz")), \
        load_labels(os.path.join(folder, "example_ct_vertebrae.nii.gz")).array
    if slice_mm is not None:
        ct, ref = _resample_z(ct, ref, slice_mm)
    labels, report = label_vertebrae(ct)
    row = evaluate_levels(labels, ref, ct.spacing, {"S1": 26})[0]
    assert row["correct_id"] and row["body_dice"] >= 0.7 and row["centroid_distance_mm"] <= 10.0, row


@pytest.mark.parametrize("seed, case_id", [(2026, 62)])
def test_benchmark_s1_centroid_is_its_body(tmp_path, seed, case_id):
    """Seed 2026 CT 62 (abdomen + pelvis, delayed, 5 mm slices): S1 confirmed 18.4 mm from its true body centre on
    main 64777d2 (its label the sacral base down to S2-S3), now within 10 mm (half the 20 mm identification line,
    so the label cannot be read as a neighbour's: S1's centre lies 25-35 mm from L5's); L5 stays within 10 mm."""
    from benchmarks.spine_labelling import design
    from tests.spine.benchmark_ct import label_benchmark_ct

    fov, phase = design(case_id)
    case, report, _ = label_benchmark_ct(tmp_path, seed, case_id, fov, phase)
    levels = {e["name"]: e for e in report["levels"]}
    for name in ("S1", "L5"):
        assert not levels[name]["flags"], levels[name]
        dist = np.linalg.norm(np.subtract(levels[name]["centroid_mm"], case.levels[name]["centroid_mm"]))
        assert dist <= 10.0, (name, dist)
