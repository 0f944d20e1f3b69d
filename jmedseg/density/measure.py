"""Density of a person from a CT and its label maps (paper section 3, Figures 2, 6 and 7).

Per vertebra (L1 and L2 by default) on its cancellous region: every estimator of
`jmedseg.density.estimators`, the voxel count and the volume in ml. Per person:
the paper's value, the Johnson SU mode of the pooled L1+L2 cancellous pixels
(`density_hu`), and the mean of the per-vertebra Johnson SU modes. The cortical
density when the tissue map has that class (a calibration end point of the
paper's Figure 7). Each person's pooled cancellous pixels are also kept as an
integer-HU histogram, so age groups can be pooled exactly without the pixels
(section 4, "group statistics").

No silent wrong number: a level missing from the vertebra map, cut by the field of
view, holding air or metal, or giving a density no trabecular bone has is flagged
(`<level>_flag`, with the reason in `note`) and left out of the pooled density;
when no level is left, MeasurementRefused (jmedseg.density.safety) says why.

Units: HU throughout; `paper_units` adds a `*_paper` twin of every `*_hu` column,
the paper's stored values HU + 1024 (paper section 2).
"""
import io
import math
import zipfile
from dataclasses import dataclass

import numpy as np

from jmedseg.constants import CANCELLOUS, CORTICAL, HU_OFFSET
from jmedseg.data.label_schemes import TOTALSEG_V2
from jmedseg.density import safety
from jmedseg.errors import InputError
from jmedseg.utils.files import atomic_write_bytes
from jmedseg.density.estimators import ESTIMATORS, estimate_all
from jmedseg.utils.plotting import pyplot, save_figure
from jmedseg.density.johnson_su import (DensityFitError, fit_johnson_su, johnson_su_logpdf,
                                        weighted_quantiles)

PAPER_OFFSET = HU_OFFSET                   # paper's units = HU + 1024
DEFAULT_LEVELS = {name: TOTALSEG_V2[name] for name in ("L1", "L2")}


def parse_levels(text):
    """'L1=31,L2=30' -> {'L1': 31, 'L2': 30}, with a clear error for anything else."""
    levels = {}
    for item in filter(None, (s.strip() for s in str(text).split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip().lstrip("-").isdigit():
            raise InputError(f"bad level mapping {item!r} in {text!r}; write NAME=ID pairs like L1=31,L2=30")
        if name.strip() in levels:
            raise InputError(f"level {name.strip()!r} appears twice in {text!r}")
        levels[name.strip()] = int(value)
    if not levels:
        raise InputError(f"no levels in {text!r}; write NAME=ID pairs like L1=31,L2=30")
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

    def to_npz_bytes(self):
        buf = io.BytesIO()
        np.savez_compressed(buf, hu=self.hu, counts=self.counts)
        return buf.getvalue()

    def save(self, path):
        atomic_write_bytes(path, self.to_npz_bytes())

    @classmethod
    def load(cls, path):
        try:
            with np.load(path, allow_pickle=False) as data:
                return cls(data["hu"].astype(np.int64), data["counts"].astype(np.int64))
        except (OSError, KeyError, ValueError, zipfile.BadZipFile) as err:
            raise InputError(f"cannot read HU histogram {path} ({err}); re-run `jmedseg measure`") from None


def region_summary(values, voxel_ml, what):
    """{estimator: HU, 'voxels': n, 'volume_ml': ml} of one region's pixel values."""
    out = estimate_all(values, what=what)
    out["voxels"] = int(np.size(values))
    out["volume_ml"] = float(np.size(values) * voxel_ml)
    return out


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
            raise DensityFitError(_missing_message(vertebrae, {name: level_id}))
        if tissue is not None:
            masks[name] = vertebra & (tissue == CANCELLOUS)
        else:
            from jmedseg.data.labels import cancellous_region

            masks[name] = cancellous_region(vertebra, spacing)
    return masks


def _missing_message(vertebrae, missing, fix=True):
    found = sorted(int(v) for v in np.unique(vertebrae) if v != 0)
    names = ", ".join(f"{name} (label {level_id})" for name, level_id in missing.items())
    message = f"vertebra {names} is not in the mask; labels present: {found[:20]}"
    return message + ("; set the mapping with --labels, e.g. L1=31,L2=30" if fix else "")


@dataclass
class PersonDensity:
    """One person's measurement: a flat row for densities.csv, the pooled histogram and fit."""

    row: dict
    histogram: HUHistogram
    fit: object   # JohnsonSUFit of the pooled cancellous pixels


def level_regions(vertebrae, levels, tissue=None, spacing=(1.0, 1.0, 1.0), allow_truncated=False):
    """({level: cancellous mask} of the levels to measure, {level: flag}, [notes]); flags: jmedseg.density.safety.

    A level missing from the vertebra map or cut by the field of view (unless
    `allow_truncated`) gets a flag and a note instead of a region; the others are measured.
    """
    from jmedseg.data.checks import edge_problem, missing_levels

    vertebrae = np.asarray(vertebrae)
    flags, notes, usable = {}, [], {}
    absent = missing_levels(vertebrae, levels)
    if len(absent) == len(levels):
        raise safety.MeasurementRefused(_missing_message(vertebrae, levels),
                                        {f"{n.lower()}_flag": safety.MISSING for n in levels})
    if absent:
        notes.append(_missing_message(vertebrae, {n: levels[n] for n in absent}, fix=False)
                     + f"; measured from {'+'.join(n for n in levels if n not in absent)}")
    for name, level_id in levels.items():
        if name in absent:
            flags[name] = safety.MISSING
            continue
        edge = edge_problem(vertebrae == level_id, name)
        if edge:
            flags[name] = safety.INCOMPLETE
            notes.append(edge + ("; kept (--allow-truncated)" if allow_truncated
                                 else "; left out (--allow-truncated keeps it)"))
            if not allow_truncated:
                continue
        try:
            usable[name] = cancellous_masks(vertebrae, {name: level_id}, tissue, spacing)[name]
        except ValueError as err:
            flags[name] = safety.UNFIT
            notes.append(f"{name}: {err}")
    return usable, flags, notes


def measure_person(hu, vertebrae, tissue=None, spacing=(1.0, 1.0, 1.0), levels=None, masks=None,
                   allow_truncated=False):
    """The person's densities (HU) from a CT `hu` and its label maps, all of one shape.

    Each level is checked first (jmedseg.density.safety): missing, cut by the field of
    view, air or metal in its region, a density no trabecular bone has. A flagged level
    gets `<level>_flag` and a note instead of numbers; the person's density is the
    Johnson SU mode of the pooled cancellous pixels of the levels that pass
    (`levels_used`). Raises MeasurementRefused (with the partial row) when none passes.
    `masks` ({level: boolean cancellous mask}) replaces `vertebrae`/`tissue` when the
    caller already has the cancellous regions.
    """
    hu = np.asarray(hu)
    levels = levels or DEFAULT_LEVELS
    voxel_ml = float(np.prod(spacing)) / 1000.0
    if masks is None:
        masks, flags, notes = level_regions(vertebrae, levels, tissue, spacing, allow_truncated)
    else:
        flags, notes = {}, []
    row, modes, pooled = {}, [], []
    for name, mask in masks.items():
        if mask.shape != hu.shape:
            raise InputError(f"the {name} mask has shape {mask.shape} but the CT has {hu.shape}; "
                             "use the label map made for this CT")
        values = hu[mask]
        what = f"cancellous bone of {name}"
        problem = safety.region_content_problem(values, f"the {what}")
        if not problem:
            try:
                summary = region_summary(values, voxel_ml, what)
            except DensityFitError as err:
                flags[name] = safety.UNFIT
                notes.append(str(err))
                continue
            problem = safety.density_problem(summary["jsu_mode"], f"the {what}")
        if problem:
            flags[name] = safety.IMPLAUSIBLE
            notes.append(problem)
            continue
        for key, value in summary.items():
            row[f"{name.lower()}_{key}" + ("_hu" if key in ESTIMATORS else "")] = value
        modes.append(summary["jsu_mode"])
        pooled.append(values)
    used = [name for name in masks if f"{name.lower()}_voxels" in row]
    status = {f"{name.lower()}_flag": flags.get(name, "") for name in levels}
    if not used:
        raise _refused(notes, status)
    pixels = np.concatenate(pooled)
    fit = fit_johnson_su(pixels, "pooled cancellous bone of " + "+".join(used))
    problem = safety.density_problem(fit.mode, "pooled cancellous bone of " + "+".join(used))
    if problem:
        raise _refused(notes + [problem], status)
    person = {"density_hu": fit.mode, "density_mean_of_levels_hu": float(np.mean(modes)),
              "levels_used": "+".join(used)}
    for name, value in estimate_all(pixels, names=[n for n in ESTIMATORS if n != "jsu_mode"]).items():
        person[f"pooled_{name}_hu"] = value
    person.update(_calibration_densities(hu, tissue, vertebrae, {n: levels[n] for n in used if n in levels}))
    person.update(row)
    person.update(status)
    person["note"] = "; ".join(notes)
    return PersonDensity(person, HUHistogram.from_values(pixels), fit)


def _refused(notes, status):
    message = "no density: " + "; ".join(notes)
    return safety.MeasurementRefused(message, {**status, "levels_used": "", "note": message})


def _calibration_densities(hu, tissue, vertebrae, levels):
    """The Johnson SU mode of cortical bone within the chosen vertebrae, when the tissue map has it."""
    out = {}
    if tissue is None:
        return out
    in_levels = np.isin(vertebrae, list(levels.values())) if vertebrae is not None else True
    for name, tissue_id in (("cortical", CORTICAL),):
        region = (tissue == tissue_id) & in_levels
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


def draw_histogram_fit(ax, histogram, fit, pixels="cancellous pixels", density_label=None):
    """The pixels' histogram, the fitted Johnson SU and its mode (the density) on matplotlib axes `ax`."""
    lo, hi = weighted_quantiles(histogram.hu, histogram.counts, [0.005, 0.995])
    first, last = int(np.floor(lo)), int(np.ceil(hi))
    dense = np.zeros(last - first + 1)                 # one bin per HU, drawn as one filled outline (fast)
    keep = (histogram.hu >= first) & (histogram.hu <= last)
    dense[histogram.hu[keep] - first] = histogram.counts[keep] / histogram.n
    ax.stairs(dense, np.arange(first, last + 2) - 0.5, fill=True, color="tab:green", alpha=0.45,
              label=f"{pixels} (n={histogram.n})")
    xs = np.linspace(lo, hi, 600)
    ax.plot(xs, np.exp(johnson_su_logpdf(xs, fit.a, fit.b, fit.loc, fit.scale)), color="tab:green",
            label="Johnson SU fit")
    ax.axvline(fit.mode, color="black", linestyle="--", label=density_label or f"density {fit.mode:.1f} HU")
    ax.set_xlabel("CT value (HU)")
    ax.set_ylabel("probability per HU")
    ax.legend(fontsize=8)


def plot_person(histogram, fit, path, title=""):
    """Histogram of the pooled cancellous pixels, the fitted Johnson SU and the mode (paper Figure 6/7)."""
    fig, ax = pyplot().subplots(figsize=(6, 4))
    draw_histogram_fit(ax, histogram, fit,
                       density_label=f"density {fit.mode:.1f} HU ({fit.mode + PAPER_OFFSET:.0f} paper units)")
    ax.set_title(title)
    fig.tight_layout()
    save_figure(fig, path)
