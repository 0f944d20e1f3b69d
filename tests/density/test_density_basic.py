import numpy as np
import pytest

from jmedseg.density.johnson_su import DensityFitError, fit_johnson_su, johnson_su_mode
from jmedseg.data.phantom import PhantomSpec, cancellous_values


def test_mode_of_known_distribution_within_1_hu():
    rng = np.random.default_rng(1)
    values = cancellous_values(rng, 200_000, 150.0, PhantomSpec())
    assert abs(fit_johnson_su(values).mode - 150.0) < 1.0


def test_mode_formula_matches_density_peak():
    from scipy import stats
    a, b, loc, scale = -0.8, 2.0, 100.0, 45.0
    xs = np.linspace(0, 300, 300_001)
    peak = xs[np.argmax(stats.johnsonsu.pdf(xs, a, b, loc, scale))]
    assert abs(johnson_su_mode(a, b, loc, scale) - peak) < 1e-3


@pytest.mark.parametrize("values, message", [
    (np.arange(10.0), "too few pixels"),
    (np.full(500, 7.0), "same value"),
    (np.r_[np.arange(100.0), np.nan], "NaN"),
])
def test_bad_input_is_named(values, message):
    with pytest.raises(DensityFitError, match=message):
        fit_johnson_su(values)
