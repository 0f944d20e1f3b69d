"""`jmedseg agreement --measured A.csv --reference B.csv`: agreement of two density measurements per subject.

E.g. densities from `jmedseg measure --model` (predicted masks) against `jmedseg measure`
on reference masks: Bland-Altman bias and limits, ICC(A,1), Lin's CCC, Pearson r, and the
age slopes from both (jmedseg/evaluation/agreement.py).
"""
import math
import os

NAME = "agreement"
HELP = "compare two densities.csv files subject by subject (Bland-Altman, ICC, CCC, age slopes)"


def add_arguments(parser):
    parser.add_argument("--measured", required=True, help="densities.csv of the method under test")
    parser.add_argument("--reference", required=True, help="densities.csv of the reference method")
    parser.add_argument("--column", default="density_hu", help="value column to compare (default density_hu)")
    parser.add_argument("--out", help="folder for agreement.json, agreement.md and the two figures")


def run(args):
    from jmedseg.evaluation import agreement
    from jmedseg.utils.report import markdown_table, write_json, write_text

    pairs = agreement.read_pairs(args.measured, args.reference, args.column)
    x, y, ages = pairs.measured, pairs.reference, pairs.ages
    stats = agreement.agreement(x, y, ages if any(math.isfinite(a) for a in ages) else None)
    stats["only_in_one_file"] = pairs.only_in_one
    table = markdown_table([{"statistic": k, "value": v} for k, v in stats.items()], digits=4)
    print(table)
    if args.out:
        write_json(os.path.join(args.out, "agreement.json"), stats)
        write_text(os.path.join(args.out, "agreement.md"), table + "\n")
        agreement.plot_bland_altman(x, y, os.path.join(args.out, "bland_altman.png"),
                                    title=f"{args.column}: n = {stats['n']}, bias {stats['bias']:.2f}")
        if "age_slope_measured" in stats:
            agreement.plot_density_vs_age(ages, x, y, os.path.join(args.out, "density_vs_age.png"))
        print(f"wrote {args.out}/agreement.json, agreement.md, bland_altman.png")
    return 0
