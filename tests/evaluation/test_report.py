import json
import math

from jmedseg.utils.report import markdown_table, write_json


def test_json_is_strict_for_undefined_and_infinite_scores(tmp_path):
    path = tmp_path / "m.json"
    write_json(path, {"dice": float("nan"), "hd95": math.inf, "n": 3})
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"dice": None, "hd95": "inf", "n": 3}


def test_markdown_table_formats_numbers_and_missing():
    table = markdown_table([{"a": 0.5, "b": float("nan")}], digits=2)
    assert table.splitlines()[2] == "| 0.50 | n/a |"
