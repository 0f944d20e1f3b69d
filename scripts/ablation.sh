#!/usr/bin/env bash
# SAS ablation (paper supplement B.3.2): baseline, +pretrain, +stn, +augment and SAS in one Hydra
# multirun; the arms with pretraining run MoCo first inside their own job. Writes one comparison
# table, multirun/ablation/<time>/summary.md (clean and distorted test Dice side by side).
# Arguments go to every arm, e.g.: bash scripts/ablation.sh trainer.epochs=6 ++pretrain.steps=100
# (`++`: the key exists only in the arms that pretrain)
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
exec "$PYTHON" train.py -m task_name=ablation logger=none \
  experiment=ablation_baseline,ablation_pretrain,ablation_stn,ablation_augment,sas "$@"
