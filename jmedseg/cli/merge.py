"""`jmedseg merge DIR... [--out DIR] [--partial] [--report]`: one densities.csv from the shards of a cohort measurement.

Each DIR is an output folder of `jmedseg measure --cohort ... [--shard I/N]`. Subjects
stored in two folders, or measured with different settings, are refused; so is a merge
that misses subjects of the cohort (a shard not run yet), unless --partial.
"""
import os

NAME = "merge"
HELP = "assemble one densities.csv from `jmedseg measure` output folders (shards), refusing duplicates"


def add_arguments(parser):
    parser.add_argument("folders", nargs="+", metavar="DIR", help="output folders of `jmedseg measure`")
    parser.add_argument("--out", help="folder of the merged table (default: the one DIR given)")
    parser.add_argument("--paper-units", action="store_true", help="also write densities as HU + 1024")
    parser.add_argument("--report", action="store_true", help="also write each subject's HTML page and "
                        "index.html into the merged folder (docs/report.md)")
    parser.add_argument("--partial", action="store_true", help="write the table even when subjects of the cohort "
                        "are in none of the folders (they are counted, not listed in the table)")


def run(args):
    from jmedseg.pipelines.cohort_run import merge_folders

    path, results, missing = merge_folders(args.folders, args.out, args.paper_units, args.partial)
    failed = [r["subject_id"] for r in results if r["row"].get("density_hu") is None]
    print(f"wrote {path}: {len(results)} subjects from {len(args.folders)} folder(s), "
          f"{len(results) - len(failed)} measured, {len(failed)} without a density")
    if args.report:
        from jmedseg.pipelines.pages import describe, write_pages
        from jmedseg.pipelines.results import table_rows

        print(describe(write_pages(os.path.dirname(path), table_rows(results, args.paper_units), path), cohort=True))
    if missing:
        print(f"partial table: {len(missing)} subject(s) of the cohort are in none of the folders "
              f"(e.g. {', '.join(missing[:5])})")
    return 1 if failed else 0
