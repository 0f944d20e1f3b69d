"""`jmedseg measure`: bone density (paper section 3) of one CT, or of every subject of a cohort folder.

One CT:   jmedseg measure --ct CT --mask MASK [--tissue TISSUE] [--labels L1=31,L2=30] [--out DIR]
Cohort:   jmedseg measure --cohort DIR --out DIR    (DIR/cohort.csv, DIR/<id>/ct.nii.gz, labels.nii.gz,
          vertebrae.nii.gz as written by `jmedseg phantom`)
Either with --model model.jmed: the tissue map is segmented by the model instead of read.

Both write densities.csv (subject_id,age,sex,site,density_hu,...), each person's
integer-HU histogram (histograms/<id>.npz, for `jmedseg trend`'s group statistics)
and a figure per person (figures/<id>.png).
"""
import csv
import math
import os
from concurrent.futures import ProcessPoolExecutor, as_completed

NAME = "measure"
HELP = "measure bone density (Johnson SU mode of L1+L2 cancellous bone) of a CT or a cohort folder"
FIRST_COLUMNS = ["subject_id", "age", "sex", "site", "density_hu", "density_mean_of_levels_hu", "true_density_hu"]


def add_arguments(parser):
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument("--ct", help="CT volume (NIfTI, HU)")
    src.add_argument("--cohort", help="cohort folder (cohort.csv + one folder per subject)")
    parser.add_argument("--mask", help="vertebra label map of --ct (e.g. TotalSegmentator's)")
    parser.add_argument("--tissue", help="tissue label map of --ct (1 cortical, 2 cancellous); without it the "
                        "cancellous region is derived from the whole-vertebra mask")
    parser.add_argument("--labels", default="L1=31,L2=30", help="vertebra names and label ids (default L1=31,L2=30)")
    parser.add_argument("--units", choices=("hu", "raw"), default="hu",
                        help="CT values in HU, or 'raw' = stored HU + 1024 (converted)")
    parser.add_argument("--paper-units", action="store_true", help="also write densities as HU + 1024")
    parser.add_argument("--out", help="output folder (required with --cohort)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes for --cohort (default: 2 or the number of cores)")
    parser.add_argument("--no-figures", action="store_true", help="skip the per-person figures")
    parser.add_argument("--model", help="model file (jmedseg export) or 'default' (the shipped model): segment "
                        "the CT(s) with it and measure on the predicted tissue map instead of --tissue / labels.nii.gz")
    parser.add_argument("--no-guard", action="store_true", help="with --model: report densities even when the "
                        "predicted region fails the plausibility checks (jmedseg/deploy/guard.py), e.g. with a mask "
                        "that is not a whole-vertebra map")


def measure_files(subject_id, ct_path, mask_path, tissue_path, levels, units, out_dir, figures, model=None,
                  guard=True):
    """Measure one CT from files; save its histogram (and figure) under out_dir; return its csv row.

    `model` ((model, meta) of jmedseg.export.load_model_file): the tissue map is predicted instead of read.
    """
    from jmedseg.data.io import load_labels, load_volume
    from jmedseg.density.measure import measure_person, plot_person

    ct = load_volume(ct_path, units=units)
    vertebrae = load_labels(mask_path).array
    if model is not None:
        from jmedseg.deploy.guard import check_prediction
        from jmedseg.deploy.overlays import write_level_overlays
        from jmedseg.inference import predicted_tissue

        tissue, seg = predicted_tissue(*model, ct, what=subject_id, vertebrae=vertebrae, level_ids=levels)
        if out_dir:
            write_level_overlays(out_dir, subject_id, ct.array, tissue, vertebrae, ct.spacing, levels)
        if guard:
            check_prediction(tissue, vertebrae, ct.array, ct.spacing, levels, seg.confidence, what=subject_id)
    else:
        tissue = load_labels(tissue_path).array if tissue_path else None
    for name, arr in (("mask", vertebrae), ("tissue map", tissue)):
        if arr is not None and arr.shape != ct.shape:
            raise ValueError(f"{subject_id}: the {name} has shape {arr.shape} but the CT has {ct.shape}; "
                             "use the label map made for this CT")
    person = measure_person(ct.array, vertebrae, tissue, ct.spacing, levels)
    row = {"subject_id": subject_id, **person.row}
    if out_dir:
        row["histogram"] = os.path.join("histograms", f"{subject_id}.npz")
        person.histogram.save(os.path.join(out_dir, row["histogram"]))
        if figures:
            row["figure"] = os.path.join("figures", f"{subject_id}.png")
            plot_person(person.histogram, person.fit, os.path.join(out_dir, row["figure"]),
                        f"{subject_id}: L1+L2 cancellous bone")
    return row


def _cohort_subjects(folder):
    path = os.path.join(folder, "cohort.csv")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no cohort.csv in {folder}; make a cohort with `jmedseg phantom --out {folder}` "
                                "or lay one out the same way (cohort.csv + <subject_id>/ct.nii.gz)")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or "subject_id" not in rows[0]:
        raise ValueError(f"{path} has no subject_id column (or no rows)")
    return rows


def _measure_subject(meta, folder, levels, units, out_dir, figures, model=None, guard=True):
    """One cohort subject; failures become a row with an empty density and the reason (no invented value)."""
    sid = meta["subject_id"]
    sub = os.path.join(folder, sid)
    try:
        row = measure_files(sid, os.path.join(sub, "ct.nii.gz"), os.path.join(sub, "vertebrae.nii.gz"),
                            os.path.join(sub, "labels.nii.gz"), levels, units, out_dir, figures, model, guard)
        row["note"] = ""
    except (ValueError, FileNotFoundError) as err:
        row = {"subject_id": sid, "density_hu": math.nan, "note": str(err)}
    return {**meta, **row}


def _columns(rows):
    seen = []
    for r in rows:
        seen += [k for k in r if k not in seen]
    first = [c for c in FIRST_COLUMNS if c in seen]
    last = [c for c in ("histogram", "figure", "note") if c in seen]
    return first + [c for c in seen if c not in first and c not in last] + last


def _load_model(path):
    from jmedseg.export import load_model_file
    from jmedseg.weights import resolve_model

    return load_model_file(resolve_model(path))


def run_cohort(args, levels):
    from tqdm import tqdm

    subjects = _cohort_subjects(args.cohort)
    work = dict(folder=args.cohort, levels=levels, units=args.units, out_dir=args.out, figures=not args.no_figures,
                guard=not getattr(args, "no_guard", False))
    rows = []
    if args.model:  # one model in this process; Jittor uses the cores itself
        model = _load_model(args.model)
        return [_measure_subject(meta, **work, model=model) for meta in tqdm(subjects, desc="segment+measure")]
    with ProcessPoolExecutor(max_workers=max(1, args.workers)) as pool:
        jobs = [pool.submit(_measure_subject, meta, **work) for meta in subjects]
        for job in tqdm(as_completed(jobs), total=len(jobs), desc="measure", unit="subject"):
            rows.append(job.result())
    order = {m["subject_id"]: i for i, m in enumerate(subjects)}
    rows.sort(key=lambda r: order[r["subject_id"]])
    return rows


def run(args):
    from jmedseg.density.measure import parse_levels, with_paper_units
    from jmedseg.report import markdown_table, write_csv

    levels = parse_levels(args.labels)
    if args.cohort:
        if not args.out:
            raise ValueError("--cohort needs --out DIR for densities.csv")
        rows = run_cohort(args, levels)
    else:
        if not args.mask:
            raise ValueError("--ct needs --mask (the vertebra label map of the CT)")
        subject_id = os.path.basename(args.ct).split(".")[0]
        model = _load_model(args.model) if args.model else None
        from jmedseg.deploy.guard import ImplausiblePredictionError

        try:
            rows = [measure_files(subject_id, args.ct, args.mask, args.tissue, levels, args.units, args.out,
                                  not args.no_figures, model, not args.no_guard)]
        except ImplausiblePredictionError as err:  # flagged: a row with the reason, no density
            rows = [{"subject_id": subject_id, "density_hu": math.nan, "note": str(err)}]
    if args.paper_units:
        rows = [with_paper_units(r) for r in rows]
    failed = [r for r in rows if r.get("note")]
    if args.out:
        path = os.path.join(args.out, "densities.csv")
        write_csv(path, rows, _columns(rows))
        print(f"wrote {path} ({len(rows) - len(failed)} measured, {len(failed)} failed)")
    shown = ["subject_id", "density_hu", "density_mean_of_levels_hu"] + [f"{n.lower()}_jsu_mode_hu" for n in levels]
    print(markdown_table([{c: r.get(c, "") for c in shown} for r in rows], digits=2))
    for r in failed:
        print(f"{r['subject_id']}: {r['note']}")
    return 1 if len(failed) == len(rows) else 0
