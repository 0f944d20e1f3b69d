"""`jmedseg merge` copies every figure a row names, the calibration figure included, so the merged table's
relative paths all point to files in the merged folder."""
import csv

from jmedseg.cli import main
from tests.density.test_density_measure import write_cohort

FIGURE_COLUMNS = ("figure", "qc_figure", "calibration_figure")


def test_merged_rows_point_to_existing_figures(tmp_path):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    write_cohort(cohort, [("a1", 50, "F", "N", 120.0), ("b2", 60, "M", "S", 150.0)])
    shards = [tmp_path / f"shard{i}" for i in range(2)]
    for i, shard in enumerate(shards):
        assert main(["measure", "--cohort", str(cohort), "--out", str(shard), "--shard", f"{i}/2",
                     "--workers", "1"]) == 0
    merged = tmp_path / "merged"
    assert main(["merge", *map(str, shards), "--out", str(merged)]) == 0
    with open(merged / "densities.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 2
    for row in rows:
        assert row["calibration_figure"] == f"figures/{row['subject_id']}_calibration.png"
        for column in FIGURE_COLUMNS:
            if row.get(column):
                assert (merged / row[column]).is_file(), (column, row[column])
