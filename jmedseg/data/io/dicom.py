"""DICOM CT series -> `Volume` in HU (canonical RAS+), like `jmedseg.data.io.load_volume`.

Slices are sorted by their position along the slice normal (the cross product
of the row and column direction cosines in ImageOrientationPatient), not by
file name or InstanceNumber, and each slice's RescaleSlope/RescaleIntercept is
applied. DICOM patient coordinates are LPS; the affine is converted to RAS.
"""
import os

import numpy as np

from jmedseg.data.io.volume import Volume, check_finite, spacing_from_affine, to_hu

POSITION_TOL_MM = 1e-3


def _read_headers(paths):
    import pydicom

    slices, skipped = [], []
    for p in paths:
        try:
            slices.append((p, pydicom.dcmread(p)))
        except (pydicom.errors.InvalidDicomError, OSError, EOFError):
            skipped.append(os.path.basename(p))
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


def _one_series(slices, series_uid, where):
    by_series = {}
    for p, ds in slices:
        by_series.setdefault(str(ds.get("SeriesInstanceUID", "")), []).append((p, ds))
    if series_uid is not None:
        if series_uid not in by_series:
            raise ValueError(f"{where}: no series {series_uid}; series present: {sorted(by_series)}")
        return by_series[series_uid]
    if len(by_series) > 1:
        raise ValueError(f"{where} holds {len(by_series)} series {sorted(by_series)}; "
                         "pass series_uid=... to choose one")
    return next(iter(by_series.values()))


def load_dicom_series(source, units="hu", series_uid=None):
    """Read a DICOM CT series (a folder, one file, or a list of files) into a `Volume` in HU."""
    import nibabel as nib

    where = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "the given files"
    slices, skipped = _read_headers(_files(source))
    slices = [(p, ds) for p, ds in slices if "PixelData" in ds]
    if not slices:
        raise ValueError(f"{where}: no readable DICOM image found" + (f" (not DICOM: {skipped[:5]})" if skipped else ""))
    slices = _one_series(slices, series_uid, where)
    for p, ds in slices:
        missing = [k for k in ("ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing") if k not in ds]
        if missing:
            raise ValueError(f"{p}: missing {missing}; cannot place the slice in space")
    iop = np.asarray(slices[0][1].ImageOrientationPatient, float)
    row_dir, col_dir = iop[:3], iop[3:]
    normal = np.cross(row_dir, col_dir)
    positions = np.array([np.dot(np.asarray(ds.ImagePositionPatient, float), normal) for _, ds in slices])
    order = np.argsort(positions, kind="stable")
    slices, positions = [slices[i] for i in order], positions[order]
    if len(slices) > 1 and np.min(np.diff(positions)) < POSITION_TOL_MM:
        dup = positions[np.argmin(np.diff(positions))]
        raise ValueError(f"{where}: two slices at the same position ({dup:.2f} mm along the normal); "
                         "the folder mixes series or holds duplicates")
    shape = {(int(ds.Rows), int(ds.Columns)) for _, ds in slices}
    if len(shape) > 1:
        raise ValueError(f"{where}: slices of different sizes {sorted(shape)}")
    # pixel_array is [row, column]: rows advance along the column direction, columns along the row direction
    stack = np.stack([ds.pixel_array.astype(np.float32) * float(ds.get("RescaleSlope", 1.0))
                      + float(ds.get("RescaleIntercept", 0.0)) for _, ds in slices], axis=-1)
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
