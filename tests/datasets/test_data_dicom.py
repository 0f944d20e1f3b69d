"""DICOM series -> Volume: sorting by position, rescale slope/intercept, RAS affine (pydicom's test CT)."""
import os

import nibabel as nib
import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file

from jmedseg.data.io.dicom import load_dicom_series
from jmedseg.data.io import load_volume

CT_SMALL = get_testdata_file("CT_small.dcm")  # bundled with pydicom: 128 x 128, 0.661468 mm, int16


def _series(folder, z_offsets, slope=1.0, intercept=-1024.0, uid=None):
    """Copies of CT_small at the given z offsets (written in scrambled name order); pixel [0, 0] = offset."""
    os.makedirs(folder, exist_ok=True)
    for n, dz in enumerate(z_offsets):
        ds = pydicom.dcmread(CT_SMALL)
        x, y, z = (float(v) for v in ds.ImagePositionPatient)
        ds.ImagePositionPatient = [x, y, z + dz]
        ds.InstanceNumber = len(z_offsets) - n  # deliberately wrong order: position must win
        ds.RescaleSlope, ds.RescaleIntercept = slope, intercept
        if uid:
            ds.SeriesInstanceUID = uid
        pixels = ds.pixel_array.copy()
        pixels[0, 0] = 1000 + int(dz)
        ds.PixelData = pixels.tobytes()
        ds.save_as(os.path.join(folder, f"{uid or 'img'}_{(7 * n) % len(z_offsets)}_{n}.dcm"))
    return str(folder)


def test_series_sorted_by_position_with_rescale(tmp_path):
    vol = load_dicom_series(_series(tmp_path, [10.0, 0.0, 5.0]))
    raw = pydicom.dcmread(CT_SMALL).pixel_array.astype(np.float32)
    assert vol.shape == (128, 128, 3)
    assert vol.spacing == pytest.approx((0.661468, 0.661468, 5.0))
    assert nib.aff2axcodes(vol.affine) == ("R", "A", "S")
    # DICOM pixel [row 0, col 0] is the patient's right-anterior corner; in RAS+ x grows to the right and
    # y to anterior, so that pixel lands on the last x and y indices
    assert [vol.array[127, 127, k] for k in range(3)] == [1000 - 1024, 1005 - 1024, 1010 - 1024]
    np.testing.assert_array_equal(vol.array[:, :, 1][::-1, ::-1].T[1:, 1:], raw[1:, 1:] - 1024)
    # world position of voxel [127, 127, 0]: DICOM's origin (LPS) with x, y negated
    ds = pydicom.dcmread(CT_SMALL)
    lps = np.asarray(ds.ImagePositionPatient, float)
    np.testing.assert_allclose((vol.affine @ [127, 127, 0, 1])[:3], [-lps[0], -lps[1], lps[2]], atol=1e-4)


def test_load_volume_reads_a_dicom_folder(tmp_path):
    folder = _series(tmp_path, [0.0, 2.5])
    np.testing.assert_array_equal(load_volume(folder).array, load_dicom_series(folder).array)


def test_slope_and_raw_units(tmp_path):
    vol = load_dicom_series(_series(tmp_path / "a", [0.0, 3.0], slope=2.0, intercept=-2048.0))
    raw = pydicom.dcmread(CT_SMALL).pixel_array.astype(np.float32)
    np.testing.assert_array_equal(vol.array[:, :, 0][::-1, ::-1].T[1:, 1:], raw[1:, 1:] * 2 - 2048)
    stored = _series(tmp_path / "b", [0.0, 3.0], slope=1.0, intercept=0.0)  # stored as HU + 1024
    with pytest.raises(ValueError, match="units='raw'"):
        load_dicom_series(stored)
    np.testing.assert_array_equal(load_dicom_series(stored, units="raw").array,
                                  load_dicom_series(_series(tmp_path, [0.0, 3.0])).array)


def test_bad_series_are_named(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_dicom_series(tmp_path / "nothing")
    (tmp_path / "notes.txt").write_text("not dicom")
    with pytest.raises(ValueError, match="no readable DICOM"):
        load_dicom_series(tmp_path)
    with pytest.raises(ValueError, match="same position"):
        load_dicom_series(_series(tmp_path / "dup", [0.0, 0.0]))
    _series(tmp_path / "two", [0.0], uid="1.2.3")
    _series(tmp_path / "two", [5.0], uid="1.2.4")
    with pytest.raises(ValueError, match=r"(?s)holds 2 image series:\n  1\.2\.3: \(no description\), 1 slice\(s\), "
                       r"slice thickness 5 mm\n  1\.2\.4: .*choose one with --series-uid"):
        load_dicom_series(tmp_path / "two")
    assert load_dicom_series(tmp_path / "two", series_uid="1.2.4").shape == (128, 128, 1)
