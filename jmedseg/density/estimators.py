"""Density estimators of a region, by name: the paper's Johnson SU mode and the usual alternatives.

Every estimator takes a histogram -- sorted distinct values `x` and their counts `w` --
so the same code serves a region's pixels and a pooled age-group histogram
(paper section 4, "group statistics"), and gives exactly what the same formula gives
on the pixels themselves:

- jsu_mode: the paper's density, the mode of a fitted Johnson SU (section 3), fitted to the values up to
  the region's 90th percentile by the truncated likelihood so that the cortex's partial-volume tail does not
  pull the mode down (jmedseg.density.johnson_su, DENSITY_UPPER_QUANTILE; issue 22).
- mean: what Comp2Comp and TotalSegmentator report per vertebral body (docs/references.md, External reference values).
- median: TotalSegmentator's second figure.
- trimmed_mean: mean of the middle 80 % (scipy.stats.trim_mean(values, 0.1)).
- hist_peak: centre of the tallest histogram bin, Freedman-Diaconis width (Freedman &
  Diaconis 1981), at least 1 HU: the naive mode that the Johnson SU mode replaces.

`ESTIMATORS` is the registry: `jmedseg measure --estimator NAME` (and the API's
`estimator=`) makes one of them the reported density (`density_hu`); `jsu_mode`, the
paper's, is the default. `register_estimator` adds one; its code's hash
(`estimator_version`) enters the results' fingerprint, so a changed estimator never
merges with results of the old one.
"""
import hashlib
import inspect
import sys

import numpy as np

from jmedseg.density.johnson_su import (DENSITY_UPPER_QUANTILE, check_counts, check_values, fit_johnson_su_counts,
                                        value_counts)
from jmedseg.errors import InputError

TRIM_PROPORTION = 0.1


def _ordered(x, w):
    order = np.argsort(x)
    return x[order], w[order]


def weighted_mean(x, w):
    return float(w @ x / w.sum())


def _kth_smallest(x, cum, k):
    """The k-th smallest pixel (0-based) of the histogram with cumulative counts `cum`."""
    return float(x[np.searchsorted(cum, k, side="right")])


def weighted_median(x, w):
    """Median of the pixels the histogram stands for (average of the two middle ones, as np.median)."""
    x, w = _ordered(x, w)
    cum = np.cumsum(w)
    n = int(round(cum[-1]))
    return 0.5 * (_kth_smallest(x, cum, (n - 1) // 2) + _kth_smallest(x, cum, n // 2))


def weighted_trimmed_mean(x, w, proportion=TRIM_PROPORTION):
    """Mean after cutting int(proportion * n) pixels off each end, as scipy.stats.trim_mean."""
    x, w = _ordered(x, w)
    n = int(round(w.sum()))
    cut = int(proportion * n)
    cum = np.cumsum(w)
    # pixels kept from each distinct value: those with rank in [cut, n - cut)
    kept = np.clip(np.minimum(cum, n - cut) - np.maximum(cum - w, cut), 0, None)
    return float(kept @ x / kept.sum())


def _iqr(x, w):
    x, w = _ordered(x, w)
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    q25, q75 = np.interp([0.25, 0.75], cum, x)
    return q75 - q25


def histogram_peak(x, w, bin_width=None):
    """Centre of the tallest bin; bins of `bin_width` (default Freedman-Diaconis, >= 1) from the minimum."""
    n = w.sum()
    width = bin_width or max(1.0, 2.0 * _iqr(x, w) / n ** (1 / 3))
    lo = x.min() - 0.5 if np.all(x == np.round(x)) else x.min()   # integer HU sit mid-bin
    idx = np.floor((x - lo) / width).astype(np.int64)
    tallest = int(np.argmax(np.bincount(idx, weights=w)))
    return float(lo + (tallest + 0.5) * width)


def jsu_mode(x, w):
    return fit_johnson_su_counts(x, w, upper_quantile=DENSITY_UPPER_QUANTILE).mode


ESTIMATORS = {
    "jsu_mode": jsu_mode,
    "mean": weighted_mean,
    "median": weighted_median,
    "trimmed_mean": weighted_trimmed_mean,
    "hist_peak": histogram_peak,
}


DEFAULT_ESTIMATOR = "jsu_mode"


def register_estimator(name, function):
    """Add `function(x, w) -> float` (sorted distinct values, their counts) to the registry as `name`.

    It must be a function of an importable module (cohort runs measure in other processes, which
    import it by name); a name already taken is refused, so the paper's estimator cannot be replaced.
    """
    if name in ESTIMATORS:
        raise InputError(f"an estimator called {name!r} is registered already; choose another name")
    if not callable(function):
        raise InputError(f"estimator {name!r} must be a function (values, counts) -> density, got {function!r}")
    ESTIMATORS[name] = function


def check_estimator(name):
    """`name` when it is registered, else an InputError listing the registered ones."""
    if name not in ESTIMATORS:
        raise InputError(f"unknown density estimator {name!r}; choose one of {', '.join(ESTIMATORS)} "
                         "(or register yours: jmedseg.density.estimators.register_estimator)")
    return name


def estimator_version(name):
    """A short hash of the source of the module defining estimator `name`: it changes when its code does.

    The whole module counts (the helpers an estimator calls live beside it), so a comment edit
    changes it too: safe, not minimal. The Johnson SU fit lives in its own module, added for jsu_mode.
    """
    function = ESTIMATORS[check_estimator(name)]
    modules = {sys.modules[function.__module__]}
    if name == DEFAULT_ESTIMATOR:
        modules.add(sys.modules[fit_johnson_su_counts.__module__])
    digest = hashlib.sha256()
    for module in sorted(modules, key=lambda m: m.__name__):
        digest.update(inspect.getsource(module).encode())
    return digest.hexdigest()[:12]


def estimate(name, values=None, counts=None, what="region"):
    """Density of a region by estimator `name`, from pixel `values` or from a histogram (`values`, `counts`)."""
    return estimate_all(values, counts, what, names=(check_estimator(name),))[name]


def estimate_all(values, counts=None, what="region", names=None):
    """{estimator name: density} (default: every registered one) for pixel values, or a histogram with `counts`."""
    names = tuple(ESTIMATORS) if names is None else names
    if counts is None:
        x, w = value_counts(check_values(values, what))
    else:
        x, w = check_counts(values, counts, what)
    return {name: ESTIMATORS[name](x, w) for name in names}
