"""Checkpoints: model weights, optimizer state and the resolved config, written atomically.

A checkpoint is a pickled dict of numpy arrays and plain values (no Jittor
objects), so it loads anywhere and a half-written file never replaces a good
one: we write to a temporary name in the same folder, then rename.
"""
import os
import pickle
import tempfile

import numpy as np

FORMAT = "jmedseg-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    pass


def atomic_write_bytes(path, data):
    """Write `data` to `path` through a temp file + rename, so readers never see half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def state_to_numpy(module):
    return {k: np.asarray(v.numpy()).copy() for k, v in module.state_dict().items()}


def save_checkpoint(path, model, model_name, model_kwargs, config_yaml, epoch=0, step=0,
                    best_score=None, optimizer=None, extra=None):
    payload = {
        "format": FORMAT, "version": VERSION,
        "model_name": model_name, "model_kwargs": dict(model_kwargs),
        "state": state_to_numpy(model),
        "optimizer": _optimizer_state(optimizer) if optimizer is not None else None,
        "epoch": epoch, "step": step, "best_score": best_score,
        "config_yaml": config_yaml, "extra": extra or {},
    }
    atomic_write_bytes(path, pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))


def load_checkpoint(path):
    if not os.path.isfile(path):
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        with open(path, "rb") as f:
            payload = pickle.load(f)
    except Exception as err:
        raise CheckpointError(f"{path} is not a readable jmedseg checkpoint ({err})") from err
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a jmedseg checkpoint (no '{FORMAT}' header)")
    if payload.get("version", 0) > VERSION:
        raise CheckpointError(f"{path} has checkpoint version {payload['version']}; this jmedseg reads "
                              f"up to {VERSION}: upgrade jmedseg")
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
