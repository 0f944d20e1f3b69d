"""Saving a pretrained encoder and loading it into a segmentation model (`pretrained=PATH`).

The saved file is a jmedseg checkpoint (atomic, pickle-free) whose state holds
only the encoder: the parameters that `encoder_features` depends on, found by
back-propagating a random projection of the features, plus the batch-norm
statistics of the same layers. Decoder and head keep their initialisation when
it is loaded, and the loader says which parameters it loaded and which not.
"""
import copy
import logging
from collections import Counter

import numpy as np

from jmedseg.backend import jt
from jmedseg.training.checkpoint import CheckpointError, checkpoint_payload, load_checkpoint, write_payload
from jmedseg.training.trainer import is_main_process

ENCODER_KIND = "pretrained-encoder"
logger = logging.getLogger(__name__)


def encoder_parameter_names(model, sample):
    """Names of the state entries that `model.encoder_features` uses, for an input like `sample`.

    A fixed random projection of the features is back-propagated (a plain sum
    can be blind to parameters whose effect sums to zero); every parameter with
    a non-zero gradient is part of the encoder, and the running statistics of
    its layers come along.
    """
    probe = copy.deepcopy(model)  # train mode on a copy: Jittor's eval() stops all gradients, and
    probe.train()                 # a forward in train mode would move the model's batch-norm statistics
    named = [(n, p) for n, p in probe.named_parameters() if not p.is_stop_grad()]
    feats = probe.encoder_features(sample)
    proj = jt.array(np.random.default_rng(0).standard_normal(feats.shape).astype(np.float32))
    grads = jt.grad((feats * proj).sum(), [p for _, p in named])
    used = {n for (n, _), g in zip(named, grads) if float(np.abs(g.numpy()).max()) > 0}
    layers = {n.rsplit(".", 1)[0] for n in used}
    return sorted(n for n in model.state_dict() if n in used or n.rsplit(".", 1)[0] in layers)


def save_encoder(path, model, model_name, model_kwargs, sample, config_yaml="", extra=None):
    """Write the encoder weights of `model` to `path` (atomically); returns the saved names.

    Under mpirun every rank must call it (finding the encoder runs batch norm,
    which synchronises the ranks); only rank 0 writes.
    """
    names = encoder_parameter_names(model, sample)
    if not is_main_process():
        return names
    state = model.state_dict()
    payload = checkpoint_payload(model_name, model_kwargs,
                                 {n: np.asarray(state[n].numpy()).copy() for n in names},
                                 config_yaml, extra=extra, kind=ENCODER_KIND)
    write_payload(path, payload)
    return names


def _by_module(names):
    counts = Counter(n.split(".", 1)[0] for n in names)
    return ", ".join(f"{k} ({v})" for k, v in sorted(counts.items())) or "none"


def load_pretrained(model, path, model_name=None, log=logger.info):
    """Load the parameters of checkpoint `path` whose name and shape match `model`.

    Works with encoder files from pretrain.py and with full training checkpoints.
    Reports loaded / not loaded per top-level module; an error if nothing matches.
    Returns (loaded names, names left at their initialisation).
    """
    payload = load_checkpoint(path)
    state = payload["state"]
    own = model.state_dict()
    loaded = sorted(n for n in own if n in state and tuple(own[n].shape) == tuple(state[n].shape))
    mis_shaped = sorted(n for n in own if n in state and n not in loaded)
    if not loaded:
        raise CheckpointError(
            f"pretrained={path}: none of its {len(state)} tensors matches this "
            f"{model_name or type(model).__name__} by name and shape (it holds {payload['model_name']!r} "
            f"with {payload['model_kwargs']}); pretrain the same model and options, e.g. "
            f"python pretrain.py model={model_name or payload['model_name']}")
    model.load_parameters({n: state[n] for n in loaded})
    kept = sorted(n for n in own if n not in loaded)
    source = payload.get("kind", "checkpoint")
    if model_name and payload["model_name"] != model_name:
        log(f"note: {path} holds {payload['model_name']!r}, loading into {model_name!r} by name")
    log(f"pretrained ({source}) {path}: loaded {len(loaded)}/{len(own)} tensors: "
        f"{_by_module(loaded)}; not loaded (kept initialisation): {_by_module(kept)}")
    if mis_shaped:
        log(f"pretrained: {len(mis_shaped)} tensors skipped for their shape, e.g. {mis_shaped[:3]}")
    unused = sorted(set(state) - set(own))
    if unused:
        log(f"pretrained: {len(unused)} tensors of the file have no counterpart, e.g. {unused[:3]}")
    return loaded, kept
