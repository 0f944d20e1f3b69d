"""A trained model as one self-contained file (`.jmed`) that loads without the training configs.

The file is a numpy `.npz` archive: the weights as plain arrays plus one JSON
document (`meta.json`) holding everything inference needs -- architecture and
its options, input windows, the pixel size and image size it was trained for,
class names -- and the format name and version. It is read with
`allow_pickle=False`, so opening a model file cannot run code (a pickled
checkpoint can).
"""
import io
import json
import zipfile

import numpy as np
from omegaconf import OmegaConf

import jmedseg
from jmedseg.checkpoint import CheckpointError, atomic_write_bytes, load_checkpoint

FORMAT = "jmedseg-model"
VERSION = 1
META_KEY = "meta.json"
STATE_PREFIX = "state/"


class ModelFileError(ValueError):
    """A model file that is missing, corrupt, of another format, or of a newer version."""


def model_meta(payload, checkpoint_path):
    """Inference metadata from a training checkpoint's resolved config."""
    cfg = OmegaConf.create(payload["config_yaml"])
    data = cfg.data
    names = list(data.get("class_names") or [])
    num_classes = int(data.num_classes)
    if len(names) != num_classes:
        raise CheckpointError(f"{checkpoint_path}: data.class_names has {len(names)} names for "
                              f"{num_classes} classes; cannot label the exported model's outputs")
    return {
        "format": FORMAT, "version": VERSION, "jmedseg_version": jmedseg.__version__,
        "model_name": payload["model_name"], "model_kwargs": payload["model_kwargs"],
        "in_channels": len(data.windows), "num_classes": num_classes, "class_names": names,
        "windows": [[float(lo), float(hi)] for lo, hi in data.windows],
        "image_size": int(data.image_size) if data.get("image_size") else None,
        "pixel_mm": float(data.pixel_mm) if data.get("pixel_mm") else None,
        "slice_mm": _slice_thicknesses(data),
        "orientation": "RAS",  # jmedseg.data.io reorients every volume to canonical RAS+
        "source_checkpoint": str(checkpoint_path), "step": int(payload.get("step", 0)),
        "best_score": payload.get("best_score"), "monitor": str(cfg.trainer.get("monitor", "")),
    }


def _slice_thicknesses(data_cfg):
    """Slice thicknesses (mm) the training volumes had, when known (the built-in phantom's sites), else None."""
    if data_cfg.get("name") != "synthetic":
        return None
    from jmedseg.data.phantom import SITES

    return sorted({float(site.slice_mm) for site in SITES.values()})


def export_model(checkpoint_path, out_path, extra_meta=None):
    """Pack the checkpoint's weights and inference metadata into `out_path`; returns the metadata.

    `extra_meta` (JSON-serialisable) is merged into the metadata, e.g. how the model was made.
    """
    payload = load_checkpoint(checkpoint_path)
    meta = model_meta(payload, checkpoint_path)
    meta.update(extra_meta or {})
    arrays = {STATE_PREFIX + k: np.asarray(v) for k, v in payload["state"].items()}
    arrays[META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    atomic_write_bytes(out_path, buf.getvalue())
    return meta


def read_model_file(path):
    """`(meta, state)` of a `.jmed` file, with a clear error for anything that is not one."""
    path = str(path)
    hint = "make one from a training run with `jmedseg export RUN_DIR --out model.jmed`"
    try:
        archive = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise ModelFileError(f"model file not found: {path}") from None
    except (zipfile.BadZipFile, ValueError, OSError) as err:
        raise ModelFileError(f"{path} is not a jmedseg model file ({err}); {hint}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile) or META_KEY not in archive.files:
        raise ModelFileError(f"{path} is not a jmedseg model file (no {META_KEY}); {hint}")
    with archive:
        meta = json.loads(archive[META_KEY].tobytes().decode())
        state = {k[len(STATE_PREFIX):]: archive[k] for k in archive.files if k.startswith(STATE_PREFIX)}
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path} has format {meta.get('format')!r}, not {FORMAT!r}")
    if int(meta.get("version", 0)) > VERSION:
        raise ModelFileError(f"{path} is model-file version {meta['version']}, this jmedseg "
                             f"{jmedseg.__version__} reads up to {VERSION}: upgrade jmedseg")
    return meta, state


def load_model_file(path):
    """The Jittor model of a `.jmed` file, in eval mode, and its metadata."""
    from jmedseg.checkpoint import load_weights
    from jmedseg.engine import model_from_checkpoint

    meta, state = read_model_file(path)
    payload = {"model_name": meta["model_name"], "model_kwargs": meta["model_kwargs"], "state": state}
    model = model_from_checkpoint(payload, meta["in_channels"], meta["num_classes"])  # STN wrapper included
    load_weights(model, payload)
    model.eval()
    return model, meta
