"""The Python API: `from jmedseg import measure_ct, label_vertebrae, segment_ct, load_model, measure_cohort, fit_trend`.

Each call takes paths (or a loaded `jmedseg.data.io.Volume` where it says so) and
returns a typed result; each is what the matching `jmedseg` command does, without
the printing: the `jmedseg` command turns its arguments into these calls. A
measurement is composed of a vertebra source (a given mask, the labelling of the CT
alone, or `labeller=`, any function returning the same labelling type), a tissue
source (a tissue map, a model with its plausibility guard, or the region derived
from the vertebra mask) and a named estimator (`estimator=`, registered in
jmedseg.density.estimators; the paper's Johnson SU mode by default, section 3).

Options of a measurement (keywords of `measure_ct` and `measure_cohort`, the fields
of jmedseg.pipelines.subject.MeasureSettings): units ("hu" or "raw"), allow_truncated,
guard, trim_surface, accept_uncertain_levels, check_levels, accept_level_disagreement,
label_scheme, contrast_correction, kvp (the tube voltage for the mg/cm3 calibration when the CT's header
or JSON sidecar does not give it; docs/calibration.md).
"""
import os
from dataclasses import dataclass, field

from jmedseg.density.estimators import DEFAULT_ESTIMATOR


@dataclass(frozen=True)
class Measurement:
    """One CT's densities: the row `jmedseg measure` writes to densities.csv, its columns as attributes.

    e.g. `m.density_hu`, `m.l1_jsu_mode_hu`, `m.l1_flag`, `m.levels_used`; `m.row` is the whole row.
    """

    row: dict
    table_path: str = ""     # densities.csv, when written (`out_dir`)
    pages: tuple = ()        # the report's pages written (`report=True`)

    def __getattr__(self, name):
        row = self.__dict__.get("row", {})
        if name in row:
            return row[name]
        raise AttributeError(f"a measurement has no column {name!r}; its columns: {', '.join(row)}")


@dataclass(frozen=True)
class Labelling:
    """Vertebra labels of a CT (TotalSegmentator v2 ids, on the CT's grid) and the labeller's report."""

    labels: object   # numpy int array [x, y, z]
    report: dict


@dataclass(frozen=True)
class CohortResult:
    """A cohort run: densities.csv (`path`, `rows`, `failed`, `missing`) once assembled, and what this run did."""

    measured: int                 # subjects measured by this run
    skipped: int                  # already stored before it
    without_density: int = 0      # of those measured by this run, how many got no density
    assembled: bool = False       # False for one shard, or jobs submitted without waiting
    path: str = ""
    rows: list = field(default_factory=list)
    missing: list = field(default_factory=list)   # subjects not measured yet
    failed: list = field(default_factory=list)    # subjects without a density
    pages: list = field(default_factory=list)


@dataclass(frozen=True)
class LoadedModel:
    """A `.jmed` model ready for inference and its metadata (input specification, classes, recipe)."""

    model: object
    meta: dict
    path: str


def _settings(levels, model_path, estimator, labeller, options):
    """MeasureSettings from the API's arguments; an unknown option is a TypeError naming the known ones."""
    from jmedseg.density.measure import DEFAULT_LEVELS, parse_levels
    from jmedseg.pipelines.cohort_run import settings_for
    from jmedseg.pipelines.subject import MeasureSettings
    from jmedseg.pipelines.vertebra_source import labeller_name

    known = set(MeasureSettings.__dataclass_fields__) - {"levels", "model_sha256", "estimator", "labeller", "version",
                                                         "labeller_version", "estimator_version",
                                                         "calibration_version"}
    unknown = set(options) - known
    if unknown:
        raise TypeError(f"unknown measurement option(s) {sorted(unknown)}; the options are {sorted(known)}")
    levels = parse_levels(levels) if isinstance(levels, str) else dict(levels or DEFAULT_LEVELS)
    return settings_for(levels, model_path=model_path, estimator=estimator or DEFAULT_ESTIMATOR,
                        labeller=labeller_name(labeller), **options)


def _model(model):
    return model if isinstance(model, LoadedModel) or model is None else load_model(model)


def _model_path(model):
    from jmedseg.weights import resolve_model

    return model.path if isinstance(model, LoadedModel) else resolve_model(str(model)) if model else None


def load_model(model="default"):
    """A `.jmed` file (or `default`, the model shipped in the package) loaded for inference."""
    from jmedseg.deploy.export import load_model_file
    from jmedseg.weights import resolve_model

    path = resolve_model(str(model))
    net, meta = load_model_file(path)
    return LoadedModel(net, meta, path)


def measure_ct(ct, mask=None, model=None, tissue=None, levels=None, estimator=DEFAULT_ESTIMATOR, labeller=None,
               out_dir=None, figures=True, report=False, redo=False, paper_units=False, series_uid=None, **options):
    """The densities of one CT (a NIfTI file or DICOM folder), e.g. `measure_ct(ct, mask=vertebrae).l1_jsu_mode_hu`.

    Vertebrae from `mask` (a label map), else from `labeller` (a function volume -> (labels,
    report) of a module, or 'module:function'), else labelled from the CT alone (jmedseg.spine).
    Cancellous bone from `tissue` (a tissue map), else predicted by `model` (a path, `default` or a
    `LoadedModel`, checked by the plausibility guard unless `guard=False`), else derived from the
    vertebra mask. `levels`: "NAME=ID,..." or {name: id} (default L1 and L2, TotalSegmentator ids).
    `estimator`: the registered estimator reported as `density_hu` (default the paper's `jsu_mode`).
    With `out_dir` the result is stored there as `jmedseg measure --ct CT --out DIR` stores it
    (densities.csv, histogram, `figures`, and with `report` the HTML page). Raises a JmedsegError
    subclass when no density can be given. `options`: see the module's docstring.
    """
    from jmedseg.pipelines.single import measure_one

    loaded = _model(model)
    settings = _settings(levels, loaded.path if loaded else None, estimator, labeller, options)
    run = measure_one(ct, settings, mask, tissue, (loaded.model, loaded.meta) if loaded else None, out_dir,
                      figures, report, redo, paper_units, series_uid)
    return Measurement(run.row, run.table_path, tuple(run.pages))


def label_vertebrae(ct, units="hu", out=None, series_uid=None, qc=None):
    """Vertebra labels of a CT (a path or a Volume) from the CT alone (jmedseg/spine).

    `out`: also write the label map there; `qc`: also a QC picture (sagittal and coronal reformats).
    """
    from jmedseg.data.io import Volume, load_volume
    from jmedseg.spine import label_vertebrae as label
    from jmedseg.spine.pipeline import write_labels

    volume = ct if isinstance(ct, Volume) else load_volume(str(ct), units=units, series_uid=series_uid)
    labels, report = label(volume)
    if out:
        write_labels(volume, labels, str(out))
    if qc:
        from jmedseg.spine.qc import qc_figure

        title = "CT" if isinstance(ct, Volume) else os.path.basename(str(ct))
        qc_figure(volume.array, labels, volume.spacing, str(qc), title, report=report)
    return Labelling(labels, report)


def segment_ct(ct, model="default", out=None, units="hu", series_uid=None, batch_size=8, progress=False):
    """Tissue classes of every voxel of a CT (a path or a Volume) by `model`; a `Segmentation`."""
    from jmedseg.data.io import Volume, load_volume, save_like
    from jmedseg.deploy.inference import segment_volume

    loaded = _model(model)
    volume = ct if isinstance(ct, Volume) else load_volume(str(ct), units=units, series_uid=series_uid)
    result = segment_volume(loaded.model, loaded.meta, volume, batch_size=batch_size, progress=progress)
    if out:
        save_like(volume, result.labels, str(out))
    return result


@dataclass(frozen=True)
class TissueMap:
    """The tissue map a measurement with a model uses (1 cortical, 2 cancellous) and its segmentation."""

    tissue: object        # numpy uint8 [x, y, z] on the CT's grid
    segmentation: object  # jmedseg.deploy.inference.Segmentation: classes, confidence per level, warnings


def predict_tissue(ct, model="default", vertebrae=None, levels=None, trim_surface=True, units="hu"):
    """The tissue map `measure_ct(..., model=...)` measures on: a `TissueMap`.

    With a vertebra map (an array on the CT's grid) and `levels` ({name: id}), a model trained on
    vertebra crops sees crops around those vertebrae (jmedseg.deploy.crops), else whole slices;
    `trim_surface` counts the cancellous region's outer voxel layer as cortical (partial volume).
    Raises EmptyPredictionError when no voxel is predicted cancellous.
    """
    from jmedseg.data.io import Volume, load_volume
    from jmedseg.deploy.inference import predicted_tissue

    loaded = _model(model)
    volume = ct if isinstance(ct, Volume) else load_volume(str(ct), units=units)
    tissue, seg = predicted_tissue(loaded.model, loaded.meta, volume, vertebrae=vertebrae, level_ids=levels,
                                   trim_surface=trim_surface)
    return TissueMap(tissue, seg)


def measure_cohort(cohort, out, levels=None, model=None, estimator=DEFAULT_ESTIMATOR, labeller=None, shard=None,
                   workers=1, launcher="none", jobs=2, partition=None, timeout_min=240, wait=True, figures=True,
                   report=False, redo=False, retry_failed=False, paper_units=False, progress=False,
                   source_format="cohort", **options):
    """Measure every subject of a cohort folder into `out` (resumable); a `CohortResult`.

    `shard` ("I/N" or (I, N)) measures every N-th subject from I and does not assemble the table
    (`jmedseg merge` does); `launcher` ("local" or "slurm") runs `jobs` shards through submitit.
    Without either, and after the jobs finish, densities.csv is assembled: `result.rows`, `.failed`.
    Vertebrae from <id>/vertebrae.nii.gz, else labelled (jmedseg.spine, or `labeller`).
    `source_format`: `cohort` is a cohort folder (jmedseg.data.cohort); another format of the reader
    registry (jmedseg.data.importers: verse, totalsegmentator, folder) reads that data set in place.
    """
    from jmedseg.pipelines.cohort_run import launch, parse_shard
    from jmedseg.pipelines.cohort_run import measure_cohort as run

    model_path = _model_path(model)   # each process loads it (jmedseg.pipelines.cohort_run), refusing a changed file
    settings = _settings(levels, model_path, estimator, labeller, options)
    common = dict(figures=figures, redo=redo, retry_failed=retry_failed, model_path=model_path, report=report,
                  source_format=source_format)
    if launcher not in ("none", None):
        summaries = launch(str(cohort), str(out), settings, launcher, jobs, workers, partition, timeout_min,
                           wait=wait, progress=progress, **common)
        done = CohortResult(*(sum(s[k] for s in summaries) for k in ("measured", "skipped", "failed")))
        return _assembled(done, cohort, out, settings, paper_units, report, source_format) if wait else done
    shard = parse_shard(shard) if isinstance(shard, str) else shard
    summary = run(str(cohort), str(out), settings, shard, workers, progress=progress, **common)
    done = CohortResult(summary.measured, summary.skipped, summary.failed)
    return done if shard else _assembled(done, cohort, out, settings, paper_units, report, source_format)


def _assembled(done, cohort, out, settings, paper_units, report, source_format):
    from jmedseg.pipelines.cohort_run import assemble

    table = assemble(str(cohort), str(out), settings, paper_units, source_format)
    pages = []
    if report:
        from jmedseg.pipelines.pages import write_pages

        pages = write_pages(str(out), table.rows, table.path)
    return CohortResult(done.measured, done.skipped, done.without_density, True, table.path, table.rows,
                        table.missing, table.failed, pages)


def fit_trend(densities_csv, out=None, sites=None, min_age=None, max_age=None, by=None, scale="hu", resample_n=10,
              resample_repeats=10, resample_by="group", bootstrap=1000, seed=0):
    """Density against age (paper section 4, Equation 3) of a densities.csv: a `TrendRun`.

    Its fields: `fits` (per sex x site, or x acquisition group with `by`: scanner, kvp, phase),
    `ratios`, `warnings`, `skipped`, ... of the TrendResult, and the people fitted. With `out`
    the outputs of `jmedseg trend` are written there. `scale`: "hu" or "mgcm3".
    """
    from jmedseg.density.trend import DEFAULT_SITES
    from jmedseg.pipelines.trend_run import run_trend

    return run_trend(densities_csv, out, tuple(sites or DEFAULT_SITES), min_age, max_age, by, scale, resample_n,
                     resample_repeats, resample_by, bootstrap, seed)
