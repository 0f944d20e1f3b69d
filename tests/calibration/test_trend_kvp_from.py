"""`jmedseg trend --by kvp` says where each group's kVp came from (column `kvp from`, issue 22 section 3).

A cohort built with known slopes (tests/density/test_trend_by.py): two tube voltages, and `kvp_source` as
`jmedseg measure` writes it. The 120 kVp people's values were read from DICOM headers and JSON sidecars,
the 100 kVp people's were typed in (--kvp, cohort.csv). Each group's column counts its people per source.
"""
import csv

from jmedseg.cli import main
from jmedseg.pipelines.trend_run import NOT_RECORDED, kvp_origin
from jmedseg.utils.report import write_csv

KVP_SOURCES = {"120": ["DICOM header", "JSON sidecar s1.json", "JSON sidecar other.json = --kvp"],
               "100": ["--kvp", "cohort.csv column kvp; DICOM header kVp 0.0 left out (no tube voltage)"]}


def _cohort(path, with_source=True):
    rows = []
    for sex, slope in (("F", 1.6), ("M", 1.0)):
        for kvp, sources in KVP_SOURCES.items():
            for age in range(40, 80):
                row = {"subject_id": f"{sex}{kvp}_{age}", "age": age, "sex": sex, "site": "N" if age % 2 else "S",
                       "density_hu": 260.0 - slope * age, "kvp": kvp}
                if with_source:
                    row["kvp_source"] = sources[age % len(sources)]
                rows.append(row)
    write_csv(str(path), rows)


def _trend(tmp_path, name):
    out = tmp_path / name
    code = main(["trend", "--input", str(tmp_path / f"{name}.csv"), "--out", str(out), "--by", "kvp",
                 "--bootstrap", "20", "--resample-n", "0"])
    with open(out / "by_kvp.csv", newline="") as f:
        return code, {(r["sex"], r["group"]): r for r in csv.DictReader(f)}, (out / "by_kvp.md").read_text()


def test_kvp_origin_drops_file_names_and_notes():
    assert kvp_origin("JSON sidecar ct.json = --kvp") == "JSON sidecar = --kvp"
    assert kvp_origin("JSON sidecar scan 2.json = cohort.csv column kvp") == "JSON sidecar = cohort.csv column kvp"
    assert kvp_origin("--kvp; DICOM header kVp 0.0 left out (no tube voltage)") == "--kvp"
    assert kvp_origin("") == NOT_RECORDED


def test_each_kvp_group_counts_its_sources(tmp_path, capsys):
    _cohort(tmp_path / "given.csv")
    code, lines, page = _trend(tmp_path, "given")
    assert code == 0 and len(lines) == 4
    # ages 40-79, source = age % 3: 14 people at remainder 1 (40, 43, ..., 79), 13 at 0 and at 2; then by count
    assert lines[("F", "120 kVp")]["kvp from"] == "JSON sidecar 14, DICOM header 13, JSON sidecar = --kvp 13"
    assert lines[("M", "100 kVp")]["kvp from"] == "--kvp 20, cohort.csv column kvp 20"
    # the lines themselves are the constructed ones (exact data: least squares gives the slope to rounding)
    assert abs(float(lines[("F", "120 kVp")]["k (per yr)"]) - 1.6) < 1e-3
    assert "kvp from" in page and "--kvp 20, cohort.csv column kvp 20" in page and "typed in" in page
    printed = capsys.readouterr().out
    assert "kvp from" in printed and "JSON sidecar 14, DICOM header 13" in printed


def test_a_table_without_kvp_source_says_not_recorded(tmp_path):
    _cohort(tmp_path / "bare.csv", with_source=False)
    code, lines, _ = _trend(tmp_path, "bare")
    assert code == 0 and {r["kvp from"] for r in lines.values()} == {f"{NOT_RECORDED} 40"}
