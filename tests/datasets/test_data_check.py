"""`jmedseg check-data` on a good phantom folder and on broken copies of it."""
import os
import re
import shutil

import nibabel as nib
import numpy as np
import pytest

from jmedseg.cli import main as cli
from jmedseg.cli.phantom import write_cohort
from jmedseg.data.checks import check_cohort
from jmedseg.data.phantom import PhantomSpec
from tests.conftest import DATA


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    root = tmp_path_factory.mktemp("cohort") / "good"
    write_cohort(str(root), 1, seed=1, progress=False, spec=PhantomSpec(fov_mm=(100.0, 100.0)))
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
    (lambda d: _rewrite(d / "sub000/labels.nii.gz", lambda a, f: (a[:-1], f)), "labels shape"),
    (lambda d: _rewrite(d / "sub000/vertebrae.nii.gz", lambda a, f: (a, f + np.diag([0, 0, 0.5, 0]))),
     "vertebrae affine differs"),
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


def test_real_ct_without_tissue_labels_derives_them(tmp_path, capsys):
    """The TotalSegmentator sample as a one-subject cohort: CT + whole-vertebra map, no labels file."""
    sample = os.path.join(DATA, "totalseg_example")
    os.makedirs(tmp_path / "s1")
    shutil.copy(os.path.join(sample, "example_ct_sm.nii.gz"), tmp_path / "s1" / "ct.nii.gz")
    seg = nib.load(os.path.join(sample, "example_seg.nii.gz"))
    levels = np.where(np.isin(np.asarray(seg.dataobj), [29, 30, 31, 32]), np.asarray(seg.dataobj), 0)
    nib.save(nib.Nifti1Image(levels.astype(np.uint8), seg.affine), str(tmp_path / "s1" / "vertebrae.nii.gz"))
    (tmp_path / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\ns1,60,F,N,\n")
    assert cli(["check-data", str(tmp_path), "--min-cancellous", "500"]) == 0
    out = capsys.readouterr().out
    assert "derived" in out and "no problems" in out
    rows, _ = check_cohort(str(tmp_path))
    assert 500 < rows[0]["cancellous_L1"] < (levels == 31).sum()
