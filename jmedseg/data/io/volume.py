"""CT volumes in and out: NIfTI in HU, canonical RAS+ orientation, written back atomically.

Every reader returns a `Volume`: a float32 array in Hounsfield units with axes
(x, y, z) in nibabel's canonical RAS+ orientation (x grows towards the
patient's right, y towards anterior, z towards superior), the 4x4 voxel-to-world
affine and the voxel spacing in mm. Label maps come through `load_labels`,
which keeps integer ids and skips the HU checks.

Units: the paper stores CT values as HU + 1024 (docs/references.md), so
air reads about 0 instead of -1000. Such a volume is refused with an error that
says what was seen; `units="raw"` converts it (HU = stored - 1024).
"""
import os
from dataclasses import dataclass, field

import numpy as np

from jmedseg.constants import HU_OFFSET
from jmedseg.data.io.acquisition import nifti_acquisition
from jmedseg.data.io.sidecar import sidecar_acquisition
from jmedseg.errors import InputError
from jmedseg.utils.files import atomic_path

RAW_OFFSET = HU_OFFSET       # paper's stored units: stored = HU + 1024
UNITS = ("hu", "raw")
# Raw-unit detection: in HU the lowest 0.5 % of voxels (air, fat, lung) lie far below 0;
# in stored units they sit near 0 while tissue reads about 1000.
RAW_LOW_PERCENTILE_MIN = -24.0
RAW_HIGH_PERCENTILE_MIN = 400.0


@dataclass
class Volume:
    """A CT volume (or label map): `array` [x, y, z] in canonical RAS+, `affine` 4x4, `spacing` mm."""

    array: np.ndarray
    affine: np.ndarray
    spacing: tuple
    path: str = None
    acquisition: dict = field(default_factory=dict)   # scanner and study facts (jmedseg.data.io.acquisition)
    geometry_note: str = ""   # how a DICOM series was resampled onto a regular grid ("" when it was not)
    acquisition_source: str = ""   # where `acquisition` was read: "DICOM header", "JSON sidecar <file>" or ""
    acquisition_error: str = ""    # a JSON sidecar that could not be used: why, and the fix (`measure` stops on it)

    @property
    def shape(self):
        return self.array.shape


def spacing_from_affine(affine):
    """Voxel size (mm) along each array axis: the length of the affine's columns."""
    return tuple(float(s) for s in np.sqrt((np.asarray(affine)[:3, :3] ** 2).sum(axis=0)))


def _read_nifti(path):
    """The image reoriented to canonical RAS+, with clear errors for missing or unreadable files."""
    import nibabel as nib

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such volume: {path}")
    try:
        img = nib.as_closest_canonical(nib.load(path))
        data = np.asanyarray(img.dataobj)  # applies scl_slope / scl_inter when the header sets them
    except Exception as err:  # nibabel raises many types (ImageFileError, EOFError, zlib.error, ...)
        raise InputError(f"cannot read {path} as NIfTI ({type(err).__name__}: {err}); "
                         "the file is corrupt, truncated or not a .nii/.nii.gz volume") from None
    data = _squeeze_to_3d(data, path)
    return data, img.affine.astype(np.float64)


def _squeeze_to_3d(data, path):
    while data.ndim > 3 and data.shape[-1] == 1:
        data = data[..., 0]
    if data.ndim < 3:
        raise InputError(f"{path}: expected a 3D volume, got a {data.ndim}D image of shape {data.shape}; "
                         "measuring needs the whole series: save all slices as one 3D NIfTI "
                         "(or pass the DICOM series folder)")
    if data.ndim > 3:
        raise InputError(f"{path}: expected a 3D volume, got shape {data.shape}; "
                         "split 4D series into 3D files first")
    return data


def check_finite(array, path):
    bad = int(np.count_nonzero(~np.isfinite(array)))
    if bad:
        raise InputError(f"{path}: {bad} voxels are NaN or infinite; fix the export "
                         "(or replace them, e.g. with -1024 HU for air) before using the volume")


def to_hu(array, units, path="volume"):
    """Return `array` in HU, converting from stored units or refusing values that are not HU."""
    if units not in UNITS:
        raise InputError(f"units must be one of {UNITS}, got {units!r}")
    array = np.asarray(array, np.float32)
    sample = array.ravel(order="K")[:: max(1, array.size // 1_000_000)]  # ~1M voxels suffice; "K": no copy
    low, high = (float(v) for v in np.percentile(sample, [0.5, 99.5]))
    looks_raw = low >= RAW_LOW_PERCENTILE_MIN and high > RAW_HIGH_PERCENTILE_MIN
    if units == "raw":
        if low < -200:
            raise InputError(f"{path}: units='raw' but the volume already looks like HU (lowest 0.5 % of "
                             f"voxels at {low:.0f}, air should read about 0 in raw units); drop units='raw'")
        return array - np.float32(RAW_OFFSET)
    if looks_raw:
        raise InputError(
            f"{path}: values do not look like Hounsfield units: the lowest 0.5 % of voxels are at "
            f"{low:.0f} and the highest at {high:.0f}, but air should read about -1000 HU. The volume "
            f"is probably stored as HU + {RAW_OFFSET:.0f} (the paper's convention); pass units='raw' "
            "(CLI: --units raw) to convert it with HU = stored - 1024")
    return array


def load_nifti(path, units="hu"):
    """Load a NIfTI CT (.nii, .nii.gz) as a `Volume` in HU (float32), reoriented to canonical RAS+."""
    data, affine = _read_nifti(path)
    array = np.asarray(data, np.float32)
    check_finite(array, path)
    array = to_hu(array, units, path)
    spacing = spacing_from_affine(affine)
    try:
        acquisition, sidecar = sidecar_acquisition(path)   # dcm2niix's <name>.json, when beside the CT
    except InputError as err:
        # only the tube voltage's user stops on it (`measure`, jmedseg.calibration.tube_voltage): labelling or
        # segmenting the image does not read the sidecar, so a broken one must not stop them
        return Volume(array, affine, spacing, os.fspath(path), acquisition_error=str(err))
    if sidecar:
        acquisition = {**nifti_acquisition(spacing), **{k: v for k, v in acquisition.items() if v != ""}}
    return Volume(array, affine, spacing, os.fspath(path), acquisition,
                  acquisition_source=f"JSON sidecar {os.path.basename(sidecar)}" if sidecar else "")


def load_labels(path):
    """Load an integer label map (tissue classes or vertebra ids) as a `Volume` of int32."""
    data, affine = _read_nifti(path)
    if not np.issubdtype(data.dtype, np.integer):
        check_finite(data, path)
        rounded = np.rint(data)
        if np.abs(data - rounded).max() > 1e-3:
            raise InputError(f"{path}: a label map must hold whole numbers, found values like "
                             f"{data[np.abs(data - rounded) > 1e-3].flat[0]}; is this an image, not labels?")
        data = rounded
    return Volume(np.asarray(data, np.int32), affine, spacing_from_affine(affine), os.fspath(path))


def _storage_dtype(array):
    """Small integer types for label maps, float32 for images (keeps files small and exact)."""
    if np.issubdtype(array.dtype, np.integer) or array.dtype == bool:
        lo, hi = int(array.min(initial=0)), int(array.max(initial=0))
        for dt in (np.uint8, np.int16, np.int32):
            if np.iinfo(dt).min <= lo and hi <= np.iinfo(dt).max:
                return dt
    return np.float32


def save_like(reference, array, path):
    """Write `array` as NIfTI at `path` with `reference`'s affine, atomically (temp file + rename).

    `array` must have the reference's shape (the canonical-RAS+ grid `load_volume` returned).
    """
    import nibabel as nib

    if not str(path).endswith((".nii", ".nii.gz")):   # nibabel would write elsewhere and leave `path` empty
        raise ValueError(f"cannot save {path} as NIfTI: its name must end in .nii or .nii.gz")
    array = np.asarray(array)
    if array.shape != tuple(reference.array.shape):
        raise InputError(f"cannot save {path}: array shape {array.shape} differs from the reference "
                         f"volume's {tuple(reference.array.shape)}")
    img = nib.Nifti1Image(array.astype(_storage_dtype(array)), np.asarray(reference.affine, np.float64))
    img.header.set_xyzt_units("mm")
    img.set_qform(img.affine, code=1)  # scanner coordinates
    img.set_sform(img.affine, code=1)
    path = os.fspath(path)
    with atomic_path(path) as tmp:  # the temp name ends in the real one: nibabel picks .nii or .nii.gz
        nib.save(img, tmp)
    return path
