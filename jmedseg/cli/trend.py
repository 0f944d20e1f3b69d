"""`jmedseg trend --input densities.csv --out DIR`: bone density against age (paper section 4)."""
import os

NAME = "trend"
HELP = "fit density against age per sex and site (paper section 4): fits.json, trend.md, z-scores, plots"


def add_arguments(parser):
    parser.add_argument("--input", required=True, help="densities.csv with subject_id,age,sex,site,density_hu "
                        "(from `jmedseg measure --cohort`); a histogram column enables group statistics")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--sites", default="N,S", help="the site names in the input, comma-separated (default N,S)")
    parser.add_argument("--min-age", type=float, default=None, help="leave out people younger than this")
    parser.add_argument("--max-age", type=float, default=None, help="leave out people older than this")
    parser.add_argument("--resample-n", type=int, default=10,
                        help="people drawn per age group in the resampling check; 0 skips it (default 10)")
    parser.add_argument("--resample-repeats", type=int, default=10, help="repeats of the resampling check")
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
    from jmedseg.density.trend import analyse, read_densities
    from jmedseg.density.trend_report import write_trend_outputs
    from jmedseg.utils.report import markdown_table

    sites = tuple(s.strip() for s in args.sites.split(",") if s.strip())
    df = read_densities(args.input, sites)
    if args.min_age is not None:
        df = df[df["age"] >= args.min_age]
    if args.max_age is not None:
        df = df[df["age"] <= args.max_age]
    result = analyse(df, sites, histogram_lookup(df, args.input), args.resample_n, args.resample_repeats,
                     args.bootstrap, args.seed)
    paths = write_trend_outputs(result, df, sites, args.out)
    rows = [{"group": key, "k (HU/yr)": f.k, "Z (HU)": f.Z, "R^2": f.r2, "SD": f.sd, "n": f.n}
            for key, f in result.fits.items()]
    print(markdown_table(rows, digits=3))
    for name, value in result.ratios.items():
        print(f"{name}: {value:.3f}")
    print(f"wrote {', '.join(sorted(os.path.basename(p) for p in paths.values()))} to {args.out}")
    return 0
