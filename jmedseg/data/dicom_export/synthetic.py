"""A synthetic PACS export: studies of several series each, written with pydicom (tests and benchmarks/dicom_index.py).

Each study holds what a real whole-body or abdominal CT export holds: a scout
(localizer), the CT in a soft-tissue kernel at thin slices (the series the rule
must choose), the same in a bone kernel, a thick (5 mm) soft-tissue series, a
PET series and a radiation dose report (SR). Special studies break one thing:
`missing_slice` deletes a slice of the thin soft series, `tilt` shears it (gantry
tilt 12 degrees); two studies of one patient may carry ages that contradict their
dates. Half the studies are nested (`<patient name>/<date>/<series>/IMnnnn`: names
in folder names, as some exports do), half lie in one flat folder under UID-like
names. Transfer syntaxes rotate among uncompressed, RLE lossless and JPEG 2000
lossless. The volumes are phantoms (jmedseg.data.phantom) on a coarse grid, or
any HU volume the caller gives.
"""
import datetime
import os
from dataclasses import dataclass, field

import numpy as np

from jmedseg.data.dicom_export.writer import PET_IMAGE_STORAGE, write_ct_series, write_dose_report

INSTITUTIONS = ("North General Hospital", "South Valley Clinic")
SYNTAXES = ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.90")  # explicit LE, RLE, J2K lossless
THIN_MM, THICK_MM = 2.0, 5.0
TILT_DEG = 12.0


@dataclass
class StudySpec:
    """One study to write and what the import must find in it."""

    index: int
    patient_id: str
    patient_name: str
    birth_date: datetime.date
    sex: str
    study_date: datetime.date
    institution: str
    age_header: str = ""              # PatientAge as written ('' = only the birth date)
    special: str = ""                 # '', 'missing_slice' or 'tilt'
    nested: bool = True
    syntax: str = SYNTAXES[0]
    uids: dict = field(default_factory=dict)   # role -> SeriesInstanceUID, filled when written

    @property
    def study_uid(self):
        return f"1.2.826.0.1.3680043.10.543.{self.index + 1}"

    @property
    def age(self):
        """Age in whole years on the study date from the birth date."""
        b, s = self.birth_date, self.study_date
        return s.year - b.year - ((s.month, s.day) < (b.month, b.day))


def plan_studies(n, seed=0):
    """`n` StudySpecs: 1 missing slice, 1 tilt, one patient with two studies whose ages contradict the dates."""
    rng = np.random.default_rng(seed)
    specs = []
    for i in range(n):
        age = int(rng.integers(39, 81))
        study = datetime.date(2019, 1, 1) + datetime.timedelta(days=int(rng.integers(0, 4 * 365)))
        born = study - datetime.timedelta(days=int(age * 365.2425 + rng.integers(1, 300)))
        specs.append(StudySpec(i, f"PID{7000 + i}", f"Testperson^Name{i:03d}", born, "MF"[i % 2], study,
                               INSTITUTIONS[i % 2], age_header=f"{age:03d}Y" if i % 3 else "",
                               nested=i % 2 == 0, syntax=SYNTAXES[i % 3]))
    if n >= 4:
        specs[1].special, specs[2].special = "missing_slice", "tilt"
        # the last study is a second visit of the first patient, 3 years later, but its header says 5 years younger
        first, last = specs[0], specs[-1]
        last.patient_id, last.patient_name, last.birth_date, last.sex = (first.patient_id, first.patient_name,
                                                                         first.birth_date, first.sex)
        last.institution, last.study_date = first.institution, first.study_date + datetime.timedelta(days=3 * 365)
        last.age_header = f"{first.age - 5:03d}Y"
    return specs


def phantom_volumes(pixel_mm=4.0, slices=25, seed=0):
    """(thin, thick) HU volumes [x, y, z] RAS of one phantom at 2 and 5 mm, coarse in-plane (fast to write).

    4 mm pixels give 48 x 40 slices: OpenJPEG needs 32 or more pixels a side for its default 6 resolution levels.
    """
    from jmedseg.data.phantom import Scanner, render_subject

    out = []
    for step in (THIN_MM, THICK_MM):
        vol = render_subject(150.0, Scanner(pixel_mm, step, 1.0, 10.0), np.random.default_rng(seed))
        keep = int(round(slices * THIN_MM / step))
        start = (vol.ct.shape[2] - keep) // 2
        out.append(vol.ct[..., start:start + keep])
    return out


def _dicom_order(ras):
    """[rows, columns, slices] of a RAS+ [x, y, z] volume for the axial orientation (rows along P, columns along L)."""
    return np.transpose(ras[::-1, ::-1, :], (1, 0, 2))


def _header(spec, role, number, description, modality="CT", kernel="", image_type=("ORIGINAL", "PRIMARY", "AXIAL"),
            thickness=THIN_MM):
    from pydicom.uid import generate_uid

    spec.uids[role] = generate_uid(prefix="1.2.826.0.1.3680043.10.544.")
    header = {"PatientName": spec.patient_name, "PatientID": spec.patient_id,
              "PatientBirthDate": spec.birth_date.strftime("%Y%m%d"), "PatientSex": spec.sex,
              "StudyInstanceUID": spec.study_uid, "StudyDate": spec.study_date.strftime("%Y%m%d"),
              "StudyTime": "101500", "StudyID": str(spec.index + 1),
              "AccessionNumber": f"ACC{90000 + spec.index}", "InstitutionName": spec.institution,
              "SeriesInstanceUID": spec.uids[role], "SeriesNumber": number, "SeriesDescription": description,
              "Modality": modality, "ImageType": list(image_type), "SliceThickness": thickness,
              "Manufacturer": "SIEMENS", "ManufacturerModelName": "Biograph128", "KVP": 120}
    if spec.age_header:
        header["PatientAge"] = spec.age_header
    if kernel:
        header["ConvolutionKernel"] = kernel
    return header


def _folder(root, spec, number):
    if spec.nested:
        return os.path.join(root, spec.patient_name.replace("^", "_"), spec.study_date.isoformat(), f"SE{number:03d}")
    return os.path.join(root, "flat")


def _names(spec, number):
    return "IM{k:04d}" if spec.nested else f"{spec.study_uid}.{number}.{{k}}.dcm"


def write_study(root, spec, thin, thick, pixel_mm, steps=(THIN_MM, THICK_MM)):
    """Write one study's six series under `root` (layout and syntax from `spec`); returns `spec` with its UIDs.

    `steps`: the slice steps (mm) of the thin and the thick volume.
    """
    thin_mm, thick_mm = steps
    def series(role, number, hu, step, thickness_mm=None, **kw):
        header = _header(spec, role, number, kw.pop("description"), thickness=thickness_mm or step,
                         **{k: kw.pop(k) for k in ("modality", "kernel", "image_type") if k in kw})
        positions = kw.pop("positions", step * np.arange(hu.shape[-1]))
        return write_ct_series(_folder(root, spec, number), hu, pixel_mm, positions, header,
                               names=_names(spec, number), **kw)

    thin_d, thick_d = _dicom_order(thin), _dicom_order(thick)
    shift = (0.0, np.tan(np.radians(TILT_DEG))) if spec.special == "tilt" else (0.0, 0.0)
    series("scout", 1, thin_d[:, :, :1], thin_mm, description="Topogram 0.6 T20f", kernel="T20f",
           image_type=("ORIGINAL", "PRIMARY", "LOCALIZER"))
    files = series("soft_thin", 2, thin_d, thin_mm, description=f"Abdomen {thin_mm:.1f} B30f", kernel="B30f",
                   syntax=spec.syntax, shift_per_mm=shift)
    if spec.special == "missing_slice":
        os.remove(files[len(files) // 2])
    series("bone_thin", 3, thin_d, thin_mm, description=f"Spine {thin_mm:.1f} B70f", kernel="B70f")
    series("soft_thick", 4, thick_d, thick_mm, description=f"Abdomen {thick_mm:.1f} B30f", kernel="B30f")
    series("pet", 5, np.full(thin_d.shape[:2] + (3,), 0.0, np.float32), 3 * thin_mm, description="PET WB AC",
           modality="PT", sop_class=PET_IMAGE_STORAGE)
    write_dose_report(os.path.join(_folder(root, spec, 99), f"{spec.study_uid}.dose.dcm" if not spec.nested else "SR0001"),
                      _header(spec, "dose", 99, "Dose Report", modality="SR", image_type=()))
    return spec


def write_export(root, n_studies=21, seed=0, pixel_mm=4.0, volumes=None, steps=(THIN_MM, THICK_MM), specs=None,
                 junk=True):
    """Write a synthetic export of `n_studies` studies at `root`; returns their StudySpecs (the truth to check).

    `volumes`: (thin, thick) HU volumes [x, y, z] RAS to write instead of the phantom (e.g. a real CT), with
    their slice `steps` and `pixel_mm`. `specs`: the studies to write (default `plan_studies(n_studies, seed)`).
    `junk`: also a README, a hidden file and a DICOM file cut off inside its header (skipped, counted).
    """
    thin, thick = volumes if volumes is not None else phantom_volumes(pixel_mm, seed=seed)
    specs = [write_study(root, spec, thin, thick, pixel_mm, steps)
             for spec in (specs if specs is not None else plan_studies(n_studies, seed))]
    if junk:
        with open(os.path.join(root, "README.txt"), "w") as f:
            f.write("exported from PACS\n")
        with open(os.path.join(root, ".DS_Store"), "wb") as f:
            f.write(b"\0" * 64)
        some = next(os.path.join(d, n) for d, _, names in sorted(os.walk(root)) for n in sorted(names)
                    if n.startswith("IM"))
        with open(some, "rb") as src, open(os.path.join(root, "cut_off.dcm"), "wb") as dst:
            dst.write(src.read(180))
    return specs
