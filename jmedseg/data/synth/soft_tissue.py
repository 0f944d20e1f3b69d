"""The static part of a slice: body outline, fat, muscles, organs, vessels, bowel, ribs, arms, table."""
import numpy as np

from jmedseg.data.synth.render import AIR_HU, OTHER_BONE, canal_centre_v, smooth_field, spinous_tip_v
from jmedseg.data.synth.shapes import annulus_arc, ellipse

# how much of each organ a level's slice shows (probability it is present, size factor)
LIVER = {"T12": (1.0, 1.0), "L1": (0.9, 0.75), "L2": (0.6, 0.5), "L3": (0.3, 0.3)}
SPLEEN = {"T12": (0.9, 1.0), "L1": (0.6, 0.7), "L2": (0.2, 0.5), "L3": (0.0, 0.0)}
KIDNEY = {"T12": (0.4, 0.6), "L1": (0.9, 0.9), "L2": (0.95, 1.0), "L3": (0.7, 0.8)}
PSOAS = {"T12": (0.3, 0.3), "L1": (0.8, 0.5), "L2": (1.0, 0.8), "L3": (1.0, 1.0)}


def _bone(hu, code, mask, inner_mask, cortex_hu, marrow_hu):
    hu[mask] = cortex_hu
    hu[inner_mask] = marrow_hu
    code[mask] = OTHER_BONE


def paint_soft_tissue(uu, vv, anat, rng):
    """(hu, code) of everything but the vertebra; code marks ribs and arm bones as OTHER_BONE."""
    level = anat.vertebra.level
    hu = np.full(uu.shape, AIR_HU, np.float32)
    code = np.zeros(uu.shape, np.uint8)
    cv, a, b = anat.body_cv, anat.body_a, anat.body_b
    back = cv + b
    # table (carbon shell, foam core) under the patient's back
    t0 = back + anat.table_gap_mm
    table = (vv >= t0) & (vv <= t0 + anat.table_mm) & (np.abs(uu) < 230)
    hu[table] = rng.uniform(-950, -800)
    skin = table & ((vv <= t0 + 2) | (vv >= t0 + anat.table_mm - 2))
    hu[skin] = rng.uniform(100, 400)
    power = rng.uniform(2.0, 2.6)
    outline = ellipse(uu, vv, 0, cv, a, b, power=power)
    hu[outline] = anat.fat_hu
    wall = ellipse(uu, vv, 0, cv, a - anat.subcut_mm, b - anat.subcut_mm, power=power)
    hu[wall] = anat.muscle_hu
    ai, bi = a - anat.subcut_mm - anat.wall_mm, b - anat.subcut_mm - anat.wall_mm
    cavity = ellipse(uu, vv, 0, cv, ai, bi, power=power)
    fatty = smooth_field(uu.shape, 12.0 / _px(uu), rng) < (2 * anat.visceral_fat - 1) * 1.2
    hu[cavity] = np.where(fatty, anat.fat_hu, anat.soft_hu)[cavity]
    _bowel(hu, uu, vv, anat, cavity, rng)
    _organs(hu, uu, vv, anat, level, cv, ai, bi, cavity, rng)
    _back_muscles(hu, uu, vv, anat, outline, rng)
    _vessels(hu, uu, vv, anat, rng)
    _ribs(hu, code, uu, vv, anat, level, cv, ai, bi, wall, rng)
    if anat.arms_in:
        _arms(hu, code, uu, vv, anat, rng)
    return hu, code


def _px(uu):
    return float(abs(uu[0, 1] - uu[0, 0])) if uu.shape[1] > 1 else 1.0


def _bowel(hu, uu, vv, anat, cavity, rng):
    brng = np.random.default_rng(anat.bowel_seed)
    vert = anat.vertebra
    for _ in range(anat.n_bowel):
        cu = brng.uniform(-0.8, 0.8) * anat.body_a
        cvb = brng.uniform(anat.body_cv - anat.body_b, -vert.half_depth)
        r = brng.uniform(8, 25)
        loop = ellipse(uu, vv, cu, cvb, r, r * brng.uniform(0.6, 1.0), angle=brng.uniform(0, np.pi)) & cavity
        if not loop.any():
            continue
        hu[loop] = anat.muscle_hu
        inner = ellipse(uu, vv, cu, cvb, r - 2.5, r * 0.8 - 2.5) & loop
        kind = brng.random()
        if kind < 0.3:
            hu[inner] = brng.uniform(-1000, -900)       # gas
        elif kind < 0.55:
            hu[inner] = brng.uniform(0, 30)             # fluid
        elif kind < 0.75:
            hu[inner] = brng.uniform(150, 600)          # oral contrast
        else:                                           # faeces: gas bubbles in soft matter
            mottle = smooth_field(uu.shape, 1.5 / _px(uu), brng)
            hu[inner] = np.where(mottle > 1.0, -900.0, brng.uniform(-60, 40))[inner]


def _organs(hu, uu, vv, anat, level, cv, ai, bi, cavity, rng):
    vert = anat.vertebra
    p, s = LIVER[level]
    if rng.random() < p:
        liver = ellipse(uu, vv, -ai * 0.45, cv - bi * 0.1, ai * 0.6 * s, bi * 0.85 * s) & cavity & (uu < 10)
        hu[liver] = anat.liver_hu + 6 * smooth_field(uu.shape, 3.0 / _px(uu), rng)[liver]
    p, s = SPLEEN[level]
    if rng.random() < p:
        spleen = ellipse(uu, vv, ai * 0.6, cv + bi * 0.35, 30 * s + 10, 45 * s + 10, angle=0.5) & cavity
        hu[spleen] = anat.spleen_hu
    p, s = KIDNEY[level]
    for side in (-1, 1):
        if rng.random() < p:
            ku, kv = side * rng.uniform(50, 75), rng.uniform(5, 35)
            ka, kb = rng.uniform(22, 32) * s + 5, rng.uniform(18, 28) * s + 4
            ang = side * rng.uniform(0.2, 0.8)
            kid = ellipse(uu, vv, ku, kv, ka, kb, angle=ang) & cavity
            hu[kid] = anat.kidney_cortex_hu
            hu[ellipse(uu, vv, ku, kv, ka * 0.7, kb * 0.65, angle=ang) & kid] = anat.kidney_medulla_hu
            sinus = ellipse(uu, vv, ku - side * ka * 0.45, kv - 3, ka * 0.35, kb * 0.3, angle=ang) & kid
            hu[sinus] = anat.fat_hu
    p, s = PSOAS[level]
    if rng.random() < p:
        for side in (-1, 1):
            pa, pb = 8 + 16 * s * rng.uniform(0.8, 1.2), 7 + 12 * s * rng.uniform(0.8, 1.2)
            m = ellipse(uu, vv, side * (vert.half_width + pa * 0.6), rng.uniform(-2, 6), pa, pb)
            hu[m] = anat.muscle_hu + rng.uniform(-5, 5)
            ql = ellipse(uu, vv, side * (vert.half_width + 2 * pa + 8), canal_centre_v(vert) + 5, 10, 8)
            hu[ql & cavity] = anat.muscle_hu
    if level in ("T12", "L1"):  # diaphragmatic crura hug the body anterolaterally
        for side in (-1, 1):
            cr = annulus_arc(uu, vv, 0, 0, vert.half_width + 5, vert.half_depth + 5, rng.uniform(1.5, 3.5),
                             -np.pi / 2 + side * 0.3 - 0.8, -np.pi / 2 + side * 0.3 + 0.8)
            hu[cr] = anat.muscle_hu


def _back_muscles(hu, uu, vv, anat, outline, rng):
    vert = anat.vertebra
    cc, tip = canal_centre_v(vert), spinous_tip_v(vert)
    for side in (-1, 1):
        m = ellipse(uu, vv, side * (vert.canal_a + 20), 0.5 * (cc + tip) + 6, rng.uniform(22, 32),
                    0.5 * (tip - cc) + rng.uniform(8, 16), power=2.3) & outline
        fat = smooth_field(uu.shape, 1.5 / _px(uu), rng) > 2.0 - 3.5 * anat.paraspinal_fat
        hu[m] = np.where(fat, anat.fat_hu, anat.muscle_hu + rng.uniform(-5, 5))[m]


def _vessels(hu, uu, vv, anat, rng):
    vert = anat.vertebra
    au, av = anat.aorta_uv
    aorta = ellipse(uu, vv, au, av, anat.aorta_r, anat.aorta_r * rng.uniform(0.9, 1.05))
    hu[aorta] = anat.aorta_hu
    if anat.calcified_aorta:
        calc = annulus_arc(uu, vv, au, av, anat.aorta_r, anat.aorta_r, 1.0, *sorted(rng.uniform(-np.pi, np.pi, 2)))
        hu[calc] = rng.uniform(300, 900)
    iu, iv = -rng.uniform(15, 30), -(vert.half_depth + rng.uniform(8, 22))
    hu[ellipse(uu, vv, iu, iv, rng.uniform(10, 16), rng.uniform(6, 12))] = anat.ivc_hu


def _ribs(hu, code, uu, vv, anat, level, cv, ai, bi, wall, rng):
    cortex_hu, marrow_hu = rng.uniform(400, 1000), rng.uniform(100, 300)
    if level == "T12" and rng.random() < 0.95:  # the last rib pair, running laterally from the spine
        for side in (-1, 1):
            t0 = rng.uniform(0.25, 0.6)  # radians from straight back (angle pi/2: posterior)
            t1 = t0 + rng.uniform(0.3, 0.9)
            lo, hi = (np.pi / 2 - t1, np.pi / 2 - t0) if side > 0 else (np.pi / 2 + t0, np.pi / 2 + t1)
            half = rng.uniform(3.5, 5.5)
            band = annulus_arc(uu, vv, 0, cv, ai - 4, bi - 4, half, lo, hi)
            inner = annulus_arc(uu, vv, 0, cv, ai - 4, bi - 4, half - 1.3, lo, hi)
            _bone(hu, code, band, inner, cortex_hu, marrow_hu)
    n = int(rng.integers(0, 4)) if level in ("T12", "L1", "L2") else 0
    for _ in range(n):  # cross-sections of lower ribs along the lateral wall
        side = 1 if rng.random() < 0.5 else -1
        t = rng.uniform(-0.6, 0.8)
        theta = (np.pi - t) if side < 0 else t
        ru, rv = (ai - 3) * np.cos(theta), cv + (bi - 3) * np.sin(theta)
        ra, rb = rng.uniform(4, 9), rng.uniform(3, 5)
        rib = ellipse(uu, vv, ru, rv, ra, rb, angle=theta + np.pi / 2)
        _bone(hu, code, rib, ellipse(uu, vv, ru, rv, ra - 1.3, rb - 1.3, angle=theta + np.pi / 2), cortex_hu,
              marrow_hu)


def _arms(hu, code, uu, vv, anat, rng):
    for side in (-1, 1):
        cu = side * (anat.body_a + rng.uniform(5, 30) + 45)
        cva = anat.body_cv + rng.uniform(-30, 30)
        arm = ellipse(uu, vv, cu, cva, rng.uniform(38, 50), rng.uniform(35, 45))
        hu[arm] = anat.fat_hu
        hu[ellipse(uu, vv, cu, cva, 30, 28) & arm] = anat.muscle_hu
        r = rng.uniform(9, 13)
        _bone(hu, code, ellipse(uu, vv, cu, cva, r, r), ellipse(uu, vv, cu, cva, r - 3.5, r - 3.5),
              rng.uniform(900, 1500), rng.uniform(-50, 50))
