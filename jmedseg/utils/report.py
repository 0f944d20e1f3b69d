"""Plain-text tables and atomic writers for the files a run leaves behind."""
import csv
import io
import json
import math

from jmedseg.utils.files import atomic_write_bytes


def fmt(value, digits=4):
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        return f"{value:.{digits}f}" if abs(value) < 1e5 else f"{value:.3g}"
    return str(value)


def markdown_table(rows, columns=None, digits=4):
    """Rows (dicts) as a GitHub markdown table."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0])
    cells = [[fmt(r.get(c, ""), digits) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    line = lambda vals: "| " + " | ".join(v.ljust(w) for v, w in zip(vals, widths)) + " |"
    out = [line(columns), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _jsonable(obj):
    """Strict JSON: NaN (undefined) -> null, +-inf (e.g. HD95 against an empty mask) -> "inf"/"-inf"."""
    if isinstance(obj, float) and math.isnan(obj):
        return None
    if isinstance(obj, float) and math.isinf(obj):
        return "inf" if obj > 0 else "-inf"
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item"):
        return _jsonable(obj.item())
    return obj


def write_json(path, obj):
    atomic_write_bytes(path, (json.dumps(_jsonable(obj), indent=2, allow_nan=False) + "\n").encode())


def write_text(path, text):
    atomic_write_bytes(path, text.encode())


def write_csv(path, rows, columns=None):
    columns = columns or (list(rows[0]) if rows else [])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for r in rows:
        writer.writerow({k: ("" if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()})
    atomic_write_bytes(path, buf.getvalue().encode())
