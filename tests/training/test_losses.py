"""The `loss/` options on inputs whose values are known by hand or by construction."""
import math

import numpy as np
import pytest

from jmedseg.backend import jt, nn
from jmedseg.training.losses import (CEDiceLoss, DiceFocalLoss, FocalLoss, LovaszSoftmaxLoss, TverskyLoss,
                                     focal_loss, soft_dice_loss)

# float32 logits, softmax and sums over 2 x 3 x 8 x 8 values: agreement to 1e-5 is float rounding
TOL = 1e-5


def _batch(seed=0, shape=(2, 3, 8, 8)):
    rng = np.random.default_rng(seed)
    logits = jt.array(rng.standard_normal(shape).astype(np.float32))
    target = jt.array(rng.integers(0, shape[1], (shape[0], *shape[2:])).astype(np.int32))
    return logits, target


def test_focal_with_gamma_zero_is_the_cross_entropy():
    logits, target = _batch()
    ce = float(nn.cross_entropy_loss(logits, target).item())
    assert float(FocalLoss(gamma=0)(logits, target).item()) == pytest.approx(ce, abs=TOL)


def test_focal_of_one_pixel_by_hand():
    # logits (0, log 3): p = (1/4, 3/4); target 1 -> p_t = 3/4, loss = -(1/4)^2 log(3/4)
    logits = jt.array(np.array([0.0, math.log(3.0)], np.float32).reshape(1, 2, 1, 1))
    target = jt.array(np.ones((1, 1, 1), np.int32))
    assert float(focal_loss(logits, target, gamma=2.0).item()) == pytest.approx(-(0.25 ** 2) * math.log(0.75), abs=TOL)


def test_tversky_with_equal_weights_is_the_soft_dice():
    logits, target = _batch(1)
    dice = float(soft_dice_loss(logits, target, eps=1.0).item())
    # (TP + e) / (TP + (FP + FN) / 2 + e) = (2 TP + 2 e) / (pred + ref + 2 e): Dice's smoothing 1 is e = 1/2
    assert float(TverskyLoss(alpha=0.5, beta=0.5, eps=0.5)(logits, target).item()) == pytest.approx(dice, abs=TOL)


def test_tversky_weighs_missed_bone_by_beta():
    # one foreground class, certain predictions: 2 true positives, 1 false positive, 3 false negatives
    pred = np.array([[1, 1, 1, 0, 0, 0, 0]])
    ref = np.array([[1, 1, 0, 1, 1, 1, 0]])
    logits = jt.array((np.stack([1 - pred, pred], axis=1) * 40.0 - 20.0).astype(np.float32)[..., None])
    target = jt.array(ref.astype(np.int32)[..., None])
    tp, fp, fn, eps = 2.0, 1.0, 3.0, 1.0
    for alpha, beta in ((0.3, 0.7), (0.7, 0.3)):
        expected = 1 - (tp + eps) / (tp + alpha * fp + beta * fn + eps)
        assert float(TverskyLoss(alpha, beta)(logits, target).item()) == pytest.approx(expected, abs=1e-4)


def test_dice_focal_is_the_sum_of_its_parts():
    logits, target = _batch(2)
    parts = float(soft_dice_loss(logits, target).item()) + float(focal_loss(logits, target, 2.0).item())
    assert float(DiceFocalLoss()(logits, target).item()) == pytest.approx(parts, abs=TOL)


def test_ce_dice_weights():
    logits, target = _batch(3)
    ce, dice = float(nn.cross_entropy_loss(logits, target).item()), float(soft_dice_loss(logits, target).item())
    assert float(CEDiceLoss(2.0, 0.5)(logits, target).item()) == pytest.approx(2 * ce + 0.5 * dice, abs=TOL)


def test_lovasz_of_two_pixels_by_hand():
    """Two classes; pixel a is class 1, pixel b class 0; probabilities of class 1: 0.8 (a) and 0.4 (b).

    Per class, errors sorted in decreasing order, J_i = 1 - (fg - cumsum fg) / (fg + cumsum(1 - fg)),
    gradient = (J_1, J_2 - J_1), loss = errors . gradient.
    Class 1: errors b 0.4 (not fg), a 0.2 (fg): J = (1 - 1/2, 1 - 0/2) = (0.5, 1); loss 0.4*0.5 + 0.2*0.5 = 0.3.
    Class 0: errors b 0.4 (fg), a 0.2 (not fg): J = (1 - 0/1, 1 - 0/2) = (1, 1); loss 0.4*1 + 0.2*0 = 0.4.
    Mean over the two classes present: 0.35.
    """
    p1 = np.array([0.8, 0.4])
    logits = np.stack([np.log(1 - p1), np.log(p1)], axis=0).astype(np.float32).reshape(1, 2, 1, 2)
    target = jt.array(np.array([[[1, 0]]], np.int32))
    assert float(LovaszSoftmaxLoss()(jt.array(logits), target).item()) == pytest.approx(0.35, abs=TOL)


def test_every_loss_is_zero_ish_when_right_and_trains():
    """Certain, correct logits give (near) zero loss; every loss has a gradient that lowers it."""
    rng = np.random.default_rng(4)
    target = rng.integers(0, 3, (2, 8, 8)).astype(np.int32)
    right = (np.eye(3)[target].transpose(0, 3, 1, 2) * 30.0).astype(np.float32)
    for loss in (CEDiceLoss(), FocalLoss(), TverskyLoss(), DiceFocalLoss(), LovaszSoftmaxLoss()):
        assert float(loss(jt.array(right), jt.array(target)).item()) < 1e-3, type(loss).__name__
        logits = jt.array(rng.standard_normal((2, 3, 8, 8)).astype(np.float32))
        before = float(loss(logits, jt.array(target)).item())
        grad = jt.grad(loss(logits, jt.array(target)), logits)
        after = float(loss(logits - 0.5 * grad / (grad.sqr().sum().sqrt() + 1e-12), jt.array(target)).item())
        assert after < before, type(loss).__name__
