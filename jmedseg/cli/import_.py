"""`jmedseg import --format F SRC --out COHORT`: turn a data set as people have it into a cohort folder.

Formats: verse (VerSe / TPTBox names), totalsegmentator (one mask file per
structure), folder (CT + label-map pairs matched by --pattern / --mask-pattern).
`check-data` runs on the result.
"""
NAME = "import"
HELP = "import a VerSe, TotalSegmentator or plain folder data set as a cohort folder (then check it)"


def add_arguments(parser):
    parser.add_argument("src", metavar="SRC", help="the data set's folder")
    parser.add_argument("--format", required=True, choices=("verse", "totalsegmentator", "folder"),
                        help="layout of SRC")
    parser.add_argument("--out", required=True, help="cohort folder to create (must not exist)")
    parser.add_argument("--pattern", help="folder: CT path template with {id} (default {id}_ct.nii.gz)")
    parser.add_argument("--mask-pattern", help="folder: label-map template with {id} (default {id}_seg.nii.gz)")
    parser.add_argument("--label-scheme", help="folder: numbering of the label maps: totalseg_v2, totalseg_v1, "
                        "verse, or ids like L1=20,L2=21 (default: detected)")
    parser.add_argument("--table", help="csv/tsv with subject id, age, sex/gender, site/institute "
                        "(totalsegmentator: SRC/meta.csv when present)")
    parser.add_argument("--units", choices=("hu", "raw"), default="hu",
                        help="raw: CTs stored as HU + 1024 (converted to HU)")
    parser.add_argument("--levels", nargs="+", default=["L1", "L2"], help="vertebrae check-data counts (default L1 L2)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args):
    import os
    from types import SimpleNamespace

    from jmedseg.cli import check_data
    from jmedseg.data.importers import read_source
    from jmedseg.data.importers.common import write_cohort_folder

    subjects = read_source(args.format, args.src, units=args.units, table=args.table, pattern=args.pattern,
                           mask_pattern=args.mask_pattern, label_scheme=args.label_scheme)
    rows = write_cohort_folder(subjects, args.out, progress=not args.quiet)
    print(f"wrote {len(rows)} subject(s) to {os.path.abspath(args.out)}; checking it:\n")
    return check_data.run(SimpleNamespace(root=args.out, levels=args.levels, min_cancellous=200, units="hu",
                                          label_scheme="totalseg_v2"))
