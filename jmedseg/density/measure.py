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
from scipy import ndimage

from jmedseg.constants import CANCELLOUS, CORTICAL, HU_OFFSET, MIN_DENSITY_PIXELS
from jmedseg.data.label_schemes import TOTALSEG_V2
from jmedseg.density import safety
from jmedseg.errors import InputError
from jmedseg.utils.files import atomic_write_bytes
from jmedseg.density.estimators import DEFAULT_ESTIMATOR, ESTIMATORS, check_estimator, estimate_all
from jmedseg.utils.plotting import pyplot, save_figure
from jmedseg.density.johnson_su import (DensityFitError, fit_density, fit_johnson_su, johnson_su_logpdf,
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


def body_and_region(vertebra, tissue, spacing):
    """(vertebral body, cancellous region) of one vertebra mask; with a tissue map, its cortical+cancellous part.

    From the mask alone the region is the body less its 2 mm shell (jmedseg.data.labels) and less the
    outer voxel layer of what is left (`without_surface_layer`), as a --model run trims its predicted region.
    Raises ValueError when no cancellous region is left.
    """
    if tissue is not None:
        region = vertebra & (tissue == CANCELLOUS)
        body = vertebra & ((tissue == CORTICAL) | region)
        return (body if body.any() else vertebra), region
    from jmedseg.data.labels import vertebral_body

    body = vertebral_body(vertebra, spacing)
    return body, mask_only_region(body, spacing)


def mask_only_region(body, spacing):
    """The cancellous region measured from a vertebral body mask alone (no tissue map): the body less its
    2 mm shell (jmedseg.data.labels) and less the outer voxel layer of what is left (`without_surface_layer`).

    One place for it: `measure --mask` and the CT-alone run measure it, and the model guard
    (jmedseg.deploy.guard) compares a model's density with the density of this region.
    """
    from jmedseg.data.labels import cancellous_region

    return without_surface_layer(cancellous_region(body, spacing, whole_vertebra=False))


def without_surface_layer(region):
    """`region` less its outer layer of face neighbours: one voxel in each direction, whatever the spacing.

    Why (issue 22): the 2 mm shell is a distance in mm, so with slices of 2.5 mm or more it does not remove
    one slice at the endplates, and in-plane it ends within a voxel or two of the cortex. Those voxels mix
    marrow with cortical bone (the reconstruction's blur, the slice profile): a right tail that pulled the
    Johnson SU mode 7-14 HU under the marrow's value on synthetic CTs (docs/calibration.md). The same layer
    is what jmedseg.deploy.inference.trim_partial_volume_layer takes from a model's region. A region too thin
    to lose it (fewer than MIN_DENSITY_PIXELS voxels left: a level cut by the scan's edge, a few voxels thick)
    is returned whole, as measured before: the completeness check flags such a level (safety.completeness).
    """
    inner = ndimage.binary_erosion(region, border_value=1)
    return inner if np.count_nonzero(inner) >= MIN_DENSITY_PIXELS else np.asarray(region, bool)


def _missing_message(vertebrae, missing, fix=True):
    found = _labels_present(vertebrae)
    names = ", ".join(f"{name} (label {level_id})" for name, level_id in missing.items())
    message = f"vertebra {names} is not in the mask; labels present: {found[:20]}"
    return message + ("; set the mapping with --labels, e.g. L1=31,L2=30" if fix else "")


@dataclass
class PersonDensity:
    """One person's measurement: a flat row for densities.csv, the pooled histogram and fit."""

    row: dict
    histogram: HUHistogram
    fit: object   # JohnsonSUFit of the pooled cancellous pixels


@dataclass
class Region:
    """One level's measured voxels: `mask` within `box` (slices of the CT) and the vertebral `body` around it."""

    box: tuple
    mask: np.ndarray
    body: np.ndarray

    def values(self, hu):
        return hu[self.box][self.mask]


def regions_mask(regions, shape):
    """The union of `regions` ({level: Region}) as one boolean array of the CT's `shape`."""
    out = np.zeros(shape, bool)
    for region in regions.values():
        out[region.box] |= region.mask
    return out


def level_boxes(vertebrae, levels, margin=1):
    """{level: slices of the box around its voxels, `margin` voxels wider} ({} entries missing for absent levels).

    One pass over the label map (ndimage.find_objects); everything per level then runs
    inside its box. Opening, labelling and the distance transform of a vertebra give
    the same voxels there as on the whole volume: the mask is empty outside its box and
    the array's edge counts as outside in both (jmedseg.data.labels).
    """
    from scipy import ndimage

    ids = [v for v in levels.values() if v > 0]
    found = ndimage.find_objects(np.asarray(vertebrae), max_label=max(ids)) if ids else []
    boxes = {}
    for name, level_id in levels.items():
        tight = found[level_id - 1] if 0 < level_id <= len(found) else None
        if tight is not None:
            boxes[name] = tuple(slice(max(0, s.start - margin), min(n, s.stop + margin))
                                for s, n in zip(tight, np.shape(vertebrae)))
    return boxes


def _labels_present(vertebrae):
    from scipy import ndimage

    return [i + 1 for i, box in enumerate(ndimage.find_objects(np.maximum(np.asarray(vertebrae), 0)))
            if box is not None]


def refuse_without_levels(vertebrae, levels, boxes=None):
    """The names of `levels` absent from `vertebrae`; MeasurementRefused (naming the labels there) when all are."""
    boxes = level_boxes(np.asarray(vertebrae), levels) if boxes is None else boxes
    absent = [name for name in levels if name not in boxes]
    if len(absent) == len(levels):
        raise safety.MeasurementRefused(_missing_message(vertebrae, levels),
                                        {f"{n.lower()}_flag": safety.MISSING for n in levels})
    return absent


def level_regions(vertebrae, levels, tissue=None, spacing=(1.0, 1.0, 1.0), allow_truncated=False, hu=None,
                  flagged=None):
    """({level: Region} of the levels to measure, {level: flag}, [notes]); flags: jmedseg.density.safety.

    A level missing from the vertebra map, whose body is cut by the field of view
    (unless `allow_truncated`), or whose region holds air or metal or is not bone in a
    cortical wall (jmedseg.density.region_check; when the CT `hu` is given) gets a flag and a note
    instead of a region; the others are measured. `flagged` ({level: (flag, note,
    measure anyway)}) holds a caller's flags (e.g. a level check that disagrees).
    """
    from jmedseg.density.region_check import wall_problem

    vertebrae = np.asarray(vertebrae)
    boxes = level_boxes(vertebrae, levels)
    absent = refuse_without_levels(vertebrae, levels, boxes)
    flags, notes, usable = {}, [], {}
    if absent:
        notes.append(_missing_message(vertebrae, {n: levels[n] for n in absent}, fix=False)
                     + f"; measured from {'+'.join(n for n in levels if n not in absent)}")
    for name, level_id in levels.items():
        if name in absent:
            flags[name] = safety.MISSING
            continue
        if flagged and name in flagged:
            flags[name], note, keep = flagged[name]
            notes.append(note)
            if not keep:
                continue
        box = boxes[name]
        vertebra = vertebrae[box] == level_id
        try:
            body, region = body_and_region(vertebra, None if tissue is None else tissue[box], spacing)
        except ValueError as err:
            flags[name] = safety.UNFIT
            notes.append(f"{name}: {err}")
            continue
        edge, note = safety.completeness(vertebra, body, box, vertebrae.shape, name, allow_truncated)
        if note:
            notes.append(note)
        if edge:
            flags[name] = safety.INCOMPLETE
            if not allow_truncated:
                continue
        what = f"the cancellous region of {name}"
        problem = None if hu is None else (safety.region_content_problem(hu[box][region], what)
                                           or wall_problem(hu[box], body, region, spacing, what))
        if problem:
            flags[name] = safety.IMPLAUSIBLE
            notes.append(problem)
            continue
        usable[name] = Region(box, region, body)
    return usable, flags, notes


def measure_person(hu, vertebrae, tissue=None, spacing=(1.0, 1.0, 1.0), levels=None, allow_truncated=False,
                   flagged=None, estimator=DEFAULT_ESTIMATOR):
    """The person's densities (HU) from a CT `hu` and its label maps, all of one shape.

    Each level is checked first (jmedseg.density.safety, jmedseg.density.region_check):
    missing, its body cut by the field of view, its region not bone inside a cortical
    wall, air or metal in its region, a density no trabecular bone has. A flagged level
    gets `<level>_flag` and a note instead of numbers; the person's density is the
    Johnson SU mode of the pooled cancellous pixels of the levels that pass
    (`levels_used`), or the registered `estimator` named (jmedseg.density.estimators,
    said in `density_estimator`; its value is the one checked for plausibility).
    Raises MeasurementRefused (with the partial row) when none passes.
    `flagged` ({level: (flag, note, measure anyway)}): a caller's flags (jmedseg.pipelines.subject).
    """
    hu = np.asarray(hu)
    levels = levels or DEFAULT_LEVELS
    check_estimator(estimator)
    voxel_ml = float(np.prod(spacing)) / 1000.0
    if np.shape(vertebrae) != hu.shape:
        raise InputError(f"the vertebra map has shape {np.shape(vertebrae)} but the CT has {hu.shape}; "
                         "use the label map made for this CT")
    regions, flags, notes = level_regions(vertebrae, levels, tissue, spacing, allow_truncated, hu, flagged)
    row, modes, pooled = {}, [], []
    for name, region in regions.items():
        values = region.values(hu)
        what = f"cancellous bone of {name}"
        try:
            summary = region_summary(values, voxel_ml, what)
        except DensityFitError as err:
            flags[name] = safety.UNFIT
            notes.append(str(err))
            continue
        problem = safety.density_problem(summary[estimator], f"the {what}")
        if problem:
            flags[name] = safety.IMPLAUSIBLE
            notes.append(problem)
            continue
        for key, value in summary.items():
            row[f"{name.lower()}_{key}" + ("_hu" if key in ESTIMATORS else "")] = value
        modes.append(summary[estimator])
        pooled.append(values)
    used = [name for name in regions if f"{name.lower()}_voxels" in row]
    status = {f"{name.lower()}_flag": flags.get(name, "") for name in levels}
    if not used:
        raise _refused(notes, status)
    pixels = np.concatenate(pooled)
    fit = fit_density(pixels, "pooled cancellous bone of " + "+".join(used))   # the figure draws it; as jsu_mode
    pooled_values = estimate_all(pixels, names=[n for n in ESTIMATORS if n != DEFAULT_ESTIMATOR])
    density = fit.mode if estimator == DEFAULT_ESTIMATOR else pooled_values[estimator]
    problem = safety.density_problem(density, "pooled cancellous bone of " + "+".join(used))
    if problem:
        raise _refused(notes + [problem], status)
    person = {"density_hu": density, "density_mean_of_levels_hu": float(np.mean(modes)),
              "density_estimator": estimator, "levels_used": "+".join(used)}
    for name, value in pooled_values.items():
        person[f"pooled_{name}_hu"] = value
    person.update(_calibration_densities(hu, tissue, vertebrae, {n: regions[n].box for n in used}, levels))
    person.update(row)
    person.update(status)
    person["note"] = "; ".join(notes)
    return PersonDensity(person, HUHistogram.from_values(pixels), fit)


def _refused(notes, status):
    message = "no density: " + "; ".join(notes)
    return safety.MeasurementRefused(message, {**status, "levels_used": "", "note": message})


def _calibration_densities(hu, tissue, vertebrae, boxes, levels):
    """The Johnson SU mode of cortical bone within the chosen vertebrae, when the tissue map has it.

    `boxes` ({level: box}): where each chosen level lies (level_boxes).
    """
    out = {}
    if tissue is None:
        return out
    for name, tissue_id in (("cortical", CORTICAL),):
        values = [hu[box][(tissue[box] == tissue_id) & (vertebrae[box] == levels[level])]
                  for level, box in boxes.items()]
        try:
            out[f"{name}_hu"] = fit_johnson_su(np.concatenate(values), f"{name} bone").mode
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
