"""Random anatomy of one synthetic subject: sizes in mm and tissue values in HU.

Coordinates (mm) are those of an axial image in the radiological view: `u` runs
from the patient's right to left (image columns), `v` from anterior to
posterior (image rows), `z` from inferior to superior. The origin is the
centre of the vertebral body at mid-height.

HU ranges are physical: fat -120..-80, muscle 30..60, unenhanced blood 30..50,
enhanced aorta 150..350, trabecular bone 30..300, cortex several hundred HU at
CT resolution, gas -1000.
"""
from dataclasses import dataclass

import numpy as np

# Mean lumbar body sizes (half-width, half-depth, height, disc height) in mm, Panjabi et al. 1992.
LEVEL_SIZES = {"T12": (20.0, 14.5, 23.0, 7.0), "L1": (21.0, 15.5, 25.0, 8.0),
               "L2": (22.5, 16.5, 26.0, 9.0), "L3": (24.0, 17.0, 27.0, 10.0)}
LEVELS = tuple(LEVEL_SIZES)
# Transverse-process length (mm) per level: short at T12, long in the lumbar spine.
TRANSVERSE_MM = {"T12": 8.0, "L1": 14.0, "L2": 18.0, "L3": 22.0}
TRABECULAR_RANGE_HU = (30.0, 300.0)


@dataclass
class Vertebra:
    level: str
    half_width: float
    half_depth: float
    height: float
    disc: float
    concavity: float        # depth of the posterior-wall notch, as a fraction of half-depth
    cortex_mm: float        # mean shell thickness
    cortex_hu: float
    cortex_wobble: float    # relative thickness variation around the shell (irregular cortex)
    endplate_mm: float
    endplate_hu: float
    endplate_dip_mm: float  # endplate curvature: the centre lies this much closer to mid-height
    density_hu: float       # trabecular density: the mode of the Johnson SU law of cancellous values
    jsu_scale: float
    jsu_a: float
    posterior_extra_hu: float  # posterior elements are denser than the body's trabecular bone
    vein: bool
    vein_hu: float
    osteophyte: bool
    osteophyte_angle: float
    schmorl: bool
    schmorl_uv: tuple
    canal_a: float
    canal_b: float
    pedicle_w: float
    transverse_mm: float
    spinous_mm: float
    lamina_mm: float
    shape_phases: tuple     # outline deformation of orders 2-4: three phases, then three amplitudes


@dataclass
class Anatomy:
    vertebra: Vertebra
    body_a: float           # half-width of the body outline (skin)
    body_b: float           # half-depth of the body outline
    body_cv: float          # v of the outline centre
    subcut_mm: float
    wall_mm: float
    visceral_fat: float     # 0..1: fraction of the abdominal cavity that is fat rather than soft tissue
    fat_hu: float
    muscle_hu: float
    soft_hu: float
    enhanced: bool
    aorta_hu: float
    ivc_hu: float
    liver_hu: float
    spleen_hu: float
    kidney_cortex_hu: float
    kidney_medulla_hu: float
    csf_hu: float
    aorta_r: float
    aorta_uv: tuple
    calcified_aorta: bool
    n_bowel: int
    bowel_seed: int
    arms_in: bool
    table_gap_mm: float
    table_mm: float
    paraspinal_fat: float   # fatty infiltration of back muscles (0 none .. 0.5 heavy)
    rotation_deg: float     # patient rotation about z


def _u(rng, lo, hi):
    return float(rng.uniform(lo, hi))


def draw_density(rng, low=20.0, high=320.0):
    """Trabecular density (HU), as in the adults who get CT: L1 falls about 2.5 HU a year, from 226 +- 44 HU
    under 30 to 89 +- 38 HU at 90+ (Jang et al., Radiology 2019), and most scans are of older people.

    40 % osteoporotic to osteopenic (20-110 HU, bone that looks like soft tissue inside a thin shell),
    45 % 80-250 HU, 15 % anywhere in 20-320 (sclerotic included).
    """
    pick = rng.random()
    if pick < 0.40:
        return _u(rng, low, 110.0)
    return _u(rng, 80.0, 250.0) if pick < 0.85 else _u(rng, low, high)


def draw_vertebra(rng, level, density_hu=None):
    hw, hd, height, disc = LEVEL_SIZES[level]
    s = _u(rng, 0.85, 1.18)
    hw, hd = hw * s * _u(rng, 0.93, 1.07), hd * s * _u(rng, 0.93, 1.07)
    cortex = _u(rng, 0.8, 3.0)
    return Vertebra(
        level=level, half_width=hw, half_depth=hd, height=height * s * _u(rng, 0.85, 1.1),
        disc=disc * _u(rng, 0.4, 1.2), concavity=_u(rng, 0.05, 0.3), cortex_mm=cortex,
        cortex_hu=_u(rng, 350.0, 1100.0), cortex_wobble=_u(rng, 0.1, 0.6),
        endplate_mm=_u(rng, 0.8, 2.0) if rng.random() > 0.2 else _u(rng, 2.0, 5.0),
        endplate_hu=_u(rng, 300.0, 1000.0), endplate_dip_mm=_u(rng, 0.5, 4.0),
        density_hu=float(density_hu) if density_hu is not None else draw_density(rng),
        jsu_scale=_u(rng, 20.0, 60.0), jsu_a=_u(rng, -1.2, 0.0), posterior_extra_hu=_u(rng, 20.0, 200.0),
        vein=rng.random() < 0.6, vein_hu=0.0, osteophyte=rng.random() < 0.25,
        osteophyte_angle=_u(rng, -np.pi, 0.0),  # anterior half: v = sin(angle) < 0
        schmorl=rng.random() < 0.1, schmorl_uv=(_u(rng, -0.5, 0.5) * hw, _u(rng, -0.5, 0.3) * hd),
        canal_a=_u(rng, 9.0, 13.0), canal_b=_u(rng, 6.5, 9.5), pedicle_w=_u(rng, 6.0, 10.0),
        transverse_mm=TRANSVERSE_MM[level] * _u(rng, 0.7, 1.3), spinous_mm=_u(rng, 22.0, 36.0),
        lamina_mm=_u(rng, 4.0, 7.0), shape_phases=tuple(rng.uniform(0, 2 * np.pi, 3)) + tuple(rng.uniform(0, 0.05, 3)),
    )


def draw_anatomy(rng, level=None, density_hu=None):
    """A random subject around one vertebra (`level` one of T12, L1, L2, L3; random when None)."""
    level = level or LEVELS[int(rng.integers(len(LEVELS)))]
    vert = draw_vertebra(rng, level, density_hu)
    enhanced = rng.random() < 0.5
    body_b = _u(rng, 85.0, 165.0)
    spine_back = vert.half_depth + 2 * vert.canal_b + vert.lamina_mm + vert.spinous_mm  # spinous tip (v)
    subcut = _u(rng, 4.0, 20.0) if rng.random() < 0.4 else _u(rng, 15.0, 60.0)
    back = spine_back + _u(rng, 6.0, 20.0) + subcut
    aorta_r = _u(rng, 8.0, 14.0) if rng.random() < 0.9 else _u(rng, 14.0, 22.0)
    vert.vein_hu = _u(rng, 30.0, 50.0) if not enhanced else _u(rng, 100.0, 250.0)
    return Anatomy(
        vertebra=vert, body_a=body_b * _u(rng, 1.15, 1.6), body_b=body_b, body_cv=back - body_b,
        subcut_mm=subcut, wall_mm=_u(rng, 5.0, 15.0), visceral_fat=_u(rng, 0.1, 1.0),
        fat_hu=_u(rng, -120.0, -80.0), muscle_hu=_u(rng, 30.0, 60.0), soft_hu=_u(rng, 10.0, 45.0),
        enhanced=enhanced, aorta_hu=_u(rng, 150.0, 350.0) if enhanced else _u(rng, 30.0, 50.0),
        ivc_hu=_u(rng, 80.0, 200.0) if enhanced else _u(rng, 30.0, 50.0),
        liver_hu=_u(rng, 80.0, 150.0) if enhanced else _u(rng, 40.0, 70.0),
        spleen_hu=_u(rng, 90.0, 150.0) if enhanced else _u(rng, 40.0, 55.0),
        kidney_cortex_hu=_u(rng, 140.0, 260.0) if enhanced else _u(rng, 25.0, 40.0),
        kidney_medulla_hu=_u(rng, 60.0, 160.0) if enhanced else _u(rng, 25.0, 40.0),
        csf_hu=_u(rng, 0.0, 30.0), aorta_r=aorta_r,
        aorta_uv=(_u(rng, 3.0, 18.0), -(vert.half_depth + aorta_r + _u(rng, 1.0, 8.0))),
        calcified_aorta=rng.random() < 0.3, n_bowel=int(rng.integers(4, 26)),
        bowel_seed=int(rng.integers(2**31)), arms_in=rng.random() < 0.3,
        table_gap_mm=_u(rng, 0.0, 15.0), table_mm=_u(rng, 15.0, 45.0),
        paraspinal_fat=_u(rng, 0.0, 0.1) if rng.random() < 0.6 else _u(rng, 0.1, 0.5),
        rotation_deg=_u(rng, -12.0, 12.0),
    )
