"""Checks of CT inputs, shared by `jmedseg check-data` and `jmedseg measure` (one set of rules).

Each rule returns the problem as a sentence naming the fix, or None:
`grid_problem` (a label map on another grid than its CT: shape or affine),
`hu_scale_problem` (values that are not Hounsfield units) and `missing_levels`.
`measure` refuses or flags what these find; `check-data`
(jmedseg.pipelines.data_check) lists it for a whole cohort folder, with the
levels checked by measure's own rules (jmedseg.density.measure.level_regions).
"""
import numpy as np

from jmedseg.constants import CLASS_NAMES

TISSUE_VALUES = frozenset(range(len(CLASS_NAMES)))
IN_PLANE_MM = (0.2, 3.0)   # up to 3 mm: volumes resampled for fast models (TotalSegmentator --fast)
SLICE_MM = (0.3, 10.0)
HU_RANGE = (-3100.0, 4000.0)   # padding down to -3024 is common; metal aside, bone stays below 3000
AFFINE_TOL_MM = 1e-3
# Landmarks of a CT in HU: the most common value of the body lies between fat (about -100 HU) and
# muscle or organs (about 40-60 HU); air (outside the body, bowel gas, lung bases) reads about -1000 HU
# and lung parenchyma down to about -850 HU. A volume in HU spans at least air to bone (over 1000 HU).
TISSUE_PEAK_HU = (-150.0, 100.0)
AIR_PEAK_HU = (-1150.0, -800.0)
MIN_SPAN_HU = 500.0
MIN_AIR_FRACTION = 0.01    # fewer air voxels than this (a volume cropped to the body): no air landmark
MIN_BODY_FRACTION = 0.01   # fewer voxels above -500 HU (a volume of air only): no tissue landmark
UNITS_FIX = ("convert the CT to HU first; --units raw reads values stored as HU + 1024 (the paper's "
             "convention), no other unit is read")


def grid_problem(ct, other, name):
    """Why label map `other` (a Volume) does not lie on `ct`'s voxel grid, or None.

    Both are in canonical RAS+ (jmedseg.data.io), so a header that flips an axis
    shows up as a moved origin: the affines, not only the shapes, must agree.
    """
    if other.shape != ct.shape:
        return (f"the {name} has shape {other.shape} but the CT has {ct.shape}; "
                f"use the {name} made for this CT (or resample it onto the CT's grid)")
    diff = np.abs(np.asarray(other.affine, np.float64) - np.asarray(ct.affine, np.float64))
    if diff.max() > AFFINE_TOL_MM:
        shift = float(np.linalg.norm(np.asarray(other.affine)[:3, 3] - np.asarray(ct.affine)[:3, 3]))
        return (f"the {name} lies on another grid than the CT: same shape, but its voxel-to-world affine "
                f"differs by up to {diff.max():.3g} mm (origin {shift:.3g} mm away; a moved origin or an axis "
                f"flipped in the header); resample the {name} onto the CT's grid or use the one made for this CT")
    return None


def hu_scale_problem(array, what="the CT"):
    """Why `array` does not look like a CT in Hounsfield units, or None (`UNITS_FIX` says what to do)."""
    array = np.asarray(array)
    # memory order: a plain ravel() copies a whole Fortran-ordered CT (about 1 s) before sampling it
    sample = array.ravel(order="K")[:: max(1, array.size // 250_000)].astype(np.float64)  # 0.5 % of 250k: 1250 voxels
    lo, hi = (float(v) for v in np.percentile(sample, [0.5, 99.5]))
    if hi - lo < MIN_SPAN_HU and not AIR_PEAK_HU[0] <= lo <= hi <= AIR_PEAK_HU[1]:  # all air is still HU
        return (f"{what} does not look like Hounsfield units: 99 % of its values lie within {lo:.3g}..{hi:.3g}, "
                f"but air reads about -1000 HU and bone several hundred (values scaled to 0..1 or windowed?); "
                + UNITS_FIX)
    body = sample[sample > -500.0]
    tissue = _peak(body, 10.0) if body.size >= MIN_BODY_FRACTION * sample.size else None  # None: all air
    if tissue is not None and not TISSUE_PEAK_HU[0] <= tissue <= TISSUE_PEAK_HU[1]:
        return (f"{what} does not look like Hounsfield units: its most common value above -500 is {tissue:.0f}, "
                f"but fat and soft tissue read {TISSUE_PEAK_HU[0]:.0f} to {TISSUE_PEAK_HU[1]:.0f} HU; " + UNITS_FIX)
    air = sample[(sample >= -1500.0) & (sample < -300.0)]
    if air.size >= MIN_AIR_FRACTION * sample.size:
        peak = _peak(air, 20.0)
        if not AIR_PEAK_HU[0] <= peak <= AIR_PEAK_HU[1]:
            return (f"{what} does not look like Hounsfield units: its air reads about {peak:.0f} but air is "
                    f"about -1000 HU (expected {AIR_PEAK_HU[0]:.0f} to {AIR_PEAK_HU[1]:.0f}); " + UNITS_FIX)
    return None


def _peak(values, bin_width):
    """Centre of the most populated bin of `values` (bins of `bin_width` on a fixed grid)."""
    bins = np.floor(values / bin_width).astype(np.int64)
    counts = np.bincount(bins - bins.min())
    return float((np.argmax(counts) + bins.min() + 0.5) * bin_width)


def missing_levels(vertebrae, levels):
    """Names of `levels` ({name: label id}) with no voxel in the vertebra map."""
    present = set(np.unique(np.asarray(vertebrae)).tolist())
    return [name for name, label in levels.items() if label not in present]
