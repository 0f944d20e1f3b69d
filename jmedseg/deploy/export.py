"""A trained model as one self-contained file (`.jmed`) that loads without the training configs.

The file is a numpy `.npz` archive: the weights as plain arrays plus one JSON
document (`meta.json`) holding everything inference needs -- architecture and
its options, input windows, the pixel size and image size it was trained for,
class names -- and the format name and version. It is read with
`allow_pickle=False` (jmedseg.utils.archive), so opening a model file cannot
run code.
"""
import numpy as np
from omegaconf import OmegaConf

from jmedseg.errors import InputError
from jmedseg.training.checkpoint import CheckpointError, load_checkpoint
from jmedseg.utils.archive import archive_bytes, read_archive
from jmedseg.utils.files import atomic_write_bytes
from jmedseg.version import __version__

FORMAT = "jmedseg-model"
VERSION = 1
STATE_PREFIX = "state/"


class ModelFileError(InputError):
    """A model file that is missing, corrupt, of another format, or of a newer version."""


# what inference reads from meta.json, and its JSON type (a file lacking one cannot be used)
REQUIRED_META = {"model_name": str, "model_kwargs": dict, "in_channels": int, "num_classes": int,
                 "class_names": list, "windows": list}


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
        "format": FORMAT, "version": VERSION, "jmedseg_version": __version__,
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
    atomic_write_bytes(out_path, archive_bytes(arrays, meta, compress=True))
    return meta


def read_model_file(path):
    """`(meta, state)` of a `.jmed` file, with a clear error for anything that is not one."""
    path = str(path)
    hint = "make one from a training run with `jmedseg export RUN_DIR --out model.jmed`"
    meta, arrays = read_archive(path, "model file", hint, ModelFileError)
    state = {k[len(STATE_PREFIX):]: a for k, a in arrays.items() if k.startswith(STATE_PREFIX)}
    if meta.get("format") != FORMAT:
        raise ModelFileError(f"{path} has format {meta.get('format')!r}, not {FORMAT!r}: not a jmedseg "
                             f"model file; {hint}")
    if int(meta.get("version", 0)) > VERSION:
        raise ModelFileError(f"{path} is model-file version {meta['version']}, this jmedseg "
                             f"{__version__} reads up to {VERSION}: upgrade jmedseg")
    _check_meta(path, meta, hint)
    return meta, state


def _check_meta(path, meta, hint):
    """Refuse metadata that lacks what inference reads (an edited or damaged file), naming the key."""
    missing = [k for k in REQUIRED_META if k not in meta]
    wrong = [k for k, kind in REQUIRED_META.items()
             if k in meta and (not isinstance(meta[k], kind) or isinstance(meta[k], bool))]
    windows = meta.get("windows")
    if not missing and not wrong and (len(windows) != meta["in_channels"] or not all(
            isinstance(w, list) and len(w) == 2 and all(isinstance(v, (int, float)) for v in w) for w in windows)):
        wrong.append("windows (one [low, high] HU pair per input channel)")
    if missing or wrong:
        problems = ([f"lacks {', '.join(missing)}"] if missing else []) + \
            ([f"has a wrong {', '.join(wrong)}"] if wrong else [])
        raise ModelFileError(f"{path}: its metadata {' and '.join(problems)}, so it cannot be used (an edited or "
                             f"damaged file); export the model again: {hint}")


def load_model_file(path):
    """The Jittor model of a `.jmed` file, in eval mode, and its metadata."""
    from jmedseg.training.checkpoint import load_weights
    from jmedseg.models.build import model_from_checkpoint

    from jmedseg.models.registry import UnknownModelError

    meta, state = read_model_file(path)
    payload = {"model_name": meta["model_name"], "model_kwargs": meta["model_kwargs"], "state": state}
    try:
        model = model_from_checkpoint(payload, meta["in_channels"], meta["num_classes"])  # STN wrapper included
    except UnknownModelError as err:
        unknown = str(err).split(" Registered models")[0]   # the full list would fill the screen
        raise ModelFileError(f"{path} holds a model this jmedseg {__version__} cannot build: {unknown} Use "
                             "the jmedseg version that exported it, or export the model again") from None
    load_weights(model, payload)
    model.eval()
    return model, meta
