"""The age analysis recovers known slopes from a cohort drawn with them; bad input gets a clear error."""
import json
import os

import numpy as np
import pandas as pd
import pytest

from jmedseg.cli import main
from jmedseg.density.johnson_su import fit_johnson_su, johnson_su_mode
from jmedseg.density.measure import HUHistogram
from jmedseg.density.trend import (TrendInputError, age_group, analyse, decline, fit_line, group_statistics,
                                   read_densities, resampling_check, threshold_class)
from jmedseg.utils.report import write_csv

# paper Equation 3 in HU: key -> (k, Z)
LAW = {"M_N": (2.34, 272.30), "M_S": (1.86, 247.49), "F_N": (3.54, 330.93), "F_S": (3.59, 334.96)}
RESIDUAL_SD = 6.0
PIXELS_PER_PERSON = 2000
JSU = (-0.8, 2.0, 45.0)


def _pixels(rng, mode, n):
    a, b, scale = JSU
    loc = mode - johnson_su_mode(a, b, 0.0, scale)
    return np.round(loc + scale * np.sinh((rng.standard_normal(n) - a) / b))


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """densities.csv of 3 people per age 39-80 per sex x site, densities drawn from LAW, with histograms."""
    folder = tmp_path_factory.mktemp("cohort")
    rng = np.random.default_rng(7)
    rows, pixels = [], {}
    for key, (k, z) in LAW.items():
        for age in range(39, 81):
            for j in range(3):
                sid = f"{key}_{age}_{j}"
                density = z - k * age + rng.normal(0.0, RESIDUAL_SD)
                pixels[sid] = _pixels(rng, density, PIXELS_PER_PERSON)
                HUHistogram.from_values(pixels[sid]).save(folder / "histograms" / f"{sid}.npz")
                rows.append({"subject_id": sid, "age": age, "sex": key[0], "site": key[2], "density_hu": density,
                             "histogram": f"histograms/{sid}.npz"})
    write_csv(folder / "densities.csv", rows)
    return folder, pixels


def test_age_groups_are_centred_on_the_middle_year():
    assert [age_group(a) for a in (38, 39, 40, 41, 42, 44, 79, 80, 40.9)] == [37, 40, 40, 40, 43, 43, 79, 79, 40]


def test_line_through_exact_points():
    ages = np.array([40.0, 50.0, 60.0, 70.0])
    fit = fit_line(ages, 300.0 - 2.0 * ages, bootstrap=200)
    assert (fit.k, fit.Z, fit.r2, fit.sd, fit.n) == pytest.approx((2.0, 300.0, 1.0, 0.0, 4))
    assert fit.k_ci == pytest.approx((2.0, 2.0))


def test_decline_percentages_of_the_paper():
    # women, paper units: k 3.565, Z 1356.9 -> 11.4 % over 40-79 (section 5); in HU Z is 1024 lower
    d = decline(3.565, 1356.945 - 1024)
    assert d["pct_40y_paper"] == pytest.approx(11.4, abs=0.1)
    assert d["pct_per_year_paper"] == pytest.approx(0.3, abs=0.02)


def test_recovers_known_slopes(cohort):
    folder, _ = cohort
    df, _ = read_densities(folder / "densities.csv")
    result = analyse(df, resample_n=0, bootstrap=300)
    assert list(result.fits) == list(LAW)
    for key, (k, z) in LAW.items():
        fit = result.fits[key]
        assert fit.k == pytest.approx(k, abs=0.15)
        assert fit.Z == pytest.approx(z, abs=8.0)
        assert fit.sd == pytest.approx(RESIDUAL_SD, abs=1.0)
        assert fit.n == 126
        assert fit.k_ci[0] < fit.k < fit.k_ci[1] and 0.05 < fit.k_ci[1] - fit.k_ci[0] < 0.4
        assert result.personal_fits[key].k == pytest.approx(k, abs=0.15)
    assert result.ratios["female_over_male"] == pytest.approx((3.54 + 3.59) / (2.34 + 1.86), abs=0.1)
    assert result.ratios["male_N_over_S"] == pytest.approx(2.34 / 1.86, abs=0.15)


def test_group_statistics_pool_pixels_exactly_and_recover_slopes(cohort):
    folder, pixels = cohort
    df, _ = read_densities(folder / "densities.csv")
    load = lambda sid: HUHistogram.load(folder / "histograms" / f"{sid}.npz")
    groups = group_statistics(df, load)
    row = groups[(groups["key"] == "F_S") & (groups["age_group"] == 58)].iloc[0]
    members = df[(df["key"] == "F_S") & (df["age_group"] == 58)]["subject_id"]
    assert row["n"] == 9 and row["pixels"] == 9 * PIXELS_PER_PERSON
    assert row["density_hu"] == pytest.approx(fit_johnson_su(np.concatenate([pixels[s] for s in members])).mode,
                                              abs=1e-6)
    result = analyse(df, histogram_for=load, resample_n=0, bootstrap=0)
    for key, (k, _) in LAW.items():
        assert result.group_fits[key].k == pytest.approx(k, abs=0.2)


def test_resampling_by_age_group_and_too_few_people(cohort):
    folder, _ = cohort
    df, _ = read_densities(folder / "densities.csv")
    check = resampling_check(df, per_sample=5, repeats=4, by="age-group")
    for key, (k, _) in LAW.items():
        assert len(check[key]["k"]) == 4 and check[key]["k_mean"] == pytest.approx(k, abs=0.3)
        assert check[key]["people_per_sample"] == 5 * 14                 # 5 from each of 14 age groups
    thinned = df[~((df["key"] == "M_N") & (df["age"] == 40))]        # leaves 6 people in M_N's group 40
    with pytest.raises(TrendInputError, match=r"M_N has too few people in age group\(s\) 40 \(6\);.*--resample-by"):
        resampling_check(thinned, per_sample=7, repeats=2, by="age-group")


def test_z_scores_and_thresholds(cohort):
    folder, _ = cohort
    df, _ = read_densities(folder / "densities.csv")
    result = analyse(df, resample_n=0, bootstrap=0)
    person = next(r for r in result.z_scores if r["subject_id"] == "F_N_60_1")
    fit = result.fits["F_N"]
    expected = fit.Z - fit.k * 60
    assert person["expected_hu"] == pytest.approx(expected)
    assert person["z_score"] == pytest.approx((person["density_hu"] - expected) / fit.sd)
    assert [threshold_class(v) for v in (100.0, 110.0, 150.0, 200.0)] == [
        "osteoporosis likely (<=110 HU)", "osteoporosis likely (<=110 HU)", "osteoporosis possible (<=160 HU)",
        "normal (>160 HU)"]


def test_trend_command_writes_fits_in_the_documented_form(cohort, tmp_path):
    folder, _ = cohort
    out = tmp_path / "trend"
    assert main(["trend", "--input", str(folder / "densities.csv"), "--out", str(out), "--resample-n", "3",
                 "--bootstrap", "100"]) == 0
    doc = json.loads((out / "fits.json").read_text())
    assert set(doc["fits"]) == set(LAW)
    assert set(doc["fits"]["M_N"]) == {"k", "Z", "r2", "sd", "k_ci", "n"} and len(doc["fits"]["M_N"]["k_ci"]) == 2
    assert doc["fits"]["F_S"]["k"] == pytest.approx(3.59, abs=0.15)
    assert "female_over_male" in doc["ratios"] and set(doc["group_statistics"]) == set(LAW)
    assert "D = -3.5" in (out / "trend.md").read_text()
    z = pd.read_csv(out / "z_scores.csv")
    assert len(z) == 4 * 42 * 3 and z["z_score"].notna().all()
    for name in ("density_vs_age_people.png", "density_vs_age_groups.png", "age_groups.csv"):
        assert os.path.getsize(out / name) > 0


def _write(tmp_path, text):
    path = tmp_path / "d.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize("text, message", [
    ("subject_id,age,sex,density_hu\na,40,M,100\n", "lacks the column.*site"),
    ("subject_id,age,sex,site,density_hu\na,40,X,N,100\n", r"unknown sex value.*\['X'\].*M or F"),
    ("subject_id,age,sex,site,density_hu\na,40,M,Q,100\n", r"unknown site value.*\['Q'\].*--sites"),
    ("subject_id,age,sex,site,density_hu\na,forty,M,N,100\n", "'age' must be numeric; row 2.*'forty'"),
    ("subject_id,age,sex,site,density_hu\na,40,M,N,1O0\n", "'density_hu' must be numeric"),
    ("subject_id,age,sex,site,density_hu\na,40,M,N,100\na,41,M,N,99\n", "more than once"),
])
def test_bad_densities_are_named(tmp_path, text, message):
    with pytest.raises(TrendInputError, match=message):
        read_densities(_write(tmp_path, text))


def test_too_few_people_for_a_line_and_cli_error(tmp_path, capsys):
    path = _write(tmp_path, "subject_id,age,sex,site,density_hu\na,40,M,N,100\nb,50,M,N,90\nc,60,F,N,\n")
    df, skipped = read_densities(path)
    assert list(df["subject_id"]) == ["a", "b"]          # c has no density (a failed measurement): left out
    assert skipped == [{"subject_id": "c", "reason": "no density"}]
    with pytest.raises(TrendInputError, match="no sex x site group can be fitted.*M_N.*2 point"):
        analyse(df, resample_n=0)
    assert main(["trend", "--input", str(path), "--out", str(tmp_path / "o")]) == 2
    assert "a line needs at least 3 points" in capsys.readouterr().err


def test_empty_csv_error_names_the_file(tmp_path, capsys):
    path = _write(tmp_path, "")
    with pytest.raises(TrendInputError, match=f"{path} is empty; it needs a header line"):
        read_densities(path)
    assert main(["trend", "--input", str(path), "--out", str(tmp_path / "o")]) == 2
    assert str(path) in capsys.readouterr().err
