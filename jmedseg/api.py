"""The Python API: `from jmedseg import measure_ct, label_vertebrae, segment_ct, load_model, measure_cohort, fit_trend`.

Each call takes paths (or a loaded `jmedseg.data.io.Volume` where it says so) and
returns a typed result; each is what the matching `jmedseg` command does, without
the printing. A measurement is composed of a vertebra source (a given mask, or the
labelling of the CT alone), a tissue source (a tissue map, a model, or the
region derived from the vertebra mask) and the Johnson SU estimator (paper section 3).
"""
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Measurement:
    """One CT's densities: the row `jmedseg measure` writes to densities.csv, its columns as attributes.

    e.g. `m.density_hu`, `m.l1_jsu_mode_hu`, `m.l1_flag`, `m.levels_used`; `m.row` is the whole row.
    """

    row: dict

    def __getattr__(self, name):
        row = object.__getattribute__(self, "row")
        if name in row:
            return row[name]
        raise AttributeError(f"a measurement has no column {name!r}; its columns: {', '.join(row)}")


@dataclass(frozen=True)
class Labelling:
    """Vertebra labels of a CT (TotalSegmentator v2 ids, on the CT's grid) and the labeller's report."""

    labels: object   # numpy int array [x, y, z]
    report: dict


@dataclass(frozen=True)
class LoadedModel:
    """A `.jmed` model ready for inference and its metadata (input specification, classes, recipe)."""

    model: object
    meta: dict
    path: str


def _settings(levels, units, allow_truncated, model_path, guard):
    from jmedseg.density.measure import DEFAULT_LEVELS, parse_levels
    from jmedseg.pipelines.cohort_run import settings_for

    levels = parse_levels(levels) if isinstance(levels, str) else dict(levels or DEFAULT_LEVELS)
    return settings_for(levels, units, allow_truncated, model_path, guard=guard)


def load_model(model="default"):
    """A `.jmed` file (or `default`, the model shipped in the package) loaded for inference."""
    from jmedseg.deploy.export import load_model_file
    from jmedseg.weights import resolve_model

    path = resolve_model(str(model))
    net, meta = load_model_file(path)
    return LoadedModel(net, meta, path)


def measure_ct(ct, mask=None, model=None, tissue=None, levels=None, units="hu", allow_truncated=False,
               guard=True, out_dir=None):
    """The densities of one CT file: `measure_ct("ct.nii.gz", mask="vertebrae.nii.gz").l1_jsu_mode_hu`.

    Vertebrae from `mask` (a label map), else labelled from the CT alone. Cancellous bone from
    `tissue` (a tissue map), else predicted by `model` (a path, `default` or a `LoadedModel`, checked
    by the plausibility guard unless `guard=False`), else derived from the vertebra mask.
    `levels`: "NAME=ID,..." or {name: id} (default L1 and L2, TotalSegmentator ids). Raises a JmedsegError subclass when no density can be given.
    """
    from jmedseg.pipelines.subject import measure_files

    loaded = model if isinstance(model, LoadedModel) or model is None else load_model(model)
    settings = _settings(levels, units, allow_truncated, loaded.path if loaded else None, guard)
    subject_id = os.path.basename(os.path.normpath(str(ct))).split(".")[0]
    person = measure_files(subject_id, str(ct), mask and str(mask), tissue and str(tissue), settings,
                           (loaded.model, loaded.meta) if loaded else None, out_dir=out_dir, qc_figure=False)
    return Measurement({"subject_id": subject_id, **person.row})


def label_vertebrae(ct, units="hu", out=None):
    """Vertebra labels of a CT (a path or a Volume) from the CT alone (jmedseg/spine); `out`: also write them."""
    from jmedseg.data.io import Volume, load_volume
    from jmedseg.spine import label_vertebrae as label
    from jmedseg.spine.pipeline import write_labels

    volume = ct if isinstance(ct, Volume) else load_volume(str(ct), units=units)
    labels, report = label(volume)
    if out:
        write_labels(volume, labels, str(out))
    return Labelling(labels, report)


def segment_ct(ct, model="default", out=None, units="hu"):
    """Tissue classes of every voxel of a CT (a path or a Volume) by `model`; a `Segmentation`."""
    from jmedseg.data.io import Volume, load_volume, save_like
    from jmedseg.deploy.inference import segment_volume

    loaded = model if isinstance(model, LoadedModel) else load_model(model)
    volume = ct if isinstance(ct, Volume) else load_volume(str(ct), units=units)
    result = segment_volume(loaded.model, loaded.meta, volume)
    if out:
        save_like(volume, result.labels, str(out))
    return result


def measure_cohort(cohort, out, levels=None, model=None, units="hu", allow_truncated=False,
                   guard=True, workers=1):
    """Measure every subject of a cohort folder into `out` (resumable); the assembled table (rows, failed)."""
    from jmedseg.pipelines.cohort_run import assemble
    from jmedseg.pipelines.cohort_run import measure_cohort as run

    model_path = load_model(model).path if model else None
    settings = _settings(levels, units, allow_truncated, model_path, guard)
    run(str(cohort), str(out), settings, workers=workers, model_path=model_path, progress=False)
    return assemble(str(cohort), str(out), settings)


def fit_trend(densities_csv, sites=None, bootstrap=1000, seed=0):
    """Density against age (paper section 4, Equation 3) of a densities.csv: a `TrendResult`."""
    from jmedseg.density.trend import DEFAULT_SITES, analyse, read_densities

    sites = sites or DEFAULT_SITES
    df, skipped = read_densities(str(densities_csv), tuple(sites))
    return analyse(df, tuple(sites), bootstrap=bootstrap, seed=seed, skipped=skipped)
