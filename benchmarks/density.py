"""Johnson SU fit time and mode error: jmedseg's fit against scipy.stats.johnsonsu.fit.

For each parameter set, draws a region of N pixels with known (a, b, loc, scale),
rounds it to integer HU like a CT (plus one float case), and fits it with
scipy.stats.johnsonsu.fit (timed once: seconds) and with
jmedseg.density.fit_johnson_su (median of several runs). Prints fit times, their
ratio, each fit's mode error against the true mode, and our log-likelihood minus
scipy's (>= 0: ours is at least as good a maximum-likelihood fit).

    .venv/bin/python benchmarks/density.py [--pixels 300000] [--repeats 5]
"""
import argparse
import time

import numpy as np
from scipy import stats

from jmedseg.density.johnson_su import fit_johnson_su, johnson_su_mode
from jmedseg.utils.report import markdown_table

CASES = [  # name, (a, b, loc, scale), integer HU?
    ("phantom shape", (-0.8, 2.0, 120.0, 45.0), True),
    ("left tail", (0.5, 1.5, 200.0, 30.0), True),
    ("heavy right tail", (-2.0, 3.0, 80.0, 60.0), True),
    ("near normal", (0.0, 5.0, 150.0, 80.0), True),
    ("phantom shape, float", (-0.8, 2.0, 120.0, 45.0), False),
]


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def bench_case(name, params, integer, pixels, repeats, seed):
    values = stats.johnsonsu.rvs(*params, size=pixels, random_state=np.random.default_rng(seed))
    if integer:
        values = np.round(values)
    true_mode = johnson_su_mode(*params)
    scipy_s, scipy_params = timed(lambda: stats.johnsonsu.fit(values), 1)
    ours_s, ours = timed(lambda: fit_johnson_su(values), repeats)
    scipy_loglik = float(stats.johnsonsu.logpdf(values, *scipy_params).sum())
    return {"case": name, "pixels": pixels, "scipy s": scipy_s, "ours ms": 1000 * ours_s,
            "ratio": scipy_s / ours_s, "scipy mode err HU": johnson_su_mode(*scipy_params) - true_mode,
            "ours mode err HU": ours.mode - true_mode, "loglik ours - scipy": ours.loglik - scipy_loglik}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pixels", type=int, default=300_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows = [bench_case(name, params, integer, args.pixels, args.repeats, args.seed + i)
            for i, (name, params, integer) in enumerate(CASES)]
    print(markdown_table(rows, digits=3))
    ratios = [r["ratio"] for r in rows]
    errors = [abs(r["ours mode err HU"]) for r in rows]
    print(f"\nspeed ratio scipy/ours: min {min(ratios):.0f}, median {np.median(ratios):.0f} (target >= 50); "
          f"largest |mode error| of ours: {max(errors):.3f} HU (target < 0.25)")


if __name__ == "__main__":
    main()
