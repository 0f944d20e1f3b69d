"""The `scheduler/` options: rates at known steps."""
import math

import pytest

from jmedseg.errors import ConfigError
from jmedseg.training.schedulers import Constant, Poly, WarmupCosine


def test_warmup_is_linear_then_cosine_reaches_its_floor():
    s = WarmupCosine(base_lr=1.0, total_steps=110, warmup_steps=10, min_lr_ratio=0.1)
    assert [s(k) for k in (0, 4, 9)] == pytest.approx([0.1, 0.5, 1.0])
    assert s(10) == pytest.approx(1.0)                                      # t = 0
    assert s(60) == pytest.approx(0.1 + 0.45 * (1 + math.cos(math.pi * 0.5)))  # t = 1/2
    assert s(500) == pytest.approx(0.1)                                      # past the end: the floor


def test_constant():
    s = Constant(base_lr=0.01, total_steps=5)
    assert [s(k) for k in range(7)] == [0.01] * 7


def test_poly_decays_per_step_and_never_goes_negative_or_up():
    s = Poly(base_lr=1.0, total_steps=100, power=0.9)
    assert s(0) == 1.0 and s(50) == pytest.approx(0.5 ** 0.9)
    rates = [s(k) for k in range(150)]
    assert all(b <= a for a, b in zip(rates, rates[1:])) and min(rates) >= 0.0
    assert s(99) == pytest.approx(0.01 ** 0.9) and s(99) > 0  # the last step still learns
    assert Poly(base_lr=1.0, total_steps=100, min_lr_ratio=0.2)(200) == pytest.approx(0.2)


@pytest.mark.parametrize("kwargs,word", [({"base_lr": 0.0}, "trainer.lr"), ({"base_lr": float("nan")}, "trainer.lr"),
                                         ({"warmup_steps": -1}, "warmup_steps"), ({"min_lr_ratio": 2.0}, "min_lr_ratio"),
                                         ({"power": 0.0}, "power")])
def test_impossible_settings_are_named(kwargs, word):
    with pytest.raises(ConfigError, match=word):
        Poly(**{"base_lr": 0.1, "total_steps": 10, **kwargs})
