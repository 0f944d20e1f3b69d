"""Training and evaluation as plain functions of a config: `train(cfg)` and `evaluate(cfg)`.

`train.py` and `evaluate.py` are thin Hydra wrappers around these, and tests
call them in-process on a tiny budget (lightning-hydra-template's pattern).
Supervised training follows the paper's supplement B.3.1 (Adam, batch 4).
Optimiser, schedule, loss, wrapper and logger are built from their config
groups' `_target_` (the model by jmedseg/models/build.py); the loop itself is `jmedseg.training.trainer.fit`.
"""
import logging
import os
import time

import numpy as np
from hydra.utils import instantiate
from omegaconf import OmegaConf

from jmedseg.backend import check_onednn, device_name, jt
from jmedseg.data.build import build_splits, class_names, input_channels
from jmedseg.errors import TrainingDiverged
from jmedseg.evaluation.evaluate import evaluate_split_full, predict, select_checkpoint, write_evaluation
from jmedseg.evaluation.metrics import segmentation_scores
from jmedseg.evaluation.robustness import robustness_report
from jmedseg.models.build import build_model, count_parameters, model_from_checkpoint, model_kwargs
from jmedseg.ssl import pretraining_stage
from jmedseg.training.checkpoint import CheckpointError, load_checkpoint, load_weights
from jmedseg.training.config_checks import check_train_config
from jmedseg.training.hooks import Checkpointer, DivergenceGuard, Tracking, Validation
from jmedseg.training.tracking import NullTracker
from jmedseg.training.trainer import FitState, fit, is_main_process, mean_over_ranks
from jmedseg.utils.logs import quiet_unless_main
from jmedseg.utils.report import write_json, write_text

logger = logging.getLogger(__name__)

def resolve_run_dir(cfg):
    if cfg.get("run_dir"):
        return os.path.abspath(cfg.run_dir)
    try:
        from hydra.core.hydra_config import HydraConfig

        return HydraConfig.get().runtime.output_dir
    except ValueError:
        raise ValueError("no run directory: set run_dir=PATH or run through train.py (Hydra)") from None


def _resume_path(cfg, run_dir):
    resume = cfg.trainer.resume
    if resume in (None, False):
        return None
    path = os.path.join(run_dir, "checkpoints", "last.ckpt") if resume is True else str(resume)
    if not os.path.isfile(path):
        raise CheckpointError(f"trainer.resume: no checkpoint at {path}; pass the killed run's folder "
                              "with hydra.run.dir=... (or run_dir=...) or trainer.resume=PATH/last.ckpt")
    return path


def train_step(model, loss_fn, optimizer, x, y):
    """One optimisation step; returns the loss as a Jittor Var, not yet fetched to the host."""
    loss = loss_fn(model(x), y)
    optimizer.step(loss)
    return loss


def supervised_step(model, loss_fn, optimizer, schedule):
    """`fit`'s step for segmentation: set the scheduled rate, one optimisation step, the batch's loss."""
    def step(batch, state):
        optimizer.lr = state.lr = schedule(state.step)
        return mean_over_ranks(train_step(model, loss_fn, optimizer, *batch))
    return step


def validate(model, split, cfg):
    preds = predict(model, split.dataset)
    ref = np.stack(split.dataset.labels)
    return segmentation_scores(preds, ref, int(cfg.data.num_classes), class_names(cfg.data))


def _epoch_batches(model, dataset):
    def batches(epoch):
        model.train()
        dataset.set_epoch(epoch)
        return dataset
    return batches


def train(cfg):
    """Train `cfg.model` on `cfg.data`, keep the best checkpoint by validation score, test it.

    Returns a dict with the run directory, the training history and test results.
    """
    check_onednn()
    check_train_config(cfg)
    run_dir, main = resolve_run_dir(cfg), is_main_process()  # under mpirun: Jittor shards batches, averages grads
    quiet_unless_main(main)
    encoder = pretraining_stage(cfg, run_dir, model_kwargs(cfg.model))  # SAS stage 1 when pretrain != none
    if encoder:
        cfg = OmegaConf.merge(cfg, {"pretrained": encoder})
    config_yaml = OmegaConf.to_yaml(cfg, resolve=True)
    ckpt_dir = os.path.join(run_dir, "checkpoints")
    if main:
        os.makedirs(ckpt_dir, exist_ok=True)
        write_text(os.path.join(run_dir, "config.yaml"), config_yaml)
    # one seed on every MPI rank: each rank builds the same initial weights (Jittor's first
    # data-parallel step uses every rank's own weights before it broadcasts rank 0's)
    jt.set_global_seed(int(cfg.seed), different_seed_for_mpi=False)
    np.random.seed(int(cfg.seed))

    t = cfg.trainer
    data = build_splits(cfg.data, batch_size=int(t.batch_size), seed=int(cfg.seed), augment=cfg.get("augment"))
    train_ds = data["train"].dataset
    model, kwargs = build_model(cfg)
    optimizer = instantiate(cfg.optimizer, _convert_="all")(model.parameters(), lr=float(t.lr))
    state = FitState(epochs=int(t.epochs), total_steps=min(int(t.epochs) * len(train_ds), t.max_steps or 1 << 62))
    schedule = instantiate(cfg.scheduler, _convert_="all")(base_lr=float(t.lr), total_steps=state.total_steps)
    history = []
    saver = Checkpointer(ckpt_dir, model, optimizer, cfg.model.name, kwargs, config_yaml, history, t.monitor,
                         average_epochs=bool(t.get("average_epochs", False)))
    resume_from = _resume_path(cfg, run_dir)
    if resume_from:
        saver.resume(resume_from, state)
    tracker = (instantiate(cfg.logger, _convert_="all")(run_dir=run_dir, config=OmegaConf.to_container(cfg, resolve=True))
               if main else NullTracker())
    hooks = [DivergenceGuard("trainer.lr"), Validation(lambda: validate(model, data["val"], cfg), history),
             Tracking(tracker), saver]
    t_start = time.time()
    try:
        fit(supervised_step(model, instantiate(cfg.loss, _convert_="all"), optimizer, schedule), _epoch_batches(model, train_ds),
            state, hooks, progress=bool(t.progress))
        if not main:
            return {"run_dir": run_dir, "rank": jt.rank, "steps": state.step}
        return _test_best(model, data["test"], cfg, run_dir, tracker, {
            "run_dir": run_dir, "device": device_name(), "model": cfg.model.name,
            "processes": jt.world_size if jt.in_mpi else 1, "params": count_parameters(model),
            "train_time_s": time.time() - t_start, "steps": state.step, "history": history,
            "best_val": saver.best, "best_checkpoint": os.path.join(ckpt_dir, "best.ckpt"),
            **({"averaged_checkpoint": os.path.join(ckpt_dir, saver.AVERAGED)} if saver.average_epochs else {})})
    except TrainingDiverged as err:
        if main:  # the folder stays readable: config, checkpoints of the good epochs, why it stopped
            write_json(os.path.join(run_dir, "metrics.json"), {"run_dir": run_dir, "diverged": str(err),
                                                                "steps": state.step, "history": history})
        raise
    finally:
        tracker.finish()


def _test_best(model, split, cfg, run_dir, tracker, result):
    """Test the best checkpoint (unless test=false) and write `metrics.json`; returns `result` with `test`."""
    if cfg.get("test", True) and os.path.isfile(result["best_checkpoint"]):
        load_weights(model, load_checkpoint(result["best_checkpoint"]), cfg.model.name)
        result["test"] = _test_and_report(model, split, cfg, run_dir)
        tracker.summary({f"test_{k}": v for k, v in result["test"]["summary"].items()})
    write_json(os.path.join(run_dir, "metrics.json"), result)
    return result


def _test_and_report(model, split, cfg, run_dir, progress=False):
    names = class_names(cfg.data)
    result = evaluate_split_full(model, split, int(cfg.data.num_classes), names,
                                 names.index("cancellous"), progress=progress)
    write_evaluation(result, run_dir, names)
    from jmedseg.deploy.overlays import write_worst_slices

    write_worst_slices(run_dir, model, split.dataset, result["slices"])  # what the worst cases look like
    out = {k: result[k] for k in ("summary", "cases", "agreement", "table")}
    if cfg.get("robustness"):
        out["robustness"] = robustness_report(model, split, result, lambda m, s: evaluate_split_full(
            m, s, int(cfg.data.num_classes), names, names.index("cancellous")), run_dir)
    return out


def evaluate(cfg):
    """Evaluate checkpoint `cfg.ckpt` on the test split of `cfg.data`; writes into the run dir."""
    check_onednn()
    if not cfg.get("ckpt"):
        raise ValueError("evaluate needs a checkpoint: python evaluate.py ckpt=PATH/best.ckpt")
    ckpt, selection = select_checkpoint(cfg.ckpt, cfg.get("select_by", "best_val"), cfg.get("select_mode", "max"))
    payload = load_checkpoint(ckpt)
    saved = OmegaConf.create(payload["config_yaml"])
    model = model_from_checkpoint(payload, input_channels(saved.data), int(saved.data.num_classes))
    load_weights(model, payload)
    data_cfg = cfg.data if cfg.get("data") is not None else saved.data
    eval_cfg = OmegaConf.merge(saved, {"data": data_cfg, "robustness": bool(cfg.get("robustness"))})
    run_dir = resolve_run_dir(cfg)
    split = build_splits(eval_cfg.data, batch_size=int(saved.trainer.batch_size), splits=("test",))["test"]
    test = _test_and_report(model, split, eval_cfg, run_dir, progress=True)
    result = {"checkpoint": ckpt, "selection": selection, "model": payload["model_name"], "test": test}
    write_json(os.path.join(run_dir, "metrics.json"), result)
    return result
