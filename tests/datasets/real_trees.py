"""Small VerSe and TotalSegmentator trees made from the bundled real samples (for the import tests)."""
import os
import shutil

import numpy as np

from jmedseg.data.io import load_labels, save_like
from jmedseg.data.label_schemes import TOTALSEG_V2

from tests.conftest import DATA
TPTBOX = os.path.join(DATA, "tptbox_sample")
TOTALSEG = os.path.join(DATA, "totalseg_example")
TPTBOX_CT = os.path.join(TPTBOX, "sub-ct_label-22_ct.nii.gz")
TPTBOX_VERT = os.path.join(TPTBOX, "sub-ct_seg-vert_label-22_msk.nii.gz")
TPTBOX_SUBREG = os.path.join(TPTBOX, "sub-ct_seg-subreg_label-22_msk.nii.gz")
TOTALSEG_CT = os.path.join(TOTALSEG, "example_ct.nii.gz")
TOTALSEG_VERT = os.path.join(TOTALSEG, "example_ct_vertebrae.nii.gz")


def verse_tree(root):
    """The flat TPTBox sample as a VerSe tree: rawdata/sub-ct/ (CT), derivatives/sub-ct/ (masks, centroids)."""
    for folder, files in (("rawdata", [TPTBOX_CT]), ("derivatives", [TPTBOX_VERT, TPTBOX_SUBREG])):
        os.makedirs(os.path.join(root, folder, "sub-ct"))
        for f in files:
            shutil.copy(f, os.path.join(root, folder, "sub-ct", os.path.basename(f)))
    with open(os.path.join(root, "derivatives", "sub-ct", "sub-ct_seg-subreg_label-22_ctd.json"), "w") as f:
        f.write('[{"direction": ["P", "I", "R"]}, {"label": 21, "X": 40, "Y": 10, "Z": 36}, '
                '{"label": 22, "X": 40, "Y": 25, "Z": 36}, {"label": 23, "X": 40, "Y": 40, "Z": 36}]')
    return str(root)


def totalseg_tree(root, subject="s0001", meta="image_id;age;gender;institute\ns0001;55;m;A\n"):
    """The bundled TotalSegmentator example with its vertebra map split into one mask file per vertebra."""
    seg = os.path.join(root, subject, "segmentations")
    os.makedirs(seg)
    shutil.copy(TOTALSEG_CT, os.path.join(root, subject, "ct.nii.gz"))
    labels = load_labels(TOTALSEG_VERT)
    written = []
    for name, lid in TOTALSEG_V2.items():
        if (labels.array == lid).any():
            save_like(labels, (labels.array == lid).astype(np.uint8), os.path.join(seg, f"vertebrae_{name}.nii.gz"))
            written.append(name)
    if meta:
        with open(os.path.join(root, "meta.csv"), "w") as f:
            f.write(meta)
    return str(root), written
