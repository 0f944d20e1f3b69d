"""`jmedseg check-data` on a good phantom folder and on broken copies of it."""
import os
import re
import shutil

import nibabel as nib
import numpy as np
import pytest

from jmedseg.cli import main as cli
from jmedseg.data.synthetic import write_phantom_cohort as write_cohort
from jmedseg.pipelines.data_check import check_cohort
from jmedseg.data.phantom import PhantomSpec
from tests.conftest import DATA


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    root = tmp_path_factory.mktemp("cohort") / "good"
    write_cohort(str(root), 1, seed=1, progress=False, spec=PhantomSpec(fov_mm=(130.0, 130.0)))  # covers L1, L2
    return root


def _copy(good, tmp_path):
    dst = tmp_path / "broken"
    shutil.copytree(good, dst)
    return dst


def _rewrite(path, fn):
    img = nib.load(str(path))
    data, affine = fn(np.asarray(img.dataobj).copy(), img.affine.copy())
    nib.save(nib.Nifti1Image(data, affine), str(path))


def test_good_folder_passes(good, capsys):
    assert cli(["check-data", str(good)]) == 0
    out = capsys.readouterr().out
    assert "| sub000" in out and "no problems" in out
    rows, problems = check_cohort(str(good))
    assert problems == [] and all(r["cancellous_L1"] > 2000 for r in rows)


@pytest.mark.parametrize("breakage, message", [
    (lambda d: _rewrite(d / "sub000/labels.nii.gz", lambda a, f: (a[:-1], f)), r"tissue map \(labels.nii.gz\) has shape"),
    (lambda d: _rewrite(d / "sub000/vertebrae.nii.gz", lambda a, f: (a, f + np.diag([0, 0, 0.5, 0]))),
     r"vertebra map \(vertebrae.nii.gz\) lies on another grid"),
    (lambda d: _rewrite(d / "sub000/labels.nii.gz", lambda a, f: (np.where(a == 3, 7, a).astype(np.uint8), f)),
     r"labels holds values \[7\]"),
    (lambda d: _rewrite(d / "sub000/ct.nii.gz", lambda a, f: (_with_nan(a), f)), "1 voxels are NaN"),
    (lambda d: _rewrite(d / "sub000/ct.nii.gz", lambda a, f: (a + 1024, f)), "units='raw'"),
    (lambda d: _rewrite(d / "sub000/ct.nii.gz", lambda a, f: (a, f @ np.diag([1, 1, 10, 1]))),
     "spacing .* implausible"),
    (lambda d: os.remove(d / "sub000/vertebrae.nii.gz"), r"missing file\(s\) \['vertebrae.nii.gz'\]"),
    (lambda d: open(d / "sub000/ct.nii.gz", "r+b").truncate(3000), "corrupt, truncated"),
    (lambda d: _rewrite(d / "sub000/labels.nii.gz", lambda a, f: (np.where(a == 2, 1, a).astype(np.uint8), f)),
     "L1 has 0 cancellous voxels"),
    (lambda d: os.makedirs(d / "stray"), "stray: folder not listed"),
])
def test_broken_copies_fail_with_the_problem_named(good, tmp_path, capsys, breakage, message):
    broken = _copy(good, tmp_path)
    breakage(broken)
    assert cli(["check-data", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "problem(s)" in out
    problems = out.split("problem(s) in")[-1]
    assert re.search(message, problems), problems


def _with_nan(a):
    a = a.astype(np.float32)
    a[10, 10, 5] = np.nan
    return a


def test_missing_table(tmp_path, capsys):
    assert cli(["check-data", str(tmp_path)]) == 1
    assert "has no cohort.csv" in capsys.readouterr().out


def test_real_ct_with_a_full_totalsegmentator_map_and_no_tissue_labels(tmp_path, capsys):
    """The TotalSegmentator sample as a one-subject cohort: CT + its full label map (42 ids), no labels file.

    Ids other than the chosen vertebrae are ignored; L2 touches the first slice (the sample's
    NOTICE), which is what `measure` flags as incomplete.
    """
    sample = os.path.join(DATA, "totalseg_example")
    os.makedirs(tmp_path / "s1")
    shutil.copy(os.path.join(sample, "example_ct_sm.nii.gz"), tmp_path / "s1" / "ct.nii.gz")
    shutil.copy(os.path.join(sample, "example_seg.nii.gz"), tmp_path / "s1" / "vertebrae.nii.gz")
    (tmp_path / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\ns1,60,F,N,\n")
    # 410 cancellous voxels of 3 mm since the region leaves its partial-volume layer out (issue 22; 905 before)
    assert cli(["check-data", str(tmp_path), "--min-cancellous", "300", "--levels", "L1"]) == 0
    out = capsys.readouterr().out
    assert "derived" in out and "no problems" in out
    rows, _ = check_cohort(str(tmp_path), levels=("L1",))
    seg = np.asarray(nib.load(os.path.join(sample, "example_seg.nii.gz")).dataobj)
    assert 300 < rows[0]["cancellous_L1"] < (seg == 31).sum()
    assert cli(["check-data", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "1 problem(s)" in out and "the body of L2 reaches the first slice" in out and "--allow-truncated" in out
