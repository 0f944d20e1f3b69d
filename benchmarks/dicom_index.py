"""DICOM export -> cohort: header indexing rate, series-choice time, end-to-end studies per minute (issue 23).

    .venv/bin/python benchmarks/dicom_index.py [--studies 1000] [--measure-studies 4] [--workers 1 2]

1. Indexing: a synthetic export (jmedseg.data.dicom_export.synthetic: per study a scout, thin soft and bone
   kernel series, a thick series, a PET and a dose report, 65 files, 4 mm pixels) is indexed from scratch with
   1 and 2 worker processes. Target: 1,000 studies x 6 series in under 2 minutes on 2 cores.
2. Series choice: grouping the index into series, checking each series' geometry and choosing, per study.
3. End to end: an export whose studies hold the bundled real CT (tests/data/totalseg_example, 3 mm) is imported
   and measured (`measure --cohort`, CT-alone labelling) with 1 and 2 workers: studies per minute from the export
   to densities.csv.
4. A projection (marked as such) to the paper's 1,641 studies and to 20,000, from the measured rates. Real studies
   hold more files than the synthetic ones (a thin whole-body CT alone has ~1,000-2,000 slices), so indexing is
   projected per file as well; the end-to-end rate depends on the CT's size (the real CT here is 122 x 101 x 112).

Wall times on a shared machine are noisy; CPU seconds (this process and its workers) are printed beside them.
"""
import argparse
import os
import resource
import shutil
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from jmedseg.utils.report import markdown_table  # noqa: E402

TARGET_S, TARGET_STUDIES = 120.0, 1000
PAPER_STUDIES, LARGE_STUDIES = 1641, 20000


def _cpu():
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn, *args, **kw):
    wall, cpu = time.perf_counter(), _cpu()
    out = fn(*args, **kw)
    return out, time.perf_counter() - wall, _cpu() - cpu


def index_rows(export, studies, workers_list, work):
    from jmedseg.data.dicom_export.index import index_export

    rows, rates = [], {}
    for workers in workers_list:
        index_path = os.path.join(work, f"index-{workers}.jsonl")
        records, wall, cpu = timed(index_export, export, index_path, workers)
        rates[workers] = len(records) / wall
        rows.append({"step": f"index headers, {workers} worker(s)", "studies": studies, "files": len(records),
                     "wall_s": wall, "cpu_s": cpu, "files_per_s": len(records) / wall,
                     f"{TARGET_STUDIES}_studies_s": wall * TARGET_STUDIES / studies,
                     # CPU-bound work: on `workers` free cores the wall time would be the CPU time split among them
                     f"{TARGET_STUDIES}_studies_cpu_s": cpu * TARGET_STUDIES / studies})
    return rows, rates, records


def choice_row(records, studies):
    from jmedseg.data.dicom_export.choice import SeriesRule, choose_series, study_series

    def choose_all():
        by_study = {}
        for r in records.values():
            if r["status"] == "image":
                by_study.setdefault(r.get("StudyInstanceUID", ""), []).append(r)
        return [choose_series(study_series(rs), SeriesRule())[0] for rs in by_study.values()]

    chosen, wall, cpu = timed(choose_all)
    assert sum(c is not None for c in chosen) == studies
    return {"step": "series choice (geometry checks included)", "studies": studies, "files": len(records),
            "wall_s": wall, "cpu_s": cpu, "files_per_s": len(records) / wall,
            f"{TARGET_STUDIES}_studies_s": wall * TARGET_STUDIES / studies,
            f"{TARGET_STUDIES}_studies_cpu_s": cpu * TARGET_STUDIES / studies}


def end_to_end(n, workers_list, work):
    """[(workers, wall s, cpu s)] of import + measure of `n` real-CT studies."""
    from jmedseg.cli import main
    from jmedseg.data.dicom_export.synthetic import plan_studies, write_export
    from jmedseg.data.io import load_volume

    ct = load_volume(os.path.join(ROOT, "tests", "data", "totalseg_example", "example_ct.nii.gz"))
    thick = (ct.array[..., 0:-1:2] + ct.array[..., 1::2]) / 2
    specs = plan_studies(n, seed=1)
    for spec in specs:
        spec.special = ""
    export = os.path.join(work, "real_export")
    write_export(export, volumes=(ct.array, thick), pixel_mm=3.0, steps=(3.0, 6.0), specs=specs, junk=False)
    out = []
    for workers in workers_list:
        cohort, dens = os.path.join(work, f"cohort-{workers}"), os.path.join(work, f"out-{workers}")

        def run():
            assert main(["import", "--format", "dicom", export, "--out", cohort, "--quiet"]) == 0
            assert main(["measure", "--cohort", cohort, "--out", dens, "--workers", str(workers),
                         "--no-figures"]) == 0

        _, wall, cpu = timed(run)
        out.append((workers, wall, cpu))
    return out


def main_(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=TARGET_STUDIES, help="synthetic studies to index")
    parser.add_argument("--measure-studies", type=int, default=4, help="real-CT studies measured end to end")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--work", help="folder for the exports (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    work = args.work or tempfile.mkdtemp(prefix="dicom-bench-")
    try:
        from jmedseg.data.dicom_export.synthetic import write_export

        export = os.path.join(work, "export")
        _, wall, cpu = timed(write_export, export, args.studies, junk=False)
        print(f"wrote a synthetic export of {args.studies} studies in {wall:.0f} s (not a target)\n")
        rows, rates, records = index_rows(export, args.studies, args.workers, work)
        rows.append(choice_row(records, args.studies))
        print(markdown_table(rows, digits=3))
        best = max(rates)
        verdict = "met" if rows[args.workers.index(best)][f"{TARGET_STUDIES}_studies_s"] < TARGET_S else "NOT met"
        print(f"\ntarget: {TARGET_STUDIES} studies x 6 series indexed in under {TARGET_S:.0f} s with 2 workers: "
              f"{verdict}\n")
        e2e = end_to_end(args.measure_studies, args.workers, work) if args.measure_studies else []
        e2e_rows = [{"workers": w, "studies": args.measure_studies, "wall_s": wall, "cpu_s": cpu,
                     "studies_per_min": args.measure_studies / wall * 60} for w, wall, cpu in e2e]
        if e2e_rows:
            print("end to end (import + measure --cohort, real 3 mm CT, CT-alone labelling):")
            print(markdown_table(e2e_rows, digits=3))
        files_per_study = len(records) / args.studies
        proj = []
        for studies in (PAPER_STUDIES, LARGE_STUDIES):
            row = {"studies": studies,
                   "index_h (synthetic, %.0f files/study)" % files_per_study:
                       studies * files_per_study / rates[best] / 3600,
                   "index_h (2,000 files/study)": studies * 2000 / rates[best] / 3600}
            for r in e2e_rows:
                row[f"export->densities_h ({r['workers']} worker(s))"] = studies / r["studies_per_min"] / 60
            proj.append(row)
        print("\nPROJECTION (not measured: the rates above times the study counts):")
        print(markdown_table(proj, digits=3))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main_()
