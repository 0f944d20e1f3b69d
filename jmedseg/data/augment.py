"""CT-aware augmentation of windowed slices, built on albumentations (config group `augment/`).

Intensity transforms work on the windowed channels in [0, 1]: brightness and
contrast, gamma, Gaussian blur and noise, and hue/saturation shifts when the
input has exactly three channels (three HU windows read as an RGB image, as
in the paper's colour augmentation, supplement B.3.1). Geometric transforms
(rotation, scale, shift) are optional and move the image and its label map
together. Each call is seeded, so a slice gets the same draw for the same
(seed, epoch, index) on any run.
"""
import os

import numpy as np

from jmedseg.errors import ConfigError

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")  # no version check over the network at import


def _pair(value, name):
    lo, hi = (float(v) for v in value)
    if hi < lo:
        raise ConfigError(f"augment.{name}: needs [low, high] with low <= high, got {list(value)}")
    return lo, hi


class Augmenter:
    """`(x [C, H, W] in [0, 1], y [H, W], seed) -> (x, y)` with albumentations transforms.

    Built from an `augment/` yaml (its `_target_`); ranges are [low, high] pairs.
    """

    def __init__(self, p=0.5, brightness=0.1, contrast=0.1, gamma=(85, 115), blur_sigma=(0.3, 0.8),
                 noise_std=(0.0, 0.03), hue_shift=8, sat_shift=12, geometric=False, rotate_deg=0.0,
                 scale=(1.0, 1.0), translate=0.0):
        import albumentations as A

        p = float(p)
        color = [
            A.RandomBrightnessContrast(brightness_limit=float(brightness), contrast_limit=float(contrast), p=p),
            A.RandomGamma(gamma_limit=_pair(gamma, "gamma"), p=p),
            A.GaussianBlur(sigma_limit=_pair(blur_sigma, "blur_sigma"), blur_limit=0, p=p),
            A.GaussNoise(std_range=_pair(noise_std, "noise_std"), p=p),
        ]
        self.hue = A.HueSaturationValue(hue_shift_limit=float(hue_shift), sat_shift_limit=float(sat_shift),
                                        val_shift_limit=0, p=p)
        moves = [A.Affine(rotate=(-float(rotate_deg), float(rotate_deg)), scale=_pair(scale, "scale"),
                          translate_percent=(-float(translate), float(translate)),
                          interpolation=1, mask_interpolation=0, fill=0, fill_mask=0, p=p)] if geometric else []
        self.gray = A.Compose(moves + color)
        self.rgb = A.Compose(moves + color + [self.hue])

    def __call__(self, x, y, seed=0):
        pipeline = self.rgb if x.shape[0] == 3 else self.gray  # hue/saturation only mean something in 3 channels
        pipeline.set_random_seed(int(seed) % (2**32))
        out = pipeline(image=np.ascontiguousarray(np.transpose(x, (1, 2, 0)), np.float32),
                       mask=np.ascontiguousarray(y))
        image = np.clip(out["image"], 0.0, 1.0).reshape(x.shape[1], x.shape[2], x.shape[0])
        return np.transpose(image, (2, 0, 1)).astype(np.float32), out["mask"].astype(np.int32)


def build_augment(cfg, seed=0):
    """The transform for the training split (the `augment/` group's `_target_`), or None for `augment=none`."""
    if not cfg or not cfg.get("_target_"):
        return None
    from hydra.utils import instantiate

    return instantiate(cfg, _convert_="all")
