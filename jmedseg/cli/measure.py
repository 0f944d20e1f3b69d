"""`jmedseg measure`: bone density (paper section 3) of one CT, or of every subject of a cohort folder.

One CT:   jmedseg measure --ct CT [--mask MASK] [--tissue TISSUE] [--labels L1=31,L2=30] [--out DIR]
          (no --mask: the vertebrae are labelled from the CT alone, jmedseg.spine)
Cohort:   jmedseg measure --cohort DIR --out DIR    (DIR/cohort.csv, DIR/<id>/ct.nii.gz, optionally
          vertebrae.nii.gz (else labelled from the CT) and labels.nii.gz, as written by `jmedseg phantom`)
          [--shard I/N] [--launcher local|slurm --jobs 50 [--partition P]] [--redo]
Either with --model model.jmed: the tissue map is segmented by the model instead of read;
--estimator NAME reports another registered estimator as density_hu, --labeller module:function
labels CTs without a mask, and --cohort DIR --format F reads a data set in place.
The arguments become the keywords of jmedseg.api.measure_ct / measure_cohort (one code path).

Writes densities.csv (subject_id,age,sex,site,density_hu,...,<level>_flag,...,note), each
person's integer-HU histogram (histograms/<id>.npz, for `jmedseg trend`'s group statistics) and
a figure per person (figures/<id>.png). A cohort run stores every subject as soon as it is
measured and, run again, measures only what is missing (jmedseg.pipelines.results).
"""
import os

from jmedseg.data.importers import FORMATS   # the reader registry names the formats

NAME = "measure"
HELP = "measure bone density (Johnson SU mode of L1+L2 cancellous bone) of a CT or a cohort folder"


def add_arguments(parser):
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--ct", help="CT volume (NIfTI, HU) or DICOM series folder")
    src.add_argument("--cohort", help="cohort folder (cohort.csv + one folder per subject)")
    parser.add_argument("--series-uid", help="with a DICOM folder of several series: the SeriesInstanceUID to use")
    parser.add_argument("--mask", help="vertebra label map of --ct (e.g. TotalSegmentator's)")
    parser.add_argument("--tissue", help="tissue label map of --ct (1 cortical, 2 cancellous); without it the "
                        "cancellous region is derived from the whole-vertebra mask")
    parser.add_argument("--labels", default="L1=31,L2=30", help="vertebra names and label ids (default L1=31,L2=30)")
    parser.add_argument("--units", choices=("hu", "raw"), default="hu",
                        help="CT values in HU, or 'raw' = stored HU + 1024 (converted)")
    parser.add_argument("--estimator", help="the density reported as density_hu: jsu_mode (default, the paper's "
                        "Johnson SU mode) or another estimator registered in jmedseg/density/estimators.py (mean, "
                        "median, ...; a name it does not know is refused with the list); every one is in the table")
    parser.add_argument("--labeller", help="without a vertebra mask: label the CT with this function "
                        "(module:function, returning labels and a report like jmedseg.spine.label_vertebrae) "
                        "instead of jmedseg's own CT-alone labeller")
    parser.add_argument("--format", default="cohort", choices=FORMATS, help="with --cohort: the layout of DIR, "
                        "read in place: cohort (default, cohort.csv + <id>/ct.nii.gz), or a data set as "
                        "`jmedseg import` reads it")
    parser.add_argument("--label-scheme", help="numbering of the vertebra map: totalseg_v2, totalseg_v1, verse or "
                        "L1=20,L2=21; the ids of --labels' levels come from it, and a map that does not fit is an error")
    parser.add_argument("--allow-truncated", action="store_true",
                        help="measure vertebrae that touch the edge of the scan (flagged 'incomplete' either way)")
    parser.add_argument("--paper-units", action="store_true", help="also write densities as HU + 1024")
    parser.add_argument("--out", help="output folder (required with --cohort)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes for --cohort (per job with --launcher; default: 2 or the number of cores)")
    parser.add_argument("--no-figures", action="store_true", help="skip the per-person figures")
    parser.add_argument("--report", action="store_true", help="also write a self-contained HTML page per person "
                        "(OUT/reports/<id>.html: QC picture, per-level table, z-score, method, settings) and, for a "
                        "cohort, OUT/index.html linking them (docs/report.md)")
    parser.add_argument("--model", help="model file (jmedseg export) or 'default' (the shipped model): segment "
                        "the CT(s) with it and measure on the predicted tissue map instead of --tissue / labels.nii.gz")
    parser.add_argument("--no-guard", action="store_true", help="with --model: report densities even when the "
                        "predicted region fails the plausibility checks (jmedseg/deploy/guard.py), e.g. with a mask "
                        "that is not a whole-vertebra map")
    parser.add_argument("--keep-surface-layer", action="store_true", help="with --model: measure the whole "
                        "predicted cancellous region; by default its outer voxel layer, which mixes marrow with "
                        "cortex or endplate (partial volume), is left out")
    parser.add_argument("--accept-uncertain-levels", action="store_true", help="without a vertebra mask: measure "
                        "levels whose name the CT alone could not confirm (flagged uncertain_level)")
    parser.add_argument("--check-levels", action="store_true", help="with --mask: also label the vertebrae "
                        "from the CT alone and compare; a measured level the two place differently is flagged "
                        "levels_disagree and not measured")
    parser.add_argument("--accept-level-disagreement", action="store_true", help="with --check-levels: measure "
                        "the levels the two labellings place differently anyway (the flag stays)")
    parser.add_argument("--contrast-correction", action="store_true", help="on a contrast-enhanced CT, subtract "
                        "the published mean contrast shift of trabecular HU before calibrating to mg/cm3 (portal "
                        "venous: 11 HU, Pickhardt et al. 2016; docs/calibration.md); off by default")
    parser.add_argument("--kvp", type=float, default=0.0, help="tube voltage (kV) of the CT(s), for the mg/cm3 "
                        "calibration when the input does not say it (NIfTI without a JSON sidecar giving KVP): it "
                        "halves the calibration's error (docs/calibration.md); a cohort.csv column kvp gives it per "
                        "subject; a value that disagrees with the CT's header or cohort.csv is an error")
    parser.add_argument("--redo", action="store_true", help="measure every subject again (default: a rerun "
                        "measures only subjects not stored yet in --out)")
    parser.add_argument("--retry-failed", action="store_true", help="measure again the subjects stored without "
                        "a density (e.g. after fixing their files)")
    parser.add_argument("--shard", help="I/N: measure every N-th subject starting at I (0-based) into --out; "
                        "assemble with `jmedseg merge` or a rerun without --shard")
    parser.add_argument("--launcher", choices=("none", "local", "slurm"), default="none",
                        help="run --jobs shards as a submitit job array: on Slurm, or as local processes")
    parser.add_argument("--jobs", type=int, default=2, help="shards (array tasks) with --launcher (default 2)")
    parser.add_argument("--partition", help="Slurm partition for --launcher slurm")
    parser.add_argument("--timeout-min", type=int, default=240, help="time limit per job in minutes (default 240)")
    parser.add_argument("--no-wait", action="store_true",
                        help="with --launcher: submit and return; assemble later with `jmedseg merge OUT`")


def _check_args(args):
    from jmedseg.errors import UsageError

    if args.cohort and not args.out:
        raise UsageError("--cohort needs --out DIR for densities.csv")
    if args.report and not args.out:
        raise UsageError("--report writes its pages into the output folder; give --out DIR")
    if args.accept_level_disagreement and not args.check_levels:
        raise UsageError("--accept-level-disagreement goes with --check-levels (and --mask); add --check-levels")
    if args.ct and (args.shard or args.launcher != "none"):
        raise UsageError("--shard and --launcher measure cohorts; give --cohort DIR")
    if args.ct and args.format != "cohort":
        raise UsageError("--format names the layout of a --cohort folder; with --ct give the CT itself")
    if args.ct and args.mask and args.labeller:
        raise UsageError("--labeller labels a CT without a mask; drop --mask or --labeller")
    if args.shard and args.launcher != "none":
        raise UsageError("--launcher makes its own shards (--jobs N); drop --shard")
    if args.launcher != "none" and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")


def _options(args):
    """The measurement's settings from the arguments (jmedseg.api's keywords)."""
    return dict(levels=args.labels, estimator=args.estimator or None, labeller=args.labeller, units=args.units,
                allow_truncated=args.allow_truncated, accept_uncertain_levels=args.accept_uncertain_levels,
                check_levels=args.check_levels, label_scheme=args.label_scheme, guard=not args.no_guard,
                trim_surface=not args.keep_surface_layer, accept_level_disagreement=args.accept_level_disagreement,
                contrast_correction=args.contrast_correction, kvp=args.kvp)


def run(args):
    _check_args(args)
    if args.cohort:
        return run_cohort(args)
    return run_one(args)


def run_one(args):
    """One CT (jmedseg.api.measure_ct): an error (exit 2) when no density can be given, else its row; notes printed."""
    from jmedseg.api import measure_ct
    from jmedseg.pipelines.pages import describe
    from jmedseg.utils.report import markdown_table

    try:
        measured = measure_ct(args.ct, args.mask, args.model, args.tissue, out_dir=args.out,
                              figures=not args.no_figures, report=args.report, redo=args.redo,
                              paper_units=args.paper_units, series_uid=args.series_uid, **_options(args))
    except ValueError as err:   # a refused CT's page says why; then the error (exit 2)
        if getattr(err, "pages", None):
            print(describe(err.pages, cohort=False))
        raise
    row = measured.row
    if measured.table_path:
        print(f"wrote {measured.table_path}")
    if measured.pages:
        print(describe(measured.pages, cohort=False))
    print(markdown_table([{c: row.get(c, "") for c in _shown(args)}], digits=2))
    if row.get("levels_check"):
        print(f"levels check (mask against the CT-alone labelling): {row['levels_check']}")
    if row.get("note"):
        print(f"note: {row['note']}")
    return 0


def _shown(args):
    """The columns printed: the person's densities and, per level of --labels, its own."""
    from jmedseg.density.measure import parse_levels

    return (["subject_id", "density_hu", "bmd_mgcm3", "levels_used"]
            + [f"{n.lower()}_{k}" for n in parse_levels(args.labels) for k in ("jsu_mode_hu", "bmd_mgcm3", "flag")]
            + ["calibration_flag", "contrast_phase", "acr_category", "l1_hu_category"])


def run_cohort(args):
    """A cohort or one shard of it (jmedseg.api.measure_cohort): exit 1, saying how many, when any has no density."""
    from jmedseg.api import measure_cohort
    from jmedseg.pipelines.pages import describe
    from jmedseg.utils.report import markdown_table

    try:
        done = measure_cohort(args.cohort, args.out, model=args.model, shard=args.shard, workers=args.workers,
                              launcher=args.launcher, jobs=args.jobs, partition=args.partition,
                              timeout_min=args.timeout_min, wait=not args.no_wait, figures=not args.no_figures,
                              report=args.report, redo=args.redo, retry_failed=args.retry_failed,
                              paper_units=args.paper_units, progress=True, source_format=args.format,
                              **_options(args))
    except RuntimeError as err:  # a job died: what it stored stays, a rerun measures the rest
        print(f"jmedseg measure: {err}; rerun the same command to measure what is missing")
        return 1
    if args.launcher != "none" and args.no_wait:
        print(f"submitted {args.jobs} {args.launcher} jobs writing into {args.out}; when they are done, "
              f"assemble densities.csv with `jmedseg merge {args.out}`")
        return 0
    if args.launcher != "none":
        print(f"{args.jobs} jobs: {done.measured} subjects measured, {done.skipped} already done")
    else:
        print(f"{done.measured} subjects measured, {done.skipped} already done"
              + (f" (shard {args.shard})" if args.shard else ""))
    if not done.assembled:
        print(f"shard {args.shard} done; when every shard is, assemble densities.csv with "
              f"`jmedseg merge {args.out}` (or rerun without --shard)")
        return 1 if done.without_density else 0
    if done.pages:
        print(describe(done.pages, cohort=True))
    print(f"wrote {done.path}: {len(done.rows) - len(done.failed)} measured, {len(done.failed)} failed"
          + (f", {len(done.missing)} not measured yet (rerun to finish)" if done.missing else ""))
    shown = _shown(args)
    print(markdown_table([{c: r.get(c, "") for c in shown} for r in done.rows], shown, digits=2))
    for r in done.rows:
        if r.get("note"):
            print(f"{r['subject_id']}: {r['note']}")
    if done.failed or done.missing:
        print(f"{len(done.failed)} of {len(done.rows) + len(done.missing)} subjects have no density")
        return 1
    return 0
