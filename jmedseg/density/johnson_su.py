"""Johnson SU fit and its mode: the paper's density (section 3, Figure 2), fast and exact.

pdf  f(x) = b / (scale sqrt(1 + y^2)) * phi(a + b asinh y),  y = (x - loc) / scale
(scipy.stats.johnsonsu's parametrisation; Johnson 1949, Biometrika 36:149).

Why it is fast: CT values are integers, so a region of 300,000 pixels holds only a
few hundred distinct values. The log-likelihood is a sum over the distinct values
weighted by their counts, which gives the same maximum as the sum over pixels.
Non-integer (float) values work the same way on their distinct values, up to
MAX_TERMS pixels; a larger float region (or a histogram of more than MAX_TERMS
distinct values) is binned into MAX_TERMS equal-width bins over its range and
fitted on the weighted bin centres: on 300,000 float pixels this moved the mode
by under 0.001 HU from the fit on all distinct values, at a twentieth of the time.
The reported log-likelihood is always the sum over the pixels themselves.

The optimiser starts from the closed-form quantile estimate of Slifker & Shapiro
(1980, Technometrics 22:239) and maximises the weighted log-likelihood with BFGS
and its analytic gradient, in a standardised parametrisation
(a, log b, (loc - c) / s, log(scale / s)) with c the median and s a robust spread,
so all four coordinates are of order one and b, scale stay positive.
Convergence is checked: a fit that ran out of iterations (or stopped far from a
stationary point) keeps its numbers but has `converged=False`, and a
`JohnsonSUConvergenceWarning` says so. Values close to a normal distribution are
one cause (the normal is the limit b -> infinity of the SU family, so the
likelihood may have no maximum at finite parameters and the optimiser walks off),
a mix of two distributions (e.g. two vertebrae of different density pooled) another.

Partial-volume tail (issue 22): a cancellous region's voxels next to the cortex or an endplate mix marrow
with cortical bone, a long one-sided right tail of a few hundred HU. A full-likelihood fit bends its skew to
follow that tail and puts the mode 7-18 HU under the marrow's own value (docs/calibration.md, "Where the
end-to-end error comes from"). `upper_quantile` fits the values at or below that quantile of the region by
the likelihood of the Johnson SU truncated there (each kept value's density divided by F(cut)): the top of the
tail no longer shapes the fit, and on values that are Johnson SU the truncated fit estimates the same four
parameters (a consistent estimator; only its variance grows). The density uses `DENSITY_UPPER_QUANTILE`.

Mode: with u = asinh y the stationary equation is tanh(u) + b^2 u + a b = 0, whose
left side is strictly increasing: one root, with v = b^2 u + a b in [-1, 1] (solved
for v, so the bracket holds exactly in floating point); mode = loc + scale sinh(u*).
"""
import warnings
from dataclasses import dataclass, replace

import numpy as np
from scipy import optimize, special

from jmedseg.constants import MIN_DENSITY_PIXELS
from jmedseg.errors import JmedsegError

MIN_VALUES = MIN_DENSITY_PIXELS
MAX_TERMS = 8192          # distinct values fitted directly; above this, binned (see module docstring)
_LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)
_SLIFKER_Z = 0.5          # quantiles at +-z, +-3z standard normal units (Slifker & Shapiro's usual choice)
MAX_ITER = 500            # BFGS iterations; fits of CT regions take 10-40
# BFGS asks for a gradient below 1e-9 (gtol) of the mean log-likelihood in standardised coordinates; it often stops
# at 1e-9 to 3e-7 with "precision loss", the floating-point floor of that mean, not a failure. A stop with the
# largest gradient component under ACCEPTED_GRADIENT counts as converged.
ACCEPTED_GRADIENT = 1e-5
# The density's fit leaves the region's top decile out (truncated likelihood, see the module docstring). Why
# 0.9: the cortex's partial-volume voxels are the region's brightest; a cut at the 90th percentile keeps the
# peak and both shoulders of the marrow's distribution (1.28 SD above a normal's centre) while the values far
# into the tail, which set a full fit's skew, are left out. Measured on synthetic CTs (phantom-only): 0.95 still
# left -4 to -10 HU of the tail's pull on the mode, 0.9 and 0.75 removed most of it, 0.75 at a larger variance.
DENSITY_UPPER_QUANTILE = 0.9
# A truncated fit that ran out of iterations along the edge of the SU family counts as converged when a second
# run moves its mode by under this, in units of the region's robust spread (0.03 HU at a spread of 30 HU)
MODE_SETTLED = 1e-3


class DensityFitError(JmedsegError, ValueError):
    pass


class JohnsonSUConvergenceWarning(RuntimeWarning):
    """The optimiser stopped before reaching the maximum likelihood; the fit's numbers may be off."""


@dataclass(frozen=True)
class JohnsonSUFit:
    a: float
    b: float
    loc: float
    scale: float
    mode: float
    n: int
    loglik: float
    converged: bool = True
    message: str = ""         # the optimiser's own words on how it stopped


def johnson_su_mode(a, b, loc, scale):
    """Exact mode of a Johnson SU distribution (the unique root of the stationary equation)."""
    if b <= 0 or scale <= 0:
        raise ValueError(f"Johnson SU needs b > 0 and scale > 0, got b={b}, scale={scale}")
    # solve for v = b^2 u + a b, which lies in [-1, 1]: the bracket stays exact even when a b is huge
    ab, b2 = a * b, b * b
    v = optimize.brentq(lambda v: np.tanh((v - ab) / b2) + v, -1.0, 1.0, xtol=1e-15, rtol=1e-15)
    return float(loc + scale * np.sinh((v - ab) / b2))


def johnson_su_logpdf(x, a, b, loc, scale):
    """Log-density at x (same values as scipy.stats.johnsonsu.logpdf)."""
    y = (np.asarray(x, dtype=np.float64) - loc) / scale
    z = a + b * np.arcsinh(y)
    return np.log(b / scale) - np.log(np.hypot(1.0, y)) - 0.5 * z * z - _LOG_SQRT_2PI


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


def check_counts(values, counts, what="region"):
    """Distinct values and their positive counts (a histogram), checked like `check_values`."""
    x = np.asarray(values, dtype=np.float64).ravel()
    w = np.asarray(counts, dtype=np.float64).ravel()
    if x.shape != w.shape:
        raise DensityFitError(f"the {what} histogram has {x.size} values but {w.size} counts")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(w))):
        raise DensityFitError(f"the {what} histogram has NaN/inf values or counts")
    if np.any(w < 0):
        raise DensityFitError(f"the {what} histogram has negative counts")
    keep = w > 0
    x, w = x[keep], w[keep]
    n = float(w.sum())
    if n < MIN_VALUES:
        raise DensityFitError(f"too few pixels to fit a density in the {what}: {n:g} < {MIN_VALUES}; "
                              "check the mask (is it empty or on the wrong label?)")
    if x.size < 2:
        raise DensityFitError(f"all {n:g} pixels of the {what} have the same value {x[0]}; "
                              "a distribution cannot be fitted (is the image constant?)")
    return x, w


def _is_integer_valued(v):
    return bool(np.all(v == np.round(v)))


def value_counts(v):
    """Distinct values and counts of a 1-D float array; integer data goes through bincount (O(n))."""
    lo = np.floor(v.min())
    if _is_integer_valued(v) and v.max() - lo < 1e6:
        counts = np.bincount((v - lo).astype(np.int64))
        idx = np.flatnonzero(counts)
        return idx + lo, counts[idx].astype(np.float64)
    x, w = np.unique(v, return_counts=True)
    return x, w.astype(np.float64)


def weighted_quantiles(x, w, probs):
    """Quantiles of sorted distinct values x with counts w (linear between cumulative mid-points)."""
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(probs, cum, x)


def slifker_shapiro_start(x, w):
    """Closed-form Johnson SU estimate from four quantiles (Slifker & Shapiro 1980), or None.

    With quantiles at 3z, z, -z, -3z: m = x3 - x1, n = x-1 - x-3, p = x1 - x-1. The data
    look SU when m n / p^2 > 1; then b, a, scale and loc follow in closed form.
    """
    z = _SLIFKER_Z
    probs = special.ndtr(np.array([-3 * z, -z, z, 3 * z]))
    xm3, xm1, xp1, xp3 = weighted_quantiles(x, w, probs)
    m, n, p = xp3 - xp1, xm1 - xm3, xp1 - xm1
    if min(m, n, p) <= 0 or m * n / p**2 <= 1.0 + 1e-9:
        return None
    mp, np_ = m / p, n / p
    b = 2 * z / np.arccosh(0.5 * (mp + np_))
    a = b * np.arcsinh((np_ - mp) / (2 * np.sqrt(mp * np_ - 1)))
    scale = 2 * p * np.sqrt(mp * np_ - 1) / ((mp + np_ - 2) * np.sqrt(mp + np_ + 2))
    loc = 0.5 * (xp1 + xm1) + p * (np_ - mp) / (2 * (mp + np_ - 2))
    if not all(np.isfinite([a, b, loc, scale])) or b <= 0 or scale <= 0:
        return None
    return a, b, loc, scale


def _negloglik_and_grad(theta, x, w, cut=None):
    """Mean negative log-likelihood over weights w, and its gradient, in (a, log b, loc, log scale).

    With `cut`, the likelihood of the distribution truncated above `cut` (all x <= cut): log F(cut) is
    added back per unit weight. A line-search trial far out (scale underflowing to 0) gets +inf, so the
    search steps back.
    """
    a, log_b, loc, log_scale = theta
    with np.errstate(all="ignore"):
        b, scale = np.exp(log_b), np.exp(log_scale)
        y = (x - loc) / scale
        asinh_y = np.arcsinh(y)
        z = a + b * asinh_y
        r = np.hypot(1.0, y)                          # sqrt(1 + y^2) without overflow for far-out y
        ll = log_b - log_scale - np.log(r) - 0.5 * z * z
        dll_dy = -(y / r + z * b) / r
        grad = -np.array([w @ z, w @ (b * z * asinh_y - 1.0), (w @ dll_dy) / scale, w @ (1.0 + y * dll_dy)])
        value = -(w @ ll) + _LOG_SQRT_2PI
        if cut is not None:
            value, grad = _truncation_term(value, grad, a, b, loc, scale, cut, w.sum())
    if not (np.isfinite(value) and np.all(np.isfinite(grad))):
        return np.inf, np.zeros_like(grad)
    return value, -grad


def _truncation_term(value, grad, a, b, loc, scale, cut, weight):
    """`value` and the log-likelihood's `grad` with `weight` x log F(cut) added to the negative log-likelihood.

    F(cut) = Phi(z_c), z_c = a + b asinh((cut - loc) / scale); d log Phi / dz = phi / Phi (computed in logs:
    far in the left tail Phi underflows before the ratio does).
    """
    y = (cut - loc) / scale
    z = a + b * np.arcsinh(y)
    log_cdf = special.log_ndtr(z)
    ratio = np.exp(-0.5 * z * z - _LOG_SQRT_2PI - log_cdf)
    r = np.hypot(1.0, y)
    dz = np.array([1.0, b * np.arcsinh(y), -b / (scale * r), -b * y / r])   # d z_c / d(a, log b, loc, log scale)
    return value + weight * log_cdf, grad - weight * ratio * dz


def _bfgs(theta0, x, w, max_iter=MAX_ITER, cut=None):
    return optimize.minimize(_negloglik_and_grad, theta0, args=(x, w, cut), jac=True, method="BFGS",
                             options={"gtol": 1e-9, "maxiter": max_iter})


def optimiser_converged(res):
    """True when BFGS ended at a stationary point: success, or a precision-loss stop at a tiny gradient."""
    if not np.all(np.isfinite(res.x)):
        return False
    if res.success:
        return True
    precision_loss = res.status == 2
    return bool(precision_loss and np.max(np.abs(res.jac)) <= ACCEPTED_GRADIENT)


def _binned(x, w, bins):
    """Equal-width histogram of values x (any order) with weights w: sorted bin centres and summed weights."""
    lo, width = x.min(), (x.max() - x.min()) / bins
    idx = np.minimum(((x - lo) / width).astype(np.int64), bins - 1)
    wb = np.bincount(idx, weights=w, minlength=bins)
    keep = np.flatnonzero(wb)
    return lo + (keep + 0.5) * width, wb[keep]


def fit_johnson_su_counts(values, counts, what="region", max_iter=MAX_ITER, upper_quantile=None):
    """Maximum-likelihood Johnson SU fit of a histogram: distinct `values` seen `counts` times.

    `converged` in the result says whether the optimiser reached the maximum within
    `max_iter` iterations; when it did not, a JohnsonSUConvergenceWarning is issued too.
    `upper_quantile` (e.g. DENSITY_UPPER_QUANTILE): only the values up to that quantile are fitted, by the
    likelihood truncated there (module docstring); `n` and `loglik` are then those of the kept values.
    """
    x, w = check_counts(values, counts, what)
    order = np.argsort(x)
    x, w = x[order], w[order]
    n = float(w.sum())
    centre = weighted_quantiles(x, w, [0.5])[0]
    q25, q75 = weighted_quantiles(x, w, [0.25, 0.75])
    spread = (q75 - q25) / 1.349 if q75 > q25 else float(np.sqrt(np.average((x - centre) ** 2, weights=w)))
    xs = (x - centre) / spread
    wn = w / n                                        # mean log-likelihood: tolerances independent of n
    start = slifker_shapiro_start(xs, wn)             # from all values: the truncated fit starts near the full one
    if start is None:                                 # not SU-shaped by quantiles: start near a normal
        start = (0.0, 3.0, 0.0, 3.0)
    a0, b0, loc0, scale0 = start
    theta0 = np.array([a0, np.log(b0), loc0, np.log(scale0)])
    cut = None
    if upper_quantile is not None:
        x, w, xs, cut = _below_quantile(x, w, xs, upper_quantile, what)
        wn = w / float(w.sum())
        n = float(w.sum())
    data = _binned(xs, wn, MAX_TERMS) if x.size > MAX_TERMS else (xs, wn)
    res = _bfgs(theta0, *data, max_iter=max_iter, cut=cut)
    converged = optimiser_converged(res)
    if cut is not None and not converged:
        res, converged = _settled_at_the_edge(res, data, cut, max_iter)
    a, log_b, loc_s, log_scale_s = res.x
    b, loc, scale = float(np.exp(log_b)), float(centre + spread * loc_s), float(spread * np.exp(log_scale_s))
    if not all(np.isfinite([a, b, loc, scale])):
        raise DensityFitError(f"the Johnson SU fit of the {what} did not converge ({res.message})")
    mode = johnson_su_mode(a, b, loc, scale)
    if not x[0] <= mode <= x[-1]:
        raise DensityFitError(f"the Johnson SU fit of the {what} put its mode at {mode:.4g}, outside the values "
                              f"({x[0]:.4g} to {x[-1]:.4g}); the values are not one peaked distribution")
    loglik = float(w @ johnson_su_logpdf(x, a, b, loc, scale))
    if cut is not None:
        loglik -= n * float(special.log_ndtr(a + b * np.arcsinh((centre + spread * cut - loc) / scale)))
    if not converged:
        warnings.warn(f"the Johnson SU fit of the {what} did not converge after {res.nit} iteration(s) "
                      f"({str(res.message).rstrip('.')}; largest gradient {np.max(np.abs(res.jac)):.2g}): its mode "
                      f"{mode:.1f} may be off. "
                      "Values close to a normal distribution, or a mix of two distributions (two vertebrae of "
                      "different density pooled), do this; check the region's histogram",
                      JohnsonSUConvergenceWarning, stacklevel=2)
    return JohnsonSUFit(float(a), b, loc, scale, mode, int(round(n)), loglik, converged, str(res.message))


def _standardised_mode(theta):
    a, log_b, loc, log_scale = theta
    return johnson_su_mode(a, np.exp(log_b), loc, np.exp(log_scale))


def _settled_at_the_edge(res, data, cut, max_iter):
    """(result, converged) of a truncated fit that BFGS left unconverged: run on from where it stopped; converged
    when the optimiser then converges, or when the mode moved by under MODE_SETTLED.

    Why: without its top decile a region's values are often close to a normal or a lognormal, limits of the SU
    family (b -> infinity; a -> -infinity with the scale shrinking). The likelihood then rises without end
    along that edge and BFGS runs out of iterations, while the distribution, and so its mode, no longer changes
    (synthetic CTs: the mode moved 0.01-0.02 HU between 500 and 5,000 iterations).
    """
    more = _bfgs(res.x, *data, max_iter=max_iter, cut=cut)
    if optimiser_converged(more):
        return more, True
    if not np.all(np.isfinite(more.x)):
        return res, False
    return more, bool(abs(_standardised_mode(more.x) - _standardised_mode(res.x)) <= MODE_SETTLED)


def _below_quantile(x, w, xs, upper_quantile, what):
    """(x, w, xs) of the sorted values at or below their `upper_quantile`, and that cut on the xs scale."""
    if not 0.5 < upper_quantile <= 1.0:
        raise DensityFitError(f"upper_quantile must lie in (0.5, 1], got {upper_quantile}: the fit must keep the peak")
    cut_x = weighted_quantiles(x, w, [upper_quantile])[0]
    keep = x <= cut_x
    if keep.sum() < 2 or w[keep].sum() < MIN_VALUES:
        raise DensityFitError(f"too few distinct values of the {what} below its {upper_quantile:g} quantile to fit "
                              "a density; check the mask (is it empty or on the wrong label?)")
    return x[keep], w[keep], xs[keep], float(xs[keep][-1])


def fit_johnson_su(values, what="region", max_iter=MAX_ITER, upper_quantile=None):
    """Maximum-likelihood Johnson SU fit of pixel values; the density is `.mode` (see `converged`).

    `upper_quantile`: see fit_johnson_su_counts (the density's fit, DENSITY_UPPER_QUANTILE).
    """
    v = check_values(values, what)
    if v.size <= MAX_TERMS or _is_integer_valued(v) or upper_quantile is not None:
        return fit_johnson_su_counts(*value_counts(v), what, max_iter, upper_quantile)
    fit = fit_johnson_su_counts(*_binned(v, np.ones_like(v), MAX_TERMS), what, max_iter)   # float volume: no sort
    return replace(fit, loglik=float(johnson_su_logpdf(v, fit.a, fit.b, fit.loc, fit.scale).sum()))


def fit_density(values, what="region"):
    """The density's fit (paper section 3, issue 22): `fit_johnson_su` of a cancellous region's values, truncated at
    DENSITY_UPPER_QUANTILE; its `.mode` is the density. One place for it: `measure`, the model guard
    (jmedseg.deploy.guard) and the benchmarks report the same number."""
    return fit_johnson_su(values, what, upper_quantile=DENSITY_UPPER_QUANTILE)
