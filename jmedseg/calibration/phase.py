"""The contrast phase of a CT from its own blood pool: native, arterial, portal venous or delayed.

Iodine raises blood by 100-300 HU while fat and muscle move by under 5 HU (issue 22), and
its timing shows in where it is: in the arterial phase (about 25-40 s after injection) the
aorta is bright and the infrarenal inferior vena cava still unenhanced; in the portal
venous phase (60-80 s) aorta and veins are enhanced alike; in the delayed phase (3+ min)
both have washed out to 80-150 HU. Rules (HU from jmedseg.calibration.tissues):

- neither vessel found: `unknown`; only one found: that one decides, read as the aorta;
- aorta below NATIVE_MAX_HU (unenhanced blood reads 30-60 HU): `native`, unless the vena cava's
  side reads iodine-bright (over DELAYED_MAX_HU): then `unknown` (oral contrast in a bowel loop,
  or a missed enhanced aorta; never a silent `native`);
- aorta enhanced, vena cava below half the aorta's enhancement over unenhanced blood:
  `arterial`;
- aorta enhanced under DELAYED_MAX_HU with the vena cava as bright: `delayed`;
- otherwise `portal_venous`.

The kidneys' cortex-medulla contrast (arterial: cortex bright, medulla dark; nephrographic:
uniform) is not used yet (docs/calibration.md). A DICOM Contrast/Bolus Agent (0018,0010)
is recorded beside the estimate and a disagreement is flagged.
"""
import math

NATIVE_MAX_HU = 100.0       # unenhanced blood 30-60 HU (+ noise, a dense hematocrit); enhanced 130-500 HU
UNENHANCED_BLOOD_HU = 40.0
ARTERIAL_VEIN_RATIO = 0.5   # vena cava enhancement / aortic enhancement below this: arterial
DELAYED_MAX_HU = 150.0
DELAYED_VEIN_RATIO = 0.8
PHASES = ("native", "arterial", "portal_venous", "delayed", "unknown")
ENHANCED = ("arterial", "portal_venous", "delayed")


def estimate_phase(aorta_hu, vein_hu=math.nan):
    """(phase, evidence text) from the aorta's and the inferior vena cava's median HU (NaN when not found)."""
    if not math.isfinite(aorta_hu) and not math.isfinite(vein_hu):
        return "unknown", "no aorta or vena cava found beside the vertebral column"
    if not math.isfinite(aorta_hu):   # the vena cava alone: read like the aorta (any iodine means enhanced)
        phase, _ = estimate_phase(vein_hu)
        return phase, f"vena cava {vein_hu:.0f} HU (aorta not found)"
    evidence = f"aorta {aorta_hu:.0f} HU" + (f", vena cava {vein_hu:.0f} HU" if math.isfinite(vein_hu) else "")
    if aorta_hu < NATIVE_MAX_HU:
        if math.isfinite(vein_hu) and vein_hu >= DELAYED_MAX_HU:
            # an unenhanced "aorta" beside iodine-bright blood on the vena cava's side: oral contrast in a bowel
            # loop, or the aorta search missed the real, enhanced aorta (seen on the bundled chest CTA once the
            # column was found correctly). Saying native could leave a contrast CT's densities unflagged.
            return "unknown", evidence + ": the two vessels disagree (oral contrast, or the aorta was missed)"
        return "native", evidence
    if not math.isfinite(vein_hu):
        return ("arterial" if aorta_hu >= DELAYED_MAX_HU else "portal_venous"), evidence + " (no vena cava found)"
    ratio = (vein_hu - UNENHANCED_BLOOD_HU) / (aorta_hu - UNENHANCED_BLOOD_HU)
    if ratio < ARTERIAL_VEIN_RATIO:
        return "arterial", evidence
    if aorta_hu < DELAYED_MAX_HU and ratio >= DELAYED_VEIN_RATIO:
        return "delayed", evidence
    return "portal_venous", evidence


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
