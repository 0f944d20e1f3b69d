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
    # sub-region label by its border voxels; measured difference when the model shipped: 7 HU.
    assert abs(float(row["l3_jsu_mode_hu"]) - reference_density(22)) < 15
    assert os.path.isfile(tmp_path / "overlays" / "sub-ct_label-22_ct_L3.png")


@needs_model
@pytest.mark.slow
def test_guard_flags_the_implausible_level_with_its_reason(tmp_path, capsys):
    # On the 3 mm example (pixels 3.75 x the model's) the shipped model misses most of L1 in its endplate
    # slices (predicted body 0.4 x the mask's): flagged, no density. A retrained model may pass here;
    # then this test must be revisited with the overlays.
    rc = main(["measure", "--ct", os.path.join(TS, "example_ct_sm.nii.gz"),
               "--mask", os.path.join(TS, "example_seg.nii.gz"), "--model", "default", "--out", str(tmp_path)])
    # one CT: an error that names the level and the reason (exit 2), no table, the overlays to look at
    assert rc == 2 and not (tmp_path / "densities.csv").exists()
    err = capsys.readouterr().err
    assert "implausible prediction" in err and "no density reported" in err and "L1: predicted body is" in err
    assert os.path.isfile(tmp_path / "overlays" / "example_ct_sm_L1.png")
