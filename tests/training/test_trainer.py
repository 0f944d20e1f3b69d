"""The training loop and its hooks: budgets, divergence, impossible settings, resume."""
import json
import logging
import math
import os
import subprocess
import sys

import pytest

from jmedseg.errors import ConfigError, TrainingDiverged
from jmedseg.pipelines.training import train
from jmedseg.training.hooks import DivergenceGuard, Hook
from jmedseg.training.trainer import FitState, fit
from tests.conftest import ROOT


class Recorder(Hook):
    def __init__(self):
        self.steps, self.epochs = [], []

    def on_step_end(self, state):
        self.steps.append(state.step)

    def on_epoch_end(self, state):
        self.epochs.append((state.epoch, len(state.losses)))


def test_fit_stops_at_the_step_budget_inside_an_epoch():
    rec = Recorder()
    state = fit(lambda batch, state: float(batch), lambda epoch: [1, 2, 3], FitState(epochs=5, total_steps=7),
                [rec], progress=False)
    assert state.step == 7 and rec.steps == list(range(1, 8))
    assert rec.epochs == [(0, 3), (1, 3), (2, 1)]  # the third epoch ends after the budget's last step


def test_fit_resumes_where_the_state_says():
    rec = Recorder()
    fit(lambda batch, state: 0.5, lambda epoch: [0, 0], FitState(epochs=3, total_steps=6, epoch=2, step=4), [rec],
        progress=False)
    assert rec.epochs == [(2, 2)] and rec.steps == [5, 6]


@pytest.mark.parametrize("losses,stops_at", [
    ([2.0, 1.5, 300.0, 400.0, 500.0], 5),         # 100x the first loss for 3 steps in a row
    ([2.0, 1.5, 300.0, 1.0, 300.0, 300.0], None),  # a single spike, then back: keeps going
    ([2.0, math.nan, math.inf, math.nan], 4),      # not finite for 3 steps
    ([math.nan, math.nan, math.nan], 3),           # not finite from the start
])
def test_divergence_guard(losses, stops_at):
    guard, state = DivergenceGuard("trainer.lr"), FitState(epochs=1, total_steps=100, lr=0.5)
    for k, loss in enumerate(losses, 1):
        state.losses.append(loss)
        state.step = k
        if k == stops_at:
            with pytest.raises(TrainingDiverged, match=r"lower trainer\.lr"):
                guard.on_step_end(state)
            return
        guard.on_step_end(state)
    assert stops_at is None


def test_exploding_run_stops_and_leaves_a_readable_folder(tiny_cfg, tmp_path):
    with pytest.raises(TrainingDiverged, match=r"diverged at step \d+.*lower trainer\.lr"):
        train(tiny_cfg("trainer.lr=1e9", "trainer.epochs=20", "test=false"))
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert "trainer.lr" in metrics["diverged"] and metrics["steps"] < 20 * 2
    assert (tmp_path / "config.yaml").is_file()


@pytest.mark.parametrize("override,key", [("trainer.batch_size=0", "trainer.batch_size"),
                                          ("trainer.epochs=0", "trainer.epochs"),
                                          ("trainer.lr=-0.1", "trainer.lr"),
                                          ("trainer.max_steps=0", "trainer.max_steps"),
                                          ("data.num_classes=1", "data.num_classes")])
def test_impossible_values_are_one_clear_line(tiny_cfg, override, key):
    with pytest.raises(ConfigError) as err:
        train(tiny_cfg(override))
    message = str(err.value)
    assert message.startswith(f"{key}=") and "\n" not in message and "e.g." in message


def test_command_line_prints_one_line_for_an_impossible_value(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "train.py"), "trainer.batch_size=0", "logger=none",
                           f"hydra.run.dir={tmp_path}"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 2
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if "trainer.batch_size" in line]
    assert len(errors) == 1 and "must be a whole number >= 1" in errors[0] and "Traceback" not in proc.stderr


def test_resume_removes_stale_temp_files_and_counts_epochs_like_the_progress_bar(tiny_cfg, tmp_path, caplog):
    train(tiny_cfg("trainer.epochs=2", "trainer.max_steps=2", "test=false"))  # 2 steps = epoch 1 of 2
    stale = tmp_path / "checkpoints" / ".tmp-abc123last.ckpt"  # what a kill during a save leaves
    stale.write_bytes(b"half a checkpoint")
    caplog.set_level(logging.INFO, logger="jmedseg")
    result = train(tiny_cfg("trainer.epochs=2", "trainer.resume=true", "test=false"))
    assert not stale.exists() and result["steps"] == 4
    assert "after epoch 1/2 (step 2); continuing with epoch 2/2" in caplog.text
    assert [h["epoch"] for h in result["history"]] == [1, 2]


def test_tiny_config_still_trains_with_every_new_group(tiny_cfg):
    result = train(tiny_cfg("optimizer=sgd", "scheduler=poly", "loss=focal", "trainer.max_steps=2", "test=false"))
    assert result["steps"] == 2 and math.isfinite(result["history"][0]["train_loss"])
