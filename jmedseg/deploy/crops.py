"""Segmenting the vertebrae of a CT given their mask: model-sized crops around each vertebra.

With a vertebra mask (e.g. TotalSegmentator's) the model sees, per axial slice
of a level, a square of `image_size` pixels of `pixel_mm` centred on the
in-plane centre of that vertebra's bounding box -- what `data=synthetic_ct`
trains on. The class probabilities are interpolated back onto the CT's
pixels, and every prediction outside the vertebra mask dilated by
`dilate_mm` is discarded (the model is asked about this vertebra only).
Where the predicted body (cortical + cancellous) of a slice encloses pixels
the model left as background, those pixels become cancellous: a closed cortical
shell holds marrow, and low-density marrow near an endplate is what a model
most often mistakes for disc (`fill_enclosed_marrow`).
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from jmedseg.backend import jt, nn
from jmedseg.data.datasets import window_hu
from jmedseg.data.geometry import crop_grid, radiological_view

PAD_HU = -1024.0
DILATE_MM = 3.0


@dataclass
class CropSegmentation:
    labels: np.ndarray                 # uint8 model classes [x, y, z] on the CT grid
    confidence: dict                   # level -> mean max-probability over the level's predicted bone voxels
    class_names: list
    slices: dict = field(default_factory=dict)  # level -> z indices predicted


def _disc(radius_mm, spacing_rc):
    rr, rc = (max(1, int(np.ceil(radius_mm / s))) for s in spacing_rc)
    y, x = np.ogrid[-rr:rr + 1, -rc:rc + 1]
    return (y * spacing_rc[0] / radius_mm) ** 2 + (x * spacing_rc[1] / radius_mm) ** 2 <= 1.0


def _predict(model, batch, windows):
    with jt.no_grad():
        return nn.softmax(model(jt.array(window_hu(batch, windows))), dim=1).numpy()


def fill_enclosed_marrow(labels_2d, class_names):
    """Background pixels enclosed by the predicted body of one axial slice -> cancellous (in place); how many."""
    if "cortical" not in class_names or "cancellous" not in class_names:
        return 0
    cort, canc = class_names.index("cortical"), class_names.index("cancellous")
    body = (labels_2d == cort) | (labels_2d == canc)
    holes = ndimage.binary_fill_holes(body) & (labels_2d == 0)
    labels_2d[holes] = canc
    return int(holes.sum())


def segment_vertebrae(model, meta, volume, vertebrae, level_ids, dilate_mm=DILATE_MM, batch_size=8,
                      fill_marrow=True):
    """Model classes on the CT grid for the vertebrae `level_ids` ({name: label id}) of `vertebrae` [x, y, z]."""
    size, pixel = int(meta.get("image_size") or 128), float(meta.get("pixel_mm") or 0.8)
    windows = [tuple(w) for w in meta["windows"]]
    class_names = list(meta["class_names"])
    planes = radiological_view(np.asarray(volume.array, np.float32))
    vplanes = radiological_view(np.asarray(vertebrae))
    spacing_rc = (float(volume.spacing[1]), float(volume.spacing[0]))
    nz, nr, nc = planes.shape
    out = np.zeros(planes.shape, np.uint8)
    best_p = np.zeros(planes.shape, np.float32)
    disc = _disc(dilate_mm, spacing_rc)
    confidence, done = {}, {}
    model.eval()
    for name, lid in level_ids.items():
        vmask = vplanes == lid
        ks = np.flatnonzero(vmask.any(axis=(1, 2)))
        if not len(ks):
            continue
        rows, cols = np.flatnonzero(vmask.any(axis=(0, 2))), np.flatnonzero(vmask.any(axis=(0, 1)))
        centre = (0.5 * (rows[0] + rows[-1]), 0.5 * (cols[0] + cols[-1]))
        gr, gc = crop_grid(centre, spacing_rc, size, pixel)
        # where each CT pixel falls in the crop (crop pixel units), for mapping probabilities back
        rr, cc = np.meshgrid(np.arange(nr), np.arange(nc), indexing="ij")
        back_r = (rr - centre[0]) * spacing_rc[0] / pixel + (size - 1) / 2
        back_c = (cc - centre[1]) * spacing_rc[1] / pixel + (size - 1) / 2
        in_crop = (back_r >= 0) & (back_r <= size - 1) & (back_c >= 0) & (back_c <= size - 1)
        grown = {k: ndimage.binary_dilation(vmask[k], structure=disc) for k in ks}  # where predictions are kept
        confs = []
        for start in range(0, len(ks), batch_size):
            chunk = ks[start:start + batch_size]
            batch = np.stack([ndimage.map_coordinates(planes[k], [gr, gc], order=1, mode="constant", cval=PAD_HU)
                              for k in chunk]).astype(np.float32)
            probs = _predict(model, batch, windows)
            for k, p in zip(chunk, probs):
                keep = grown[k] & in_crop
                back = np.stack([ndimage.map_coordinates(pc, [back_r[keep], back_c[keep]], order=1) for pc in p])
                lab = np.argmax(back, axis=0)
                pmax = back.max(axis=0)
                better = pmax > best_p[k][keep]  # overlapping dilations of adjacent levels: most confident wins
                sel_r, sel_c = np.nonzero(keep)
                out[k, sel_r[better], sel_c[better]] = lab[better]
                best_p[k, sel_r[better], sel_c[better]] = pmax[better]
                confs.append(pmax[lab > 0])
        if fill_marrow:  # per slice, within this level's dilated mask only
            for k in ks:
                sub = np.where(grown[k], out[k], 0).astype(np.uint8)
                if fill_enclosed_marrow(sub, class_names):
                    out[k][grown[k]] = sub[grown[k]]
        allc = np.concatenate(confs) if confs else np.zeros(0)
        confidence[name] = float(allc.mean()) if allc.size else float("nan")
        done[name] = [int(k) for k in ks]
    return CropSegmentation(radiological_view(out, inverse=True), confidence, class_names, done)
