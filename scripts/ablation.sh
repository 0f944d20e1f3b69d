#!/usr/bin/env bash
# SAS ablation (paper supplement B.3.2): baseline, +pretrain, +stn, +augment and SAS in one Hydra
# multirun; the arms with pretraining run MoCo first inside their own job. Every arm also scores the
# distorted test set. Writes SWEEP_DIR/summary.md (one row per job) and SWEEP_DIR/ablation.md (one row
# per arm, mean and SD over seeds).
# Arguments go to every arm, e.g.: bash scripts/ablation.sh seed=0,1,2 trainer.epochs=6 ++pretrain.steps=100
# (`++`: pretrain.* exists only in the arms that pretrain)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
SWEEP_DIR="${SWEEP_DIR:-multirun/ablation/$(date +%Y-%m-%d_%H-%M-%S)}"
"$PYTHON" train.py -m task_name=ablation logger=none "hydra.sweep.dir=$SWEEP_DIR" 'hydra.sweep.subdir=${hydra.job.num}' \
  experiment=ablation_baseline,ablation_pretrain,ablation_stn,ablation_augment,sas "$@"
"$PYTHON" -m jmedseg.training.ablation "$SWEEP_DIR"
