"""Categories users expect next to the numbers: research outputs, not a diagnosis (docs/calibration.md).

- ACR QCT (ACR-SPR-SSR practice parameter for QCT, 2018): trabecular BMD of the spine,
  mean of two lumbar levels, in mg/cm^3: over 120 normal, 80-120 low bone mass, under 80
  osteoporosis. Defined for phantom-calibrated QCT; here it reads the internally calibrated
  mg/cm^3, which carries that calibration's error (3-10 %).
- Pickhardt et al., Ann Intern Med 2013: L1 trabecular attenuation at opportunistic CT,
  <= 110 HU highly specific, <= 160 HU sensitive for osteoporosis (jmedseg.density.trend).
"""
import math

ACR_MGCM3 = (80.0, 120.0)
ACR_LEVELS = 2


def acr_category(level_bmds):
    """ACR QCT class of the mean of the lumbar levels' mg/cm^3 ('' unless two levels were calibrated)."""
    values = [v for v in level_bmds if v is not None and math.isfinite(v)]
    if len(values) < ACR_LEVELS:
        return ""
    mean = sum(values) / len(values)
    if mean < ACR_MGCM3[0]:
        return "osteoporosis"
    if mean <= ACR_MGCM3[1]:
        return "low_bone_mass"
    return "normal"


def l1_hu_category(l1_hu):
    """Pickhardt et al. 2013 class of the L1 HU ('' without an L1 value)."""
    from jmedseg.density.trend import threshold_class

    return threshold_class(float("nan") if l1_hu is None else float(l1_hu))
