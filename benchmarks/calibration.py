"""Internal calibration and contrast phase against a known answer (issue 22 section 5).

Synthetic whole-trunk CTs (jmedseg.data.synth.trunk) are painted through a per-scanner HU
scale (jmedseg.data.synth.scanner_scale: 8 scanners, 80-140 kVp, vendor offsets, each
person's own fat/muscle/blood composition, iodine per phase), so every CT's true
K2HPO4-equivalent density per vertebra is known. Each CT is measured as `jmedseg measure`
does for a user (Johnson SU mode of L1 and L2, given the exact vertebra labels: the labeller is
benchmarked elsewhere), then calibrated from the reference tissues it finds. `--region user` (the
default) measures what a run without --model measures, with --mask or from the CT alone: the region
`measure_person` derives from the vertebra mask (the body less its 2 mm shell); `--region painted`
measures the generator's exact trabecular region (what the tables before 2026-12-04 measured; it holds
the cortex's whole partial-volume rim, which no user's region does).
Printed:

1. error of the per-level mg/cm^3 against the truth, per phase, without and with the tube
   voltage (NIfTI input has none; a DICOM header gives it), end to end and for the
   calibration alone (the line applied to the painted trabecular HU);
2. the between-scanner spread of the same true density: per scanner, the mean bias of native
   CTs at 120 mg/cm^3 (relative bias x 120), in raw HU read through one fixed 120 kVp line, and
   in calibrated mg/cm^3; and their ratio (target >= 3);
3. the phase estimate's accuracy (native vs enhanced, target >= 95 %, and the 4-way confusion), with the
   kVp and without it (the delayed/portal venous split is an iodine concentration, read through the
   beam's energy), over the main cases and --delayed extra delayed-phase CTs (3+ min after injection);
4. a model-only check without images (--model-cases people x scanners x phases): the fit on
   the painted tissue values plus 1 HU of ROI noise; and the bound on the energy (energy_limit)
   that the tissues' between-person spread sets for any phantomless method without the kVp.

    .venv/bin/python benchmarks/calibration.py [--n 240] [--delayed 24] [--workers 2] [--seed 0] [--cases FILE.jsonl]
        [--phases native,arterial,portal_venous] [--phase-rules OLD_PHASE.py] [--region user|painted]

With --cases, each measured CT is appended to FILE as one JSON line as soon as it is done, and
a rerun with the same file and seed measures only the CTs not yet in it (a long run on a shared
machine can be stopped and resumed; delete the file after changing the code).
"""
import argparse
import json
import math
import os
import time
from multiprocessing import Pool

import numpy as np

from jmedseg.calibration.attenuation import effective_energy_kev, k2hpo4_hu_per_mg
from jmedseg.calibration.fit import fit_calibration
from jmedseg.calibration.person import beam_energy_kev, columns_from_tissues
from jmedseg.calibration.phase import ENHANCED, estimate_phase
from jmedseg.calibration.tissues import find_reference_tissues
from jmedseg.data.synth.scanner_scale import SCANNERS, SyntheticPerson
from jmedseg.utils.report import markdown_table

PHASES = ("native", "arterial", "portal_venous")
LEVELS = {"L1": 31, "L2": 30}
BMD_RANGE = (50.0, 220.0)          # osteoporotic to young adult, mg/cm^3
REFERENCE_BMD = 120.0              # the ACR normal/low boundary: where the spread is reported
REFERENCE_LINE_KEV = effective_energy_kev(120)
DELAYED_FIRST = 100_000            # case ids of the extra delayed-phase CTs (the main cases keep their draws)
TARGET_MGCM3 = 5.0                 # the median |error| target
REGIONS = ("user", "painted")      # what is measured: the mask-derived region (as a user's run) or the painted one


def case_plan(i, seed):
    """(scanner, phase, true bmd, rng) of case i: scanners and phases cycle so every pair is covered."""
    rng = np.random.default_rng([seed, i])
    if i >= DELAYED_FIRST:
        return SCANNERS[(i - DELAYED_FIRST) % len(SCANNERS)], "delayed", float(rng.uniform(*BMD_RANGE)), rng
    scanner = SCANNERS[i % len(SCANNERS)]
    phase = PHASES[(i // len(SCANNERS)) % len(PHASES)]
    return scanner, phase, float(rng.uniform(*BMD_RANGE)), rng


def measure_case(args):
    """One synthetic CT: its truth, measured HU and the calibrated mg/cm^3 without and with the kVp.

    `args`: (case id, seed) or (case id, seed, region), region one of REGIONS (default "user")."""
    i, seed, region = (*args, "user") if len(args) == 2 else args
    from jmedseg.constants import CANCELLOUS
    from jmedseg.data.synth.trunk import synth_trunk_case
    from jmedseg.data.synth.trunk.tissues import VERTEBRAL_TRABECULAR_CODE
    from jmedseg.density.measure import measure_person

    scanner, phase, bmd, rng = case_plan(i, seed)
    person = SyntheticPerson.draw(rng, bmd)
    start = time.perf_counter()
    case = synth_trunk_case(rng, phase=phase, fov="lumbar", pixel_mm=float(rng.uniform(0.6, 1.0)),
                            slice_mm=float(rng.choice([1.0, 2.0, 3.0])),
                            tissue_hu=lambda r, ph, names: scanner.tissue_hu_for(r, ph, names, person))
    hu = case.hu.astype(np.float32)
    vertebrae = case.label_map("vertebra")
    tissue = (np.where(case.label_map("tissue") == VERTEBRAL_TRABECULAR_CODE, CANCELLOUS, 0)
              if region == "painted" else None)   # None: measure_person derives the region from the mask
    out = {"i": i, "scanner": scanner.name, "kvp": scanner.kvp, "phase": phase, "region": region,
           "truth": {n: person.level_mgcm3(n) for n in LEVELS}}
    try:
        row = measure_person(hu, vertebrae, tissue, case.spacing, LEVELS).row
    except ValueError as err:
        out["error"] = str(err)
        return out
    zs = np.flatnonzero(np.isin(vertebrae, list(LEVELS.values())).any(axis=(0, 1)))
    tissues = find_reference_tissues(hu, case.spacing, (zs.min(), zs.max()), vertebrae=vertebrae)
    for key, kvp in (("no_kvp", None), ("kvp", scanner.kvp)):
        columns, _ = columns_from_tissues(tissues, row, LEVELS, kvp)
        out[key] = {n: columns[f"{n.lower()}_bmd_mgcm3"] for n in LEVELS}
        out[key + "_alone"] = {n: columns["calibration_slope"] * case.tissue_hu[f"trabecular_bone_{n}"]
                               + columns["calibration_intercept"] for n in LEVELS}
        out["flag"] = columns["calibration_flag"]
        out[key + "_slope"] = columns["calibration_slope"]
        out["estimated_phase" + ("" if kvp else "_no_kvp")] = columns["contrast_phase"]
    out["phase_inputs"] = phase_inputs(tissues, scanner.kvp)
    out["hu"] = {n: row.get(f"{n.lower()}_jsu_mode_hu", math.nan) for n in LEVELS}
    out["level_flag"] = {n: row.get(f"{n.lower()}_flag", "") for n in LEVELS}   # why a level has no mode
    out["painted_hu"] = {n: case.tissue_hu[f"trabecular_bone_{n}"] for n in LEVELS}
    out["phase_evidence"] = columns["contrast_evidence"]
    out["seconds"] = time.perf_counter() - start
    return out


def phase_inputs(tissues, kvp):
    """What the phase estimate reads (the vessels' and kidneys' HU, the beam energy with and without the kVp):
    stored per case so that the phase rules can be re-applied to the same measured HU (`rephase`)."""
    values = {t: tissues.value(t) for t in ("aorta", "ivc", "kidney_cortex", "kidney_medulla")}
    return {**values, "near_levels": bool(tissues.near_levels), "energy_kvp": beam_energy_kev(tissues, kvp),
            "energy_no_kvp": beam_energy_kev(tissues, None)}


def phase_rules(path=None):
    """estimate_phase of this code, or of the phase module at `path` (e.g. an earlier commit's, written with
    `git show REV:jmedseg/calibration/phase.py > FILE`): rules before and after a change on the same HU."""
    if not path:
        return estimate_phase
    import importlib.util

    spec = importlib.util.spec_from_file_location("phase_rules_under_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.estimate_phase


def rephase(results, estimate=estimate_phase):
    """The cases' estimated phases recomputed by the phase rules `estimate` from their stored `phase_inputs`
    (a cases file measured before a rule changed gives the new rules' figures on the same measured HU)."""
    for r in results:
        p = r.get("phase_inputs")
        if p:
            vessels = (p["aorta"], p["ivc"], p["kidney_cortex"], p["kidney_medulla"])
            for key, energy in (("estimated_phase", p["energy_kvp"]), ("estimated_phase_no_kvp", p["energy_no_kvp"])):
                r[key] = estimate(*vessels, energy_kev=energy, kidneys_near_levels=p["near_levels"])[0]
    return results


def _errors(results, key, phases):
    return np.array([r[key][n] - r["truth"][n] for r in results if r["phase"] in phases and key in r
                     for n in LEVELS if math.isfinite(r[key][n])])


def error_table(results):
    rows = []
    for label, phases in [(p, (p,)) for p in PHASES] + [("all", PHASES)] + [("delayed", ("delayed",))]:
        for key in ("no_kvp", "no_kvp_alone", "kvp", "kvp_alone"):
            e = _errors(results, key, phases)
            if e.size:
                rows.append({"phase": label, "kVp given": "yes" if key.startswith("kvp") else "no",
                             "what": "calibration alone" if key.endswith("alone") else "end to end",
                             "levels": e.size, "median |error|": float(np.median(np.abs(e))),
                             "mean error": float(e.mean()), "p90 |error|": float(np.percentile(np.abs(e), 90))})
    return rows


def error_sources(results):
    """Where the end-to-end error comes from, per phase with the kVp given: the calibration's line (the line
    applied to the painted trabecular HU) and the image (slope x (Johnson SU mode - painted HU): the region's
    texture and partial volume; the labels are exact here). The levels without a mode are counted apart."""
    rows = []
    for label, phases in [(p, (p,)) for p in PHASES] + [("delayed", ("delayed",))]:
        mine = [r for r in results if r["phase"] in phases and "kvp" in r]
        levels = [(r, n) for r in mine for n in LEVELS if math.isfinite(r["kvp_alone"][n])]
        both = [(r, n) for r, n in levels if math.isfinite(r["kvp"][n])]
        if not both:
            continue
        line = np.array([r["kvp_alone"][n] - r["truth"][n] for r, n in both])
        image = np.array([r["kvp_slope"] * (r["hu"][n] - r["painted_hu"][n]) for r, n in both])
        rows.append({"phase": label, "levels": len(both), "no mode": len(levels) - len(both),
                     "why no mode (level flag)": _flag_counts([(r, n) for r, n in levels if not math.isfinite(r["kvp"][n])]),
                     "end to end median |error|": float(np.median(np.abs(line + image))),
                     "line median |error|": float(np.median(np.abs(line))),
                     "image median error": float(np.median(image)),
                     "image median |error|": float(np.median(np.abs(image))),
                     "levels where the image's share is larger": float(np.mean(np.abs(image) > np.abs(line)))})
    return rows


def _flag_counts(levels):
    """'incomplete 9' for levels [(case, name)] without a mode: the flag measure_person gave them (a level whose
    body the field of view cuts is `incomplete`, left out as in a user's run; 'not recorded' in older cases)."""
    counts = {}
    for r, n in levels:
        flag = r.get("level_flag", {}).get(n) or "not recorded"
        counts[flag] = counts.get(flag, 0) + 1
    return ", ".join(f"{flag} {k}" for flag, k in sorted(counts.items())) or "-"


def spread_table(results):
    """Per scanner: mean relative bias of native CTs, x REFERENCE_BMD, in raw HU (one fixed line) and mg/cm^3."""
    k_ref = k2hpo4_hu_per_mg(REFERENCE_LINE_KEV)
    rows = []
    for scanner in SCANNERS:
        mine = [r for r in results if r["scanner"] == scanner.name and r["phase"] == "native" and "no_kvp" in r]
        raw = [r["hu"][n] / k_ref / r["truth"][n] - 1 for r in mine for n in LEVELS if math.isfinite(r["hu"][n])]
        cal = [r["no_kvp"][n] / r["truth"][n] - 1 for r in mine for n in LEVELS if math.isfinite(r["no_kvp"][n])]
        kv = [r["kvp"][n] / r["truth"][n] - 1 for r in mine for n in LEVELS if math.isfinite(r["kvp"][n])]
        if raw:
            rows.append({"scanner": scanner.name, "CTs": len(mine), "raw HU bias (mg-eq)": REFERENCE_BMD * np.mean(raw),
                         "calibrated bias": REFERENCE_BMD * np.mean(cal) if cal else math.nan,
                         "calibrated bias, kVp given": REFERENCE_BMD * np.mean(kv) if kv else math.nan})
    return rows


def phase_table(results, key="estimated_phase"):
    """(summary rows per CT set, confusion rows) of the phase estimated as `key` (with or without the kVp)."""
    done = [r for r in results if key in r]
    summary = []
    for label, mine in (("main (native, arterial, portal venous)", [r for r in done if r["phase"] in PHASES]),
                        ("delayed", [r for r in done if r["phase"] == "delayed"])):
        if not mine:
            continue
        called = [r for r in mine if r[key] != "unknown"]
        enhanced_right = [(r["phase"] in ENHANCED) == (r[key] in ENHANCED) for r in called]
        summary.append({"CTs": label, "n": len(mine), "unknown (refused)": len(mine) - len(called),
                        "native vs enhanced, of those called": float(np.mean(enhanced_right)) if called else math.nan,
                        "native vs enhanced, unknown = wrong": float(np.sum(enhanced_right) / len(mine)),
                        "exact phase": float(np.mean([r["phase"] == r[key] for r in mine]))})
    confusion = {}
    for r in done:
        confusion[(r["phase"], r[key])] = confusion.get((r["phase"], r[key]), 0) + 1
    return summary, [{"true": t, "estimated": e, "CTs": n} for (t, e), n in sorted(confusion.items())]


def accuracy_by_input(errors):
    """Which input gets which accuracy: the native CTs' calibration-alone median |error| with and without kVp."""
    by_kvp = {r["kVp given"]: r["median |error|"] for r in errors
              if r["phase"] == "native" and r["what"] == "calibration alone"}
    rows = []
    for source, kvp in (("DICOM (KVP in every header)", "yes"), ("NIfTI + JSON sidecar with KVP, or --kvp, or "
                                                                  "cohort.csv kvp", "yes"),
                        ("NIfTI alone (row flagged no_kvp)", "no")):
        if kvp in by_kvp:
            rows.append({"input": source, "kVp known": kvp, "median |error| (native, mg/cm^3)": by_kvp[kvp],
                         f"meets {TARGET_MGCM3:g}": "yes" if by_kvp[kvp] <= TARGET_MGCM3 else "no"})
    return rows


def model_only(cases, seed):
    """The fit on the painted tissue values (+1 HU ROI noise), no image: the method's error floor."""
    rng = np.random.default_rng(seed)
    errors = {"no kVp": [], "kVp given": []}
    for _ in range(cases):
        scanner = SCANNERS[int(rng.integers(len(SCANNERS)))]
        person = SyntheticPerson.draw(rng, float(rng.uniform(*BMD_RANGE)))
        hu = scanner.tissue_hu_for(rng, "native", ["L1"], person)
        reference = {t: hu[t] + float(rng.normal(0, 1)) for t in ("air", "fat", "muscle", "blood")}
        for label, kvp in (("no kVp", None), ("kVp given", scanner.kvp)):
            cal = fit_calibration(reference, kvp)
            errors[label].append(cal.to_mgcm3(hu["trabecular_bone_L1"]) - person.level_mgcm3("L1"))
    return [{"kVp": label, "people": len(e), "median |error|": float(np.nanmedian(np.abs(e))),
             "p90 |error|": float(np.nanpercentile(np.abs(e), 90))} for label, e in errors.items()]


def _load_cases(path, seed, region="user"):
    done = {}
    if path and os.path.isfile(path):
        with open(path) as f:
            for line in f:
                if line.strip():
                    case = json.loads(line)
                    # a case without "region" was measured before --region existed: on the painted region
                    if case.get("seed") == seed and case.get("region", "painted") == region:
                        done[case["i"]] = case
    return done


def run_cases(n, seed, workers, path=None, delayed=0, phases=PHASES, region="user"):
    """All n cases' (and `delayed` delayed-phase cases') results, measuring only those not already in the
    JSON-lines file `path` (appended to). `phases`: of the n main cases, only those of these true phases
    (a quick check of a rule that concerns some phases; the cases keep their ids and draws). `region`: one
    of REGIONS (measure_case)."""
    done = _load_cases(path, seed, region)
    ids = [i for i in range(n) if case_plan(i, seed)[1] in phases]
    ids += list(range(DELAYED_FIRST, DELAYED_FIRST + delayed))
    jobs = [(i, seed, region) for i in ids if i not in done]
    out = open(path, "a") if path else None
    try:
        pool = Pool(workers) if workers > 1 else None
        for result in (pool.imap_unordered(measure_case, jobs) if pool else map(measure_case, jobs)):
            result["seed"] = seed
            done[result["i"]] = result
            if out:
                out.write(json.dumps(result, default=float) + "\n")
                out.flush()
        if pool:
            pool.close()
    finally:
        if out:
            out.close()
    return [done[i] for i in ids]


def energy_limit(energies=(58.0, 65.0, 72.0, 79.0), bmd=REFERENCE_BMD):
    """What the reference tissues can tell about the beam's energy, for any phantomless method.

    With the offset free, the energy is known only through how the tissues' HU move apart with it;
    each tissue's between-person spread (its PERSON_SD_G_CM3 in HU) bounds that (Fisher information,
    the offset profiled out; air reads -1000 HU at every energy once water and air fix the gain).
    The energy's SD then moves bone mineral's HU per mg/cm^3: sigma(bmd) at `bmd` mg/cm^3, and its
    median |error| (0.674 sigma for a normal error).
    """
    from jmedseg.calibration.attenuation import DENSITY, tissue_hu
    from jmedseg.data.synth.scanner_scale import PERSON_SD_G_CM3

    rows, h = [], 0.5
    for e in energies:
        slope = {t: (tissue_hu(t, e + h) - tissue_hu(t, e - h)) / (2 * h) for t in ("fat", "muscle", "blood")}
        spread = {t: tissue_hu(t, e, DENSITY[t] + sd) - tissue_hu(t, e) for t, sd in PERSON_SD_G_CM3.items()}
        w = np.array([1 / spread[t] ** 2 for t in slope])
        g = np.array(list(slope.values()))
        sigma_e = 1 / math.sqrt(float((w * (g - (w * g).sum() / w.sum()) ** 2).sum()))
        k = k2hpo4_hu_per_mg(e)
        relative = abs(k2hpo4_hu_per_mg(e + h) - k2hpo4_hu_per_mg(e - h)) / (2 * h) / k
        rows.append({"E (keV)": e, "fat HU/keV": slope["fat"], "muscle HU/keV": slope["muscle"],
                     "blood HU/keV": slope["blood"], "bone %/keV": 100 * relative, "sigma E (keV)": sigma_e,
                     f"sigma at {bmd:.0f} mg/cm^3": bmd * relative * sigma_e,
                     "median |error|": 0.674 * bmd * relative * sigma_e})
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=24, help="synthetic CTs (>= 200 for the issue's table)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--delayed", type=int, default=0, help="extra delayed-phase CTs (phase accuracy only)")
    parser.add_argument("--cases", help="JSON-lines file of measured CTs: appended to, and resumed from")
    parser.add_argument("--phase-rules", help="a phase.py to estimate the phases with instead of this code's (an "
                        "earlier commit's: before/after on the same measured HU; the calibration columns stay those "
                        "measured)")
    parser.add_argument("--phases", default=",".join(PHASES), help="of the --n main CTs, only those of these true "
                        f"phases (comma-separated; default all: {','.join(PHASES)})")
    parser.add_argument("--model-cases", type=int, default=2000, help="people in the image-free check")
    parser.add_argument("--region", choices=REGIONS, default="user", help="user: the region measure derives from "
                        "the vertebra mask, as a run without --model (default); painted: the generator's exact "
                        "trabecular region, with the cortex's whole partial-volume rim (the tables before 2026-12-04)")
    args = parser.parse_args()
    print("## Model only (no image): fit on the painted tissue HU, native\n")
    print(markdown_table(model_only(args.model_cases, args.seed), digits=2))
    print("\n## What the tissues tell about the energy without a kVp (any phantomless method, this model)\n")
    print(markdown_table(energy_limit(), digits=2))
    start = time.perf_counter()
    phases = tuple(p.strip() for p in args.phases.split(",") if p.strip())
    unknown = sorted(set(phases) - set(PHASES))
    if unknown:
        parser.error(f"--phases {','.join(unknown)}: choose from {','.join(PHASES)}")
    results = rephase(run_cases(args.n, args.seed, args.workers, args.cases, args.delayed, phases, args.region),
                      phase_rules(args.phase_rules))
    failed = [r for r in results if "error" in r]
    print(f"\n## {len(results) - args.delayed} synthetic CTs ({len(SCANNERS)} scanners x {', '.join(phases)}) + "
          f"{args.delayed} delayed, "
          f"{time.perf_counter() - start:.0f} s, {len(failed)} not measured\n")
    errors = error_table(results)
    print(markdown_table(errors, digits=2))
    print("\n## Where the end-to-end error comes from (kVp given; mg/cm^3; exact labels)\n")
    print(markdown_table(error_sources(results), digits=2))
    print("\n## Which input gets which accuracy (calibration alone, native CTs)\n")
    print(markdown_table(accuracy_by_input(errors), digits=2))
    print("\n## Between-scanner spread at 120 mg/cm^3 (native)\n")
    spread = spread_table(results)
    print(markdown_table(spread, digits=2))
    if len(spread) > 1:
        raw = np.nanstd([r["raw HU bias (mg-eq)"] for r in spread])
        cal = np.nanstd([r["calibrated bias"] for r in spread])
        kv = np.nanstd([r["calibrated bias, kVp given"] for r in spread])
        print(f"\nSD across scanners: raw {raw:.1f}, calibrated {cal:.1f} (shrunk {raw / cal:.1f}x), "
              f"kVp given {kv:.1f} (shrunk {raw / kv:.1f}x) mg/cm^3")
    hu_error = np.array([r["hu"][n] - r["painted_hu"][n] for r in results if "hu" in r for n in LEVELS
                         if math.isfinite(r["hu"][n])])
    if hu_error.size:
        print(f"\ntrabecular Johnson SU mode minus the painted HU: median {np.median(hu_error):+.1f} HU, "
              f"median |.| {np.median(np.abs(hu_error)):.1f} HU ({hu_error.size} levels): the image's share of "
              "the end-to-end error")
    for key, label in (("estimated_phase", "kVp given"), ("estimated_phase_no_kvp", "no kVp")):
        summary, confusion = phase_table(results, key)
        print(f"\n## Contrast phase, {label}\n")
        print(markdown_table(summary, digits=3))
        print(markdown_table(confusion))
    flags = {}
    for r in results:
        if r.get("flag"):
            flags[r["flag"]] = flags.get(r["flag"], 0) + 1
    print(f"\ncalibration flags: {flags or 'none'}; failures: {[r['error'][:80] for r in failed][:5]}")


if __name__ == "__main__":
    main()
