"""Unlabelled real CT for contrastive pretraining (`pretrain.data=[PATH, ...]`).

The paper's SAS claim is robustness across scanners (supplement B.2.4); MoCo
needs no labels, so slices of a user's own CTs can join the synthetic training
slices in stage 1, exactly where the supervised data cannot follow. Each slice
is resampled to the model's pixel size and cropped around a random bone pixel
(HU 200-1500), so a crop holds bone as the supervised crops around the
vertebra do. Only HU are read; no mask, no label.
"""
import glob
import logging
import os

import numpy as np
from scipy import ndimage

from jmedseg.data.io import load_volume

logger = logging.getLogger(__name__)

BONE_HU = (200.0, 1500.0)     # cortical and dense trabecular bone; above: metal
MIN_BONE_PIXELS = 50          # a slice with less bone than this holds no vertebra worth a crop
MIN_FAT_OR_AIR = 0.005        # a trunk CT, even cropped to the spine, has fat (about -100 HU) or air; a label
                              # map or mask has no negative value
PAD_HU = -1024.0


def _holds_dicom(folder):
    from jmedseg.data.io import _is_dicom

    return any(os.path.isfile(f) and _is_dicom(f) for f in glob.glob(os.path.join(folder, "*")))


def ct_sources(paths):
    """`[(source, named)]`: CT files and DICOM folders of `paths`; `named` is False for files found in a folder.

    A folder holding DICOM files is one series; any other folder is searched for NIfTI files.
    """
    out = []
    for path in [paths] if isinstance(paths, str) else list(paths):
        path = os.path.expanduser(str(path))
        if not os.path.exists(path):
            raise FileNotFoundError(f"pretrain.data: {path} does not exist; give CT files (NIfTI), DICOM "
                                    "folders, or folders holding NIfTI CTs")
        if os.path.isfile(path) or _holds_dicom(path):
            out.append((path, True))
            continue
        found = sorted(glob.glob(os.path.join(path, "**", "*.nii*"), recursive=True))
        if not found:
            raise FileNotFoundError(f"pretrain.data: {path} holds neither DICOM nor NIfTI files")
        out.extend((f, False) for f in found)
    return out


def _crops_of_volume(volume, n, size, pixel_mm, rng):
    """`n` HU crops `[n, size, size]` of random bone-holding axial slices of one volume (radiological view)."""
    from jmedseg.data.geometry import crop_grid, radiological_view

    planes = radiological_view(np.asarray(volume.array, np.float32))
    spacing_rc = (float(volume.spacing[1]), float(volume.spacing[0]))
    bone = (planes >= BONE_HU[0]) & (planes <= BONE_HU[1])
    usable = np.flatnonzero(bone.sum(axis=(1, 2)) >= MIN_BONE_PIXELS)
    if not len(usable):
        return np.zeros((0, size, size), np.float32)
    out = []
    for k in rng.choice(usable, size=n, replace=len(usable) < n):
        rows, cols = np.nonzero(bone[k])
        i = int(rng.integers(len(rows)))
        gr, gc = crop_grid((rows[i], cols[i]), spacing_rc, size, pixel_mm or min(spacing_rc))
        out.append(ndimage.map_coordinates(planes[k], [gr, gc], order=1, mode="constant", cval=PAD_HU))
    return np.stack(out).astype(np.float32)


def unlabelled_ct_slices(paths, per_ct, size, pixel_mm, seed=0):
    """HU crops `[N, size, size]` from the CTs at `paths`, `per_ct` from each; a list of what was read."""
    rng = np.random.default_rng([int(seed), 11])
    crops, used = [], []
    for source, named in ct_sources(paths):
        try:
            volume = load_volume(source)
            low = float((np.asarray(volume.array) < -50).mean())
            if low < MIN_FAT_OR_AIR:
                raise ValueError(f"{100 * low:.2f} % of its voxels lie below -50 HU; a trunk CT shows fat or "
                                 "air, so this looks like a mask or label map")
        except (ValueError, OSError) as err:
            if named:  # the user named this file: say so and stop
                raise ValueError(f"pretrain.data: {source} is not a readable CT ({err}); list CT files, not "
                                 "their masks") from err
            logger.warning("pretrain.data: skipping %s, not a readable CT (%s)", source, err)
            continue
        got = _crops_of_volume(volume, int(per_ct), int(size), pixel_mm, rng)
        if not len(got):
            raise ValueError(f"pretrain.data: {source} has no axial slice with {MIN_BONE_PIXELS} bone pixels "
                             f"({BONE_HU[0]:g}-{BONE_HU[1]:g} HU); is it a CT of the trunk?")
        crops.append(got)
        used.append(source)
    return np.concatenate(crops), used
