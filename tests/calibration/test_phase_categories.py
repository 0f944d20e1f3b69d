"""Contrast phase rules, the DICOM-header cross-check, the contrast correction and the categories' cut-offs."""
import math

import pytest

from jmedseg.calibration.categories import acr_category, l1_hu_category
from jmedseg.calibration.contrast import correction_hu
from jmedseg.calibration.phase import estimate_phase, header_disagreement


@pytest.mark.parametrize("aorta,vein,phase", [
    (45.0, 42.0, "native"),            # unenhanced blood 30-60 HU
    (320.0, 60.0, "arterial"),         # bright aorta, vena cava not yet enhanced
    (180.0, 170.0, "portal_venous"),   # both enhanced alike
    (125.0, 120.0, "delayed"),         # both washed out to 80-150 HU
    (300.0, math.nan, "arterial"),     # no vena cava found: a very bright aorta is arterial
])
def test_phase_rules(aorta, vein, phase):
    found, evidence = estimate_phase(aorta, vein)
    assert found == phase
    assert f"aorta {aorta:.0f} HU" in evidence


@pytest.mark.parametrize("aorta,vein,cortex,medulla,phase", [
    (300.0, 200.0, 200.0, 70.0, "arterial"),          # corticomedullary kidneys overrule a bright vena cava find
    (200.0, 60.0, 180.0, 175.0, "portal_venous"),     # evenly enhanced kidneys overrule an unenhanced vena cava find
    (130.0, 125.0, 150.0, 150.0, "delayed"),          # even kidneys, both vessels washed out alike
    (45.0, 40.0, 200.0, 70.0, "native"),              # kidneys never overrule an unenhanced aorta (iliac marrow)
    (300.0, 60.0, 80.0, 60.0, "arterial"),            # cortex under 100 HU: not enhanced kidneys, the vessels decide
])
def test_phase_with_kidneys(aorta, vein, cortex, medulla, phase):
    found, evidence = estimate_phase(aorta, vein, cortex, medulla)
    assert found == phase, evidence
    # (medulla - 30) / (cortex - 30) = 40/170 = 0.24 (arterial) and 145/150 = 0.97 (even): far from the 0.65 line
    assert ("kidney cortex" in evidence) == (aorta >= 100.0 and cortex >= 100.0)


def test_phase_unknown_without_vessels():
    phase, evidence = estimate_phase(math.nan, math.nan)
    assert phase == "unknown" and "no aorta" in evidence


def test_phase_from_the_vena_cava_alone():
    # an unenhanced vena cava alone never says native: a washed-out delayed aorta (80-110 HU at 140 kVp) is missed
    phase, evidence = estimate_phase(math.nan, 45.0)
    assert phase == "unknown" and "delayed" in evidence
    phase, evidence = estimate_phase(math.nan, 420.0)
    assert phase == "arterial" and "aorta not found" in evidence
    # an unenhanced aorta beside a bright find (bowel contrast, or a missed enhanced aorta): unknown, never native
    phase, evidence = estimate_phase(45.0, 420.0)
    assert phase == "unknown" and "disagree" in evidence
    assert estimate_phase(45.0, 120.0)[0] == "native"     # under DELAYED_MAX_HU: not iodine-bright


def test_header_disagreement_flagged_both_ways():
    assert "names a contrast agent" in header_disagreement("native", "OMNIPAQUE 350")
    assert "names no contrast agent" in header_disagreement("arterial", "")
    assert header_disagreement("portal_venous", "IOPAMIDOL") == ""
    assert header_disagreement("native", None) == ""          # no header (NIfTI): nothing to compare


def test_contrast_correction_only_where_published():
    assert correction_hu("portal_venous") == 11.0            # Pickhardt et al. 2016
    assert correction_hu("arterial") is None and correction_hu("native") is None


@pytest.mark.parametrize("l1,l2,category", [
    (130.0, 125.0, "normal"), (121.0, 120.0, "normal"), (120.0, 120.0, "low_bone_mass"),
    (80.0, 80.0, "low_bone_mass"), (79.0, 80.0, "osteoporosis"), (60.0, 70.0, "osteoporosis"),
])
def test_acr_category_on_the_mean_of_two_levels(l1, l2, category):
    assert acr_category([l1, l2]) == category


def test_acr_category_needs_two_levels():
    assert acr_category([150.0, math.nan]) == ""
    assert acr_category([150.0, None]) == ""


def test_l1_hu_category_pickhardt_cutoffs():
    assert l1_hu_category(110.0).startswith("osteoporosis likely")
    assert l1_hu_category(110.5).startswith("osteoporosis possible")
    assert l1_hu_category(160.0).startswith("osteoporosis possible")
    assert l1_hu_category(161.0).startswith("normal")
    assert l1_hu_category(math.nan) == ""


@pytest.mark.parametrize("aorta,vein,energy,phase", [
    (170.0, 165.0, 58.0, "delayed"),          # 80 kVp: 1 mg/ml iodine adds 40 HU, 170 HU is 3.3 mg/ml: washed out
    (170.0, 165.0, 72.0, "portal_venous"),    # 120 kVp: 25 HU per mg/ml, 170 HU is 5.3 mg/ml
    (135.0, 135.0, 79.0, "portal_venous"),    # 140 kVp: 20 HU per mg/ml, 135 HU is 4.8 mg/ml
    (135.0, 135.0, 72.0, "delayed"),
])
def test_delayed_split_is_an_iodine_concentration(aorta, vein, energy, phase):
    """The delayed/portal venous split (about 4.5 mg/ml of iodine in blood) read through the beam's energy."""
    assert estimate_phase(aorta, vein, energy_kev=energy)[0] == phase
    assert estimate_phase(aorta, vein, energy_kev=math.nan)[0] == estimate_phase(aorta, vein)[0]   # unknown: 120 kVp


def test_enhanced_kidneys_beside_an_unenhanced_looking_aorta():
    """A washed-out delayed CT at 140 kVp: 1.5 mg/ml of iodine reads about 75 HU, under the native limit there
    (60 HU + 1 mg/ml: 80 HU), like dense unenhanced blood. Kidneys found enhanced beside the labelled levels make
    that `unknown`, never a silent native; searched over the whole scan (iliac marrow can pass for a kidney) they
    change nothing. (An aorta of 85 HU is over that limit: tests/calibration/test_phase_native_limit.py.)"""
    phase, evidence = estimate_phase(75.0, 88.0, 118.0, 125.0, energy_kev=79.0, kidneys_near_levels=True)
    assert phase == "unknown" and "washed-out delayed" in evidence and "kidney cortex 118 HU" in evidence
    assert estimate_phase(75.0, 88.0, 118.0, 125.0, energy_kev=79.0)[0] == "native"
    assert estimate_phase(45.0, 40.0, kidneys_near_levels=True)[0] == "native"   # no enhanced kidneys found
