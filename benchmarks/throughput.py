"""Inference slices per second, density measurement per person, and resumable cohort throughput.

On a synthetic cohort (`jmedseg phantom`, written to a temporary folder):
- segment: `jmedseg.deploy.inference.segment_volume` of the first CTs with a UNet
  (untrained weights: the time does not depend on them), each timed on its
  second run (the first compiles Jittor's kernels for its grid);
  slices per second = slices / seconds;
- measure one person: read the CT and label maps, derive L1+L2 cancellous bone,
  fit Johnson SU, store the row and histogram (`jmedseg measure` without figures),
  median over subjects;
- cohort (200 phantoms by default): `jmedseg measure --cohort` in a fresh process
  with 1 and 2 workers, uninterrupted, and killed with SIGKILL at about half then
  run again (it resumes): the time lost and whether the table is identical to the
  uninterrupted one; then the same cohort as a submitit job array of 4 shards on
  the local executor (the code path of `--launcher slurm`);
- a projection, labelled as such, of 20,000 CTs on 50 Slurm nodes;
- CT in, density out: a 512 x 512 x 300 CT (the bundled 3 mm example, resampled) from
  file to densities.csv with no mask (the vertebrae labelled from the CT alone), wall
  and CPU seconds (`real_ct_spine.speed`, in this process; `--only-ct-alone N`: each run in a
  fresh process, imports included; docs/throughput.md);
- with a mask (`measure --ct CT --mask MASK`): a 512 x 512 x 600 CT and a 0.5 x 0.5 x 5 mm
  CT made from the bundled 3 mm example and its TotalSegmentator mask (each voxel
  copied), each in a fresh process: wall seconds and the process's peak resident
  memory (resource.getrusage ru_maxrss). Target (issue 21): under 30 s and 2 GB.

    .venv/bin/python benchmarks/throughput.py [--subjects 200] [--shards 4] [--segment 3] [--model unet_small]
    .venv/bin/python benchmarks/throughput.py --only-mask      # just the two rows with a mask
    .venv/bin/python benchmarks/throughput.py --only-ct-alone 2   # just the CT-alone rows, fresh processes, 2 runs
    JMEDSEG_ROOT=/path/to/other/checkout ... --only-mask        # the same rows with another checkout's code
"""
import argparse
import csv
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

from jmedseg.utils.report import markdown_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def segment_rate(folder, subjects, model_name, batch):
    """Slices per second of segment_volume over the cohort's CTs (after a warm-up volume)."""
    from jmedseg.backend import device_name
    from jmedseg.data.io import load_volume
    from jmedseg.constants import CLASS_NAMES
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
    from jmedseg.pipelines.cohort_run import measure_subject, settings_for
    from jmedseg.density.measure import parse_levels

    settings = settings_for(parse_levels("L1=31,L2=30"))
    times = []
    for index, meta in enumerate(subjects):
        t0 = time.perf_counter()
        result = measure_subject(index, meta, folder, out, settings, figures=False)
        times.append(time.perf_counter() - t0)
        if result["row"]["density_hu"] is None:
            raise RuntimeError(f"{meta['subject_id']} was not measured: {result['row']['note']}")
    return times


def _cli(*args):
    return [sys.executable, "-c", "import sys; from jmedseg.cli import main; sys.exit(main())", "measure", *args]


def _stored(out):
    return len(glob.glob(os.path.join(out, "subjects", "*.json")))


def timed_run(folder, out, *extra):
    """Wall seconds of `jmedseg measure --cohort` in a fresh process (start-up included, as a user sees it)."""
    t0 = time.perf_counter()
    subprocess.run(_cli("--cohort", folder, "--out", out, "--no-figures", *extra), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def killed_and_resumed(folder, out, n_subjects, workers):
    """(seconds until the kill, subjects stored then, seconds of the resumed run): SIGKILL at about half."""
    # Jittor (imported here by the segment timing) ends this process when a child dies of a signal
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    t0 = time.perf_counter()
    proc = subprocess.Popen(_cli("--cohort", folder, "--out", out, "--no-figures", "--workers", str(workers)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    while _stored(out) < n_subjects // 2 and proc.poll() is None:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)   # the run and its worker processes, as a node failure would
    proc.wait()
    until_kill, stored = time.perf_counter() - t0, _stored(out)
    return until_kill, stored, timed_run(folder, out, "--workers", str(workers))


def same_table(out, reference):
    """True when both densities.csv list the same subjects, flags, notes, histograms and densities (1e-6 HU)."""
    from jmedseg.density.measure import HUHistogram

    def rows(folder):
        with open(os.path.join(folder, "densities.csv"), newline="") as f:
            return list(csv.DictReader(f))
    got, want = rows(out), rows(reference)
    if [r["subject_id"] for r in got] != [r["subject_id"] for r in want]:
        return False
    for g, w in zip(got, want):
        for key, value in w.items():
            numeric = key.endswith(("_hu", "_ml")) and value
            if (abs(float(g[key]) - float(value)) > 1e-6) if numeric else g[key] != value:
                return False
        a, b = (HUHistogram.load(os.path.join(d, r["histogram"])) for d, r in ((out, g), (reference, w)))
        if a.hu.tolist() != b.hu.tolist() or a.counts.tolist() != b.counts.tolist():
            return False
    return True


def cohort_table(folder, tmp, n_subjects, shards):
    """Rows of the cohort benchmark: 1 and 2 workers, each uninterrupted and killed at half + resumed; shards."""
    table, reference = [], None
    for workers in (1, 2):
        out = os.path.join(tmp, f"full{workers}")
        seconds = timed_run(folder, out, "--workers", str(workers))
        reference = reference or out
        table.append({"run": f"{workers} worker{'s' if workers > 1 else ''}, uninterrupted",
                      "seconds": round(seconds, 1), "subjects/s": round(n_subjects / seconds, 2),
                      "time lost": "-", "table identical": same_table(out, reference)})
        killed = os.path.join(tmp, f"killed{workers}")
        until_kill, stored, resumed = killed_and_resumed(folder, killed, n_subjects, workers)
        table.append({"run": f"{workers} worker{'s' if workers > 1 else ''}, SIGKILL after {stored} stored "
                             f"({until_kill:.1f} s) + resume",
                      "seconds": round(until_kill + resumed, 1), "subjects/s": round(n_subjects / (until_kill + resumed), 2),
                      "time lost": f"{until_kill + resumed - seconds:+.1f} s", "table identical": same_table(killed, reference)})
    out = os.path.join(tmp, "local")
    env_path = os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))
    os.environ["PYTHONPATH"] = env_path    # the submitit jobs import this checkout's jmedseg
    seconds = timed_run(folder, out, "--launcher", "local", "--jobs", str(shards), "--workers", "1")
    table.append({"run": f"submitit LocalExecutor, {shards} shards (1 process each)", "seconds": round(seconds, 1),
                  "subjects/s": round(n_subjects / seconds, 2), "time lost": "-",
                  "table identical": same_table(out, reference)})
    return table


def projection(seconds_per_subject, cts=20_000, nodes=50, cores=(1, 16)):
    """Rows of a PROJECTION (not a measurement) of the wall time of `cts` CTs on `nodes` Slurm nodes."""
    per_node = -(-cts // nodes)
    return [{"cores per node (--workers)": c, "subjects per node": per_node,
             "projected wall time (min)": round(per_node * seconds_per_subject / c / 60, 1)} for c in cores]


def _copied(array, factors, shape, fill):
    """`array` with each voxel copied `factors` times per axis (a factor < 1 keeps every 1/f-th slice), padded
    or cut to `shape` with `fill`: the real scan's content on a finer (or coarser) grid."""
    for axis, f in enumerate(factors):
        if f >= 1:
            array = np.repeat(array, int(f), axis=axis)
        else:
            keep = np.round(np.arange(0, array.shape[axis], 1 / f)).astype(int)
            array = np.take(array, keep[keep < array.shape[axis]], axis=axis)
    out = np.full(shape, fill, array.dtype)
    cut = tuple(slice(0, min(a, b)) for a, b in zip(array.shape, shape))
    out[cut] = array[cut]
    return out


def _write_case(work, name, factors, shape):
    """(CT path, mask path, spacing text) of the bundled example CT and its vertebra mask, copied per voxel."""
    import nibabel as nib

    from jmedseg.data.io import load_labels, load_volume

    example = os.path.join(ROOT, "tests", "data", "totalseg_example")
    ct = load_volume(os.path.join(example, "example_ct.nii.gz"))
    mask = load_labels(os.path.join(example, "example_ct_vertebrae.nii.gz"))
    affine = ct.affine.copy()
    affine[:3, :3] = ct.affine[:3, :3] @ np.diag([1.0 / f for f in factors])
    paths = []
    for what, volume, dtype, fill in (("ct", ct, np.int16, -1024), ("mask", mask, np.uint8, 0)):
        path = os.path.join(work, f"{name}_{what}.nii.gz")
        nib.save(nib.Nifti1Image(_copied(volume.array.astype(dtype), factors, shape, fill), affine), path)
        paths.append(path)
    spacing = "x".join(f"{s / f:g}" for s, f in zip(ct.spacing, factors))
    return paths[0], paths[1], spacing


def _peak_run(argv):
    """(exit code, wall s, CPU s, peak RSS GB) of `jmedseg` with `argv` in a fresh process (imports included).

    CPU seconds (user + system) next to wall seconds: on a shared, loaded machine the
    wall time measures the queue, the CPU time what the work costs.
    """
    code = ("import resource, sys; from jmedseg.cli import main; rc = main(sys.argv[1:]); "
            "u = resource.getrusage(resource.RUSAGE_SELF); "
            "print('USAGE', u.ru_maxrss, u.ru_utime + u.ru_stime); sys.exit(rc)")
    t0 = time.perf_counter()
    root = os.environ.get("JMEDSEG_ROOT", ROOT)   # another checkout's jmedseg, for before/after figures
    done = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=root,
                          env={**os.environ, "PYTHONPATH": root})
    seconds = time.perf_counter() - t0
    usage = [line.split()[1:] for line in done.stdout.splitlines() if line.startswith("USAGE")]
    peak_kb, cpu = usage[0] if usage else ("nan", "nan")
    return done.returncode, seconds, float(cpu), float(peak_kb) / 2 ** 20


def mask_rows(work):
    """Rows of `jmedseg measure --ct CT --mask MASK --no-figures` on large grids: wall s and peak memory."""
    rows = []
    for name, factors, shape in (("512x512x600", (4, 5, 5), (512, 512, 600)),
                                 ("0.5x0.5x5mm", (6, 6, 0.6), (732, 606, 67))):
        ct, mask, spacing = _write_case(work, name, factors, shape)
        rc, seconds, cpu, peak = _peak_run(["measure", "--ct", ct, "--mask", mask, "--no-figures",
                                            "--out", os.path.join(work, f"out_{name}")])
        rows.append({"CT with --mask": f"{'x'.join(map(str, shape))} ({spacing} mm)", "exit code": rc,
                     "wall s": round(seconds, 1), "CPU s": round(cpu, 1), "peak memory GB": round(peak, 2),
                     "load average": round(os.getloadavg()[0], 1)})
    return rows


def ct_alone_rows(work, repeat=1):
    """Rows of `jmedseg measure --ct CT --out DIR` with no mask on the 512 x 512 x 300 example copy (voxels copied
    4 x 5 x 3, `real_ct_spine`), with and without figures, each in a fresh process (imports included, as a user
    runs it; issue 20 section 4's target: under 10 s on 2 cores): wall and CPU seconds, peak memory."""
    import nibabel as nib

    from jmedseg.data.io import load_volume
    from real_ct_spine import _replicated_512

    path = os.path.join(work, "ct512.nii.gz")
    big, affine = _replicated_512(load_volume(os.path.join(ROOT, "tests", "data", "totalseg_example",
                                                           "example_ct.nii.gz")))
    nib.save(nib.Nifti1Image(big, affine), path)
    del big
    rows = []
    for run in range(repeat):
        for figures in (True, False):
            out = os.path.join(work, f"out_ct_alone_{run}_{figures}")
            rc, seconds, cpu, peak = _peak_run(["measure", "--ct", path, "--out", out]
                                               + ([] if figures else ["--no-figures"]))
            rows.append({"512x512x300 CT, no mask": f"run {run + 1}", "figures": "yes" if figures else "no",
                         "exit code": rc, "wall s": round(seconds, 1), "CPU s": round(cpu, 1),
                         "peak memory GB": round(peak, 2), "load average": round(os.getloadavg()[0], 1)})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=200, help="cohort size (default 200)")
    parser.add_argument("--per-person", type=int, default=20, help="subjects timed one by one (default 20)")
    parser.add_argument("--shards", type=int, default=4, help="local-executor shards (default 4)")
    parser.add_argument("--segment", type=int, default=3, help="CTs to segment (0: skip)")
    parser.add_argument("--model", default="unet_small")
    parser.add_argument("--batch", type=int, default=8, help="slices per forward pass")
    parser.add_argument("--no-ct-alone", action="store_true",
                        help="skip the 512 x 512 x 300 CT measured without a mask (vertebrae labelled from the CT)")
    parser.add_argument("--only-mask", action="store_true", help="only the two large CTs measured with a mask")
    parser.add_argument("--only-ct-alone", type=int, metavar="N", default=0,
                        help="only the 512 x 512 x 300 CT without a mask, N runs each in a fresh process")
    args = parser.parse_args(argv)

    stamp = f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs"
    if args.only_ct_alone:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"`jmedseg measure --ct CT --out DIR` (no mask) in a fresh process ({stamp}); target: under 10 s")
            print(markdown_table(ct_alone_rows(tmp, args.only_ct_alone), digits=2))
        return 0
    if args.only_mask:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"`jmedseg measure --ct CT --mask MASK --no-figures` in a fresh process ({stamp}); target: "
                  "under 30 s and 2 GB")
            print(markdown_table(mask_rows(tmp), digits=2))
        return 0

    from jmedseg.data.synthetic import write_phantom_cohort as write_cohort
    from jmedseg.pipelines.cohort_run import read_subjects

    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "cohort")
        write_cohort(folder, args.subjects, seed=0, progress=False)
        subjects = read_subjects(folder)

        if args.segment:
            rows, rate, device = segment_rate(folder, subjects[:args.segment], args.model, args.batch)
            print(f"segment_volume, {args.model}, batch {args.batch}, {device} ({stamp})")
            print(markdown_table(rows))
            print(f"overall: {rate:.1f} slices/s\n")

        per_person = measure_times(folder, subjects[:args.per_person], os.path.join(tmp, "one"))
        seconds = float(np.median(per_person))
        print(f"density of one person (read CT + labels, L1+L2 Johnson SU fit, write histogram and row; "
              f"no figure): median {seconds:.3f} s over {len(per_person)} phantoms ({stamp})\n")
        print(f"cohort of {args.subjects} phantoms, `jmedseg measure --cohort --no-figures` in a fresh process "
              "(start-up included); time lost = killed + resumed minus uninterrupted, same worker count")
        print(markdown_table(cohort_table(folder, tmp, args.subjects, args.shards), digits=2))
        print(f"\nPROJECTION (not measured): 20,000 CTs on 50 Slurm nodes (`--launcher slurm --jobs 50`), "
              f"from the {seconds:.3f} s per phantom above, perfect scaling over cores, queueing and start-up "
              "not counted; a clinical CT (512 x 512 x 300 voxels, about 10x a phantom) reads and erodes "
              "proportionally longer")
        print(markdown_table(projection(seconds), digits=1))

        if not args.no_ct_alone:  # CT in, density out: the spine labelling plus the measurement, file to table
            from real_ct_spine import speed

            print("\n512 x 512 x 300 abdominal CT (the bundled 3 mm example, resampled) from file to densities.csv "
                  "with `jmedseg measure --ct CT --out DIR`, no mask: vertebrae found and named from the CT alone")
            print(markdown_table(speed(tmp), digits=2))
        print("\n`jmedseg measure --ct CT --mask MASK --no-figures` in a fresh process; target: under 30 s and 2 GB")
        print(markdown_table(mask_rows(tmp), digits=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
