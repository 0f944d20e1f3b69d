"""The native limit of the contrast phase is an iodine concentration: 60 HU of unenhanced blood plus 1 mg/ml
of iodine at the beam's energy (jmedseg.calibration.phase.native_max_hu).

Before (commit 2d69311) it was a fixed 100 HU, so at 120-140 kVp washed-out delayed blood (2 mg/ml of iodine:
about 85-90 HU at 140 kVp) was called native, its densities unflagged and its blood used to calibrate.
Measured with `benchmarks/calibration.py --n 200 --delayed 24` (phantom-only; docs/calibration.md).
"""
import math

import pytest

from jmedseg.calibration.attenuation import effective_energy_kev, iodine_hu_per_mg_ml, tissue_hu
from jmedseg.calibration.phase import NATIVE_MAX_HU, estimate_phase, native_max_hu

KVPS = (80, 100, 120, 140)
VENDOR_OFFSET_HU = 6.0      # the synthetic scanners' vendor offsets, +-6 HU (docs/calibration.md)
PERSON_SD_HU = 4.2          # 0.004 g/cm^3 of blood density between people (about 4 HU at these energies)


@pytest.mark.parametrize("kvp", KVPS)
def test_unenhanced_blood_reads_under_the_limit_and_delayed_blood_over_it(kvp):
    """The limit lies above the densest unenhanced blood (+ vendor offset and 2 SD between people) and below
    typical delayed blood (2 mg/ml of iodine, the least of the 2-4) at every tube voltage. Not below every delayed
    blood: at 140 kVp a -6 HU vendor offset puts 2 mg/ml at 78 HU, under the 80 HU limit (a delayed CT can still
    be called native there; docs/calibration.md, Known limits)."""
    energy = effective_energy_kev(kvp)
    blood = tissue_hu("blood", energy)
    assert blood + VENDOR_OFFSET_HU + 2 * PERSON_SD_HU < native_max_hu(energy)
    assert native_max_hu(energy) < blood + 2.0 * iodine_hu_per_mg_ml(energy)
    assert native_max_hu(energy) <= NATIVE_MAX_HU


def test_the_limit_falls_with_the_tube_voltage():
    limits = [native_max_hu(effective_energy_kev(kvp)) for kvp in KVPS]
    assert limits == sorted(limits, reverse=True)
    # 1 mg/ml of iodine: about 40 HU at 80 kVp, 20 HU at 140 kVp (NIST attenuation), on 60 HU of blood
    assert limits[0] == pytest.approx(100.0, abs=1.0) and limits[-1] == pytest.approx(80.0, abs=1.0)
    assert native_max_hu(math.nan) == pytest.approx(native_max_hu(effective_energy_kev(120)), abs=0.5)


def test_washed_out_delayed_blood_at_140_kvp_is_no_longer_native():
    """The benchmark's delayed CT at 140 kVp (aorta 88.5, vena cava 90 HU, kidneys not found): native before."""
    phase, evidence = estimate_phase(88.5, 90.0, energy_kev=effective_energy_kev(140))
    assert phase == "delayed" and "vena cava as bright" in evidence
    # the same HU at 80 kVp are under that beam's limit (100 HU): unenhanced there
    assert estimate_phase(88.5, 90.0, energy_kev=effective_energy_kev(80))[0] == "native"


@pytest.mark.parametrize("vein", [50.0, math.nan])
def test_a_faint_aorta_without_an_equally_bright_vena_cava_is_unknown(vein):
    """85 HU at 140 kVp is dense unenhanced blood or washed-out contrast; arterial or portal venous blood never
    reads this low, so the enhanced rules (a dark vena cava: arterial) do not apply, and neither does native."""
    phase, evidence = estimate_phase(85.0, vein, energy_kev=effective_energy_kev(140))
    assert phase == "unknown" and "faint aorta" in evidence


def test_the_bundled_cts_keep_their_phase():
    """The native example (aorta 44, vena cava 40 HU) and the chest CTA (aorta 493 HU, no vena cava) at any
    plausible beam energy."""
    for kvp in KVPS:
        energy = effective_energy_kev(kvp)
        assert estimate_phase(44.0, 40.0, energy_kev=energy)[0] == "native"
        assert estimate_phase(493.0, math.nan, energy_kev=energy)[0] == "arterial"
