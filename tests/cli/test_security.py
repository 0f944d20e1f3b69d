"""Nothing jmedseg reads can make it write outside the output folder (issue 21, security).

Each test lays out the attack in a scratch tree, lists every file and folder of that tree
before and after the command, and asserts that whatever appeared lies inside --out (or
that nothing appeared at all, when the command refuses before writing).
"""
import csv
import json
import os
import shutil

import pytest

from jmedseg.cli import main
from tests.conftest import DATA
from tests.density.test_density_measure import write_cohort

REAL_CT = os.path.join(DATA, "totalseg_example", "example_ct_sm.nii.gz")


def tree(root):
    """Every path under `root` (files and folders), relative to it."""
    found = set()
    for folder, subfolders, names in os.walk(root):
        found.update(os.path.relpath(os.path.join(folder, n), root) for n in subfolders + names)
    return found


def new_outside(root, before, out):
    """Paths under `root` that are new since `before` and not inside `out`."""
    inside = os.path.relpath(out, root)
    return sorted(p for p in tree(root) - before if p != inside and not p.startswith(inside + os.sep))


def test_cohort_id_climbing_out_of_the_folder_is_refused_before_anything_is_written(tmp_path, capsys):
    # cohort/../../evil is a real CT without a vertebra mask: the CT-alone labelling used to write
    # <out>/vertebrae/../../evil.nii.gz (next to --out) before the id was checked
    cohort, out = tmp_path / "a" / "b" / "cohort", tmp_path / "a" / "b" / "out"
    cohort.mkdir(parents=True)
    (tmp_path / "a" / "evil").mkdir()
    shutil.copy(REAL_CT, tmp_path / "a" / "evil" / "ct.nii.gz")
    (cohort / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\n../../evil,50,F,N,\n")
    before = tree(tmp_path)
    assert main(["measure", "--cohort", str(cohort), "--out", str(out), "--no-figures", "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert "line 2: subject id '../../evil' cannot name a file" in err
    assert tree(tmp_path) == before     # refused where the id enters: not even --out is made


def test_check_data_reports_an_id_that_cannot_name_a_folder(tmp_path, capsys):
    (tmp_path / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\n..,50,F,N,\n")
    assert main(["check-data", str(tmp_path)]) == 1
    assert "subject id '..' cannot name a file: it names a folder" in capsys.readouterr().out


def test_import_pattern_giving_the_id_dotdot_is_refused(tmp_path, capsys):
    # --pattern images/img_{id}.nii.gz matches images/img_...nii.gz with id '..': the importer used to write
    # ct.nii.gz and vertebrae.nii.gz into the parent of --out
    src, out = tmp_path / "src", tmp_path / "work" / "out"
    (src / "images").mkdir(parents=True)
    (tmp_path / "work").mkdir()
    shutil.copy(REAL_CT, src / "images" / "img_...nii.gz")
    shutil.copy(os.path.join(DATA, "totalseg_example", "example_seg.nii.gz"), src / "images" / "seg_...nii.gz")
    before = tree(tmp_path)
    code = main(["import", str(src), "--format", "folder", "--pattern", "images/img_{id}.nii.gz",
                 "--mask-pattern", "images/seg_{id}.nii.gz", "--out", str(out), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "images/img_...nii.gz: subject id '..' cannot name a file" in err
    assert "change --pattern" in err
    assert tree(tmp_path) == before


def test_verse_ids_are_checked_like_every_importer(tmp_path, capsys):
    # a VerSe CT whose sub- name carries a 200-character id: refused by the same check, naming the file
    src = tmp_path / "verse"
    src.mkdir()
    sid = "sub-" + "x" * 200
    shutil.copy(REAL_CT, src / f"{sid}_ct.nii.gz")
    shutil.copy(os.path.join(DATA, "totalseg_example", "example_seg.nii.gz"), src / f"{sid}_seg-vert_msk.nii.gz")
    assert main(["import", str(src), "--format", "verse", "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "is 204 characters long (at most 128)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.fixture
def two_shards(tmp_path):
    """A 2-subject box-phantom cohort measured as shards 0/2 and 1/2 into two folders."""
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    write_cohort(cohort, [("p0", 50, "F", "N", 150.0), ("p1", 60, "M", "S", 120.0)])
    shards = []
    for i in range(2):
        shard = tmp_path / "runs" / "x" / f"shard{i}"   # shard/../../payload.npz lies in tmp_path/runs
        assert main(["measure", "--cohort", str(cohort), "--out", str(shard), "--shard", f"{i}/2",
                     "--workers", "1"]) == 0
        shards.append(shard)
    return cohort, shards


def test_merge_rebuilds_result_paths_from_the_id(tmp_path, two_shards, capsys):
    # subjects/p1.json of shard 1 is doctored to name ../../payload.npz (and a figure beside it) as its files;
    # merge used to copy them to <out>/../../payload.npz
    _, (shard0, shard1) = two_shards
    (tmp_path / "runs" / "payload.npz").write_bytes(b"not a histogram")
    result_file = shard1 / "subjects" / "p1.json"
    result = json.loads(result_file.read_text())
    result["row"]["histogram"] = "../../payload.npz"
    result["row"]["figure"] = "../../payload.npz"
    result_file.write_text(json.dumps(result))
    out = tmp_path / "deep" / "er" / "merged"
    before = tree(tmp_path)
    assert main(["merge", str(shard0), str(shard1), "--out", str(out)]) == 0
    assert new_outside(tmp_path, before, out) == ["deep", os.path.join("deep", "er")]  # the folders leading to --out
    with open(out / "densities.csv", newline="") as f:
        rows = {r["subject_id"]: r for r in csv.DictReader(f)}
    assert rows["p1"]["histogram"] == os.path.join("histograms", "p1.npz")
    assert rows["p1"]["figure"] == os.path.join("figures", "p1.png")
    # the copy is the subject's own histogram, not the payload
    assert (out / "histograms" / "p1.npz").read_bytes() == (shard1 / "histograms" / "p1.npz").read_bytes()


def test_merge_refuses_a_result_whose_id_is_not_its_file_name(tmp_path, two_shards, capsys):
    _, (shard0, shard1) = two_shards
    result_file = shard1 / "subjects" / "p1.json"
    result = json.loads(result_file.read_text())
    result["subject_id"] = "../../p1"
    result_file.write_text(json.dumps(result))
    before = tree(tmp_path)
    assert main(["merge", str(shard0), str(shard1), "--out", str(tmp_path / "merged")]) == 2
    assert "holds subject '../../p1', not the subject its name says" in capsys.readouterr().err
    assert tree(tmp_path) == before
