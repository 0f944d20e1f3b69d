"""Tissue names, their codes in the tissue map, and the default mean HU of each per contrast phase.

Every painted structure takes its mean HU from one mapping `tissue_hu: dict[str, float]`
(names below), so a per-scanner HU scale (issue 22) can replace the whole mapping.
Vertebral trabecular bone has one entry per vertebra, `trabecular_key("L1")` ->
"trabecular_bone_L1", which is the density truth of that level.

Default ranges (mean HU of a tissue in one subject; the scan's noise comes on top):
- native: fat -120..-80, muscle 30..60, blood 30..50 (REFERENCES.md section 7), liver 50..70,
  spleen 40..55, kidney 25..40 (cortex and medulla alike), CSF 0..15, disc 60..110, cortex 700..1300.
- iodine contrast (intravenous, typical single-bolus protocols): arterial phase (~35 s)
  aorta and left heart 220..500, kidney cortex 140..230 with a darker medulla 50..100
  (corticomedullary differentiation), portal vein 100..180; portal-venous phase (~70 s)
  aorta 140..220, portal vein 150..220, liver 95..130, cortex and medulla both 140..220
  (nephrographic); delayed phase (3-5 min) blood 90..140 and excreted contrast in the
  collecting system 300..1200. Fat and muscle move by under 5 HU with contrast; trabecular
  bone gains a few HU (Pickhardt et al., Osteoporos Int 2016: L1 +11 +- 19 HU portal venous).
"""
PHASES = ("native", "arterial", "portal_venous", "delayed")

AIR, LUNG, FAT, MUSCLE = "air", "lung", "fat", "muscle"
BLOOD = "blood"                      # arterial blood: aorta, its branches, left heart chambers
VENOUS_BLOOD = "venous_blood"        # IVC, renal veins, right heart chambers
PORTAL_BLOOD = "portal_blood"        # portal, splenic and superior mesenteric veins
MYOCARDIUM = "myocardium"
CSF = "csf"
LIVER, SPLEEN = "liver", "spleen"
KIDNEY_CORTEX, KIDNEY_MEDULLA, URINE = "kidney_cortex", "kidney_medulla", "urine"
BOWEL, BOWEL_CONTRAST = "bowel", "bowel_contrast"
CORTICAL_BONE = "cortical_bone"
TRABECULAR_BONE = "trabecular_bone"  # marrow of ribs, sternum, limbs (vertebrae: trabecular_key)
PELVIC_MARROW = "pelvic_marrow"      # sacrum and pelvis (a mapping without it uses TRABECULAR_BONE's value)
DISC, CARTILAGE = "disc", "cartilage"

# The tissue map's codes (uint8); 0 is air outside the body. Vertebral trabecular bone has one code.
TISSUE_CODES = {name: i for i, name in enumerate(
    (AIR, LUNG, FAT, MUSCLE, BLOOD, VENOUS_BLOOD, PORTAL_BLOOD, MYOCARDIUM, CSF, LIVER, SPLEEN, KIDNEY_CORTEX,
     KIDNEY_MEDULLA, URINE, BOWEL, BOWEL_CONTRAST, CORTICAL_BONE, TRABECULAR_BONE, DISC, CARTILAGE,
     "vertebral_trabecular_bone"))}
VERTEBRAL_TRABECULAR_CODE = TISSUE_CODES["vertebral_trabecular_bone"]

_COMMON = {AIR: (-1010, -990), LUNG: (-880, -760), FAT: (-120, -80), MUSCLE: (30, 60), CSF: (0, 15),
           BOWEL: (15, 45), BOWEL_CONTRAST: (200, 600), CORTICAL_BONE: (700, 1300), TRABECULAR_BONE: (120, 280),
           DISC: (60, 110), CARTILAGE: (80, 160)}
_BY_PHASE = {
    "native": {BLOOD: (30, 50), VENOUS_BLOOD: (30, 50), PORTAL_BLOOD: (30, 50), MYOCARDIUM: (35, 50),
               LIVER: (50, 70), SPLEEN: (40, 55), KIDNEY_CORTEX: (28, 40), KIDNEY_MEDULLA: (25, 36),
               URINE: (0, 15)},
    "arterial": {BLOOD: (220, 500), VENOUS_BLOOD: (80, 200), PORTAL_BLOOD: (100, 180), MYOCARDIUM: (80, 120),
                 LIVER: (60, 85), SPLEEN: (90, 140), KIDNEY_CORTEX: (140, 230), KIDNEY_MEDULLA: (50, 100),
                 URINE: (0, 20)},
    "portal_venous": {BLOOD: (140, 220), VENOUS_BLOOD: (120, 180), PORTAL_BLOOD: (150, 220),
                      MYOCARDIUM: (90, 130), LIVER: (95, 130), SPLEEN: (100, 130), KIDNEY_CORTEX: (150, 220),
                      KIDNEY_MEDULLA: (140, 210), URINE: (5, 30)},
    "delayed": {BLOOD: (90, 140), VENOUS_BLOOD: (90, 130), PORTAL_BLOOD: (90, 130), MYOCARDIUM: (70, 100),
                LIVER: (80, 100), SPLEEN: (80, 100), KIDNEY_CORTEX: (110, 160), KIDNEY_MEDULLA: (120, 180),
                URINE: (300, 1200)},
}
TRABECULAR_MEAN_RANGE = (40.0, 260.0)   # subject mean of vertebral trabecular bone, native (osteoporotic..young)
TRABECULAR_LEVEL_SD = 0.06              # level-to-level spread around the subject mean (relative)
PELVIC_MARROW_RATIO = (0.75, 1.05)      # sacrum and pelvis: marrow HU relative to the vertebral mean
CONTRAST_BONE_GAIN = {"native": 0.0, "arterial": 6.0, "portal_venous": 11.0, "delayed": 8.0}


def trabecular_key(level):
    """The `tissue_hu` key of one vertebra's trabecular bone, e.g. 'trabecular_bone_L1'."""
    return f"{TRABECULAR_BONE}_{level}"


def pelvic_marrow(tissue_hu):
    """Marrow HU of the sacrum and pelvis in `tissue_hu` (`PELVIC_MARROW`, else the general `TRABECULAR_BONE`)."""
    return tissue_hu.get(PELVIC_MARROW, tissue_hu[TRABECULAR_BONE])


def check_phase(phase):
    if phase not in PHASES:
        from jmedseg.errors import InputError

        raise InputError(f"unknown contrast phase {phase!r}; choose one of {', '.join(PHASES)}")
    return phase


def default_tissue_hu(rng, phase, levels):
    """A subject's mean HU per tissue, drawn uniformly from the physical ranges of `phase`.

    `levels`: the vertebra names present (each gets its own trabecular entry). The
    per-level trabecular values scatter by `TRABECULAR_LEVEL_SD` around a subject mean,
    with contrast's small gain added (`CONTRAST_BONE_GAIN`).
    """
    check_phase(phase)
    ranges = {**_COMMON, **_BY_PHASE[phase]}
    hu = {name: float(rng.uniform(lo, hi)) for name, (lo, hi) in sorted(ranges.items())}
    mean = float(rng.uniform(*TRABECULAR_MEAN_RANGE)) + CONTRAST_BONE_GAIN[phase]
    # the marrow of the sacrum and pelvis follows the same person's bone density (it is lost with age like the
    # spine's; the sacral alae read at or below the lumbar bodies): an osteoporotic spine of 50 HU inside a
    # 200 HU pelvis is not a person (ribs, sternum and limbs keep TRABECULAR_BONE's own range)
    # the ratio reuses the general marrow's draw (no extra random number: every later draw of a seed stays)
    lo, hi = _COMMON[TRABECULAR_BONE]
    r0, r1 = PELVIC_MARROW_RATIO
    ratio = r0 + (r1 - r0) * (hu[TRABECULAR_BONE] - lo) / (hi - lo)
    hu[PELVIC_MARROW] = round(mean * ratio, 1)
    for level in levels:
        hu[trabecular_key(level)] = round(mean * (1.0 + TRABECULAR_LEVEL_SD * float(rng.standard_normal())), 1)
    return hu


def missing_tissues(tissue_hu, levels):
    """Names the renderer needs that `tissue_hu` lacks (empty when it is complete)."""
    need = set(_COMMON) | set(_BY_PHASE["native"]) | {trabecular_key(l) for l in levels}
    return sorted(need - set(tissue_hu))
