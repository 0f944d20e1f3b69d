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
    parser.add_argument("--min-age", type=float, default=None, help="leave out people younger than this")
    parser.add_argument("--max-age", type=float, default=None, help="leave out people older than this")
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


def histogram_lookup(df, csv_path):
    """subject_id -> HUHistogram, from the csv's histogram column (paths relative to the csv), or None."""
    from jmedseg.density.measure import HUHistogram

    if "histogram" not in df.columns or not df["histogram"].astype(str).str.strip().ne("").all():
        return None
    base = os.path.dirname(os.path.abspath(csv_path))
    paths = {s: os.path.join(base, p) for s, p in zip(df["subject_id"], df["histogram"])}
    absent = [p for p in paths.values() if not os.path.isfile(p)]
    if absent:
        raise FileNotFoundError(f"{len(absent)} histogram file(s) named in {csv_path} are missing, e.g. "
                                f"{absent[0]}; re-run `jmedseg measure` or drop the histogram column")
    return lambda subject_id: HUHistogram.load(paths[subject_id])


def run(args):
    from jmedseg.density.trend import analyse, read_densities, within_ages
    from jmedseg.density.trend_report import write_trend_outputs
    from jmedseg.utils.report import markdown_table

    sites = tuple(s.strip() for s in args.sites.split(",") if s.strip())
    df, skipped = read_densities(args.input, sites)
    df, outside = within_ages(df, args.min_age, args.max_age)
    skipped += outside
    if args.by:
        from jmedseg.density.trend_groups import group_by_acquisition

        df, sites, left_out = group_by_acquisition(df, args.by, args.input)
        skipped += left_out
    result = analyse(df, sites, histogram_lookup(df, args.input), args.resample_n, args.resample_repeats,
                     args.bootstrap, args.seed, args.resample_by, skipped)
    paths = write_trend_outputs(result, df, sites, args.out)
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
    rows = [{"group": key, "k (HU/yr)": f.k, "Z (HU)": f.Z, "R^2": f.r2, "SD": f.sd, "n": f.n}
            for key, f in result.fits.items()]
    print(markdown_table(rows, digits=3))
    for name, value in result.ratios.items():
        print(f"{name}: {value:.3f}")
    for key, flags in result.warnings.items():
        for w in flags:
            subjects = f" ({', '.join(w['subjects'])})" if w["subjects"] else ""
            print(f"warning: {key} {w['flag']}: {w['detail']}{subjects}")
    if skipped:
        print(f"{len(skipped)} subject(s) skipped; trend.md lists them with the reason")
    print(f"wrote {', '.join(sorted(os.path.basename(p) for p in paths.values()))} to {args.out}")
    return 0
