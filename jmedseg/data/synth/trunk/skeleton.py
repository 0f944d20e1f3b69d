"""The vertebral column: bodies (cortex shell, trabecular interior), discs, posterior elements, the canal, the sacrum.

Every part of a vertebra carries its level id in the vertebra map (TotalSegmentator v2
ids, `anatomy.level_id`); the trabecular interior of each body takes the HU of
`tissues.trabecular_key(name)`, the density truth, with a zero-mean texture on top
(trabecular heterogeneity seen at 1.5-2 mm), so its mean stays the truth.
"""
import numpy as np
from scipy import ndimage

from jmedseg.data.synth.trunk.canvas import Difference, Ellipsoid, EllipticCylinder
from jmedseg.data.synth.trunk.tissues import (CORTICAL_BONE, CSF, DISC, VERTEBRAL_TRABECULAR_CODE,
                                              pelvic_marrow, trabecular_key)

TEXTURE_SD_HU = 18.0      # trabecular heterogeneity at the canvas scale (zero mean)
POSTERIOR_EXTRA_HU = 40.0  # posterior elements: denser marrow than the body's


def textured(mean_hu, rng, sd=TEXTURE_SD_HU):
    """A value function: `mean_hu` plus a smooth zero-mean random texture of SD `sd` over the painted window."""
    def value(x, y, z):
        shape = (x.shape[0], y.shape[1], z.shape[2])
        field = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32), 0.8)
        field -= field.mean()
        return mean_hu + sd * field / max(float(field.std()), 1e-6)
    return value


def _body(v, grow=0.0, extra_height=0.0):
    return EllipticCylinder(v.centre, v.half_width + grow, v.half_depth + grow, v.height + extra_height,
                            power=2.2, pitch=v.pitch)


def paint_discs(canvas, vertebrae, sacrum_top, tissue_hu):
    """A disc between each pair of neighbouring bodies (painted before the bodies, which overlap its rims)."""
    column = list(vertebrae) + [sacrum_top]
    for upper, lower in zip(column, column[1:]):
        top = lower.point(0, 0, lower.height / 2)
        bottom = upper.point(0, 0, -upper.height / 2)
        gap = float(np.linalg.norm(bottom - top))
        mid = 0.5 * (top + bottom)
        disc = EllipticCylinder(mid, upper.half_width * 1.02, upper.half_depth * 1.02, gap + 3.0, power=2.2,
                                pitch=0.5 * (upper.pitch + lower.pitch))
        canvas.paint(disc, tissue_hu[DISC], DISC)


def paint_vertebra(canvas, v, tissue_hu, rng, vertebra_id=None):
    """Posterior elements then the body: cortex shell `v.cortex_mm` thick, textured trabecular interior."""
    vid = v.label_id if vertebra_id is None else vertebra_id
    cortical = tissue_hu[CORTICAL_BONE]
    trab = tissue_hu[trabecular_key(v.name)] if trabecular_key(v.name) in tissue_hu else None
    post_marrow = (trab if trab is not None else tissue_hu["trabecular_bone"]) + POSTERIOR_EXTRA_HU
    for part in posterior_elements(v):
        canvas.paint_bone(part, 1.5, cortical, post_marrow, vid)
    body = _body(v)
    canvas.paint(body, cortical, CORTICAL_BONE, vid)
    marrow = textured(trab if trab is not None else tissue_hu["trabecular_bone"], rng)
    inner = EllipticCylinder(v.centre, v.half_width - v.cortex_mm, v.half_depth - v.cortex_mm,
                             v.height - 2 * v.cortex_mm, power=2.2, pitch=v.pitch)
    canvas.paint(inner, marrow, VERTEBRAL_TRABECULAR_CODE, vid)


def posterior_elements(v):
    """Neural arch (pedicles and laminae as a ring round the canal), spinous, transverse and articular processes."""
    h, lam = v.height, 6.5 if v.name[0] != "C" else 5.0
    cc = v.canal_centre()
    ring_centre = v.point(0, -(v.half_depth + 1.0 + v.canal_b), -0.05 * h)
    outer = EllipticCylinder(ring_centre, v.canal_a + lam, v.canal_b + lam, 0.8 * h, pitch=v.pitch)
    canal = EllipticCylinder(cc, v.canal_a, v.canal_b, 3 * h, pitch=v.pitch)
    parts = [Difference(outer, canal)]
    thoracic = v.name[0] in "TC"
    sp_len = (38.0 if thoracic else 30.0) * (h / 22.0) ** 0.3
    sp_drop = (0.55 if thoracic else 0.2) * h
    sp_back = v.half_depth + 1.0 + 2 * v.canal_b + lam + 0.5 * sp_len - 4.0
    parts.append(Ellipsoid(v.point(0, -sp_back, -sp_drop), (3.5, 0.5 * sp_len, 7.0),
                           pitch=v.pitch + (-0.6 if thoracic else -0.1)))
    tp, tp_half_h = v.transverse_mm, 5.5
    tp_back = (6.0 if thoracic else 1.0)
    if v.wings:   # transitional vertebra: broad winged processes down against the sacral ala
        tp, tp_half_h = 40.0, 10.0
    for side in (-1.0, 1.0):
        reach = v.canal_a + lam + 0.5 * tp
        parts.append(Ellipsoid(v.point(side * reach, -(v.half_depth + v.canal_b + tp_back), 0.1 * h),
                               (0.5 * tp + 2.0, 4.5 if not v.wings else 9.0, tp_half_h),
                               yaw=side * (0.45 if thoracic else 0.1), pitch=v.pitch))
        for dz in (-0.55 * h, 0.55 * h):
            parts.append(Ellipsoid(v.point(side * (v.canal_a + 3.0), -(v.half_depth + 2 * v.canal_b + 3.0), dz),
                                   (5.0, 5.5, 6.5), pitch=v.pitch))
    return parts


def paint_canal(canvas, column, tissue_hu):
    """CSF (and epidural fat, similar at CT's resolution) in the canal, continuous from the top to the sacrum."""
    for v in column:
        seg = EllipticCylinder(v.canal_centre(), v.canal_a, v.canal_b, v.height + v.disc_below + 4.0,
                               pitch=v.pitch)
        canvas.paint(seg, tissue_hu[CSF], CSF)


def paint_sacrum(canvas, sacrum, tissue_hu, rng):
    """Fused sacral segments (S1 labelled), the alae (S1-S2 lateral masses, 100-120 mm across) and the canal."""
    s1 = sacrum[0]
    cortical = tissue_hu[CORTICAL_BONE]
    marrow = pelvic_marrow(tissue_hu)
    for k, seg in enumerate(sacrum):
        vid = s1.label_id if k == 0 else None
        if k:
            canvas.paint_bone(_body(seg, extra_height=2.0), 1.0, cortical, marrow)
        else:
            paint_vertebra(canvas, seg, tissue_hu, rng, vertebra_id=vid)
        if k < 2:
            for side in (-1.0, 1.0):
                ala = Ellipsoid(seg.point(side * (seg.half_width + 14.0), -6.0, -2.0),
                                (26.0 if k == 0 else 20.0, 18.0, 0.5 * seg.height + 6.0), pitch=seg.pitch)
                canvas.paint_bone(ala, 1.5, cortical, marrow, vid)
    paint_canal(canvas, sacrum[:3], tissue_hu)
