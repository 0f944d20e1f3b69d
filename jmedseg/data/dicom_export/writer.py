"""Write a CT volume as a DICOM series with pydicom: what tests and benchmarks build exports from.

A series is one file per slice, CT Image Storage, signed 16-bit stored values with
RescaleIntercept -1024 (stored = HU + 1024, as most scanners write), in any of
the transfer syntaxes pydicom can encode here (uncompressed, RLE lossless, JPEG
2000 lossless). Geometry is explicit so that broken series can be written on
purpose: any slice positions, a gantry tilt (each slice shifted in-plane), any
orientation.
"""
import os

import numpy as np

AXIAL = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0)   # rows along +x (L), columns along +y (P): the usual axial CT
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
SECONDARY_CAPTURE = "1.2.840.10008.5.1.4.1.1.7"
PET_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.128"
DOSE_SR_STORAGE = "1.2.840.10008.5.1.4.1.1.88.67"     # X-Ray Radiation Dose SR
HU_OFFSET_STORED = 1024


def _file_meta(sop_class, sop_uid, syntax):
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import PYDICOM_IMPLEMENTATION_UID

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = syntax
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    return meta


def _dataset(header, sop_class, sop_uid, syntax):
    from pydicom.dataset import FileDataset

    ds = FileDataset(None, {}, file_meta=_file_meta(sop_class, sop_uid, syntax), preamble=b"\0" * 128)
    for key, value in header.items():
        setattr(ds, key, value)
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_uid
    return ds


def write_ct_series(folder, hu, pixel_mm, positions_mm, header, syntax=None, orientation=AXIAL,
                    origin_xy=(0.0, 0.0), shift_per_mm=(0.0, 0.0), names="IM{k:04d}", sop_class=CT_IMAGE_STORAGE):
    """Write `hu` [rows, columns, slices] as one file per slice under `folder`; returns the paths.

    `positions_mm[k]`: slice k's position along the slice normal; `shift_per_mm`: in-plane shift (along
    rows' and columns' directions) per mm of position, i.e. a gantry tilt. `header`: tags every slice carries
    (SeriesInstanceUID, StudyInstanceUID, Modality, patient tags, ...). `names`: file names, with {k} the slice.
    """
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    syntax = syntax or ExplicitVRLittleEndian
    os.makedirs(folder, exist_ok=True)
    row_dir, col_dir = np.asarray(orientation[:3]), np.asarray(orientation[3:])
    normal = np.cross(row_dir, col_dir)
    stored = np.clip(np.rint(np.asarray(hu, np.float32)) + HU_OFFSET_STORED, -32768, 32767).astype(np.int16)
    paths = []
    for k, z in enumerate(positions_mm):
        ds = _dataset(header, sop_class, generate_uid(), ExplicitVRLittleEndian)
        origin = (origin_xy[0] + shift_per_mm[0] * z) * row_dir + (origin_xy[1] + shift_per_mm[1] * z) * col_dir \
            + z * normal
        ds.ImagePositionPatient = [round(float(v), 4) for v in origin]
        ds.ImageOrientationPatient = list(orientation)
        ds.PixelSpacing = [pixel_mm, pixel_mm]
        ds.InstanceNumber = k + 1
        ds.Rows, ds.Columns = stored.shape[:2]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1   # signed
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -HU_OFFSET_STORED, 1, "HU"
        ds.PixelData = np.ascontiguousarray(stored[..., k]).tobytes()
        if syntax != ExplicitVRLittleEndian:
            ds.compress(syntax)
        path = os.path.join(folder, names.format(k=k))
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths


def write_dose_report(path, header):
    """A radiation dose structured report: a DICOM file without an image, as PACS exports hold."""
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    ds = _dataset({**header, "Modality": "SR"}, DOSE_SR_STORAGE, generate_uid(), ExplicitVRLittleEndian)
    ds.ValueType, ds.ContentSequence = "CONTAINER", []
    os.makedirs(os.path.dirname(path), exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return path
