"""The page skeleton, style sheet and sorting script, as Python strings (no files to ship, no network).

The Content-Security-Policy forbids every network request: images are data: URIs,
style and script are inline; a page opened from a hospital share cannot call out.
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; \
script-src {script_policy}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{style}</style>
</head>
<body>
{body}
{script}
</body>
</html>
"""

STYLE = """
:root { --ink: #1d2733; --muted: #5b6776; --line: #d9dee5; --band: #f4f6f9; --accent: #1f5f99;
        --warn-bg: #fff4d6; --warn-ink: #7a5200; --bad-bg: #fde8e8; --bad-ink: #8f1d1d; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", "Liberation Sans", Arial, sans-serif;
       color: var(--ink); background: #fff; }
header { background: var(--accent); color: #fff; padding: 14px 32px; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; }
header .sub { font-size: 13px; opacity: 0.85; }
main { max-width: 1080px; margin: 0 auto; padding: 8px 32px 40px; }
h2 { font-size: 16px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.disclaimer { margin: 16px 0 0; padding: 8px 12px; background: var(--band); border-left: 4px solid var(--muted);
              font-size: 13px; color: var(--muted); }
.refused { margin: 16px 0 0; padding: 10px 14px; background: var(--bad-bg); color: var(--bad-ink);
           border-left: 4px solid var(--bad-ink); }
.headline { display: flex; gap: 16px; flex-wrap: wrap; margin-top: 16px; }
.card { flex: 1 1 180px; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; }
.card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
.card .value { font-size: 26px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .value.words { font-size: 18px; padding: 4px 0; }
.card .unit { font-size: 14px; color: var(--muted); font-weight: 400; }
.card .more { font-size: 13px; color: var(--muted); }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: 600; font-size: 13px; color: var(--muted); }
td.num { text-align: right; }
table.facts { width: auto; min-width: 50%; }
table.facts th { width: 16em; background: none; }
table.facts td.num { text-align: left; }
.flag { display: inline-block; padding: 0 7px; margin: 1px 2px; border-radius: 9px; font-size: 12px;
        background: var(--warn-bg); color: var(--warn-ink); white-space: nowrap; }
tr.no-density td { background: var(--bad-bg); }
figure { margin: 12px 0; }
figure img { max-width: 100%; border: 1px solid var(--line); }
figcaption { font-size: 13px; color: var(--muted); }
.note { font-size: 13px; color: var(--muted); }
th[data-sort] { cursor: pointer; user-select: none; }
th[data-sort]::after { content: " \\2195"; color: #9aa5b1; }
@media print { header { background: none; color: var(--ink); border-bottom: 2px solid var(--ink); }
               figure, .card, tr { break-inside: avoid; } th[data-sort]::after { content: ""; } }
"""

# Click a column head to sort by it (again: reverse). Cells carry their raw value in data-value; numbers
# sort as numbers, text as text, empty cells last.
SORT_SCRIPT = """<script>
document.querySelectorAll("th[data-sort]").forEach(function (th) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0], col = th.cellIndex, up = th.dataset.dir !== "asc";
    th.dataset.dir = up ? "asc" : "desc";
    var key = function (row) { return row.cells[col].dataset.value || ""; };
    Array.from(body.rows).sort(function (a, b) {
      var x = key(a), y = key(b), nx = parseFloat(x), ny = parseFloat(y);
      if (x === "" || y === "") { return (x === "") - (y === ""); }
      var order = isNaN(nx) || isNaN(ny) ? x.localeCompare(y) : nx - ny;
      return up ? order : -order;
    }).forEach(function (row) { body.appendChild(row); });
  });
});
</script>"""


def page(title, body, script=""):
    """A whole HTML document; `title` must be escaped already, `body` is HTML."""
    return PAGE.format(title=title, style=STYLE, body=body, script=script,
                       script_policy="'unsafe-inline'" if script else "'none'")
