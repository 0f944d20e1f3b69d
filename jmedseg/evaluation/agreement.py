"""Agreement between two measurements of the same subjects (e.g. density on predicted vs reference masks).

- Bland & Altman, Lancet 1986: bias (mean difference) and 95 % limits of
  agreement, bias +/- 1.96 SD of the differences.
- McGraw & Wong, Psychol. Methods 1996, case 2A: ICC(A,1), two-way model,
  absolute agreement, single measure.
- Lin, Biometrics 1989: concordance correlation 2 s_xy / (s_x^2 + s_y^2 + (mean x - mean y)^2),
  with 1/n moments as in the paper.
- The age slope (paper section 4): the least-squares slope of density against
  age, from the predicted and from the reference densities of the same people.
Subjects with a NaN in either measurement are left out and counted.
`read_pairs` reads the two densities.csv files, refusing a subject listed twice.
"""
import csv
import math
import os
from dataclasses import dataclass

import numpy as np

from jmedseg.data.ids import repeated
from jmedseg.errors import InputError
from jmedseg.utils.plotting import pyplot, save_figure

LOA_Z = 1.96  # two-sided 95 % of a normal distribution


@dataclass
class Pairs:
    """The subjects two tables share, in the reference's order, with both values and the age."""

    ids: list
    measured: list      # float, NaN where the subject has no value (a failed measurement)
    reference: list
    ages: list          # float, NaN where neither table gives one
    only_in_one: int    # subjects in one table only


def _read_table(path, column):
    """{subject id: row} of a csv with `column`; a subject listed twice is refused (which row would count?)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such file: {path}")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "subject_id" not in rows[0] or column not in rows[0]:
        raise InputError(f"{path} needs the columns subject_id and {column}; it has "
                         f"{list(rows[0]) if rows else 'no rows'}")
    twice = repeated(r["subject_id"] for r in rows)
    if twice:
        raise InputError(f"{path}: subject(s) {twice[:10]} appear more than once; keep one row per person")
    return {r["subject_id"]: r for r in rows}


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan  # empty: the subject could not be measured


def read_pairs(measured_path, reference_path, column="density_hu"):
    """`Pairs` of the subjects in both csv files (InputError when they share none)."""
    measured, reference = _read_table(measured_path, column), _read_table(reference_path, column)
    ids = [s for s in reference if s in measured]
    if not ids:
        raise InputError(f"no subject_id is in both {measured_path} and {reference_path}; compare tables of "
                         "the same subjects")
    return Pairs(ids, [_number(measured[s][column]) for s in ids], [_number(reference[s][column]) for s in ids],
                 [_number(reference[s].get("age") or measured[s].get("age")) for s in ids],
                 len(set(measured) ^ set(reference)))


def paired(measured, reference):
    """Finite pairs as two float arrays, and the number of pairs dropped for a NaN/inf."""
    x, y = np.asarray(measured, float).ravel(), np.asarray(reference, float).ravel()
    if x.shape != y.shape:
        raise ValueError(f"{x.size} measured values but {y.size} reference values; they must pair up")
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep], int(x.size - keep.sum())


def bland_altman(measured, reference):
    """Bias, SD of the differences and 95 % limits of agreement of `measured - reference`."""
    x, y, _ = paired(measured, reference)
    d = x - y
    sd = float(np.std(d, ddof=1)) if d.size > 1 else float("nan")
    bias = float(np.mean(d)) if d.size else float("nan")
    return {"bias": bias, "sd_diff": sd, "loa_low": bias - LOA_Z * sd, "loa_high": bias + LOA_Z * sd}


def icc_a1(measured, reference):
    """ICC(A,1) of McGraw & Wong (1996) for two raters: absolute agreement, single measure."""
    x, y, _ = paired(measured, reference)
    return icc_a1_matrix(np.stack([x, y], axis=1))


def icc_a1_matrix(ratings):
    """ICC(A,1) of an `n subjects x k raters` matrix (two-way ANOVA mean squares; Shrout & Fleiss' ICC(2,1))."""
    data = np.asarray(ratings, float)
    n, k = data.shape
    if n < 2 or k < 2:
        return float("nan")
    grand = data.mean()
    ss_rows = k * np.sum((data.mean(axis=1) - grand) ** 2)
    ss_cols = n * np.sum((data.mean(axis=0) - grand) ** 2)
    ss_err = np.sum((data - grand) ** 2) - ss_rows - ss_cols
    ms_rows, ms_cols = ss_rows / (n - 1), ss_cols / (k - 1)
    ms_err = ss_err / ((n - 1) * (k - 1))
    den = ms_rows + (k - 1) * ms_err + k / n * (ms_cols - ms_err)
    return float((ms_rows - ms_err) / den) if den else float("nan")


def lin_ccc(measured, reference):
    """Lin's concordance correlation coefficient (population moments, Lin 1989)."""
    x, y, _ = paired(measured, reference)
    if x.size < 2:
        return float("nan")
    sxy = np.mean((x - x.mean()) * (y - y.mean()))
    den = x.var() + y.var() + (x.mean() - y.mean()) ** 2
    return float(2 * sxy / den) if den else float("nan")


def pearson_r(measured, reference):
    x, y, _ = paired(measured, reference)
    if x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def age_slope(ages, densities):
    """Least-squares slope of density against age (HU per year), NaN with fewer than 3 people or one age."""
    a, d, _ = paired(ages, densities)
    if a.size < 3 or np.ptp(a) == 0:
        return float("nan")
    return float(np.polyfit(a, d, 1)[0])


def agreement(measured, reference, ages=None):
    """Every statistic of this module for one pair of measurements, as a flat dict."""
    x, y, dropped = paired(measured, reference)
    d = x - y
    out = {"n": int(x.size), "n_dropped": dropped,
           "mae": float(np.mean(np.abs(d))) if d.size else float("nan"),
           **bland_altman(x, y), "icc_a1": icc_a1(x, y), "ccc": lin_ccc(x, y), "pearson_r": pearson_r(x, y)}
    if ages is not None:
        out["age_slope_measured"] = age_slope(ages, measured)
        out["age_slope_reference"] = age_slope(ages, reference)
        out["age_slope_difference"] = out["age_slope_measured"] - out["age_slope_reference"]
    return out


def _save(fig, path):
    fig.tight_layout()
    save_figure(fig, path, dpi=fig.dpi)


def plot_bland_altman(measured, reference, path, title="", units="HU"):
    """Bland-Altman plot (difference against mean, bias and limit lines) saved as a PNG at `path`."""
    x, y, _ = paired(measured, reference)
    stats = bland_altman(x, y)
    fig, ax = pyplot().subplots(figsize=(5, 4), dpi=120)
    ax.scatter((x + y) / 2, x - y, s=18, color="tab:blue")
    for key, style in (("bias", "-"), ("loa_low", "--"), ("loa_high", "--")):
        if np.isfinite(stats[key]):
            ax.axhline(stats[key], color="tab:red", linestyle=style, linewidth=1)
            ax.annotate(f"{key} {stats[key]:.2f}", (1.0, stats[key]), xycoords=("axes fraction", "data"),
                        ha="right", va="bottom", fontsize=7, color="tab:red")
    ax.axhline(0.0, color="grey", linewidth=0.5)
    ax.set_xlabel(f"mean of predicted and reference ({units})")
    ax.set_ylabel(f"predicted - reference ({units})")
    ax.set_title(title or f"Bland-Altman, n = {x.size}", fontsize=9)
    _save(fig, path)


def plot_density_vs_age(ages, measured, reference, path, units="HU"):
    """Density against age from both measurements, with their least-squares lines (paper Figure 1 style)."""
    fig, ax = pyplot().subplots(figsize=(5, 4), dpi=120)
    ages = np.asarray(ages, float)
    # reference as open rings, predicted as dots inside them: both stay visible when they agree
    for values, label, colour, style in ((reference, "reference mask", "tab:grey", dict(s=42, facecolors="none")),
                                         (measured, "predicted mask", "tab:blue", dict(s=10))):
        a, d, _ = paired(ages, values)
        ax.scatter(a, d, edgecolors=colour, color=colour, label=f"{label}: slope {age_slope(a, d):.2f} {units}/year",
                   **style)
        if a.size >= 3 and np.ptp(a) > 0:
            k, z = np.polyfit(a, d, 1)
            grid = np.array([a.min(), a.max()])
            ax.plot(grid, k * grid + z, color=colour, linewidth=1)
    ax.set_xlabel("age (years)")
    ax.set_ylabel(f"density ({units})")
    ax.legend(fontsize=7)
    _save(fig, path)
