"""The one place that imports Jittor.

Two traps on CPU machines (measured, see README "Installation"):
- a machine with `nvcc` but no GPU makes `import jittor` try to load libcudart
  and fail, unless `nvcc_path=""` is set before the import;
- Jittor downloads oneDNN at first import; offline that fails, and without
  oneDNN convolutions fall back to naive kernels about 50x slower.
`scripts/setup.sh` links Debian's oneDNN into Jittor's cache; here we check it.
"""
import os
import shutil
import subprocess
import sys
import warnings

from jmedseg.errors import JmedsegError

SETUP_COMMAND = "bash scripts/setup.sh"
DNNL_LIB = os.path.expanduser("~/.cache/jittor/mkl/dnnl_lnx_2.2.0_cpu_gomp/lib/libmkldnn.so")


def gpu_available():
    """True when an NVIDIA GPU answers `nvidia-smi -L` (nvcc alone is not enough)."""
    if os.environ.get("JMEDSEG_DEVICE", "").lower() == "cpu":
        return False
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return False
    try:
        out = subprocess.run([smi, "-L"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


def _prepare_environment():
    use_gpu = gpu_available()
    if not use_gpu:
        os.environ["nvcc_path"] = ""
    os.environ.setdefault("log_silent", "1")  # Jittor's compile chatter
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    # OpenMP threads that spin while they wait made 2-thread train steps 1.4x (load 2-3) to 5x
    # (load 10) slower on a shared 2-core machine (README "Performance and scale").
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    # Jittor compiles the new kernels of a graph on up to 16 threads that share unlocked global maps (its own
    # source says so where it drops to one thread in debug builds). Caught under gdb: a segfault in
    # VarRelayManager::get_relay_src on a compile thread, and "Fatal Python error: Aborted" in backward, each in
    # about one in three cold runs of the model tests. Compiling one kernel at a time only costs time on the first
    # run of a new shape; a user may set use_parallel_op_compiler to take the risk back.
    os.environ.setdefault("use_parallel_op_compiler", "0")
    # Jittor compiles its own core once per install (a new virtual environment: every fresh clone and `.ci/run`) in
    # a multiprocessing pool of up to 16 forked processes. On this 2-core machine under load that pool hung twice in
    # a row on 2026-12-05 (all workers waiting on the task queue's lock, the parent on its results; py-spy), so a
    # fresh clone's `make test` never started. One process compiles the same objects a little slower, and only once.
    os.environ.setdefault("DISABLE_MULTIPROCESSING", "1")
    if not os.path.exists(DNNL_LIB) and os.environ.get("use_mkl", "1") == "1":
        # Without the link Jittor would try (and fail) to download oneDNN.
        os.environ["use_mkl"] = "0"
    return use_gpu


_USE_GPU = _prepare_environment()
import jittor as jt  # noqa: E402  (environment must be set first)
from jittor import nn  # noqa: E402,F401

if _USE_GPU and jt.has_cuda:
    jt.flags.use_cuda = 1


def onednn_available():
    """True when Jittor's oneDNN convolution ops were compiled and loaded."""
    from jittor import compile_extern

    return getattr(compile_extern, "mkl_ops", None) is not None


class OneDNNMissingError(JmedsegError, RuntimeError):
    pass


def check_onednn(strict=None):
    """Fail (or warn, when JMEDSEG_ALLOW_SLOW=1) if convolutions would run without oneDNN."""
    if jt.flags.use_cuda or onednn_available():
        return True
    if strict is None:
        strict = os.environ.get("JMEDSEG_ALLOW_SLOW", "0") != "1"
    msg = (
        "Jittor runs without oneDNN: convolutions on CPU are about 50x slower. "
        f"Run `{SETUP_COMMAND}` once (it links Debian's libdnnl-dev into {os.path.dirname(os.path.dirname(DNNL_LIB))}), "
        "or set JMEDSEG_ALLOW_SLOW=1 to go on anyway."
    )
    if strict:
        raise OneDNNMissingError(msg)
    warnings.warn(msg, RuntimeWarning, stacklevel=2)
    return False


def device_name():
    return "cuda" if jt.flags.use_cuda else "cpu"


def warm_cache():
    """Compile the ops a small UNet train step uses, so first use is not a surprise."""
    check_onednn()
    x = jt.randn(2, 1, 32, 32)
    conv = nn.Conv2d(1, 4, 3, padding=1)
    bn = nn.BatchNorm2d(4)
    up = nn.ConvTranspose2d(4, 4, 2, stride=2)
    y = up(nn.max_pool2d(nn.relu(bn(conv(x))), 2, 2))
    loss = (y ** 2).mean()
    opt = nn.Adam(list(conv.parameters()) + list(bn.parameters()) + list(up.parameters()), lr=1e-3)
    opt.step(loss)
    jt.sync_all()


if __name__ == "__main__" and "--warm" in sys.argv:
    warm_cache()
    print(f"[jmedseg] Jittor {jt.__version__} ready on {device_name()}; oneDNN: {onednn_available()}")
