"""Each level is worked on inside its box (memory and speed on 512 x 512 x 600 CTs): the whole volume's voxels."""
import os

import numpy as np
import pytest

from jmedseg.data.io import load_labels
from jmedseg.data.labels import cancellous_region, vertebral_body
from jmedseg.density.measure import body_and_region, level_boxes, without_surface_layer
from tests.conftest import DATA

CASES = [("totalseg_example/example_ct_vertebrae.nii.gz", {"T12": 32, "L1": 31, "L2": 30, "S1": 26}),
         ("totalseg_example/example_seg.nii.gz", {"L1": 31, "L2": 30}),          # L2 cut by slice 0
         ("tptbox_sample/sub-ct_seg-vert_label-22_msk.nii.gz", {"L2": 21, "L3": 22, "L4": 23})]


@pytest.mark.parametrize("mask_rel, levels", CASES, ids=["example_ct", "example_ct_sm", "tptbox"])
def test_boxed_regions_are_the_whole_volume_regions(mask_rel, levels):
    """Exact voxel sets: opening, labelling and the distance transform see the same mask and the same edges."""
    mask = load_labels(os.path.join(DATA, mask_rel))
    boxes = level_boxes(mask.array, levels)
    for name, level_id in levels.items():
        whole = mask.array == level_id
        body, region = body_and_region(mask.array[boxes[name]] == level_id, None, mask.spacing)
        boxed_body, boxed_region = np.zeros_like(whole), np.zeros_like(whole)
        boxed_body[boxes[name]], boxed_region[boxes[name]] = body, region
        assert np.array_equal(boxed_body, vertebral_body(whole, mask.spacing)), name
        # the mask-derived region less its partial-volume layer (issue 22), the same inside the box
        assert np.array_equal(boxed_region, without_surface_layer(cancellous_region(whole, mask.spacing))), name


def test_boxes_hold_each_level_with_a_margin_and_skip_absent_levels():
    vertebrae = np.zeros((10, 12, 14), np.int16)
    vertebrae[3:5, 0:4, 7:14] = 31                # reaches the y = 0 and the last z edge
    boxes = level_boxes(vertebrae, {"L1": 31, "L2": 30})
    assert boxes == {"L1": (slice(2, 6), slice(0, 5), slice(6, 14))}
