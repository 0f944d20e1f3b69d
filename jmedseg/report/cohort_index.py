"""The cohort's index page, OUT/index.html: one row per subject, sortable, flags visible, linking the pages.

Rows without a density are tinted and say why (the stored note); flags of any kind
(`*_flag` columns: the measurement's per-level flags, the calibration's) appear as badges.
Clicking a column head sorts by it (inline script, `jmedseg.report.templates.SORT_SCRIPT`).
"""
import html
from urllib.parse import quote

from jmedseg.report import cells
from jmedseg.report.columns import INDEX_COLUMNS
from jmedseg.report.subject_page import DISCLAIMER
from jmedseg.report.templates import SORT_SCRIPT, page
from jmedseg.version import __version__

REPORTS = "reports"


def page_link(subject_id):
    """The relative URL of a subject's page from index.html (the id percent-encoded: it may hold '#', '?', ' ')."""
    return f"{REPORTS}/{quote(str(subject_id), safe='')}.html"


def cohort_index(rows, z_scores=None):
    """The HTML text of index.html for the table's `rows` (as measure stored them)."""
    z_scores = z_scores or {}
    measured = sum(cells.number(r.get("density_hu")) is not None for r in rows)
    head = ('<th data-sort>subject</th>' + "".join(f"<th data-sort>{html.escape(c.label)}</th>" for c in INDEX_COLUMNS)
            + "<th data-sort>z</th><th data-sort>flags</th><th data-sort>note</th>")
    body = "\n".join(_row(r, z_scores.get(r.get("subject_id"))) for r in rows)
    text = (f'<header><h1>Bone density: {len(rows)} subjects</h1><div class="sub">jmedseg {html.escape(__version__)}'
            f" \u00b7 {measured} with a density, {len(rows) - measured} without</div></header><main>"
            f'<p class="disclaimer"><b>Research output, not a diagnosis.</b> {html.escape(DISCLAIMER)}</p>'
            '<p class="note">Click a column head to sort; click a subject for their page. z: the age-referenced '
            "z-score against this cohort's line of the person's sex and site.</p>"
            f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></main>")
    return page(f"jmedseg bone density: {len(rows)} subjects", text, SORT_SCRIPT)


def _row(row, age):
    sid = row.get("subject_id", "")
    refused = cells.number(row.get("density_hu")) is None
    tds = [f'<td data-value="{cells.attr(sid)}"><a href="{cells.attr(page_link(sid))}">{cells.text(sid)}</a></td>']
    for c in INDEX_COLUMNS:
        value = row.get(c.key)
        klass = ' class="num"' if c.digits is not None else ""
        tds.append(f'<td{klass} data-key="{cells.attr(c.key)}" data-value="{cells.attr(value)}">'
                   f"{cells.text(value, c.digits)}</td>")
    z = age.z if age is not None else None
    z_value, z_text = ("", cells.DASH) if z is None else (f"{z:.4f}", f"{z:+.2f}")
    tds.append(f'<td class="num" data-value="{z_value}">{z_text}</td>')
    flags = cells.flags_of(row)
    tds.append(f'<td data-value="{len(flags) or ""}">' + " ".join(
        f'<span class="flag">{html.escape(k)}: {html.escape(v)}</span>' for k, v in flags) + "</td>")
    tds.append(f'<td class="note" data-value="{cells.attr(row.get("note"))}">{cells.text(row.get("note"))}</td>')
    tint = ' class="no-density"' if refused else ""
    return f"<tr{tint}>" + "".join(tds) + "</tr>"
