"""Import the bundled real CT samples into one cohort folder for the few-shot example (docs/few_shot.md).

    python scripts/few_shot_cohort.py OUT

The TPTBox sample is read as a VerSe tree (tissue labels from its sub-region
mask), the TotalSegmentator example as a TotalSegmentator tree (its vertebra map
split into one file per structure, tissue labels derived from the whole-vertebra
masks); both become subjects of the cohort folder OUT.
"""
import argparse
import os
import shutil
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from jmedseg.data.importers import read_source  # noqa: E402
from jmedseg.data.importers.common import write_cohort_folder  # noqa: E402
from jmedseg.data.io import load_labels, save_like  # noqa: E402
from jmedseg.data.label_schemes import TOTALSEG_V2  # noqa: E402

DATA = os.path.join(ROOT, "tests", "data")


def verse_tree(dst):
    """The flat TPTBox sample laid out as rawdata/ and derivatives/ of a VerSe tree."""
    src = os.path.join(DATA, "tptbox_sample")
    for name in os.listdir(src):
        if name.endswith(".nii.gz"):
            sub = "derivatives" if "_seg-" in name else "rawdata"
            os.makedirs(os.path.join(dst, sub, "sub-ct"), exist_ok=True)
            shutil.copy(os.path.join(src, name), os.path.join(dst, sub, "sub-ct", name))
    return dst


def totalsegmentator_tree(dst, subject="s0001"):
    """The bundled TotalSegmentator example as s0001/ct.nii.gz + segmentations/vertebrae_*.nii.gz + meta.csv."""
    src = os.path.join(DATA, "totalseg_example")
    seg = os.path.join(dst, subject, "segmentations")
    os.makedirs(seg)
    shutil.copy(os.path.join(src, "example_ct.nii.gz"), os.path.join(dst, subject, "ct.nii.gz"))
    labels = load_labels(os.path.join(src, "example_ct_vertebrae.nii.gz"))
    for name, lid in TOTALSEG_V2.items():
        if (labels.array == lid).any():
            save_like(labels, (labels.array == lid).astype(np.uint8), os.path.join(seg, f"vertebrae_{name}.nii.gz"))
    with open(os.path.join(dst, "meta.csv"), "w") as f:  # the patient's age and sex, per its spine report
        f.write(f"image_id;age;gender;institute\n{subject};55;m;\n")
    return dst


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="cohort folder to create")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        subjects = read_source("verse", verse_tree(os.path.join(tmp, "verse"))) \
            + read_source("totalsegmentator", totalsegmentator_tree(os.path.join(tmp, "totalseg")))
        rows = write_cohort_folder(subjects, args.out, progress=False)
    print(f"wrote {len(rows)} subjects to {args.out}: {', '.join(r['subject_id'] for r in rows)}")


if __name__ == "__main__":
    main()
