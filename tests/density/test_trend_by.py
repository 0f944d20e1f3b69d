"""`jmedseg trend --by scanner|kvp|phase`: age lines per acquisition group, on a cohort built with known slopes.

Construction: women and men aged 40-79 at two sites; each site holds people from both
scanners, and scanner "ACME X1" reads every density 1.25x as high as "Other Y2" (a HU scale
difference, the question the paper's N/S difference raises). So per sex x site the lines mix
both scanners, while per sex x scanner they are exactly the constructed ones. Noise is a
deterministic +-1 HU alternating with age; its effect on a least-squares slope over 40 ages
spread over 11.5 years (SD) is below 1 / (sqrt(40) * 11.5) = 0.014 HU/yr, so 0.05 HU/yr is a safe tolerance.
"""
import csv

import pytest

from jmedseg.cli import main

SLOPE = {"F": 1.6, "M": 1.0}        # HU per year on scanner "Other Y2"
SCALE = {"ACME X1": 1.25, "Other Y2": 1.0}
KVP = {"ACME X1": "120", "Other Y2": "100.0"}
PHASE = {"ACME X1": "native", "Other Y2": "portal venous"}
TOL_K = 0.05


def _write(path, blank_for=None, drop=None, kvp_text=None):
    rows = []
    for sex in SLOPE:
        for scanner in SCALE:
            for age in range(40, 80):
                site = "N" if age % 2 else "S"
                truth = 260.0 - SLOPE[sex] * age + (1.0 if age % 4 < 2 else -1.0)
                maker, model = scanner.split()
                rows.append({"subject_id": f"{sex}{scanner[0]}{age}", "age": age, "sex": sex, "site": site,
                             "density_hu": SCALE[scanner] * truth, "manufacturer": maker, "model": model,
                             "kvp": KVP[scanner], "contrast_phase": PHASE[scanner]})
    if blank_for:
        rows[0][blank_for] = ""
    if kvp_text:
        rows[1]["kvp"] = kvp_text
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[c for c in rows[0] if c != drop], extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return rows


def _trend(csv_path, out, by):
    return main(["trend", "--input", str(csv_path), "--out", str(out), "--by", by, "--bootstrap", "20",
                 "--resample-n", "0"])


def _lines(out, by):
    with open(out / f"by_{by}.csv", newline="") as f:
        return {(r["sex"], r["group"]): r for r in csv.DictReader(f)}


@pytest.mark.parametrize("by, label", [("scanner", {"ACME X1": "ACME X1", "Other Y2": "Other Y2"}),
                                       ("kvp", {"ACME X1": "120 kVp", "Other Y2": "100 kVp"}),
                                       ("phase", PHASE)])
def test_lines_per_acquisition_group_are_the_constructed_ones(tmp_path, by, label):
    _write(tmp_path / "d.csv")
    assert _trend(tmp_path / "d.csv", tmp_path / "out", by) == 0
    lines = _lines(tmp_path / "out", by)
    assert len(lines) == 4
    for sex, k in SLOPE.items():
        for scanner, scale in SCALE.items():
            line = lines[(sex, label[scanner])]
            assert float(line["k (per yr)"]) == pytest.approx(scale * k, abs=TOL_K)
            assert line["sites"] == "N, S" and int(line["n"]) == 40
    assert (tmp_path / "out" / f"by_{by}.md").is_file()
    assert (tmp_path / "out" / "density_vs_age_people.png").is_file()


def test_absent_column_is_a_clear_error(tmp_path, capsys):
    _write(tmp_path / "d.csv", drop="kvp")
    assert _trend(tmp_path / "d.csv", tmp_path / "out", "kvp") == 2
    err = capsys.readouterr().err
    assert "has no kvp column" in err and "leave out --by" in err


def test_non_numeric_kvp_is_a_clear_error(tmp_path, capsys):
    _write(tmp_path / "d.csv", kvp_text="high")
    assert _trend(tmp_path / "d.csv", tmp_path / "out", "kvp") == 2
    assert "'kvp' must be numeric" in capsys.readouterr().err


def test_people_without_a_group_are_left_out_with_the_reason(tmp_path, capsys):
    rows = _write(tmp_path / "d.csv", blank_for="contrast_phase")
    assert _trend(tmp_path / "d.csv", tmp_path / "out", "phase") == 0
    assert f"skipped {rows[0]['subject_id']}: no phase (contrast_phase empty)" in capsys.readouterr().out
    assert int(_lines(tmp_path / "out", "phase")[("F", "native")]["n"]) == 39
