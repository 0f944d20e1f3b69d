"""The VerSe challenge layout (BIDS-like names), nested or flat.

    rawdata/sub-<id>/sub-<id>[_<key>-<value>...]_ct.nii.gz              the CT
    derivatives/sub-<id>/sub-<id>[...]_seg-vert_msk.nii.gz               vertebra labels (VerSe ids)
    derivatives/sub-<id>/sub-<id>[...]_seg-subreg_ctd.json               centroids (optional)
    derivatives/sub-<id>/sub-<id>[...]_seg-subreg_msk.nii.gz             sub-regions (optional, TPTBox)

The same names laid out flat in one folder work too. VerSe ids: 1-7 C1-C7,
8-19 T1-T12, 20-24 L1-L5, 25 L6, 28 T13; they are renumbered to TotalSegmentator
v2 ids (T13 and L6 have none and are left out, with a warning).

Sub-region masks (the TPTBox / SPINEPS convention) give real tissue classes:
41-48 posterior parts (other bone) and two vertebral-body ids, 49 and 50, of
which one is the body's outer layer (cortical) and one its interior
(cancellous). Releases have swapped which is which, so the interior is found
from the data: the id whose voxels lie deeper inside the body.
"""
import json
import logging
import os

import numpy as np
from scipy import ndimage

from jmedseg.data.importers.common import LoadedSubject, SourceSubject, check_subjects
from jmedseg.data.label_schemes import level_ids, to_scheme
from jmedseg.constants import CANCELLOUS, CORTICAL, OTHER_BONE

logger = logging.getLogger(__name__)

POSTERIOR_IDS = tuple(range(41, 49))   # arcus, spinous, costal and articular processes
BODY_IDS = (49, 50)


def entities(filename):
    """'sub-ct_seg-vert_label-22_msk.nii.gz' -> ({'sub': 'ct', 'seg': 'vert', 'label': '22'}, 'msk')."""
    stem = os.path.basename(filename).split(".")[0]
    *pairs, suffix = stem.split("_")
    out = {}
    for p in pairs:
        key, sep, value = p.partition("-")
        if not sep:
            return None, suffix
        out[key] = value
    return out, suffix


def _derivative(ct_ents, candidates, seg, suffix):
    for path in candidates:
        ents, suf = entities(path)
        if ents is not None and suf == suffix and ents.get("seg") == seg \
                and {k: v for k, v in ents.items() if k != "seg"} == ct_ents:
            return path
    return None


def read_centroids(path):
    """{VerSe label: (x, y, z)} from a VerSe centroid json (a list whose first entry gives the axes)."""
    with open(path) as f:
        data = json.load(f)
    return {int(c["label"]): (float(c["X"]), float(c["Y"]), float(c["Z"])) for c in data if "label" in c}


def tissue_from_subregions(subregions, vertebrae):
    """Tissue classes (0-3) from a TPTBox sub-region mask, restricted to labelled vertebrae."""
    inside = vertebrae > 0
    body = np.isin(subregions, BODY_IDS) & inside
    if not body.any():
        raise ValueError(f"the sub-region mask has no vertebral body (ids {BODY_IDS}) inside the vertebrae")
    depth = ndimage.distance_transform_edt(np.pad(body, 1))[1:-1, 1:-1, 1:-1]
    mean_depth = {i: float(depth[(subregions == i) & inside].mean()) for i in BODY_IDS
                  if ((subregions == i) & inside).any()}
    interior = max(mean_depth, key=mean_depth.get)
    out = np.zeros(subregions.shape, np.uint8)
    out[np.isin(subregions, POSTERIOR_IDS) & inside] = OTHER_BONE
    out[body] = CORTICAL
    out[(subregions == interior) & inside] = CANCELLOUS
    return out


def _check_centroids(ctd_path, label_map, what):
    """Warn when the raters' centroid file and the mask disagree on which vertebrae are there."""
    named = set(read_centroids(ctd_path))
    present = {int(v) for v in np.unique(label_map) if v}
    if named != present:
        logger.warning("%s: the mask labels vertebrae %s, the centroid file %s; check the labelling", what,
                       sorted(present), sorted(named))


def _loader(ct_path, vert_path, subreg_path, ctd_path, units):
    from jmedseg.data.io import load_labels, load_volume

    def load():
        ct = load_volume(ct_path, units=units)
        vert = load_labels(vert_path)
        if vert.shape != ct.shape:
            raise ValueError(f"vertebra mask shape {vert.shape} differs from the CT's {ct.shape}")
        level_ids("verse", label_map=vert.array)  # the ids must read as VerSe's
        if ctd_path:
            _check_centroids(ctd_path, vert.array, os.path.basename(vert_path))
        vertebrae, _ = to_scheme(vert.array, "verse")
        labels = None
        if subreg_path:
            sub = load_labels(subreg_path)
            if sub.shape != ct.shape:
                raise ValueError(f"sub-region mask shape {sub.shape} differs from the CT's {ct.shape}")
            labels = tissue_from_subregions(sub.array, vertebrae)
        return LoadedSubject(ct, vertebrae.astype(np.int32), labels)
    return load


def _files_under(root, ending):
    """Sorted paths of the files under `root` whose name ends with `ending`.

    Symlinked folders are not entered: a link back to a parent (a loop) would make a
    recursive glob walk forever; linked files are listed. Hidden files and folders are
    skipped, as a glob skips them.
    """
    found = []
    for folder, subfolders, names in os.walk(root):   # followlinks=False: a linked folder is listed, not entered
        subfolders[:] = [d for d in subfolders if not d.startswith(".")]
        found += [os.path.join(folder, n) for n in names if n.endswith(ending) and not n.startswith(".")]
    return sorted(found)


def read_verse(root, units="hu", use_subregions=True):
    """Subjects of a VerSe-style tree (nested rawdata/derivatives or flat) under `root`."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no VerSe folder at {root}")
    files = _files_under(root, ".nii.gz")
    jsons = _files_under(root, "_ctd.json")
    subjects = []
    for ct_path in files:
        ents, suffix = entities(ct_path)
        if suffix != "ct" or not ents or "sub" not in ents or "seg" in ents:
            continue
        sid = os.path.basename(ct_path).split(".")[0][: -len("_ct")]
        vert = _derivative(ents, files, "vert", "msk")
        if vert is None:
            logger.warning("%s: no *_seg-vert_msk.nii.gz with the same name parts; skipped", ct_path)
            continue
        subreg = _derivative(ents, files, "subreg", "msk") if use_subregions else None
        ctd = _derivative(ents, jsons, "subreg", "ctd") or _derivative(ents, jsons, "vert", "ctd")
        subjects.append(SourceSubject(sid, _loader(ct_path, vert, subreg, ctd, units), {},
                                      os.path.relpath(ct_path, root)))
    if not subjects:
        raise ValueError(f"{root}: no VerSe CT found (sub-<id>[...]_ct.nii.gz with a matching "
                         "sub-<id>[...]_seg-vert_msk.nii.gz)")
    return check_subjects(subjects, root)
