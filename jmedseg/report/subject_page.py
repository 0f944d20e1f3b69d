"""One person's page: OUT/reports/<id>.html (issue 22 section 4).

Built from the person's stored row alone (the numbers of densities.csv), the run's
settings (OUT/run.json) and the pictures the measurement drew; every value is
HTML-escaped, numbers carry their unrounded value in `data-value` next to the rounded
text. A CT whose density was refused gets a page too, with the reason at the top.
"""
import datetime
import html
import re

from jmedseg.report import cells
from jmedseg.report.columns import ACQUISITION_COLUMNS, CALIBRATION_COLUMNS, LEVEL_TABLE, PERSON_FACTS
from jmedseg.report.images import pictures
from jmedseg.report.templates import page
from jmedseg.version import __version__

DISCLAIMER = ("These numbers come from automatic segmentation and statistics of "
              "one CT; they have not been reviewed by a clinician and must not be used on their own for a "
              "clinical decision.")
METHOD = ("The density is the mode (peak) of a Johnson SU distribution fitted to the CT values of the cancellous "
          "bone of the L1 and L2 vertebral bodies pooled, a value the cortical shell and fatty marrow do not pull as "
          "they pull a mean (Tao, Liu et al., <i>The changing rule of human bone density with aging</i>, section 3, "
          "Figures 6-7); levels that are missing, cut by the field of view or implausible are left out and flagged. "
          "The age-referenced z-score is the distance from the fitted age line of the person's sex and site, in "
          "residual SDs, the definition the same paper proposes (sections 4-5).")
LEVEL_FLAG = re.compile(r"^([a-z]\d{1,2})_flag$")   # l1_flag, t12_flag: a vertebra's flag column
CALIBRATION_METHOD = ("BMD in mg/cm\u00b3 (K<sub>2</sub>HPO<sub>4</sub>-equivalent) comes from an internal, "
                      "phantomless calibration: a line from HU to mg/cm\u00b3 fitted to reference tissues of the same "
                      "CT (air, fat, muscle, blood in native scans); the ACR QCT category uses its mean of two "
                      "lumbar levels.")


def subject_page(row, out_dir, run_info=None, age_reference=None, written=None):
    """The HTML text of one person's page; `row` as stored by measure (NaN or absent for no value)."""
    levels = _levels(row, run_info)
    sid = cells.text(row.get("subject_id"))
    refused = cells.number(row.get("density_hu")) is None
    parts = [f'<header><h1>Bone density report: {sid}</h1><div class="sub">jmedseg {html.escape(__version__)}'
             f" \u00b7 subject {sid}</div></header>", "<main>",
             f'<p class="disclaimer"><b>Research output, not a diagnosis.</b> {html.escape(DISCLAIMER)}</p>']
    if refused:
        parts.append(f'<div class="refused"><b>No density for this CT.</b> {cells.text(row.get("note"))}</div>')
    parts += [_headline(row, age_reference), "<h2>Per level</h2>", _level_table(row, levels), _flags_and_note(row),
              "<h2>Age reference</h2>", _age_paragraph(age_reference), "<h2>Pictures</h2>", _figures(out_dir, row),
              "<h2>Calibration and contrast</h2>", _facts(row, CALIBRATION_COLUMNS, "no calibration column in this "
                                                          "run: densities are in HU only"),
              "<h2>Person and acquisition</h2>", _facts(row, PERSON_FACTS + ACQUISITION_COLUMNS, ""),
              "<h2>Method</h2>", f"<p>{METHOD}</p>", f"<p>{CALIBRATION_METHOD}</p>" if _has_mgcm3(row) else "",
              "<h2>Software and settings</h2>", _software(run_info, written), "</main>"]
    return page(f"jmedseg bone density: {sid}", "\n".join(p for p in parts if p))


def _levels(row, run_info):
    """The requested levels' names: from the run's settings, else from the row's `<level>_flag` columns."""
    settings = (run_info or {}).get("settings", {})
    if settings.get("levels"):
        return list(settings["levels"])
    return [m.group(1).upper() for m in map(LEVEL_FLAG.match, row) if m]


def _value_cell(row, key, digits):
    if not key:
        return "<td></td>"
    value = row.get(key)
    klass = ' class="num"' if digits is not None else ""
    shown = cells.text(value, digits)
    if key.endswith("_flag") and cells.present(value):
        shown = f'<span class="flag">{shown}</span>'
    elif key.endswith("_flag") and key in row:   # checked, nothing found (an absent column stays a dash)
        shown = "none"
    return f'<td{klass} data-key="{cells.attr(key)}" data-value="{cells.attr(value)}">{shown}</td>'


def _level_table(row, levels):
    head = "".join(f"<th>{html.escape(c.label)}</th>" for c in LEVEL_TABLE)
    lines = [f"<table><thead><tr><th>level</th>{head}</tr></thead><tbody>"]
    for name in levels:
        keys = [c.level_key.format(level=name.lower()) for c in LEVEL_TABLE]
        lines.append(f"<tr><td>{html.escape(name)}</td>"
                     + "".join(_value_cell(row, k, c.digits) for k, c in zip(keys, LEVEL_TABLE)) + "</tr>")
    used = cells.text(row.get("levels_used")) if cells.present(row.get("levels_used")) else "no level"
    lines.append(f"<tr><td><b>person</b> ({used})</td>"
                 + "".join(_value_cell(row, c.person_key, c.digits) for c in LEVEL_TABLE) + "</tr>")
    lines.append("</tbody></table>")
    lines.append('<p class="note">Category: for L1, the opportunistic L1 HU screening cut-offs of Pickhardt et al. '
                 "2013 (&le; 110 HU osteoporosis likely, &le; 160 HU possible); for the person, the ACR QCT "
                 "categories of mg/cm\u00b3 (over 120 normal, 80-120 low bone mass, under 80 osteoporosis).</p>")
    return "\n".join(lines)


def _headline(row, age):
    cards = []
    if cells.number(row.get("density_hu")) is not None:
        cards.append(("density", cells.text(row.get("density_hu"), 1), "HU",
                      f"Johnson SU mode of {cells.text(row.get('levels_used'))}"))
    if cells.present(row.get("l1_hu_category")):
        cards.append(("L1 HU category", cells.text(row.get("l1_hu_category")), "", "Pickhardt et al. 2013"))
    if _has_mgcm3(row):
        cards.append(("BMD", cells.text(row.get("bmd_mgcm3"), 1), "mg/cm\u00b3", cells.text(row.get("acr_category"))))
    if age is not None and age.z is not None:
        cards.append(("age-referenced z", f"{age.z:+.2f}", "SD", html.escape(f"against the {age.group} age line")))
    if cells.present(row.get("contrast_phase")):
        cards.append(("contrast phase", cells.text(row.get("contrast_phase")), "", ""))
    if not cards:
        return ""
    return '<div class="headline">' + "".join(
        f'<div class="card"><div class="label">{label}</div><div class="value{"" if unit else " words"}">{value} '
        f'<span class="unit">{unit}</span></div><div class="more">{more}</div></div>'
        for label, value, unit, more in cards) + "</div>"


def _has_mgcm3(row):
    return any(k.endswith("_mgcm3") and cells.present(v) for k, v in row.items())


def _flags_and_note(row):
    flags = cells.flags_of(row)
    parts = []
    if flags:
        parts.append("<p>Flags: " + " ".join(f'<span class="flag">{html.escape(k)}: {html.escape(v)}</span>'
                                              for k, v in flags) + "</p>")
    if cells.present(row.get("note")) and cells.number(row.get("density_hu")) is not None:
        parts.append(f'<p class="note">Note: {cells.text(row.get("note"))}</p>')
    return "\n".join(parts)


def _age_paragraph(age):
    if age is None or age.z is None:
        reason = age.reason if age is not None and age.reason else "no age reference was given for this report"
        return f"<p>No z-score: {html.escape(reason)}.</p>"
    text = (f"<p>z = <b>{age.z:+.2f}</b>: the density lies {abs(age.z):.2f} residual SDs "
            f"{'below' if age.z < 0 else 'above'} the age line of this cohort's people of the same sex and site "
            f"({html.escape(age.group)}; "
            f"expected {age.expected_hu:.1f} HU at this age; line fitted on {age.people} people, decline "
            f"{age.k:.2f} HU per year). ")
    if age.low_for_age:
        text += "z &le; -2: below the expected range for age (ISCD's wording for z-scores). "
    text += "The reference is this cohort, not a population norm.</p>"
    if age.reason:
        text += f'<p class="note">{html.escape(age.reason)}.</p>'
    return text


def _figures(out_dir, row):
    shown = []
    found = pictures(out_dir, row)
    if any(key == "qc_figure" and uri for key, uri, _ in found):   # it holds the histogram figure's panel too
        found = [f for f in found if f[0] != "figure"]
    for key, uri, caption in found:
        if uri is None:
            shown.append(f'<p class="note">{html.escape(key)}: the picture is missing from the output folder.</p>')
        else:
            shown.append(f'<figure><img alt="{cells.attr(caption)}" src="{uri}"><figcaption>{html.escape(caption)}'
                         "</figcaption></figure>")
    return "\n".join(shown) or ('<p class="note">No picture: this subject was measured with --no-figures, or its '
                                "density was refused before a picture could be drawn.</p>")


def _facts(row, columns, when_none):
    present = [c for c in columns if cells.present(row.get(c.key))]
    if not present and when_none:
        return f'<p class="note">{html.escape(when_none)}.</p>'
    lines = ['<table class="facts"><tbody>']
    for c in columns:
        lines.append(f"<tr><th>{html.escape(c.label)}</th>{_value_cell(row, c.key, c.digits)}</tr>")
    return "\n".join(lines + ["</tbody></table>"])


def _software(run_info, written):
    info = run_info or {}
    settings = info.get("settings", {})
    facts = [("software", f"jmedseg {__version__}"), ("measurement version", settings.get("version", "")),
             ("settings fingerprint", info.get("fingerprint", "")), ("source", info.get("source", ""))]
    facts += [(f"setting: {k}", v) for k, v in sorted(settings.items()) if k != "version"]
    facts.append(("page written", written or datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M UTC")))
    body = "".join(f"<tr><th>{html.escape(k)}</th><td>{cells.text(_plain(v))}</td></tr>" for k, v in facts)
    return f'<table class="facts"><tbody>{body}</tbody></table>'


def _plain(value):
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return value
