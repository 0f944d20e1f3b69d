"""Painting one subject's ideal (noise-free, infinitely sharp) axial slice on a grid of mm coordinates.

Soft tissue, organs, vessels, bowel, ribs, arms and the table do not change
over a few mm of z and are painted once; the vertebra is painted per thin
sub-slice (its endplates are curved, its posterior elements come and go with
z), and the thick slice is the mean of the sub-slices (partial volume).
"""
import numpy as np
from scipy import ndimage, optimize, special

from jmedseg.data.synth.shapes import ellipse, shell

AIR_HU = -1000.0
# codes of the ideal tissue map: 0 nothing, 1 body cortex/endplate, 2 cancellous, 3 other bone
BODY_CORTEX, CANCELLOUS, OTHER_BONE = 1, 2, 3


def smooth_field(shape, sigma_px, rng):
    """A zero-mean, unit-SD Gaussian random field with correlation length `sigma_px`.

    Long correlation lengths are drawn on a coarser raster and interpolated (same look, less work).
    """
    k = max(1, int(sigma_px // 3))
    small = tuple(max(2, n // k) for n in shape)
    f = ndimage.gaussian_filter(rng.standard_normal(small, dtype=np.float32), max(sigma_px / k, 0.3))
    if k > 1:
        f = ndimage.zoom(f, np.array(shape) / small, order=1, grid_mode=True, mode="nearest")
    return (f - f.mean()) / max(float(f.std()), 1e-6)


def jsu_quantiles(field, density_hu, scale, a, b=2.0):
    """Johnson SU values whose mode is `density_hu`, placed in the rank order of `field` (exact law)."""
    n = field.size
    ranks = np.empty(n, np.int64)
    ranks[np.argsort(field, kind="stable")] = np.arange(n)
    loc = density_hu - _jsu_mode(a, b, scale)
    return (loc + scale * np.sinh((special.ndtri((ranks + 0.5) / n) - a) / b)).astype(np.float32)


def _jsu_mode(a, b, scale):
    """Mode of a Johnson SU with loc 0 (the root of its stationary equation; kept here so the
    generator does not import the fitting package and its backend)."""
    ab, b2 = a * b, b * b
    v = optimize.brentq(lambda v: np.tanh((v - ab) / b2) + v, -1.0, 1.0, xtol=1e-14)
    return float(scale * np.sinh((v - ab) / b2))


def canal_centre_v(vert):
    return vert.half_depth * (1.0 - vert.concavity) + vert.canal_b + 1.0


def spinous_tip_v(vert):
    return canal_centre_v(vert) + vert.canal_b + vert.lamina_mm + vert.spinous_mm


def vertebra_centre_uv(anat):
    """In-plane centre of the whole vertebra's bounding box (body front to spinous tip)."""
    return 0.0, 0.5 * (-anat.vertebra.half_depth + spinous_tip_v(anat.vertebra))


def _body_outline(uu, vv, vert, grow=1.0):
    theta = np.arctan2(vv, uu)
    p = vert.shape_phases
    wobble = 1.0 + sum(p[3 + k] * np.cos((k + 2) * theta + p[k]) for k in range(3))
    r2 = (uu / (vert.half_width * grow)) ** 2 + (vv / (vert.half_depth * grow)) ** 2
    inside = r2 <= wobble ** 2
    notch_b = 0.5 * vert.half_depth
    notch = ellipse(uu, vv, 0.0, vert.half_depth * (1 - vert.concavity) + notch_b, 0.45 * vert.half_width, notch_b)
    return inside & ~notch, np.minimum(r2 / wobble ** 2, 1.0)


class VertebraPainter:
    """Paints the vertebra at any sub-slice z; fields that do not depend on z are computed once."""

    def __init__(self, uu, vv, vert, fine_mm, rng):
        self.uu, self.vv, self.vert = uu, vv, vert
        self.body, self.r2 = _body_outline(uu, vv, vert)
        depth = ndimage.distance_transform_edt(self.body, sampling=fine_mm)
        theta = np.arctan2(vv, uu)
        thick = vert.cortex_mm * (1 + vert.cortex_wobble * smooth_angle(theta, rng))
        self.cortex = shell(self.body, depth, np.maximum(thick, 0.5))
        texture = smooth_field(uu.shape, rng.uniform(0.4, 1.2) / fine_mm, rng)
        texture += 0.4 * smooth_field(uu.shape, 6.0 / fine_mm, rng)  # slow density gradients in the body
        self.trabecular = np.zeros(uu.shape, np.float32)
        if self.body.any():
            self.trabecular[self.body] = jsu_quantiles(texture[self.body], vert.density_hu, vert.jsu_scale,
                                                       vert.jsu_a, rng.uniform(1.6, 3.0))
        self.post_texture = vert.density_hu + vert.posterior_extra_hu + 0.7 * vert.jsu_scale * texture
        self.disc = _body_outline(uu, vv, vert, grow=1.04)[0]
        self.fine_mm = fine_mm
        self.post_cortex_mm = rng.uniform(0.8, 2.0)
        self.post_cortex_hu = rng.uniform(350.0, 1000.0)
        self.disc_hu = rng.uniform(60.0, 110.0)
        self.ost = ellipse(uu, vv, vert.half_width * np.cos(vert.osteophyte_angle),
                           vert.half_depth * np.sin(vert.osteophyte_angle), rng.uniform(3, 7), rng.uniform(2, 4),
                           angle=vert.osteophyte_angle) if vert.osteophyte else None
        self.schmorl = ellipse(uu, vv, *vert.schmorl_uv, rng.uniform(3, 6), rng.uniform(3, 5)) if vert.schmorl \
            else None
        self.schmorl_top = rng.random() < 0.5
        self.vein = (ellipse(uu, vv, 0.0, vert.half_depth * 0.6, rng.uniform(1.5, 3.0), 0.3 * vert.half_depth)
                     | ellipse(uu, vv, -4.0, vert.half_depth * 0.35, 1.2, 4.0, angle=-0.6)
                     | ellipse(uu, vv, 4.0, vert.half_depth * 0.35, 1.2, 4.0, angle=0.6)) if vert.vein else None

    def posterior(self, z):
        """Posterior elements present at height z (mm from mid-body): a boolean mask."""
        v, uu, vv = self.vert, self.uu, self.vv
        h = 0.5 * v.height
        zr = z / h
        cc = canal_centre_v(v)
        m = np.zeros(uu.shape, bool)
        if -0.1 <= zr <= 0.95:  # pedicles, from the body's posterolateral corners back to the arch
            for s in (-1, 1):
                m |= ellipse(uu, vv, s * (v.canal_a + 0.5 * v.pedicle_w), cc - 1, 0.5 * v.pedicle_w, v.canal_b + 3)
        if -0.9 <= zr <= 0.6:  # lamina around the canal
            outer = ellipse(uu, vv, 0, cc, v.canal_a + v.lamina_mm, v.canal_b + v.lamina_mm)
            m |= outer & (vv > cc)
        if -1.2 <= zr <= 0.3:  # spinous process, sloping down
            tip = spinous_tip_v(v)
            m |= ellipse(uu, vv, 0, 0.5 * (cc + v.canal_b + tip), 3.5, 0.5 * (tip - cc - v.canal_b) + 1, power=2.6)
        if 0.0 <= zr <= 0.85:  # transverse processes
            for s in (-1, 1):
                cu = s * (v.canal_a + v.pedicle_w + 0.5 * v.transverse_mm)
                m |= ellipse(uu, vv, cu, cc + 2, 0.5 * v.transverse_mm + 3, 4.0, angle=s * 0.25)
        for lo, hi, dv in ((-1.3, -0.6, 6.0), (0.6, 1.3, 3.0)):  # inferior / superior articular processes
            if lo <= zr <= hi:
                for s in (-1, 1):
                    m |= ellipse(uu, vv, s * (v.canal_a + 3), cc + v.canal_b + dv, 5.5, 6.5)
        return m

    def paint(self, hu, code, z):
        """Paint the vertebra at height z onto `hu` and `code` (in place)."""
        v = self.vert
        h = 0.5 * v.height
        canal = ellipse(self.uu, self.vv, 0, canal_centre_v(v), v.canal_a, v.canal_b)
        post = self.posterior(z)
        if post.any():
            depth = ndimage.distance_transform_edt(post, sampling=self.fine_mm)
            hu[post] = self.post_texture[post]
            cort = shell(post, depth, self.post_cortex_mm)
            hu[cort] = self.post_cortex_hu
            code[post] = OTHER_BONE
        top = h - v.endplate_dip_mm * (1.0 - self.r2)   # curved endplates: surfaces closer in the centre
        inside = self.body & (abs(z) < top)
        disc = self.disc & ~inside & (abs(z) >= top)
        if disc.any():
            hu[disc] = self.disc_hu
            code[disc] = 0
        endplate = inside & (abs(z) > top - v.endplate_mm)
        hu[inside] = self.trabecular[inside]
        code[inside] = CANCELLOUS
        if self.vein is not None and abs(z) < 4.0:
            hu[self.vein & inside] = v.vein_hu
        cortex = (self.cortex & inside) | endplate
        if self.schmorl is not None and abs(z) > h - 7 and (z > 0) == self.schmorl_top:
            node = self.schmorl & inside
            cortex |= node
            hu[node] = self.disc_hu
        if self.ost is not None and abs(z) > h - 5:
            spur = self.ost & ~canal
            cortex |= spur
            hu[spur] = v.endplate_hu
        plain = cortex if self.schmorl is None else cortex & ~self.schmorl
        hu[plain] = v.cortex_hu
        hu[endplate] = v.endplate_hu
        code[cortex] = BODY_CORTEX
        hu[canal & ~inside] = self.canal_hu
        code[canal & ~inside] = 0

    canal_hu = 15.0  # cerebrospinal fluid; set from the anatomy


def smooth_angle(theta, rng):
    """A smooth random function of the angle with values in about [-1, 1]."""
    out = sum(rng.normal(0, 1) * np.cos(k * theta + rng.uniform(0, 2 * np.pi)) for k in range(1, 5))
    return np.clip(out / 2.0, -1.0, 1.0)
