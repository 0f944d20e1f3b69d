"""Slice-wise segmentation of a CT volume with an exported model (`jmedseg segment`).

Each axial slice is resampled to the in-plane pixel size the model was trained
at, padded to a size the network accepts, windowed and predicted in batches;
the class probabilities are resampled back to the CT's grid and the label map
is their argmax, so the output lies on the input's voxels and is written with
its affine. Geometry the model was not trained for (pixel size, slice
thickness, oblique slices) is reported as a warning with the numbers.
"""
import math
import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage
from tqdm import tqdm

from jmedseg.backend import jt, nn
from jmedseg.data.geometry import radiological_view
from jmedseg.data.input_spec import spec_of_model_meta
from jmedseg.errors import InputError, JmedsegError

SPACING_TOLERANCE = 0.10    # relative in-plane pixel-size difference that earns a warning
SLICE_TOLERANCE_MM = 0.5
OBLIQUE_TOLERANCE_DEG = 1.0


class GeometryWarning(UserWarning):
    """The CT's geometry differs from what the model was trained on."""


@dataclass
class Segmentation:
    labels: np.ndarray                  # uint8 [x, y, z], on the input's grid
    class_names: list
    voxels_per_class: dict
    warnings: list = field(default_factory=list)
    seconds: float = 0.0
    confidence: dict = field(default_factory=dict)  # level -> mean max-probability of its predicted bone

    @property
    def empty(self):
        """True when no voxel was given a foreground class."""
        return not any(n for name, n in self.voxels_per_class.items() if name != self.class_names[0])


def geometry_warnings(volume, meta):
    """Messages (with numbers) for each way `volume` differs from the model's training geometry."""
    out = []
    sx, sy, sz = volume.spacing
    p = meta.get("pixel_mm")
    seen = meta.get("scanner_pixel_mm")  # [low, high]: pixel sizes the training data simulated
    if seen and seen[0] * (1 - SPACING_TOLERANCE) <= min(sx, sy) and max(sx, sy) <= seen[1] * (1 + SPACING_TOLERANCE):
        pass
    elif p and max(abs(sx - p), abs(sy - p)) > SPACING_TOLERANCE * p:
        out.append(f"CT in-plane spacing {sx:.3g} x {sy:.3g} mm differs from the model's {p:.3g} mm by "
                   f"{100 * max(abs(sx - p), abs(sy - p)) / p:.0f} %: slices are resampled to {p:.3g} mm, "
                   "but the model never saw this scanner's resolution and noise")
    thick = meta.get("slice_mm")
    if thick and not (min(thick) - SLICE_TOLERANCE_MM <= sz <= max(thick) + SLICE_TOLERANCE_MM):
        out.append(f"CT slice thickness {sz:.3g} mm is outside the training range "
                   f"{min(thick):.3g}-{max(thick):.3g} mm: partial-volume effects differ")
    angle = obliquity_deg(volume.affine)
    if angle > OBLIQUE_TOLERANCE_DEG:
        out.append(f"CT slices are oblique by {angle:.1f} degrees to the scanner axes; the model was trained "
                   f"on {meta.get('orientation', 'RAS')} axial slices: reformat the CT to axial first")
    return out


def obliquity_deg(affine):
    """Largest angle (degrees) between a voxel axis of `affine` and its nearest world axis."""
    cols = np.asarray(affine, float)[:3, :3]
    cols = cols / np.linalg.norm(cols, axis=0)
    return float(np.degrees(np.arccos(np.clip(np.abs(cols).max(axis=0).min(), -1.0, 1.0))))


def resample_plane(array, out_shape, order=1):
    """Resample the last two axes of `array` to `out_shape`, voxel centres aligned (as scipy zoom with grid_mode)."""
    array = np.asarray(array, np.float32)
    in_shape = array.shape[-2:]
    if tuple(in_shape) == tuple(out_shape):
        return array.copy()
    rows = (np.arange(out_shape[0]) + 0.5) * in_shape[0] / out_shape[0] - 0.5
    cols = (np.arange(out_shape[1]) + 0.5) * in_shape[1] / out_shape[1] - 0.5
    grid = np.stack(np.meshgrid(rows, cols, indexing="ij"))
    flat = array.reshape(-1, *in_shape)
    out = [ndimage.map_coordinates(a, grid, order=order, mode="nearest") for a in flat]
    return np.stack(out).reshape(*array.shape[:-2], *out_shape)


def model_grid(shape, spacing, meta, size_divisor):
    """`(resampled shape, padded shape)` of a slice on the model's pixel grid."""
    p = meta.get("pixel_mm")
    resampled = tuple(max(1, int(round(n * s / p))) if p else n for n, s in zip(shape, spacing))
    least = meta.get("image_size") or 0
    padded = tuple(max(least, math.ceil(n / size_divisor) * size_divisor) for n in resampled)
    return resampled, padded


def segment_volume(model, meta, volume, batch_size=8, progress=False):
    """Label map `[x, y, z]` of `volume` (a `jmedseg.data.io.Volume` in HU) predicted slice by slice."""
    t0 = time.time()
    notes = geometry_warnings(volume, meta)
    for note in notes:
        warnings.warn(note, GeometryWarning, stacklevel=2)
    # the model's view of slice k: rows anterior -> posterior, columns right -> left (jmedseg.data.slices)
    planes = radiological_view(np.asarray(volume.array, np.float32))
    nz, nr, nc = planes.shape
    spacing = (volume.spacing[1], volume.spacing[0])       # rows run along y, columns along x
    resampled, padded = model_grid((nr, nc), spacing, meta, getattr(model, "size_divisor", 32))
    r0, c0 = [(p - r) // 2 for p, r in zip(padded, resampled)]
    inside = (slice(None), slice(None), slice(r0, r0 + resampled[0]), slice(c0, c0 + resampled[1]))
    spec = spec_of_model_meta(meta)
    planes_out = np.zeros(planes.shape, np.uint8)
    model.eval()
    with jt.no_grad():
        for start in tqdm(range(0, nz, batch_size), desc="segment", disable=not progress, leave=False):
            stop = min(start + batch_size, nz)
            stacks = spec.neighbours(planes, np.arange(start, stop))           # (N, 2k + 1, rows, cols)
            batch = np.full((stop - start, spec.depth, *padded), spec.pad_hu, np.float32)
            batch[inside] = resample_plane(stacks, resampled)
            probs = nn.softmax(model(jt.array(spec.network_input(batch))), dim=1).numpy()[inside]
            planes_out[start:stop] = np.argmax(resample_plane(probs, (nr, nc)), axis=1)
    labels = radiological_view(planes_out, inverse=True)
    names = list(meta["class_names"])
    counts = {name: int(np.count_nonzero(labels == c)) for c, name in enumerate(names)}
    return Segmentation(labels, names, counts, notes, time.time() - t0)


def _segment_crops(model, meta, volume, vertebrae, level_ids):
    from jmedseg.deploy.crops import segment_vertebrae

    t0 = time.time()
    crop = segment_vertebrae(model, meta, volume, vertebrae, level_ids)
    counts = {name: int(np.count_nonzero(crop.labels == c)) for c, name in enumerate(crop.class_names)}
    return Segmentation(crop.labels, crop.class_names, counts, geometry_warnings(volume, meta), time.time() - t0,
                        crop.confidence)


_REPORTED = set()  # geometry warnings already given by predicted_tissue in this process


class EmptyPredictionError(JmedsegError, ValueError):
    """The model found no cancellous bone, so no density can be measured (none is invented)."""


def trim_partial_volume_layer(tissue):
    """The outermost voxel layer of the predicted cancellous region becomes cortical (in place); how many.

    A voxel on the surface of a segmented region straddles its boundary: its CT value mixes marrow with
    the cortex or endplate beside it (blur of the reconstruction kernel and the voxel's own extent), so it
    lifts the region's histogram and the Johnson SU mode (paper section 3). One layer of face neighbours
    is one voxel in each direction, whatever the spacing; the mask-only region trims its 2 mm shell for the
    same reason. Measured effect on the bundled real CTs: in docs/phantom_to_patient.md.
    """
    from jmedseg import constants

    canc = tissue == constants.CANCELLOUS
    layer = canc & ~ndimage.binary_erosion(canc, border_value=1)
    tissue[layer] = constants.CORTICAL
    return int(layer.sum())


def segment_as_trained(model, meta, volume, vertebrae=None, level_ids=None, progress=False):
    """The `Segmentation` of `volume` in the model's own view: crops around the vertebrae `level_ids` of
    `vertebrae` for a model trained on crops (its input specification's view), else whole slices."""
    if vertebrae is not None and level_ids and spec_of_model_meta(meta).view == "crop":
        return _segment_crops(model, meta, volume, vertebrae, level_ids)
    return segment_volume(model, meta, volume, progress=progress)


def predicted_tissue(model, meta, volume, what="the CT", progress=False, vertebrae=None, level_ids=None,
                     trim_surface=True):
    """Tissue map (jmedseg.constants ids: 1 cortical, 2 cancellous, ...) predicted for `volume`.

    With a vertebra map and `level_ids` ({name: id}), a model trained on vertebra crops (metadata
    view 'crop', e.g. the default model) sees crops around each of those vertebrae and predictions
    outside each (dilated) vertebra are discarded (jmedseg.deploy.crops); other models, or no map,
    see whole slices. Model classes are matched to tissue ids by name; with `trim_surface` the outer
    voxel layer of the cancellous region is counted cortical (`trim_partial_volume_layer`). Each distinct geometry
    warning is given once per process (and always kept in the returned
    `Segmentation.warnings`). Raises EmptyPredictionError when no voxel is
    predicted cancellous.
    """
    from jmedseg import constants

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeometryWarning)
        result = segment_as_trained(model, meta, volume, vertebrae, level_ids, progress)
    for note in result.warnings:  # a cohort from one scanner would repeat the same warning per subject
        if note not in _REPORTED:
            _REPORTED.add(note)
            warnings.warn(note, GeometryWarning, stacklevel=2)
    tissue = np.zeros(result.labels.shape, np.uint8)
    for c, name in enumerate(result.class_names):
        tissue_id = constants.CLASS_NAMES.index(name) if name in constants.CLASS_NAMES else None
        if tissue_id is None:
            raise InputError(f"model class {name!r} is not a tissue class {constants.CLASS_NAMES}; "
                             "measure needs a model trained on tissue labels")
        tissue[result.labels == c] = tissue_id
    if trim_surface:  # what is measured is the cancellous region without its partial-volume layer
        trim_partial_volume_layer(tissue)
    if not np.any(tissue == constants.CANCELLOUS):
        raise EmptyPredictionError(
            f"empty prediction: the model found no cancellous bone in {what} "
            f"({', '.join(f'{k} {v}' for k, v in result.voxels_per_class.items())} voxels); "
            "no density is reported. Check the CT's units, field of view and geometry warnings")
    return tissue, result
