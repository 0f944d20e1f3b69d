import json
import math

import pytest
from hydra.errors import ConfigCompositionException

from jmedseg.training.checkpoint import CheckpointError, load_checkpoint
from jmedseg.cli import main as cli_main
from jmedseg.pipelines.training import evaluate, train
from tests.conftest import compose_config


def test_config_composes_with_defaults():
    cfg = compose_config("train", ["model=unet", "trainer.epochs=3"])
    assert cfg.model.name == "unet" and cfg.trainer.epochs == 3 and cfg.logger.mode == "offline"


def test_config_key_typo_is_an_error():
    with pytest.raises(ConfigCompositionException):
        compose_config("train", ["trainer.epochz=3"])


def test_two_step_train_writes_checkpoint_and_resumes(tiny_cfg, tmp_path):
    result = train(tiny_cfg("trainer.epochs=2", "trainer.max_steps=2"))
    assert result["steps"] == 2
    assert all(math.isfinite(h["train_loss"]) for h in result["history"])
    last = tmp_path / "checkpoints" / "last.ckpt"
    assert (tmp_path / "checkpoints" / "best.ckpt").is_file() and last.is_file()
    assert load_checkpoint(str(last))["step"] == 2
    assert json.loads((tmp_path / "metrics.json").read_text())["steps"] == 2
    assert "density_ref_hu" in result["test"]["cases"][0]

    # resume continues from the last checkpoint's step (epoch 1 of 2 had 2 steps... budget now 4)
    resumed = train(tiny_cfg("trainer.epochs=2", "trainer.max_steps=4", "trainer.resume=true"))
    assert resumed["steps"] == 4
    assert len(resumed["history"]) == 2


def test_epoch_average_is_the_mean_of_the_epoch_end_weights_across_a_resume(tiny_cfg, tmp_path):
    import numpy as np

    ckpts = tmp_path / "checkpoints"
    first = train(tiny_cfg("trainer.epochs=2", "trainer.max_steps=2", "trainer.average_epochs=true", "test=false"))
    w1 = load_checkpoint(str(ckpts / "last.ckpt"))["state"]
    # after one epoch the average is that epoch's weights, exactly
    assert first["averaged_checkpoint"] == str(ckpts / "averaged.ckpt")
    one = load_checkpoint(first["averaged_checkpoint"])
    assert one["extra"]["averaged_epochs"] == 1
    assert all(np.array_equal(one["state"][k], w1[k]) for k in w1)
    # the resumed run goes on with the running mean: (w1 + w2) / 2, float32 rounding of a 2-term mean
    train(tiny_cfg("trainer.epochs=2", "trainer.max_steps=4", "trainer.average_epochs=true", "test=false",
                   "trainer.resume=true"))
    w2 = load_checkpoint(str(ckpts / "last.ckpt"))["state"]
    two = load_checkpoint(str(ckpts / "averaged.ckpt"))
    assert two["extra"]["averaged_epochs"] == 2
    moved = [k for k in w1 if np.issubdtype(w1[k].dtype, np.floating) and not np.array_equal(w1[k], w2[k])]
    assert moved  # training changed the weights, so the mean differs from both ends
    for k in moved:
        np.testing.assert_allclose(two["state"][k], (w1[k].astype(np.float64) + w2[k]) / 2, rtol=1e-6, atol=1e-7)


def test_training_is_deterministic(tiny_cfg, tmp_path):
    a = train(tiny_cfg("trainer.max_steps=2", "test=false", f"run_dir={tmp_path}/a"))
    b = train(tiny_cfg("trainer.max_steps=2", "test=false", f"run_dir={tmp_path}/b"))
    assert a["history"][0]["train_loss"] == b["history"][0]["train_loss"]


def test_evaluate_a_checkpoint_and_reject_another_model(tiny_cfg, tmp_path, capsys):
    train(tiny_cfg("trainer.max_steps=1", "test=false"))
    ckpt = str(tmp_path / "checkpoints" / "best.ckpt")
    out = evaluate(compose_config("evaluate", [f"ckpt={ckpt}", f"run_dir={tmp_path}/eval"]))
    assert out["model"] == "unet_small" and out["test"]["summary"]["n_subjects"] >= 1
    capsys.readouterr()
    assert cli_main(["evaluate", f"ckpt={ckpt}", f"run_dir={tmp_path}/eval_cli"]) == 0   # what the command prints
    printed = capsys.readouterr().out
    assert "foreground Dice" in printed and "jsu_mode" in printed
    with pytest.raises(CheckpointError, match="holds model 'unet_small', not 'unet'"):
        train(tiny_cfg("model=unet", "model.width=4", "model.depth=2", f"trainer.resume={ckpt}"))


def test_missing_checkpoint_and_empty_split_are_clear(tiny_cfg):
    with pytest.raises(CheckpointError, match="no checkpoint at"):
        train(tiny_cfg("trainer.resume=/nonexistent/last.ckpt"))
    with pytest.raises(ValueError, match="split is empty"):
        train(tiny_cfg("data.n_subjects=2"))
