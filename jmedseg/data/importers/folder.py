"""Any folder of CT + vertebra label-map pairs, matched by file-name templates.

Templates are paths relative to the folder with one `{id}` placeholder, e.g.
`--pattern images/{id}.nii.gz --mask-pattern labels/{id}.nii.gz`. The CT may be
a NIfTI file or a DICOM series folder. The label map's numbering is given with
`--label-scheme` or detected (`jmedseg.data.label_schemes`); it is renumbered
to the cohort's TotalSegmentator v2 ids.
"""
import glob
import os
import re

import numpy as np

from jmedseg.data.importers.common import LoadedSubject, SourceSubject, check_subjects
from jmedseg.data.label_schemes import detect_schemes, level_ids, to_scheme

DEFAULT_PATTERN = "{id}_ct.nii.gz"
DEFAULT_MASK_PATTERN = "{id}_seg.nii.gz"


def _template(template):
    if template.count("{id}") != 1:
        raise ValueError(f"file pattern {template!r} needs exactly one {{id}}, e.g. images/{{id}}.nii.gz")
    before, after = template.split("{id}")
    return glob.escape(before) + "*" + glob.escape(after), re.compile(
        "^" + re.escape(before) + r"([^/]+?)" + re.escape(after) + "$")


def choose_scheme(label_map, scheme, what):
    """The scheme to read `label_map` with: `scheme` when it fits, else the single one detected."""
    if scheme:
        level_ids(scheme, label_map=label_map)  # raises naming the schemes that fit
        return scheme
    fits = detect_schemes(label_map)
    if len(fits) != 1:
        found = " and ".join(fits) if fits else "none of the built-in schemes"
        raise ValueError(f"{what}: the label map fits {found}; choose with --label-scheme "
                         "(totalseg_v2, totalseg_v1, verse, or ids like L1=20,L2=21)")
    return fits[0]


def _loader(ct_path, mask_path, scheme, units):
    from jmedseg.data.io import load_labels, load_volume

    def load():
        ct = load_volume(ct_path, units=units)
        mask = load_labels(mask_path)
        if mask.shape != ct.shape:
            raise ValueError(f"label map shape {mask.shape} differs from the CT's {ct.shape}")
        chosen = choose_scheme(mask.array, scheme, os.path.basename(mask_path))
        vertebrae, _ = to_scheme(mask.array, chosen)
        return LoadedSubject(ct, vertebrae.astype(np.int32))
    return load


def read_folder(root, pattern=DEFAULT_PATTERN, mask_pattern=DEFAULT_MASK_PATTERN, label_scheme=None, units="hu"):
    """Subjects whose CT matches `pattern` and whose label map matches `mask_pattern` (same {id})."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no folder at {root}")
    ct_glob, ct_re = _template(pattern)
    _, mask_re = _template(mask_pattern)
    subjects = []
    for path in sorted(glob.glob(os.path.join(glob.escape(root), ct_glob))):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        m = ct_re.match(rel)
        if not m or mask_re.match(rel):
            continue
        sid = m.group(1)
        mask_path = os.path.join(root, mask_pattern.replace("{id}", sid))
        if not os.path.exists(mask_path):
            raise ValueError(f"{rel}: no label map at {os.path.relpath(mask_path, root)} (from --mask-pattern "
                             f"{mask_pattern!r}); fix the pattern or add the file")
        subjects.append(SourceSubject(sid, _loader(path, mask_path, label_scheme, units), {}, rel))
    if not subjects:
        raise ValueError(f"{root}: no file matches --pattern {pattern!r}")
    return check_subjects(subjects, root)
