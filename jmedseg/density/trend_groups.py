"""`jmedseg trend --by scanner|kvp|phase`: the age lines per acquisition group (issue 22, section 3).

The paper's men at N hospital lose density 1.3x faster than at S hospital (section 4).
Biology, or two scanners whose HU scales differ? Grouping people by how they were
scanned instead of where asks it directly: the lines D = -k A + Z are fitted per
sex x acquisition group, with the same analysis, files and warnings as per sex x site,
and `side_by_side` lists the groups' lines next to each other with the sites they hold.

Groups: scanner = manufacturer + model; kvp = tube voltage (columns read from DICOM headers);
phase = contrast_phase (estimated from the image). People without a value are left out
with the reason, like people without an age.
"""
import os

import pandas as pd

from jmedseg.density.trend import TrendInputError, _blank
from jmedseg.utils.report import markdown_table, write_csv, write_text

GROUP_COLUMNS = {"scanner": ("manufacturer", "model"), "kvp": ("kvp",), "phase": ("contrast_phase",)}
ORIGIN = {"scanner": "DICOM headers (Manufacturer, ManufacturerModelName)", "kvp": "DICOM headers (KVP)",
          "phase": "the contrast-phase estimate of `jmedseg measure`"}


def _label(by, values):
    """A group's name from its columns' values: 'SIEMENS SOMATOM Force', '120 kVp', 'native'."""
    if by == "kvp":
        return f"{float(values[0]):g} kVp"
    return " ".join(str(v).strip() for v in values if str(v).strip())


def group_by_acquisition(df, by, path):
    """(df with `site` and `key` naming the acquisition group, the groups, the rows left out).

    `df` is a validated table (jmedseg.density.trend.read_densities); its site moves to
    `origin_site`. Raises TrendInputError naming the fix when a column is absent or a
    kVp is not a number.
    """
    if by not in GROUP_COLUMNS:
        raise TrendInputError(f"--by {by!r}: choose one of {', '.join(GROUP_COLUMNS)}")
    columns = GROUP_COLUMNS[by]
    absent = [c for c in columns if c not in df.columns]
    if absent:
        raise TrendInputError(f"{path} has no {', '.join(absent)} column: `trend --by {by}` groups people by it, "
                              f"which comes from {ORIGIN[by]}; measure with the acquisition columns, add the column "
                              "yourself, or leave out --by")
    empty = pd.concat([_blank(df[c]) for c in columns], axis=1).all(axis=1)   # scanner: either column will do
    left_out = [{"subject_id": s, "reason": f"no {by} ({', '.join(columns)} empty)"} for s in df["subject_id"][empty]]
    df = df[~empty].copy()
    if by == "kvp":
        kvp = pd.to_numeric(df["kvp"], errors="coerce")
        if kvp.isna().any():
            first = df[kvp.isna()].iloc[0]
            raise TrendInputError(f"{path}: column 'kvp' must be numeric (tube voltage in kV); subject "
                                  f"{first['subject_id']} has {first['kvp']!r}")
    df["origin_site"] = df["site"]
    df["site"] = [_label(by, values) for values in zip(*(df[c] for c in columns))]
    df["key"] = df["sex"] + "_" + df["site"]
    return df, tuple(sorted(set(df["site"]))), left_out


def side_by_side(result, df, extra=None):
    """One row per sex x acquisition group: its line, its people and the sites they come from.

    `extra` {column: {(sex, group): value}}: more columns about each group's people, after `sites`.
    """
    rows = []
    for key, fit in result.fits.items():
        part = df[df["key"] == key]
        sex, group = key.split("_", 1)
        more = {name: values[(sex, group)] for name, values in (extra or {}).items()}
        rows.append({"group": group, "sex": sex, "sites": ", ".join(sorted(set(part["origin_site"]))), **more,
                     "n": fit.n, "k (per yr)": fit.k, "k 95% CI": f"{fit.k_ci[0]:.2f} to {fit.k_ci[1]:.2f}",
                     "Z": fit.Z, "R^2": fit.r2, "SD": fit.sd})
    return sorted(rows, key=lambda r: (r["sex"], r["group"]))


def write_side_by_side(result, df, by, out_dir, extra=None, note=""):
    """by_<by>.md and by_<by>.csv in `out_dir` (the lines per group; the figure is density_vs_age_people.png).

    `extra` as for `side_by_side`; `note` explains its columns on the page.
    """
    rows = side_by_side(result, df, extra)
    title = f"# Age lines per {by} (jmedseg trend --by {by})"
    text = "\n".join([title, "", markdown_table(rows, digits=3), "",
                      " ".join(filter(None, ["One line D = -k A + Z per sex x group; `sites` lists where its people "
                                             "were scanned. density_vs_age_people.png draws the lines side by side.",
                                             note])), ""])
    paths = [os.path.join(out_dir, f"by_{by}.md"), os.path.join(out_dir, f"by_{by}.csv")]
    write_text(paths[0], text)
    write_csv(paths[1], rows)
    return rows, paths
