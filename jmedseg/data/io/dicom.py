"""DICOM CT series -> `Volume` in HU (canonical RAS+), like `jmedseg.data.io.load_volume`.

Slices are sorted by their position along the slice normal (the cross product
of the row and column direction cosines in ImageOrientationPatient), not by
file name or InstanceNumber, and each slice's RescaleSlope/RescaleIntercept is
applied. DICOM patient coordinates are LPS; the affine is converted to RAS.

The slices must form one regular grid (jmedseg.data.io.dicom_geometry): gaps,
duplicate positions, uneven steps, mixed orientation, pixel spacing or size and
a tilted gantry are refused with the reason; `resample=True` resamples the
cases that are safe (a tilt, single missing slices) and says so in the volume's
`geometry_note`. Files that look like DICOM but cannot be read (truncated,
corrupt) are named, never dropped silently.

A folder holding several series (SeriesInstanceUID) is an error that lists them
(UID, description, number of slices, slice thickness) until one is chosen with
`series_uid` (CLI: --series-uid). A series list file (`*.dicom.txt`, written by
`jmedseg import --format dicom`: one path per line, `# key: value` settings)
names the files of one series read in place. Compressed transfer syntaxes (JPEG,
JPEG-LS, JPEG 2000, RLE) are decoded by pydicom's pylibjpeg plugins.
"""
import os
from dataclasses import dataclass

import numpy as np

from jmedseg.data.io.dicom_geometry import check_geometry, resample_to_grid, series_geometry
from jmedseg.data.io.volume import Volume, check_finite, spacing_from_affine, to_hu
from jmedseg.errors import InputError

DECODER_HINT = "pip install pylibjpeg pylibjpeg-openjpeg pylibjpeg-libjpeg (or python-gdcm)"
SERIES_LIST_SUFFIX = ".dicom.txt"
OUTSIDE_HU = -1024.0    # what scanners store outside the reconstructed field: the fill of shifted (de-tilted) slices


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


@dataclass
class HeaderScan:
    """The image slices found among some files, and the files that were not usable, by reason."""

    slices: list          # (path, pydicom dataset without pixel data)
    not_dicom: list       # paths that hold no image (notes, DICOMDIR, dose reports): skipped
    unreadable: list      # paths that start like DICOM but cannot be parsed (truncated, corrupt)


def looks_like_dicom(path):
    """'DICM' at byte 128 (the Part 10 preamble) or a .dcm name."""
    if path.lower().endswith(".dcm"):
        return True
    try:
        with open(path, "rb") as f:
            return f.read(132)[128:] == b"DICM"
    except OSError:
        return False


def read_headers(paths):
    """HeaderScan of `paths`: image slices (datasets read without pixel data), the rest by reason."""
    import pydicom

    scan = HeaderScan([], [], [])
    for p in paths:
        try:
            ds = pydicom.dcmread(p, stop_before_pixels=True)
        except pydicom.errors.InvalidDicomError:
            (scan.unreadable if looks_like_dicom(p) else scan.not_dicom).append(p)
            continue
        except Exception:  # pydicom raises many types on a cut-off file (EOFError, OSError, struct.error, ...)
            scan.unreadable.append(p)
            continue
        if "Rows" in ds:
            scan.slices.append((p, ds))
        elif "SOPClassUID" in ds or "DirectoryRecordSequence" in ds:
            scan.not_dicom.append(p)   # a DICOM file without an image: DICOMDIR, a structured report
        else:
            scan.unreadable.append(p)  # a Part 10 preamble and nothing after it: cut off inside the header
    return scan


def read_series_list(path):
    """(file paths, settings dict) of a `*.dicom.txt` series list; relative paths are relative to the list."""
    files, settings = [], {}
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                key, sep, value = line[1:].partition(":")
                if sep:
                    settings[key.strip()] = value.strip()
            elif line.strip():
                files.append(os.path.join(os.path.dirname(os.path.abspath(path)), line))
    if not files:
        raise InputError(f"{path} lists no DICOM file; rerun `jmedseg import --format dicom`")
    return files, settings


def write_series_list(path, files, settings):
    """Write a series list (see `read_series_list`) atomically."""
    from jmedseg.utils.files import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w") as f:
        f.write("# jmedseg: one DICOM series, read in place\n")
        f.writelines(f"# {k}: {v}\n" for k, v in settings.items())
        f.writelines(f"{p}\n" for p in files)


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
        by_series.setdefault(str(ds.get("SeriesInstanceUID", "")).strip(), []).append((p, ds))
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
    return _describe(_by_series(read_headers(_files(source)).slices))


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


def _blank_uid_problem(slices, where):
    """Slices without a SeriesInstanceUID that carry different SeriesNumbers are several series, not one."""
    numbers = {str(ds.get("SeriesNumber", "")) for _, ds in slices}
    if not str(slices[0][1].get("SeriesInstanceUID", "")).strip() and len(numbers) > 1:
        raise InputError(f"{where}: {len(slices)} slices have a blank SeriesInstanceUID but belong to series "
                         f"numbers {sorted(numbers)}; they cannot be told apart safely: export each series on its "
                         "own (or with its UID)")


def _pixels(path, shown):
    """The slice's stored values; a cut-off or undecodable slice gets an error naming it (as `shown`) and the fix."""
    import pydicom

    try:
        ds = pydicom.dcmread(path)
    except Exception as err:  # cut off after the header was indexed (EOFError, OSError, struct.error, ...)
        raise InputError(f"{shown}: cannot be read ({type(err).__name__}: {err}); the file is truncated or "
                         "corrupt: export it again") from None
    try:
        return ds, ds.pixel_array
    except (RuntimeError, NotImplementedError) as err:   # pydicom: no plugin can decode this transfer syntax
        name = getattr(ds.file_meta.get("TransferSyntaxUID"), "name", "?")
        raise InputError(f"{shown}: cannot decode its pixel data ({name}): {err}. Install a decoder for "
                         f"pydicom: {DECODER_HINT}") from None
    except Exception as err:  # a short PixelData element (ValueError) in a truncated file
        raise InputError(f"{shown}: the pixel data cannot be read ({type(err).__name__}: {err}); the file is "
                         "truncated or corrupt: export it again") from None


def _stored_to_hu(path, shown):
    ds, pixels = _pixels(path, shown)
    return pixels.astype(np.float32) * float(ds.get("RescaleSlope", 1.0)) + float(ds.get("RescaleIntercept", 0.0))


def load_dicom_series(source, units="hu", series_uid=None, resample=False):
    """Read a DICOM CT series (a folder, one file, a list of files or a `*.dicom.txt` list) into a `Volume` in HU.

    `resample`: put a series with a gantry tilt or single missing slices onto a regular grid (said in the
    volume's `geometry_note`) instead of refusing it. The volume's `acquisition` holds the header's acquisition
    (jmedseg.data.io.acquisition).
    """
    import nibabel as nib

    from jmedseg.data.io.acquisition import dicom_acquisition

    where = os.fspath(source) if isinstance(source, (str, os.PathLike)) else "the given files"
    paths = _files(source)
    # files are named by their base name, or, from a series list, by their line: an imported export's folder and
    # file names may carry patient names or UIDs, and messages end up in densities.csv
    shown = {p: os.path.basename(p) for p in paths}
    if len(paths) == 1 and paths[0].endswith(SERIES_LIST_SUFFIX):
        paths, settings = read_series_list(paths[0])
        series_uid = settings.get("series_uid") or series_uid
        resample = resample or settings.get("resample") == "yes"
        shown = {p: f"file {i + 1} of the list" for i, p in enumerate(paths)}
    scan = read_headers(paths)
    if not scan.slices:
        raise InputError(f"{where}: no readable DICOM image found"
                         + (f" (not DICOM: {[shown[p] for p in scan.not_dicom[:5]]})" if scan.not_dicom else "")
                         + (f"; {len(scan.unreadable)} file(s) look like DICOM but cannot be read: "
                            f"{[shown[p] for p in scan.unreadable[:5]]}" if scan.unreadable else ""))
    if scan.unreadable:
        raise InputError(f"{where}: {len(scan.unreadable)} file(s) look like DICOM but cannot be read (truncated or "
                         f"corrupt): {[shown[p] for p in scan.unreadable[:5]]}; export them again, or "
                         "move them out if they are not part of the series")
    slices = _one_series(scan.slices, series_uid, where)
    _blank_uid_problem(slices, where)
    geometry = series_geometry([ds for _, ds in slices])
    check_geometry(geometry, where, resample)
    slices = [slices[i] for i in geometry.order]
    # pixel_array is [row, column]: rows advance along the column direction, columns along the row direction
    stack = np.stack([_stored_to_hu(p, f"{where}: {shown[p]}") for p, _ in slices], axis=-1)
    note = ""
    step_mm = geometry.step_mm if len(slices) > 1 else float(slices[0][1].get("SliceThickness", 1.0) or 1.0)
    if geometry.problems:
        stack, _, note = resample_to_grid(stack, geometry, OUTSIDE_HU)
    array = np.transpose(stack, (1, 0, 2))  # -> [column, row, slice]
    ps_row, ps_col = geometry.pixel_spacing  # DICOM: (between rows, between columns)
    lps = np.eye(4)
    lps[:3, 0], lps[:3, 1] = geometry.row_dir * ps_col, geometry.col_dir * ps_row
    lps[:3, 2], lps[:3, 3] = geometry.normal * step_mm, geometry.origins[0]
    ras = np.diag([-1.0, -1.0, 1.0, 1.0]) @ lps
    img = nib.as_closest_canonical(nib.Nifti1Image(array, ras))
    array = np.asarray(img.dataobj, np.float32)
    check_finite(array, where)
    array = to_hu(array, units, where)
    return Volume(array, img.affine.astype(np.float64), spacing_from_affine(img.affine), where,
                  acquisition=dicom_acquisition(slices[0][1]), geometry_note=note, acquisition_source="DICOM header")
