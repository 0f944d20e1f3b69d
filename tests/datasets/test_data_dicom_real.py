"""A real JPEG 2000 DICOM series: HU, geometry against its label map, folders of several series, the CLI."""
import os

import nibabel as nib
import numpy as np
import pydicom
import pytest

from jmedseg.cli import main
from jmedseg.data.io.dicom import list_series, load_dicom_series
from jmedseg.data.io import load_labels, load_volume
from tests.conftest import DATA

SERIES = os.path.join(DATA, "totalseg_dicom_example")
SEG = os.path.join(SERIES, "example_seg_dicom.nii.gz")
FILES = sorted(os.path.join(SERIES, f) for f in os.listdir(SERIES) if f.startswith("CT."))
# TotalSegmentator v2 ids (v1 has no id above 104 and numbers vertebrae from L5 = 18)
T12, T11, AUTOCHTHON = 32, 33, (86, 87)
RIB_12 = (103, 115)                      # rib_left_12, rib_right_12


@pytest.fixture(scope="module")
def volume():
    return load_volume(SERIES)


@pytest.fixture(scope="module")
def seg():
    return load_labels(SEG)


@pytest.fixture(scope="module")
def two_series(tmp_path_factory):
    return _two_series(tmp_path_factory.mktemp("dicom") / "two")


def test_the_series_is_jpeg2000_and_loads_on_its_label_map_grid(volume, seg):
    assert pydicom.dcmread(FILES[0], stop_before_pixels=True).file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.4.90"
    assert volume.shape == seg.shape == (512, 512, 20)
    assert volume.spacing == pytest.approx((0.9765625, 0.9765625, 2.0))   # 2 mm apart (3 mm thick slices)
    assert nib.aff2axcodes(volume.affine) == ("R", "A", "S")
    # the label map's affine is stored as float32 in the NIfTI header: world positions up to ~800 mm carry
    # rounding of ~1e-4 mm, so 1e-3 mm is a tolerance no real misplacement (>= a fraction of a voxel) passes
    np.testing.assert_allclose(volume.affine, seg.affine, atol=1e-3)
    # DICOM pixel (row 0, column 0) of the lowest slice sits at LPS (-249.51, -437.51, -804.5); rows run along
    # +P and columns along +L, so in RAS+ both in-plane axes are flipped and voxel (0, 0, 0) is pixel (511, 511):
    # x = 249.51 - 511 * 0.977 and y = 437.51 - 511 * 0.977 (DICOM decimal strings, exact in float64)
    np.testing.assert_allclose(volume.affine[:3, 3], [249.51171875 - 511 * 0.9765625,
                                                      437.51171875 - 511 * 0.9765625, -804.5], atol=1e-9)


def test_hounsfield_units_of_air_muscle_and_bone(volume, seg):
    seg, ct = seg.array, volume.array
    # air in front of the patient (anterior edge, inside the reconstruction circle): -1000 HU, CT noise a few HU
    air = ct[236:276, 470:490, :]
    assert np.median(air) == pytest.approx(-1000.0, abs=10.0) and air.std() < 20.0
    # outside the reconstruction circle the scanner pads with stored 0, i.e. -1024 HU after the intercept
    assert np.all(ct[:20, :20, :] == -1024.0)
    # paraspinal (autochthonous) muscle: soft tissue near 40 HU (skeletal muscle reads 30-60 HU)
    muscle = ct[np.isin(seg, AUTOCHTHON)]
    assert muscle.size > 30_000 and 20.0 < np.median(muscle) < 60.0
    # vertebrae (cortex and marrow together) well above soft tissue, below cortical bone
    for level in (T12, T11):
        assert 150.0 < np.median(ct[seg == level]) < 400.0


def test_label_map_is_totalsegmentator_v2_with_t11_above_t12(seg):
    seg = seg.array
    ids = set(np.unique(seg).tolist())
    assert max(ids) == 117 and {T12, T11, *RIB_12} <= ids           # 117 costal cartilages exists only in v2
    assert not ids & set(range(25, 32)) and not ids & set(range(34, 51))   # no other vertebra: T11-T12 only
    z = {level: np.nonzero(seg == level)[2] for level in (T12, T11)}
    assert z[T12].mean() < z[T11].mean()                                  # RAS z grows upwards: T12 below T11
    # both are cut by the volume: T12 reaches the lowest slice, T11 the highest
    assert z[T12].min() == 0 and z[T11].max() == 19


def _two_series(folder):
    """The real series split in two: slices 0-11 as one series, 12-19 as another with 1 mm thickness."""
    os.makedirs(folder)
    for n, path in enumerate(FILES):
        ds = pydicom.dcmread(path)
        first = n < 12
        ds.SeriesInstanceUID = "1.2.826.0.1.1" if first else "1.2.826.0.1.2"
        ds.SeriesDescription = "CT Body 3.0" if first else "CT Lung 1.0"
        if not first:
            ds.SliceThickness = 1.0
        ds.save_as(os.path.join(folder, os.path.basename(path)))    # pixel data stay JPEG 2000 as they were
    return str(folder)


def test_a_folder_of_two_series_lists_both_and_takes_a_uid(two_series, volume):
    folder = two_series
    infos = {i.uid: (i.description, i.slices, i.slice_thickness_mm) for i in list_series(folder)}
    assert infos == {"1.2.826.0.1.1": ("CT Body 3.0", 12, 3.0), "1.2.826.0.1.2": ("CT Lung 1.0", 8, 1.0)}
    with pytest.raises(ValueError) as err:
        load_volume(folder)
    text = str(err.value)
    assert "holds 2 image series" in text and "--series-uid" in text
    assert "1.2.826.0.1.1: CT Body 3.0, 12 slice(s), slice thickness 3 mm" in text
    assert "1.2.826.0.1.2: CT Lung 1.0, 8 slice(s), slice thickness 1 mm" in text
    # the files are in name order, which is the z order of this series: the files 12-19 hold the
    # 8 lowest slices (positions fall with the instance number), so they are voxels z 0-7 of the whole
    part = load_volume(folder, series_uid="1.2.826.0.1.2")
    assert part.shape == (512, 512, 8)
    np.testing.assert_array_equal(part.array, volume.array[:, :, :8])
    np.testing.assert_allclose(part.affine, volume.affine, atol=1e-6)
    np.testing.assert_array_equal(load_dicom_series(folder, series_uid="1.2.826.0.1.1").array,
                                  volume.array[:, :, 8:])
    with pytest.raises(ValueError, match=r"no series 9\.9; the series present are:\n  1\.2\.826\.0\.1\.1"):
        load_volume(folder, series_uid="9.9")


def test_a_dicom_file_without_the_dcm_suffix_and_a_uid_for_a_nifti(tmp_path):
    one = load_volume(FILES[0])                              # 'CT.1.3.12...': recognised by its DICM preamble
    assert one.shape == (512, 512, 1)
    with pytest.raises(ValueError, match="only chooses among the series of a DICOM folder"):
        load_volume(os.path.join(DATA, "totalseg_example", "example_ct_sm.nii.gz"),
                    series_uid="1.2.3")


def test_cli_passes_series_uid_to_the_loader(two_series, capsys):
    argv = ["measure", "--ct", two_series, "--mask", SEG, "--labels", "T12=32", "--no-figures"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "holds 2 image series" in err and "CT Lung 1.0, 8 slice(s)" in err and "--series-uid" in err
    assert main(argv + ["--series-uid", "7.7.7"]) == 2                   # the flag reaches load_volume
    assert "no series 7.7.7; the series present are" in capsys.readouterr().err

