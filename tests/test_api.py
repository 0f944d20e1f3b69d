"""The Python API (jmedseg/api.py) on the bundled real CT: the numbers of the library calls it composes."""
from pathlib import Path

import numpy as np
import pytest

import jmedseg
from jmedseg.data.io import load_labels, load_volume
from jmedseg.data.labels import cancellous_region
from jmedseg.density.measure import without_surface_layer
from jmedseg.errors import InputError
from tests.conftest import DATA

SAMPLE = Path(DATA) / "totalseg_example"
CT, SEG = SAMPLE / "example_ct_sm.nii.gz", SAMPLE / "example_seg.nii.gz"
L1 = 31


def test_measure_ct_with_a_mask_gives_the_densities_csv_columns(tmp_path):
    m = jmedseg.measure_ct(CT, mask=SEG, levels={"L1": L1}, allow_truncated=True)
    # the mask-derived region less its partial-volume layer (issue 22; 905 voxels, median 105 HU before)
    region = without_surface_layer(cancellous_region(load_labels(SEG).array == L1, load_volume(CT).spacing))
    values = load_volume(CT).array[region]
    assert m.subject_id == "example_ct_sm" and m.l1_voxels == values.size == 410
    assert m.l1_median_hu == float(np.median(values)) == 97.0
    assert m.l1_mean_hu == pytest.approx(float(np.mean(values)), rel=1e-6)
    assert 60.0 < m.l1_jsu_mode_hu < m.l1_median_hu     # right-skewed trabecular values: the mode lies lowest
    assert m.density_hu == m.row["density_hu"]
    with pytest.raises(AttributeError, match="has no column 'l9_jsu_mode_hu'"):
        m.l9_jsu_mode_hu


def test_api_names_load_on_first_use_and_bad_levels_are_input_errors():
    from jmedseg import api

    assert set(jmedseg.API) <= set(dir(api)) and jmedseg.measure_ct is api.measure_ct
    with pytest.raises(InputError, match="NAME=ID"):
        jmedseg.measure_ct(CT, mask=SEG, levels="L1")
    with pytest.raises(AttributeError):
        jmedseg.not_an_api_name
