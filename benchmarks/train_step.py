"""Train-step time of jmedseg models on Jittor against identical PyTorch networks.

Same network (benchmarks/torch_reference.py holds the twins; before timing,
jmedseg's initial weights are loaded into the twin and the logits compared),
same batch (4 x 1 x 128 x 128, 3 classes), same loss (CE + soft Dice), Adam,
same number of threads and the same OpenMP wait policy (jmedseg's default,
PASSIVE: spinning waiters made both frameworks several times slower on a busy
machine). Each framework runs in its own worker process (one process holding
both runtimes can clash over OpenMP and oneDNN); the parent
alternates blocks of steps between them, so load from other programs hits
both alike, and reports medians over all timed steps.

    .venv/bin/python benchmarks/train_step.py [--models unet_small ...] [--rounds 4] [--steps 4]

Without PyTorch (`pip install -e .[bench]`) the torch columns say so and only
Jittor is timed.
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODELS = ("unet_small", "attention_unet", "deeplabv3p")
MODEL_KWARGS = {"attention_unet": {"width": 16}, "deeplabv3p": {"width": 32}}  # small enough for CPU
BATCH, SIZE, IN_CHANNELS, NUM_CLASSES, LR = 4, 128, 1, 3, 3e-4


def fixed_batch(seed=0):
    """A synthetic batch both frameworks train on: image in [0, 1], labels 0..NUM_CLASSES-1."""
    rng = np.random.default_rng(seed)
    x = rng.random((BATCH, IN_CHANNELS, SIZE, SIZE), dtype=np.float32)
    y = rng.integers(0, NUM_CLASSES, (BATCH, SIZE, SIZE)).astype(np.int32)
    return x, y


# ---- workers: one process per framework, driven by JSON lines on stdin/stdout ----

class SkipModel(Exception):
    """The model cannot be benchmarked here; the message says why."""


class JittorStepper:
    def __init__(self, model_name, state_path, threads):
        from jmedseg.backend import check_onednn, device_name, jt, nn
        from jmedseg.training.losses import CEDiceLoss
        from jmedseg.models.registry import create_model, list_models

        if model_name not in list_models():
            raise SkipModel(f"{model_name} is not registered in jmedseg (see `jmedseg models`)")
        check_onednn()
        self.jt = jt
        jt.set_global_seed(0)
        self.model = create_model(model_name, in_channels=IN_CHANNELS, num_classes=NUM_CLASSES,
                                  **MODEL_KWARGS.get(model_name, {}))
        self.loss_fn = CEDiceLoss()
        x, y = fixed_batch()
        self.model.eval()
        with jt.no_grad():
            logits = self.model(jt.array(x))
            loss = self.loss_fn(logits, jt.array(y))
            np.savez(state_path, logits=logits.numpy(), loss=loss.numpy(),
                     **{k: np.asarray(v) for k, v in self.model.state_dict().items()})
        self.model.train()
        self.optimizer = nn.Adam(self.model.parameters(), lr=LR)
        self.x, self.y = jt.array(x), jt.array(y)
        self.info = {"device": device_name(), "params": sum(int(np.prod(p.shape)) for p in self.model.parameters() if not p.is_stop_grad())}

    def step(self):
        from jmedseg.pipelines.training import train_step

        return train_step(self.model, self.loss_fn, self.optimizer, self.x, self.y)

    def sync(self, loss):
        self.jt.sync_all(True)
        return float(loss.item())


class TorchStepper:
    def __init__(self, model_name, state_path, threads):
        import torch

        import torch_reference as ref

        if model_name not in ref.TWINS:
            raise SkipModel(f"benchmarks/torch_reference.py has no PyTorch twin for {model_name}")
        torch.set_num_threads(threads)
        torch.manual_seed(0)
        self.model = ref.create_twin(model_name, IN_CHANNELS, NUM_CLASSES, **MODEL_KWARGS.get(model_name, {}))
        x, y = fixed_batch()
        saved = dict(np.load(state_path))
        logits_ref, loss_ref = saved.pop("logits"), float(saved.pop("loss"))
        try:
            diff, loss_diff = ref.check_twin(self.model, saved, x, y, logits_ref, loss_ref)
        except ValueError as why:  # the jmedseg model changed since the twin was written
            raise SkipModel(f"the PyTorch twin no longer matches jmedseg's {model_name}: {why}") from None
        device = "cuda" if torch.cuda.is_available() else "cpu"  # where Jittor would use the GPU too
        self.model.to(device)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LR)
        self.loss_fn = ref.ce_dice_loss
        self.x, self.y = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
        self.info = {"device": device, "params": ref.count_parameters(self.model),
                     "max_logit_diff": diff, "loss_diff": loss_diff}

    def step(self):
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(self.model(self.x), self.y)
        loss.backward()
        self.optimizer.step()
        return loss

    def sync(self, loss):
        return float(loss.item())


def worker(framework, model_name, state_path, threads, warmup):
    """Serve `{"steps": k}` requests with the wall time of each of k train steps."""
    sys.path.insert(0, HERE)
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # compiler chatter must not corrupt the protocol
    try:
        stepper = (JittorStepper if framework == "jittor" else TorchStepper)(model_name, state_path, threads)
    except SkipModel as why:
        protocol.write(json.dumps({"skip": str(why)}) + "\n")
        return 0
    for _ in range(warmup):  # Jittor compiles its kernels here
        stepper.sync(stepper.step())
    protocol.write(json.dumps({"ready": stepper.info}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        times, cpu_times, losses = [], [], []
        for _ in range(request["steps"]):
            t0, c0 = time.perf_counter(), time.process_time()
            losses.append(stepper.sync(stepper.step()))
            times.append(time.perf_counter() - t0)
            cpu_times.append(time.process_time() - c0)
        protocol.write(json.dumps({"times": times, "cpu_times": cpu_times, "losses": losses}) + "\n")


# ---- parent ----

class Worker:
    def __init__(self, framework, model_name, state_path, threads, warmup, wait_policy):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
                   OMP_WAIT_POLICY=wait_policy)
        cmd = [sys.executable, os.path.abspath(__file__), "--worker", framework, "--models", model_name,
               "--state", state_path, "--threads", str(threads), "--warmup", str(warmup)]
        self.framework = framework
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, env=env)

    def receive(self):
        line = self.proc.stdout.readline()
        if not line:
            err = self.proc.stderr.read()
            raise RuntimeError(f"{self.framework} worker died:\n{err[-3000:]}")
        return json.loads(line)

    def run(self, steps):
        self.proc.stdin.write(json.dumps({"steps": steps}) + "\n")
        self.proc.stdin.flush()
        return self.receive()

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def torch_available():
    return importlib.util.find_spec("torch") is not None


def measure(model_name, rounds, steps, threads, warmup, with_torch, wait_policy):
    """Median step time per framework, in seconds, with alternating blocks of `steps` steps.

    Returns None (after printing why) when a worker cannot build the model.
    """
    with tempfile.TemporaryDirectory() as tmp:
        state = os.path.join(tmp, "jmedseg_state.npz")
        workers, info = {}, {}
        # the torch twin loads the weights the Jittor worker saved, so they start in turn
        for fw in ("jittor", "torch") if with_torch else ("jittor",):
            workers[fw] = Worker(fw, model_name, state, threads, warmup, wait_policy)
            reply = workers[fw].receive()
            if "skip" in reply:
                print(f"skipping {model_name}: {reply['skip']}")
                for w in workers.values():
                    w.close()
                return None
            info[fw] = reply["ready"]
        times = {fw: {"times": [], "cpu_times": []} for fw in workers}
        order = list(workers)
        for r in range(rounds):
            for fw in (order if r % 2 == 0 else order[::-1]):
                reply = workers[fw].run(steps)
                for key in times[fw]:
                    times[fw][key] += reply[key]
        for w in workers.values():
            w.close()
    return {fw: {"median_s": float(np.median(t["times"])), "cpu_s": float(np.median(t["cpu_times"])),
                 "n": len(t["times"]), **info[fw]} for fw, t in times.items()}


def format_table(rows, with_torch):
    head = ("| model | params | Jittor s/step | PyTorch s/step | Jittor / PyTorch | "
            "CPU s/step Jittor / PyTorch | max logit diff |")
    lines = [head, "|" + "---|" * 7]
    for name, res in rows:
        j = res["jittor"]
        if with_torch:
            t = res["torch"]
            same = "" if t["max_logit_diff"] < 1e-4 else " (not the same network!)"
            torch_cols = (f"{t['median_s']:.3f}", f"**{j['median_s'] / t['median_s']:.2f}**",
                          f"{j['cpu_s']:.3f} / {t['cpu_s']:.3f}", f"{t['max_logit_diff']:.1e}{same}")
        else:
            torch_cols = ("no torch", "-", f"{j['cpu_s']:.3f} / -", "-")
        lines.append(f"| {name} ({j['device']}) | {j['params']:,} | {j['median_s']:.3f} | "
                     + " | ".join(torch_cols) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS))
    parser.add_argument("--rounds", type=int, default=4, help="alternations between the frameworks")
    parser.add_argument("--steps", type=int, default=4, help="timed steps per block")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps first (Jittor compiles here)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--wait-policy", choices=("PASSIVE", "ACTIVE"), default="PASSIVE",
                        help="OMP_WAIT_POLICY for both frameworks")
    parser.add_argument("--worker", choices=("jittor", "torch"), help=argparse.SUPPRESS)
    parser.add_argument("--state", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker, args.models[0], args.state, args.threads, args.warmup)

    with_torch = torch_available()
    if not with_torch:
        print("PyTorch is not installed: timing Jittor only (`pip install -e .[bench]` adds the reference).")
    rows = []
    for name in args.models:
        result = measure(name, args.rounds, args.steps, args.threads, args.warmup, with_torch, args.wait_policy)
        if result is not None:
            rows.append((name, result))
    print(f"train step, batch {BATCH} x {IN_CHANNELS} x {SIZE} x {SIZE}, Adam, {args.threads} threads "
          f"(OMP_WAIT_POLICY={args.wait_policy}), "
          f"median of {args.rounds * args.steps} steps after {args.warmup} warm-up steps "
          f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs)")
    print(format_table(rows, with_torch))
    return 0


if __name__ == "__main__":
    sys.exit(main())
