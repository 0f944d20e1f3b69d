"""`jmedseg merge DIR... [--out DIR]`: one densities.csv from the shards of a cohort measurement.

Each DIR is an output folder of `jmedseg measure --cohort ... [--shard I/N]`. Subjects
stored in two folders, or measured with different settings, are refused.
"""
NAME = "merge"
HELP = "assemble one densities.csv from `jmedseg measure` output folders (shards), refusing duplicates"


def add_arguments(parser):
    parser.add_argument("folders", nargs="+", metavar="DIR", help="output folders of `jmedseg measure`")
    parser.add_argument("--out", help="folder of the merged table (default: the one DIR given)")
    parser.add_argument("--paper-units", action="store_true", help="also write densities as HU + 1024")


def run(args):
    from jmedseg.pipelines.cohort_run import merge_folders

    path, results = merge_folders(args.folders, args.out, args.paper_units)
    failed = [r["subject_id"] for r in results if r["row"].get("density_hu") is None]
    print(f"wrote {path}: {len(results)} subjects from {len(args.folders)} folder(s), "
          f"{len(results) - len(failed)} measured, {len(failed)} without a density")
    return 1 if failed else 0
