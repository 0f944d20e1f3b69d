"""What a model expects as input: one record, made from the data config, saved with every checkpoint and `.jmed`.

Training, export, inference (whole slices or vertebra crops) and pretraining read
the same `InputSpec`, so a model never meets an input it was not trained on
without being told (the role of nnU-Net's plans file and timm's pretrained config).
Fields:

- `windows`: HU windows, one input channel each (paper section 2: one window).
- `context_slices`: k neighbouring slices on each side (2.5D); the channels are
  slice-major: (slice -k: every window), ..., (slice +k: every window).
- `pixel_mm`, `image_size`: the grid the slices were resampled onto.
- `view`: `crop` (image_size pixels around one vertebra's body, what
  jmedseg/data/slices.py and `view: crop` synthetic CT give) or `full` (the whole field of view).
- `slice_mm`: [thinnest, thickest] slice thickness (mm) of the training volumes, when known.
- `pad_hu`: the HU value outside the image (air), used when padding or cropping.
- `orientation`: volumes are reoriented to canonical RAS+ before slicing (jmedseg/data/io).
"""
from dataclasses import asdict, dataclass

import numpy as np

from jmedseg.errors import ConfigError, InputError

VIEWS = ("crop", "full")
# Slices of cohorts and phantoms are cut around a vertebra's body (jmedseg/data/slices.py): `crop`. The paper's
# exported images are whole CT slices: `full`. Synthetic CT says which in `data.view`.
VIEW_OF_DATA = {"paper": "full"}
AIR_HU = -1000.0   # what the training slices hold outside the body and beyond the field of view
DEFAULT_WINDOW = (-200.0, 1000.0)  # HU range mapped to [0, 1]: soft tissue to cortical bone


def window_hu(hu, windows=(DEFAULT_WINDOW,)):
    """Map HU to channels in [0, 1], one channel per (low, high) window."""
    hu = np.asarray(hu, np.float32)
    chans = []
    for lo, hi in windows:
        if hi <= lo:
            raise ConfigError(f"HU window needs low < high, got ({lo}, {hi})")
        chans.append(np.clip((hu - lo) / (hi - lo), 0.0, 1.0))
    return np.stack(chans, axis=-3)


@dataclass(frozen=True)
class InputSpec:
    windows: tuple
    context_slices: int = 0
    pixel_mm: float = None
    image_size: int = None
    view: str = "crop"
    slice_mm: tuple = None
    pad_hu: float = AIR_HU
    orientation: str = "RAS"

    def __post_init__(self):
        if not self.windows or any(hi <= lo for lo, hi in self.windows):
            raise ConfigError(f"HU windows must be (low, high) pairs with low < high, got {self.windows}")
        if self.context_slices < 0:
            raise ConfigError(f"data.context_slices must be 0 or more (neighbours on each side), "
                              f"got {self.context_slices}")
        if self.view not in VIEWS:
            raise ConfigError(f"data.view must be one of {', '.join(VIEWS)}, got {self.view!r}")

    @property
    def depth(self):
        """Slices per input: the slice itself and its neighbours (2k + 1)."""
        return 2 * self.context_slices + 1

    @property
    def in_channels(self):
        return len(self.windows) * self.depth

    @classmethod
    def from_data_config(cls, cfg):
        """The spec of data config `cfg` (a `data/` group node): what the training slices are."""
        windows = tuple((float(lo), float(hi)) for lo, hi in cfg.windows)
        size, pixel = cfg.get("image_size"), cfg.get("pixel_mm")
        return cls(windows=windows, context_slices=int(cfg.get("context_slices") or 0),
                   pixel_mm=float(pixel) if pixel else None, image_size=int(size) if size else None,
                   view=str(cfg.get("view") or VIEW_OF_DATA.get(cfg.get("name"), "crop")), slice_mm=_slice_range(cfg))

    def to_dict(self):
        """Plain JSON-ready values (lists, not tuples), as stored in checkpoints and `.jmed` metadata."""
        out = asdict(self)
        out["windows"] = [list(w) for w in self.windows]
        out["slice_mm"] = list(self.slice_mm) if self.slice_mm else None
        return out

    @classmethod
    def from_dict(cls, values):
        """The spec stored by `to_dict`; unknown keys are refused (a file from a newer jmedseg)."""
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise InputError(f"input specification has unknown fields {sorted(unknown)}: the model was made by "
                             "a newer jmedseg; upgrade jmedseg")
        values = dict(values)
        values["windows"] = tuple(tuple(float(x) for x in w) for w in values["windows"])
        if values.get("slice_mm"):
            values["slice_mm"] = tuple(float(x) for x in values["slice_mm"])
        return cls(**values)

    def network_input(self, stacks_hu):
        """`[N, depth, H, W]` HU (a slice with its neighbours) -> `[N, in_channels, H, W]` in [0, 1]."""
        stacks_hu = np.asarray(stacks_hu, np.float32)
        if stacks_hu.ndim != 4 or stacks_hu.shape[1] != self.depth:
            raise InputError(f"expected [N, {self.depth}, H, W] slices (context_slices={self.context_slices}), "
                             f"got shape {stacks_hu.shape}")
        # (N, D, windows, H, W) -> (N, D * windows, H, W): slice-major, as the training Dataset stacks them
        return window_hu(stacks_hu, self.windows).reshape(len(stacks_hu), self.in_channels, *stacks_hu.shape[-2:])

    def neighbours(self, planes, indices):
        """`[len(indices), depth, ...]`: each plane of `planes` [Z, ...] with its k neighbours; the end planes repeat."""
        offsets = np.arange(-self.context_slices, self.context_slices + 1)
        picks = np.clip(np.asarray(indices)[:, None] + offsets[None, :], 0, len(planes) - 1)
        return np.asarray(planes)[picks]


def _slice_range(cfg):
    """[thinnest, thickest] slice thickness of the built-in phantom's sites; None for other data (unknown)."""
    if cfg.get("slice_mm"):
        return tuple(float(x) for x in cfg.slice_mm)
    if cfg.get("name") != "synthetic":
        return None
    from jmedseg.data.phantom import SITES

    thick = sorted({float(site.slice_mm) for site in SITES.values()})
    return (thick[0], thick[-1])


def spec_of_model_meta(meta):
    """The spec of a `.jmed` file's metadata; files made before the spec existed get theirs from the old keys."""
    if meta.get("input"):
        return InputSpec.from_dict(meta["input"])
    thick = meta.get("slice_mm")
    return InputSpec(windows=tuple(tuple(w) for w in meta["windows"]), context_slices=0,
                     pixel_mm=meta.get("pixel_mm"), image_size=meta.get("image_size"),
                     view=meta.get("view") or "full", slice_mm=(min(thick), max(thick)) if thick else None,
                     pad_hu=-1024.0, orientation=meta.get("orientation", "RAS"))
