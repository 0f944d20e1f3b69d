"""Model zoo benchmark: parameters, CPU time and peak memory of every registered model.

Each model is built from its `conf/model/<name>.yaml` (the options the sweep trains) for 1 input channel
and 3 classes, and measured in its own process, so the peak memory of one does not hide another's:
- forward: inference (eval mode, no gradient) on a batch of `--batch` x 1 x `--size` x `--size`;
- train step: forward, cross-entropy backward and an Adam update in train mode, same batch;
- peak memory: the process's peak resident memory during those runs minus its memory before the
  model was built (Linux: VmHWM after resetting it through /proc/self/clear_refs).
Times are the median of `--repeats` runs after one warm-up run (which compiles Jittor's kernels).

    .venv/bin/python benchmarks/models.py [--pattern '*' ...] [--batch 4] [--size 128] [--repeats 3]

Prints a markdown table and writes it to benchmarks/results/models.md.
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULT = os.path.join(ROOT, "benchmarks", "results", "models.md")
NUM_CLASSES = 3


def read_status_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status (this benchmark needs Linux)")


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def measure(name, batch, size, repeats):
    """One model's figures; run inside a fresh process."""
    import numpy as np
    from omegaconf import OmegaConf

    from jmedseg.backend import jt, nn
    from jmedseg.models.build import count_parameters, model_kwargs
    from jmedseg.models.registry import create_model

    jt.set_global_seed(0)
    x = jt.randn(batch, 1, size, size)
    target = jt.array(np.random.default_rng(0).integers(0, NUM_CLASSES, (batch, size, size)).astype("int32"))
    jt.sync_all()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # resets the peak resident memory (VmHWM) to the current one
    base_kib = read_status_kib("VmRSS")

    options = model_kwargs(OmegaConf.load(os.path.join(ROOT, "conf", "model", f"{name}.yaml")))
    model = create_model(name, in_channels=1, num_classes=NUM_CLASSES, **options)
    optimizer = nn.Adam(model.parameters(), lr=1e-4)

    def forward():
        model.eval()
        with jt.no_grad():
            model(x).sync()

    def train_step():
        model.train()
        optimizer.step(nn.cross_entropy_loss(model(x), target))
        jt.sync_all()

    forward()  # warm-up: compiles this model's kernels
    train_step()
    forward_s = median_time(forward, repeats)
    train_s = median_time(train_step, repeats)
    return {"model": name, "params_M": count_parameters(model) / 1e6, "forward_s": forward_s,
            "train_step_s": train_s, "peak_mem_MiB": (read_status_kib("VmHWM") - base_kib) / 1024}


def run_child(name, args):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", name, "--batch", str(args.batch),
           "--size", str(args.size), "--repeats", str(args.repeats)]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=args.timeout)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        tail = (out.stderr or out.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"model": name, "error": tail[0][:120]}
    return json.loads(lines[-1])


def machine_description():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())  # other processes slow the timings down
    return f"{cpu}, {os.cpu_count()} cores visible, load average {load}, Python {platform.python_version()}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pattern", nargs="+", default=["*"],
                        help="shell-style filters on model names (a model matching any of them is run)")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per model")
    parser.add_argument("--out", default=RESULT)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.batch, args.size, args.repeats)))
        return 0

    from jmedseg.backend import jt
    from jmedseg.models.registry import list_models
    from jmedseg.utils.report import markdown_table, write_text

    names = sorted({name for pattern in args.pattern for name in list_models(pattern)})
    if not names:
        raise SystemExit(f"no registered model matches {' '.join(args.pattern)!r}; see `jmedseg models`")
    rows = []
    for name in names:
        rows.append(run_child(name, args))
        print(json.dumps(rows[-1]), flush=True)
    columns = ["model", "params_M", "forward_s", "train_step_s", "peak_mem_MiB"]
    if any("error" in r for r in rows):
        columns.append("error")
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = (f"Model zoo on CPU ({stamp}; {machine_description()}; Jittor {jt.__version__}): "
              f"batch {args.batch} x 1 x {args.size} x {args.size}, {NUM_CLASSES} classes, options of "
              f"conf/model/<name>.yaml, median of {args.repeats} runs after a warm-up; forward = inference "
              "without gradient, train step = forward + backward + Adam.")
    table = markdown_table(rows, columns=columns, digits=3)
    write_text(args.out, header + "\n\n" + table + "\n")
    print(f"\n{header}\n\n{table}\n\nwritten to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
