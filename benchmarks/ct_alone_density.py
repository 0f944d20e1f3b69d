"""CT in, density out (issue 20): the L1+L2 density from the CT-alone labelling against the one from the true labels.

`benchmarks/spine_labelling.py` scores the names; a clinical user needs the number. For the synthetic whole-trunk
CTs of one series (the same CTs as `spine_labelling.py --seed S --max-mvoxels 12`: same design, same draws) whose
field of view holds L1 and L2, each CT is stored, loaded and labelled from the CT alone as `jmedseg measure` does
without `--mask`, then measured as `measure_person` measures a user's CT (the Johnson SU mode of the pooled cancellous
bone of L1+L2, each level checked first by `jmedseg.density.region_check` and `safety`) twice: on the CT-alone labels
and on the true vertebra labels. Printed per contrast phase:

- CTs: with L1 and L2 in view and whole;
- named: L1 and L2 both named without a flag (what `jmedseg measure` measures without `--accept-uncertain-levels`);
- density: a density given from the CT alone ("of these one level": the other level refused by its check, the
  density is then the one level's, as `jmedseg measure` gives it with a note); refused: named but the measurement
  refused (its reason counted; the true labels' refusals are counted too);
- |diff| HU: the CT-alone density against the true labels' density on the same levels, where both are given (the
  labelling's share of the error; the calibration's is `benchmarks/calibration.py`'s), median and largest;
- wrong: a density given from levels named wrong (a level further than 20 mm from its truth, VerSe's criterion).
Each CT more than `FAR_HU` from the true labels' density is listed with both densities' offsets from the painted
trabecular HU (the mean over the levels used), which tells whether the labelling or the measurement moved it.

Synthetic (phantom-only) figures: the real CTs' density checks are `benchmarks/real_ct_spine.py`.

    .venv/bin/python benchmarks/ct_alone_density.py [--seed 2026] [--n 100 | --ids 5 9] [--workers 2] [--jsonl F]
"""
import argparse
import json
import math
import os
import sys
import tempfile
import time
from multiprocessing import Pool

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from spine_labelling import PHASE_ORDER, design  # noqa: E402  (the labelling benchmark's CTs)

from jmedseg.utils.report import markdown_table  # noqa: E402

LEVELS = {"L1": 31, "L2": 30}          # TotalSegmentator v2 ids, as the labeller writes them
WITH_L1_L2 = ("chest_abdomen", "abdomen_pelvis", "lumbar")
IDENTIFIED_MM = 20.0                   # VerSe's identification criterion, as `spine_labelling.py` scores
FAR_HU = 10.0                          # listed CT by CT: twice the 5 HU target for the real-derived variants


def measure_one(args):
    """One CT: whether L1/L2 were named, the two densities or why there is none."""
    i, seed, max_voxels = args
    from jmedseg.data.io import load_volume
    from jmedseg.data.synth.trunk import save_case, synth_trunk_case
    from jmedseg.spine import label_vertebrae

    fov, phase = design(i)
    case = synth_trunk_case(np.random.default_rng([seed, i]), phase=phase, fov=fov, max_voxels=max_voxels,
                            cap_coarsens="pixels")
    out = {"i": i, "fov": fov, "phase": phase,
           "whole": all(case.levels.get(n, {}).get("complete", False) for n in LEVELS)}
    if not out["whole"]:
        return out
    with tempfile.TemporaryDirectory() as folder:
        path = save_case(case, os.path.join(folder, "ct.nii"))
        volume = load_volume(path)
    t0 = time.perf_counter()
    labels, report = label_vertebrae(volume)
    entries = {e["name"]: e for e in report["levels"] if e["name"] in LEVELS}
    out["named"] = all(n in entries and not entries[n]["flags"] for n in LEVELS)
    out["off_mm"] = max((math.dist(entries[n]["centroid_mm"], case.levels[n]["centroid_mm"])
                         if n in entries and entries[n].get("centroid_mm") else math.inf) for n in LEVELS)
    used = list(LEVELS)
    if out["named"]:
        row = _measure(out, "ct_alone", volume, labels, used)
        used = row["levels_used"].split("+") if row else used
    # the true labels measured on the levels the CT-alone measurement used (one level may have been refused there:
    # its density is then that level's alone), and the painted truth of those levels
    out["levels_used"] = "+".join(used)
    _measure(out, "truth", volume, case.label_map("vertebra"), used)
    out["painted_hu"] = float(np.mean([case.tissue_hu[f"trabecular_bone_{n}"] for n in used]))
    out["seconds"] = time.perf_counter() - t0
    return out


def _measure(out, key, volume, vertebrae, names):
    """`measure_person`'s row for levels `names` of `vertebrae`, its density stored in out[key + "_hu"]; None and
    the reason in out[key + "_refused"] (without the level's name, so that reasons can be counted) where refused."""
    from jmedseg.density.measure import measure_person
    from jmedseg.density.safety import DensityFitError

    try:
        row = measure_person(volume.array, vertebrae, None, volume.spacing, {n: LEVELS[n] for n in names}).row
    except DensityFitError as err:
        reason = str(err).removeprefix("no density: ").split(" (")[0].split(":")[0]
        out[key + "_refused"] = reason.replace("L1", "L*").replace("L2", "L*")
        return None
    out[key + "_hu"] = row["density_hu"]
    return row


def table(rows):
    """One row per phase and one for all: counts and the CT-alone density's difference from the true labels'."""
    columns = ["phase", "CTs (L1, L2 whole)", "named", "density", "of these one level", "refused", "median |diff| HU",
               "max |diff| HU", "wrong"]
    lines = []
    for phase in (*PHASE_ORDER, "all"):
        rs = [r for r in rows if r["whole"] and (phase == "all" or r["phase"] == phase)]
        named = [r for r in rs if r["named"]]
        given = [r for r in named if "ct_alone_hu" in r]
        diffs = [abs(r["ct_alone_hu"] - r["truth_hu"]) for r in given if "truth_hu" in r]
        wrong = sum(r["off_mm"] > IDENTIFIED_MM for r in given)
        one = sum("+" not in r["levels_used"] for r in given)
        lines.append(dict(zip(columns, [phase, len(rs), len(named), len(given), one, len(named) - len(given),
                                        f"{np.median(diffs):.1f}" if diffs else "-",
                                        f"{max(diffs):.1f}" if diffs else "-", wrong])))
    return markdown_table(lines, columns)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--n", type=int, default=100, help="CT ids 0..n-1 of the series (those with L1/L2 run)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-mvoxels", type=float, default=12.0)
    parser.add_argument("--ids", type=int, nargs="+", help="only these CT ids (those with L1/L2 in view)")
    parser.add_argument("--jsonl", help="also write one JSON row per CT here (to compare code versions CT by CT)")
    args = parser.parse_args()
    ids = [i for i in (args.ids or range(args.n)) if design(i)[0] in WITH_L1_L2]
    jobs = [(i, args.seed, int(args.max_mvoxels * 1e6)) for i in ids]
    with Pool(args.workers) as pool:
        rows = sorted(pool.imap_unordered(measure_one, jobs), key=lambda r: r["i"])
    if args.jsonl:
        with open(args.jsonl, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
    which = f"CTs {' '.join(map(str, ids))}" if args.ids else f"CTs 0-{args.n - 1}"
    print(f"# CT-alone L1+L2 density against the true labels' (phantom-only), seed {args.seed}, {which}"
          f" with L1/L2 in view ({len(ids)})\n")
    print(table(rows))
    far = [f"{args.seed}/{r['i']} {r['phase']} {r['levels_used']} {r['ct_alone_hu'] - r['truth_hu']:+.1f} (CT-alone "
           f"{r['ct_alone_hu'] - r['painted_hu']:+.1f}, true labels {r['truth_hu'] - r['painted_hu']:+.1f} from the "
           "painted trabecular HU)" for r in rows
           if "ct_alone_hu" in r and "truth_hu" in r and abs(r["ct_alone_hu"] - r["truth_hu"]) > FAR_HU]
    print(f"\nCT-alone density more than {FAR_HU:.0f} HU from the true labels': {', '.join(far) or 'none'}")
    for key, whose in (("ct_alone_refused", "CT-alone labels"), ("truth_refused", "true labels")):
        reasons = {}
        for r in rows:
            if key in r:
                reasons.setdefault(r[key], []).append(f"{args.seed}/{r['i']} {r['phase']}")
        for why, which in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
            print(f"\nrefused on the {whose}, {len(which)}: {why}... ({', '.join(which)})")


if __name__ == "__main__":
    main()
