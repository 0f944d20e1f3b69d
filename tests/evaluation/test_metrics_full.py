"""Every segmentation metric on small arrays whose values are worked out by hand."""
import math

import numpy as np
import pytest

from jmedseg.evaluation.metrics import case_scores, hd95, slice_scores, surface_distances


def _lines(shape, ref_col, pred_col, rows=slice(0, 5)):
    ref, pred = np.zeros(shape, int), np.zeros(shape, int)
    ref[rows, ref_col] = 1
    pred[rows, pred_col] = 1
    return pred, ref


def test_hd95_of_parallel_lines_is_their_distance_in_mm():
    pred, ref = _lines((6, 8), 2, 5)  # every boundary pixel is 3 columns from the other line
    assert hd95(pred, ref) == 3.0
    assert hd95(pred, ref, spacing=(2.0, 0.5)) == 1.5          # columns are 0.5 mm apart
    assert hd95(pred.T, ref.T, spacing=(0.5, 2.0)) == 1.5      # same geometry transposed


def test_hd95_pools_both_directions_then_takes_the_95th_percentile():
    ref = np.zeros((1, 12), bool)
    ref[0, [0, 10]] = True
    pred = np.zeros_like(ref)
    pred[0, 0] = True
    to_ref, to_pred = surface_distances(pred, ref)
    assert list(to_ref) == [0.0] and sorted(to_pred) == [0.0, 10.0]
    # pooled [0, 0, 10]: the 95th percentile interpolates 90 % of the way from 0 to 10
    assert hd95(pred, ref) == pytest.approx(9.0)


def test_hd95_uses_the_boundary_not_the_interior():
    ref = np.zeros((9, 9), bool)
    ref[2:7, 2:7] = True                      # 5x5 square: 16 boundary pixels
    pred = np.zeros_like(ref)
    pred[3:6, 3:6] = True                     # 3x3 square one pixel inside it: 8 boundary pixels
    to_ref, to_pred = surface_distances(pred, ref)
    assert to_ref.size == 8 and to_pred.size == 16
    # inner-ring edge pixels are 1 from the outer ring; the outer ring's corners are sqrt(2) from the inner
    assert sorted(set(np.round(to_pred, 6))) == [1.0, round(math.sqrt(2), 6)]
    assert hd95(pred, ref) == pytest.approx(math.sqrt(2))


def test_empty_masks_nan_when_both_inf_when_one():
    empty, full = np.zeros((4, 4), bool), np.ones((4, 4), bool)
    assert math.isnan(hd95(empty, empty))
    assert hd95(empty, full) == math.inf and hd95(full, empty) == math.inf


def test_bad_spacing_is_an_error():
    with pytest.raises(ValueError, match="spacing must be positive"):
        hd95(np.ones((2, 2)), np.ones((2, 2)), spacing=(0.0, 1.0))


def test_slice_scores_per_class_and_foreground_mean():
    ref = np.zeros((6, 8), int)
    ref[0:5, 2] = 1
    ref[0:5, 6] = 2
    pred = ref.copy()
    pred[0:5, 2] = 0
    pred[0:5, 4] = 1                           # class 1 drawn 2 columns right, 0.6 mm pixels
    s = slice_scores(pred, ref, 3, ["bg", "a", "b"], spacing=0.6)
    assert s["dice_a"] == 0.0 and s["dice_b"] == 1.0 and s["fg_dice"] == 0.5
    assert s["precision_a"] == 0.0 and s["recall_b"] == 1.0
    assert s["accuracy_a"] == (48 - 10) / 48   # 5 fp + 5 fn of 48 pixels
    assert s["hd95_a"] == pytest.approx(1.2) and s["hd95_b"] == 0.0
    assert s["fg_hd95"] == pytest.approx(0.6)


def test_case_scores_pool_pixels_and_boundary_distances_over_slices():
    pred0, ref0 = _lines((6, 8), 2, 5)         # slice 0: 3 columns apart, 1 mm pixels
    pred1, ref1 = _lines((6, 8), 2, 2)         # slice 1: perfect
    s = case_scores(np.stack([pred0, pred1]), np.stack([ref0, ref1]), 2, ["bg", "bone"],
                    spacings=[(1.0, 1.0), (1.0, 1.0)])
    assert s["dice_bone"] == 2 * 5 / (2 * 5 + 5 + 5)         # tp 5 (slice 1), fp 5, fn 5 (slice 0)
    # pooled distances: 10 of 3 mm (slice 0), 10 of 0 mm (slice 1); 95th percentile interpolates to 3
    assert s["hd95_bone"] == pytest.approx(3.0)


def test_case_hd95_is_inf_when_a_slice_misses_the_class():
    ref = np.zeros((2, 4, 4), int)
    ref[:, 1:3, 1:3] = 1
    pred = ref.copy()
    pred[1] = 0
    s = case_scores(pred, ref, 2)
    assert s["hd95_class1"] == math.inf and s["dice_class1"] == 2 * 4 / (2 * 4 + 4)
    with pytest.raises(ValueError, match="2 spacings for 1 slices"):
        case_scores(pred[:1], ref[:1], 2, spacings=[1.0, 1.0])


def test_summary_leaves_inf_and_nan_out_and_counts_inf():
    from jmedseg.evaluation.evaluate import summarize

    rows = [{"subject_id": "a", "fg_hd95": 1.0, "density_error_hu": 1.0, "density_pred_hu": 101.0},
            {"subject_id": "b", "fg_hd95": 3.0, "density_error_hu": -3.0, "density_pred_hu": 97.0},
            {"subject_id": "c", "fg_hd95": math.inf, "density_error_hu": math.nan, "density_pred_hu": math.nan}]
    s = summarize(rows)
    assert s["fg_hd95_mean"] == 2.0 and s["fg_hd95_sd"] == pytest.approx(math.sqrt(2)) and s["fg_hd95_n_inf"] == 1
    assert s["density_mae_hu"] == 2.0 and s["n_density_failed"] == 1 and "density_pred_hu_n_inf" not in s


def test_too_few_predicted_pixels_give_no_density():
    from jmedseg.evaluation.evaluate import density_estimates

    out = density_estimates(np.arange(49.0), "predicted mask of s1")
    assert all(math.isnan(v) for v, _ in out.values())
    assert "49 cancellous pixels < 50, no density" in out["jsu_mode"][1]
    assert density_estimates(np.arange(60.0), "x")["median"] == (29.5, "")
