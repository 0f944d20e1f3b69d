"""The TotalSegmentator data set layout: one folder per subject, one mask file per structure.

    ROOT/meta.csv                                   image_id;age;gender;institute;... (optional)
    ROOT/s0001/ct.nii.gz
    ROOT/s0001/segmentations/vertebrae_L1.nii.gz    0/1 mask, one file per structure

The vertebra files are merged into one map with TotalSegmentator v2 ids (the
file names, not the ids, say which vertebra, so v1 and v2 trees read alike);
the other structures are not needed for bone density and are ignored.
"""
import glob
import logging
import os

import numpy as np

from jmedseg.data.importers.common import LoadedSubject, SourceSubject, attach_table, check_subjects
from jmedseg.data.label_schemes import TOTALSEG_V2

logger = logging.getLogger(__name__)
PREFIX = "vertebrae_"


def vertebra_files(seg_dir):
    """{level name: path} of the vertebra masks in a segmentations/ folder."""
    out = {}
    for path in sorted(glob.glob(os.path.join(seg_dir, PREFIX + "*.nii*"))):
        name = os.path.basename(path).split(".")[0][len(PREFIX):]
        if name in TOTALSEG_V2:
            out[name] = path
        else:
            logger.warning("%s: %s is not a vertebra TotalSegmentator v2 knows; ignored", path, name)
    return out


def _loader(ct_path, masks, units):
    from jmedseg.data.io import load_labels, load_volume

    def load():
        ct = load_volume(ct_path, units=units)
        vertebrae = np.zeros(ct.shape, np.int32)
        for name, path in masks.items():
            mask = load_labels(path)
            if mask.shape != ct.shape:
                raise ValueError(f"{os.path.basename(path)}: shape {mask.shape} differs from the CT's {ct.shape}")
            on = mask.array > 0
            overlap = int(np.count_nonzero(on & (vertebrae > 0)))
            if overlap:
                logger.warning("%s overlaps other vertebrae in %d voxels; they go to %s", path, overlap, name)
            vertebrae[on] = TOTALSEG_V2[name]
        return LoadedSubject(ct, vertebrae)
    return load


def read_totalsegmentator(root, units="hu", table=None):
    """Subjects of a TotalSegmentator-layout tree; ages, sexes and sites from `table` or ROOT/meta.csv."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no TotalSegmentator folder at {root}")
    subjects = []
    for ct_path in sorted(glob.glob(os.path.join(root, "*", "ct.nii.gz"))):
        folder = os.path.dirname(ct_path)
        masks = vertebra_files(os.path.join(folder, "segmentations"))
        if not masks:
            logger.warning("%s: no segmentations/vertebrae_*.nii.gz; skipped", folder)
            continue
        sid = os.path.basename(folder)
        subjects.append(SourceSubject(sid, _loader(ct_path, masks, units), {}, os.path.relpath(ct_path, root)))
    if not subjects:
        raise ValueError(f"{root}: no subject found (expected <id>/ct.nii.gz and "
                         "<id>/segmentations/vertebrae_L1.nii.gz, ...)")
    default_table = os.path.join(root, "meta.csv")
    attach_table(subjects, table or (default_table if os.path.isfile(default_table) else None))
    return check_subjects(subjects, root)
