"""One subject's density from files: load, check with the rules `check-data` uses, measure (paper section 3).

`load_inputs` reads the CT and its label maps and refuses, with the fix named, a CT
that is not in HU and label maps on another grid (jmedseg.data.checks);
`measure_files` then measures (jmedseg.density.measure, which flags levels that are
missing, cut by the field of view or implausible). `vertebra_map` is the one place
a subject's vertebra labels come from.
"""
import hashlib
import json
import os
from dataclasses import asdict, dataclass

from jmedseg.data.checks import grid_problem, hu_scale_problem

MEASURE_VERSION = 2   # bump when a change to the measurement changes its numbers: old results no longer merge


@dataclass(frozen=True)
class MeasureSettings:
    """Everything that changes a subject's numbers; results of different settings never share a table."""

    levels: dict
    units: str = "hu"
    allow_truncated: bool = False
    model_sha256: str = ""           # the --model file's content, not its name
    version: int = MEASURE_VERSION

    def as_dict(self):
        return asdict(self)

    def fingerprint(self):
        """A short hash of the settings: equal settings, equal fingerprint, on any machine."""
        text = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def vertebra_map(ct, mask_path, what):
    """The vertebra label map of CT `ct` (a Volume) for subject `what`, on the CT's grid.

    Today it is read from `mask_path`; labelling from the CT alone goes here, so that
    every caller (single CT, cohort, shards, cluster jobs) gets it the same way.
    """
    from jmedseg.data.io import load_labels

    if not mask_path or not os.path.isfile(mask_path):
        raise FileNotFoundError(f"no vertebra label map of {what} at {mask_path}; give the CT's vertebra labels "
                                "(e.g. TotalSegmentator's, --mask for one CT, vertebrae.nii.gz in a cohort)")
    vertebrae = load_labels(mask_path)
    _refuse(grid_problem(ct, vertebrae, "vertebra mask"))
    return vertebrae


def _refuse(problem):
    if problem:
        raise ValueError(problem)


def load_inputs(what, ct_path, mask_path, tissue_path=None, units="hu", model=None):
    """(ct Volume, vertebra array, tissue array or None) of one subject, checked.

    `model` ((model, meta) of jmedseg.export.load_model_file): the tissue map is
    predicted instead of read.
    """
    from jmedseg.data.io import load_labels, load_volume

    ct = load_volume(ct_path, units=units)
    _refuse(hu_scale_problem(ct.array, f"the CT {os.path.basename(str(ct_path))}"))
    vertebrae = vertebra_map(ct, mask_path, what).array
    if model is not None:
        from jmedseg.inference import predicted_tissue

        tissue, _ = predicted_tissue(*model, ct, what=what)
    elif tissue_path:
        labels = load_labels(tissue_path)
        _refuse(grid_problem(ct, labels, "tissue map"))
        tissue = labels.array
    else:
        tissue = None
    return ct, vertebrae, tissue


def measure_files(what, ct_path, mask_path, tissue_path, settings, model=None):
    """PersonDensity of one subject from files (MeasurementRefused / ValueError when no density)."""
    from jmedseg.density.measure import measure_person

    ct, vertebrae, tissue = load_inputs(what, ct_path, mask_path, tissue_path, settings.units, model)
    return measure_person(ct.array, vertebrae, tissue, ct.spacing, settings.levels,
                          allow_truncated=settings.allow_truncated)
