"""Johnson SU fit and its mode: the paper's density (section 3, Figure 2).

pdf  f(x) = b / (scale sqrt(1 + y^2)) * phi(a + b asinh y),  y = (x - loc) / scale
(scipy.stats.johnsonsu's parametrisation). With u = asinh y the mode solves
tanh(u) + b^2 u + a b = 0, whose left side is strictly increasing: one root,
bracketed by [(-ab - 1)/b^2, (-ab + 1)/b^2]; mode = loc + scale sinh(u*).
"""
from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

MIN_VALUES = 50


class DensityFitError(ValueError):
    pass


@dataclass(frozen=True)
class JohnsonSUFit:
    a: float
    b: float
    loc: float
    scale: float
    mode: float
    n: int
    loglik: float


def johnson_su_mode(a, b, loc, scale):
    """Exact mode of a Johnson SU distribution (the unique root of the stationary equation)."""
    if b <= 0 or scale <= 0:
        raise ValueError(f"Johnson SU needs b > 0 and scale > 0, got b={b}, scale={scale}")
    lo, hi = (-a * b - 1) / b**2, (-a * b + 1) / b**2
    u = optimize.brentq(lambda u: np.tanh(u) + b * b * u + a * b, lo, hi, xtol=1e-12)
    return float(loc + scale * np.sinh(u))


def check_values(values, what="region"):
    """Finite 1-D float array with enough distinct values to fit, or a clear error."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size and not np.all(np.isfinite(v)):
        raise DensityFitError(f"the {what} has {int((~np.isfinite(v)).sum())} NaN/inf values; "
                              "check the CT volume for missing data")
    if v.size < MIN_VALUES:
        raise DensityFitError(f"too few pixels to fit a density in the {what}: {v.size} < {MIN_VALUES}; "
                              "check the mask (is it empty or on the wrong label?)")
    if np.ptp(v) == 0:
        raise DensityFitError(f"all {v.size} pixels of the {what} have the same value {v[0]}; "
                              "a distribution cannot be fitted (is the image constant?)")
    return v


def fit_johnson_su(values, what="region"):
    """Maximum-likelihood Johnson SU fit of pixel values; the density is `.mode`."""
    v = check_values(values, what)
    a, b, loc, scale = stats.johnsonsu.fit(v)
    loglik = float(np.sum(stats.johnsonsu.logpdf(v, a, b, loc, scale)))
    return JohnsonSUFit(float(a), float(b), float(loc), float(scale),
                        johnson_su_mode(a, b, loc, scale), int(v.size), loglik)
