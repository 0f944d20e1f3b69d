"""DICOM series whose slices are not one grid (issue 21): refused with the reason, or resampled when safe and said.

Every series is a phantom CT (jmedseg.data.phantom) written slice by slice with pydicom, then broken the way
exports break: a deleted or truncated file, two series under one blank UID, mixed pixel spacing or orientation,
duplicate positions, uneven steps, a tilted gantry.
"""
import os

import numpy as np
import pytest

from jmedseg.data.dicom_export.writer import write_ct_series
from jmedseg.data.io.dicom import load_dicom_series, write_series_list
from jmedseg.data.phantom import Scanner, render_subject
from jmedseg.errors import InputError

STEP_MM = 2.0
PIXEL_MM = 3.0   # a coarse grid keeps the phantom at 64 x 53 pixels: fast to write and read


@pytest.fixture(scope="module")
def phantom():
    """[rows, columns, slices] HU of a small phantom, 20 slices."""
    vol = render_subject(150.0, Scanner(PIXEL_MM, STEP_MM, 1.0, 10.0), np.random.default_rng(3))
    return np.transpose(vol.ct, (1, 0, 2))[..., 20:40]


def _header(uid="1.2.826.0.1.3680043.10.1", number=2):
    return {"Modality": "CT", "SeriesInstanceUID": uid, "StudyInstanceUID": "1.2.826.0.1.3680043.10.9",
            "SeriesNumber": number, "SliceThickness": STEP_MM}


def _series(folder, hu, positions=None, header=None, **kw):
    positions = STEP_MM * np.arange(hu.shape[-1]) if positions is None else positions
    return write_ct_series(str(folder), hu, PIXEL_MM, positions, header or _header(), **kw)


def test_a_complete_series_loads_on_its_grid(tmp_path, phantom):
    _series(tmp_path, phantom)
    vol = load_dicom_series(tmp_path)
    assert vol.shape == (64, 53, 20) and vol.spacing == pytest.approx((PIXEL_MM, PIXEL_MM, STEP_MM))
    assert vol.geometry_note == ""
    # stored as whole HU + 1024: the values come back as the phantom's rounded HU, in RAS (x, y flipped from LPS)
    np.testing.assert_array_equal(vol.array, np.rint(phantom).transpose(1, 0, 2)[::-1, ::-1, :])


def test_a_deleted_middle_slice_is_a_named_gap_or_an_interpolated_slice(tmp_path, phantom):
    paths = _series(tmp_path, phantom)
    os.remove(paths[10])          # positions 0..38 mm: the hole lies between 18 and 22 mm
    with pytest.raises(InputError, match=r"1 slice\(s\) missing \(1 between 18\.00 and 22\.00 mm; the step is 2 mm\)"):
        load_dicom_series(tmp_path)   # before: 19 slices stacked at 2.11 mm without a word
    vol = load_dicom_series(tmp_path, resample=True)
    assert vol.shape[2] == 20 and vol.spacing[2] == pytest.approx(STEP_MM)
    assert "resampled onto a regular 2 mm grid because: 1 slice(s) missing" in vol.geometry_note
    whole = np.rint(phantom).transpose(1, 0, 2)[::-1, ::-1, :]
    np.testing.assert_array_equal(np.delete(vol.array, 10, axis=2), np.delete(whole, 10, axis=2))
    # the missing slice is the mean of its two real neighbours (float32 sums of whole numbers: exact to 1e-3)
    np.testing.assert_allclose(vol.array[..., 10], (whole[..., 9] + whole[..., 11]) / 2, atol=1e-3)


def test_two_missing_slices_in_a_row_are_never_resampled(tmp_path, phantom):
    paths = _series(tmp_path, phantom)
    os.remove(paths[10])
    os.remove(paths[11])
    with pytest.raises(InputError, match=r"2 slice\(s\) missing") as err:
        load_dicom_series(tmp_path, resample=True)
    assert "resample" not in str(err.value).split("missing")[1]   # no offer to resample what is not safe


def test_a_truncated_file_is_named(tmp_path, phantom):
    paths = _series(tmp_path, phantom)
    with open(paths[5], "r+b") as f:
        f.truncate(os.path.getsize(paths[5]) // 2)   # the header survives, half the pixels do not
    with pytest.raises(InputError, match=r"IM0005: the pixel data cannot be read .* truncated or corrupt"):
        load_dicom_series(tmp_path)
    # read through an import's series list, a file is named by its line: export paths may carry patient names
    listed = tmp_path / "Doe_John" / "s1.dicom.txt"
    write_series_list(str(listed), paths, {"series_uid": _header()["SeriesInstanceUID"]})
    with pytest.raises(InputError, match=r"s1\.dicom\.txt: file 6 of the list: the pixel data cannot be read") as err:
        load_dicom_series(listed)
    assert "IM0005" not in str(err.value) and str(tmp_path) not in str(err.value).split("s1.dicom.txt")[1]
    with open(paths[7], "r+b") as f:
        f.truncate(200)                               # cut inside the header: pydicom cannot parse it at all
    with pytest.raises(InputError, match=r"1 file\(s\) look like DICOM but cannot be read .*'IM0007'"):
        load_dicom_series(tmp_path)


def test_mixed_pixel_spacing_and_mixed_orientation_are_refused(tmp_path, phantom):
    _series(tmp_path / "sp", phantom[..., :10])
    write_ct_series(str(tmp_path / "sp"), phantom[..., 10:], 2.5, STEP_MM * np.arange(10, 20), _header(),
                    names="J{k:04d}")
    with pytest.raises(InputError, match=r"mixed pixel spacing \(10 slice\(s\) 3 x 3 mm, 10 slice\(s\) 2\.5 x 2\.5 mm\)"):
        load_dicom_series(tmp_path / "sp")
    _series(tmp_path / "or", phantom[..., :12])
    _series(tmp_path / "or", phantom[..., 12:], orientation=(1.0, 0.0, 0.0, 0.0, 0.0, -1.0), names="C{k:04d}")
    with pytest.raises(InputError, match=r"mixed orientation \(12 slice\(s\) \[1, 0, 0, 0, 1, 0\], 8 slice\(s\) "
                                         r"\[1, 0, 0, 0, 0, -1\]\)"):
        load_dicom_series(tmp_path / "or")


def test_duplicates_and_two_series_under_a_blank_uid(tmp_path, phantom):
    _series(tmp_path / "dup", phantom[..., :5], positions=[0.0, 2.0, 2.0, 4.0, 6.0])
    with pytest.raises(InputError, match=r"2 slices at the same position \(2\.00 mm along the normal\)"):
        load_dicom_series(tmp_path / "dup")
    # a thick and a thin series exported with a blank SeriesInstanceUID: one folder, one "series"
    _series(tmp_path / "blank", phantom[..., :10], header=_header(uid="", number=2))
    _series(tmp_path / "blank", phantom[..., 10:15], positions=5.0 * np.arange(5) + 1.0,
            header=_header(uid="", number=3), names="T{k:04d}")
    with pytest.raises(InputError, match=r"blank SeriesInstanceUID but belong to series numbers \['2', '3'\]"):
        load_dicom_series(tmp_path / "blank")


def test_uneven_steps_are_named(tmp_path, phantom):
    positions = np.concatenate([2.0 * np.arange(10), 18.0 + 3.0 * np.arange(1, 11)])   # 2 mm, then 3 mm
    _series(tmp_path, phantom, positions=positions)
    with pytest.raises(InputError, match=r"non-uniform slice steps \(2 to 3 mm, usually 3 mm\)"):
        load_dicom_series(tmp_path)


def test_a_gantry_tilt_is_refused_or_straightened(tmp_path, phantom):
    tilt = np.tan(np.radians(15.0))
    hu = np.full_like(phantom, -1000.0)
    hu[20:24, 30:34, :] = 1000.0    # a bright rod along z, the same pixels in every slice as written
    header = {**_header(), "GantryDetectorTilt": 15.0}
    # each slice's origin moves along the column direction by tan(15 deg) per mm: on the scanner's sheared
    # grid the rod runs straight through the pixels, in the patient it leans; 20 x 2 mm x tan 15 = 10.2 mm
    _series(tmp_path, hu, header=header, shift_per_mm=(0.0, tilt))
    with pytest.raises(InputError, match=r"gantry tilt: the slices are sheared by 15\.0 degrees .*header says 15 deg"):
        load_dicom_series(tmp_path)
    vol = load_dicom_series(tmp_path, resample=True)
    assert "gantry tilt" in vol.geometry_note and vol.spacing == pytest.approx((PIXEL_MM, PIXEL_MM, STEP_MM))
    # straightened: each slice moved back by its own shift (k x 2 mm x tan 15 deg / 3 mm pixels, along y)
    shift_px = STEP_MM * tilt / PIXEL_MM
    rod_y = [np.average(np.arange(vol.shape[1]), weights=np.clip(vol.array[:, :, k] + 1000, 0, None).sum(0))
             for k in range(vol.shape[2])]
    # RAS y is LPS -y flipped: the rod moves by +shift per slice in RAS index terms; linear interpolation keeps the
    # centre of mass exact up to the clipped edge (0.05 px covers float32 rounding of 2000 HU weights)
    np.testing.assert_allclose(np.diff(rod_y), -shift_px, atol=0.05)
