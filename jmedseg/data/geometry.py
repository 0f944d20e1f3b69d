"""The axial-slice geometry that training data, inference and pretraining share.

Images use the radiological view: rows run anterior to posterior, columns from
the patient's right to left (the orientation of jmedseg/data/slices.py's training slices).
"""
import numpy as np


def radiological_view(volume, inverse=False):
    """`[x, y, z]` RAS+ volume -> `[z, rows, cols]` axial images (rows A->P, columns R->L), or back."""
    if inverse:
        return np.ascontiguousarray(np.transpose(volume[:, ::-1, ::-1], (2, 1, 0)))
    return np.ascontiguousarray(np.transpose(volume, (2, 1, 0))[:, ::-1, ::-1])


def crop_grid(centre_rc, spacing_rc, size, pixel_mm):
    """Voxel coordinates (rows, cols) of a `size` x `size` crop of `pixel_mm` pixels centred at `centre_rc`."""
    offs = (np.arange(size) - (size - 1) / 2) * pixel_mm
    rows = centre_rc[0] + offs / spacing_rc[0]
    cols = centre_rc[1] + offs / spacing_rc[1]
    return np.meshgrid(rows, cols, indexing="ij")
