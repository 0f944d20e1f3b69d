"""On the bundled real CTs: the reference tissues land where TotalSegmentator's labels put those organs, the
phase is right, and `measure` writes the calibration columns (or, refused, still the phase)."""
import os

import numpy as np
import pytest

from jmedseg.calibration.tissues import find_reference_tissues
from jmedseg.data.io import load_labels, load_volume

DATA = os.path.join(os.path.dirname(__file__), "..", "data")
EXAMPLE = os.path.join(DATA, "totalseg_example")
CHEST_CTA = os.path.join(DATA, "totalseg_chest_cta", "chest_cta.nii.gz")
AORTA, IVC, AUTOCHTHON = [52], [63], [86, 87]        # TotalSegmentator v2 label ids


@pytest.fixture(scope="module")
def small_example():
    ct = load_volume(os.path.join(EXAMPLE, "example_ct_sm.nii.gz"))
    labels = load_labels(os.path.join(EXAMPLE, "example_seg.nii.gz")).array
    return ct, labels, find_reference_tissues(ct.array, ct.spacing)


@pytest.mark.parametrize("name,ids,share", [("aorta", AORTA, 0.5), ("ivc", IVC, 0.5), ("muscle", AUTOCHTHON, 0.85)])
def test_tissues_lie_in_totalsegmentator_organs(small_example, name, ids, share):
    """Most of each region lies in TotalSegmentator's label of that organ (a model's 3 mm prediction, whose
    borders differ from ours by a voxel: hence a majority, not all), and its median HU agrees within 5 HU."""
    ct, labels, tissues = small_example
    mask = tissues.grid.to_original(tissues.masks[name])
    assert np.isin(labels[mask], ids).mean() >= share
    assert tissues.value(name) == pytest.approx(np.median(ct.array[np.isin(labels, ids)]), abs=5.0)


def test_native_example_reference_values(small_example):
    _, _, tissues = small_example
    assert -1010.0 <= tissues.value("air") <= -985.0
    assert -115.0 <= tissues.value("fat") <= -90.0
    assert tissues.value("aorta") < 100.0             # unenhanced: the phase module calls it native


def test_measure_adds_calibration_columns(tmp_path):
    from jmedseg.pipelines.cohort_run import settings_for
    from jmedseg.density.measure import DEFAULT_LEVELS
    from jmedseg.pipelines.subject import measure_files

    person = measure_files("example_ct", os.path.join(EXAMPLE, "example_ct.nii.gz"),
                           os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz"), None, settings_for(DEFAULT_LEVELS),
                           out_dir=str(tmp_path), qc_figure=True)
    row = person.row
    # calibrated (no refusal flag), but without a tube voltage: the NIfTI has no header or sidecar
    assert row["contrast_phase"] == "native" and row["calibration_flag"] == "no_kvp"
    for level in ("l1", "l2"):
        assert row[f"{level}_bmd_mgcm3"] == pytest.approx(
            row["calibration_slope"] * row[f"{level}_jsu_mode_hu"] + row["calibration_intercept"])
    assert row["bmd_mgcm3"] == pytest.approx(row["calibration_slope"] * row["density_hu"]
                                             + row["calibration_intercept"])
    assert 0.5 < row["calibration_slope"] < 1.2      # mg/cm3 per HU of 80-140 kVp CT (K2HPO4: 0.5-1.1)
    assert 20.0 < row["ref_blood_hu"] < 70.0         # unenhanced aortic blood, used in the fit
    mean = (row["l1_bmd_mgcm3"] + row["l2_bmd_mgcm3"]) / 2
    expected = "osteoporosis" if mean < 80 else "low_bone_mass" if mean <= 120 else "normal"
    assert row["acr_category"] == expected
    assert os.path.getsize(tmp_path / row["calibration_figure"]) > 10_000


def test_refused_measurement_still_names_the_phase():
    from jmedseg.pipelines.cohort_run import settings_for
    from jmedseg.density.safety import MeasurementRefused
    from jmedseg.pipelines.subject import measure_files

    with pytest.raises(MeasurementRefused, match="contrast phase: native") as err:
        measure_files("example_ct", os.path.join(EXAMPLE, "example_ct.nii.gz"),
                      os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz"), None, settings_for({"L6": 25}))
    assert err.value.row["contrast_phase"] == "native"


@pytest.mark.skipif(not os.path.isfile(CHEST_CTA), reason="tests/data/totalseg_chest_cta not in this checkout")
def test_chest_cta_is_arterial():
    """The real CT angiogram (early arterial, stent graft in the descending aorta): the aorta is found as the
    iodine-bright lumen inside its own 40-60 HU aneurysm sac, tracked along the thoracic spine; the vena cava
    is not looked for in the chest (right heart and superior vena cava fill with undiluted contrast first)."""
    from jmedseg.calibration.person import phase_columns

    ct = load_volume(CHEST_CTA)
    tissues = find_reference_tissues(ct.array, ct.spacing)
    columns = phase_columns(tissues)
    assert columns["contrast_phase"] == "arterial", columns["contrast_evidence"]
    assert tissues.value("aorta") > 250.0          # contrast-filled lumen (arterial CTA: 250-600 HU), not the sac
    aorta = tissues.grid.to_original(tissues.masks["aorta"])
    # one continuous track along the spine: at least a third of the 24 searched slices (MIN_TRACK_SHARE)
    slices = np.flatnonzero(aorta.any(axis=(0, 1)))
    assert len(np.unique(slices // tissues.grid.factors[2])) >= 8
    assert np.median(ct.array[aorta]) == pytest.approx(tissues.value("aorta"), abs=30.0)


def test_refused_single_ct_records_the_phase_in_run_json(tmp_path):
    import json

    from jmedseg.cli import main

    out = tmp_path / "out"
    code = main(["measure", "--ct", os.path.join(EXAMPLE, "example_ct.nii.gz"), "--mask",
                 os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz"), "--labels", "L6=25", "--out", str(out)])
    assert code != 0
    refused = json.loads((out / "run.json").read_text())["refused"]["example_ct"]
    assert refused["contrast_phase"] == "native" and "contrast phase: native" in refused["reason"]


@pytest.mark.skipif(not os.path.isfile(CHEST_CTA), reason="tests/data/totalseg_chest_cta not in this checkout")
def test_refused_chest_cta_records_arterial_in_run_json(tmp_path):
    """L1 and L2 are not in the chest CTA: refused, and the refusal still says it is an arterial CT (about 8 s of
    CPU: the CT-alone labelling of the only real contrast CT bundled; the one end-to-end check of a refused
    contrast CT's run.json)."""
    import json

    from jmedseg.cli import main

    out = tmp_path / "out"
    assert main(["measure", "--ct", CHEST_CTA, "--out", str(out)]) != 0
    refused = json.loads((out / "run.json").read_text())["refused"]["chest_cta"]
    assert refused["contrast_phase"] == "arterial"
    assert "not in the scan" in refused["reason"] and "contrast phase: arterial" in refused["reason"]
