"""Every refusal of issue 22, on a real CT's row: no fat found, an implausible calibration, a beam energy at the
edge of clinical CT, an unknown contrast phase. A refused calibration leaves the HU columns and says why."""
import math
import os

import numpy as np
import pytest

from jmedseg.calibration.fit import IMPLAUSIBLE, NO_REFERENCE, fit_calibration
from jmedseg.calibration.person import NO_KVP, PHASE_UNKNOWN, columns_from_tissues
from jmedseg.calibration.tissues import ReferenceTissues, find_reference_tissues
from jmedseg.data.io import load_volume
from tests.conftest import DATA

LEVELS = {"L1": 31, "L2": 30}
# the measured HU of a person (as measure_person writes them): the calibration must leave them as they are
ROW = {"density_hu": 105.0, "l1_jsu_mode_hu": 99.0, "l2_jsu_mode_hu": 114.0, "l1_mean_hu": 131.0}


@pytest.fixture(scope="module")
def example():
    return load_volume(os.path.join(DATA, "totalseg_example", "example_ct_sm.nii.gz"))


def _assert_refused(columns, flag, words):
    assert flag in columns["calibration_flag"].split(",")
    assert all(w in columns["calibration_note"] for w in words), columns["calibration_note"]
    for key in ("bmd_mgcm3", "l1_bmd_mgcm3", "l2_bmd_mgcm3", "calibration_slope"):
        assert math.isnan(columns[key]), key
    assert columns["acr_category"] == ""                           # no mg/cm3, no ACR class
    assert columns["l1_hu_category"] == "osteoporosis possible (<=160 HU)"   # the HU class stays (131 HU)


def test_no_fat_found_refuses_mg_and_keeps_the_hu(example):
    """The real CT with every adipose voxel (-200..-30 HU) painted over as soft tissue: there is no fat to find."""
    hu = example.array.copy()
    hu[(hu >= -200.0) & (hu <= -30.0)] = 30.0
    tissues = find_reference_tissues(hu, example.spacing)
    assert math.isnan(tissues.value("fat")) and tissues.value("air") < -900.0
    row = dict(ROW)
    columns, _ = columns_from_tissues(tissues, row, LEVELS, kvp=120)
    _assert_refused(columns, NO_REFERENCE, ("no fat found", "HU columns only"))
    assert row == ROW


def test_air_no_calibrated_ct_shows_is_an_implausible_calibration(example):
    """The real CT's tissues, but its air reading -1080 HU (a scanner whose air calibration drifted, or an
    export that shifted the values): no air of a calibrated CT reads that, so no mg/cm3 from it."""
    tissues = find_reference_tissues(example.array, example.spacing)
    tissues.hu["air"] = -1080.0
    columns, _ = columns_from_tissues(tissues, dict(ROW), LEVELS)
    _assert_refused(columns, IMPLAUSIBLE, ("air region reads -1080 HU", "is the CT in HU?"))
    assert columns["contrast_phase"] == "native"      # the phase is read all the same


def test_beam_energy_at_the_edge_of_clinical_ct_is_refused():
    """Fat at -60 HU with lean muscle: only a beam beyond 95 keV would explain it (fat reads -85 HU even at
    100 keV in theory), so the fit lands on the grid's edge: refused rather than extrapolated."""
    cal = fit_calibration({"air": -999.0, "fat": -60.0, "muscle": 45.0})
    assert cal.flag == IMPLAUSIBLE and "edge of what clinical CT uses" in cal.reason and math.isnan(cal.slope)


def test_unknown_phase_is_flagged_not_guessed():
    """No aorta or vena cava found: the phase is `unknown`, and the mg/cm3 (which a contrast CT's iodine would
    raise) carries the phase_unknown flag and the reason, next to no_kvp."""
    tissues = ReferenceTissues({"air": -995.0, "fat": -105.0, "muscle": 35.0})
    columns, note = columns_from_tissues(tissues, dict(ROW), LEVELS)
    assert columns["contrast_phase"] == "unknown" and "no aorta or vena cava found" in columns["contrast_evidence"]
    assert set(columns["calibration_flag"].split(",")) == {PHASE_UNKNOWN, NO_KVP}
    assert "contrast phase unknown" in note and np.isfinite(columns["bmd_mgcm3"])
    assert math.isnan(columns["ref_blood_hu"])        # blood joins the fit only in a CT read as native
