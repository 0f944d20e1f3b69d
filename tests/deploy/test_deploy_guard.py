"""The plausibility guard (jmedseg.deploy.guard) and the overlays (jmedseg.deploy.overlays)."""
import numpy as np
import pytest

from jmedseg.deploy.guard import ImplausiblePredictionError, check_level, check_prediction
from jmedseg.deploy.overlays import write_level_overlays

SPACING = (1.0, 1.0, 1.0)


def vertebra(density=120.0, seed=0):
    """A vertebra map [x, y, z]: a 30 x 24 x 20 mm body (y 10-33) and a thin arch behind it (y 34-49).

    The arch is 4 mm wide, so the 5 mm opening of jmedseg.data.labels keeps only the body.
    """
    shape = (60, 60, 24)
    mask = np.zeros(shape, bool)
    mask[15:45, 10:34, 2:22] = True           # body
    mask[28:32, 34:50, 2:22] = True           # posterior elements (thin)
    rng = np.random.default_rng(seed)
    hu = rng.normal(0.0, 20.0, shape)
    hu[mask] = rng.normal(density, 25.0, int(mask.sum()))
    return mask, hu


def perfect_tissue(mask):
    tissue = np.zeros(mask.shape, np.uint8)
    tissue[15:45, 10:34, 2:22] = 1
    tissue[17:43, 12:32, 4:20] = 2
    return tissue


def test_plausible_prediction_passes():
    mask, hu = vertebra()
    check = check_level("L1", perfect_tissue(mask), mask, hu, SPACING, confidence=0.95)
    assert check.ok, check.reasons
    # the reference body is the mask opened by a 5 mm disc, which rounds the box's corners: a few % smaller
    assert check.stats["body_ratio"] == pytest.approx(1.0, abs=0.08)
    assert abs(check.stats["density_hu"] - 120.0) < 10  # normal law, sd 25, ~10^4 voxels: mode within a few HU


def test_cancellous_in_posterior_elements_is_flagged():
    mask, hu = vertebra()
    tissue = np.zeros(mask.shape, np.uint8)
    tissue[15:45, 10:34, 2:22] = 1
    tissue[28:32, 34:50, 2:22] = 2             # "cancellous" in the arch, none in the body
    check = check_level("L1", tissue, mask, hu, SPACING)
    assert not check.ok
    assert any("outside the vertebral body" in r for r in check.reasons)
    assert any("% of the body volume" in r for r in check.reasons)


def test_missed_body_low_confidence_and_density_out_of_range_are_flagged():
    mask, hu = vertebra(density=700.0)
    tissue = np.zeros(mask.shape, np.uint8)
    tissue[25:35, 15:25, 8:14] = 2             # a small part of the body
    check = check_level("L2", tissue, mask, hu, SPACING, confidence=0.4)
    text = " ".join(check.reasons)
    assert "x the mask's body volume" in text and "low model confidence 0.40" in text
    assert "outside the trabecular range" in text


def test_density_far_from_the_mask_only_region_is_flagged():
    # The predicted cancellous region is the front third of the body, where the bone is 80 HU denser
    # (as a region leaking into thick anterior cortex would be); the mask-only region (body minus a
    # 2 mm shell, rows 12-31) is two thirds 120 HU bone, so its mode stays far below 200 HU.
    mask, hu = vertebra()
    hu[15:45, 10:19, 2:22] += 80.0
    tissue = np.zeros(mask.shape, np.uint8)
    tissue[15:45, 10:34, 2:22] = 1
    tissue[17:43, 11:19, 4:20] = 2
    check = check_level("L1", tissue, mask, hu, SPACING, confidence=0.95)
    assert [r for r in check.reasons if "mask-only region" in r] == check.reasons != []
    assert check.stats["density_hu"] - check.stats["mask_density_hu"] > 40
    # the same body with the prediction on its interior agrees with the mask-only region
    assert check_level("L1", perfect_tissue(mask), mask, vertebra()[1], SPACING).stats["mask_density_hu"] \
        == pytest.approx(120.0, abs=10)


def test_check_prediction_raises_with_every_reason():
    mask, hu = vertebra()
    vertebrae = mask.astype(np.uint8) * 31
    with pytest.raises(ImplausiblePredictionError, match="no density reported: L1: predicted body is 0.00"):
        check_prediction(np.zeros(mask.shape, np.uint8), vertebrae, hu, SPACING, {"L1": 31})
    checks = check_prediction(perfect_tissue(mask), vertebrae, hu, SPACING, {"L1": 31}, {"L1": 0.9})
    assert [c.ok for c in checks] == [True]


def test_overlays_are_png_files(tmp_path):
    mask, hu = vertebra()
    vertebrae = mask.astype(np.uint8) * 31
    paths = write_level_overlays(str(tmp_path), "sub1", hu, perfect_tissue(mask), vertebrae, SPACING,
                                 {"L1": 31, "L2": 30})
    assert [p.endswith("sub1_L1.png") for p in paths] == [True]  # L2 is absent: no figure
    with open(paths[0], "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_the_phantom_model_failure_on_a_real_ct_is_flagged():
    # The failure that a phantom-only model showed on real CT, rebuilt on the TPTBox sample's L3 (its one
    # complete vertebra): "cancellous" in the posterior elements and most of the body missed. Built from the
    # sample's own sub-region labels, so the test needs no model and holds on any machine.
    import os

    from jmedseg.data.io import load_labels, load_volume
    from tests.conftest import DATA

    tpt = os.path.join(DATA, "tptbox_sample")
    ct = load_volume(os.path.join(tpt, "sub-ct_label-22_ct.nii.gz"))
    vert = load_labels(os.path.join(tpt, "sub-ct_seg-vert_label-22_msk.nii.gz")).array
    sub = load_labels(os.path.join(tpt, "sub-ct_seg-subreg_label-22_msk.nii.gz")).array
    l3 = vert == 22
    body = l3 & np.isin(sub, (49, 50))                         # TPTBox: vertebral body border and interior
    failed = np.zeros(vert.shape, np.uint8)
    failed[l3 & ~body] = 2                                     # posterior elements called cancellous
    failed[body & (np.arange(vert.shape[2]) < np.flatnonzero(body.any(axis=(0, 1)))[3])] = 1  # 3 body slices
    with pytest.raises(ImplausiblePredictionError) as err:
        check_prediction(failed, vert, ct.array, ct.spacing, {"L3": 22}, {"L3": 0.9}, what="tptbox")
    text = str(err.value)
    # posterior elements are denser than the body's marrow: both the place and the density give it away
    assert "outside the vertebral body" in text and "from the mask-only region's" in text
    # the reference segmentation itself passes: interior cancellous, border cortical
    good = np.zeros(vert.shape, np.uint8)
    good[body] = 1
    good[l3 & (sub == 50)] = 2
    checks = check_prediction(good, vert, ct.array, ct.spacing, {"L3": 22}, {"L3": 0.9})
    assert checks[0].ok, checks[0].reasons
