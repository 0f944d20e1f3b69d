"""A synthetic case stored as a user would receive it: a NIfTI file in the case's random orientation.

The array is reordered and flipped to the case's axis codes (nibabel orientation
transforms) and the affine follows, so every voxel keeps its world position:
`jmedseg.data.io.load_volume` of the file gives back the canonical RAS+ array exactly.
"""
import numpy as np


def stored_image(case):
    """A nibabel Nifti1Image of `case.hu` in the storage orientation `case.axcodes` (int16, HU)."""
    import nibabel as nib
    from nibabel import orientations as orn

    start = orn.axcodes2ornt(("R", "A", "S"))
    transform = orn.ornt_transform(start, orn.axcodes2ornt(case.axcodes))
    array = orn.apply_orientation(case.hu, transform)
    affine = case.affine @ orn.inv_ornt_aff(transform, case.hu.shape)
    img = nib.Nifti1Image(np.ascontiguousarray(array), affine)
    img.set_qform(affine, code=1)
    img.set_sform(affine, code=1)
    return img


def save_case(case, path):
    """Write the case's CT to `path` (.nii or .nii.gz) in its storage orientation; returns the path."""
    import nibabel as nib

    nib.save(stored_image(case), str(path))
    return path
