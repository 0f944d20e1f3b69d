"""What `segment` and `vertebrae` make of `--out`: a NIfTI file name, never a folder.

nibabel picks the format from the file name's ending; without `.nii` / `.nii.gz` the data
went to a hidden temporary file and `--out` was left empty. The ending is added (and said);
a folder is refused before any work is done.
"""
import os

from jmedseg.errors import UsageError

NIFTI_ENDINGS = (".nii.gz", ".nii")


def label_map_out(path):
    """(the file name to write, a note for the user or None) for `--out path`; UsageError for a folder."""
    if os.path.isdir(path):
        raise UsageError(f"--out {path} is a folder; give the label map's file name, e.g. "
                         f"{os.path.join(path, 'vertebrae.nii.gz')}")
    if path.endswith(NIFTI_ENDINGS):
        return path, None
    named = path + ".nii.gz"
    if os.path.isdir(named):
        raise UsageError(f"--out {path} has no .nii/.nii.gz ending and {named} is a folder; give a file name "
                         "ending in .nii.gz")
    return named, f"note: --out {path} has no .nii or .nii.gz ending; writing {named} (compressed NIfTI)"
