"""CPU seconds per step of one `jmedseg measure` run, in this (fresh) process: where the time of a CT goes.

Each step's function is wrapped by name and timed with time.process_time (this process's CPU, so
load from other programs on a shared machine hardly moves it; a profiler's per-call overhead would
inflate the many small calls of the column tracker). A step absent from the checkout being measured
(`track_column` before docs/throughput.md's change) is left out of the table. The wrapping imports
every step's module, matplotlib included, even with --no-figures: the whole-process figure of a user's
run is `benchmarks/throughput.py --only-ct-alone`'s.

    .venv/bin/python benchmarks/ct_alone_steps.py measure --ct CT.nii.gz --out DIR
    PYTHONPATH=/other/checkout .venv/bin/python benchmarks/ct_alone_steps.py ...   # another checkout's code
"""
import functools
import importlib
import resource
import sys
import time

STEPS = [   # (module, function, label): indented labels are parts of the step above
    ("jmedseg.data.io", "load_volume", "load_volume"),
    ("jmedseg.pipelines.subject", "vertebra_map", "vertebra_map (column, labelling, label file)"),
    ("jmedseg.spine", "track_column", "  track_column"),
    ("jmedseg.spine.pipeline", "label_vertebrae", "  label_vertebrae"),
    ("jmedseg.density.measure", "measure_person", "measure_person"),
    ("jmedseg.calibration.person", "calibrate_person", "calibrate_person"),
    ("jmedseg.calibration.person", "find_reference_tissues", "  find_reference_tissues"),
    ("jmedseg.calibration.figure", "calibration_figure", "  calibration_figure"),
    ("jmedseg.spine.qc", "qc_for_measure", "qc_for_measure"),
    ("jmedseg.pipelines.subject", "measure_files", "measure_files (the steps above and the rest)"),
]


def _timed(seconds, label, fn):
    @functools.wraps(fn)
    def timed(*args, **kwargs):
        t0 = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            seconds[label] = seconds.get(label, 0.0) + time.process_time() - t0
    return timed


def wrap_steps(seconds):
    """Replace each step's function in its module by a timed one (callers import them at call time)."""
    for module_name, name, label in STEPS:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            setattr(module, name, _timed(seconds, label, getattr(module, name)))


def main(argv):
    from jmedseg.cli import main as cli
    from jmedseg.utils.report import markdown_table

    seconds = {}
    wrap_steps(seconds)
    t0 = time.process_time()
    rc = cli(argv)
    cli_seconds = time.process_time() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rows = [{"step": label, "CPU s": round(seconds[label], 2)} for _, _, label in STEPS if label in seconds]
    rows += [{"step": "jmedseg measure (cli main)", "CPU s": round(cli_seconds, 2)},
             {"step": "whole process (start-up and imports included)", "CPU s": round(usage.ru_utime + usage.ru_stime, 2)}]
    print(markdown_table(rows, digits=2))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
