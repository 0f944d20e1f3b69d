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
                        "writes by_<by>.md/.csv side by side")
    parser.add_argument("--bootstrap", type=int, default=1000, help="bootstrap resamples for the CI of k")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", choices=("hu", "mgcm3"), default="hu", help="density to analyse: density_hu "
                        "(default, the paper's) or the internally calibrated bmd_mgcm3 (comparable across scanners; "
                        "no group statistics, whose pooled histograms are in HU)")


def histogram_lookup(df, csv_path):
    """subject_id -> HUHistogram when the csv has a histogram for everyone, else None.

    The file is the subject's histograms/<id>.npz beside the csv (as `measure` and `merge` lay
    them out), rebuilt from the id: a path written in the csv is never opened.
    """
    from jmedseg.density.measure import HUHistogram
    from jmedseg.pipelines.results import subject_files

    if "histogram" not in df.columns or not df["histogram"].astype(str).str.strip().ne("").all():
        return None
    base = os.path.dirname(os.path.abspath(csv_path))
    paths = {s: os.path.join(base, subject_files(s)["histogram"]) for s in df["subject_id"]}
    absent = [p for p in paths.values() if not os.path.isfile(p)]
    if absent:
        raise FileNotFoundError(f"{len(absent)} histogram file(s) named in {csv_path} are missing, e.g. "
                                f"{absent[0]}; re-run `jmedseg measure` or drop the histogram column")
    return lambda subject_id: HUHistogram.load(paths[subject_id])


def run(args):
    from jmedseg.density.trend import PAPER_AGES, analyse, read_densities, within_ages
    from jmedseg.density.trend_report import write_trend_outputs
    from jmedseg.utils.report import markdown_table

    sites = tuple(s.strip() for s in args.sites.split(",") if s.strip())
    from jmedseg.density.trend import SCALES

    min_age = PAPER_AGES[0] if args.min_age is None else args.min_age
    max_age = PAPER_AGES[1] if args.max_age is None else args.max_age
    df, skipped = read_densities(args.input, sites, args.scale)
    units = SCALES[args.scale][1]
    df, outside = within_ages(df, min_age, max_age)
    skipped += outside
    if args.by:
        from jmedseg.density.trend_groups import group_by_acquisition

        df, sites, left_out = group_by_acquisition(df, args.by, args.input)
        skipped += left_out
    histograms = histogram_lookup(df, args.input) if args.scale == "hu" else None
    result = analyse(df, sites, histograms, args.resample_n, args.resample_repeats,
                     args.bootstrap, args.seed, args.resample_by, skipped)
    paths = write_trend_outputs(result, df, sites, args.out, units)
    if args.by:
        from jmedseg.density.trend_groups import write_side_by_side

        rows, more = write_side_by_side(result, df, args.by, args.out)
        paths.update({os.path.basename(p): p for p in more})
        print(f"lines per sex x {args.by}:")
        print(markdown_table(rows, digits=3))
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
    if outside:
        print(f"{len(outside)} subject(s) outside the ages {min_age:g}-{max_age:g} left out "
              "(set the range with --min-age / --max-age)")
    if skipped:
        print(f"{len(skipped)} subject(s) skipped; trend.md lists them with the reason")
    print(f"wrote {', '.join(sorted(os.path.basename(p) for p in paths.values()))} to {args.out}")
    return 0
