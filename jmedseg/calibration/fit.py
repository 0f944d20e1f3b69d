"""The linear map HU -> K2HPO4-equivalent mg/cm^3 of one CT, from its own reference tissues.

Internal (phantomless) calibration in the manner of Michalski et al. (Med Eng Phys 2020):
the scan's effective energy E is the one at which the reference tissues' theoretical HU
(jmedseg.calibration.attenuation, ICRU-44 compositions) best explain their measured HU,
up to one offset o shared by all tissues (a scanner's HU scale is anchored on water and
air by its daily calibration, so its gain is fixed; what remains is an offset and the
beam's energy). Bone mineral then reads HU = o + c * k(E) for c mg/cm^3 of K2HPO4
(k: attenuation.k2hpo4_hu_per_mg), so

    bmd_mgcm3 = slope * HU + intercept,  slope = 1 / k(E),  intercept = -o / k(E).

People differ in the composition of their fat, muscle and blood, so each tissue's
measured HU scatters about its theory by a few HU (TISSUE_SD_HU): that, not image noise,
limits the accuracy (3-10 % in the internal-calibration literature, e.g. Lee et al.,
Bone 2017). The tube voltage, when the DICOM header gives it, narrows E's prior
(attenuation.effective_energy_kev) and roughly halves the error (benchmarks/calibration.py).

Refusals (no mg/cm^3, `calibration_flag` and the reason): a reference tissue not found
(`no_reference_tissue`), a value no such tissue reads (`implausible_reference`), tissues
that no energy explains (`poor_fit`: one tissue 4 SD off the line, or their chi-square
beyond its 0.1 % tail).
"""
import math
from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from jmedseg.calibration.attenuation import ENERGY_RANGE_KEV, effective_energy_kev, k2hpo4_hu_per_mg, tissue_hu

REQUIRED = ("air", "fat", "muscle")      # blood is optional: used only in a native scan (contrast raises it)
# Between-person spread of each tissue's HU about its ICRU-44 value at fixed energy: fat and muscle
# composition (muscle: fat infiltration grows with age), hematocrit (blood also meets the vessel wall at
# partial volume); air near the body reads -1000 +- 15 HU with scatter and the beam-hardening correction
# (-994 and -986 HU on the bundled real CTs). With the gain fixed, air carries almost no information on the
# energy (it reads -999 HU at every energy): its wide SD keeps its own error out of the offset.
TISSUE_SD_HU = {"air": 20.0, "fat": 6.0, "muscle": 8.0, "blood": 8.0}
# HU a tissue can read on a clinical CT (80-140 kVp); outside them the region found is something else.
PLAUSIBLE_HU = {"air": (-1050.0, -940.0), "fat": (-170.0, -40.0), "muscle": (-20.0, 100.0), "blood": (0.0, 90.0)}
ENERGY_PRIOR_KEV = (68.0, 20.0)          # no tube voltage known: a weak pull to the middle of 80-140 kVp
KVP_PRIOR_SD_KEV = 3.0                   # known tube voltage: scanners' filtration differs by a few keV
MAX_STANDARD_RESIDUAL = 4.0              # a tissue 4 SD off the best line: a wrong region or a wrong model
MISFIT_P = 1e-3                          # all tissues together this unlikely under their spread: poor fit
ENERGY_STEP_KEV = 0.25

NO_REFERENCE, IMPLAUSIBLE, POOR_FIT = "no_reference_tissue", "implausible_reference", "poor_fit"


@dataclass
class Calibration:
    """One CT's HU -> mg/cm^3 line; `flag` non-empty (and slope NaN) when refused, with `reason`."""

    slope: float = math.nan          # mg/cm^3 per HU
    intercept: float = math.nan      # mg/cm^3
    energy_kev: float = math.nan
    offset_hu: float = math.nan
    residuals_hu: dict = field(default_factory=dict)
    flag: str = ""
    reason: str = ""

    @property
    def ok(self):
        return not self.flag

    def to_mgcm3(self, hu):
        return self.slope * hu + self.intercept


def _refused(flag, reason):
    return Calibration(flag=flag, reason=reason)


def check_reference(reference_hu):
    """(flag, reason) of a dict tissue -> HU that cannot be calibrated on, or ("", "")."""
    absent = [t for t in REQUIRED if not np.isfinite(reference_hu.get(t, math.nan))]
    if absent:
        return NO_REFERENCE, (f"no {', '.join(absent)} found for the internal calibration (need air outside the "
                              "body, subcutaneous fat and paraspinal muscle in the field of view); HU columns only")
    for tissue, value in reference_hu.items():
        lo, hi = PLAUSIBLE_HU[tissue]
        if np.isfinite(value) and not lo <= value <= hi:
            return IMPLAUSIBLE, (f"the {tissue} region reads {value:.0f} HU, outside the {lo:.0f}..{hi:.0f} HU "
                                 f"{tissue} reads on clinical CT: not calibrated (is the CT in HU? check the QC "
                                 "figure)")
    return "", ""


def fit_calibration(reference_hu, kvp=None):
    """Calibration from {tissue: measured HU} (air, fat, muscle; blood when native), optionally the tube kVp."""
    flag, reason = check_reference(reference_hu)
    if flag:
        return _refused(flag, reason)
    tissues = [t for t in ("air", "fat", "muscle", "blood") if np.isfinite(reference_hu.get(t, math.nan))]
    measured = np.array([reference_hu[t] for t in tissues])
    weights = 1.0 / np.array([TISSUE_SD_HU[t] for t in tissues]) ** 2
    prior = (effective_energy_kev(kvp), KVP_PRIOR_SD_KEV) if kvp else ENERGY_PRIOR_KEV
    energies = np.arange(ENERGY_RANGE_KEV[0], ENERGY_RANGE_KEV[1] + 1e-9, ENERGY_STEP_KEV)
    theory = np.stack([tissue_hu(t, energies) for t in tissues], axis=1)          # (E, tissues)
    offsets = ((measured - theory) * weights).sum(axis=1) / weights.sum()
    misfit = (((measured - theory - offsets[:, None]) ** 2) * weights).sum(axis=1)
    best = int(np.argmin(misfit + ((energies - prior[0]) / prior[1]) ** 2))
    energy, offset = float(energies[best]), float(offsets[best])
    residuals = measured - theory[best] - offset
    standard = residuals * np.sqrt(weights)
    worst = int(np.argmax(np.abs(standard)))
    dof = len(tissues) - 2                       # the offset and the energy are fitted
    too_far = (float(np.sum(standard ** 2)) > stats.chi2.isf(MISFIT_P, dof)) if dof > 0 else False
    if too_far or abs(standard[worst]) > MAX_STANDARD_RESIDUAL:
        return _refused(POOR_FIT, f"the reference tissues fit no single CT energy ({tissues[worst]} is "
                        f"{residuals[worst]:+.0f} HU off the best line at {energy:.0f} keV): not calibrated; "
                        "check the calibration outlines in the QC figure")
    if best in (0, len(energies) - 1):
        return _refused(IMPLAUSIBLE, f"the reference tissues put the beam's effective energy at {energy:.0f} keV, "
                        "the edge of what clinical CT uses: not calibrated")
    k = k2hpo4_hu_per_mg(energy)
    return Calibration(1.0 / k, -offset / k, energy, offset, {t: float(r) for t, r in zip(tissues, residuals)})
