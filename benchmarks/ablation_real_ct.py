"""The SAS ablation scored on the bundled real CTs: phantom -> patient is the scanner shift SAS is about.

The paper's SAS claim (supplement B.3.2) is robustness across scanners. Every
arm of an ablation sweep trained on built-in data (scripts/ablation.sh with
`data=synthetic_ct`) is exported and scored, in crop mode, on the real CTs of
benchmarks/real_ct.py; one row per arm: the synthetic test Dice (clean and
distorted) next to the real-CT body Dice, the density difference to the
reference region (median over the levels the plausibility guard lets through),
how many levels it flags, and how many
complete levels meet the targets (body Dice >= 0.85, |difference| <= 10 HU).

    SWEEP_DIR=multirun/ablation_real bash scripts/ablation.sh data=synthetic_ct ... \\
        '++pretrain.data=[tests/data/totalseg_example,tests/data/tptbox_sample]'
    .venv/bin/python benchmarks/ablation_real_ct.py multirun/ablation_real [--out rows.json]
"""
import argparse
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import real_ct  # noqa: E402  (benchmarks/real_ct.py: the cases and their scoring)
from jmedseg.training.ablation import override_value  # noqa: E402
from jmedseg.training.sweep import collect_sweep  # noqa: E402
from jmedseg.utils.report import markdown_table  # noqa: E402


def arm_models(sweep_dir):
    """`{arm (job): LoadedModel}` of every finished job, its best checkpoint exported beside it."""
    from jmedseg.api import load_model
    from jmedseg.deploy.export import export_model

    out, jobs = {}, {}
    for job in collect_sweep(sweep_dir):
        job_dir = os.path.join(sweep_dir, job["job"])
        ckpt = os.path.join(job_dir, "checkpoints", "best.ckpt")
        if not os.path.isfile(ckpt):
            print(f"skipped job {job['job']}: no checkpoints/best.ckpt")
            continue
        label = f"{override_value(job['overrides'], 'experiment', '(none)')} (job {job['job']})"
        path = os.path.join(job_dir, "model.jmed")
        export_model(ckpt, path)
        out[label], jobs[label] = load_model(path), job
    return out, jobs


def _mean(values):
    values = [v for v in values if np.isfinite(v)]
    return float(np.mean(values)) if values else float("nan")


def summarise(rows, jobs):
    """One row per arm from the per-level rows of real_ct.score_case."""
    table = []
    for label, job in jobs.items():
        mine = [r for r in rows if r["model"] == label]
        done = [r for r in mine if r["complete"] == "yes"]
        table.append({
            "arm": label, "synthetic_test_dice": job.get("test_fg_dice"),
            "synthetic_distorted_dice": job.get("test_fg_dice_distorted"),
            "real_body_dice": _mean([r["body_dice"] for r in mine]),
            "real_body_dice_complete": _mean([r["body_dice"] for r in done]),
            # median over the levels the guard let through: one wild flagged level would swamp a mean
            "real_median_abs_diff_reported_hu": float(np.nanmedian([abs(r["diff_hu"]) for r in mine
                                                                     if r["guard"] == "ok"] or [np.nan])),
            "flagged": f"{sum(r['guard'] != 'ok' for r in mine)} of {len(mine)}",
            "complete_meeting_targets": f"{sum(r['body_dice'] >= 0.85 and abs(r['diff_hu']) <= 10 for r in done)} "
                                        f"of {len(done)}",
        })
    return table


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sweep_dir", help="an ablation sweep folder (scripts/ablation.sh's SWEEP_DIR)")
    parser.add_argument("--out", help="write the per-level rows as JSON here (overlays beside it)")
    parser.add_argument("--data", default=None, help="folder holding the real-CT folders (default tests/data)")
    args = parser.parse_args(argv)
    real_ct.DATA = args.data or real_ct.DATA
    models, jobs = arm_models(args.sweep_dir)
    if not models:
        sys.exit(f"no finished job with checkpoints/best.ckpt in {args.sweep_dir}")
    rows = real_ct.score_all(models, ["crop"], args.out)
    print(markdown_table(rows, digits=3))
    print()
    print(markdown_table(summarise(rows, jobs), digits=3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
