"""The contrast phase of a CT from its own blood pool: native, arterial, portal venous or delayed.

Iodine raises blood by 100-300 HU while fat and muscle move by under 5 HU (issue 22), and
its timing shows in where it is: in the arterial phase (about 25-40 s after injection) the
aorta is bright and the infrarenal inferior vena cava still unenhanced; in the portal
venous phase (60-80 s) aorta and veins are enhanced alike; in the delayed phase (3+ min)
both have washed out to 80-150 HU. Rules (HU from jmedseg.calibration.tissues):

- neither vessel found: `unknown`; only one found: that one decides, read as the aorta, except that
  the vena cava alone reading unenhanced gives `unknown` (a delayed aorta near 100 HU can be missed);
- aorta below native_max_hu (unenhanced blood reads 30-60 HU; the limit is 60 HU plus 1 mg/ml of
  iodine at the beam's energy): `native`, unless the vena cava's side reads iodine-bright (over
  DELAYED_MAX_HU): then `unknown` (oral contrast in a bowel loop, or a missed enhanced aorta; never a
  silent `native`); also `unknown` when the kidneys, searched beside the labelled levels, read enhanced
  (a washed-out delayed aorta at 140 kVp reads 75-100 HU);
- aorta from native_max_hu up to NATIVE_MAX_HU (100 HU; no arterial or portal venous blood reads this
  low): `delayed` when the vena cava is as bright (equilibrium blood), else `unknown` (dense unenhanced
  blood or washed-out contrast: the image cannot tell);
- aorta enhanced, vena cava below half the aorta's enhancement over unenhanced blood:
  `arterial`;
- aorta enhanced under DELAYED_MAX_HU with the vena cava as bright: `delayed`;
- otherwise `portal_venous`.

DELAYED_MAX_HU is an iodine concentration, about 4.5 mg/ml in blood (150 HU at 120 kVp; delayed
blood holds 2-4 mg/ml, portal venous 4-7): 1 mg/ml of iodine adds 40 HU at 80 kVp but 20 at
140 kVp (jmedseg.calibration.attenuation), so the split moves with the beam's effective energy,
that of the calibration (from the kVp when known, else from the tissues): 219 HU at 80 kVp,
129 HU at 140 kVp. The native limit is an iodine concentration too: unenhanced blood reads 30-60 HU at
any kVp, and 1 mg/ml of iodine above that (delayed blood holds 2-4) is 100 HU at 80 kVp but 80 HU at
140 kVp, where a fixed 100 HU took washed-out delayed blood (2 mg/ml: about 85 HU) for native.

The kidneys (jmedseg.calibration.kidneys, found only when enhanced) refine this: their cortex
bright and medulla dark (the medulla has gained under CORTICOMEDULLARY_RATIO of the cortex's
enhancement) means the arterial, corticomedullary phase; evenly enhanced parenchyma the portal
venous (nephrographic) or delayed phase. They never turn an aorta that reads unenhanced into an enhanced
phase (searched over the whole scan, iliac marrow can pass for enhanced kidneys); searched beside labelled
upper lumbar levels, they make it `unknown`. A DICOM Contrast/Bolus Agent (0018,0010)
is recorded beside the estimate and a disagreement is flagged.
"""
import math

from jmedseg.calibration.attenuation import effective_energy_kev, iodine_hu_per_mg_ml

NATIVE_MAX_HU = 100.0       # no enhanced arterial or portal venous blood (130-500 HU), nor kidney, reads under this
NATIVE_BLOOD_MAX_HU = 60.0  # unenhanced blood 30-60 HU at any kVp (+ noise, a dense hematocrit)
NATIVE_IODINE_MG_ML = 1.0   # iodine above which blood is enhanced (delayed blood holds 2-4 mg/ml)
UNENHANCED_BLOOD_HU = 40.0
ARTERIAL_VEIN_RATIO = 0.5   # vena cava enhancement / aortic enhancement below this: arterial
DELAYED_MAX_HU = 150.0      # at REFERENCE_KEV; delayed_max_hu(energy) elsewhere
REFERENCE_KEV = effective_energy_kev(120)
DELAYED_VEIN_RATIO = 0.8
UNENHANCED_KIDNEY_HU = 30.0       # renal parenchyma without iodine, cortex and medulla alike
CORTICOMEDULLARY_RATIO = 0.65     # the medulla has gained under about two thirds of the cortex's enhancement
PHASES = ("native", "arterial", "portal_venous", "delayed", "unknown")
ENHANCED = ("arterial", "portal_venous", "delayed")


def _kidney_phase(cortex_hu, medulla_hu):
    """'arterial' (corticomedullary), 'portal_venous' (nephrographic) or '' (kidneys not found enhanced)."""
    if not (math.isfinite(cortex_hu) and math.isfinite(medulla_hu)) or cortex_hu < NATIVE_MAX_HU:
        return ""
    ratio = (medulla_hu - UNENHANCED_KIDNEY_HU) / (cortex_hu - UNENHANCED_KIDNEY_HU)
    return "arterial" if ratio < CORTICOMEDULLARY_RATIO else "portal_venous"


def _iodine_hu(energy_kev):
    """HU of 1 mg/ml of iodine at the beam's effective energy (REFERENCE_KEV when it is unknown)."""
    return iodine_hu_per_mg_ml(energy_kev if math.isfinite(energy_kev) else REFERENCE_KEV)


def delayed_max_hu(energy_kev=REFERENCE_KEV):
    """The aortic HU under which enhanced blood is washed out (delayed), at the beam's effective energy."""
    scale = _iodine_hu(energy_kev) / iodine_hu_per_mg_ml(REFERENCE_KEV)
    return UNENHANCED_BLOOD_HU + (DELAYED_MAX_HU - UNENHANCED_BLOOD_HU) * scale


def native_max_hu(energy_kev=REFERENCE_KEV):
    """The aortic HU under which blood is unenhanced: NATIVE_BLOOD_MAX_HU plus NATIVE_IODINE_MG_ML of iodine at
    the beam's effective energy (100 HU at 80 kVp, 84 at 120, 80 at 140; never above NATIVE_MAX_HU)."""
    return min(NATIVE_MAX_HU, NATIVE_BLOOD_MAX_HU + NATIVE_IODINE_MG_ML * _iodine_hu(energy_kev))


def estimate_phase(aorta_hu, vein_hu=math.nan, cortex_hu=math.nan, medulla_hu=math.nan, energy_kev=REFERENCE_KEV,
                   kidneys_near_levels=False):
    """(phase, evidence text) from the aorta's, the inferior vena cava's and the kidneys' cortex and medulla
    median HU (NaN when not found; the kidneys are found only when enhanced) at the beam's effective energy.

    `kidneys_near_levels`: the kidneys were searched beside labelled upper lumbar vertebrae only, where no
    bone can pass for them; then enhanced kidneys beside an aorta that reads unenhanced give `unknown`.
    """
    kidneys = _kidney_phase(cortex_hu, medulla_hu)
    kidney_text = f"kidney cortex {cortex_hu:.0f} HU, medulla {medulla_hu:.0f} HU" if kidneys else ""
    if not math.isfinite(aorta_hu) and not math.isfinite(vein_hu):
        return "unknown", "no aorta or vena cava found beside the vertebral column"
    if not math.isfinite(aorta_hu):   # the vena cava alone: read like the aorta (any iodine means enhanced)
        phase, _ = estimate_phase(vein_hu, math.nan, cortex_hu, medulla_hu, energy_kev, kidneys_near_levels)
        if phase == "native":
            # an unenhanced-looking find alone is no proof: a washed-out delayed aorta at 140 kVp (80-110 HU)
            # straddles the two HU windows and is missed, and the vena cava's side then shows 50-80 HU
            return "unknown", (f"vena cava {vein_hu:.0f} HU (aorta not found): an unenhanced vena cava alone does "
                               "not rule out a washed-out (delayed) contrast CT")
        return phase, f"vena cava {vein_hu:.0f} HU (aorta not found)"
    evidence = f"aorta {aorta_hu:.0f} HU" + (f", vena cava {vein_hu:.0f} HU" if math.isfinite(vein_hu) else "")
    if aorta_hu < native_max_hu(energy_kev):
        # the kidneys never make an unenhanced aorta enhanced: searched without vertebra labels, the iliac wings'
        # marrow (100-300 HU at 3 mm) can pass for enhanced kidneys (the bundled native example, pelvis included)
        if math.isfinite(vein_hu) and vein_hu >= DELAYED_MAX_HU:
            # an unenhanced "aorta" beside iodine-bright blood on the vena cava's side: oral contrast in a bowel
            # loop, or the aorta search missed the real, enhanced aorta. Saying native could leave a contrast
            # CT's densities unflagged.
            return "unknown", evidence + ": the two vessels disagree (oral contrast, or the aorta was missed)"
        if kidneys and kidneys_near_levels:
            # washed-out delayed blood at 140 kVp (2 mg/ml iodine: about 80 HU) reads like dense unenhanced blood;
            # its kidneys still read enhanced (unenhanced kidneys read about 30 HU and are not found)
            return "unknown", f"{evidence}, {kidney_text}: enhanced kidneys beside an unenhanced-looking aorta " \
                              "(a washed-out delayed CT?)"
        return "native", evidence
    evidence = ", ".join(filter(None, [evidence, kidney_text]))
    if aorta_hu < NATIVE_MAX_HU:
        return _faint_aorta(aorta_hu, vein_hu, evidence)
    if kidneys == "arterial":
        return "arterial", evidence + " (corticomedullary kidneys)"
    ratio = (vein_hu - UNENHANCED_BLOOD_HU) / (aorta_hu - UNENHANCED_BLOOD_HU) if math.isfinite(vein_hu) else math.nan
    washed_out = delayed_max_hu(energy_kev)
    if not kidneys:
        if not math.isfinite(vein_hu):
            return ("arterial" if aorta_hu >= washed_out else "portal_venous"), evidence + " (no vena cava found)"
        if ratio < ARTERIAL_VEIN_RATIO:
            return "arterial", evidence
    if aorta_hu < washed_out and math.isfinite(ratio) and ratio >= DELAYED_VEIN_RATIO:
        return "delayed", evidence
    return "portal_venous", evidence + (" (evenly enhanced kidneys)" if kidneys else "")


def _faint_aorta(aorta_hu, vein_hu, evidence):
    """(phase, evidence) of an aorta between native_max_hu and NATIVE_MAX_HU: over 1 mg/ml of iodine, or dense
    unenhanced blood. Arterial and portal venous blood read higher; equilibrium (delayed) blood reads the same in
    the vena cava, so only that says `delayed`. Kidneys do not decide: the corticomedullary rule needs an aorta
    that reads arterial."""
    ratio = (vein_hu - UNENHANCED_BLOOD_HU) / (aorta_hu - UNENHANCED_BLOOD_HU) if math.isfinite(vein_hu) else math.nan
    if math.isfinite(ratio) and ratio >= DELAYED_VEIN_RATIO:
        return "delayed", evidence + " (washed out: the vena cava as bright)"
    return "unknown", evidence + (": a faint aorta without an equally bright vena cava (dense unenhanced blood, or "
                                  "washed-out contrast)")


def header_disagreement(phase, contrast_agent):
    """A note when the DICOM Contrast/Bolus Agent and the image disagree ('' when they agree or one is unknown)."""
    if contrast_agent is None or phase == "unknown":
        return ""
    said = str(contrast_agent).strip()
    if said and phase == "native":
        return f"the DICOM header names a contrast agent ({said!r}) but the aorta reads unenhanced"
    if not said and phase in ENHANCED:
        return f"the DICOM header names no contrast agent but the aorta reads {phase.replace('_', ' ')}"
    return ""
