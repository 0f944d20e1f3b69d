#!/usr/bin/env bash
# One-time, idempotent install of jmedseg on a fresh Debian machine (CPU or GPU).
#   1. Debian's oneDNN (libdnnl-dev), OpenMPI and chromium (the report tests), when missing and we may use apt.
#   2. A virtual environment in .venv with the project and its pinned dependencies.
#   3. oneDNN plugged into Jittor's cache folder, so Jittor neither downloads it
#      (no internet here) nor falls back to its naive convolutions (~50x slower).
#   4. Jittor's compile cache warmed, so the first demo or test does not stall.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${JMEDSEG_VENV:-.venv}
PY=${PYTHON:-python3}

need_apt=()
[ -e /usr/include/dnnl.hpp ] || need_apt+=(libdnnl-dev)
command -v mpicc >/dev/null || need_apt+=(libopenmpi-dev openmpi-bin)
# the report's tests render pages in a real headless browser (tests/report/test_report_measure.py)
command -v chromium >/dev/null || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[setup] apt-get install ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "[setup] please install: ${need_apt[*]} (Debian packages)" >&2
  fi
fi

stamp="$VENV/.jmedseg-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  [ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
  # with pipefail a pip failure stops the script; grep only hides local-index warnings
  "$VENV/bin/pip" install -q --disable-pip-version-check -e ".[test]" 2>&1 | { grep -v "^WARNING: Location" || true; }
  # find_spec, not import: importing jittor before jmedseg.backend sets nvcc_path would fail here
  "$VENV/bin/python" -c "import importlib.util as u, sys; sys.exit(any(u.find_spec(m) is None for m in
    ('jmedseg', 'jittor', 'hydra', 'nibabel', 'albumentations', 'pytest')))" || \
    { echo "[setup] the environment in $VENV is incomplete; remove it and run again" >&2; exit 1; }
  touch "$stamp"
fi

# Jittor looks for ~/.cache/jittor/mkl/dnnl_lnx_2.2.0_cpu_gomp/lib/libmkldnn.so and
# skips its download when the file exists; Debian's oneDNN 2.x has the same API.
dnnl_home="$HOME/.cache/jittor/mkl/dnnl_lnx_2.2.0_cpu_gomp"
if [ -e /usr/lib/x86_64-linux-gnu/libdnnl.so ] && [ ! -e "$dnnl_home/lib/libmkldnn.so" ]; then
  echo "[setup] linking Debian's oneDNN into $dnnl_home"
  mkdir -p "$dnnl_home/include" "$dnnl_home/lib"
  for h in /usr/include/dnnl*.h /usr/include/dnnl*.hpp; do ln -sf "$h" "$dnnl_home/include/"; done
  [ -d /usr/include/oneapi ] && ln -sfn /usr/include/oneapi "$dnnl_home/include/oneapi"
  ln -sf /usr/lib/x86_64-linux-gnu/libdnnl.so "$dnnl_home/lib/libmkldnn.so"
  ln -sf /usr/lib/x86_64-linux-gnu/libdnnl.so.2 "$dnnl_home/lib/libdnnl.so.2"
fi

echo "[setup] warming Jittor's compile cache (about 2 minutes the first time)"
"$VENV/bin/python" -m jmedseg.backend --warm
