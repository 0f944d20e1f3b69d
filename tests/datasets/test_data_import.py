"""`jmedseg import` of VerSe, TotalSegmentator and plain folder trees made from the bundled real samples,
and the resulting cohorts used by `measure` and by training (`data=cohort`), also read in place."""
import math
import os
import shutil

import numpy as np
import pytest
from scipy import ndimage

from jmedseg.cli import main as cli
from jmedseg.data.build import build_splits
from jmedseg.data.importers import read_source
from jmedseg.data.importers.common import read_table
from jmedseg.data.io import load_labels, load_volume
from jmedseg.constants import CANCELLOUS, CORTICAL, OTHER_BONE
from jmedseg.pipelines.training import train
from tests.conftest import compose_config
from tests.datasets.real_trees import (TOTALSEG_CT, TOTALSEG_VERT, TPTBOX_CT, TPTBOX_SUBREG, TPTBOX_VERT, totalseg_tree,
                              verse_tree)
from tests.csv_rows import read_rows

# VerSe ids of the TPTBox sample and their TotalSegmentator v2 counterparts
VERSE_TO_V2 = {21: 30, 22: 29, 23: 28}   # L2, L3, L4


@pytest.fixture(scope="module")
def verse_cohort(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("verse")
    out = tmp / "cohort"
    # exit 1: the cohort is written, and check-data reports that the sample's L2 is cut by the field of view
    assert cli(["import", "--format", "verse", verse_tree(tmp / "src"), "--out", str(out), "--levels", "L2", "L3",
                "--quiet"]) == 1
    assert (out / "cohort.csv").is_file()
    return tmp, out


@pytest.fixture(scope="module")
def totalseg_cohort(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("totalseg")
    out = tmp / "cohort"
    src, _ = totalseg_tree(tmp / "src")
    assert cli(["import", "--format", "totalsegmentator", src, "--out", str(out), "--quiet"]) == 0
    return tmp, out


def test_verse_import_keeps_the_voxels_and_renumbers_the_vertebrae(verse_cohort):
    _, out = verse_cohort
    assert read_rows(out / "cohort.csv") == [{"subject_id": "sub-ct_label-22", "age": "", "sex": "", "site": "",
                                          "true_density_hu": ""}]
    sub = out / "sub-ct_label-22"
    ct, original = load_volume(str(sub / "ct.nii.gz")), load_volume(TPTBOX_CT)
    assert np.array_equal(ct.array, original.array) and np.allclose(ct.affine, original.affine)
    vert, verse = load_labels(str(sub / "vertebrae.nii.gz")).array, load_labels(TPTBOX_VERT).array
    for verse_id, v2_id in VERSE_TO_V2.items():
        assert np.array_equal(vert == v2_id, verse == verse_id)
    assert set(np.unique(vert)) == {0, *VERSE_TO_V2.values()}


def test_verse_subregions_become_tissue_labels(verse_cohort):
    _, out = verse_cohort
    labels = load_labels(str(out / "sub-ct_label-22" / "labels.nii.gz")).array
    sub, inside = load_labels(TPTBOX_SUBREG).array, load_labels(TPTBOX_VERT).array > 0
    # 50 is the body's interior in this file (its voxels lie deeper inside the body than those of 49)
    assert np.array_equal(labels == CANCELLOUS, (sub == 50) & inside)
    assert np.array_equal(labels == CORTICAL, (sub == 49) & inside)
    assert np.array_equal(labels == OTHER_BONE, np.isin(sub, range(41, 49)) & inside)
    # and cancellous bone sits inside the cortical layer: none of it touches the outside of the body
    body = np.isin(labels, (CORTICAL, CANCELLOUS))
    assert not (ndimage.binary_dilation(labels == CANCELLOUS) & ~body).any()


def test_totalsegmentator_import_merges_the_structure_files(totalseg_cohort):
    _, out = totalseg_cohort
    assert read_rows(out / "cohort.csv") == [{"subject_id": "s0001", "age": "55", "sex": "M", "site": "A",
                                          "true_density_hu": ""}]
    vert = load_labels(str(out / "s0001" / "vertebrae.nii.gz")).array
    assert np.array_equal(vert, load_labels(TOTALSEG_VERT).array)  # v2 files -> v2 ids: the same map
    assert np.array_equal(load_volume(str(out / "s0001" / "ct.nii.gz")).array, load_volume(TOTALSEG_CT).array)
    assert not (out / "s0001" / "labels.nii.gz").exists()  # tissue classes are derived when needed


def test_measure_uses_the_imported_cohorts(verse_cohort, totalseg_cohort, capsys):
    tmp, out = verse_cohort
    # L3 only: the sample's L2 is cut by the field of view, which measure flags and leaves out
    assert cli(["measure", "--cohort", str(out), "--out", str(tmp / "m"), "--labels", "L3=29",
                "--workers", "1", "--no-figures"]) == 0
    row = read_rows(tmp / "m" / "densities.csv")[0]
    # the NOTICE's reading of these bodies: about 50-70 HU (a low, plausibly osteoporotic density)
    assert 40.0 < float(row["density_hu"]) < 80.0
    # the crop is 110 mm wide around the body: the aorta shows only at its edge in a few slices, too little for a
    # vessel along the column, so the phase is unknown and says why (never a silent `native`)
    assert row["contrast_phase"] == "unknown" and "aorta not found" in row["contrast_evidence"]
    tmp, out = totalseg_cohort
    assert cli(["measure", "--cohort", str(out), "--out", str(tmp / "m"), "--workers", "1", "--no-figures"]) == 0
    row = read_rows(tmp / "m" / "densities.csv")[0]
    # TotalSegmentator's own report gives whole-vertebra medians of 110 (L1) and 122 HU (L2) for this patient;
    # cancellous bone without the shell reads lower than the whole vertebra, but the same order of magnitude
    assert 60.0 < float(row["density_hu"]) < 130.0 and row["age"] == "55"


def test_label_scheme_mismatch_names_the_scheme_that_fits(verse_cohort, capsys):
    tmp, _ = verse_cohort
    code = cli(["measure", "--ct", TPTBOX_CT, "--mask", TPTBOX_VERT, "--labels", "L2=0,L3=0",
                "--label-scheme", "totalseg_v2", "--no-figures"])
    assert code == 2 and "it fits verse: pass --label-scheme verse" in capsys.readouterr().err
    assert cli(["measure", "--ct", TPTBOX_CT, "--mask", TPTBOX_VERT, "--labels", "L2=0,L3=0",
                "--label-scheme", "verse", "--no-figures"]) == 0


def test_check_data_takes_a_label_scheme(verse_cohort, tmp_path, capsys):
    _, out = verse_cohort
    assert cli(["check-data", str(out), "--levels", "L2", "L3", "--label-scheme", "verse"]) == 1
    assert "it fits totalseg_v2 and totalseg_v1" in capsys.readouterr().out


def test_folder_import_detects_or_takes_the_scheme(tmp_path, capsys):
    src = tmp_path / "src"
    os.makedirs(src / "images")
    os.makedirs(src / "labels")
    shutil.copy(TPTBOX_CT, src / "images" / "p1.nii.gz")
    shutil.copy(TPTBOX_VERT, src / "labels" / "p1.nii.gz")
    args = ["import", "--format", "folder", str(src), "--pattern", "images/{id}.nii.gz",
            "--mask-pattern", "labels/{id}.nii.gz", "--levels", "L3", "--quiet"]
    assert cli(args + ["--out", str(tmp_path / "detected")]) == 0  # VerSe ids, detected (L3: the complete level)
    vert = load_labels(str(tmp_path / "detected" / "p1" / "vertebrae.nii.gz")).array
    assert set(np.unique(vert)) == {0, 28, 29, 30}
    assert cli(args + ["--out", str(tmp_path / "wrong"), "--label-scheme", "totalseg_v1"]) == 2
    assert "it fits verse" in capsys.readouterr().err and not (tmp_path / "wrong").exists()
    # a vertebra-only TotalSegmentator map fits v1 and v2: the user must choose
    shutil.copy(TOTALSEG_CT, src / "images" / "p1.nii.gz")
    shutil.copy(TOTALSEG_VERT, src / "labels" / "p1.nii.gz")
    assert cli(args + ["--out", str(tmp_path / "ambiguous")]) == 2
    assert "fits totalseg_v2 and totalseg_v1; choose with --label-scheme" in capsys.readouterr().err
    with pytest.raises(ValueError, match="exactly one"):
        read_source("folder", str(src), pattern="images/p1.nii.gz")


def test_metadata_table_with_missing_values(tmp_path):
    path = tmp_path / "meta.tsv"
    path.write_text("participant_id\tage\tsex\tcenter\nsub-a\t061Y\tFemale\tN\nsub-b\t\t\t\n")
    assert read_table(str(path)) == {"sub-a": {"age": 61, "sex": "F", "site": "N"},
                                     "sub-b": {"age": None, "sex": None, "site": None}}
    path.write_text("subject_id,age\nx,old\n")
    with pytest.raises(ValueError, match="line 2: age 'old' is not a number"):
        read_table(str(path))


def _cohort_cfg(root, run_dir, *extra):
    return compose_config("train", [
        "data=cohort", f"data.root={root}", "data.image_size=64", "data.pixel_mm=1.5", "data.slices_per_subject=2",
        "logger=none", "trainer.progress=false", "trainer.batch_size=2", "scheduler.warmup_steps=0",
        "trainer.max_steps=2", "model.width=4", "model.depth=2", f"run_dir={run_dir}", *extra])


@pytest.mark.slow  # two 2-step trainings (about 30 s on 2 cores once the operators are compiled)
def test_training_on_imported_cohorts_and_in_place(verse_cohort, totalseg_cohort, tmp_path):
    _, out = totalseg_cohort
    cfg = _cohort_cfg(out, tmp_path / "ts", "data.level_split={train: [L3, L4], val: [L5], test: [L1, L2]}")
    result = train(cfg)
    assert result["steps"] == 2 and math.isfinite(result["history"][0]["train_loss"])
    assert result["test"]["cases"][0]["subject_id"] == "s0001"
    tmp, out = verse_cohort
    cfg = _cohort_cfg(out, tmp_path / "verse", "data.level_split={train: [L3], val: [L4], test: [L2]}")
    assert train(cfg)["steps"] == 2
    # the VerSe tree read in place gives the very slices the imported cohort gives
    whole = ("data.levels=[L2, L3]", "data.split=[1.0, 0.0, 0.0]")  # one subject: all of it in train
    in_place = build_splits(_cohort_cfg(tmp / "src", tmp_path / "x", "data.format=verse", *whole).data,
                            splits=("train",))
    imported = build_splits(_cohort_cfg(out, tmp_path / "y", *whole).data, splits=("train",))
    a, b = in_place["train"].dataset, imported["train"].dataset
    assert a.num_slices == b.num_slices == 2 and all(np.array_equal(x, y) for x, y in zip(a.images_hu, b.images_hu))


def test_centroids_that_disagree_with_the_mask_are_reported(tmp_path, caplog):
    src = verse_tree(tmp_path / "src")
    ctd = os.path.join(src, "derivatives", "sub-ct", "sub-ct_seg-subreg_label-22_ctd.json")
    with open(ctd, "w") as f:  # the raters' file names L1-L3 (20-22), the mask holds L2-L4 (21-23)
        f.write('[{"direction": ["P", "I", "R"]}, {"label": 20, "X": 1, "Y": 1, "Z": 1}, '
                '{"label": 21, "X": 1, "Y": 2, "Z": 1}, {"label": 22, "X": 1, "Y": 3, "Z": 1}]')
    (subject,) = read_source("verse", src)
    with caplog.at_level("WARNING"):
        subject.load()
    assert "labels vertebrae [21, 22, 23], the centroid file [20, 21, 22]" in caplog.text
