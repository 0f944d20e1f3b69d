"""The fused CPU batch norm + ReLU (jmedseg/models/_fused.py) must equal Jittor's BatchNorm2d then ReLU."""
import numpy as np
import pytest

from jmedseg.backend import jt, nn
from jmedseg.models._fused import BatchNormReLU


def run(module, act, x_np, g_np, train=True):
    """Output, gradients of sum(out * g) w.r.t. input, weight, bias, and the running statistics."""
    module.train() if train else module.eval()
    x = jt.array(x_np)
    y = act(module(x))
    gx, gw, gb = jt.grad((y * jt.array(g_np)).sum(), [x, module.weight, module.bias])
    return [v.numpy() for v in (y, gx, gw, gb, module.running_mean, module.running_var)]


@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize("shape", [(2, 3, 8, 8), (4, 1, 5, 7)])
@pytest.mark.parametrize("train", [True, False])
def test_fused_batch_norm_equals_jittor(relu, shape, train):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * 2 + 0.5).astype(np.float32)
    g = rng.standard_normal(shape).astype(np.float32)
    weight = (rng.random(shape[1]) + 0.5).astype(np.float32)
    bias = rng.standard_normal(shape[1]).astype(np.float32)
    reference, fused = nn.BatchNorm2d(shape[1]), BatchNormReLU(shape[1], relu=relu)
    for m in (reference, fused):
        m.weight.assign(jt.array(weight))
        m.bias.assign(jt.array(bias))
        m.running_mean.assign(jt.array(np.full(shape[1], 0.3, np.float32)))
        m.running_var.assign(jt.array(np.full(shape[1], 2.0, np.float32)))
    expected = run(reference, nn.relu if relu else (lambda t: t), x, g, train)
    got = run(fused, lambda t: t, x, g, train)
    names = ["output", "input grad", "weight grad", "bias grad", "running mean", "running var"]
    for name, e, o in zip(names, expected, got):
        np.testing.assert_allclose(o, e, rtol=1e-4, atol=1e-5, err_msg=name)
    if train:  # the batch moved the running mean: 0.9 * 0.3 + 0.1 * batch mean
        np.testing.assert_allclose(got[4], 0.27 + 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-5)


def test_state_dict_keys_are_batch_norms():
    assert set(BatchNormReLU(4).state_dict()) == set(nn.BatchNorm2d(4).state_dict())
