"""Checks of a training config before anything runs: one clear line per impossible value."""
import math

from omegaconf import OmegaConf

from jmedseg.errors import ConfigError


def _whole(cfg, key, minimum, example, allow_none=False):
    value = OmegaConf.select(cfg, key)
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{key}={value}: must be a whole number >= {minimum} (e.g. {key}={example})")


def _positive(cfg, key, example):
    value = OmegaConf.select(cfg, key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (math.isfinite(value) and value > 0):
        raise ConfigError(f"{key}={value}: must be a positive number (e.g. {key}={example})")


def check_train_config(cfg):
    """Raise ConfigError naming the first value that cannot work (batch size 0, a negative rate, ...)."""
    _whole(cfg, "trainer.epochs", 1, 12)
    _whole(cfg, "trainer.batch_size", 1, 4)
    _whole(cfg, "trainer.max_steps", 1, 100, allow_none=True)
    _positive(cfg, "trainer.lr", 0.003)
    _whole(cfg, "data.num_classes", 2, 3)
    if not cfg.data.get("windows"):
        raise ConfigError("data.windows is empty: give at least one HU window, e.g. data.windows=[[-200,1000]]")
    if cfg.get("pretrain") is not None and cfg.pretrain.get("method", "none") != "none":
        check_pretrain_config(cfg)


def check_pretrain_config(cfg):
    _whole(cfg, "pretrain.steps", 1, 200)
    _whole(cfg, "pretrain.batch_size", 2, 8)
    _whole(cfg, "pretrain.queue_size", 1, 32)
    _positive(cfg, "pretrain.lr", 0.001)
    _positive(cfg, "pretrain.temperature", 0.07)
