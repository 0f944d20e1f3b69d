"""Checkpoints: model weights, optimizer state and the resolved config, written atomically.

A checkpoint is a pickle-free archive (jmedseg.utils.archive: an `.npz` of
arrays plus one JSON document, read with `allow_pickle=False`), so opening one
never runs code, and it is written through a temporary file and a rename
(jmedseg.utils.files), so a half-written file never replaces a good one.

jmedseg before checkpoint version 2 pickled its checkpoints. Such a file is
refused; `jmedseg convert-checkpoint OLD NEW --trust-pickle` converts one the
user trusts, reading it with an unpickler that builds numpy arrays and plain
containers only.
"""
import logging
import os
import pickle

import numpy as np

from jmedseg.utils.archive import PICKLE_MAGIC, load_tree, save_tree
from jmedseg.errors import JmedsegError

logger = logging.getLogger(__name__)

FORMAT = "jmedseg-checkpoint"
VERSION = 2          # 1: pickled (refused unless trusted and converted); 2: pickle-free archive
CONVERT_HINT = ("if you trust where it came from, convert it once with "
                "`jmedseg convert-checkpoint OLD.ckpt NEW.ckpt --trust-pickle`")


class CheckpointError(JmedsegError, ValueError):
    pass


def state_to_numpy(module):
    return {k: np.asarray(v.numpy()).copy() for k, v in module.state_dict().items()}


def checkpoint_payload(model_name, model_kwargs, state, config_yaml, epoch=0, step=0, best_score=None,
                       optimizer_state=None, extra=None, kind=None):
    """The dict a checkpoint file holds (what `load_checkpoint` returns)."""
    payload = {
        "format": FORMAT, "version": VERSION,
        "model_name": model_name, "model_kwargs": dict(model_kwargs),
        "state": dict(state), "optimizer": optimizer_state,
        "epoch": epoch, "step": step, "best_score": best_score,
        "config_yaml": config_yaml, "extra": extra or {},
    }
    if kind is not None:
        payload["kind"] = kind
    return payload


def write_payload(path, payload):
    """Write a checkpoint dict (plain values and numpy arrays) to `path`, atomically."""
    try:
        save_tree(path, payload)
    except TypeError as err:
        raise CheckpointError(f"cannot write checkpoint {path}: {err}") from None


def save_checkpoint(path, model, model_name, model_kwargs, config_yaml, epoch=0, step=0,
                    best_score=None, optimizer=None, extra=None):
    optimizer_state = _optimizer_state(optimizer) if optimizer is not None else None
    write_payload(path, checkpoint_payload(model_name, model_kwargs, state_to_numpy(model), config_yaml,
                                           epoch, step, best_score, optimizer_state, extra))


def load_checkpoint(path, trust_pickle=False):
    """The checkpoint dict in `path`; a clear one-line error for anything else.

    `trust_pickle=True` also reads a checkpoint pickled by jmedseg before version
    2, through an unpickler that builds numpy arrays and plain containers only;
    use it only for a file whose origin you trust.
    """
    path = os.fspath(path)
    if trust_pickle and _is_pickle(path):
        payload = _load_trusted_pickle(path)
    else:
        payload = load_tree(path, "checkpoint", CONVERT_HINT if _is_pickle(path) else "", CheckpointError)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a jmedseg checkpoint (no '{FORMAT}' header)")
    if payload.get("version", 0) > VERSION:
        raise CheckpointError(f"{path} has checkpoint version {payload['version']}; this jmedseg reads "
                              f"up to {VERSION}: upgrade jmedseg")
    return payload


def convert_pickle_checkpoint(src, dst):
    """Rewrite a trusted pickled checkpoint (jmedseg before version 2) in the pickle-free format."""
    payload = load_checkpoint(src, trust_pickle=True)
    payload["version"] = VERSION
    write_payload(dst, payload)
    return payload


def load_weights(model, payload, model_name=None):
    """Load checkpoint weights into `model`; a checkpoint of another model is an error."""
    if model_name is not None and payload["model_name"] != model_name:
        raise CheckpointError(f"checkpoint holds model {payload['model_name']!r}, not {model_name!r}; "
                              f"set model={payload['model_name']} or pick another checkpoint")
    own = model.state_dict()
    state = payload["state"]
    missing = sorted(set(own) - set(state))
    bad_shape = [k for k in own if k in state and tuple(own[k].shape) != tuple(state[k].shape)]
    if missing or bad_shape:
        raise CheckpointError(
            f"checkpoint does not fit this {payload['model_name']!r}: {len(missing)} missing and "
            f"{len(bad_shape)} mis-shaped parameters (e.g. {(missing + bad_shape)[:3]}); was it trained "
            f"with other model options than {payload['model_kwargs']}?")
    model.load_parameters(state)


def _optimizer_state(optimizer):
    state = optimizer.state_dict()

    def to_np(obj):
        if hasattr(obj, "numpy"):
            return obj.numpy().copy()
        if isinstance(obj, dict):
            return {k: to_np(v) for k, v in obj.items()}
        if isinstance(obj, (list, tuple)):
            return type(obj)(to_np(v) for v in obj)
        return obj

    return to_np(state)


def _is_pickle(path):
    try:
        with open(path, "rb") as f:
            return f.read(1) == PICKLE_MAGIC
    except OSError:
        return False


class _ArraysOnlyUnpickler(pickle.Unpickler):
    """Builds numpy arrays, numpy scalars and ordered dicts; refuses every other global (no code runs)."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),  # pickle protocol 5
        ("numpy", "ndarray"), ("numpy", "dtype"), ("collections", "OrderedDict"),
    }

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED or (module == "numpy.dtypes" and name.endswith("DType")):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a checkpoint holds arrays and plain "
                                     "values only")


def _load_trusted_pickle(path):
    try:
        with open(path, "rb") as f:
            payload = _ArraysOnlyUnpickler(f).load()
    except Exception as err:  # any unpickling failure means: not an old jmedseg checkpoint
        raise CheckpointError(f"{path} is not a readable pickled jmedseg checkpoint ({err})") from None
    if isinstance(payload, dict) and payload.get("format") == FORMAT:
        logger.warning("%s is a pickled checkpoint (version 1); loaded because trust_pickle was set", path)
    return payload
