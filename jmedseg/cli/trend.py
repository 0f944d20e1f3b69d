"""`jmedseg trend --input densities.csv --out DIR`: bone density against age (paper section 4)."""
import os

NAME = "trend"
SKIPPED_SHOWN = 20      # skipped subjects printed; trend.md and fits.json list them all
HELP = "fit density against age per sex and site (paper section 4): fits.json, trend.md, z-scores, plots"


def add_arguments(parser):
    parser.add_argument("--input", required=True, help="densities.csv with subject_id,age,sex,site,density_hu "
                        "(from `jmedseg measure --cohort`); a histogram column enables group statistics")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--sites", default="N,S", help="the site names in the input, comma-separated (default N,S)")
    parser.add_argument("--min-age", type=float, help="leave out people younger than this (default: the youngest "
                        "age of the paper's law, 39); counted and listed as skipped")
    parser.add_argument("--max-age", type=float, help="leave out people older than this (default: the oldest age "
                        "of the paper's law, 80)")
    parser.add_argument("--resample-n", type=int, default=10,
                        help="people drawn per sample in the resampling check; 0 skips it (default 10)")
    parser.add_argument("--resample-repeats", type=int, default=10, help="repeats of the resampling check")
    parser.add_argument("--resample-by", choices=("group", "age-group"), default="group",
                        help="group: each sample draws --resample-n people from a sex x site group (paper "
                        "Supplementary Figure 8, default); age-group: --resample-n from every 3-year age group")
    parser.add_argument("--by", choices=("scanner", "kvp", "phase"), help="fit the lines per sex x acquisition "
                        "group instead of sex x site: scanner (manufacturer + model), kvp, or contrast phase; "
                        "writes by_<by>.md/.csv side by side (with kvp, a column 'kvp from' counts where each "
                        "group's tube voltages came from: DICOM header, JSON sidecar, --kvp, cohort.csv)")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the CI of k")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", choices=("hu", "mgcm3"), default="hu", help="density to analyse: density_hu "
                        "(default, the paper's) or the internally calibrated bmd_mgcm3 (comparable across scanners; "
                        "no group statistics, whose pooled histograms are in HU)")


def run(args):
    from jmedseg.api import fit_trend
    from jmedseg.utils.report import markdown_table

    sites = tuple(s.strip() for s in args.sites.split(",") if s.strip())
    run = fit_trend(args.input, args.out, sites, args.min_age, args.max_age, args.by, args.scale, args.resample_n,
                    args.resample_repeats, args.resample_by, args.bootstrap, args.seed)
    result, units, skipped = run.result, run.units, run.skipped
    if args.by:
        print(f"lines per sex x {args.by}:")
        print(markdown_table(run.by_rows, digits=3))
    for row in skipped[:SKIPPED_SHOWN]:
        print(f"skipped {row['subject_id']}: {row['reason']}")
    if len(skipped) > SKIPPED_SHOWN:
        print(f"... and {len(skipped) - SKIPPED_SHOWN} more skipped (trend.md lists every one)")
    rows = [{"group": key, f"k ({units}/yr)": f.k, f"Z ({units})": f.Z, "R^2": f.r2, "SD": f.sd, "n": f.n}
            for key, f in result.fits.items()]
    print(markdown_table(rows, digits=3))
    for name, value in result.ratios.items():
        print(f"{name}: {value:.3f}")
    for key, flags in result.warnings.items():
        for w in flags:
            subjects = f" ({', '.join(w['subjects'])})" if w["subjects"] else ""
            print(f"warning: {key} {w['flag']}: {w['detail']}{subjects}")
    if run.outside:
        print(f"{len(run.outside)} subject(s) outside the ages {run.ages[0]:g}-{run.ages[1]:g} left out "
              "(set the range with --min-age / --max-age)")
    if skipped:
        print(f"{len(skipped)} subject(s) skipped; trend.md lists them with the reason")
    print(f"wrote {', '.join(sorted(os.path.basename(p) for p in run.paths.values()))} to {args.out}")
    return 0
