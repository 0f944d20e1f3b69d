"""The QC figure of a CT-alone measurement outlines the voxels the density used (docs/throughput.md).

`jmedseg.spine.qc.measured_regions` derives them per level box, as the measurement does; on the bundled
real example they are the voxels of the earlier whole-box derivation (`body_and_region` over the box
of the levels), and exactly the voxels whose values make the measured histogram.
"""
import os

import numpy as np
import pytest

from jmedseg.data.io import load_volume
from jmedseg.density.measure import body_and_region, measure_person
from jmedseg.spine import label_vertebrae
from jmedseg.spine.pipeline import spine_box
from jmedseg.spine.qc import measured_regions

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "data", "totalseg_example", "example_ct.nii.gz")
LEVELS = {"L1": 31, "L2": 30}


@pytest.fixture(scope="module")
def measured():
    ct = load_volume(EXAMPLE)
    labels, report = label_vertebrae(ct)
    box = spine_box(report, set(LEVELS), ct.spacing, ct.shape)
    return ct, labels, box, measure_person(ct.array[box], labels[box], None, ct.spacing, LEVELS)


def test_regions_are_the_whole_box_derivation(measured):
    ct, labels, box, person = measured
    assert person.row["levels_used"] == "L1+L2"
    regions = measured_regions(labels, None, LEVELS, person, ct.spacing, box)
    before = np.zeros(ct.shape, bool)
    for level_id in LEVELS.values():   # each level's region derived over the whole box, as before the change
        before[box] |= body_and_region(labels[box] == level_id, None, ct.spacing)[1]
    np.testing.assert_array_equal(regions, before)
    # the histogram the figure shows counts exactly these voxels (L1 and L2 do not overlap)
    assert regions.sum() == person.histogram.n == person.row["l1_voxels"] + person.row["l2_voxels"]


def test_a_level_left_out_gets_no_region(measured):
    ct, labels, box, person = measured
    only_l1 = type(person)({**person.row, "levels_used": "L1"}, person.histogram, person.fit)
    regions = measured_regions(labels, None, LEVELS, only_l1, ct.spacing, box)
    assert regions.sum() == person.row["l1_voxels"] and not (regions & (labels == LEVELS["L2"])).any()
