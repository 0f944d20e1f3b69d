"""`jmedseg phantom --subjects 40 --out DIR --seed 0`: write a synthetic lumbar CT cohort folder.

The folder (layout in jmedseg/data/cohort.py) is written by
jmedseg.data.synthetic.write_phantom_cohort: atomically, and the same seed gives byte-identical files.
"""
import os

from jmedseg.data.synthetic import write_phantom_cohort

NAME = "phantom"
HELP = "write a synthetic lumbar CT cohort (NIfTI volumes, tissue and vertebra labels, cohort.csv)"


def add_arguments(parser):
    parser.add_argument("--subjects", type=int, default=40, help="number of subjects (default 40)")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--noise-sd", type=float, default=None,
                        help="scanner noise SD in HU for every site (default: each site's own, 12 or 18)")
    parser.add_argument("--force", action="store_true", help="replace DIR if it exists")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args):
    from jmedseg.errors import UsageError

    if args.subjects < 1:
        raise UsageError(f"--subjects must be at least 1, got {args.subjects}")
    if os.path.exists(args.out) and not args.force:
        raise UsageError(f"{args.out} already exists; pass --force to replace it or choose another --out")
    rows = write_phantom_cohort(args.out, args.subjects, seed=args.seed, noise_sd=args.noise_sd,
                        progress=not args.quiet)
    print(f"wrote {len(rows)} subjects to {os.path.abspath(args.out)} (cohort.csv, <subject>/ct.nii.gz, "
          "labels.nii.gz, vertebrae.nii.gz)")
    return 0
