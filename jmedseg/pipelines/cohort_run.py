"""Measuring a cohort folder: resumable, in shards, on local processes or a Slurm cluster (paper section 3).

Each subject is measured on its own and stored at once (jmedseg.pipelines.results),
so a run killed at any moment loses at most the subjects in flight, and the same
command run again measures only what is missing. `--shard I/N` measures every
N-th subject starting at I; the shards of one cohort share one output folder (or
are merged from several with `merge_folders`). The cluster path is submitit's, the
library behind the project's Hydra Slurm launcher: one job-array task per shard,
on Slurm (`launcher="slurm"`) or on this machine (`launcher="local"`, the same
code path, used by the tests).

Cohort folder: jmedseg.data.cohort (cohort.csv + <id>/ct.nii.gz, vertebrae.nii.gz and
optionally labels.nii.gz).
"""
import functools
import glob
import logging
import math
import os
import shutil
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from jmedseg.data.cohort import COLUMNS as COHORT_COLUMNS, check_subject_ids, ct_path, read_cohort_rows
from jmedseg.errors import InputError
from jmedseg.data.result_files import subject_files
from jmedseg.pipelines.results import OutputFolderError, ResultsFolder, describe_difference
from jmedseg.density.safety import MeasurementRefused
from jmedseg.pipelines.subject import MeasureSettings, file_sha256, measure_files
from jmedseg.errors import JmedsegError, OutputError
from jmedseg.utils.files import atomic_write_bytes, writing

logger = logging.getLogger(__name__)
LAUNCHERS = ("none", "local", "slurm")


def read_subjects(folder, source_format="cohort", units="hu", label_scheme=""):
    """Rows of `folder`/cohort.csv as written (strings), each with a subject_id (jmedseg.data.cohort).

    Another `source_format` (a data set read in place, jmedseg.data.importers): its subjects'
    rows, the unknown values empty.
    """
    if source_format != "cohort":
        subjects = _source_subjects(source_format, folder, units, label_scheme)
        rows = [{k: "" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for k, v in s.row.items()}
                for s in subjects.values()]
        check_subject_ids(f"{folder} ({source_format})", rows)
        return rows
    return read_cohort_rows(folder)


@functools.lru_cache(maxsize=4)
def _source_subjects(source_format, folder, units, label_scheme):
    """{id: SourceSubject} of a data set read in place; read once per process (cohort workers each read it once)."""
    from jmedseg.data.importers import read_source

    subjects = read_source(source_format, folder, units=units, label_scheme=label_scheme or None)
    if not subjects:
        raise InputError(f"no subject found in {folder} as format {source_format}; check --format and the folder")
    return {s.subject_id: s for s in subjects}


def parse_shard(text):
    """'I/N' -> (I, N) with 0 <= I < N."""
    first, sep, count = str(text).partition("/")
    if not sep or not first.strip().isdigit() or not count.strip().isdigit() or not 0 <= int(first) < int(count):
        raise InputError(f"bad --shard {text!r}; write I/N with 0 <= I < N, e.g. 0/4 for the first of 4 shards")
    return int(first), int(count)


def shard_of(subjects, shard=None):
    """[(cohort index, subject row)] of shard (I, N): every N-th subject starting at I; all for None."""
    first, count = shard or (0, 1)
    return [(i, s) for i, s in enumerate(subjects) if i % count == first]


def settings_for(levels, units="hu", allow_truncated=False, model_path=None, accept_uncertain_levels=False,
                 check_levels=False, label_scheme=None, **options):
    """MeasureSettings of a run; `options`: its other fields (guard, trim_surface, estimator, labeller, ...)."""
    return MeasureSettings(levels=dict(levels), units=units, allow_truncated=allow_truncated,
                           model_sha256=file_sha256(model_path) if model_path else "",
                           accept_uncertain_levels=accept_uncertain_levels, check_levels=check_levels,
                           label_scheme=label_scheme or "", **options)


def load_model(path, settings):
    """The (model, meta) of a .jmed file, refusing one that changed since the run's settings were taken."""
    from jmedseg.deploy.export import load_model_file

    if settings.model_sha256 and file_sha256(path) != settings.model_sha256:
        raise OutputFolderError(f"{path} changed since this run started (other content); rerun the command")
    return load_model_file(path)


def measure_subject(index, meta, cohort, out, settings, figures=True, model=None, report=False, source_format="cohort"):
    """Measure one cohort subject and store it; a failure is stored too, as an empty density and the reason.

    Its cohort.csv values (age, sex, ...) are stored too, with their column names, so that
    `assemble` can replace them by the values cohort.csv holds when the table is made.
    `report`: draw the QC picture of the person's page (jmedseg.report) also with a given mask or a refusal.
    """
    sid = meta["subject_id"]
    sub = os.path.join(cohort, sid)
    tissue = os.path.join(sub, "labels.nii.gz")
    person = None
    try:
        if source_format == "cohort":
            vertebrae = os.path.join(sub, "vertebrae.nii.gz")   # without it: labelled from the CT alone
            inputs = (ct_path(cohort, sid), vertebrae if os.path.isfile(vertebrae) else None,
                      tissue if model is None and os.path.isfile(tissue) else None)
        else:   # read in place: the CT and its vertebrae (TotalSegmentator v2 ids) as arrays
            loaded = _source_subjects(source_format, cohort, settings.units, settings.label_scheme)[sid].load()
            inputs = (loaded.ct, loaded.vertebrae, loaded.labels if model is None else None)
        person = measure_files(sid, *inputs, settings, model, out_dir=out, qc_figure=figures,
                               qc_always=figures and report, kvp=meta.get("kvp"))
        measured = person.row
    except MeasurementRefused as err:
        measured = {**err.row, "density_hu": math.nan, "note": str(err)}
    except OutputError:
        raise   # the output folder cannot be written: the run stops, this subject is not at fault
    except (ValueError, FileNotFoundError) as err:
        measured = {"density_hu": math.nan, "note": str(err)}
    except Exception as err:  # one odd subject must not stop (and, rerun, stop again) a cohort of thousands
        logger.exception("%s: unexpected error", sid)
        measured = {"density_hu": math.nan, "note": f"unexpected error ({type(err).__name__}: {err}); "
                                                    "please report it with this subject's files"}
    row = {**meta, **measured}
    folder = ResultsFolder(out)
    return folder.save(index, row, settings.fingerprint(), person, figures,
                       f"{sid}: {row.get('levels_used') or 'no'} cancellous bone",
                       metadata=[k for k in meta if k != "subject_id" and k not in measured])


def with_current_metadata(result, meta):
    """`result` (a stored subject) with the cohort.csv values of `meta` (its row in cohort.csv now).

    A subject is stored once, when measured; an age or sex corrected in cohort.csv since
    must still reach the table (and `trend`'s fit), so the stored values of the cohort.csv
    columns give way to today's. Results stored before the column names were kept: the
    cohort.csv columns jmedseg writes (age, sex, site, true_density_hu).
    """
    stored_meta = result.get("metadata", [c for c in COHORT_COLUMNS if c != "subject_id"])
    measured = {k: v for k, v in result["row"].items() if k not in stored_meta}
    current = {k: v for k, v in meta.items() if k != "subject_id" and k not in measured}
    return {**result, "row": {"subject_id": result["subject_id"], **current, **measured}}


@dataclass
class ShardSummary:
    subjects: int      # in this shard
    skipped: int       # already done before this run
    measured: int      # measured by this run
    failed: int        # of those measured, without a density

    def as_dict(self):
        return dict(self.__dict__)


def measure_cohort(cohort, out, settings, shard=None, workers=1, redo=False, retry_failed=False, figures=True,
                   model_path=None, progress=True, report=False, source_format="cohort"):
    """Measure the subjects of `shard` that are not done yet; returns a ShardSummary.

    `redo` measures every subject again; `retry_failed` measures again those stored
    without a density (their input may have been fixed). With `model_path` the tissue
    maps are segmented in this process (Jittor uses the cores itself); else `workers`
    processes measure in parallel.
    """
    from tqdm import tqdm

    subjects = read_subjects(cohort, source_format, settings.units, settings.label_scheme)
    folder = ResultsFolder(out)
    folder.claim(cohort, settings, redo=redo, shard=shard)
    try:
        mine = shard_of(subjects, shard)
        todo = [(i, s) for i, s in mine if redo or not _finished(folder, s["subject_id"], settings, retry_failed)]
        label = "measure" if shard is None else f"measure shard {shard[0]}/{shard[1]}"
        bar = tqdm(total=len(mine), initial=len(mine) - len(todo), desc=label, unit="subject", disable=not progress,
                   smoothing=0.1)
        work = dict(cohort=cohort, out=out, settings=settings, figures=figures, report=report,
                    source_format=source_format)
        failed = 0
        for result in _run(todo, work, workers, model_path):
            failed += result["row"].get("density_hu") is None
            bar.update(1)
        bar.close()
        return ShardSummary(len(mine), len(mine) - len(todo), len(todo), failed)
    finally:
        folder.release()


def _finished(folder, subject_id, settings, retry_failed):
    result = folder.done(subject_id, settings.fingerprint())
    return result is not None and not (retry_failed and result["row"].get("density_hu") is None)


def _run(todo, work, workers, model_path):
    """Stored results of `todo`, as each finishes."""
    if model_path:
        model = load_model(model_path, work["settings"])
        for index, meta in todo:
            yield measure_subject(index, meta, **work, model=model)
    elif workers <= 1 or len(todo) <= 1:
        for index, meta in todo:
            yield measure_subject(index, meta, **work)
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            jobs = [pool.submit(measure_subject, index, meta, **work) for index, meta in todo]
            for job in as_completed(jobs):
                yield job.result()


def shard_job(shard, cohort, out, settings, workers, figures, redo, retry_failed, model_path, report=False,
              source_format="cohort"):
    """One job-array task: measure shard (I, N) into `out` (runs on a cluster node or a local process).

    Jittor compiles new operator shapes with a forked process pool and ends it with
    SIGTERM at exit; the forks inherit submitit's SIGTERM handler, which ignores the
    signal, so the task would never exit. Compiling in the task's own process avoids it.
    """
    if model_path:
        os.environ.setdefault("DISABLE_MULTIPROCESSING", "1")   # read by Jittor at import (in load_model)
    return measure_cohort(cohort, out, MeasureSettings(**settings), shard, workers, redo, retry_failed, figures,
                          model_path, progress=False, report=report, source_format=source_format).as_dict()


def launch(cohort, out, settings, launcher="local", jobs=2, workers=1, partition=None, timeout_min=240,
           figures=True, redo=False, retry_failed=False, model_path=None, wait=True, progress=True, report=False,
           source_format="cohort"):
    """Measure `cohort` as `jobs` shards through submitit (a Slurm job array, or local processes).

    Returns the per-shard summaries (empty when `wait` is False: the jobs are submitted
    and run on; assemble afterwards with `assemble` / `jmedseg merge OUT`).
    """
    import submitit
    from tqdm import tqdm

    subjects = read_subjects(cohort, source_format, settings.units, settings.label_scheme)
    folder = ResultsFolder(out)
    folder.claim(cohort, settings, redo=redo)  # refuse a wrong folder before anything is queued
    folder.release()
    logs = os.path.join(folder.path, ".submitit")
    if launcher == "local":
        executor = submitit.LocalExecutor(folder=logs)
        executor.update_parameters(timeout_min=timeout_min)
    elif launcher == "slurm":
        if not shutil.which("sbatch"):
            raise InputError("--launcher slurm needs a Slurm cluster (no sbatch on this machine's PATH): run the "
                             "command on the cluster's login node, or use --launcher local here")
        executor = submitit.AutoExecutor(folder=logs, cluster="slurm")
        executor.update_parameters(timeout_min=timeout_min, cpus_per_task=max(1, workers), name="jmedseg-measure",
                                   slurm_array_parallelism=jobs, **({"slurm_partition": partition} if partition else {}))
    else:
        raise InputError(f"unknown launcher {launcher!r}; choose one of {LAUNCHERS[1:]}")
    task = functools.partial(shard_job, cohort=os.path.abspath(cohort), out=folder.path,
                             settings=settings.as_dict(), workers=workers, figures=figures, redo=redo,
                             retry_failed=retry_failed, model_path=os.path.abspath(model_path) if model_path else None,
                             report=report, source_format=source_format)
    submitted = executor.map_array(task, [(i, jobs) for i in range(jobs)])
    logger.info("submitted %d %s jobs (%s); logs in %s", jobs, launcher, submitted[0].job_id.split("_")[0], logs)
    if not wait:
        return []
    bar = tqdm(total=len(subjects), desc=f"measure ({jobs} {launcher} jobs)", unit="subject", disable=not progress)
    while not all(job.done() for job in submitted):
        bar.update(_count_done(folder) - bar.n)
        time.sleep(1.0)
    bar.update(_count_done(folder) - bar.n)
    bar.close()
    summaries, errors = [], []
    for job in submitted:
        try:
            summaries.append(job.result())
        except Exception as err:  # submitit re-raises the task's failure with its traceback
            errors.append(f"job {job.job_id}: {str(err).strip().splitlines()[-1]}")
    if errors:
        raise RuntimeError(f"{len(errors)} of {jobs} jobs failed (logs in {logs}): " + "; ".join(errors))
    return summaries


def _count_done(folder):
    return len(glob.glob(os.path.join(folder.path, "subjects", "*.json")))


@dataclass
class Assembly:
    path: str          # densities.csv
    rows: list         # table rows (HU, NaN for no density)
    missing: list      # subjects of the cohort not measured yet
    failed: list       # subjects stored without a density


def assemble(cohort, out, settings, paper_units=False, source_format="cohort"):
    """densities.csv of `out` for the subjects of `cohort` (in `source_format`), from their stored results."""
    from jmedseg.pipelines.results import table_rows

    folder = ResultsFolder(out)
    stored = {r["subject_id"]: r for r in folder.results()}
    fingerprint = settings.fingerprint()
    results, missing = [], []
    for meta in read_subjects(cohort, source_format, settings.units, settings.label_scheme):
        result = stored.get(meta["subject_id"])
        if result is None or result["fingerprint"] != fingerprint:
            missing.append(meta["subject_id"])
        else:
            results.append(with_current_metadata(result, meta))
    path = folder.write_table(results, paper_units)
    rows = table_rows(results, paper_units)
    failed = [r["subject_id"] for r in rows if _no_density(r)]
    return Assembly(path, rows, missing, failed)


def _no_density(row):
    value = row.get("density_hu")
    return value is None or (isinstance(value, float) and math.isnan(value))


class IncompleteMerge(JmedsegError):
    """Subjects of the cohort are in none of the folders merged (a shard that has not run, or not finished)."""


def merge_folders(folders, out=None, paper_units=False, partial=False):
    """(densities.csv path, results, ids missing) from the results in `folders` (shards of one cohort).

    Refuses a subject stored in two folders and results measured with different
    settings. `out` defaults to the single folder given; results of other folders are
    copied into it (row, histogram, figure) so the table's relative paths hold. The
    cohort (run.json's source) must be complete: subjects in no folder raise
    IncompleteMerge, unless `partial` (then they are returned as missing). Metadata
    come from the cohort.csv of today (`with_current_metadata`).
    """
    if not folders:
        raise InputError("give at least one folder written by `jmedseg measure`")
    if out is None:
        if len(folders) > 1:
            raise InputError("merging several folders needs --out DIR for the merged table")
        out = folders[0]
    sources, results, owner = [], [], {}
    for path in folders:
        folder = ResultsFolder(path)
        info = folder.run_info()
        if info is None:
            raise OutputFolderError(f"{path} has no run.json: not a folder written by `jmedseg measure`")
        sources.append((folder, info))
        for result in folder.results():
            sid = result["subject_id"]
            if sid in owner:
                raise OutputFolderError(f"subject {sid} is in both {owner[sid].path} and {path}; "
                                        "each subject must be measured once (remove one of them)")
            if result["fingerprint"] != info["fingerprint"]:
                raise OutputFolderError(f"{path}: subject {sid} was measured with other settings than the folder's "
                                        "run.json; measure it again (jmedseg measure ... --redo)")
            owner[sid] = folder
            results.append(result)
    first_folder, first = sources[0]
    for folder, info in sources[1:]:
        if info["fingerprint"] != first["fingerprint"]:
            raise OutputFolderError(f"{folder.path} and {first_folder.path} were measured with different settings "
                                    f"({describe_difference(first['settings'], info['settings'])}); "
                                    "merge only results of one setting")
    results, missing = _against_cohort(first["source"], results, partial)
    target = ResultsFolder(out)
    if os.path.exists(target.path) and not os.path.isdir(target.path):
        raise OutputFolderError(f"--out {target.path} is a file, not a folder; give a folder for the merged table")
    with writing(target.path):
        os.makedirs(target.path, exist_ok=True)
    mine = target.run_info()
    if mine is None:
        with open(os.path.join(first_folder.path, "run.json"), "rb") as f:
            atomic_write_bytes(os.path.join(target.path, "run.json"), f.read())
    elif mine["fingerprint"] != first["fingerprint"]:
        raise OutputFolderError(f"{target.path} holds results of other settings "
                                f"({describe_difference(mine['settings'], first['settings'])}); merge into a new folder")
    for result in results:
        source = owner[result["subject_id"]]
        if source.path != target.path:
            _copy_result(source, target, result)
    results.sort(key=lambda r: (r["index"], r["subject_id"]))
    return target.write_table(results, paper_units), results, missing


def _against_cohort(source, results, partial):
    """(results with today's cohort.csv metadata, ids of the cohort in none of them); IncompleteMerge if any.

    `source` is what the run measured (run.json): a cohort folder, or one CT (nothing to check).
    """
    if not os.path.isdir(source):
        return results, []
    if not os.path.isfile(os.path.join(source, "cohort.csv")):
        if partial:
            return results, []
        raise IncompleteMerge(f"the cohort these results were measured from ({source}) has no cohort.csv any more, "
                              "so whether every subject is here cannot be checked; pass --partial to merge anyway")
    subjects = {meta["subject_id"]: meta for meta in read_subjects(source)}
    merged = {r["subject_id"] for r in results}
    missing = [sid for sid in subjects if sid not in merged]
    if missing and not partial:
        raise IncompleteMerge(f"{len(missing)} of the {len(subjects)} subjects of {source} are in none of these "
                              f"folders (e.g. {', '.join(missing[:5])}): a shard has not run or not finished; run "
                              "it (the same measure command with its --shard), or pass --partial to merge what is here")
    return [with_current_metadata(r, subjects[r["subject_id"]]) if r["subject_id"] in subjects else r
            for r in results], missing


def _copy_result(source, target, result):
    """Histogram and figures first, the row last (as when measured): a killed merge leaves no half subject.

    The paths are rebuilt from the subject id (results.subject_files), never read from the result.
    """
    sid = result["subject_id"]
    paths = [rel for key, rel in subject_files(sid).items() if result["row"].get(key)]
    paths = [(os.path.join(source.path, p), os.path.join(target.path, p)) for p in paths]
    paths.append((source.subject_file(sid), target.subject_file(sid)))
    for src, dst in paths:
        if not os.path.isfile(src):
            raise OutputFolderError(f"{src} is missing although {source.subject_file(sid)} names it; measure "
                                    f"{sid} again in {source.path} (delete its subjects/{sid}.json and rerun)")
        with open(src, "rb") as f:
            atomic_write_bytes(dst, f.read())
