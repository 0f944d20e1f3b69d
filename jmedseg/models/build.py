"""Building a model: from a training config (`build_model`) or from what a checkpoint recorded.

The registry (jmedseg/models/registry.py) makes the network; this module adds
the pretrained weights and the wrapper, the same way for a new run, for
evaluation and for an exported `.jmed` file. A checkpoint records, next to the
builder's options, the wrapper's config node (`wrapper`: its `_target_` and
options, rebuilt only from registered wrappers) and the input specification
(`input`: jmedseg/data/input_spec.py), from which the input channels follow.
"""
import numpy as np
from hydra.utils import instantiate
from omegaconf import OmegaConf

from jmedseg.data.input_spec import InputSpec
from jmedseg.models.registry import create_model, wrapper_class
from jmedseg.models.weights import load_pretrained

RESERVED_MODEL_KEYS = ("name",)  # the registry's lookup key, not an option of the builder
STN_NODE = {"_target_": "jmedseg.models.stn.SpatialTransformer"}   # checkpoints before the node: `stn: true`


def model_kwargs(model_cfg):
    """The builder options of a `model/` config: everything but its name and Hydra's `_target_`/`_partial_`."""
    return {k: v for k, v in OmegaConf.to_container(model_cfg, resolve=True).items()
            if k not in RESERVED_MODEL_KEYS and not k.startswith("_")}


def wrapper_node(wrapper_cfg):
    """The `wrapper/` config as a checkpoint stores it: `_target_` and options (None: no wrapper)."""
    if not wrapper_cfg or not wrapper_cfg.get("_target_"):
        return None
    node = {k: v for k, v in OmegaConf.to_container(wrapper_cfg, resolve=True).items() if k != "_partial_"}
    wrapper_class(node["_target_"])   # refused now, not when the exported file is loaded
    return node


def wrap(model, node):
    """`model` inside the wrapper a stored node names (None: the model itself)."""
    if not node:
        return model
    options = {k: v for k, v in node.items() if not k.startswith("_")}
    return wrapper_class(node["_target_"])(model, **options)


def assemble_model(name, in_channels, num_classes, kwargs, wrapper=None, pretrained=None):
    """`create_model`, then the pretrained weights and the wrapper node (as a checkpoint records them)."""
    model = create_model(name, in_channels=in_channels, num_classes=num_classes, **kwargs)
    if pretrained:
        load_pretrained(model, str(pretrained), name)
    return wrap(model, wrapper)


def recorded(payload):
    """(builder options, wrapper node, InputSpec or None) of a checkpoint's or model file's `model_kwargs`."""
    kwargs = dict(payload["model_kwargs"])
    stn = kwargs.pop("stn", False)
    wrapper = kwargs.pop("wrapper", None) or (STN_NODE if stn else None)
    spec = kwargs.pop("input", None)
    return kwargs, wrapper, InputSpec.from_dict(spec) if spec else None


def model_from_checkpoint(payload, in_channels=None, num_classes=None):
    """The (possibly wrapped) model a checkpoint was saved from, without its weights.

    `in_channels` defaults to the recorded input specification's; older checkpoints must be given it.
    """
    kwargs, wrapper, spec = recorded(payload)
    return assemble_model(payload["model_name"], in_channels or spec.in_channels, num_classes, kwargs, wrapper)


def build_model(cfg):
    """`cfg.model` from the registry, the `cfg.pretrained` weights loaded, inside `cfg.wrapper` (if any).

    Returns the model and the options a checkpoint records (the builder's, the wrapper node, the input spec).
    """
    spec = InputSpec.from_data_config(cfg.data)
    model = instantiate(cfg.model, _convert_="all")(in_channels=spec.in_channels,
                                                   num_classes=int(cfg.data.num_classes))
    if cfg.get("pretrained"):
        load_pretrained(model, str(cfg.pretrained), cfg.model.name)
    node = wrapper_node(cfg.get("wrapper"))
    return wrap(model, node), {**model_kwargs(cfg.model), "wrapper": node, "input": spec.to_dict()}


def count_parameters(model):
    return int(sum(int(np.prod(p.shape)) for p in model.parameters()))
