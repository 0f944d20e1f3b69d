"""Data-parallel training with `mpirun -np 2 python train.py`.

Two processes with a global batch of 4 (Jittor gives each 2 of every batch,
averages gradients and synchronises batch-norm statistics) must end where one
process with batch 4 ends. The loss is cross-entropy only: it is a mean over
pixels, so the mean of the two half-batch losses is the full-batch loss (a
Dice over half a batch is not half a Dice), and the runs agree to rounding.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from jmedseg.training.checkpoint import load_checkpoint
from jmedseg.training.engine import train
from tests.conftest import ROOT, TINY

MPIRUN = shutil.which("mpirun")
pytestmark = pytest.mark.skipif(MPIRUN is None, reason="mpirun not found: install OpenMPI "
                                                        "(Debian: openmpi-bin libopenmpi-dev)")

SAME_RUN = ["trainer.batch_size=4", "trainer.max_steps=2", "loss.dice_weight=0", "test=false",
            "scheduler=constant"]


def mpirun_train(overrides, np_=2, timeout=420):
    cmd = [MPIRUN, "-np", str(np_), "--oversubscribe"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-run-as-root")
    cmd += [sys.executable, os.path.join(ROOT, "train.py"), *overrides]
    env = dict(os.environ, OMP_NUM_THREADS="1")  # two ranks share the cores
    return subprocess.run(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout)


def test_two_processes_match_one_and_only_rank0_writes(tiny_cfg, tmp_path):
    single = train(tiny_cfg(*SAME_RUN))

    rank_dir = str(tmp_path / "mpi" / "rank${oc.env:OMPI_COMM_WORLD_RANK}")
    proc = mpirun_train(TINY + SAME_RUN + [f"hydra.run.dir={rank_dir}"])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    rank0, rank1 = tmp_path / "mpi" / "rank0", tmp_path / "mpi" / "rank1"
    metrics = json.loads((rank0 / "metrics.json").read_text())
    assert metrics["processes"] == 2 and metrics["steps"] == single["steps"] == 2
    assert not (rank1 / "checkpoints").exists() and not (rank1 / "metrics.json").exists()
    assert not (rank1 / "config.yaml").exists()

    assert metrics["history"][0]["train_loss"] == pytest.approx(single["history"][0]["train_loss"], rel=1e-4)
    one = load_checkpoint(str(tmp_path / "checkpoints" / "last.ckpt"))["state"]
    two = load_checkpoint(str(rank0 / "checkpoints" / "last.ckpt"))["state"]
    assert one.keys() == two.keys()
    worst = max(float(np.abs(one[k] - two[k]).max()) for k in one)
    assert worst < 1e-4, f"weights after 2 steps differ by up to {worst}"
