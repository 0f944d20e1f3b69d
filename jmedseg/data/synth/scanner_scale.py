"""A synthetic scanner's HU scale: true material (and K2HPO4-equivalent mg/cm^3) -> HU per scanner and phase.

Physical model (issue 22 section 5; docs/calibration.md):
- A scanner is its tube voltage, the beam's effective energy behind the patient
  (jmedseg.calibration.attenuation.effective_energy_kev(kVp) plus a few keV of its own
  filtration) and a vendor offset (a few HU, the same for every material). Its gain is
  fixed by the daily water/air calibration that defines HU.
- Each tissue reads HU = 1000 (mu - mu_water) / mu_water + offset at that energy, from its
  own NIST mass attenuation: fat, muscle, blood and bone mineral respond differently to
  kVp (fat darker and bone brighter at 80 kVp), so no single line maps one scanner onto
  another and a calibration has to find the energy.
- People differ: each person's fat, muscle and blood density scatters about its nominal
  value (PERSON_SD_G_CM3, about 5 HU), which no calibration can see: the error floor.
- Trabecular bone is its true K2HPO4-equivalent density dissolved in water-equivalent
  marrow (the QCT definition of the unit); cortical bone likewise at 1000-1200 mg/cm^3.
  Marrow fat is not modelled (it lowers single-energy QCT BMD alike on every scanner).
- Contrast: iodine (mg/ml per tissue and phase, IODINE_MG_ML) adds its own energy-dependent
  HU (about 25 HU per mg/ml at 120 kVp, 40 at 80 kVp); trabecular marrow gains 0.45 mg/ml in
  the portal venous phase, the +11 HU at 120 kVp of Pickhardt et al. (Osteoporos Int 2016).
Other organs (liver, spleen, kidney, disc) are muscle-like material at their own density,
chosen so that 120 kVp reproduces their usual native HU.

`ScannerScale.tissue_hu_for(rng, phase, levels, person)` returns the full `tissue_hu`
mapping of the synthetic trunk renderer (jmedseg.data.synth.trunk.tissues names).
"""
from dataclasses import dataclass, field

from jmedseg.calibration.attenuation import (DENSITY, effective_energy_kev, iodine_hu_per_mg_ml,
                                             k2hpo4_hu_per_mg, tissue_hu)

PERSON_SD_G_CM3 = {"fat": 0.005, "muscle": 0.005, "blood": 0.004}
# Muscle-like organs: density (g/cm^3) giving their usual native HU at 120 kVp.
ORGAN_DENSITY = {"myocardium": 1.05, "liver": 1.065, "spleen": 1.055, "kidney_cortex": 1.035,
                 "kidney_medulla": 1.03, "bowel": 1.02, "disc": 1.08, "cartilage": 1.10}
WATER_LIKE_DENSITY = {"csf": 1.007, "urine": 1.006}
LUNG_DENSITY = 0.22
IODINE_MG_ML = {   # (low, high) iodine per tissue and phase; absent: none
    "arterial": {"blood": (8, 18), "venous_blood": (0.3, 2.5), "portal_blood": (3, 6), "myocardium": (1.5, 3),
                 "liver": (0.5, 1), "spleen": (2, 4), "kidney_cortex": (4, 8), "kidney_medulla": (0.8, 2.5),
                 "marrow": (0.2, 0.3)},
    "portal_venous": {"blood": (4, 7), "venous_blood": (3.5, 6), "portal_blood": (4.5, 7), "myocardium": (2, 3.5),
                      "liver": (1.8, 2.8), "spleen": (2.2, 3.2), "kidney_cortex": (4.5, 7),
                      "kidney_medulla": (4, 7), "urine": (0, 0.5), "marrow": (0.4, 0.5)},
    "delayed": {"blood": (2, 4), "venous_blood": (2, 3.5), "portal_blood": (2, 3.5), "myocardium": (1.2, 2),
                "liver": (1.2, 1.8), "spleen": (1.5, 2.2), "kidney_cortex": (3, 5), "kidney_medulla": (3.5, 6),
                "urine": (12, 45), "marrow": (0.3, 0.4)},
}
ORAL_CONTRAST_MG_ML = (8.0, 25.0)
CORTICAL_MGCM3 = (1000.0, 1200.0)
OTHER_TRABECULAR_MGCM3 = (100.0, 200.0)   # ribs, pelvis, sternum: not measured


@dataclass(frozen=True)
class ScannerScale:
    """One synthetic scanner: tube voltage, its effective energy and its vendor offset."""

    name: str
    kvp: float
    energy_shift_kev: float = 0.0
    offset_hu: float = 0.0

    @property
    def energy_kev(self):
        return effective_energy_kev(self.kvp) + self.energy_shift_kev

    def material_hu(self, material, density=None, iodine_mg_ml=0.0):
        return (tissue_hu(material, self.energy_kev, density) + self.offset_hu
                + iodine_mg_ml * iodine_hu_per_mg_ml(self.energy_kev))

    def bone_hu(self, mgcm3, iodine_mg_ml=0.0):
        """HU of bone whose K2HPO4-equivalent density is `mgcm3`, in water-equivalent marrow."""
        return (self.material_hu("water") + mgcm3 * k2hpo4_hu_per_mg(self.energy_kev)
                + iodine_mg_ml * iodine_hu_per_mg_ml(self.energy_kev))

    def tissue_hu_for(self, rng, phase, levels, person):
        """The renderer's full `tissue_hu` mapping of `person` (a SyntheticPerson) scanned here in `phase`."""
        iodine = {k: float(rng.uniform(*v)) for k, v in IODINE_MG_ML.get(phase, {}).items()}
        blood = person.density["blood"]
        hu = {"air": self.material_hu("air"), "fat": self.material_hu("fat", person.density["fat"]),
              "muscle": self.material_hu("muscle", person.density["muscle"]),
              "lung": self.material_hu("muscle", LUNG_DENSITY)}
        for name in ("blood", "venous_blood", "portal_blood"):
            hu[name] = self.material_hu("blood", blood, iodine.get(name, 0.0))
        for name, rho in ORGAN_DENSITY.items():
            hu[name] = self.material_hu("muscle", rho, iodine.get(name, 0.0))
        for name, rho in WATER_LIKE_DENSITY.items():
            hu[name] = self.material_hu("water", rho, iodine.get(name, 0.0))
        hu["bowel_contrast"] = self.material_hu("water", 1.0, float(rng.uniform(*ORAL_CONTRAST_MG_ML)))
        hu["cortical_bone"] = self.bone_hu(float(rng.uniform(*CORTICAL_MGCM3)))
        hu["trabecular_bone"] = self.bone_hu(float(rng.uniform(*OTHER_TRABECULAR_MGCM3)))
        marrow_iodine = iodine.get("marrow", 0.0)
        for level in levels:
            hu[f"trabecular_bone_{level}"] = self.bone_hu(person.level_mgcm3(level), marrow_iodine)
        return hu


@dataclass
class SyntheticPerson:
    """True K2HPO4-equivalent density (mean over levels) and the person's own tissue densities (g/cm^3).

    Each vertebra deviates from the mean by `level_sd` (relative), drawn from `rng` the first time it is asked
    for and fixed from then on.
    """

    bmd_mgcm3: float
    density: dict
    rng: object = None
    level_sd: float = 0.04
    levels: dict = field(default_factory=dict)

    @classmethod
    def draw(cls, rng, bmd_mgcm3, level_sd=0.04):
        density = {t: DENSITY[t] + sd * float(rng.standard_normal()) for t, sd in PERSON_SD_G_CM3.items()}
        return cls(bmd_mgcm3, density, rng, level_sd)

    def level_mgcm3(self, level):
        if level not in self.levels:
            self.levels[level] = self.bmd_mgcm3 * (1.0 + self.level_sd * float(self.rng.standard_normal()))
        return self.levels[level]


# Six-plus scanners spanning clinical practice: 80-140 kVp, filtration +-3 keV, vendor offsets +-6 HU.
SCANNERS = (
    ScannerScale("A_80kVp", 80, 0.0, -3.0), ScannerScale("B_100kVp", 100, 2.0, 4.0),
    ScannerScale("C_100kVp", 100, -2.0, -5.0), ScannerScale("D_120kVp", 120, 0.0, 0.0),
    ScannerScale("E_120kVp", 120, 3.0, 6.0), ScannerScale("F_120kVp", 120, -3.0, -6.0),
    ScannerScale("G_140kVp", 140, 1.0, 3.0), ScannerScale("H_140kVp", 140, -2.0, -4.0),
)
