"""Random views of a windowed slice for contrastive pretraining (paper supplement B.2.1).

Each view is one random affine resampling (crop-and-resize, flip, rotation)
followed by intensity changes (contrast, brightness, gamma, noise), applied to
the windowed slice `[C, H, W]` in [0, 1]. Two independent views of the same
slice are a positive pair. Labels are never involved: pretraining is unsupervised.
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from jmedseg.errors import ConfigError


@dataclass(frozen=True)
class ViewSpec:
    crop_scale: tuple = (0.6, 1.0)   # side of the random crop, as a fraction of the slice side
    max_rotation_deg: float = 30.0
    flip: bool = True                # random left-right flip
    brightness: float = 0.1          # additive shift drawn from [-b, b] (windowed units)
    contrast: float = 0.2            # gain drawn from [1 - c, 1 + c] around mid-grey
    gamma: float = 0.3               # exponent drawn from [1 - g, 1 + g]
    noise_sd: float = 0.02

    def __post_init__(self):
        lo, hi = self.crop_scale
        if not 0 < lo <= hi <= 1:
            raise ConfigError(f"crop_scale must satisfy 0 < low <= high <= 1, got {self.crop_scale}")
        if not 0 <= self.gamma < 1 or not 0 <= self.contrast < 1:
            raise ConfigError(f"gamma and contrast ranges must lie in [0, 1), got {self.gamma}, {self.contrast}")


def _random_affine(rng, shape, spec):
    """Matrix and offset mapping output pixel coordinates to input coordinates (scipy convention)."""
    h, w = shape
    scale = rng.uniform(*spec.crop_scale)
    angle = np.deg2rad(rng.uniform(-spec.max_rotation_deg, spec.max_rotation_deg))
    flip = -1.0 if spec.flip and rng.random() < 0.5 else 1.0
    cos, sin = np.cos(angle), np.sin(angle)
    matrix = scale * np.array([[cos, -sin], [sin, cos]]) @ np.diag([1.0, flip])
    # the crop centre moves at most as far as keeps an unrotated crop inside the slice
    shift = (1 - scale) / 2 * np.array([h, w]) * rng.uniform(-1, 1, size=2)
    centre = (np.array([h, w]) - 1) / 2
    offset = centre + shift - matrix @ centre
    return matrix, offset


def random_view(rng, image, spec=ViewSpec()):
    """One random view of `image` `[C, H, W]` (float, windowed to [0, 1])."""
    image = np.asarray(image, np.float32)
    if image.ndim != 3:
        raise ConfigError(f"random_view expects a windowed slice [C, H, W], got shape {image.shape}")
    matrix, offset = _random_affine(rng, image.shape[1:], spec)
    out = np.stack([ndimage.affine_transform(ch, matrix, offset, order=1, mode="nearest") for ch in image])
    gain = rng.uniform(1 - spec.contrast, 1 + spec.contrast)
    out = (out - 0.5) * gain + 0.5 + rng.uniform(-spec.brightness, spec.brightness)
    out = np.clip(out, 0.0, 1.0) ** rng.uniform(1 - spec.gamma, 1 + spec.gamma)
    out = out + rng.normal(0.0, spec.noise_sd, size=out.shape)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def two_views(rng, images, spec=ViewSpec()):
    """Query and key batches `[N, C, H, W]`: two independent random views of each image."""
    query = np.stack([random_view(rng, im, spec) for im in images])
    key = np.stack([random_view(rng, im, spec) for im in images])
    return query, key
