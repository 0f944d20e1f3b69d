"""`jmedseg measure`: bone density (paper section 3) of one CT, or of every subject of a cohort folder.

One CT:   jmedseg measure --ct CT [--mask MASK] [--tissue TISSUE] [--labels L1=31,L2=30] [--out DIR]
          (no --mask: the vertebrae are labelled from the CT alone, jmedseg.spine)
Cohort:   jmedseg measure --cohort DIR --out DIR    (DIR/cohort.csv, DIR/<id>/ct.nii.gz, optionally
          vertebrae.nii.gz (else labelled from the CT) and labels.nii.gz, as written by `jmedseg phantom`)
          [--shard I/N] [--launcher local|slurm --jobs 50 [--partition P]] [--redo]
Either with --model model.jmed: the tissue map is segmented by the model instead of read.

Writes densities.csv (subject_id,age,sex,site,density_hu,...,<level>_flag,...,note), each
person's integer-HU histogram (histograms/<id>.npz, for `jmedseg trend`'s group statistics) and
a figure per person (figures/<id>.png). A cohort run stores every subject as soon as it is
measured and, run again, measures only what is missing (jmedseg.pipelines.results).
"""
import math
import os

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
    from jmedseg.cli import UsageError

    if args.cohort and not args.out:
        raise UsageError("--cohort needs --out DIR for densities.csv")
    if args.report and not args.out:
        raise UsageError("--report writes its pages into the output folder; give --out DIR")
    if args.accept_level_disagreement and not args.check_levels:
        raise UsageError("--accept-level-disagreement goes with --check-levels (and --mask); add --check-levels")
    if args.ct and (args.shard or args.launcher != "none"):
        raise UsageError("--shard and --launcher measure cohorts; give --cohort DIR")
    if args.shard and args.launcher != "none":
        raise UsageError("--launcher makes its own shards (--jobs N); drop --shard")
    if args.launcher != "none" and args.jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {args.jobs}")


def run(args):
    from jmedseg.pipelines.cohort_run import settings_for
    from jmedseg.density.measure import parse_levels

    _check_args(args)
    if args.model:
        from jmedseg.weights import resolve_model

        args.model = resolve_model(args.model)  # 'default': the model shipped inside the package
    settings = settings_for(parse_levels(args.labels), args.units, args.allow_truncated, args.model,
                            args.accept_uncertain_levels, args.check_levels, args.label_scheme,
                            guard=not args.no_guard, trim_surface=not args.keep_surface_layer,
                            accept_level_disagreement=args.accept_level_disagreement,
                            contrast_correction=args.contrast_correction)
    if args.cohort:
        return run_cohort(args, settings)
    return run_one(args, settings)


def run_one(args, settings):
    """One CT: an error (exit 2) when no density can be given, else its row; notes are printed."""
    from jmedseg.data.ids import check_id
    from jmedseg.pipelines.cohort_run import load_model
    from jmedseg.pipelines.results import ResultsFolder, table_rows
    from jmedseg.pipelines.subject import measure_files
    from jmedseg.utils.report import markdown_table

    subject_id = os.path.basename(os.path.normpath(args.ct)).split(".")[0]
    if args.out:   # the id names the subject's files in --out
        check_id(subject_id, "subject id (the CT's file name)")
    model = load_model(args.model, settings) if args.model else None
    folder = ResultsFolder(args.out) if args.out else None
    if folder:
        folder.claim(args.ct, settings, redo=args.redo)  # the same CT with the same settings: measured again
    try:
        try:
            person = measure_files(subject_id, args.ct, args.mask, args.tissue, settings, model, out_dir=args.out,
                                   qc_figure=not args.no_figures, series_uid=args.series_uid,
                                   qc_always=args.report and not args.no_figures)
        except ValueError as err:  # MeasurementRefused included: the page says why, then the error as before
            if folder:
                folder.note_refusal(subject_id, err)
            if args.report:
                _write_pages(folder, [{"subject_id": subject_id, **getattr(err, "row", {}),
                                       "density_hu": math.nan, "note": str(err)}])
            raise
        row = {"subject_id": subject_id, **person.row}
        if folder:
            stored = folder.save(0, row, settings.fingerprint(), person, not args.no_figures,
                                 f"{subject_id}: {row['levels_used']} cancellous bone")
            print(f"wrote {folder.write_table([stored], args.paper_units)}")
            row = table_rows([stored], args.paper_units)[0]
            if args.report:
                _write_pages(folder, [row])
    finally:
        if folder:
            folder.release()
    print(markdown_table([{c: row.get(c, "") for c in _shown(settings)}], digits=2))
    if row.get("levels_check"):
        print(f"levels check (mask against the CT-alone labelling): {row['levels_check']}")
    if row.get("note"):
        print(f"note: {row['note']}")
    return 0


def _write_pages(folder, rows, table_path=None):
    """The report's pages of `rows` (jmedseg.report); a cohort (with `table_path`) also gets index.html."""
    from jmedseg.pipelines.pages import describe, write_pages

    print(describe(write_pages(folder.path, rows, table_path), cohort=table_path is not None))


def _shown(settings):
    return (["subject_id", "density_hu", "bmd_mgcm3", "levels_used"]
            + [f"{n.lower()}_{k}" for n in settings.levels for k in ("jsu_mode_hu", "bmd_mgcm3", "flag")]
            + ["contrast_phase", "acr_category", "l1_hu_category"])


def run_cohort(args, settings):
    """A cohort (or one shard of it): exit 1 when any subject has no density, with how many."""
    from jmedseg.pipelines.cohort_run import assemble, launch, measure_cohort, parse_shard
    from jmedseg.pipelines.results import ResultsFolder
    from jmedseg.utils.report import markdown_table

    common = dict(figures=not args.no_figures, redo=args.redo, retry_failed=args.retry_failed,
                  model_path=args.model, report=args.report)
    if args.launcher != "none":
        try:
            summaries = launch(args.cohort, args.out, settings, args.launcher, args.jobs, args.workers,
                               args.partition, args.timeout_min, wait=not args.no_wait, **common)
        except RuntimeError as err:  # a job died: what it stored stays, a rerun measures the rest
            print(f"jmedseg measure: {err}; rerun the same command to measure what is missing")
            return 1
        if args.no_wait:
            print(f"submitted {args.jobs} {args.launcher} jobs writing into {args.out}; when they are done, "
                  f"assemble densities.csv with `jmedseg merge {args.out}`")
            return 0
        print(f"{args.jobs} jobs: {sum(s['measured'] for s in summaries)} subjects measured, "
              f"{sum(s['skipped'] for s in summaries)} already done")
    else:
        shard = parse_shard(args.shard) if args.shard else None
        summary = measure_cohort(args.cohort, args.out, settings, shard, args.workers, **common)
        print(f"{summary.measured} subjects measured, {summary.skipped} already done"
              + (f" (shard {args.shard})" if shard else ""))
        if shard:
            print(f"shard {args.shard} done; when every shard is, assemble densities.csv with "
                  f"`jmedseg merge {args.out}` (or rerun without --shard)")
            return 1 if summary.failed else 0
    table = assemble(args.cohort, args.out, settings, args.paper_units)
    if args.report:
        _write_pages(ResultsFolder(args.out), table.rows, table.path)
    print(f"wrote {table.path}: {len(table.rows) - len(table.failed)} measured, {len(table.failed)} failed"
          + (f", {len(table.missing)} not measured yet (rerun to finish)" if table.missing else ""))
    shown = _shown(settings)
    print(markdown_table([{c: r.get(c, "") for c in shown} for r in table.rows], shown, digits=2))
    for r in table.rows:
        if r.get("note"):
            print(f"{r['subject_id']}: {r['note']}")
    if table.failed or table.missing:
        print(f"{len(table.failed)} of {len(table.rows) + len(table.missing)} subjects have no density")
        return 1
    return 0
