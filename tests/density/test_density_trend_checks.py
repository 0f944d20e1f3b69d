"""`trend` on a cohort of ordinary size: the paper's resampling by sex x site group, fit warnings, skipped rows."""
import json

import numpy as np
import pytest

from jmedseg.cli import main
from jmedseg.density.trend import (OUTLIER_Z, TrendInputError, analyse, fit_warnings, read_densities,
                                   resampling_check, robust_z)
from jmedseg.utils.report import write_csv

# paper Equation 3 in HU: key -> (k, Z)
LAW = {"M_N": (2.34, 272.30), "M_S": (1.86, 247.49), "F_N": (3.54, 330.93), "F_S": (3.59, 334.96)}
RESIDUAL_SD = 6.0
PER_GROUP = 80


def _people(seed=3, per_group=PER_GROUP, law=LAW):
    """Rows of a cohort: `per_group` people per sex x site, ages drawn uniformly from 39-80, densities from `law`."""
    rng = np.random.default_rng(seed)
    rows = []
    for key, (k, z) in law.items():
        for j, age in enumerate(rng.integers(39, 81, per_group)):
            rows.append({"subject_id": f"{key}_{j}", "age": int(age), "sex": key[0], "site": key[2],
                         "density_hu": z - k * age + rng.normal(0.0, RESIDUAL_SD)})
    return rows


@pytest.fixture(scope="module")
def normal_cohort(tmp_path_factory):
    """320 people (80 per sex x site, ages 39-80): most 3-year age groups hold fewer than 10 of them."""
    path = tmp_path_factory.mktemp("normal") / "densities.csv"
    write_csv(path, _people())
    return path


def test_default_resampling_works_on_a_cohort_of_320(normal_cohort):
    df, skipped = read_densities(normal_cohort)
    assert len(df) == 320 and skipped == []
    assert df.groupby(["key", "age_group"]).size().min() < 10      # the old per-age-group draw stopped here
    with pytest.raises(TrendInputError, match="too few people in age group"):
        resampling_check(df, per_sample=10, repeats=10, by="age-group")
    result = analyse(df, bootstrap=0)                                # defaults: 10 repeats of 10 per group
    for key, (k, _) in LAW.items():
        r = result.resampling[key]
        assert len(r["k"]) == 10 and r["people_per_sample"] == 10
        # one sample of 10 ages spread ~12 years: SE(k) ~ 6 / (12 sqrt(9)) ~ 0.17 HU/yr, so the spread of the
        # 10 slopes is of that order, and their mean is within ~0.1 of the truth (0.45: over 4 SE)
        assert 0.05 < r["k_sd"] < 0.45
        assert r["k_mean"] == pytest.approx(k, abs=0.45)
        assert result.fits[key].k == pytest.approx(k, abs=0.3)     # all 80: SE ~ 0.06
    assert result.warnings == {}                                      # 80 people each, no outlier, none negative


def test_cli_default_on_the_normal_cohort(normal_cohort, tmp_path, capsys):
    out = tmp_path / "trend"
    assert main(["trend", "--input", str(normal_cohort), "--out", str(out), "--bootstrap", "50"]) == 0
    doc = json.loads((out / "fits.json").read_text())
    assert {key: len(r["k"]) for key, r in doc["resampling"].items()} == {key: 10 for key in LAW}
    assert doc["warnings"] == {} and doc["skipped"] == []
    md = (out / "trend.md").read_text()
    assert "## Resampling check (Supplementary Figure 8)" in md and "## Fit warnings" in md
    assert "None: every sex x site group has at least 10 people" in md
    assert "warning:" not in capsys.readouterr().out


def test_robust_z_ignores_the_outlier_it_measures():
    values = np.array([0.0, 1.0, -1.0, 2.0, -2.0, 100.0])
    # median 0.5, |deviations| 0.5 0.5 1.5 1.5 2.5 99.5 -> MAD 1.5, SD estimate 1.4826 * 1.5 = 2.2239
    z = robust_z(values)
    assert z[-1] == pytest.approx(99.5 / (1.4826 * 1.5))
    assert z[0] == pytest.approx(-0.5 / 2.2239, abs=1e-4)
    # a spread below the 1 HU floor: identical values give z 0, not a division by zero
    assert robust_z(np.array([5.0, 5.0, 5.0, 6.0])).tolist() == [0.0, 0.0, 0.0, 1.0]


def test_warnings_name_negative_densities_outliers_and_small_groups(tmp_path, capsys):
    rows = _people(seed=5)
    law_fs = _people(seed=6, per_group=7, law={"F_S": LAW["F_S"]})
    rows = [r for r in rows if not r["subject_id"].startswith("F_S")] + law_fs
    outlier = next(r for r in rows if r["subject_id"] == "M_N_3")
    outlier["density_hu"] += 200.0                                   # ~33 residual SDs above the line
    negative = next(r for r in rows if r["subject_id"] == "F_N_5")
    negative["density_hu"] = -12.0                                   # also ~150 HU below the line: an outlier
    path = tmp_path / "densities.csv"
    write_csv(path, rows)
    df, _ = read_densities(path)
    flags = {key: {w["flag"]: w for w in ws} for key, ws in fit_warnings(df).items()}
    assert set(flags) == {"M_N", "F_N", "F_S"}
    assert set(flags["M_N"]) == {"outlier"}
    assert len(flags["M_N"]["outlier"]["subjects"]) == 1 and flags["M_N"]["outlier"]["subjects"][0].startswith("M_N_3 (z ")
    z_outlier = float(flags["M_N"]["outlier"]["subjects"][0].split("(z ")[1].rstrip(")"))
    assert z_outlier > 20                                            # 200 HU over a robust SD of ~6-7 HU
    assert set(flags["F_N"]) == {"negative_density", "outlier"}
    assert flags["F_N"]["negative_density"]["subjects"] == ["F_N_5 (-12.0 HU)"]
    assert set(flags["F_S"]) == {"few_people"} and "7 people, fewer than 10" in flags["F_S"]["few_people"]["detail"]

    out = tmp_path / "trend"
    assert main(["trend", "--input", str(path), "--out", str(out), "--bootstrap", "0"]) == 0
    printed = capsys.readouterr().out
    assert "warning: M_N outlier" in printed and "warning: F_S few_people" in printed
    md = (out / "trend.md").read_text()
    table = md.split("## Fit warnings")[1]
    assert "negative_density" in table and "F_N_5 (-12.0 HU)" in table and "M_N_3 (z " in table
    assert f"robust z > {OUTLIER_Z:g}" in table
    doc = json.loads((out / "fits.json").read_text())
    assert doc["resampling"]["F_S"] == {"skipped": "7 people, fewer than the 10 each sample draws"}
    assert "not checked: 7 people" in md
    # the per-person fit table marks each group's warnings
    fit_rows = {line.split("|")[1].strip(): line for line in md.split("## Per-person fits")[1].split("\n## ")[0].splitlines()
                if line.startswith("| ") and "_" in line.split("|")[1]}
    assert fit_rows["M_S"].rstrip(" |").endswith("none") and "few_people" in fit_rows["F_S"]


def test_rows_without_age_sex_site_or_density_are_skipped_and_listed(normal_cohort, tmp_path, capsys):
    text = normal_cohort.read_text().splitlines()
    header = text[0] + ",note"
    extra = ["x_age,,M,N,150,", "x_sex,50,,N,150,", "x_site,50,F,,150,", "x_two,,F,,150,",
             "x_failed,60,M,S,,L1 touches the last slice", "x_empty,61,F,S,,"]
    path = tmp_path / "densities.csv"
    path.write_text("\n".join([header] + [line + "," for line in text[1:]] + extra) + "\n")
    df, skipped = read_densities(path)
    assert len(df) == 320
    assert skipped == [{"subject_id": "x_age", "reason": "no age"}, {"subject_id": "x_sex", "reason": "no sex"},
                       {"subject_id": "x_site", "reason": "no site"},
                       {"subject_id": "x_two", "reason": "no age; no site"},
                       {"subject_id": "x_failed", "reason": "no density (measure: L1 touches the last slice)"},
                       {"subject_id": "x_empty", "reason": "no density"}]
    out = tmp_path / "trend"
    assert main(["trend", "--input", str(path), "--out", str(out), "--bootstrap", "0", "--resample-n", "0"]) == 0
    printed = capsys.readouterr().out
    assert "skipped x_two: no age; no site" in printed and "6 subject(s) skipped; trend.md lists them with the reason" in printed
    md = (out / "trend.md").read_text()
    assert "## Skipped subjects (6)" in md and "| x_failed | no density (measure: L1 touches the last slice) |" in md
    assert json.loads((out / "fits.json").read_text())["skipped"][0] == {"subject_id": "x_age", "reason": "no age"}


def test_a_present_but_wrong_value_is_still_an_error(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("subject_id,age,sex,site,density_hu\na,,M,N,100\nb,forty,M,N,100\n")
    with pytest.raises(TrendInputError, match="'age' must be numeric; row 3 \\(subject b\\) has 'forty'"):
        read_densities(path)


def test_age_bounds_skip_people_with_their_age(normal_cohort, tmp_path, capsys):
    df, _ = read_densities(normal_cohort)
    young, old = df["age"] < 45, df["age"] > 75
    out = tmp_path / "trend"
    assert main(["trend", "--input", str(normal_cohort), "--out", str(out), "--bootstrap", "0", "--min-age", "45",
                 "--max-age", "75"]) == 0
    printed = capsys.readouterr().out
    doc = json.loads((out / "fits.json").read_text())
    assert len(doc["skipped"]) == int(young.sum() + old.sum()) > 0
    first = df[young].iloc[0]
    assert {"subject_id": first["subject_id"], "reason": f"age {first['age']:g} outside --min-age 45"} in doc["skipped"]
    assert sum(f["n"] for f in doc["fits"].values()) == 320 - len(doc["skipped"])
    assert f"{len(doc['skipped'])} subject(s) skipped" in printed
