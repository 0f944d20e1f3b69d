"""A malformed or implausible JSON sidecar beside a NIfTI stops only `measure`, the command that reads the tube
voltage from it, with an error naming the file and the fix; the commands that only need the image go on.

Before (commit 2d69311) the sidecar was read, and its error raised, inside `load_volume`, so `vertebrae`,
`segment` and every other command that loads the CT stopped on a sidecar they never use.
"""
import json
import os
import re
import shutil

import pytest

from jmedseg.calibration.tube_voltage import with_tube_voltage
from jmedseg.cli import main
from jmedseg.data.io import load_volume
from jmedseg.errors import InputError
from tests.conftest import DATA

EXAMPLE = os.path.join(DATA, "totalseg_example")
BROKEN = {"not JSON": '{"KVP": 120', "implausible kVp": json.dumps({"KVP": 12000}),
          "malformed date": json.dumps({"KVP": 120, "AcquisitionDateTime": "yesterday"})}
WHY = {"not JSON": "not valid JSON", "implausible kVp": "KVP is 12000", "malformed date": "AcquisitionDateTime"}


@pytest.fixture(params=sorted(BROKEN))
def broken(request, tmp_path):
    """(the CT beside a broken ct.json, what is wrong with it)."""
    shutil.copy(os.path.join(EXAMPLE, "example_ct.nii.gz"), tmp_path / "ct.nii.gz")
    (tmp_path / "ct.json").write_text(BROKEN[request.param])
    return tmp_path / "ct.nii.gz", WHY[request.param]


def test_the_image_loads_and_the_tube_voltage_is_refused(broken):
    ct_path, why = broken
    volume = load_volume(str(ct_path))
    assert volume.array.shape == load_volume(os.path.join(EXAMPLE, "example_ct.nii.gz")).array.shape
    assert volume.acquisition == {} and volume.acquisition_source == "" and why in volume.acquisition_error
    with pytest.raises(InputError, match=r"ct\.json.*(fix or delete|Correct or delete).*jmedseg measure"):
        with_tube_voltage(volume, option=120)   # a kVp given on the command line does not mend the file


def test_measure_stops_naming_the_file_and_the_fix(broken, capsys):
    ct_path, why = broken
    code = main(["measure", "--ct", str(ct_path), "--mask", os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz"),
                 "--out", str(ct_path.parent / "out"), "--no-figures"])
    err = capsys.readouterr().err
    assert code == 2 and str(ct_path.parent / "ct.json") in err and why in err
    assert "delete" in err and "vertebrae" in err
    assert not (ct_path.parent / "out" / "densities.csv").exists()


def test_vertebrae_goes_on(tmp_path, capsys):
    """The CT-alone labeller does not read the sidecar: it labels the bundled CT as it does without one."""
    shutil.copy(os.path.join(EXAMPLE, "example_ct.nii.gz"), tmp_path / "ct.nii.gz")
    (tmp_path / "ct.json").write_text(BROKEN["implausible kVp"])
    code = main(["vertebrae", "--ct", str(tmp_path / "ct.nii.gz"), "--out", str(tmp_path / "labels.nii.gz")])
    out = capsys.readouterr().out
    assert code == 0 and (tmp_path / "labels.nii.gz").is_file()
    assert re.search(r"\bL1\s+id\s+31\b", out) and re.search(r"\bL2\s+id\s+30\b", out)   # TotalSegmentator v2 ids
