"""benchmarks/spine_labelling.py resumes a killed run from its JSONL (a 200-CT run takes the better part of an hour)."""
import json

from benchmarks.spine_labelling import _done_rows, _open_for_append


def test_a_killed_run_keeps_its_whole_lines_and_redoes_the_cut_one(tmp_path):
    path = tmp_path / "runs.jsonl"
    whole = [{"i": 0, "seed": 2026, "max_mvoxels": 20.0}, {"i": 1, "seed": 2026, "max_mvoxels": 20.0},
             {"i": 2, "seed": 7, "max_mvoxels": 20.0}]                 # another series: not reused
    path.write_text("".join(json.dumps(r) + "\n" for r in whole) + '{"i": 3, "seed": 20')   # killed mid-line
    assert sorted(_done_rows(str(path), 2026, 20.0)) == [0, 1]
    assert _done_rows(str(path), 2026, 30.0) == {}                       # another size cap: not reused
    with _open_for_append(str(path)) as sink:
        sink.write(json.dumps({"i": 3, "seed": 2026, "max_mvoxels": 20.0}) + "\n")
    assert sorted(_done_rows(str(path), 2026, 20.0)) == [0, 1, 3]
    assert path.read_text().count("\n") == 5                            # the cut line ended, then the new one
