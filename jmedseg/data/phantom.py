"""Synthetic CT: axial slices through a lumbar vertebral body, in HU, with labels.

Built-in data, so everything runs offline. Each slice holds soft tissue
(about 40 HU) with a fat rim, the spinal canal, and a vertebral body: a
cortical shell around cancellous bone whose pixel values are drawn from a
Johnson SU distribution with a mode set by construction (the paper's density
definition, section 3), then scanner noise. Labels: 0 background,
1 cortical bone, 2 cancellous bone.
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from jmedseg.density.johnson_su import johnson_su_mode

BACKGROUND, CORTICAL, CANCELLOUS = 0, 1, 2
CLASS_NAMES = ("background", "cortical", "cancellous")


@dataclass
class SliceSpec:
    size: int = 128             # pixels per side
    pixel_mm: float = 0.6       # in-plane spacing
    soft_tissue_hu: float = 40.0
    fat_hu: float = -100.0
    cortical_hu: float = 700.0  # shell value at full volume
    cortical_mm: float = 1.5    # shell thickness
    noise_sd: float = 15.0      # scanner noise, HU
    jsu_a: float = -0.8         # Johnson SU shape of cancellous values (a < 0: right tail)
    jsu_b: float = 2.0
    jsu_scale: float = 45.0


def cancellous_values(rng, n, density_hu, spec):
    """Draw n Johnson SU values whose mode is exactly `density_hu`."""
    a, b, scale = spec.jsu_a, spec.jsu_b, spec.jsu_scale
    loc = density_hu - (johnson_su_mode(a, b, 0.0, scale))
    z = rng.standard_normal(n)
    return loc + scale * np.sinh((z - a) / b)


def _body_masks(rng, spec):
    """Vertebral body (kidney-shaped ellipse) and its interior, with a random pose."""
    s, px = spec.size, spec.pixel_mm
    yy, xx = np.mgrid[0:s, 0:s].astype(np.float64)
    cy = s / 2 + rng.uniform(-0.08, 0.08) * s
    cx = s / 2 + rng.uniform(-0.08, 0.08) * s
    ang = rng.uniform(-0.3, 0.3)
    dy, dx = (yy - cy) * px, (xx - cx) * px
    u = np.cos(ang) * dx + np.sin(ang) * dy          # left-right, mm
    v = -np.sin(ang) * dx + np.cos(ang) * dy         # anterior-posterior, mm
    rx, ry = rng.uniform(17, 22), rng.uniform(12, 16)
    body = (u / rx) ** 2 + (v / ry) ** 2 <= 1.0
    # kidney shape: the posterior wall is pushed in around the spinal canal
    canal_r = rng.uniform(7, 9)
    canal_v = ry + canal_r * 0.6
    notch = u**2 + (v - ry * 1.35) ** 2 <= (ry * 0.55) ** 2
    body &= ~notch
    canal = u**2 + (v - canal_v) ** 2 <= canal_r**2
    shell_px = spec.cortical_mm / px
    interior = ndimage.distance_transform_edt(body) > shell_px
    outer = np.hypot(dx, dy) > 0.46 * s * px          # fat rim near the crop edge
    return body, interior, canal, outer


def make_slice(rng, density_hu, spec=None):
    """One axial slice `(hu float32 [H, W], labels uint8 [H, W])` with cancellous mode `density_hu`."""
    spec = spec or SliceSpec()
    body, interior, canal, outer = _body_masks(rng, spec)
    hu = np.full(body.shape, spec.soft_tissue_hu)
    hu[outer] = spec.fat_hu
    hu[canal] = 10.0
    cortex = body & ~interior
    hu[cortex] = spec.cortical_hu
    # partial volume: smooth everything but the cancellous pixels, whose values stay exact
    hu = ndimage.gaussian_filter(hu, 0.7)
    hu[interior] = cancellous_values(rng, int(interior.sum()), density_hu, spec)
    hu += rng.normal(0.0, spec.noise_sd, hu.shape)
    labels = np.zeros(body.shape, np.uint8)
    labels[cortex] = CORTICAL
    labels[interior] = CANCELLOUS
    return hu.astype(np.float32), labels
