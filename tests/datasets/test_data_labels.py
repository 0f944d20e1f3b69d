"""L1/L2 selection from a multi-label map and the cancellous region of whole-vertebra masks."""
import os

import numpy as np
import pytest

from jmedseg.data.io import load_labels, load_volume
from jmedseg.data.labels import (cancellous_region, erode_mm, select_levels, tissue_from_vertebrae,
                                 vertebral_body)
from tests.conftest import DATA

SAMPLE = os.path.join(DATA, "totalseg_example")


@pytest.fixture(scope="module")
def sample():
    return (load_volume(os.path.join(SAMPLE, "example_ct_sm.nii.gz")),
            load_labels(os.path.join(SAMPLE, "example_seg.nii.gz")))


def test_select_l1_l2_on_the_real_sample(sample):
    ct, seg = sample
    masks = select_levels(seg.array, ("L1", "L2"))
    np.testing.assert_array_equal(masks["L1"], seg.array == 31)
    np.testing.assert_array_equal(masks["L2"], seg.array == 30)
    # L1 lies above L2 (z grows superiorly) and L2 is cut by the volume's edge (NOTICE.md)
    assert np.argwhere(masks["L1"])[:, 2].mean() > np.argwhere(masks["L2"])[:, 2].mean()
    assert masks["L2"][:, :, 0].any()
    custom = select_levels(seg.array, ("X",), mapping={"X": 33})  # T11 under a custom name
    np.testing.assert_array_equal(custom["X"], seg.array == 33)


def test_missing_level_is_named(sample):
    _, seg = sample
    with pytest.raises(ValueError, match=r"label id 27 \(L5\) is not present.*ids present: \[1, 2"):
        select_levels(seg.array, ("L5",))
    with pytest.raises(ValueError, match="not in the label mapping"):
        select_levels(seg.array, ("L6",))  # TotalSegmentator v2 has no id for L6


def test_cancellous_region_of_real_l1(sample):
    ct, seg = sample
    whole = seg.array == 31
    body = vertebral_body(whole, ct.spacing)
    region = cancellous_region(whole, ct.spacing, shell_mm=2.0)
    assert region.sum() < body.sum() < whole.sum()
    assert not (region & ~body).any() and not (body & ~whole).any()
    # what was removed (posterior elements) lies behind the body: smaller y in RAS
    assert np.argwhere(whole & ~body)[:, 1].mean() < np.argwhere(body)[:, 1].mean() - 5
    # without the bright shell the median drops, to a value in the range published for adult L1
    assert np.median(ct.array[region]) < np.median(ct.array[body]) < np.median(ct.array[whole])
    assert 60 < np.median(ct.array[region]) < 250
    # a 3 mm voxel grid: every kept voxel centre is > 2 mm (one full voxel) inside the body
    assert not (region & ~erode_mm(body, ct.spacing, 2.0)).any()


def test_erosion_uses_millimetres():
    box = np.zeros((20, 20, 20), bool)
    box[2:18, 2:18, 2:18] = True
    # 1 mm voxels: a 2.5 mm shell removes 3 voxel layers (centres at 0.5, 1.5, 2.5 mm depth)
    assert erode_mm(box, (1.0, 1.0, 1.0), 2.5).sum() == 10 ** 3
    # 2 mm voxels along z: there the shell is one layer (centre 1 mm deep goes, 3 mm deep stays)
    kept = erode_mm(box, (1.0, 1.0, 2.0), 2.5)
    assert np.flatnonzero(kept.any(axis=(0, 1))).tolist() == list(range(3, 17))
    with pytest.raises(ValueError, match="leaves no cancellous voxel"):
        cancellous_region(box, (1.0, 1.0, 1.0), shell_mm=9.0, whole_vertebra=False)
    with pytest.raises(ValueError, match="empty"):
        vertebral_body(np.zeros((5, 5, 5), bool), (1.0, 1.0, 1.0))


def test_tissue_classes_from_whole_vertebrae(sample):
    ct, seg = sample
    tissue = tissue_from_vertebrae(seg.array, ct.spacing, ("L1", "L2"), shell_mm=2.0)
    for lid in (31, 30):
        whole = seg.array == lid
        np.testing.assert_array_equal(tissue[whole] == 2, cancellous_region(whole, ct.spacing, 2.0)[whole])
        assert set(np.unique(tissue[whole]).tolist()) == {1, 2, 3}
    assert not tissue[~np.isin(seg.array, (30, 31))].any()  # T12 and everything else stay background
