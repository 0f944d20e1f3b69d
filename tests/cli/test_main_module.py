"""`python -m jmedseg ...` is the `jmedseg` command."""
import os
import subprocess
import sys
from tests.conftest import ROOT



def test_python_dash_m_runs_the_cli(tmp_path):
    """It parses and runs a command, with the same messages and exit codes as `jmedseg`."""
    env = dict(os.environ, PYTHONPATH=ROOT)
    missing = tmp_path / "none.csv"
    done = subprocess.run([sys.executable, "-m", "jmedseg", "trend", "--input", str(missing), "--out",
                           str(tmp_path / "o")], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 2
    assert f"jmedseg trend: error: no densities file {missing}" in done.stderr
