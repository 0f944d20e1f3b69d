"""A random CT scanner and what it does to an ideal slice: resolution, kernel, noise, streaks, metal.

The ideal slice (fine grid, already averaged over the slice thickness) is
blurred by the kernel's point spread, sampled at the scanner's pixel size,
given noise whose texture follows the kernel (smooth kernels: correlated,
sharp: fine-grained with edge overshoot), beam-hardening streaks between dense
structures, and sometimes metal with its radial streaks; values are rounded
to integer HU and clipped to the stored range, as a scanner writes them.
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

HU_MIN, HU_MAX = -1024.0, 3071.0
FWHM_TO_SIGMA = 1.0 / 2.3548


@dataclass
class ScanParams:
    pixel_mm: float       # reconstructed in-plane pixel size
    slice_mm: float       # slice thickness (simulated by averaging thin sub-slices along z)
    fwhm_mm: float        # in-plane point spread of the reconstruction kernel
    sharp: float          # edge enhancement of a sharp kernel (0 smooth .. 1 bone kernel)
    noise_hu: float       # noise SD in water
    streaks: int          # beam-hardening streaks
    metal: bool
    fov_mm: float         # diameter of the reconstruction circle
    fov_shift: tuple      # its centre relative to the body outline's centre (mm)


def draw_scan(rng, coarse_fraction=0.3):
    """Scanner settings; `coarse_fraction` of scans have 1-3 mm pixels (downsampled or low-dose series)."""
    coarse = rng.random() < coarse_fraction
    pixel = float(rng.uniform(1.0, 3.0) if coarse else rng.uniform(0.5, 1.0))
    sharp = float(rng.uniform(0.3, 1.0)) if rng.random() < 0.3 else 0.0
    return ScanParams(
        pixel_mm=pixel, slice_mm=float(rng.uniform(1.0, 5.0)), fwhm_mm=float(rng.uniform(0.5, 1.4)),
        sharp=sharp, noise_hu=float(rng.uniform(5.0, 40.0)), streaks=int(rng.integers(0, 4)),
        metal=rng.random() < 0.05, fov_mm=float(rng.uniform(300.0, 500.0)),
        fov_shift=(float(rng.normal(0, 15)), float(rng.normal(0, 15))),
    )


def sub_slice_offsets(slice_mm, step_mm=1.0):
    """z offsets (mm) of the thin sub-slices whose mean is one thick slice: about one per `step_mm`."""
    n = max(1, int(round(slice_mm / step_mm)))
    return (np.arange(n) - (n - 1) / 2) * (slice_mm / n)


def streaks(uu, vv, rng, n, centre_uv, amplitude=(-90.0, -20.0)):
    """Beam-hardening: dark bands through dense bone (e.g. between pedicles), fading along their length."""
    out = np.zeros(uu.shape, np.float32)
    for _ in range(n):
        ang = rng.uniform(0, np.pi)
        cu, cv = centre_uv[0] + rng.normal(0, 15), centre_uv[1] + rng.normal(0, 15)
        dist = np.abs((uu - cu) * np.sin(ang) - (vv - cv) * np.cos(ang))
        along = np.abs((uu - cu) * np.cos(ang) + (vv - cv) * np.sin(ang))
        width = rng.uniform(1.5, 5.0)
        out += rng.uniform(*amplitude) * np.exp(-0.5 * (dist / width) ** 2) * np.exp(-along / rng.uniform(40, 150))
    return out


def metal(uu, vv, rng, centre_uv):
    """A small metal object (clip, screw) and its radial bright/dark streaks: (added HU, metal mask)."""
    cu, cv = centre_uv[0] + rng.uniform(-60, 60), centre_uv[1] + rng.uniform(-80, 0)
    r = rng.uniform(1.5, 4.0)
    du, dv = uu - cu, vv - cv
    rad = np.hypot(du, dv)
    mask = rad <= r
    theta = np.arctan2(dv, du)
    spokes = np.cos(rng.integers(3, 9) * theta + rng.uniform(0, np.pi)) * rng.uniform(150, 600)
    add = spokes * np.clip(r / np.maximum(rad, r), 0, 1) ** 0.7
    add[mask] = rng.uniform(2500, 3000)
    return add.astype(np.float32), mask


def degrade(ideal_fine, fine_mm, scan, rng, out_shape):
    """The scanner's image of an ideal fine-grid slice, interpolated onto `out_shape` (the model's grid).

    The kernel's point spread and the pixel footprint blur the slice; it is then
    sampled at the scanner's pixel size, noised there (so noise grains have the
    scanner's size), and interpolated back linearly, as inference resamples CT.
    """
    fwhm = np.hypot(scan.fwhm_mm, scan.pixel_mm)  # kernel spread and pixel footprint together
    img = ndimage.gaussian_filter(ideal_fine, fwhm * FWHM_TO_SIGMA / fine_mm, mode="nearest")
    factor = fine_mm / scan.pixel_mm
    shape = tuple(max(4, int(round(n * factor))) for n in img.shape)
    coarse = ndimage.zoom(img, np.array(shape) / img.shape, order=1, mode="nearest", grid_mode=True)
    white = rng.standard_normal(coarse.shape, dtype=np.float32)
    if scan.sharp > 0:  # sharp kernel: high-frequency noise and edge overshoot
        noise = white - 0.5 * ndimage.gaussian_filter(white, 1.0)
        coarse = coarse + scan.sharp * (coarse - ndimage.gaussian_filter(coarse, 1.0))
    else:
        noise = ndimage.gaussian_filter(white, rng.uniform(0.4, 1.0))
    noise *= scan.noise_hu / max(float(noise.std()), 1e-6)
    coarse = np.clip(np.round(coarse + noise), HU_MIN, HU_MAX)
    return ndimage.zoom(coarse, np.array(out_shape) / coarse.shape, order=1, mode="nearest",
                        grid_mode=True).astype(np.float32)
