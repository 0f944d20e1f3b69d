"""`jmedseg check-data DIR`: check a cohort folder before training or measuring on it."""
NAME = "check-data"
HELP = "check a cohort folder: shapes, affines, label values, spacing, HU range, NaNs, cancellous voxels"


def add_arguments(parser):
    parser.add_argument("root", metavar="DIR", help="cohort folder (cohort.csv + <subject>/*.nii.gz)")
    parser.add_argument("--levels", nargs="+", default=["L1", "L2"], help="vertebrae to check (default L1 L2)")
    parser.add_argument("--min-cancellous", type=int, default=200,
                        help="fewest cancellous voxels per vertebra (default 200)")
    parser.add_argument("--units", choices=("hu", "raw"), default="hu",
                        help="raw: volumes stored as HU + 1024 (the paper's convention)")
    parser.add_argument("--label-scheme", default="totalseg_v2", help="numbering of vertebrae.nii.gz: totalseg_v2 "
                        "(default, as `jmedseg import` writes), totalseg_v1, verse or L1=20,L2=21")


def run(args):
    from jmedseg.pipelines.data_check import check_cohort
    from jmedseg.utils.report import markdown_table

    rows, problems = check_cohort(args.root, tuple(args.levels), args.min_cancellous, args.units,
                                  args.label_scheme)
    if rows:
        columns = ["subject_id", "shape", "spacing_mm", "hu_min", "hu_max", "labels"] \
            + [f"cancellous_{l}" for l in args.levels] + ["status"]
        print(markdown_table(rows, columns, digits=0))
    if problems:
        print(f"\n{len(problems)} problem(s) in {args.root}:")
        for p in problems:
            print(f"- {p}")
        return 1
    print(f"\n{args.root}: {len(rows)} subjects, no problems")
    return 0
