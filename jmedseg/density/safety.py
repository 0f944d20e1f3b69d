"""What makes a density untrustworthy, decided before a number is reported (paper section 3).

The paper's density is the Johnson SU mode of cancellous bone in L1 and L2.
A number comes out of any pixels, so each vertebra's region is checked first
and its density after the fit; a vertebra that fails gets a flag and the
reason instead of a density, and the person's density is taken from the
vertebrae that pass (or not at all).

Flags (the `<level>_flag` columns of densities.csv):
- `missing`: the level is not in the vertebra map;
- `incomplete`: the vertebra touches the edge of the scan's field of view, so part of
  it is cut off (`--allow-truncated` measures it anyway, the flag stays);
- `implausible`: its region holds air or metal, or its density lies outside the
  range trabecular bone can have;
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
