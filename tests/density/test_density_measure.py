"""Per-vertebra and per-person density on volumes with known densities; the measure command."""
import csv
import os

import nibabel as nib
import numpy as np
import pytest

from jmedseg.cli import main
from jmedseg.constants import CANCELLOUS, CORTICAL
from jmedseg.density.johnson_su import DENSITY_UPPER_QUANTILE, DensityFitError, fit_johnson_su, johnson_su_mode
from jmedseg.density.measure import HUHistogram, measure_person, parse_levels, with_paper_units
from tests.conftest import DATA

SPACING = (0.8, 0.8, 2.5)
SHAPE = (44, 44, 24)
JSU_SHAPE = (-0.8, 2.0, 45.0)   # a, b, scale of the cancellous values
BOX = {31: (13, 22), 30: (2, 11)}   # vertebra id -> z range (z points to the head): L1 above L2
CANCELLOUS_VOXELS = 30 * 30 * 7     # per vertebra, by construction below
SHELL_HU = 700.0


def synthetic_case(densities, seed=0):
    """(hu, vertebrae, tissue): two box vertebrae whose cancellous values have Johnson SU modes `densities`."""
    rng = np.random.default_rng(seed)
    hu = np.full(SHAPE, -1000.0)
    hu[2:42, 2:42, :] = 40.0
    vertebrae = np.zeros(SHAPE, np.uint8)
    tissue = np.zeros(SHAPE, np.uint8)
    a, b, scale = JSU_SHAPE
    for (level, (z0, z1)), density in zip(BOX.items(), densities):
        vertebrae[5:39, 5:39, z0:z1] = level
        tissue[5:39, 5:39, z0:z1] = CORTICAL
        tissue[7:37, 7:37, z0 + 1:z1 - 1] = CANCELLOUS
        inner = (vertebrae == level) & (tissue == CANCELLOUS)
        loc = density - johnson_su_mode(a, b, 0.0, scale)
        hu[inner] = np.round(loc + scale * np.sinh((rng.standard_normal(inner.sum()) - a) / b))
    shell = tissue == CORTICAL
    hu[shell] = np.round(rng.normal(SHELL_HU, 25.0, shell.sum()))
    return hu, vertebrae, tissue


def test_per_vertebra_and_person_values():
    hu, vertebrae, tissue = synthetic_case((180.0, 120.0))
    person = measure_person(hu, vertebrae, tissue, SPACING)
    row = person.row
    assert row["l1_voxels"] == row["l2_voxels"] == CANCELLOUS_VOXELS
    assert row["l1_volume_ml"] == pytest.approx(CANCELLOUS_VOXELS * 0.8 * 0.8 * 2.5 / 1000)
    assert row["l1_jsu_mode_hu"] == pytest.approx(180.0, abs=3.0)
    assert row["l2_jsu_mode_hu"] == pytest.approx(120.0, abs=3.0)
    assert row["l1_mean_hu"] == pytest.approx(hu[(vertebrae == 31) & (tissue == CANCELLOUS)].mean())
    assert row["density_mean_of_levels_hu"] == pytest.approx((row["l1_jsu_mode_hu"] + row["l2_jsu_mode_hu"]) / 2)
    pooled = hu[np.isin(vertebrae, [30, 31]) & (tissue == CANCELLOUS)]
    # the density's fit: the pooled values up to their 90th percentile, truncated likelihood (issue 22)
    assert row["density_hu"] == pytest.approx(fit_johnson_su(pooled, upper_quantile=DENSITY_UPPER_QUANTILE).mode)
    assert person.histogram.n == 2 * CANCELLOUS_VOXELS
    assert row["cortical_hu"] == pytest.approx(SHELL_HU, abs=3.0)


def test_paper_units_add_1024():
    row = with_paper_units({"density_hu": 150.0, "l1_voxels": 10})
    assert row == {"density_hu": 150.0, "density_paper": 1174.0, "l1_voxels": 10}


def test_missing_level_and_empty_cancellous_region_are_named():
    hu, vertebrae, tissue = synthetic_case((150.0, 150.0))
    with pytest.raises(DensityFitError, match=r"vertebra L3 \(label 29\) is not in the mask.*\[30, 31\]"):
        measure_person(hu, vertebrae, tissue, SPACING, levels={"L3": 29})
    tissue[tissue == CANCELLOUS] = CORTICAL
    with pytest.raises(DensityFitError, match="too few pixels.*cancellous bone of L1"):
        measure_person(hu, vertebrae, tissue, SPACING)


@pytest.mark.parametrize("text, message", [("L1:31", "NAME=ID"), ("L1=x", "NAME=ID"), ("L1=31,L1=30", "twice"),
                                           (" , ", "no levels")])
def test_bad_level_mapping(text, message):
    with pytest.raises(ValueError, match=message):
        parse_levels(text)
    assert parse_levels("L1=31, L2=30") == {"L1": 31, "L2": 30}


def _save(array, path):
    nib.save(nib.Nifti1Image(array, np.diag([*SPACING, 1.0])), str(path))


def write_cohort(folder, people):
    """A cohort folder laid out like `jmedseg phantom`'s: cohort.csv and <id>/{ct,labels,vertebrae}.nii.gz."""
    rows = []
    for i, (sid, age, sex, site, density) in enumerate(people):
        hu, vertebrae, tissue = synthetic_case((density, density), seed=i)
        os.makedirs(folder / sid)
        _save(hu.astype(np.int16), folder / sid / "ct.nii.gz")
        _save(tissue, folder / sid / "labels.nii.gz")
        _save(vertebrae, folder / sid / "vertebrae.nii.gz")
        rows.append({"subject_id": sid, "age": age, "sex": sex, "site": site, "true_density_hu": density})
    with open(folder / "cohort.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def test_measure_one_ct(tmp_path, capsys):
    write_cohort(tmp_path, [("p1", 50, "F", "N", 160.0)])
    case = tmp_path / "p1"
    out = tmp_path / "out"
    code = main(["measure", "--ct", str(case / "ct.nii.gz"), "--mask", str(case / "vertebrae.nii.gz"),
                 "--tissue", str(case / "labels.nii.gz"), "--out", str(out), "--paper-units"])
    assert code == 0
    (row,) = _read_csv(out / "densities.csv")
    assert float(row["density_hu"]) == pytest.approx(160.0, abs=2.0)
    assert float(row["density_paper"]) == pytest.approx(float(row["density_hu"]) + 1024)
    assert HUHistogram.load(out / row["histogram"]).n == 2 * CANCELLOUS_VOXELS
    assert (out / row["figure"]).stat().st_size > 0
    assert "density_hu" in capsys.readouterr().out


def test_measure_cohort_keeps_metadata_and_reports_failures(tmp_path, capsys):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    people = [("a", 41, "M", "N", 190.0), ("b", 60, "F", "S", 120.0), ("c", 75, "F", "N", 80.0)]
    write_cohort(cohort, people)
    os.remove(cohort / "c" / "ct.nii.gz")
    out = tmp_path / "out"
    # any subject without a density: exit 1, and the count is printed
    assert main(["measure", "--cohort", str(cohort), "--out", str(out), "--workers", "2", "--no-figures"]) == 1
    assert "1 of 3 subjects have no density" in capsys.readouterr().out
    rows = _read_csv(out / "densities.csv")
    assert list(rows[0])[:5] == ["subject_id", "age", "sex", "site", "density_hu"]
    assert [(r["subject_id"], int(r["age"]), r["sex"], r["site"]) for r in rows] == [p[:4] for p in people]
    for r, (_, _, _, _, density) in zip(rows[:2], people):
        assert float(r["density_hu"]) == pytest.approx(density, abs=2.0)
    assert rows[2]["density_hu"] == "" and "no such volume" in rows[2]["note"]


def test_measure_real_ct_from_whole_vertebra_labels(tmp_path):
    sample = os.path.join(DATA, "totalseg_example")
    out = tmp_path / "real"
    assert main(["measure", "--ct", os.path.join(sample, "example_ct_sm.nii.gz"),
                 "--mask", os.path.join(sample, "example_seg.nii.gz"), "--out", str(out), "--no-figures"]) == 0
    (row,) = _read_csv(out / "densities.csv")
    # an adult's L1/L2 cancellous bone: published population means 90-230 HU (Jang et al., Radiology 2019)
    assert 50.0 < float(row["l1_jsu_mode_hu"]) < 250.0 and int(row["l1_voxels"]) > 50
