"""Stage 1 of SAS training (paper supplement B.2.4): contrastive pretraining of the encoder.

`pretrain(cfg, run_dir, model_kwargs)` trains MoCo (jmedseg.ssl.moco) on
random views of the training slices, without labels, and writes into run_dir:
`encoder.ckpt` (the encoder weights), `metrics.json` and `loss_curve.csv`.
`python pretrain.py` runs it alone; `python train.py pretrain=moco` runs it
first and fine-tunes from its encoder (`pretraining_stage`). The loop is the
supervised one (`jmedseg.training.trainer.fit`) with a contrastive step.
"""
import logging
import os
import time

import numpy as np
from hydra.utils import instantiate
from omegaconf import OmegaConf

from jmedseg.backend import device_name, jt
from jmedseg.data.build import build_splits
from jmedseg.data.input_spec import window_hu
from jmedseg.errors import ConfigError
from jmedseg.models.registry import create_model
from jmedseg.utils.report import write_csv, write_json, write_text
from jmedseg.ssl.distributed import barrier, rank_rows
from jmedseg.ssl.moco import MoCo
from jmedseg.ssl.views import ViewSpec, two_views
from jmedseg.models.weights import save_encoder
from jmedseg.training.config_checks import check_pretrain_config
from jmedseg.training.hooks import DivergenceGuard
from jmedseg.training.trainer import FitState, fit, is_main_process, mean_over_ranks

logger = logging.getLogger(__name__)

ENCODER_FILE = "encoder.ckpt"


def _training_slices(cfg):
    """Windowed training slices `[N, C, H, W]`, plus crops of the real CTs in `pretrain.data`; no labels."""
    ds = build_splits(cfg.data, seed=int(cfg.seed), splits=("train",))["train"].dataset
    images = np.stack([window_hu(im, ds.windows) for im in ds.images_hu]).astype(np.float32)
    extra = cfg.pretrain.get("data")
    if not extra:
        return images
    from jmedseg.ssl.real_slices import unlabelled_ct_slices

    crops, used = unlabelled_ct_slices(OmegaConf.to_container(extra) if OmegaConf.is_config(extra) else extra,
                                       int(cfg.pretrain.get("slices_per_ct", 64)), images.shape[-1],
                                       cfg.data.get("pixel_mm"), int(cfg.seed))
    real = window_hu(crops, ds.windows).astype(np.float32)
    if real.shape[1:] != images.shape[1:]:
        raise ConfigError(f"pretrain.data gives single slices of {real.shape[1]} channel(s), but the training "
                         f"slices have {images.shape[1]} (neighbouring slices as channels?); pretrain on real CT "
                         "with a one-slice data config")
    logger.info("pretraining on %d synthetic slices and %d crops of %d real CTs", len(images), len(crops), len(used))
    return np.concatenate([images, real])


def pretrain(cfg, run_dir, model_kwargs):
    """MoCo pretraining of `cfg.model`'s encoder with the settings in `cfg.pretrain`."""
    p = cfg.pretrain
    if p.method != "moco":
        raise ConfigError(f"pretrain={p.method!r} has nothing to run; choose pretrain=moco")
    check_pretrain_config(cfg)
    main = is_main_process()  # under mpirun: every rank trains on its share, rank 0 writes
    config_yaml = OmegaConf.to_yaml(cfg, resolve=True)
    if main:
        os.makedirs(run_dir, exist_ok=True)
        write_text(os.path.join(run_dir, "config.yaml"), config_yaml)
    # one seed on every rank: the same initial weights, key encoder and global batches everywhere
    jt.set_global_seed(int(cfg.seed), different_seed_for_mpi=False)
    rng = np.random.default_rng(int(cfg.seed))

    images = _training_slices(cfg)
    batch = int(p.batch_size)
    if not 2 <= batch <= len(images):
        raise ConfigError(f"pretrain.batch_size={batch} must be between 2 and the {len(images)} training slices")
    backbone = create_model(cfg.model.name, in_channels=images.shape[1],
                            num_classes=int(cfg.data.num_classes), **model_kwargs)
    moco = MoCo(backbone, int(p.projection_dim), p.projection_hidden, int(p.queue_size),
                float(p.momentum), float(p.temperature), seed=int(cfg.seed))
    optimizer = instantiate(cfg.optimizer, _convert_="all")(moco.query.parameters(), lr=float(p.lr))
    views = ViewSpec(**{k: tuple(v) if k == "crop_scale" else v
                        for k, v in OmegaConf.to_container(p.views, resolve=True).items()})

    history, t_start = [], time.time()
    moco.query.train()
    state = FitState(epochs=1, total_steps=int(p.steps), lr=float(p.lr))
    fit(_contrastive_step(moco, optimizer, images, rng, views, batch, history), lambda epoch: range(state.total_steps),
        state, [DivergenceGuard("pretrain.lr")], progress=bool(p.progress), desc="pretrain (MoCo)")
    if not main:  # still takes part in save_encoder below: finding the encoder runs synced batch norm
        save_encoder(None, backbone, cfg.model.name, model_kwargs, jt.array(images[:2]))
        barrier()  # returns once rank 0 has written the encoder that training loads next
        return {"run_dir": run_dir, "steps": len(history), "history": history}

    path = os.path.join(run_dir, ENCODER_FILE)
    saved = save_encoder(path, backbone, cfg.model.name, model_kwargs, jt.array(images[:2]), config_yaml,
                         extra={"method": "moco", "history": history, "queue": moco.queue,
                                "queue_ptr": moco.queue_ptr})
    write_csv(os.path.join(run_dir, "loss_curve.csv"), history)
    window = max(1, len(history) // 10)  # mean over the first and last tenth of the steps
    result = {"run_dir": run_dir, "encoder": path, "device": device_name(), "model": cfg.model.name,
              "steps": len(history), "train_slices": int(len(images)), "encoder_tensors": len(saved),
              # InfoNCE of embeddings that tell nothing apart; MoCo's random initial queue starts below it
              "chance_loss": float(np.log(1 + int(p.queue_size))),
              "loss_first": float(np.mean([h["loss"] for h in history[:window]])),
              "loss_last": float(np.mean([h["loss"] for h in history[-window:]])),
              "time_s": time.time() - t_start, "history": history}
    write_json(os.path.join(run_dir, "metrics.json"), result)
    logger.info("pretrained %s encoder (%d tensors) for %d steps: loss %.3f -> %.3f (chance %.3f), %.0f s -> %s",
                cfg.model.name, len(saved), len(history), result["loss_first"], result["loss_last"],
                result["chance_loss"], result["time_s"], path)
    barrier()
    return result


def _contrastive_step(moco, optimizer, images, rng, views, batch, history):
    """`fit`'s step for MoCo: two random views of `batch` random slices, one optimisation step."""
    def step(_, state):
        chosen = images[rng.choice(len(images), size=batch, replace=False)]
        x_query, x_key = two_views(rng, chosen, views)
        loss, accuracy = moco.loss(jt.array(rank_rows(x_query)), jt.array(rank_rows(x_key)))
        optimizer.step(loss)
        history.append({"step": state.step + 1, "loss": mean_over_ranks(loss), "positive_top1": accuracy})
        return history[-1]["loss"]
    return step


def pretraining_stage(cfg, run_dir, model_kwargs):
    """Before supervised training: run `cfg.pretrain`; returns its encoder's path, or None.

    Nothing runs with pretrain=none or when `pretrained` is already set; an
    encoder already in `<run_dir>/pretrain` (a resumed run) is reused.
    """
    if cfg.get("pretrain") is None or cfg.pretrain.method == "none" or cfg.get("pretrained"):
        return None
    stage_dir = os.path.join(run_dir, "pretrain")
    path = os.path.join(stage_dir, ENCODER_FILE)
    if not os.path.isfile(path):
        pretrain(cfg, stage_dir, model_kwargs)
    return path
