"""A measurement composed through the API: a vertebra source, a tissue source and a named estimator.

Values are checked against what the formula gives on the region's pixels, computed here by hand
(the median of integer HU is exact; means agree to float rounding, 1e-6 relative).
"""
import shutil
from pathlib import Path

import numpy as np
import pytest

import jmedseg
from jmedseg.data.io import load_labels, load_volume
from jmedseg.density.measure import body_and_region
from jmedseg.errors import InputError, JmedsegError
from tests.conftest import DATA
from tests.density.test_density_measure import write_cohort

SAMPLE = Path(DATA) / "totalseg_example"
CT, SEG = SAMPLE / "example_ct_sm.nii.gz", SAMPLE / "example_seg.nii.gz"
L1 = 31
TOY_LABELLER = "tests.pipelines.toy_labeller:label_one_level"


def _l1_pixels():
    """L1's pixels in the region `measure` takes from a mask (the body less its shell and its outer voxel layer)."""
    ct = load_volume(CT)
    return ct.array[body_and_region(load_labels(SEG).array == L1, None, ct.spacing)[1]]


def test_the_named_estimator_is_the_reported_density():
    values = _l1_pixels()
    by_median = jmedseg.measure_ct(CT, mask=SEG, levels={"L1": L1}, allow_truncated=True, estimator="median")
    assert by_median.density_estimator == "median"
    assert by_median.density_hu == float(np.median(values)) == 97.0      # one level: the pooled pixels are L1's
    by_mean = jmedseg.measure_ct(CT, mask=SEG, levels={"L1": L1}, allow_truncated=True, estimator="mean")
    assert by_mean.density_hu == pytest.approx(float(np.mean(values)), rel=1e-6)
    paper = jmedseg.measure_ct(CT, mask=SEG, levels={"L1": L1}, allow_truncated=True)
    # the mode lies under the mean: the region's right tail (partial volume with the cortex) pulls the mean up
    assert paper.density_estimator == "jsu_mode" and paper.density_hu == paper.l1_jsu_mode_hu < float(np.mean(values))
    with pytest.raises(InputError, match="unknown density estimator 'mode'.*jsu_mode"):
        jmedseg.measure_ct(CT, mask=SEG, estimator="mode")


def test_any_labeller_of_the_same_type_is_a_vertebra_source(tmp_path):
    """The toy labeller returns the example's own L1 mask: the same density as that mask given."""
    from tests.pipelines.toy_labeller import label_one_level

    given = jmedseg.measure_ct(CT, mask=SEG, levels={"L1": L1}, allow_truncated=True)
    by_name = jmedseg.measure_ct(CT, labeller=TOY_LABELLER, levels={"L1": L1}, allow_truncated=True,
                                 out_dir=tmp_path / "out", figures=False)
    by_function = jmedseg.measure_ct(CT, labeller=label_one_level, levels={"L1": L1}, allow_truncated=True)
    # same pixels, same code, same process: equal up to the fit's float reduction order (1e-9 HU)
    assert by_name.density_hu == pytest.approx(given.density_hu, abs=1e-9)
    assert by_function.density_hu == pytest.approx(given.density_hu, abs=1e-9)
    assert by_name.levels_summary == "L1 from the example's mask"
    written = load_labels(tmp_path / "out" / "vertebrae" / "example_ct_sm.nii.gz").array
    assert np.count_nonzero(written == L1) == np.count_nonzero(load_labels(SEG).array == L1)
    with pytest.raises(InputError, match="not an importable function"):
        jmedseg.measure_ct(CT, labeller="tests.pipelines.toy_labeller:no_such_function")
    with pytest.raises(JmedsegError, match=r"returned ndarray of shape \(2, 2, 2\).*on the CT's grid"):
        jmedseg.measure_ct(CT, labeller="tests.pipelines.toy_labeller:label_on_another_grid")
    with pytest.raises(InputError, match="top level of a module"):
        jmedseg.measure_ct(CT, labeller=lambda volume: label_one_level(volume))


def test_a_changed_estimator_is_refused_in_the_old_folder_and_recomputed_with_redo(tmp_path):
    cohort, out = tmp_path / "cohort", tmp_path / "out"
    cohort.mkdir()
    write_cohort(cohort, [("a", 41, "M", "N", 190.0), ("b", 60, "F", "S", 120.0)])
    first = jmedseg.measure_cohort(cohort, out, figures=False)
    assert (first.measured, first.skipped) == (2, 0)
    with pytest.raises(JmedsegError, match="estimator"):     # the fingerprint differs: never mixed in one table
        jmedseg.measure_cohort(cohort, out, estimator="median", figures=False)
    again = jmedseg.measure_cohort(cohort, out, estimator="median", figures=False, redo=True)
    assert (again.measured, again.skipped) == (2, 0)
    for row, sid in zip(again.rows, ("a", "b")):
        ct, tissue = load_volume(cohort / sid / "ct.nii.gz").array, load_labels(cohort / sid / "labels.nii.gz").array
        vertebrae = load_labels(cohort / sid / "vertebrae.nii.gz").array
        pixels = ct[(tissue == 2) & np.isin(vertebrae, (30, 31))]
        assert row["density_estimator"] == "median" and row["density_hu"] == float(np.median(pixels))
    rerun = jmedseg.measure_cohort(cohort, out, estimator="median", figures=False)
    assert (rerun.measured, rerun.skipped) == (0, 2)


def test_a_cohort_subject_without_vertebrae_is_labelled_from_its_ct(tmp_path):
    """cohort/<id>/ct.nii.gz alone: the CT-alone labeller gives the same density as `measure --ct` without a mask."""
    cohort = tmp_path / "cohort"
    (cohort / "ex").mkdir(parents=True)
    shutil.copy(SAMPLE / "example_ct.nii.gz", cohort / "ex" / "ct.nii.gz")
    (cohort / "cohort.csv").write_text("subject_id,age,sex,site,true_density_hu\nex,50,F,N,\n")
    done = jmedseg.measure_cohort(cohort, tmp_path / "out", figures=False)
    (row,) = done.rows
    alone = jmedseg.measure_ct(cohort / "ex" / "ct.nii.gz")
    assert row["levels_used"] == alone.levels_used == "L1+L2" and row["age"] == "50"
    assert row["density_hu"] == pytest.approx(alone.density_hu, abs=1e-9)
    assert (tmp_path / "out" / "vertebrae" / "ex.nii.gz").is_file()


def lowest_quartile(x, w):
    """A toy estimator for the registry test: the value below which a quarter of the pixels lie."""
    order = np.argsort(x)
    cum = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cum, 0.25 * cum[-1])])


def test_a_registered_estimator_is_measured_by_name_and_versioned():
    from jmedseg.density.estimators import ESTIMATORS, estimator_version, register_estimator

    register_estimator("lowest_quartile", lowest_quartile)
    try:
        m = jmedseg.measure_ct(CT, mask=SEG, levels={"L1": L1}, allow_truncated=True, estimator="lowest_quartile")
        values = np.sort(_l1_pixels())
        # integer HU: the 25th percentile of the pixels by the lower rank, exactly
        assert m.density_hu == m.l1_lowest_quartile_hu == float(values[int(np.ceil(0.25 * values.size)) - 1])
        assert estimator_version("lowest_quartile") != estimator_version("median")   # this file's code, not theirs
        with pytest.raises(InputError, match="registered already"):
            register_estimator("jsu_mode", lowest_quartile)
    finally:
        ESTIMATORS.pop("lowest_quartile", None)


def test_fit_trend_reads_a_table_and_its_fields_read_through(tmp_path):
    """People on exact lines D = Z - k A (no noise): least squares gives k and Z back to float rounding."""
    lines = {("F", "N"): (2.0, 250.0), ("M", "N"): (1.5, 220.0), ("F", "S"): (1.8, 240.0), ("M", "S"): (1.2, 210.0)}
    rows = ["subject_id,age,sex,site,density_hu"]
    for (sex, site), (k, z) in lines.items():
        rows += [f"{sex}{site}{age},{age},{sex},{site},{z - k * age}" for age in range(40, 80, 3)]
    (tmp_path / "densities.csv").write_text("\n".join(rows) + "\n")
    run = jmedseg.fit_trend(tmp_path / "densities.csv", tmp_path / "trend", resample_n=0, bootstrap=20)
    for (sex, site), (k, z) in lines.items():
        fit = run.fits[f"{sex}_{site}"]            # the TrendResult's field, read through the run
        assert fit.k == pytest.approx(k, abs=1e-9) and fit.Z == pytest.approx(z, abs=1e-6) and fit.n == 14
    assert run.ages == (39, 80) and run.outside == [] and (tmp_path / "trend" / "fits.json").is_file()
