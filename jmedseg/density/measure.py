"""Density of a person from a CT and its label maps (paper section 3, Figures 2, 6 and 7).

Per vertebra (L1 and L2 by default) on its cancellous region: every estimator of
`jmedseg.density.estimators`, the voxel count and the volume in ml. Per person:
the paper's value, the Johnson SU mode of the pooled L1+L2 cancellous pixels
(`density_hu`), and the mean of the per-vertebra Johnson SU modes. Cortical and
marrow densities when the tissue map has those classes (the paper's calibration
end points, Figure 7). Each person's pooled cancellous pixels are also kept as an
integer-HU histogram, so age groups can be pooled exactly without the pixels
(section 4, "group statistics").

Units: HU throughout; `paper_units` adds a `*_paper` twin of every `*_hu` column,
the paper's stored values HU + 1024 (REFERENCES.md section 2).
"""
import io
import math
import zipfile
from dataclasses import dataclass

import numpy as np

from jmedseg.utils.files import atomic_write_bytes
from jmedseg.density.estimators import ESTIMATORS, estimate_all
from jmedseg.density.figures import pyplot, save_figure
from jmedseg.density.johnson_su import (DensityFitError, fit_johnson_su, johnson_su_logpdf,
                                        weighted_quantiles)

PAPER_OFFSET = 1024.0                      # paper's units = HU + 1024
DEFAULT_LEVELS = {"L1": 31, "L2": 30}      # TotalSegmentator v2 vertebra ids


def parse_levels(text):
    """'L1=31,L2=30' -> {'L1': 31, 'L2': 30}, with a clear error for anything else."""
    levels = {}
    for item in filter(None, (s.strip() for s in str(text).split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip().lstrip("-").isdigit():
            raise ValueError(f"bad level mapping {item!r} in {text!r}; write NAME=ID pairs like L1=31,L2=30")
        if name.strip() in levels:
            raise ValueError(f"level {name.strip()!r} appears twice in {text!r}")
        levels[name.strip()] = int(value)
    if not levels:
        raise ValueError(f"no levels in {text!r}; write NAME=ID pairs like L1=31,L2=30")
    return levels


@dataclass
class HUHistogram:
    """Counts of pixels per integer HU value: enough to pool people exactly (section 4)."""

    hu: np.ndarray       # int64, strictly increasing
    counts: np.ndarray   # int64, > 0

    @classmethod
    def from_values(cls, values):
        v = np.rint(np.asarray(values, np.float64).ravel()).astype(np.int64)
        if v.size == 0:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64))
        counts = np.bincount(v - v.min())
        idx = np.flatnonzero(counts)
        return cls(idx + v.min(), counts[idx])

    @classmethod
    def pooled(cls, histograms):
        """One histogram of all pixels of `histograms` (exact: counts add per HU value)."""
        histograms = [h for h in histograms if h.counts.size]
        if not histograms:
            return cls(np.zeros(0, np.int64), np.zeros(0, np.int64))
        hu = np.concatenate([h.hu for h in histograms])
        counts = np.concatenate([h.counts for h in histograms])
        values, inverse = np.unique(hu, return_inverse=True)
        return cls(values, np.bincount(inverse, weights=counts).astype(np.int64))

    @property
    def n(self):
        return int(self.counts.sum())

    def save(self, path):
        buf = io.BytesIO()
        np.savez_compressed(buf, hu=self.hu, counts=self.counts)
        atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path):
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(data["hu"].astype(np.int64), data["counts"].astype(np.int64))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
            raise ValueError(f"cannot read HU histogram {path} ({err}); re-run `jmedseg measure`") from None


def region_summary(values, voxel_ml, what):
    """{estimator: HU, 'voxels': n, 'volume_ml': ml} of one region's pixel values."""
    out = estimate_all(values, what=what)
    out["voxels"] = int(np.size(values))
    out["volume_ml"] = float(np.size(values) * voxel_ml)
    return out


def _tissue_ids():
    from jmedseg.data import phantom

    return {name: getattr(phantom, name.upper(), None) for name in ("cancellous", "cortical", "marrow")}


def cancellous_masks(vertebrae, levels, tissue=None, spacing=(1.0, 1.0, 1.0)):
    """{level name: boolean cancellous mask} from a vertebra map and a tissue map.

    Without a tissue map (a whole-vertebra map like TotalSegmentator's), the
    cancellous region is derived by jmedseg.data.labels (posterior elements removed,
    cortical shell eroded).
    """
    masks = {}
    for name, level_id in levels.items():
        vertebra = vertebrae == level_id
        if not vertebra.any():
            found = sorted(int(v) for v in np.unique(vertebrae) if v != 0)
            raise DensityFitError(f"vertebra {name} (label {level_id}) is not in the mask; labels present: "
                                  f"{found[:20]}; set the mapping with --labels, e.g. L1=31,L2=30")
        if tissue is not None:
            masks[name] = vertebra & (tissue == _tissue_ids()["cancellous"])
        else:
            from jmedseg.data.labels import cancellous_region

            masks[name] = cancellous_region(vertebra, spacing)
    return masks


@dataclass
class PersonDensity:
    """One person's measurement: a flat row for densities.csv, the pooled histogram and fit."""

    row: dict
    histogram: HUHistogram
    fit: object   # JohnsonSUFit of the pooled cancellous pixels


def measure_person(hu, vertebrae, tissue=None, spacing=(1.0, 1.0, 1.0), levels=None, masks=None):
    """The person's densities (HU) from a CT `hu` and its label maps, all of one shape.

    `masks` ({level: boolean cancellous mask}) replaces `vertebrae`/`tissue` when the
    caller already has the cancellous regions.
    """
    hu = np.asarray(hu)
    levels = levels or DEFAULT_LEVELS
    voxel_ml = float(np.prod(spacing)) / 1000.0
    if masks is None:
        masks = cancellous_masks(np.asarray(vertebrae), levels, tissue, spacing)
    row, modes, pooled = {}, [], []
    for name, mask in masks.items():
        if mask.shape != hu.shape:
            raise ValueError(f"the {name} mask has shape {mask.shape} but the CT has {hu.shape}; "
                             "use the label map made for this CT")
        values = hu[mask]
        summary = region_summary(values, voxel_ml, f"cancellous bone of {name}")
        for key, value in summary.items():
            row[f"{name.lower()}_{key}" + ("_hu" if key in ESTIMATORS else "")] = value
        modes.append(summary["jsu_mode"])
        pooled.append(values)
    pixels = np.concatenate(pooled)
    fit = fit_johnson_su(pixels, "pooled cancellous bone of " + "+".join(masks))
    person = {"density_hu": fit.mode, "density_mean_of_levels_hu": float(np.mean(modes))}
    for name, value in estimate_all(pixels, names=[n for n in ESTIMATORS if n != "jsu_mode"]).items():
        person[f"pooled_{name}_hu"] = value
    person.update(_calibration_densities(hu, tissue, vertebrae, levels))
    person.update(row)
    return PersonDensity(person, HUHistogram.from_values(pixels), fit)


def _calibration_densities(hu, tissue, vertebrae, levels):
    """Cortical (within the chosen vertebrae) and marrow Johnson SU modes when the tissue map has them."""
    out = {}
    if tissue is None:
        return out
    ids = _tissue_ids()
    in_levels = np.isin(vertebrae, list(levels.values())) if vertebrae is not None else True
    for name in ("cortical", "marrow"):
        if ids[name] is None:
            continue
        region = (tissue == ids[name]) & in_levels
        try:
            out[f"{name}_hu"] = fit_johnson_su(hu[region], f"{name} bone").mode
        except DensityFitError:
            out[f"{name}_hu"] = math.nan      # class absent or too small here: no invented value
    return out


def with_paper_units(row):
    """A copy of `row` with a `*_paper` (HU + 1024) twin after every `*_hu` value."""
    out = {}
    for key, value in row.items():
        out[key] = value
        if key.endswith("_hu") and isinstance(value, (int, float)):
            out[key[:-3] + "_paper"] = value + PAPER_OFFSET
    return out


def plot_person(histogram, fit, path, title=""):
    """Histogram of the pooled cancellous pixels, the fitted Johnson SU and the mode (paper Figure 6/7)."""
    fig, ax = pyplot().subplots(figsize=(6, 4))
    lo, hi = weighted_quantiles(histogram.hu, histogram.counts, [0.005, 0.995])
    first, last = int(np.floor(lo)), int(np.ceil(hi))
    dense = np.zeros(last - first + 1)                 # one bin per HU, drawn as one filled outline (fast)
    keep = (histogram.hu >= first) & (histogram.hu <= last)
    dense[histogram.hu[keep] - first] = histogram.counts[keep] / histogram.n
    ax.stairs(dense, np.arange(first, last + 2) - 0.5, fill=True, color="tab:green", alpha=0.45,
              label=f"cancellous pixels (n={histogram.n})")
    xs = np.linspace(lo, hi, 600)
    ax.plot(xs, np.exp(johnson_su_logpdf(xs, fit.a, fit.b, fit.loc, fit.scale)), color="tab:green",
            label="Johnson SU fit")
    ax.axvline(fit.mode, color="black", linestyle="--",
               label=f"density {fit.mode:.1f} HU ({fit.mode + PAPER_OFFSET:.0f} paper units)")
    ax.set_xlabel("CT value (HU)")
    ax.set_ylabel("probability per HU")
    ax.set_title(title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_figure(fig, path)
