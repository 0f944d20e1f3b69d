"""Pick vertebrae out of multi-label maps and derive the cancellous region from whole-vertebra masks.

Many label maps (TotalSegmentator, VerSe) mark each vertebra as a whole: body
plus posterior elements, shell included. The paper's density region is the
cancellous bone of the L1 and L2 bodies (section 2), so `cancellous_region`:

1. keeps the vertebral body: in every axial slice the mask is opened with a
   disc of `opening_mm` radius, which cuts the pedicles (about 5-10 mm wide,
   thinner than the opening's diameter) while the body (30-50 mm across)
   survives; of what is left, the largest 3D connected component is the body
   (the processes are smaller and, with the pedicles cut, no longer touch it);
2. erodes the cortical shell: voxels whose centre is closer than `shell_mm`
   to the body's surface (a Euclidean distance in mm, using the voxel
   spacing) are dropped.
"""
import numpy as np
from scipy import ndimage

from jmedseg.constants import CANCELLOUS, CORTICAL, OTHER_BONE
from jmedseg.data.label_schemes import TOTALSEG_V2 as TOTALSEG_V2_LEVELS  # the ids live in one place
from jmedseg.errors import InputError


def select_levels(vertebra_map, levels=("L1", "L2"), mapping=None):
    """Boolean masks per level name, e.g. {'L1': mask of id 31, 'L2': mask of id 30}.

    Raises ValueError naming the ids present when a requested level is missing.
    """
    mapping = mapping or TOTALSEG_V2_LEVELS
    vertebra_map = np.asarray(vertebra_map)
    present = set(np.unique(vertebra_map).tolist())
    out = {}
    for name in levels:
        if name not in mapping:
            raise InputError(f"level {name!r} is not in the label mapping {dict(mapping)}; add it "
                             "(e.g. data.level_map) or choose another level")
        lid = int(mapping[name])
        if lid not in present:
            raise InputError(f"label id {lid} ({name}) is not present in the vertebra map; ids present: "
                             f"{sorted(v for v in present if v)}. Check the mapping (TotalSegmentator v2: "
                             "31 = L1, 30 = L2) or choose levels that the scan covers")
        out[name] = vertebra_map == lid
    return out


def _disc(radius_mm, spacing_xy):
    rx, ry = (max(1, int(np.floor(radius_mm / s))) for s in spacing_xy)
    x, y = np.ogrid[-rx:rx + 1, -ry:ry + 1]
    return (x * spacing_xy[0] / radius_mm) ** 2 + (y * spacing_xy[1] / radius_mm) ** 2 <= 1.0


def vertebral_body(mask, spacing, opening_mm=5.0):
    """The body of one whole-vertebra mask [x, y, z]: per-slice opening, then the largest 3D component."""
    mask = np.asarray(mask, bool)
    if not mask.any():
        raise InputError("the vertebra mask is empty: nothing to take the body from")
    disc = _disc(opening_mm, spacing[:2])
    opened = np.zeros_like(mask)
    for k in np.flatnonzero(mask.any(axis=(0, 1))):
        opened[:, :, k] = ndimage.binary_opening(mask[:, :, k], structure=disc)
    parts, n = ndimage.label(opened)
    if n == 0:
        raise InputError(f"no part of the vertebra is wider than {2 * opening_mm:g} mm: the mask is too thin "
                         "for a body, or opening_mm is too large for this resolution")
    sizes = ndimage.sum_labels(opened, parts, index=np.arange(1, n + 1))
    return parts == 1 + int(np.argmax(sizes))


def erode_mm(mask, spacing, distance_mm):
    """Voxels of `mask` whose centre lies more than `distance_mm` inside its surface (Euclidean, in mm).

    The surface runs half a voxel outside the outermost voxel centres, so a
    centre's depth is its distance to the nearest outside centre minus half
    the (smallest) voxel size.
    """
    mask = np.asarray(mask, bool)
    padded = np.pad(mask, 1)  # the array's edge counts as outside
    to_outside = ndimage.distance_transform_edt(padded, sampling=spacing)[1:-1, 1:-1, 1:-1]
    return to_outside - 0.5 * min(spacing) > distance_mm


def cancellous_region(mask, spacing, shell_mm=2.0, opening_mm=5.0, whole_vertebra=True):
    """Cancellous bone of one vertebra: its body (posterior elements removed) minus a `shell_mm` shell."""
    body = vertebral_body(mask, spacing, opening_mm) if whole_vertebra else np.asarray(mask, bool)
    region = erode_mm(body, spacing, shell_mm)
    if not region.any():
        raise InputError(f"eroding a {shell_mm:g} mm shell leaves no cancellous voxel; lower shell_mm "
                         f"(voxel size {tuple(float(s) for s in spacing)} mm)")
    return region


def tissue_from_vertebrae(vertebra_map, spacing, levels=("L1", "L2"), mapping=None, shell_mm=2.0,
                          opening_mm=5.0):
    """Tissue classes for the chosen levels of a whole-vertebra map, as in the phantom's labels.

    Each level's body minus its `shell_mm` shell is CANCELLOUS, the shell CORTICAL,
    the rest of the vertebra (posterior elements) OTHER_BONE; everything else 0.
    """
    vertebra_map = np.asarray(vertebra_map)
    out = np.zeros(vertebra_map.shape, np.uint8)
    for mask in select_levels(vertebra_map, levels, mapping).values():
        body = vertebral_body(mask, spacing, opening_mm)
        out[mask] = OTHER_BONE
        out[body] = CORTICAL
        out[erode_mm(body, spacing, shell_mm)] = CANCELLOUS
    return out
