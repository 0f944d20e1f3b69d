"""The paper's N/S question with a known answer: two sites that differ only in their scanner's HU scale.

The same 400 people (ages 40-80, true K2HPO4-equivalent density falling 1.6 mg/cm3 per year, each with their
own fat/muscle/blood composition) are scanned at site N on an 80 kVp scanner and at site S on a 140 kVp one.
In HU the sites' slopes differ (bone mineral reads about 1.6x brighter at 80 kVp); calibrated to mg/cm3 by
`trend --scale mgcm3` they must agree within 0.2 mg/cm3 per year (issue 22 section 5).
"""
import csv
import json

import numpy as np
import pytest

from jmedseg.calibration.fit import fit_calibration
from jmedseg.cli import main
from jmedseg.data.synth.scanner_scale import ScannerScale, SyntheticPerson

SITES = {"N": ScannerScale("N_80kVp", 80, 1.0, -4.0), "S": ScannerScale("S_140kVp", 140, -1.0, 3.0)}
TRUE_SLOPE = 1.6          # mg/cm3 per year


def _cohort_csv(path, people=400, seed=0):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(people):
        age = float(rng.uniform(40, 80))
        person = SyntheticPerson.draw(rng, 200.0 - TRUE_SLOPE * (age - 40.0) + float(rng.normal(0, 15)))
        for site, scanner in SITES.items():
            hu = scanner.tissue_hu_for(rng, "native", ["L1"], person)
            reference = {t: hu[t] + float(rng.normal(0, 1.0)) for t in ("air", "fat", "muscle", "blood")}
            density_hu = hu["trabecular_bone_L1"]
            bmd = fit_calibration(reference).to_mgcm3(density_hu)   # NaN: refused, a blank cell as measure writes
            rows.append({"subject_id": f"{site}{i}", "age": f"{age:.1f}", "sex": "MF"[i % 2], "site": site,
                         "density_hu": density_hu, "bmd_mgcm3": "" if np.isnan(bmd) else bmd})
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _slopes(tmp_path, scale):
    out = tmp_path / scale
    assert main(["trend", "--input", str(tmp_path / "densities.csv"), "--out", str(out), "--scale", scale,
                 "--bootstrap", "20", "--resample-n", "0"]) == 0
    fits = json.loads((out / "fits.json").read_text())["fits"]
    return {key: fit["k"] for key, fit in fits.items()}, (out / "trend.md").read_text()


def _header(path):
    return path.read_text().splitlines()[0].split(",")


def test_sites_differing_only_in_scanner_agree_in_mgcm3(tmp_path):
    _cohort_csv(tmp_path / "densities.csv")
    hu, _ = _slopes(tmp_path, "hu")
    mg, report = _slopes(tmp_path, "mgcm3")
    for sex in "MF":
        assert hu[f"{sex}_N"] / hu[f"{sex}_S"] > 1.3                 # the scanners' HU scales differ
        assert mg[f"{sex}_N"] == pytest.approx(mg[f"{sex}_S"], abs=0.2)
        assert mg[f"{sex}_N"] == pytest.approx(TRUE_SLOPE, abs=0.3)
    assert "mg/cm3/yr" in report and "k (HU/yr)" not in report
    # the per-person and per-group files name the density by its scale; the L1 HU class stays in HU
    z_mg, z_hu = _header(tmp_path / "mgcm3" / "z_scores.csv"), _header(tmp_path / "hu" / "z_scores.csv")
    assert {"bmd_mgcm3", "expected_mgcm3", "l1_hu"} <= set(z_mg) and not {"density_hu", "expected_hu"} & set(z_mg)
    assert {"density_hu", "expected_hu"} <= set(z_hu)
    assert "personal_mean_mgcm3" in _header(tmp_path / "mgcm3" / "age_groups.csv")


def test_scale_mgcm3_needs_the_column(tmp_path):
    path = tmp_path / "densities.csv"
    path.write_text("subject_id,age,sex,site,density_hu\na,50,M,N,150\n")
    from jmedseg.density.trend import TrendInputError, read_densities

    with pytest.raises(TrendInputError, match="no bmd_mgcm3 column"):
        read_densities(str(path), ("N", "S"), "mgcm3")
