"""Import 2D data sets laid out like the paper's code (THU-CVlab/JMedSeg, utils/dataset.py).

Layout:

    ROOT/data/<name>.jpg|.png       8-bit images (grey or RGB)
    ROOT/label/<name>.npy           integer masks, same height and width
    ROOT/{train,val,test}_label.json  {person: {ct: {"list": ["<name>.npy", ...]}}}

The paper's images are 8-bit exports, so their HU values are gone. The
importer maps grey levels back onto the HU window the images were exported
with (`export_window`, low..high HU for 0..255), which keeps the rest of
jmedseg (windowing, density in HU) working; densities are then only as exact
as that window and the 8-bit quantisation (steps of (high - low) / 255 HU).
Subjects ("person") keep the split the json files give them.
"""
import json
import os

import numpy as np
from scipy import ndimage

from jmedseg.data.slices import Slice2D
from jmedseg.errors import InputError

SPLITS = ("train", "val", "test")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")


def _find_image(root, npy_name):
    stem = os.path.splitext(npy_name)[0]
    for suffix in IMAGE_SUFFIXES:
        path = os.path.join(root, "data", stem + suffix)
        if os.path.isfile(path):
            return path
    raise FileNotFoundError(f"no image for mask {npy_name} in {os.path.join(root, 'data')} "
                            f"(looked for {stem} with {', '.join(IMAGE_SUFFIXES)})")


def read_grey(path):
    """An 8-bit image as grey levels [H, W]; RGB is averaged (the paper's images are grey in RGB)."""
    from PIL import Image

    with Image.open(path) as img:
        arr = np.asarray(img.convert("RGB"), np.float32)
    return arr.mean(axis=2)


def _fit(image, mask, size):
    """Resize to size x size (linear for the image, nearest for the mask) when needed."""
    if image.shape == (size, size):
        return image, mask
    zoom = (size / image.shape[0], size / image.shape[1])
    return (ndimage.zoom(image, zoom, order=1, mode="nearest")[:size, :size],
            ndimage.zoom(mask, zoom, order=0, mode="nearest")[:size, :size])


def read_split(root, split, size=None, export_window=(-200.0, 1000.0), pixel_mm=1.0):
    """{person: [Slice2D, ...]} for one split of a paper-layout folder."""
    path = os.path.join(root, f"{split}_label.json")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{root} has no {split}_label.json; expected the paper's layout "
                                "(data/, label/, train/val/test_label.json)")
    try:
        listing = json.load(open(path))
    except json.JSONDecodeError as err:
        raise InputError(f"{path} is not valid JSON: {err}") from None
    lo, hi = (float(v) for v in export_window)
    out = {}
    for person, cts in listing.items():
        for ct_name, entry in cts.items():
            for name in (n for n in entry.get("list", []) if n.lower().endswith(".npy")):
                mask = np.load(os.path.join(root, "label", name), allow_pickle=False)
                grey = read_grey(_find_image(root, name))
                if mask.shape != grey.shape:
                    raise InputError(f"{name}: mask {mask.shape} and image {grey.shape} differ in size")
                if size:
                    grey, mask = _fit(grey, mask, int(size))
                hu = (lo + grey / 255.0 * (hi - lo)).astype(np.float32)
                out.setdefault(str(person), []).append(
                    Slice2D(hu, mask.astype(np.uint8), str(ct_name), -1, (float(pixel_mm), float(pixel_mm))))
    if not out:
        raise InputError(f"{path} lists no .npy masks")
    return out


def read_paper_layout(root, size=None, export_window=(-200.0, 1000.0), pixel_mm=1.0):
    """[(info dict with subject_id and split, [Slice2D])] over the train/val/test json files."""
    if not os.path.isdir(root):
        raise FileNotFoundError(f"no such folder: {root}")
    subjects, seen = [], {}
    for split in SPLITS:
        for person, slices in read_split(root, split, size, export_window, pixel_mm).items():
            if person in seen:
                raise InputError(f"person {person!r} is in both {seen[person]} and {split}: the split leaks a "
                                 "subject; fix the json files")
            seen[person] = split
            subjects.append((dict(subject_id=person, split=split), slices))
    return subjects
