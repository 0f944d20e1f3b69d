"""NIfTI reading/writing in HU: scaling, orientation, round trip, raw units, bad files."""
import gzip
import os

import nibabel as nib
import numpy as np
import pytest

from jmedseg.data.io import load_labels, load_volume, save_like
from tests.conftest import DATA

SAMPLE = os.path.join(DATA, "totalseg_example")
CT = os.path.join(SAMPLE, "example_ct_sm.nii.gz")
SEG = os.path.join(SAMPLE, "example_seg.nii.gz")


def _write(path, data, affine, slope=None, inter=None):
    img = nib.Nifti1Image(data, affine)
    if slope is not None:
        img.header.set_slope_inter(slope, inter)
    nib.save(img, str(path))
    return str(path)


def test_real_sample_loads_in_hu_with_spacing():
    vol = load_volume(CT)
    assert vol.array.dtype == np.float32 and vol.shape == (122, 101, 30)
    assert vol.spacing == (3.0, 3.0, 3.0)
    assert vol.array.min() == -1100 and vol.array.max() == 1207  # NOTICE.md: values -1100 .. 1207 HU
    assert nib.aff2axcodes(vol.affine) == ("R", "A", "S")
    seg = load_labels(SEG)
    assert seg.array.dtype == np.int32 and seg.shape == vol.shape
    assert {30, 31, 32, 33} <= set(np.unique(seg.array).tolist())


def test_scl_slope_inter_applied(tmp_path):
    stored = np.full((4, 5, 6), 1000, np.int16)
    stored[0] = 24  # air in stored units
    path = _write(tmp_path / "scaled.nii.gz", stored, np.eye(4), slope=1.0, inter=-1024.0)
    vol = load_volume(path)
    assert vol.array[0, 0, 0] == -1000.0 and vol.array[1, 0, 0] == -24.0


def test_reoriented_to_ras(tmp_path):
    data = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) - 1000
    flip_x = np.diag([-2.0, 1.0, 1.0, 1.0])  # LAS: first axis runs right-to-left, 2 mm voxels
    vol = load_volume(_write(tmp_path / "las.nii.gz", data, flip_x))
    np.testing.assert_array_equal(vol.array, data[::-1])
    assert nib.aff2axcodes(vol.affine) == ("R", "A", "S")
    assert vol.spacing == (2.0, 1.0, 1.0)
    # the same world point is found in both: voxel (0,0,0) of the input is the last x of the output
    np.testing.assert_allclose(flip_x @ [0, 0, 0, 1], vol.affine @ [1, 0, 0, 1])


def test_round_trip_keeps_affine_and_values(tmp_path):
    vol = load_volume(CT)
    out = save_like(vol, vol.array + 1.0, tmp_path / "sub" / "out.nii.gz")
    again = load_volume(out)
    np.testing.assert_array_equal(again.array, vol.array + 1.0)
    np.testing.assert_allclose(again.affine, vol.affine)
    labels = save_like(vol, (vol.array > 200).astype(np.uint8), tmp_path / "mask.nii.gz")
    assert nib.load(labels).get_data_dtype() == np.uint8
    assert not [f for f in os.listdir(tmp_path) if f.startswith(".tmp-")]


def test_save_like_rejects_wrong_shape(tmp_path):
    vol = load_volume(CT)
    with pytest.raises(ValueError, match="differs from the reference"):
        save_like(vol, np.zeros((3, 3, 3)), tmp_path / "bad.nii.gz")
    assert not os.listdir(tmp_path)


def test_raw_units_detected_and_converted(tmp_path):
    hu = load_volume(CT).array
    raw_path = _write(tmp_path / "raw.nii.gz", (hu + 1024).astype(np.int16), load_volume(CT).affine)
    with pytest.raises(ValueError, match=r"units='raw'.*HU = stored - 1024"):
        load_volume(raw_path)
    np.testing.assert_array_equal(load_volume(raw_path, units="raw").array, hu)
    with pytest.raises(ValueError, match="already looks like HU"):
        load_volume(CT, units="raw")


def test_missing_corrupt_and_nan_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such volume"):
        load_volume(tmp_path / "absent.nii.gz")
    truncated = tmp_path / "truncated.nii.gz"
    truncated.write_bytes(open(CT, "rb").read()[:5000])
    with pytest.raises(ValueError, match="corrupt, truncated"):
        load_volume(truncated)
    not_gz = tmp_path / "text.nii.gz"
    not_gz.write_bytes(gzip.compress(b"hello"))
    with pytest.raises(ValueError, match="cannot read"):
        load_volume(not_gz)
    data = np.full((4, 4, 4), -1000.0, np.float32)
    data[1, 2, 3] = np.nan
    with pytest.raises(ValueError, match="1 voxels are NaN"):
        load_volume(_write(tmp_path / "nan.nii.gz", data, np.eye(4)))


def test_both_cohort_readers_refuse_a_subject_listed_twice(tmp_path):
    # data.cohort.read_cohort (training, typed columns) and density.cohort_run.read_subjects (measurement,
    # only subject_id needed) read the same cohort.csv; a repeated id would make one row overwrite another
    from jmedseg.data.cohort import read_cohort
    from jmedseg.pipelines.cohort_run import read_subjects

    (tmp_path / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\n"
                                         "a,50,F,N,150.0\nb,51,M,S,120.0\na,52,F,S,130.0\n")
    for reader in (read_cohort, read_subjects):
        with pytest.raises(ValueError, match=r"lists subject ids twice: \['a'\]; each subject once"):
            reader(str(tmp_path))
