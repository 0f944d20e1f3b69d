"""Cohort measurement that survives a kill, resumes, runs in shards and through submitit's local executor.

Every comparison is against an uninterrupted, unsharded run of the same cohort: the same
subjects in the same order, the same notes and flags, the same histograms (integer counts of
integer HU values: exact by construction), and densities within 1e-6 HU. Why 1e-6: both runs
fit the same integer pixel values with the same code on the same machine, so only the
reduction order inside numpy/scipy can differ between processes; that moves a Johnson SU
mode by orders of magnitude less than 1e-6 HU, and 1e-6 HU is 1e5 times below the 0.1 HU
resolution any density is reported at.
"""
import csv
import glob
import math
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from jmedseg.cli import main
from jmedseg.density.measure import HUHistogram
from tests.density.test_density_measure import write_cohort
from tests.conftest import ROOT

DENSITY_TOL_HU = 1e-6
N_SUBJECTS = 16


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """16 box phantoms with densities 80..230 HU, and the uninterrupted run's output folder."""
    root = tmp_path_factory.mktemp("cohort")
    folder = root / "cohort"
    folder.mkdir()
    people = [(f"s{i:02d}", 40 + i, "FM"[i % 2], "NS"[i // 8], 80.0 + 10 * i) for i in range(N_SUBJECTS)]
    write_cohort(folder, people)
    reference = root / "reference"
    assert main(["measure", "--cohort", str(folder), "--out", str(reference), "--workers", "1",
                 "--no-figures"]) == 0
    return folder, reference


def _rows(folder):
    with open(os.path.join(folder, "densities.csv"), newline="") as f:
        return list(csv.DictReader(f))


def assert_same_table(out, reference):
    """Subject for subject: ids, metadata, flags and notes equal; numbers within DENSITY_TOL_HU; histograms equal."""
    got, want = _rows(out), _rows(reference)
    assert [r["subject_id"] for r in got] == [r["subject_id"] for r in want]
    assert list(got[0]) == list(want[0])
    for g, w in zip(got, want):
        for key, value in w.items():
            if key.endswith(("_hu", "_ml")) and value:
                assert float(g[key]) == pytest.approx(float(value), abs=DENSITY_TOL_HU), (g["subject_id"], key)
            else:
                assert g[key] == value, (g["subject_id"], key)
        h_got, h_want = HUHistogram.load(os.path.join(out, g["histogram"])), \
            HUHistogram.load(os.path.join(reference, w["histogram"]))
        assert h_got.hu.tolist() == h_want.hu.tolist() and h_got.counts.tolist() == h_want.counts.tolist()


def test_uninterrupted_run_measures_every_density(cohort):
    _, reference = cohort
    rows = _rows(reference)
    assert len(rows) == N_SUBJECTS
    for i, r in enumerate(rows):
        assert float(r["density_hu"]) == pytest.approx(80.0 + 10 * i, abs=3.0)   # the box phantoms' modes
    assert sorted(os.listdir(reference / "subjects")) == [f"s{i:02d}.json" for i in range(N_SUBJECTS)]


def _cli_command(*args):
    return [sys.executable, "-c", "import sys; from jmedseg.cli import main; sys.exit(main())", *args]


def test_sigkill_mid_run_then_rerun_gives_the_uninterrupted_table(cohort, tmp_path):
    folder, reference = cohort
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONPATH": ROOT}
    # this child is killed on purpose: tests.conftest.children_may_die keeps Jittor's SIGCHLD handler
    # from ending the whole test process with it
    proc = subprocess.Popen(_cli_command("measure", "--cohort", str(folder), "--out", str(out), "--workers", "1",
                                         "--no-figures"),
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(glob.glob(str(out / "subjects" / "*.json"))) < 3:
        assert proc.poll() is None, "the run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)                     # the run and any worker it started
    proc.wait()
    stored = len(glob.glob(str(out / "subjects" / "*.json")))
    assert 3 <= stored < N_SUBJECTS, "the kill must land mid-run"
    assert not (out / "densities.csv").exists()
    # what was stored is complete: every row names a histogram that loads
    for path in glob.glob(str(out / "subjects" / "*.json")):
        sid = os.path.basename(path)[:-5]
        assert HUHistogram.load(out / "histograms" / f"{sid}.npz").n > 0
    assert main(["measure", "--cohort", str(folder), "--out", str(out), "--workers", "2", "--no-figures"]) == 0
    assert_same_table(out, reference)
    assert not glob.glob(str(out / "**" / ".tmp-*"), recursive=True)


def test_rerun_measures_only_what_is_missing(cohort, tmp_path, capsys):
    folder, reference = cohort
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    for lost in ("s03", "s11"):
        os.remove(out / "subjects" / f"{lost}.json")
    os.remove(out / "histograms" / "s03.npz")
    assert main(["measure", "--cohort", str(folder), "--out", str(out), "--workers", "1", "--no-figures"]) == 0
    assert f"2 subjects measured, {N_SUBJECTS - 2} already done" in capsys.readouterr().out
    assert_same_table(out, reference)
    assert main(["measure", "--cohort", str(folder), "--out", str(out), "--workers", "1", "--no-figures",
                 "--redo"]) == 0
    assert f"{N_SUBJECTS} subjects measured, 0 already done" in capsys.readouterr().out


def test_shards_merged_equal_the_unsharded_run(cohort, tmp_path, capsys):
    folder, reference = cohort
    parts = [tmp_path / f"shard{i}" for i in range(3)]
    for i, part in enumerate(parts):
        assert main(["measure", "--cohort", str(folder), "--out", str(part), "--shard", f"{i}/3", "--workers", "1",
                     "--no-figures"]) == 0
        assert len(os.listdir(part / "subjects")) == len(range(i, N_SUBJECTS, 3))
        assert not (part / "densities.csv").exists()
    assert main(["merge", *map(str, parts), "--out", str(tmp_path / "merged")]) == 0
    assert f"{N_SUBJECTS} subjects from 3 folder(s)" in capsys.readouterr().out
    assert_same_table(tmp_path / "merged", reference)
    # shards sharing one folder, assembled by a rerun without --shard (nothing left to measure)
    shared = tmp_path / "shared"
    for i in range(2):
        assert main(["measure", "--cohort", str(folder), "--out", str(shared), "--shard", f"{i}/2",
                     "--workers", "1", "--no-figures"]) == 0
    assert main(["measure", "--cohort", str(folder), "--out", str(shared), "--no-figures"]) == 0
    assert f"0 subjects measured, {N_SUBJECTS} already done" in capsys.readouterr().out
    assert_same_table(shared, reference)


def test_merge_refuses_duplicates_and_other_settings(cohort, tmp_path, capsys):
    folder, reference = cohort
    assert main(["merge", str(reference), str(reference), "--out", str(tmp_path / "m")]) == 2
    assert "subject s00 is in both" in capsys.readouterr().err
    other = tmp_path / "truncated"
    assert main(["measure", "--cohort", str(folder), "--out", str(other), "--shard", "1/2", "--workers", "1",
                 "--no-figures", "--allow-truncated"]) == 0
    first = tmp_path / "first"
    assert main(["measure", "--cohort", str(folder), "--out", str(first), "--shard", "0/2", "--workers", "1",
                 "--no-figures"]) == 0
    assert main(["merge", str(first), str(other), "--out", str(tmp_path / "m2")]) == 2
    err = capsys.readouterr().err
    assert "were measured with different settings (allow_truncated: False here, True now)" in err


def test_resume_with_other_settings_is_refused(cohort, tmp_path, capsys):
    folder, reference = cohort
    out = tmp_path / "out"
    shutil.copytree(reference, out)
    assert main(["measure", "--cohort", str(folder), "--out", str(out), "--labels", "L1=31", "--no-figures"]) == 2
    assert "measured with other settings (levels: {'L1': 31, 'L2': 30} here, {'L1': 31} now)" in \
        capsys.readouterr().err


def test_bad_shard(cohort, tmp_path, capsys):
    folder, _ = cohort
    for text in ("2/2", "1", "a/3", "-1/2"):
        assert main(["measure", "--cohort", str(folder), "--out", str(tmp_path / "x"), f"--shard={text}"]) == 2
        assert "write I/N with 0 <= I < N" in capsys.readouterr().err


@pytest.mark.slow
def test_submitit_local_executor_runs_two_shards(cohort, tmp_path, capsys, monkeypatch):
    """The cluster code path (a submitit job array), on this machine: 2 shards, then the table."""
    folder, reference = cohort
    out = tmp_path / "local"
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))  # jobs import jmedseg
    assert main(["measure", "--cohort", str(folder), "--out", str(out), "--launcher", "local", "--jobs", "2",
                 "--workers", "1", "--no-figures"]) == 0
    assert f"2 jobs: {N_SUBJECTS} subjects measured, 0 already done" in capsys.readouterr().out
    assert_same_table(out, reference)
    assert len(glob.glob(str(out / ".submitit" / "*_log.out"))) == 2       # one log per array task
    assert main(["measure", "--cohort", str(folder), "--out", str(out), "--launcher", "local", "--jobs", "2",
                 "--workers", "1", "--no-figures"]) == 0
    assert f"2 jobs: 0 subjects measured, {N_SUBJECTS} already done" in capsys.readouterr().out
    assert math.isfinite(float(_rows(out)[0]["density_hu"]))


@pytest.mark.skipif(shutil.which("sbatch") is not None, reason="this machine has Slurm")
def test_slurm_launcher_without_slurm_says_so(cohort, tmp_path, capsys):
    folder, _ = cohort
    assert main(["measure", "--cohort", str(folder), "--out", str(tmp_path / "x"), "--launcher", "slurm",
                 "--jobs", "50", "--partition", "cpu"]) == 2
    assert "--launcher slurm needs a Slurm cluster (no sbatch" in capsys.readouterr().err
