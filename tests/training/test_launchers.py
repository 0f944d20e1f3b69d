"""Hydra launchers: local parallel sweeps with joblib, Slurm with submitit."""
import json
import os
import subprocess
import sys

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from tests.conftest import CONF, ROOT, TINY


def test_local_launcher_runs_a_two_job_sweep(tmp_path):
    sweep = tmp_path / "sweep"
    cmd = [sys.executable, os.path.join(ROOT, "train.py"), "-m", "hydra/launcher=local",
           f"hydra.sweep.dir={sweep}", "hydra.sweep.subdir=${hydra.job.num}",
           *TINY, "trainer.max_steps=1", "test=false", "trainer.lr=0.001,0.003"]
    env = dict(os.environ, OMP_NUM_THREADS="1")  # two jobs share the cores
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    launcher = yaml.safe_load((sweep / "multirun.yaml").read_text())["hydra"]["launcher"]
    assert launcher["_target_"].endswith("JoblibLauncher") and launcher["n_jobs"] == 2
    for job, lr in (("0", 0.001), ("1", 0.003)):
        assert yaml.safe_load((sweep / job / "config.yaml").read_text())["trainer"]["lr"] == lr
        assert json.loads((sweep / job / "metrics.json").read_text())["steps"] == 1
        assert (sweep / job / "checkpoints" / "last.ckpt").is_file()


def test_slurm_launcher_config_composes():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONF, version_base="1.3"):
        cfg = compose("train", ["hydra/launcher=slurm", "hydra.launcher.partition=gpu"], return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher._target_.endswith("submitit_launcher.SlurmLauncher")
    assert launcher.partition == "gpu" and launcher.gpus_per_node == 1 and launcher.timeout_min == 240
