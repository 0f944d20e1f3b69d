"""Building a model: from a training config (`build_model`) or from what a checkpoint recorded.

The registry (jmedseg/models/registry.py) makes the network; this module adds
the pretrained weights and the wrapper, the same way for a new run, for
evaluation and for an exported `.jmed` file.
"""
import numpy as np
from hydra.utils import instantiate
from omegaconf import OmegaConf

from jmedseg.data.build import input_channels
from jmedseg.models.registry import create_model
from jmedseg.models.stn import SpatialTransformer
from jmedseg.models.weights import load_pretrained

RESERVED_MODEL_KEYS = ("name",)  # the registry's lookup key, not an option of the builder


def model_kwargs(model_cfg):
    """The builder options of a `model/` config: everything but its name and Hydra's `_target_`/`_partial_`."""
    return {k: v for k, v in OmegaConf.to_container(model_cfg, resolve=True).items()
            if k not in RESERVED_MODEL_KEYS and not k.startswith("_")}


def assemble_model(name, in_channels, num_classes, kwargs, stn=False, pretrained=None):
    """`create_model`, then the pretrained weights and the STN wrapper (as a checkpoint records them)."""
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
    """`cfg.model` from the registry, the `cfg.pretrained` weights loaded, inside `cfg.wrapper` (if any).

    Returns the model and the options a checkpoint records (the builder's, plus `stn`).
    """
    model = instantiate(cfg.model, _convert_="all")(in_channels=input_channels(cfg.data),
                                                   num_classes=int(cfg.data.num_classes))
    if cfg.get("pretrained"):
        load_pretrained(model, str(cfg.pretrained), cfg.model.name)
    wrapped = bool(cfg.get("wrapper") and cfg.wrapper.get("_target_"))
    if wrapped:
        model = instantiate(cfg.wrapper, _convert_="all")(model)
    return model, {**model_kwargs(cfg.model), "stn": wrapped}  # evaluate rebuilds the wrapper from `stn`


def count_parameters(model):
    return int(sum(int(np.prod(p.shape)) for p in model.parameters()))
