"""Agreement statistics on data with known bias, and ICC/CCC against hand-computed and published values."""
import math

import numpy as np
import pytest

from jmedseg.evaluation.agreement import (age_slope, agreement, bland_altman, icc_a1, icc_a1_matrix, lin_ccc,
                               pearson_r, plot_bland_altman, plot_density_vs_age)


def test_constant_bias_by_hand():
    ref = [1.0, 2.0, 3.0]
    meas = [2.0, 3.0, 4.0]                     # +1 for everybody
    ba = bland_altman(meas, ref)
    assert ba["bias"] == 1.0 and ba["sd_diff"] == 0.0 and ba["loa_low"] == ba["loa_high"] == 1.0
    # two-way ANOVA: MSR = 2, MSC = 1.5, MSE = 0 -> ICC(A,1) = 2 / (2 + 2/3 * 1.5) = 2/3
    assert icc_a1(meas, ref) == pytest.approx(2 / 3)
    # population variances 2/3 each, covariance 2/3, squared mean shift 1 -> CCC = (4/3) / (7/3)
    assert lin_ccc(meas, ref) == pytest.approx(4 / 7)
    assert pearson_r(meas, ref) == pytest.approx(1.0)


def test_icc_matches_shrout_and_fleiss_1979_table():
    # Shrout & Fleiss (1979) Table 2: 6 targets x 4 judges; their ICC(2,1) = McGraw & Wong's ICC(A,1) = 0.29
    ratings = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    assert icc_a1_matrix(ratings) == pytest.approx(0.29, abs=0.005)


def test_limits_of_agreement_recover_known_bias_and_spread():
    rng = np.random.default_rng(0)
    ref = rng.uniform(80, 220, 4000)
    meas = ref + 3.0 + rng.normal(0, 5.0, ref.size)   # bias 3 HU, SD 5 HU (CT vs QCT, docs/references.md)
    a = agreement(meas, ref)
    assert a["bias"] == pytest.approx(3.0, abs=0.3) and a["sd_diff"] == pytest.approx(5.0, abs=0.3)
    assert a["loa_high"] - a["loa_low"] == pytest.approx(2 * 1.96 * a["sd_diff"])
    assert a["mae"] == pytest.approx(np.mean(np.abs(meas - ref)))
    assert 0.98 < a["icc_a1"] < a["pearson_r"] < 1.0 and a["ccc"] == pytest.approx(a["icc_a1"], abs=0.002)


def test_nan_pairs_are_dropped_and_counted():
    a = agreement([1.0, float("nan"), 3.0, 5.0], [1.0, 2.0, 2.0, 4.0])
    assert a["n"] == 3 and a["n_dropped"] == 1 and a["bias"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="must pair up"):
        agreement([1.0, 2.0], [1.0])


def test_age_slopes_from_measured_and_reference():
    ages = [40, 50, 60, 70]
    ref = [200.0, 175.0, 150.0, 125.0]           # -2.5 HU/year (Jang et al. 2019)
    meas = [201.0, 181.0, 161.0, 141.0]          # -2.0 HU/year
    a = agreement(meas, ref, ages=ages)
    assert a["age_slope_reference"] == pytest.approx(-2.5) and a["age_slope_measured"] == pytest.approx(-2.0)
    assert a["age_slope_difference"] == pytest.approx(0.5)
    assert math.isnan(age_slope([40, 40, 40], [1.0, 2.0, 3.0]))


def test_plots_are_written(tmp_path):
    ref = np.array([100.0, 150.0, 200.0, 120.0])
    plot_bland_altman(ref + 2, ref, tmp_path / "ba.png")
    plot_density_vs_age([40, 50, 60, 70], ref + 2, ref, tmp_path / "age.png")
    for name in ("ba.png", "age.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_agreement_command_joins_two_density_files(tmp_path):
    import json

    from jmedseg.cli import main

    (tmp_path / "ref.csv").write_text("subject_id,age,density_hu\na,40,200\nb,50,175\nc,60,150\nd,70,125\n")
    # b could not be measured (empty), e is not in the reference: both left out
    (tmp_path / "pred.csv").write_text("subject_id,density_hu,note\na,202,\nb,,empty prediction\nc,152,\n"
                                       "d,127,\ne,99,\n")
    out = tmp_path / "out"
    assert main(["agreement", "--measured", str(tmp_path / "pred.csv"), "--reference", str(tmp_path / "ref.csv"),
                 "--out", str(out)]) == 0
    stats = json.loads((out / "agreement.json").read_text())
    assert stats["n"] == 3 and stats["n_dropped"] == 1 and stats["only_in_one_file"] == 1
    assert stats["bias"] == 2.0 and stats["sd_diff"] == 0.0
    assert stats["age_slope_reference"] == pytest.approx(-2.5) and stats["age_slope_measured"] == pytest.approx(-2.5)
    assert (out / "bland_altman.png").is_file() and (out / "density_vs_age.png").is_file()
    assert main(["agreement", "--measured", str(tmp_path / "pred.csv"), "--reference", str(tmp_path / "ref.csv"),
                 "--column", "l1_mean_hu"]) == 2
