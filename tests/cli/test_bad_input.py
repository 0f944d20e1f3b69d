"""Bad inputs that used to give a silent wrong table or a traceback: now a flag with a count, or one line
naming the problem and the fix (issue 21). Each test feeds the input to the CLI and asserts what the user sees.

Box phantoms (tests/density/test_density_measure.write_cohort) have densities known by construction; the
bundled real CT (tests/data/totalseg_example) is used where the labeller must see real anatomy.
"""
import csv
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from jmedseg.cli import main
from jmedseg.utils.report import write_csv
from tests.conftest import DATA, ROOT
from tests.density.test_density_measure import write_cohort

REAL_CT = os.path.join(DATA, "totalseg_example", "example_ct_sm.nii.gz")


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _one_line_error(capsys, command):
    """The error line `jmedseg COMMAND: error: ...` (and no traceback) that the CLI printed."""
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(f"jmedseg {command}: error: ")]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def cohort(tmp_path):
    """Three box phantoms with densities 150, 120, 90 HU."""
    folder = tmp_path / "cohort"
    folder.mkdir()
    write_cohort(folder, [("p0", 50, "F", "N", 150.0), ("p1", 60, "M", "S", 120.0), ("p2", 70, "F", "S", 90.0)])
    return folder


# -- silent table errors ---------------------------------------------------------------------------------
def test_rerun_takes_metadata_from_the_cohort_csv_of_today(cohort, tmp_path, capsys):
    out = tmp_path / "out"
    command = ["measure", "--cohort", str(cohort), "--out", str(out), "--workers", "1", "--no-figures"]
    assert main(command) == 0
    before = {r["subject_id"]: r for r in _rows(out / "densities.csv")}
    text = (cohort / "cohort.csv").read_text().replace("p1,60,M,S", "p1,61,F,S")   # age and sex corrected
    (cohort / "cohort.csv").write_text(text)
    capsys.readouterr()
    assert main(command) == 0
    assert "0 subjects measured, 3 already done" in capsys.readouterr().out        # nothing measured again
    after = {r["subject_id"]: r for r in _rows(out / "densities.csv")}
    assert (after["p1"]["age"], after["p1"]["sex"]) == ("61", "F")
    assert after["p1"]["density_hu"] == before["p1"]["density_hu"]
    assert after["p0"] == before["p0"] and after["p2"] == before["p2"]


def test_merge_with_a_shard_missing_says_how_many_and_fails_unless_partial(cohort, tmp_path, capsys):
    shard0 = tmp_path / "shard0"
    assert main(["measure", "--cohort", str(cohort), "--out", str(shard0), "--shard", "0/2", "--workers", "1",
                 "--no-figures"]) == 0                                       # p0 and p2; shard 1/2 (p1) never ran
    capsys.readouterr()
    assert main(["merge", str(shard0), "--out", str(tmp_path / "merged")]) == 2
    line = _one_line_error(capsys, "merge")
    assert "1 of the 3 subjects of" in line and "(e.g. p1)" in line and "--partial" in line
    assert not (tmp_path / "merged" / "densities.csv").exists()
    assert main(["merge", str(shard0), "--out", str(tmp_path / "merged"), "--partial"]) == 0
    assert "partial table: 1 subject(s) of the cohort are in none of the folders (e.g. p1)" in capsys.readouterr().out
    assert [r["subject_id"] for r in _rows(tmp_path / "merged" / "densities.csv")] == ["p0", "p2"]


def test_agreement_refuses_a_subject_listed_twice(tmp_path, capsys):
    # every pair differs by 1.0 HU; a repeated id used to pair the wrong rows silently (bias 17.7 HU)
    write_csv(tmp_path / "a.csv", [{"subject_id": s, "density_hu": d + 1.0} for s, d in (("x", 100), ("y", 150))])
    write_csv(tmp_path / "b.csv", [{"subject_id": s, "density_hu": d} for s, d in (("x", 100), ("y", 150), ("x", 140))])
    assert main(["agreement", "--measured", str(tmp_path / "a.csv"), "--reference", str(tmp_path / "b.csv")]) == 2
    assert "subject(s) ['x'] appear more than once; keep one row per person" in _one_line_error(capsys, "agreement")
    # the same tables without the repeat: the bias is the 1.0 HU built in
    write_csv(tmp_path / "b.csv", [{"subject_id": s, "density_hu": d} for s, d in (("x", 100), ("y", 150))])
    assert main(["agreement", "--measured", str(tmp_path / "a.csv"), "--reference", str(tmp_path / "b.csv"),
                 "--out", str(tmp_path / "o")]) == 0
    assert json.loads((tmp_path / "o" / "agreement.json").read_text())["bias"] == pytest.approx(1.0, abs=1e-9)


def _trend_table(path, extra=()):
    """30 people aged 40-69 on D = 300 - 2 A (exact), half F half M, site N, plus the `extra` rows."""
    rows = [{"subject_id": f"s{a}", "age": a, "sex": "FM"[a % 2], "site": "N", "density_hu": 300.0 - 2.0 * a}
            for a in range(40, 70)]
    write_csv(path, rows + list(extra))
    return path


@pytest.mark.parametrize("age", ["-5", "250", "nan"])
def test_trend_refuses_an_impossible_age(tmp_path, capsys, age):
    path = _trend_table(tmp_path / "d.csv", [{"subject_id": "bad", "age": age, "sex": "F", "site": "N",
                                              "density_hu": 100.0}])
    assert main(["trend", "--input", str(path), "--out", str(tmp_path / "o")]) == 2
    line = _one_line_error(capsys, "trend")
    assert f"1 impossible age(s), e.g. row 32 (subject bad) has age {float(age):g}; ages lie in 0-130" in line


def test_trend_leaves_out_ages_outside_the_papers_range_and_says_how_many(tmp_path, capsys):
    # ages 5 and 110 are possible but outside 39-80, where the paper's law was found: left out, counted
    extra = [{"subject_id": "child", "age": 5, "sex": "F", "site": "N", "density_hu": 250.0},
             {"subject_id": "old", "age": 110, "sex": "M", "site": "N", "density_hu": 20.0}]
    path = _trend_table(tmp_path / "d.csv", extra)
    assert main(["trend", "--input", str(path), "--out", str(tmp_path / "o"), "--bootstrap", "0",
                 "--resample-n", "0"]) == 0
    out = capsys.readouterr().out
    assert "2 subject(s) outside the ages 39-80 left out (set the range with --min-age / --max-age)" in out
    assert "skipped child: age 5 outside --min-age 39" in out
    fits = json.loads((tmp_path / "o" / "fits.json").read_text())["fits"]
    assert {key: f["n"] for key, f in fits.items()} == {"M_N": 15, "F_N": 15}
    assert fits["F_N"]["k"] == pytest.approx(2.0, abs=1e-9)            # exact points: the slope built in
    assert main(["trend", "--input", str(path), "--out", str(tmp_path / "o2"), "--bootstrap", "0",
                 "--resample-n", "0", "--min-age", "0", "--max-age", "130"]) == 0
    assert "outside the ages" not in capsys.readouterr().out


@pytest.mark.parametrize("density", ["inf", "-inf", "nan"])
def test_trend_leaves_out_a_density_that_is_not_finite(tmp_path, capsys, density):
    path = _trend_table(tmp_path / "d.csv", [{"subject_id": "bad", "age": 50, "sex": "F", "site": "N",
                                              "density_hu": density}])
    assert main(["trend", "--input", str(path), "--out", str(tmp_path / "o"), "--bootstrap", "50",
                 "--resample-n", "0"]) == 0
    out = capsys.readouterr().out
    assert f"skipped bad: density {float(density)} HU is not a finite number" in out
    fits = json.loads((tmp_path / "o" / "fits.json").read_text())["fits"]
    assert fits["F_N"]["n"] == 15 and fits["F_N"]["k"] == pytest.approx(2.0, abs=1e-9)
    assert all(np.isfinite(fits["F_N"]["k_ci"]))


def test_trend_on_a_header_only_table(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("subject_id,age,sex,site,density_hu\n")
    assert main(["trend", "--input", str(path), "--out", str(tmp_path / "o")]) == 2
    assert f"{path} has a header but no rows" in _one_line_error(capsys, "trend")


# -- tracebacks that are now one line ------------------------------------------------------------------------
def test_measure_out_that_is_a_file(cohort, tmp_path, capsys):
    (tmp_path / "results").write_text("not a folder")
    case = cohort / "p0"
    assert main(["measure", "--ct", str(case / "ct.nii.gz"), "--mask", str(case / "vertebrae.nii.gz"),
                 "--out", str(tmp_path / "results")]) == 2
    assert "results is a file, not a folder; give a folder" in _one_line_error(capsys, "measure")


def test_cohort_id_of_245_characters(cohort, tmp_path, capsys):
    long_id = "p" * 245
    os.rename(cohort / "p0", cohort / long_id)
    (cohort / "cohort.csv").write_text((cohort / "cohort.csv").read_text().replace("p0,", long_id + ","))
    assert main(["measure", "--cohort", str(cohort), "--out", str(tmp_path / "out")]) == 2
    assert "is 245 characters long (at most 128)" in _one_line_error(capsys, "measure")


def test_single_ct_whose_file_name_cannot_be_an_id(cohort, tmp_path, capsys):
    ct = tmp_path / ("c" * 245 + ".nii.gz")
    shutil.copy(cohort / "p0" / "ct.nii.gz", ct)
    assert main(["measure", "--ct", str(ct), "--mask", str(cohort / "p0" / "vertebrae.nii.gz"),
                 "--out", str(tmp_path / "out")]) == 2
    assert "subject id (the CT's file name)" in _one_line_error(capsys, "measure")


def test_merge_of_a_subject_result_missing_keys(cohort, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["measure", "--cohort", str(cohort), "--out", str(out), "--workers", "1", "--no-figures"]) == 0
    result = json.loads((out / "subjects" / "p1.json").read_text())
    del result["fingerprint"], result["row"]
    (out / "subjects" / "p1.json").write_text(json.dumps(result))
    capsys.readouterr()
    assert main(["merge", str(out), "--out", str(tmp_path / "merged")]) == 2
    line = _one_line_error(capsys, "merge")
    assert "p1.json lacks fingerprint, row: not a complete subject result; delete" in line


@pytest.mark.parametrize("command", ["vertebrae", "segment"])
def test_label_map_out_that_is_a_folder_is_refused_before_any_work(tmp_path, capsys, command):
    folder = tmp_path / "masks"
    folder.mkdir()
    model = ["--model", "default"] if command == "segment" else []
    assert main([command, "--ct", REAL_CT, "--out", str(folder), *model]) == 2
    assert f"--out {folder} is a folder; give the label map's file name" in _one_line_error(capsys, command)
    assert os.listdir(folder) == [] and sorted(os.listdir(tmp_path)) == ["masks"]   # no stray .tmp-*


def test_vertebrae_out_without_nifti_ending_gets_one(tmp_path, capsys):
    out = tmp_path / "spine"
    code = main(["vertebrae", "--ct", REAL_CT, "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0
    assert f"note: --out {out} has no .nii or .nii.gz ending; writing {out}.nii.gz" in printed
    assert sorted(os.listdir(tmp_path)) == ["spine.nii.gz"]              # no empty file, no hidden .tmp-*
    import nibabel as nib

    labels = np.asarray(nib.load(str(out) + ".nii.gz").dataobj)
    assert {30, 31} <= set(np.unique(labels).tolist())                   # L2 and L1 of the example CT


def _edited_model(tmp_path, edit):
    from jmedseg.utils.archive import archive_bytes, read_archive
    from jmedseg.weights import resolve_model

    meta, arrays = read_archive(resolve_model("default"), "model file", "", ValueError)
    edit(meta)
    path = tmp_path / "edited.jmed"
    path.write_bytes(archive_bytes(arrays, meta, compress=False))
    return path


@pytest.mark.parametrize("edit, message", [
    (lambda meta: meta.pop("windows"), "its metadata lacks windows, so it cannot be used"),
    (lambda meta: meta.update(model_name="unet_smal"), "cannot build: unknown model 'unet_smal'. Did you mean"),
])
def test_model_file_with_damaged_metadata(tmp_path, capsys, edit, message):
    model = _edited_model(tmp_path, edit)
    assert main(["segment", "--model", str(model), "--ct", REAL_CT, "--out", str(tmp_path / "m.nii.gz")]) == 2
    assert message in _one_line_error(capsys, "segment")


# -- read-only and full disks: a real file system, mounted in a private mount namespace -----------------------
def _namespaces_work():
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-rm", "true"], capture_output=True).returncode == 0


needs_namespaces = pytest.mark.skipif(not _namespaces_work(), reason="needs `unshare -rm` (user and mount "
                                      "namespaces) to mount a small or read-only tmpfs without privileges")


def _jmedseg_on_tmpfs(mount_point, options, args, fill=False):
    """Run `python -m jmedseg ARGS` with a fresh tmpfs (mount OPTIONS) at `mount_point`, optionally filled up.

    The mount lives in a private namespace that ends with the command; root cannot be kept out of a folder by
    its mode, so a read-only mount is the one way to test a folder nobody may write to.
    """
    script = 'mount -t tmpfs -o "$1" tmpfs "$2" || exit 99; ' \
             'if [ "$3" = fill ]; then cat /dev/zero > "$2/filler" 2>/dev/null; fi; shift 3; exec "$@"'
    command = ["unshare", "-rm", "sh", "-c", script, "sh", options, str(mount_point), "fill" if fill else "-",
               sys.executable, "-m", "jmedseg", *args]
    done = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=ROOT),
                          timeout=600)
    assert done.returncode != 99, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return done


@needs_namespaces
def test_read_only_output_folder_single_ct_and_cohort(cohort, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    case = cohort / "p0"
    single = ["measure", "--ct", str(case / "ct.nii.gz"), "--mask", str(case / "vertebrae.nii.gz"), "--out", str(ro)]
    done = _jmedseg_on_tmpfs(ro, "ro,size=1m", single)
    assert done.returncode == 2
    assert f"jmedseg measure: error: cannot write {ro}/.lock: Read-only file system; choose an output folder " \
           "on a writable disk" in done.stderr
    done = _jmedseg_on_tmpfs(ro, "ro,size=1m", ["measure", "--cohort", str(cohort), "--out", str(ro / "out")])
    assert done.returncode == 2
    assert f"cannot write {ro}/out: Read-only file system" in done.stderr


@needs_namespaces
def test_read_only_output_folder_vertebrae(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    done = _jmedseg_on_tmpfs(ro, "ro,size=1m", ["vertebrae", "--ct", REAL_CT, "--out", str(ro / "v.nii.gz")])
    assert done.returncode == 2
    assert f"jmedseg vertebrae: error: cannot write {ro}/v.nii.gz: Read-only file system" in done.stderr


@needs_namespaces
def test_full_disk(cohort, tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    case = cohort / "p0"
    done = _jmedseg_on_tmpfs(full, "size=64k", ["measure", "--ct", str(case / "ct.nii.gz"), "--mask",
                                                 str(case / "vertebrae.nii.gz"), "--out", str(full / "out")], fill=True)
    assert done.returncode == 2
    assert "No space left on device; free some space or choose an output folder on another disk" in done.stderr


# -- stuck -----------------------------------------------------------------------------------------------------
def test_verse_import_over_symlink_loops_finishes(tmp_path):
    # two loops (a link to the tree's root and one to a parent folder) made the recursive glob walk forever
    import signal

    from jmedseg.data.importers import read_source
    from tests.datasets.real_trees import verse_tree

    root = tmp_path / "verse"
    verse_tree(root)
    os.symlink(root, root / "rawdata" / "sub-ct" / "again")
    os.symlink("..", root / "derivatives" / "up")

    def stuck(*_):
        raise TimeoutError("the VerSe reader still walks after 60 s: it follows the symlink loops")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(60)   # a generous bound on a loaded machine; without the loops the walk takes milliseconds
    try:
        subjects = read_source("verse", str(root))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert [s.subject_id for s in subjects] == ["sub-ct_label-22"]
    assert subjects[0].source == os.path.join("rawdata", "sub-ct", "sub-ct_label-22_ct.nii.gz")
