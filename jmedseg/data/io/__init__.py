"""CT volumes and label maps in and out: NIfTI (`volume`) and DICOM series (`dicom`), both as a `Volume` in HU."""
import os

from jmedseg.data.io.dicom import load_dicom_series
from jmedseg.data.io.volume import (RAW_OFFSET, UNITS, Volume, check_finite, load_labels, load_nifti, save_like,
                                    spacing_from_affine, to_hu)


def load_volume(path, units="hu"):
    """Load a CT volume as a `Volume` in HU (float32), reoriented to canonical RAS+.

    NIfTI files (.nii, .nii.gz); a folder or a .dcm file is read as a DICOM
    series. `units="raw"` converts values stored as HU + 1024. Raises
    FileNotFoundError for a missing file and ValueError for unreadable data,
    NaNs or non-HU values.
    """
    if os.path.isdir(path) or os.fspath(path).lower().endswith(".dcm"):
        return load_dicom_series(path, units=units)
    return load_nifti(path, units=units)
