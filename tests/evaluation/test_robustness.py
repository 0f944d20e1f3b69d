"""The distorted test set (jmedseg/evaluation/robustness.py) and SAS end to end: pretrain stage, STN, robustness."""
import json
import math

import numpy as np
import pytest

from jmedseg.training.ablation import ablation_rows
from jmedseg.training.checkpoint import load_checkpoint
from jmedseg.pipelines.training import evaluate, train
from jmedseg.evaluation.robustness import Distortions, _affine, distort_slice
from tests.conftest import compose_config

NO_INTENSITY = dict(contrast=(1.0, 1.0), max_intensity_shift_hu=0.0, noise_sd_hu=0.0)


def _disk(size=64, radius=14):
    yy, xx = np.mgrid[0:size, 0:size]
    label = (((yy - 30) ** 2 + (xx - 34) ** 2) <= radius**2).astype(np.int32)
    return np.where(label == 1, 700.0, 40.0).astype(np.float32), label


def test_label_moves_with_the_image():
    hu, label = _disk()
    out, moved = distort_slice(np.random.default_rng(3), hu, label, Distortions(**NO_INTENSITY))
    assert (moved != label).sum() > 20  # the geometry really changed
    agree = ((out > 370) == (moved == 1)).mean()  # threshold half-way between 40 and 700 HU
    assert agree > 0.99  # only boundary pixels may differ (bilinear image, nearest label)


def test_intensity_changes_follow_the_stated_formula():
    hu, label = _disk()
    d = Distortions(max_rotation_deg=0.0, scale=(1.0, 1.0), max_shear=0.0, max_shift=0.0,
                    contrast=(1.2, 1.2), max_intensity_shift_hu=0.0, noise_sd_hu=0.0)
    out, moved = distort_slice(np.random.default_rng(0), hu, label, d)
    np.testing.assert_array_equal(moved, label)
    np.testing.assert_allclose(out, (hu - 40.0) * 1.2 + 40.0, atol=1e-3)


def test_rotation_stays_within_twenty_degrees():
    d = Distortions(scale=(1.0, 1.0), max_shear=0.0, max_shift=0.0)
    rng = np.random.default_rng(0)
    angles = [np.degrees(np.arctan2(m[1, 0], m[0, 0])) for m, _ in (_affine(rng, (64, 64), d) for _ in range(200))]
    assert max(np.abs(angles)) <= 20.0 + 1e-9 and max(np.abs(angles)) > 15.0


def test_sas_run_reports_clean_and_distorted_dice(tiny_cfg, tmp_path):
    """pretrain=moco + wrapper=stn + augment=color, robustness on: every stage leaves its trace."""
    result = train(tiny_cfg("pretrain=moco", "pretrain.steps=2", "pretrain.batch_size=2", "pretrain.queue_size=4",
                            "pretrain.progress=false", "wrapper=stn", "augment=color", "robustness=true",
                            "trainer.max_steps=1", "data.image_size=64"))
    assert (tmp_path / "pretrain" / "encoder.ckpt").is_file()
    assert "pretrained: " + str(tmp_path / "pretrain" / "encoder.ckpt") in (tmp_path / "config.yaml").read_text()
    ckpt = tmp_path / "checkpoints" / "best.ckpt"
    assert load_checkpoint(str(ckpt))["model_kwargs"]["stn"] is True
    rob = result["test"]["robustness"]["summary"]
    assert rob["fg_dice_clean_mean"] == pytest.approx(result["test"]["summary"]["fg_dice_mean"])
    assert 0.0 <= rob["fg_dice_distorted_mean"] <= 1.0 and (tmp_path / "robustness.md").is_file()

    # evaluate.py rebuilds the STN-wrapped model from the checkpoint and scores the same distorted set
    out = evaluate(compose_config("evaluate", [f"ckpt={ckpt}", f"run_dir={tmp_path}/eval", "robustness=true"]))
    again = out["test"]["robustness"]["summary"]
    assert again["fg_dice_distorted_mean"] == pytest.approx(rob["fg_dice_distorted_mean"])
    saved = json.loads((tmp_path / "eval" / "metrics.json").read_text())
    assert "robustness" in saved["test"]


def test_ablation_table_groups_jobs_by_arm_in_launch_order():
    jobs = [
        {"job": "10", "overrides": "experiment=sas seed=0", "best_val": 0.9,
         "test_fg_dice": 0.9, "test_fg_dice_distorted": 0.8},
        {"job": "0", "overrides": "experiment=ablation_baseline seed=0", "best_val": 0.8,
         "test_fg_dice": 0.8, "test_fg_dice_distorted": 0.5},
        {"job": "2", "overrides": "experiment=ablation_baseline seed=1", "best_val": 0.6,
         "test_fg_dice": 0.9, "test_fg_dice_distorted": 0.7},
    ]
    base, sas = ablation_rows(jobs)
    assert (base["arm"], base["seeds"], sas["arm"]) == ("ablation_baseline", "0 1", "sas")
    assert base["test_fg_dice_distorted_mean"] == pytest.approx(0.6)
    assert base["test_fg_dice_distorted_sd"] == pytest.approx(np.std([0.5, 0.7], ddof=1))
    assert base["dice_drop_mean"] == pytest.approx(0.25) and math.isnan(sas["best_val_sd"])
