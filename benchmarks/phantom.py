"""Time to generate a synthetic cohort (40 subjects should take well under a minute).

Times rendering alone (3D volumes in memory, per site) and the whole
`jmedseg phantom` path (rendering plus writing the NIfTI files), and the 2D
slice cut the training data uses. Prints a table.

    .venv/bin/python benchmarks/phantom.py [--subjects 40]
"""
import argparse
import os
import tempfile
import time

import numpy as np

from jmedseg.data.synthetic import write_phantom_cohort as write_cohort
from jmedseg.data.slices import axial_slices
from jmedseg.data.synthetic import draw_cohort, render_cohort
from jmedseg.utils.report import markdown_table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=40)
    args = parser.parse_args()
    infos = draw_cohort(args.subjects, seed=0)
    rows, per_site, t_slices, voxels = [], {}, 0.0, 0
    t0 = time.perf_counter()
    for info, vol in render_cohort(infos, seed=0):
        per_site.setdefault(info.site, []).append(vol.ct.shape)
        voxels += vol.ct.size
        t1 = time.perf_counter()
        axial_slices(vol.ct, vol.labels, vol.vertebrae, vol.spacing, n_slices=6, size=128, pixel_mm=0.6)
        t_slices += time.perf_counter() - t1
    t_render = time.perf_counter() - t0 - t_slices
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_cohort(os.path.join(tmp, "cohort"), args.subjects, seed=0, progress=False)
        t_write = time.perf_counter() - t0
        size_mb = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(tmp) for f in fs) / 2**20
    n = args.subjects
    for site, shapes in sorted(per_site.items()):
        rows.append({"step": f"site {site} volume shape", "value": "x".join(map(str, shapes[0])),
                     "per subject": f"{len(shapes)} subjects"})
    rows += [
        {"step": "render in memory", "value": f"{t_render:.1f} s", "per subject": f"{t_render / n * 1e3:.0f} ms"},
        {"step": "cut 6 slices of 128 px", "value": f"{t_slices:.1f} s", "per subject": f"{t_slices / n * 1e3:.0f} ms"},
        {"step": "jmedseg phantom (render + write)", "value": f"{t_write:.1f} s",
         "per subject": f"{t_write / n * 1e3:.0f} ms"},
        {"step": "files written", "value": f"{size_mb:.0f} MiB", "per subject": f"{size_mb / n:.1f} MiB"},
        {"step": "voxels rendered", "value": f"{voxels / 1e6:.0f} M", "per subject": f"{voxels / n / 1e6:.1f} M"},
    ]
    rows += synth_rows(n)
    print(f"{n} subjects, {os.cpu_count()} CPU cores, numpy {np.__version__}")
    print(markdown_table(rows, ["step", "value", "per subject"]))


def synth_rows(n):
    """The realistic generator (data=synthetic_ct): 2D slices rendered directly, 6 per subject as above."""
    from jmedseg.data.synth.dataset import synth_slices

    out = []
    for view, size, ss in (("crop", 128, 1), ("crop", 128, 2), ("full", None, 1)):
        k = n if view == "crop" else max(1, n // 10)
        t0 = time.perf_counter()
        synth_slices(k, 6 if view == "crop" else 1, seed=0, size=size or 128, pixel_mm=0.8, view=view,
                     supersample=ss)
        dt = time.perf_counter() - t0
        label = f"synth_ct {view} slices" + (f" of {size} px" if size else " (whole field of view)")
        label += ", supersample 2" if ss == 2 else ""
        per = dt / k
        out.append({"step": label, "value": f"{dt:.1f} s", "per subject": f"{per * 1e3:.0f} ms"
                    + (" (6 slices)" if view == "crop" else " (1 slice)")})
    return out


if __name__ == "__main__":
    main()
