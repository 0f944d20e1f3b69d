"""CT volumes and label maps in and out: NIfTI (`volume`) and DICOM series (`dicom`), both as a `Volume` in HU."""
import os

from jmedseg.data.io.dicom import SERIES_LIST_SUFFIX, load_dicom_series, looks_like_dicom
from jmedseg.data.io.volume import (RAW_OFFSET, UNITS, Volume, check_finite, load_labels, load_nifti, save_like,
                                    spacing_from_affine, to_hu)
from jmedseg.errors import InputError

# the package's API: callers import from `jmedseg.data.io`, not from its modules
__all__ = ["RAW_OFFSET", "SERIES_LIST_SUFFIX", "UNITS", "Volume", "check_finite", "load_dicom_series", "load_labels",
           "load_nifti", "load_volume", "looks_like_dicom", "save_like", "spacing_from_affine", "to_hu"]


def _is_dicom(path):
    """A folder, a series list (*.dicom.txt), a .dcm file, or a file with the DICOM preamble (names like CT.1.2.3...)."""
    path = os.fspath(path)
    return os.path.isdir(path) or path.endswith(SERIES_LIST_SUFFIX) or looks_like_dicom(path)


def load_volume(path, units="hu", series_uid=None):
    """Load a CT volume as a `Volume` in HU (float32), reoriented to canonical RAS+.

    NIfTI files (.nii, .nii.gz); a folder or a DICOM file is read as a DICOM
    series (`jmedseg.data.io.dicom`), `series_uid` choosing one series of a folder
    that holds several. `units="raw"` converts values stored as HU + 1024.
    Raises FileNotFoundError for a missing file and ValueError for unreadable
    data, NaNs or non-HU values.
    """
    if _is_dicom(path):
        return load_dicom_series(path, units=units, series_uid=series_uid)
    if series_uid is not None and os.path.isfile(path):
        raise InputError(f"{path} is not a DICOM folder or file; --series-uid (series_uid) only chooses among "
                         "the series of a DICOM folder: drop it for a NIfTI volume")
    return load_nifti(path, units=units)
