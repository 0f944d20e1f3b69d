"""The measured region must be bone in a cortical wall (jmedseg.density.region_check), checked on real CTs.

Bad masks are made from the bundled real CTs' own correct masks: mirrored left-right,
flipped in z (a mask built from reverse-sorted DICOM slices), and a contrast-filled
aorta painted against L2's anterior left side into both the CT and the mask. The
correct masks of the three bundled real CTs must pass the same check.
"""
import csv
import os

import nibabel as nib
import numpy as np
import pytest

from jmedseg.cli import main
from jmedseg.data.io import load_labels, load_volume
from jmedseg.data.labels import vertebral_body
from jmedseg.density.measure import body_and_region, level_boxes, measure_person
from jmedseg.density.region_check import wall_problem
from jmedseg.density.safety import MeasurementRefused
from tests.conftest import DATA

EXAMPLE = os.path.join(DATA, "totalseg_example")
CT = os.path.join(EXAMPLE, "example_ct.nii.gz")
MASK = os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz")
L1, L2 = 31, 30
# Reference masks of the bundled real CTs and the levels they hold whole (TotalSegmentator v2 / VerSe ids)
BUNDLED = [
    ("totalseg_example/example_ct.nii.gz", "totalseg_example/example_ct_vertebrae.nii.gz",
     {"T12": 32, "L1": 31, "L2": 30, "L3": 29, "L4": 28, "L5": 27}),
    ("tptbox_sample/sub-ct_label-22_ct.nii.gz", "tptbox_sample/sub-ct_seg-vert_label-22_msk.nii.gz",
     {"L2": 21, "L3": 22, "L4": 23}),
    ("totalseg_dicom_example", "totalseg_dicom_example/example_seg_dicom.nii.gz", {"T11": 33, "T12": 32}),
]


@pytest.fixture(scope="module")
def example():
    return load_volume(CT), load_labels(MASK)


def _save(array, like, path):
    nib.save(nib.Nifti1Image(array, like.affine), str(path))
    return str(path)


def _read_row(out):
    with open(os.path.join(out, "densities.csv"), newline="") as f:
        (row,) = csv.DictReader(f)
    return row


@pytest.mark.parametrize("flip, name", [((slice(None, None, -1),), "mirrored left-right"),
                                        ((slice(None), slice(None), slice(None, None, -1)), "flipped in z")])
def test_mirrored_or_flipped_mask_is_refused(example, tmp_path, capsys, flip, name):
    """Before the check these gave 47.9 and 4.9 HU (exit 0) instead of 103.9 HU."""
    ct, mask = example
    bad = _save(np.ascontiguousarray(mask.array[flip]).astype(np.int16), mask, tmp_path / "bad.nii.gz")
    assert main(["measure", "--ct", CT, "--mask", bad, "--no-figures"]) == 2, name
    err = capsys.readouterr().err
    assert "the cancellous region of L1 is not enclosed by bone" in err
    assert "the cancellous region of L2 is not enclosed by bone" in err
    assert "mirrored or flipped" in err


def test_correct_mask_of_the_example_keeps_its_density(example, tmp_path):
    ct, mask = example
    out = tmp_path / "out"
    assert main(["measure", "--ct", CT, "--mask", MASK, "--out", str(out), "--no-figures"]) == 0
    row = _read_row(out)
    assert (row["l1_flag"], row["l2_flag"], row["levels_used"]) == ("", "", "L1+L2")
    # the same voxels as before the check: the Johnson SU mode of the pooled L1+L2 region, 102.19 HU since the
    # region leaves its partial-volume layer out and the fit the top decile (issue 22; 103.85 HU before)
    # (an optimiser's result: 0.05 HU covers differences between machines' floating point)
    assert float(row["density_hu"]) == pytest.approx(102.19, abs=0.05)


def _painted_aorta(ct, mask, level_id, radius_mm=12.0, blood_hu=350.0, seed=0):
    """(CT, mask) with a contrast-filled aorta: a tube along z touching the body's anterior left side.

    Blood with contrast reads 300-400 HU (homogeneous: only the noise of the scan, here
    15 HU); the tube's cross-section touches the body's outline at 45 degrees between
    left (-x in RAS+) and anterior (+y); in the mask it becomes part of the level over
    the level's slices (what a labelling that glues it to the vertebra produces).
    """
    hu, labels = ct.array.copy(), mask.array.copy()
    sp = np.asarray(ct.spacing)
    body = vertebral_body(labels == level_id, ct.spacing)
    slices = np.flatnonzero(body.any(axis=(0, 1)))
    k = slices[len(slices) // 2]
    centre = np.argwhere(body[:, :, k]).mean(0) * sp[:2]
    direction = np.array([-1.0, 1.0]) / np.sqrt(2.0)
    reach = 0.0                                       # centre to the body's outline along `direction`
    while body[(*np.round((centre + direction * reach) / sp[:2]).astype(int), k)]:
        reach += 0.25 * sp[0]
    axis = centre + direction * (reach + radius_mm)
    x, y = np.meshgrid(np.arange(hu.shape[0]) * sp[0], np.arange(hu.shape[1]) * sp[1], indexing="ij")
    tube = np.broadcast_to((((x - axis[0]) ** 2 + (y - axis[1]) ** 2) <= radius_mm ** 2)[:, :, None], hu.shape)
    rng = np.random.default_rng(seed)
    hu[tube] = blood_hu + rng.normal(0.0, 15.0, int(tube.sum()))
    along_level = np.zeros(hu.shape[2], bool)
    along_level[slices] = True
    labels[tube & along_level] = level_id
    return hu, labels


def test_contrast_aorta_glued_to_l2_is_refused_and_l1_gives_the_density(example, tmp_path):
    ct, mask = example
    hu, labels = _painted_aorta(ct, mask, L2)
    box = level_boxes(labels, {"L2": L2})["L2"]
    region = body_and_region(labels[box] == L2, None, ct.spacing)[1]
    true_region = body_and_region(mask.array[box] == L2, None, ct.spacing)[1]
    # blood measured as bone: about a fifth of the region (20 % with its outer voxel layer, before issue 22)
    assert np.count_nonzero(region & ~true_region) > 0.15 * np.count_nonzero(region)
    row = measure_person(hu, labels, None, ct.spacing, {"L1": L1, "L2": L2}).row
    assert (row["l1_flag"], row["l2_flag"], row["levels_used"]) == ("", "implausible", "L1")
    assert "part of the cancellous region of L2 has no bone wall" in row["note"]
    assert "anterior left" in row["note"] or "left (anterior half)" in row["note"]
    assert row["density_hu"] == pytest.approx(row["l1_jsu_mode_hu"], abs=1e-9)   # L1 alone: the same fit


def test_contrast_aorta_in_the_only_level_gives_no_density(example, tmp_path, capsys):
    ct, mask = example
    hu, labels = _painted_aorta(ct, mask, L2)
    ct_path = _save(hu.astype(np.int16), ct, tmp_path / "ct.nii.gz")
    mask_path = _save(labels.astype(np.int16), mask, tmp_path / "mask.nii.gz")
    assert main(["measure", "--ct", ct_path, "--mask", mask_path, "--labels", "L2=30", "--no-figures"]) == 2
    assert "has no bone wall" in capsys.readouterr().err


@pytest.mark.parametrize("ct_rel, mask_rel, levels", BUNDLED, ids=["totalseg_3mm", "tptbox_1.5mm", "dicom_1mm"])
def test_correct_masks_of_the_bundled_real_cts_pass(ct_rel, mask_rel, levels):
    """Every whole level of every bundled real CT is bone in a cortical wall (no false refusal)."""
    ct = load_volume(os.path.join(DATA, ct_rel))
    vertebrae = load_labels(os.path.join(DATA, mask_rel)).array
    boxes = level_boxes(vertebrae, levels)
    assert set(boxes) == set(levels)
    for name, box in boxes.items():
        body, region = body_and_region(vertebrae[box] == levels[name], None, ct.spacing)
        assert wall_problem(ct.array[box], body, region, ct.spacing, name) is None, name


def test_region_in_soft_tissue_is_refused(example):
    """L1's mask moved 60 mm to the patient's left lies in the psoas and fat: no bone wall, refused."""
    ct, mask = example
    shifted = np.zeros_like(mask.array)
    step = int(round(60.0 / ct.spacing[0]))
    shifted[:-step] = mask.array[step:]
    shifted[shifted != L1] = 0
    with pytest.raises(MeasurementRefused, match="L1 is not enclosed by bone") as refused:
        measure_person(ct.array, shifted, None, ct.spacing, {"L1": L1})
    assert refused.value.row["l1_flag"] == "implausible"


def test_ct_alone_labelling_keeps_a_painted_aorta_out_of_l2(example, tmp_path):
    """Issue 21: no mask, --accept-uncertain-levels; the labelling took the aorta into "L2" (232.7 HU was reported).

    The aorta is painted over L2's slices only (it runs in front of the upper lumbar spine). The
    canal-based labeller (issue 20) removes iodine-bright blood pools before it grows a body, so
    the aorta no longer enters L2; were it to, the region check (the mask test above) flags it.
    """
    ct, mask = example
    hu, _ = _painted_aorta(ct, mask, L2)
    at_l2 = (mask.array == L2).any(axis=(0, 1))
    hu[:, :, ~at_l2] = ct.array[:, :, ~at_l2]
    ct_path = _save(hu.astype(np.int16), ct, tmp_path / "ct.nii.gz")
    out = tmp_path / "out"
    assert main(["measure", "--ct", ct_path, "--no-figures", "--accept-uncertain-levels", "--out", str(out)]) == 0
    labelled = load_labels(out / "vertebrae" / "ct.nii.gz").array
    aorta = (hu > 300) & (ct.array < 250) & at_l2[None, None, :]     # the painted blood, not the bone below it
    assert np.count_nonzero((labelled == L2) & aorta) < 0.05 * np.count_nonzero(labelled == L2)
    row = _read_row(out)
    # trabecular bone, not the 300-400 HU blood: within issue 20's 5 HU of the unpainted CT's 105.7 HU
    assert row["levels_used"] == "L1+L2" and abs(float(row["density_hu"]) - 105.7) < 5.0
