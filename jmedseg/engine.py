"""Training and evaluation as plain functions of a config: `train(cfg)` and `evaluate(cfg)`.

`train.py` and `evaluate.py` are thin Hydra wrappers around these, and tests
call them in-process on a tiny budget (lightning-hydra-template's pattern).
Supervised training follows the paper's supplement B.3.1 (Adam, batch 4).
"""
import math
import os
import time

import numpy as np
from omegaconf import OmegaConf
from tqdm import tqdm

from jmedseg.backend import check_onednn, device_name, jt, nn
from jmedseg.checkpoint import CheckpointError, load_checkpoint, load_weights, save_checkpoint
from jmedseg.data.build import build_splits, class_names
from jmedseg.evaluation import evaluate_split_full, predict, select_checkpoint, write_evaluation
from jmedseg.losses import CEDiceLoss
from jmedseg.metrics import segmentation_scores
from jmedseg.registry import create_model
from jmedseg.report import write_json, write_text
from jmedseg.robustness import robustness_report
from jmedseg.ssl import load_pretrained, use_pretraining_stage
from jmedseg.stn import SpatialTransformer
from jmedseg.tracking import NullTracker, make_tracker

RESERVED_MODEL_KEYS = ("name", "stn", "pretrained")  # options of every model, not of its builder


def resolve_run_dir(cfg):
    if cfg.get("run_dir"):
        return os.path.abspath(cfg.run_dir)
    try:
        from hydra.core.hydra_config import HydraConfig

        return HydraConfig.get().runtime.output_dir
    except ValueError:
        raise ValueError("no run directory: set run_dir=PATH or run through train.py (Hydra)") from None


def model_kwargs(model_cfg):
    return {k: v for k, v in OmegaConf.to_container(model_cfg, resolve=True).items()
            if k not in RESERVED_MODEL_KEYS}


def assemble_model(name, in_channels, num_classes, kwargs, stn=False, pretrained=None):
    """`create_model`, then the pretrained weights (model.pretrained) and the STN wrapper (model.stn)."""
    model = create_model(name, in_channels=in_channels, num_classes=num_classes, **kwargs)
    if pretrained:
        load_pretrained(model, str(pretrained), name)
    return SpatialTransformer(model) if stn else model


def model_from_checkpoint(payload, in_channels, num_classes):
    """The (possibly STN-wrapped) model a checkpoint was saved from, without its weights."""
    kwargs = dict(payload["model_kwargs"])
    stn = bool(kwargs.pop("stn", False))
    return assemble_model(payload["model_name"], in_channels, num_classes, kwargs, stn=stn)


def build_model(cfg):
    kwargs = model_kwargs(cfg.model)
    stn = bool(cfg.model.get("stn", False))
    model = assemble_model(cfg.model.name, len(cfg.data.windows), int(cfg.data.num_classes), kwargs,
                           stn=stn, pretrained=cfg.model.get("pretrained"))
    return model, {**kwargs, "stn": stn}  # checkpoints record stn: evaluate rebuilds the wrapper


def count_parameters(model):
    return int(sum(int(np.prod(p.shape)) for p in model.parameters()))


def learning_rate(cfg_t, step, total_steps):
    """Linear warm-up, then cosine decay to lr * min_lr_ratio (or a constant rate)."""
    base = float(cfg_t.lr)
    if step < cfg_t.warmup_steps:
        return base * (step + 1) / cfg_t.warmup_steps
    if cfg_t.schedule == "constant":
        return base
    if cfg_t.schedule != "cosine":
        raise ValueError(f"unknown trainer.schedule {cfg_t.schedule!r}: use cosine or constant")
    t = (step - cfg_t.warmup_steps) / max(1, total_steps - cfg_t.warmup_steps)
    floor = base * float(cfg_t.min_lr_ratio)
    return floor + 0.5 * (base - floor) * (1 + math.cos(math.pi * min(1.0, t)))


def _resume_path(cfg, run_dir):
    resume = cfg.trainer.resume
    if resume in (None, False):
        return None
    path = os.path.join(run_dir, "checkpoints", "last.ckpt") if resume is True else str(resume)
    if not os.path.isfile(path):
        raise CheckpointError(f"trainer.resume: no checkpoint at {path}; pass the killed run's folder "
                              "with hydra.run.dir=... (or run_dir=...) or trainer.resume=PATH/last.ckpt")
    return path


def is_main_process():
    """False on MPI ranks other than 0: they train their shard but write nothing."""
    return not jt.in_mpi or jt.rank == 0


def train_step(model, loss_fn, optimizer, x, y):
    """One optimisation step; returns the loss as a Jittor Var, not yet fetched to the host."""
    loss = loss_fn(model(x), y)
    optimizer.step(loss)
    return loss


def validate(model, split, cfg):
    preds = predict(model, split.dataset)
    ref = np.stack(split.dataset.labels)
    return segmentation_scores(preds, ref, int(cfg.data.num_classes), class_names(cfg.data))


def train(cfg):
    """Train `cfg.model` on `cfg.data`, keep the best checkpoint by validation score, test it.

    Returns a dict with the run directory, the training history and test results.
    """
    check_onednn()
    run_dir = resolve_run_dir(cfg)
    ckpt_dir = os.path.join(run_dir, "checkpoints")
    main = is_main_process()  # under `mpirun -np N` data parallel: Jittor shards batches, averages grads
    if main:
        os.makedirs(ckpt_dir, exist_ok=True)
    use_pretraining_stage(cfg, run_dir, model_kwargs(cfg.model))  # SAS stage 1 when pretrain != none
    config_yaml = OmegaConf.to_yaml(cfg, resolve=True)
    if main:
        write_text(os.path.join(run_dir, "config.yaml"), config_yaml)
    # one seed on every MPI rank: each rank builds the same initial weights (Jittor's first
    # data-parallel step uses every rank's own weights before it broadcasts rank 0's)
    jt.set_global_seed(int(cfg.seed), different_seed_for_mpi=False)
    np.random.seed(int(cfg.seed))

    t_cfg = cfg.trainer
    data = build_splits(cfg.data, batch_size=int(t_cfg.batch_size), seed=int(cfg.seed),
                        augment=cfg.get("augment"))
    model, kwargs = build_model(cfg)
    optimizer = nn.Adam(model.parameters(), lr=float(t_cfg.lr), weight_decay=float(t_cfg.weight_decay))
    loss_fn = CEDiceLoss(float(t_cfg.ce_weight), float(t_cfg.dice_weight))
    monitor = str(t_cfg.monitor)

    start_epoch, step, best, history = 0, 0, -math.inf, []
    resume_from = _resume_path(cfg, run_dir)
    if resume_from:
        payload = load_checkpoint(resume_from)
        load_weights(model, payload, cfg.model.name)
        if payload["optimizer"] is not None:
            optimizer.load_state_dict(payload["optimizer"])
        start_epoch, step = payload["epoch"] + 1, payload["step"]
        best = payload["best_score"] if payload["best_score"] is not None else -math.inf
        history = payload["extra"].get("history", [])
        print(f"[jmedseg] resumed from {resume_from} at epoch {start_epoch}, step {step}")

    train_ds = data["train"].dataset
    steps_per_epoch = len(train_ds)  # Jittor counts batches
    total_steps = int(t_cfg.epochs) * steps_per_epoch
    if t_cfg.max_steps:
        total_steps = min(total_steps, int(t_cfg.max_steps))
    tracker = make_tracker(cfg.logger, run_dir, OmegaConf.to_container(cfg, resolve=True)) if main else NullTracker()
    save = lambda path, epoch: save_checkpoint(
        path, model, cfg.model.name, kwargs, config_yaml, epoch=epoch, step=step, best_score=best,
        optimizer=optimizer, extra={"history": history})

    t_start = time.time()
    try:
        for epoch in range(start_epoch, int(t_cfg.epochs)):
            if step >= total_steps:
                break
            model.train()
            train_ds.set_epoch(epoch)
            bar = tqdm(train_ds, total=steps_per_epoch, desc=f"epoch {epoch + 1}/{t_cfg.epochs}",
                       disable=not (t_cfg.progress and main), leave=False)
            losses, t0 = [], time.time()
            for x, y in bar:
                optimizer.lr = learning_rate(t_cfg, step, total_steps)
                loss = train_step(model, loss_fn, optimizer, x, y)
                if jt.in_mpi:  # log the loss of the whole batch, not of this rank's shard
                    loss = loss.mpi_all_reduce("mean")
                losses.append(float(loss.item()))
                if not math.isfinite(losses[-1]):
                    raise FloatingPointError(f"loss became {losses[-1]} at step {step}; lower trainer.lr")
                step += 1
                bar.set_postfix(loss=f"{losses[-1]:.4f}", lr=f"{optimizer.lr:.2e}")
                if step >= total_steps:
                    break
            epoch_time = time.time() - t0
            if not main:
                continue
            val = validate(model, data["val"], cfg)
            record = {"epoch": epoch + 1, "step": step, "train_loss": float(np.mean(losses)),
                      "step_time_s": epoch_time / max(1, len(losses)), "lr": optimizer.lr,
                      **{f"val_{k}": v for k, v in val.items()}}
            history.append(record)
            tracker.log(record, step=step)
            score = val[monitor]
            if not math.isnan(score) and score > best:
                best = score
                save(os.path.join(ckpt_dir, "best.ckpt"), epoch)
            save(os.path.join(ckpt_dir, "last.ckpt"), epoch)
            print(f"[jmedseg] epoch {epoch + 1}: loss {record['train_loss']:.4f}, val {monitor} "
                  f"{score:.4f} (best {best:.4f}), {record['step_time_s']:.3f} s/step")

        if not main:
            return {"run_dir": run_dir, "rank": jt.rank, "steps": step}
        result = {"run_dir": run_dir, "device": device_name(), "model": cfg.model.name,
                  "processes": jt.world_size if jt.in_mpi else 1,
                  "params": count_parameters(model), "train_time_s": time.time() - t_start,
                  "steps": step, "history": history,
                  "best_val": best, "best_checkpoint": os.path.join(ckpt_dir, "best.ckpt")}
        if cfg.get("test", True) and os.path.isfile(result["best_checkpoint"]):
            load_weights(model, load_checkpoint(result["best_checkpoint"]), cfg.model.name)
            result["test"] = _test_and_report(model, data["test"], cfg, run_dir)
            tracker.summary({f"test_{k}": v for k, v in result["test"]["summary"].items()})
        write_json(os.path.join(run_dir, "metrics.json"), result)
        return result
    finally:
        tracker.finish()


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
    model = model_from_checkpoint(payload, len(saved.data.windows), int(saved.data.num_classes))
    load_weights(model, payload)
    data_cfg = cfg.data if cfg.get("data") is not None else saved.data
    eval_cfg = OmegaConf.merge(saved, {"data": data_cfg, "robustness": bool(cfg.get("robustness"))})
    run_dir = resolve_run_dir(cfg)
    split = build_splits(eval_cfg.data, batch_size=int(saved.trainer.batch_size), splits=("test",))["test"]
    test = _test_and_report(model, split, eval_cfg, run_dir, progress=True)
    result = {"checkpoint": ckpt, "selection": selection, "model": payload["model_name"], "test": test}
    write_json(os.path.join(run_dir, "metrics.json"), result)
    return result
