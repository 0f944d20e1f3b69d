"""The SAS ablation table: one row per arm, mean and SD over the seeds of a multirun.

`python -m jmedseg.training.ablation SWEEP_DIR` reads the jobs of a `train.py -m
experiment=...,... seed=...` sweep (scripts/ablation.sh) and writes
`ablation.md` / `ablation.csv` beside the sweep's per-job summary.md.
"""
import os
import sys

import numpy as np

from jmedseg.utils.report import markdown_table, write_csv, write_text
from jmedseg.training.sweep import collect_sweep

SCORES = ("best_val", "test_fg_dice", "test_fg_dice_distorted")


def override_value(overrides, key, default):
    """The value of `key=...` in a sweep job's override string, or `default` when the job does not set it."""
    for item in overrides.split():
        if item.startswith(f"{key}="):
            return item.split("=", 1)[1]
    return default


def ablation_rows(jobs):
    """Group sweep jobs by their experiment; mean and SD of the scores over seeds, in sweep order."""
    arms = {}
    # job folders are numbered in launch order; glob order would put 10 before 2
    for job in sorted(jobs, key=lambda j: int(j["job"]) if str(j["job"]).isdigit() else j["job"]):
        arms.setdefault(override_value(job["overrides"], "experiment", "(none)"), []).append(job)
    rows = []
    for arm, members in arms.items():
        row = {"arm": arm, "seeds": " ".join(override_value(j["overrides"], "seed", "0") for j in members)}
        for key in SCORES:
            vals = np.array([np.nan if j.get(key) is None else float(j[key]) for j in members])
            row[f"{key}_mean"] = float(np.nanmean(vals))
            row[f"{key}_sd"] = float(np.nanstd(vals, ddof=1)) if len(vals) > 1 else float("nan")
        drop = [float(j["test_fg_dice"]) - float(j["test_fg_dice_distorted"]) for j in members]
        row["dice_drop_mean"] = float(np.mean(drop))
        rows.append(row)
    return rows


def write_ablation(sweep_dir):
    jobs = collect_sweep(sweep_dir)
    if not jobs:
        raise FileNotFoundError(f"no finished jobs (*/metrics.json) in {sweep_dir}")
    rows = ablation_rows(jobs)
    table = markdown_table(rows, digits=4)
    write_text(os.path.join(sweep_dir, "ablation.md"), table + "\n")
    write_csv(os.path.join(sweep_dir, "ablation.csv"), rows)
    return table


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m jmedseg.training.ablation SWEEP_DIR")
    print(write_ablation(sys.argv[1]))
