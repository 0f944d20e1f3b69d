"""`jmedseg check-data` reports a broken JSON sidecar beside a subject's CT (issue 22).

`measure` stops on a sidecar that is no JSON object or holds a malformed or implausible key
(jmedseg.calibration.tube_voltage); loading the image does not (Volume.acquisition_error). Before
2026-12-04 check-data passed such a subject, which `measure` then refused: now it is a problem row that
names the file and the fix, and the image's own checks still run.
"""
import json
import os
import shutil

import pytest

from jmedseg.cli import main
from tests.conftest import DATA

EXAMPLE = os.path.join(DATA, "totalseg_example")
BROKEN = {"not JSON": ('{"KVP": 120', "not valid JSON", "fix or delete"),
          "implausible kVp": (json.dumps({"KVP": 12000}), "KVP is 12000", "Correct or delete")}


def _cohort(root, sidecar=None):
    """A one-subject cohort of the bundled real CT and its vertebra mask, with `sidecar` text as s1/ct.json."""
    (root / "s1").mkdir(parents=True)
    shutil.copy(os.path.join(EXAMPLE, "example_ct.nii.gz"), root / "s1" / "ct.nii.gz")
    shutil.copy(os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz"), root / "s1" / "vertebrae.nii.gz")
    (root / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\ns1,60,F,N,\n")
    if sidecar is not None:
        (root / "s1" / "ct.json").write_text(sidecar)
    return str(root)


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_sidecar_is_a_problem_naming_the_file_and_the_fix(tmp_path, capsys, kind):
    text, why, fix = BROKEN[kind]
    root = _cohort(tmp_path / "c", text)
    assert main(["check-data", root, "--levels", "L1"]) == 1
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("- s1: ")]
    assert len(lines) == 1, out                      # the sidecar, and nothing else: the image passes its checks
    assert os.path.join("s1", "ct.json") in lines[0] and root not in lines[0]   # the file, relative to the cohort
    assert why in lines[0] and fix in lines[0] and "jmedseg measure" in lines[0]
    assert "| s1 " in out and "1 problem(s)" in out   # the subject's row is still in the table


def test_a_valid_sidecar_is_no_problem(tmp_path, capsys):
    root = _cohort(tmp_path / "c", json.dumps({"KVP": 120, "Manufacturer": "SIEMENS"}))
    assert main(["check-data", root, "--levels", "L1"]) == 0
    assert "no problems" in capsys.readouterr().out
