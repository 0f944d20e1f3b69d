"""DICOM CT series -> `Volume` in HU (canonical RAS+), like `jmedseg.data.io.load_volume`.

Slices are sorted by their position along the slice normal (the cross product
of the row and column direction cosines in ImageOrientationPatient), not by
file name or InstanceNumber, and each slice's RescaleSlope/RescaleIntercept is
applied. DICOM patient coordinates are LPS; the affine is converted to RAS.

A folder holding several series (SeriesInstanceUID) is an error that lists them
(UID, description, number of slices, slice thickness) until one is chosen with
`series_uid` (CLI: --series-uid). Compressed transfer syntaxes (JPEG 2000, JPEG
lossless, ...) are decoded by pydicom's plugins: pylibjpeg with pylibjpeg-openjpeg
(a dependency of jmedseg) covers JPEG 2000.
"""
import os
from dataclasses import dataclass

import numpy as np

from jmedseg.data.io.volume import Volume, check_finite, spacing_from_affine, to_hu
from jmedseg.errors import InputError

POSITION_TOL_MM = 1e-3
DECODER_HINT = "pip install pylibjpeg pylibjpeg-openjpeg pylibjpeg-libjpeg (or python-gdcm)"


@dataclass
class SeriesInfo:
    """One series of a DICOM folder, as listed when the user must choose."""

    uid: str
    description: str
    slices: int
    slice_thickness_mm: object     # float, or None when the header has none

    def line(self):
        thick = f"{self.slice_thickness_mm:g} mm" if self.slice_thickness_mm is not None else "unknown"
        return (f"  {self.uid or '(no SeriesInstanceUID)'}: {self.description or '(no description)'}, "
                f"{self.slices} slice(s), slice thickness {thick}")


def _read_headers(paths, pixels=True):
    """(path, dataset) of the DICOM image files among `paths` (others are skipped, by name)."""
    import pydicom

    slices, skipped = [], []
    for p in paths:
        try:
            ds = pydicom.dcmread(p, stop_before_pixels=not pixels)
        except (pydicom.errors.InvalidDicomError, OSError, EOFError):
            skipped.append(os.path.basename(p))
            continue
        if "PixelData" in ds or (not pixels and "Rows" in ds):
            slices.append((p, ds))
    return slices, skipped


def _files(source):
    if isinstance(source, (str, os.PathLike)):
        source = os.fspath(source)
        if not os.path.exists(source):
            raise FileNotFoundError(f"no such DICOM file or folder: {source}")
        if os.path.isdir(source):
            return sorted(os.path.join(source, f) for f in os.listdir(source)
                          if os.path.isfile(os.path.join(source, f)))
        return [source]
    return [os.fspath(p) for p in source]


def _by_series(slices):
    by_series = {}
    for p, ds in slices:
        by_series.setdefault(str(ds.get("SeriesInstanceUID", "")), []).append((p, ds))
    return by_series


def _thickness(ds):
    try:
        return float(ds.get("SliceThickness"))
    except (TypeError, ValueError):
        return None


def _describe(by_series):
    return [SeriesInfo(uid, str(members[0][1].get("SeriesDescription", "")), len(members),
                       _thickness(members[0][1])) for uid, members in sorted(by_series.items())]


def list_series(source):
    """The image series in a DICOM folder (or list of files): UID, description, slice count, thickness."""
    slices, _ = _read_headers(_files(source), pixels=False)
    return _describe(_by_series(slices))


def _one_series(slices, series_uid, where):
    by_series = _by_series(slices)
    listing = "\n".join(info.line() for info in _describe(by_series))
    if series_uid is not None:
        if series_uid not in by_series:
            raise InputError(f"{where}: no series {series_uid}; the series present are:\n{listing}")
        return by_series[series_uid]
    if len(by_series) > 1:
        raise InputError(f"{where} holds {len(by_series)} image series:\n{listing}\n"
                         "choose one with --series-uid UID (series_uid=... in Python)")
    return next(iter(by_series.values()))


def _pixels(path, ds):
    """The slice's stored values; a compressed slice without a decoder gets an error naming the fix."""
    try:
        return ds.pixel_array
    except (RuntimeError, NotImplementedError) as err:   # pydicom: no plugin can decode this transfer syntax
        syntax = ds.file_meta.get("TransferSyntaxUID") if hasattr(ds, "file_meta") else None
        name = getattr(syntax, "name", str(syntax))
        raise InputError(f"{path}: cannot decode its pixel data ({name}): {err}. Install a decoder for "
                         f"pydicom: {DECODER_HINT}") from None


def load_dicom_series(source, units="hu", series_uid=None):
    """Read a DICOM CT series (a folder, one file, or a list of files) into a `Volume` in HU."""
    import nibabel as nib

    where = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "the given files"
    slices, skipped = _read_headers(_files(source))
    if not slices:
        raise InputError(f"{where}: no readable DICOM image found" + (f" (not DICOM: {skipped[:5]})" if skipped else ""))
    slices = _one_series(slices, series_uid, where)
    for p, ds in slices:
        missing = [k for k in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing") if k not in ds]
        if missing:
            raise InputError(f"{p}: missing {missing}; cannot place the slice in space")
    iop = np.asarray(slices[0][1].ImageOrientationPatient, float)
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    positions = np.array([np.dot(np.asarray(ds.ImagePositionPatient, float), normal) for _, ds in slices])
    order = np.argsort(positions, kind="stable")
    slices, positions = [slices[i] for i in order], positions[order]
    if len(slices) > 1 and np.min(np.diff(positions)) < POSITION_TOL_MM:
        dup = positions[np.argmin(np.diff(positions))]
        raise InputError(f"{where}: two slices at the same position ({dup:.2f} mm along the normal); "
                         "the folder mixes series or holds duplicates")
    shape = {(int(ds.Rows), int(ds.Columns)) for _, ds in slices}
    if len(shape) > 1:
        raise InputError(f"{where}: slices of different sizes {sorted(shape)}")
    # pixel_array is [row, column]: rows advance along the column direction, columns along the row direction
    stack = np.stack([_pixels(p, ds).astype(np.float32) * float(ds.get("RescaleSlope", 1.0))
                      + float(ds.get("RescaleIntercept", 0.0)) for p, ds in slices], axis=-1)
    array = np.transpose(stack, (1, 0, 2))  # -> [column, row, slice]
    ps_row, ps_col = (float(v) for v in slices[0][1].PixelSpacing)  # DICOM: (between rows, between columns)
    origin = np.asarray(slices[0][1].ImagePositionPatient, float)
    if len(slices) > 1:
        step = (np.asarray(slices[-1][1].ImagePositionPatient, float) - origin) / (len(slices) - 1)
    else:
        step = normal * float(slices[0][1].get("SliceThickness", 1.0) or 1.0)
    lps = np.eye(4)
    lps[:3, 0], lps[:3, 1], lps[:3, 2], lps[:3, 3] = row_dir * ps_col, col_dir * ps_row, step, origin
    ras = np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps
    img = nib.as_closest_canonical(nib.Nifti1Image(array, ras))
    array = np.asarray(img.dataobj, np.float32)
    check_finite(array, where)
    array = to_hu(array, units, where)
    return Volume(array, img.affine.astype(np.float64), spacing_from_affine(img.affine), where)
