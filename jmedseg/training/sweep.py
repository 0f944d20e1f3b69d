"""Hydra callback: after a multirun, one table comparing every job of the sweep."""
import glob
import json
import logging
import os

from hydra.experimental.callback import Callback

from jmedseg.utils.report import markdown_table, write_csv, write_text

logger = logging.getLogger(__name__)


def collect_sweep(sweep_dir):
    """One row per job folder holding a metrics.json: overrides, params, test scores, time."""
    rows = []
    for path in sorted(glob.glob(os.path.join(sweep_dir, "*", "metrics.json"))):
        job_dir = os.path.dirname(path)
        with open(path) as f:
            m = json.load(f)
        overrides_file = os.path.join(job_dir, ".hydra", "overrides.yaml")
        overrides = ""
        if os.path.isfile(overrides_file):
            with open(overrides_file) as f:
                overrides = " ".join(line.strip()[2:] for line in f if line.startswith("- "))
        test = (m.get("test") or {}).get("summary", {})
        distorted = ((m.get("test") or {}).get("robustness") or {}).get("summary", {})  # robustness=true
        hist = m.get("history") or [{}]
        rows.append({
            "job": os.path.basename(job_dir), "overrides": overrides,
            "params": m.get("params", ""), "steps": m.get("steps", ""),
            "best_val": m.get("best_val"), "test_fg_dice": test.get("fg_dice_mean"),
            "test_fg_iou": test.get("fg_iou_mean"), "test_fg_dice_distorted": distorted.get("fg_dice_distorted_mean"),
            "density_mae_hu": test.get("density_mae_hu"),
            "step_time_s": hist[-1].get("step_time_s"), "train_time_s": m.get("train_time_s"),
        })
    return rows


class SweepSummary(Callback):
    def on_multirun_end(self, config, **kwargs):
        sweep_dir = config.hydra.sweep.dir
        rows = collect_sweep(sweep_dir)
        if not rows:
            return
        table = markdown_table(rows, digits=4)
        write_text(os.path.join(sweep_dir, "summary.md"), table + "\n")
        write_csv(os.path.join(sweep_dir, "summary.csv"), rows)
        logger.info("sweep summary (%d jobs) -> %s/summary.md\n%s", len(rows), sweep_dir, table)
