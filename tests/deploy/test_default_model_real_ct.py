"""The shipped default model on the bundled real CTs, through the CLI (`--model default`)."""
import csv
import os

import pytest

from jmedseg.cli import main
from jmedseg.weights import SHIPPED

from tests.conftest import DATA
TPT = os.path.join(DATA, "tptbox_sample")
TS = os.path.join(DATA, "totalseg_example")
needs_model = pytest.mark.skipif(not os.path.isfile(SHIPPED["default"]), reason="run `make default-model` first")


def reference_density(level_id):
    """Johnson SU mode of the TPTBox body-interior label (50) of one vertebra: the reference region."""
    from jmedseg.data.io import load_labels, load_volume
    from jmedseg.density.johnson_su import fit_johnson_su

    ct = load_volume(os.path.join(TPT, "sub-ct_label-22_ct.nii.gz"))
    vert = load_labels(os.path.join(TPT, "sub-ct_seg-vert_label-22_msk.nii.gz")).array == level_id
    sub = load_labels(os.path.join(TPT, "sub-ct_seg-subreg_label-22_msk.nii.gz")).array
    return fit_johnson_su(ct.array[vert & (sub == 50)], "reference").mode


@needs_model
@pytest.mark.slow
def test_measure_default_model_on_tptbox_close_to_reference(tmp_path):
    rc = main(["measure", "--ct", os.path.join(TPT, "sub-ct_label-22_ct.nii.gz"),
               "--mask", os.path.join(TPT, "sub-ct_seg-vert_label-22_msk.nii.gz"),
               "--labels", "L2=21,L3=22", "--model", "default", "--out", str(tmp_path), "--no-figures"])
    assert rc == 0
    row = next(csv.DictReader(open(tmp_path / "densities.csv")))
    # L3 is the sample's one complete vertebra. 15 HU: the model's region differs from the hand-made
    # sub-region label by its border voxels; measured difference when the model shipped (25 Nov 2026): +1.0 HU.
    assert abs(float(row["l3_jsu_mode_hu"]) - reference_density(22)) < 15
    assert os.path.isfile(tmp_path / "overlays" / "sub-ct_label-22_ct_L3.png")


@needs_model
@pytest.mark.slow
def test_measure_default_model_on_the_3mm_example_agrees_with_the_mask_only_region(tmp_path):
    # The same CT measured twice: on the mask-only region (the vertebra's body minus a 2 mm shell) and on
    # the shipped model's cancellous bone inside that vertebra. 10 HU: the agreement target; the
    # model never saw a real CT (3 mm voxels, 3.75 x its pixel). Measured when the model shipped (25 Nov
    # 2026): 99.4 against 97.2 HU (docs/phantom_to_patient.md).
    ct, mask = os.path.join(TS, "example_ct_sm.nii.gz"), os.path.join(TS, "example_seg.nii.gz")
    args = ["measure", "--ct", ct, "--mask", mask, "--labels", "L1=31", "--no-figures"]  # L1: the complete level
    assert main(args + ["--out", str(tmp_path / "mask_only")]) == 0
    assert main(args + ["--model", "default", "--out", str(tmp_path / "model")]) == 0
    ref = next(csv.DictReader(open(tmp_path / "mask_only" / "densities.csv")))
    got = next(csv.DictReader(open(tmp_path / "model" / "densities.csv")))
    assert abs(float(got["l1_jsu_mode_hu"]) - float(ref["l1_jsu_mode_hu"])) < 10
    assert os.path.isfile(tmp_path / "model" / "overlays" / "example_ct_sm_L1.png")
