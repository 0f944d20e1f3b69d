"""The fast Johnson SU fit against scipy.stats.johnsonsu on samples with known parameters."""
import numpy as np
import pytest
from scipy import stats

from jmedseg.density.johnson_su import (DensityFitError, fit_johnson_su, fit_johnson_su_counts,
                                        johnson_su_logpdf, johnson_su_mode, slifker_shapiro_start)

# (a, b, loc, scale): the phantom's shape, a left tail, a heavy right tail, a near-normal one
KNOWN = [(-0.8, 2.0, 120.0, 45.0), (0.5, 1.5, 200.0, 30.0), (-2.0, 3.0, 80.0, 60.0), (0.0, 5.0, 150.0, 80.0)]


def _sample(params, n, seed, integer=True):
    v = stats.johnsonsu.rvs(*params, size=n, random_state=np.random.default_rng(seed))
    return np.round(v) if integer else v


@pytest.mark.parametrize("params", KNOWN)
def test_mode_of_300k_integer_pixels_within_quarter_hu_of_truth(params):
    fit = fit_johnson_su(_sample(params, 300_000, seed=1))
    assert fit.n == 300_000
    assert abs(fit.mode - johnson_su_mode(*params)) < 0.25


@pytest.mark.parametrize("params", KNOWN[:3])
def test_loglik_at_least_scipys_own_fit(params):
    values = _sample(params, 5_000, seed=2)
    ours = fit_johnson_su(values)
    theirs = stats.johnsonsu.fit(values)
    their_loglik = stats.johnsonsu.logpdf(values, *theirs).sum()
    assert ours.loglik >= their_loglik - 1e-6
    assert abs(ours.mode - johnson_su_mode(*theirs)) < 0.25
    # the reported log-likelihood is the sum over pixels, as scipy computes it
    assert ours.loglik == pytest.approx(stats.johnsonsu.logpdf(values, ours.a, ours.b, ours.loc, ours.scale).sum())


def test_float_pixels_fit_directly_and_when_binned():
    params = KNOWN[0]
    few = _sample(params, 5_000, seed=3, integer=False)            # all distinct, under the binning limit
    fit = fit_johnson_su(few)
    theirs = stats.johnsonsu.fit(few)
    assert fit.loglik >= stats.johnsonsu.logpdf(few, *theirs).sum() - 1e-6
    many = _sample(params, 300_000, seed=4, integer=False)         # binned into fine bins first
    assert abs(fit_johnson_su(many).mode - johnson_su_mode(*params)) < 0.25


def test_histogram_fit_equals_pixel_fit():
    values = _sample(KNOWN[0], 20_000, seed=5)
    x, w = np.unique(values, return_counts=True)
    a = fit_johnson_su(values)
    b = fit_johnson_su_counts(x, w)
    assert (a.mode, a.n) == pytest.approx((b.mode, b.n), abs=1e-9)
    assert a.loglik == pytest.approx(b.loglik, rel=1e-12)


def test_slifker_shapiro_start_recovers_parameters_of_a_large_sample():
    params = KNOWN[0]
    v = np.sort(_sample(params, 200_000, seed=6, integer=False))
    a, b, loc, scale = slifker_shapiro_start(v, np.ones_like(v))
    assert abs(johnson_su_mode(a, b, loc, scale) - johnson_su_mode(*params)) < 3.0
    assert b == pytest.approx(params[1], rel=0.15)


def test_mode_of_extreme_parameters_is_the_peak():
    # a fit of a multi-peaked cortical region ended here; a bracket in u lost its sign change
    params = (-126.39082712808276, 3.808831809324652, -586.9029744598024, 8.361919081603788e-12)
    mode = johnson_su_mode(*params)
    xs = mode + np.linspace(-1.0, 1.0, 2001)
    assert xs[np.argmax(johnson_su_logpdf(xs, *params))] == pytest.approx(mode, abs=1e-3)


def test_logpdf_matches_scipy():
    xs = np.linspace(-200, 500, 50)
    assert np.allclose(johnson_su_logpdf(xs, *KNOWN[1]), stats.johnsonsu.logpdf(xs, *KNOWN[1]))


@pytest.mark.parametrize("values, counts, message", [
    (np.array([1.0, 2.0]), np.array([30, 10]), "too few pixels"),
    (np.array([5.0]), np.array([400]), "same value"),
    (np.array([1.0, np.nan, 3.0]), np.array([100, 100, 100]), "NaN"),
    (np.array([1.0, 2.0, 3.0]), np.array([100, -1, 100]), "negative counts"),
    (np.array([1.0, 2.0, 3.0]), np.array([100, 100]), "3 values but 2 counts"),
])
def test_bad_histograms_are_named(values, counts, message):
    with pytest.raises(DensityFitError, match=message):
        fit_johnson_su_counts(values, counts)


def test_fits_of_known_shapes_report_convergence_and_no_warning():
    import warnings

    from jmedseg.density.johnson_su import JohnsonSUConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", JohnsonSUConvergenceWarning)   # any warning here fails the test
        for params in KNOWN:
            for integer in (True, False):
                assert fit_johnson_su(_sample(params, 20_000, seed=5, integer=integer)).converged


def test_an_iteration_budget_too_small_is_reported():
    from jmedseg.density.johnson_su import JohnsonSUConvergenceWarning

    values = _sample(KNOWN[0], 20_000, seed=6)
    # the quantile start is close but not the maximum: one BFGS step cannot reach a 1e-9 gradient
    with pytest.warns(JohnsonSUConvergenceWarning, match=r"the Johnson SU fit of the L1 did not converge after 1 "
                      r"iteration\(s\) \(Maximum number of iterations has been exceeded; largest gradient"):
        fit = fit_johnson_su(values, "L1", max_iter=1)
    assert not fit.converged and "Maximum number of iterations" in fit.message
    full = fit_johnson_su(values, "L1")
    assert full.converged and full.loglik > fit.loglik                 # the full fit climbs further


def test_precision_loss_at_a_stationary_point_counts_as_converged():
    from scipy.optimize import OptimizeResult

    from jmedseg.density.johnson_su import ACCEPTED_GRADIENT, optimiser_converged

    x = np.zeros(4)
    stop = lambda status, grad: OptimizeResult(x=x, success=status == 0, status=status, jac=np.full(4, grad))
    assert optimiser_converged(stop(0, 1e-10))
    assert optimiser_converged(stop(2, 3e-7))                           # "precision loss" at the float floor
    assert not optimiser_converged(stop(2, 10 * ACCEPTED_GRADIENT))     # precision loss far from the maximum
    assert not optimiser_converged(stop(1, 1e-10))                      # out of iterations
    assert not optimiser_converged(OptimizeResult(x=np.full(4, np.nan), success=True, status=0, jac=x))
