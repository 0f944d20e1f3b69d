"""The contrast phase of synthetic lumbar CTs whose phase is known: the aorta and vena cava found along the
column, the kidneys' cortex and medulla (corticomedullary when arterial, even when portal venous)."""
import numpy as np
import pytest

from jmedseg.calibration.person import phase_columns
from jmedseg.calibration.tissues import find_reference_tissues
from jmedseg.data.synth.scanner_scale import SCANNERS, SyntheticPerson
from jmedseg.data.synth.trunk import synth_trunk_case

LEVELS = (31, 30)            # L1, L2 in the synthetic vertebra map


def _tissues(phase, seed, scanner, oral_contrast=False):
    rng = np.random.default_rng(seed)
    person = SyntheticPerson.draw(rng, 120.0)
    case = synth_trunk_case(rng, phase=phase, fov="lumbar", pixel_mm=1.0, slice_mm=3.0, oral_contrast=oral_contrast,
                            tissue_hu=lambda r, ph, names: scanner.tissue_hu_for(r, ph, names, person))
    vertebrae = case.label_map("vertebra")
    zs = np.flatnonzero(np.isin(vertebrae, LEVELS).any(axis=(0, 1)))
    tissues = find_reference_tissues(case.hu.astype(np.float32), case.spacing, (zs.min(), zs.max()),
                                     vertebrae=vertebrae)
    return tissues, case.tissue_hu


@pytest.mark.parametrize("phase,scanner", [("arterial", SCANNERS[3]), ("portal_venous", SCANNERS[0]),
                                           ("native", SCANNERS[6])])
def test_phase_of_a_synthetic_ct(phase, scanner):
    tissues, painted = _tissues(phase, 7, scanner)
    columns = phase_columns(tissues)
    assert columns["contrast_phase"] == phase, columns["contrast_evidence"]
    # the aorta found is the painted aorta: its median HU within the image noise's share (noise 5-40 HU over
    # hundreds of voxels: the median moves by a few HU) plus partial volume at its rim (eroded away)
    assert tissues.value("aorta") == pytest.approx(painted["blood"], abs=15.0)
    if phase == "native":     # unenhanced kidneys read like muscle and are not looked for
        assert np.isnan(tissues.value("kidney_cortex"))
    else:
        cortex, medulla = tissues.value("kidney_cortex"), tissues.value("kidney_medulla")
        assert cortex == pytest.approx(painted["kidney_cortex"], abs=25.0)   # rim partial volume with fat
        if phase == "arterial":
            assert medulla < cortex - 30.0          # corticomedullary: the medulla lags
        assert "kidney cortex" in columns["contrast_evidence"]
