"""Why the trabecular Johnson SU mode reads under the painted HU on the calibration benchmark's CTs.

The end-to-end error of `benchmarks/calibration.py` on native CTs (10.3 mg/cm^3, kVp given) is mostly the
image's share: the Johnson SU mode (paper section 3) of the exact trabecular region about 10 HU under the HU
the generator painted (docs/calibration.md, "Where the end-to-end error comes from"). For each level of the
named benchmark cases (same seed, same draws) this prints, minus the painted HU: the region's mean and median,
its histogram's own peak (1 HU bins smoothed over 5 HU), the mean and peak of the region eroded by two voxels
(no rim), the density's Johnson SU mode of the painted region (since issue 22's fix: the truncated fit,
jmedseg.density.johnson_su.DENSITY_UPPER_QUANTILE), and the one `measure` reports from the vertebra mask alone
(the mask-derived region less its partial-volume layer: what a user's run without --model gets). Phantom-only.

    .venv/bin/python benchmarks/calibration_mode_bias.py 0 3 [--seed 0]
"""
import argparse
import os
import sys

import numpy as np
from scipy import ndimage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import calibration as bench  # noqa: E402  (the benchmark's own case plan and levels)

from jmedseg.constants import CANCELLOUS  # noqa: E402
from jmedseg.data.synth.scanner_scale import SyntheticPerson  # noqa: E402
from jmedseg.data.synth.trunk import synth_trunk_case  # noqa: E402
from jmedseg.data.synth.trunk.tissues import VERTEBRAL_TRABECULAR_CODE  # noqa: E402
from jmedseg.density.measure import measure_person  # noqa: E402
from jmedseg.utils.report import markdown_table  # noqa: E402

PEAK_SMOOTH_HU = 5.0   # the histogram's peak: 1 HU bins smoothed this much (noise 5-40 HU, texture 18 HU SD)
RIM_VOXELS = 2         # erosion that leaves the cortex's partial-volume rim out


def histogram_peak(values):
    """The HU of the highest point of the smoothed 1 HU histogram."""
    edges = np.arange(np.floor(values.min()), np.ceil(values.max()) + 2.0)
    counts, _ = np.histogram(values, bins=edges)
    return float(edges[np.argmax(ndimage.gaussian_filter1d(counts.astype(float), PEAK_SMOOTH_HU))] + 0.5)


def case_rows(i, seed):
    """One row per level of benchmark case i: the region's statistics minus the painted HU."""
    scanner, phase, bmd, rng = bench.case_plan(i, seed)
    person = SyntheticPerson.draw(rng, bmd)
    pixel_mm, slice_mm = float(rng.uniform(0.6, 1.0)), float(rng.choice([1.0, 2.0, 3.0]))   # as measure_case
    case = synth_trunk_case(rng, phase=phase, fov="lumbar", pixel_mm=pixel_mm, slice_mm=slice_mm,
                            tissue_hu=lambda r, ph, names: scanner.tissue_hu_for(r, ph, names, person))
    hu, vertebrae = case.hu.astype(np.float32), case.label_map("vertebra")
    trabecular = case.label_map("tissue") == VERTEBRAL_TRABECULAR_CODE
    row = measure_person(hu, vertebrae, np.where(trabecular, CANCELLOUS, 0), case.spacing, bench.LEVELS).row
    user = measure_person(hu, vertebrae, None, case.spacing, bench.LEVELS, allow_truncated=True).row
    rows = []
    for name, level_id in bench.LEVELS.items():
        region = trabecular & (vertebrae == level_id)
        inner = ndimage.binary_erosion(region, iterations=RIM_VOXELS)
        painted = case.tissue_hu[f"trabecular_bone_{name}"]
        rows.append({"case": i, "scanner": scanner.name, "phase": phase, "slice mm": slice_mm, "level": name,
                     "painted HU": painted, "mean": hu[region].mean() - painted,
                     "median": float(np.median(hu[region])) - painted, "peak": histogram_peak(hu[region]) - painted,
                     "eroded mean": hu[inner].mean() - painted, "eroded peak": histogram_peak(hu[inner]) - painted,
                     "Johnson SU mode": row.get(f"{name.lower()}_jsu_mode_hu", np.nan) - painted,
                     "mask-derived density": user.get(f"{name.lower()}_jsu_mode_hu", np.nan) - painted})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", type=int, nargs="+", help="case ids of benchmarks/calibration.py")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(markdown_table([r for i in args.cases for r in case_rows(i, args.seed)], digits=1))


if __name__ == "__main__":
    main()
