"""`jmedseg check-data` judges each level by measure's own rules (jmedseg.density.measure.level_regions).

On the bundled real CT (TotalSegmentator example, 1.5 mm): a mirrored mask is reported for the
region-content (cortical wall) check that measure refuses it for, and a scan cut through the
posterior elements only is no problem, as measure measures it (the old whole-vertebra edge rule
reported it).
"""
import os

import nibabel as nib
import numpy as np

from jmedseg.cli import main
from jmedseg.data.io import load_labels, load_volume
from jmedseg.data.labels import vertebral_body
from tests.conftest import DATA
from tests.csv_rows import read_rows

EXAMPLE = os.path.join(DATA, "totalseg_example")
CT, MASK = os.path.join(EXAMPLE, "example_ct.nii.gz"), os.path.join(EXAMPLE, "example_ct_vertebrae.nii.gz")
L1 = 31


def _cohort(root, ct, mask, affine):
    (root / "s1").mkdir(parents=True)
    nib.save(nib.Nifti1Image(ct.astype(np.int16), affine), str(root / "s1" / "ct.nii.gz"))
    nib.save(nib.Nifti1Image(mask.astype(np.int16), affine), str(root / "s1" / "vertebrae.nii.gz"))
    (root / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\ns1,60,F,N,\n")
    return str(root)


def test_a_mirrored_mask_is_reported_for_the_wall_check_measure_refuses_it_for(tmp_path, capsys):
    ct, mask = load_volume(CT), load_labels(MASK)
    root = _cohort(tmp_path / "c", ct.array, mask.array[::-1], ct.affine)
    assert main(["check-data", root, "--levels", "L1"]) == 1
    assert "the cancellous region of L1 is not enclosed by bone" in capsys.readouterr().out
    assert main(["measure", "--cohort", root, "--out", str(tmp_path / "out"), "--labels", "L1=31",
                 "--no-figures"]) == 1
    assert "the cancellous region of L1 is not enclosed by bone" in capsys.readouterr().out


def test_posterior_elements_cut_by_the_scan_are_no_problem_as_measure_measures_the_body(tmp_path, capsys):
    ct, mask = load_volume(CT), load_labels(MASK)
    l1 = mask.array == L1
    body_y = np.flatnonzero(vertebral_body(l1, ct.spacing).any(axis=(0, 2)))
    whole_y = np.flatnonzero(l1.any(axis=(0, 2)))
    # RAS+: y runs posterior -> anterior, so the spinous process lies at the lowest y; cut between it and the body
    cut = (whole_y.min() + body_y.min()) // 2
    assert whole_y.min() < cut < body_y.min() - 2     # the body keeps more than measure's 1-voxel edge margin
    affine = ct.affine.copy()
    affine[:3, 3] += affine[:3, 1] * cut
    root = _cohort(tmp_path / "c", ct.array[:, cut:], mask.array[:, cut:], affine)
    assert main(["check-data", root, "--levels", "L1"]) == 0
    assert "no problems" in capsys.readouterr().out
    out = tmp_path / "out"
    assert main(["measure", "--cohort", root, "--out", str(out), "--labels", "L1=31", "--no-figures"]) == 0
    (row,) = read_rows(out / "densities.csv")
    assert row["levels_used"] == "L1" and row["l1_flag"] == "" and "outside its body only" in row["note"]


def test_check_levels_compares_a_verse_mask_under_its_own_names(tmp_path, capsys):
    """A VerSe-numbered copy of the example's correct mask agrees with the CT-alone labelling, as the v2 mask does."""
    from jmedseg.data.io import save_like
    from jmedseg.data.label_schemes import to_scheme

    mask = load_labels(MASK)
    verse = save_like(mask, to_scheme(mask.array, "totalseg_v2", "verse")[0], tmp_path / "verse.nii.gz")
    assert main(["measure", "--ct", CT, "--mask", str(verse), "--label-scheme", "verse", "--check-levels",
                 "--no-figures", "--out", str(tmp_path / "out")]) == 0
    assert "levels check (mask against the CT-alone labelling): agree: T12 L1 L2 L3" in capsys.readouterr().out
    (row,) = read_rows(tmp_path / "out" / "densities.csv")
    assert (row["l1_flag"], row["l2_flag"], row["levels_agree"]) == ("", "", "True")
