"""Inference slices per second, density measurement per person, and cohort throughput.

On a small synthetic cohort (`jmedseg phantom`, written to a temporary folder):
- segment: `jmedseg.deploy.inference.segment_volume` of the first CTs with a UNet
  (untrained weights: the time does not depend on them), each timed on its
  second run (the first compiles Jittor's kernels for its grid);
  slices per second = slices / seconds;
- measure one person: read the CT and label maps, derive L1+L2 cancellous bone,
  fit Johnson SU (`jmedseg measure` without figures), median over subjects;
- cohort: the same for every subject through `jmedseg measure --cohort`'s
  process pool, with 1 and with 2 worker processes.

    .venv/bin/python benchmarks/throughput.py [--subjects 16] [--segment 3] [--model unet_small] [--batch 8]
"""
import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
import warnings
from argparse import Namespace

import numpy as np

from jmedseg.utils.report import markdown_table


def segment_rate(folder, subjects, model_name, batch):
    """Slices per second of segment_volume over the cohort's CTs (after a warm-up volume)."""
    from jmedseg.backend import device_name
    from jmedseg.data.io import load_volume
    from jmedseg.data.phantom import CLASS_NAMES
    from jmedseg.deploy.inference import GeometryWarning, segment_volume
    from jmedseg.models.registry import create_model

    model = create_model(model_name, in_channels=1, num_classes=len(CLASS_NAMES))
    volumes = [load_volume(os.path.join(folder, s["subject_id"], "ct.nii.gz")) for s in subjects]
    meta = {"windows": [[-200.0, 1000.0]], "class_names": list(CLASS_NAMES), "image_size": None,
            "pixel_mm": float(volumes[0].spacing[0])}  # the first CT's pixels; others are resampled to it
    warnings.simplefilter("ignore", GeometryWarning)  # the phantom's sites differ in pixel size, on purpose
    rows = []
    for subject, volume in zip(subjects, volumes):
        segment_volume(model, meta, volume, batch_size=batch)  # compiles the kernels of this grid
        t0 = time.perf_counter()
        segment_volume(model, meta, volume, batch_size=batch)
        seconds = time.perf_counter() - t0
        nx, ny, nz = volume.array.shape
        rows.append({"subject": subject["subject_id"], "CT voxels": f"{nx}x{ny}x{nz}",
                     "slices": nz, "seconds": round(seconds, 3), "slices/s": round(nz / seconds, 1)})
    total = sum(r["slices"] for r in rows) / sum(r["seconds"] for r in rows)
    return rows, total, device_name()


def measure_times(folder, subjects, out):
    """Seconds per person of `jmedseg measure` (files in, histogram out, no figure), one process."""
    from jmedseg.cli.measure import _measure_subject
    from jmedseg.density.measure import parse_levels

    levels = parse_levels("L1=31,L2=30")
    times = []
    for meta in subjects:
        t0 = time.perf_counter()
        row = _measure_subject(meta, folder, levels, "hu", out, figures=False)
        times.append(time.perf_counter() - t0)
        if row["note"]:
            raise RuntimeError(f"{meta['subject_id']} was not measured: {row['note']}")
    return times


def cohort_seconds(folder, out, workers):
    from jmedseg.cli.measure import run_cohort
    from jmedseg.density.measure import parse_levels

    args = Namespace(cohort=folder, out=out, units="hu", no_figures=True, workers=workers, model=None)
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(io.StringIO()):  # its progress bar
        rows = run_cohort(args, parse_levels("L1=31,L2=30"))
    return time.perf_counter() - t0, len(rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=16, help="cohort size")
    parser.add_argument("--segment", type=int, default=3, help="CTs to segment")
    parser.add_argument("--model", default="unet_small")
    parser.add_argument("--batch", type=int, default=8, help="slices per forward pass")
    args = parser.parse_args(argv)

    from jmedseg.cli.measure import _cohort_subjects
    from jmedseg.cli.phantom import write_cohort

    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "cohort")
        write_cohort(folder, args.subjects, seed=0, progress=False)
        subjects = _cohort_subjects(folder)

        rows, rate, device = segment_rate(folder, subjects[:args.segment], args.model, args.batch)
        print(f"segment_volume, {args.model}, batch {args.batch}, {device} "
              f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs)")
        print(markdown_table(rows))
        print(f"overall: {rate:.1f} slices/s\n")

        per_person = measure_times(folder, subjects, os.path.join(tmp, "one"))
        cohort = {w: cohort_seconds(folder, os.path.join(tmp, f"pool{w}"), w) for w in (1, 2)}
        table = [{"what": "one person (read CT + labels, L1+L2 Johnson SU fit, write histogram)",
                  "seconds": round(float(np.median(per_person)), 3), "subjects/s": "-"}]
        for workers, (seconds, n) in cohort.items():
            table.append({"what": f"cohort of {n}, {workers} worker process{'es' if workers > 1 else ''}",
                          "seconds": round(seconds, 2), "subjects/s": round(n / seconds, 2)})
        print("density measurement (jmedseg measure, no figures), median per person over "
              f"{len(per_person)} subjects")
        print(markdown_table(table))
        speedup = cohort[1][0] / cohort[2][0]
        print(f"2 workers vs 1: {speedup:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
