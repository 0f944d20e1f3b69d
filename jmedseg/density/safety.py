"""What makes a density untrustworthy, decided before a number is reported (paper section 3).

The paper's density is the Johnson SU mode of cancellous bone in L1 and L2.
A number comes out of any pixels, so each vertebra's region is checked first
and its density after the fit; a vertebra that fails gets a flag and the
reason instead of a density, and the person's density is taken from the
vertebrae that pass (or not at all).

Flags (the `<level>_flag` columns of densities.csv):
- `missing`: the level is not in the vertebra map;
- `incomplete`: the vertebral body (the region measured) reaches the edge of the scan's
  field of view or the slice next to it, so part of it may be cut off
  (`--allow-truncated` measures it anyway, the flag stays). Posterior elements that
  touch the edge while the body lies clear of it are only noted: the density does
  not use them;
- `implausible`: its region is not bone inside a cortical wall (a mask on soft
  tissue, or one holding contrast or a vessel: jmedseg.density.region_check), holds
  air or metal, or its density lies outside the range trabecular bone can have;
- `levels_disagree` (with `--check-levels`): the mask and the CT-alone labelling place
  the level differently (a level mix-up, a mirrored or flipped mask); left out unless
  `--accept-level-disagreement`, which measures it and keeps the flag;
- `unfit`: no Johnson SU fit (too few pixels, an empty region after erosion).

Thresholds, from CT physics and published values, not from any data set here:
- Trabecular bone of adults reads about 0-300 HU: population means fall from about
  225 HU under 30 years to about 90 HU at 90+ (SD about 40), and fatty marrow of
  severe osteoporosis reaches about 0 HU. TRABECULAR_HU = (-50, 450) leaves room
  for noise and for young or sclerotic bone; below -50 the region is mostly fat
  or air, above 450 it is mostly cortex, contrast or metal.
- No tissue in a vertebral body reads below -200 HU (fat is about -100) and only
  dense cortex, contrast or metal reads above 1500 HU. The cancellous region has
  its cortical shell eroded, so more than 5 % of its voxels in either range means
  the region holds air (a misplaced mask) or metal (screws, cement): the fit would
  describe those, not bone. Noise cannot produce it: a voxel of 100 HU drops below
  -200 HU only at 6 SD of the 50 HU noise of a low-dose scan.
"""
import numpy as np

from jmedseg.density.johnson_su import DensityFitError

TRABECULAR_HU = (-50.0, 450.0)
AIR_BELOW_HU = -200.0
METAL_ABOVE_HU = 1500.0
MAX_AIR_OR_METAL_FRACTION = 0.05

MISSING, INCOMPLETE, IMPLAUSIBLE, UNFIT = "missing", "incomplete", "implausible", "unfit"
LEVELS_DISAGREE = "levels_disagree"
# A body ending one slice short of the scan's edge may well continue beyond it: a mask predicted near the
# edge of a volume often stops a voxel early, so the body must keep one free slice (voxel) from every edge.
EDGE_MARGIN_VOXELS = 1


class MeasurementRefused(DensityFitError):
    """No density can be reported; `row` keeps what was found (per-level flags, note) for a cohort table."""

    def __init__(self, message, row=None):
        super().__init__(message)
        self.row = dict(row or {})


def region_content_problem(values, what):
    """The reason `values` (HU of one cancellous region) are not bone, or None."""
    values = np.asarray(values)
    if values.size == 0:
        return None
    air = float(np.mean(values < AIR_BELOW_HU))
    metal = float(np.mean(values > METAL_ABOVE_HU))
    if air > MAX_AIR_OR_METAL_FRACTION:
        return (f"{100 * air:.0f} % of the voxels of {what} read below {AIR_BELOW_HU:.0f} HU (air): the mask "
                "does not lie on this CT's bone; check that the mask belongs to this CT and its grid")
    if metal > MAX_AIR_OR_METAL_FRACTION:
        return (f"{100 * metal:.0f} % of the voxels of {what} read above {METAL_ABOVE_HU:.0f} HU (metal, cement "
                "or contrast): no trabecular density can be read there; measure other levels with --labels")
    return None


def density_problem(density_hu, what):
    """The reason `density_hu` cannot be trabecular bone, or None."""
    lo, hi = TRABECULAR_HU
    if not lo <= density_hu <= hi:
        return (f"the density of {what}, {density_hu:.0f} HU, is outside the range of trabecular bone "
                f"({lo:.0f} to {hi:.0f} HU): check the mask, the CT's units and the level labels")
    return None


def _extent(mask, box, shape):
    """Per axis (first, last) index of `mask`'s voxels in the whole scan; `mask` lies in `box` of a `shape` scan."""
    out = []
    for axis, (s, n) in enumerate(zip(box, shape)):
        hit = np.flatnonzero(np.asarray(mask).any(axis=tuple(a for a in range(3) if a != axis)))
        start = s.start or 0
        out.append((start + int(hit[0]), start + int(hit[-1])))
    return out


def _edges_reached(extent, shape, margin):
    edges = []
    (x0, x1), (y0, y1), (z0, z1) = extent
    if z0 <= margin:
        edges.append("the first slice")
    if z1 >= shape[2] - 1 - margin:
        edges.append("the last slice")
    if min(x0, y0) <= margin or x1 >= shape[0] - 1 - margin or y1 >= shape[1] - 1 - margin:
        edges.append("the in-plane edge")
    return edges


def completeness(vertebra, body, box, shape, name, allow_truncated=False):
    """(cut, note): is the body of vertebra `name` cut by the field of view? Both masks lie in `box` of the scan.

    Judged on the body, the region measured, with a margin of `EDGE_MARGIN_VOXELS`;
    the note also says when only the rest of the vertebra (posterior elements) reaches an edge.
    """
    reached = _edges_reached(_extent(body, box, shape), shape, EDGE_MARGIN_VOXELS)
    if reached:
        kept = "; kept (--allow-truncated)" if allow_truncated else "; left out (--allow-truncated keeps it)"
        return True, (f"the body of {name} reaches {' and '.join(reached)} of the scan (or the voxel next to it): "
                      f"part of it lies outside the field of view{kept}")
    touched = _edges_reached(_extent(vertebra, box, shape), shape, 0)
    if touched:
        clear = min(min(lo, n - 1 - hi) for (lo, hi), n in zip(_extent(body, box, shape), shape))
        return False, (f"{name} touches {' and '.join(touched)} of the scan outside its body only; the body, the "
                       f"region measured, lies {clear} voxels or more from every edge: measured")
    return False, None
