"""Volumes that are not 3D get an error that names what they are and what to do."""
import nibabel as nib
import numpy as np
import pytest

from jmedseg.data.io import load_volume


def _save(path, shape):
    data = np.full(shape, 40, np.int16)
    data[..., :1] = -1000                       # some air, so the HU check has something to see
    nib.save(nib.Nifti1Image(data, np.eye(4)), str(path))
    return str(path)


def test_a_2d_image_is_named_as_such_without_talk_of_4d(tmp_path):
    path = _save(tmp_path / "slice.nii.gz", (64, 64))
    with pytest.raises(ValueError) as err:
        load_volume(path)
    text = str(err.value)
    assert "got a 2D image of shape (64, 64)" in text and "save all slices as one 3D NIfTI" in text
    assert "4D" not in text


def test_a_4d_series_is_told_to_split_and_one_slice_3d_loads(tmp_path):
    with pytest.raises(ValueError, match=r"shape \(8, 8, 4, 3\); split 4D series into 3D files first"):
        load_volume(_save(tmp_path / "series.nii.gz", (8, 8, 4, 3)))
    assert load_volume(_save(tmp_path / "one.nii.gz", (8, 8, 1, 1))).shape == (8, 8, 1)
