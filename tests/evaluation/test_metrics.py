import math

import numpy as np

from jmedseg.evaluation.metrics import class_scores, segmentation_scores


def test_dice_and_iou_by_hand():
    ref = np.array([[0, 1, 1, 0],
                    [0, 1, 1, 0]])
    pred = np.array([[0, 1, 0, 0],
                     [1, 1, 1, 0]])
    s = class_scores(pred, ref, 1)
    # tp = 3, fp = 1, fn = 1, tn = 3
    assert s["dice"] == 2 * 3 / (2 * 3 + 1 + 1)
    assert s["iou"] == 3 / 5
    assert s["precision"] == 3 / 4 and s["recall"] == 3 / 4
    assert s["accuracy"] == 6 / 8


def test_all_background_prediction_scores_zero_not_half():
    ref = np.zeros((8, 8), int)
    ref[2:4, 2:4] = 1
    ref[5:7, 5:7] = 2
    pred = np.zeros_like(ref)
    s = segmentation_scores(pred, ref, 3)
    assert s["fg_dice"] == 0.0 and s["fg_iou"] == 0.0


def test_class_absent_from_both_is_left_out_of_the_mean():
    ref = np.zeros((4, 4), int)
    ref[:2, :2] = 1
    s = segmentation_scores(ref.copy(), ref, 3, ["bg", "a", "b"])
    assert s["dice_a"] == 1.0 and math.isnan(s["dice_b"])
    assert s["fg_dice"] == 1.0
