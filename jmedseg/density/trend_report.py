"""Files of the age analysis: fits.json, trend.md (paper Equation 3, Tables 1-2), z-scores and plots.

fits.json: {"fits": {"M_N": {"k", "Z", "r2", "sd", "k_ci", "n"}, ...}, "ratios": {...}}
(k > 0 is a decline, density in HU), followed by the secondary analyses under
their own keys: "declines", "personal_statistics", "group_statistics", "resampling",
then "warnings" (per group: what makes its fit untrustworthy) and "skipped" (rows
left out, with the reason).
"""
import os

import numpy as np

from jmedseg.utils.plotting import pyplot, save_figure
from jmedseg.density.trend import SEX_NAMES
from jmedseg.utils.report import markdown_table, write_csv, write_json, write_text

SITE_COLOURS = ("tab:orange", "tab:blue", "tab:green", "tab:red", "tab:purple")


def fits_document(result):
    return {
        "fits": {key: f.as_dict() for key, f in result.fits.items()},
        "ratios": result.ratios,
        "declines": result.declines,
        "personal_statistics": {key: f.as_dict() for key, f in result.personal_fits.items()},
        "group_statistics": {key: f.as_dict() for key, f in result.group_fits.items()},
        "resampling": result.resampling,
        "warnings": result.warnings,
        "skipped": result.skipped,
    }


def _equation(f):
    return f"D = -{f.k:.2f} A + {f.Z:.2f}"


def _fit_rows(fits, declines=None, warnings=None, units="HU"):
    """Table rows of line fits; `units` 'HU' or 'mg/cm3' (`trend --scale`: no paper units beside mg/cm3)."""
    rows = []
    for key, f in fits.items():
        row = {"group": key, f"equation ({units})": _equation(f), f"k ({units}/yr)": f.k,
               "k 95% CI": f"{f.k_ci[0]:.2f} to {f.k_ci[1]:.2f}", f"Z ({units})": f.Z}
        if units == "HU":
            row["Z + 1024"] = f.Z + 1024
        row.update({"R^2": f.r2, f"SD ({units})": f.sd, "n": f.n})
        if declines:
            d = declines[key]
            if units == "HU":
                row.update({"%/yr (paper units)": d["pct_per_year_paper"],
                            "% 40-79 (paper units)": d["pct_40y_paper"]})
            row[f"% 40-79 ({units})"] = d["pct_40y_hu"]   # relative to the density at 40: any linear scale
        if warnings is not None:
            row["warnings"] = ", ".join(w["flag"] for w in warnings.get(key, [])) or "none"
        rows.append(row)
    return rows


def markdown_report(result, units="HU"):
    parts = ["# Bone density against age (paper section 4)", "",
             f"Density in {units}" + ("" if units == "HU" else " (bmd_mgcm3, internal calibration: "
                                      "docs/calibration.md)"), "",
             "## Per-person fits D = -k A + Z (paper Equation 3, Table 2)", "",
             markdown_table(_fit_rows(result.fits, result.declines, result.warnings, units), digits=3), "",
             "(warnings: see \"Fit warnings\" below)", ""]
    for title, fits in (("Personal statistics: fits on age-group means of personal densities", result.personal_fits),
                        ("Group statistics: fits on pooled age-group histograms (Equation 2, Table 1)",
                         result.group_fits)):
        parts += [f"## {title}", "", markdown_table(_fit_rows(fits, units=units), digits=3) if fits else
                  "(not available: densities.csv has no histogram column)", ""]
    parts += ["## Ratios of decline rates", "",
              markdown_table([{"ratio": k, "value": v} for k, v in result.ratios.items()], digits=3), "",
              "## Decline from age 40 to 79 per sex (k and Z averaged over sites)", "",
              markdown_table([{"sex": SEX_NAMES[s], **result.declines[s]} for s in SEX_NAMES
                              if s in result.declines], digits=3), ""]
    if result.resampling:
        parts += ["## Resampling check (Supplementary Figure 8)", "", markdown_table(_resampling_rows(result),
                                                                                      digits=3), ""]
    return "\n".join(parts + _warning_lines(result) + _skipped_lines(result))


def _resampling_rows(result):
    rows = []
    for key, r in result.resampling.items():
        if "skipped" in r:
            rows.append({"group": key, "k mean": "", "k SD": "", "k range": "", "Z mean": "", "people per sample": "",
                         "repeats": f"not checked: {r['skipped']}"})
        else:
            rows.append({"group": key, "k mean": r["k_mean"], "k SD": r["k_sd"],
                         "k range": f"{min(r['k']):.2f} to {max(r['k']):.2f}", "Z mean": r["Z_mean"],
                         "people per sample": r["people_per_sample"], "repeats": len(r["k"])})
    return rows


def _warning_lines(result):
    """trend.md's list of what makes a fit untrustworthy (or a line saying nothing was found)."""
    lines = ["## Fit warnings", ""]
    if not result.warnings:
        return lines + ["None: every sex x site group has at least 10 people, no negative density and no outlier "
                        "(robust z > 5 about the group's line; groups of 20 people or more are screened).", ""]
    rows = [{"group": key, "warning": w["flag"], "detail": w["detail"], "subjects": ", ".join(w["subjects"])}
            for key, flags in result.warnings.items() for w in flags]
    return lines + [markdown_table(rows), ""]


def _skipped_lines(result):
    if not result.skipped:
        return []
    return [f"## Skipped subjects ({len(result.skipped)})", "", "Left out of every fit, with the reason:", "",
            markdown_table([{"subject": r["subject_id"], "reason": r["reason"]} for r in result.skipped]), ""]


def _colour(key, sites):
    site = key.split("_", 1)[1]
    return SITE_COLOURS[list(sites).index(site) % len(SITE_COLOURS)]


def plot_people(df, fits, sites, path, units="HU"):
    """Per-person densities against age with the fitted lines, one panel per sex (paper Figure 4)."""
    fig, axes = pyplot().subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, (sex, name) in zip(axes, SEX_NAMES.items()):
        for key, fit in fits.items():
            if not key.startswith(sex + "_"):
                continue
            part = df[df["key"] == key]
            colour = _colour(key, sites)
            ax.scatter(part["age"], part["density_hu"], s=10, alpha=0.6, color=colour, label=f"{key} people")
            ages = np.array([part["age"].min(), part["age"].max()])
            ax.plot(ages, fit.predict(ages), color=colour, label=f"{key}: {_equation(fit)}")
        ax.set_title(name)
        ax.set_xlabel("age (years)")
        ax.legend(fontsize=7)
    axes[0].set_ylabel(f"density ({units})")
    fig.tight_layout()
    save_figure(fig, path)


def plot_groups(table, fits, sites, path, what, units="HU"):
    """Age-group densities with their fitted lines, all sex x site groups together (paper Figure 1)."""
    fig, ax = pyplot().subplots(figsize=(7, 4.5))
    for key, fit in fits.items():
        part = table[table["key"] == key]
        colour = _colour(key, sites)
        marker = "o" if key.startswith("M_") else "s"
        ax.scatter(part["age_group"], part["density_hu"], color=colour, marker=marker, s=18)
        ages = np.array([part["age_group"].min(), part["age_group"].max()])
        ax.plot(ages, fit.predict(ages), color=colour, linestyle="-" if marker == "o" else "--",
                label=f"{key}: {_equation(fit)}, R^2 {fit.r2:.2f}")
    ax.set_xlabel("age group centre (years)")
    ax.set_ylabel(f"density ({units})")
    ax.set_title(what)
    ax.legend(fontsize=7)
    fig.tight_layout()
    save_figure(fig, path)


# the analysis calls its density column density_hu whatever the scale (trend --scale); the files name it by its
# scale, so a z_scores.csv of mg/cm3 densities has no column that says HU (the L1 HU class stays HU: it is HU)
SCALED_COLUMNS = {"density_hu": "bmd_mgcm3", "expected_hu": "expected_mgcm3", "personal_mean_hu": "personal_mean_mgcm3",
                  "personal_sd_hu": "personal_sd_mgcm3", "group_density_hu": "group_density_mgcm3"}


def _named_by_scale(rows, units):
    if units == "HU":
        return rows
    return [{SCALED_COLUMNS.get(k, k): v for k, v in row.items()} for row in rows]


def write_trend_outputs(result, df, sites, out_dir, units="HU"):
    """Everything the trend command leaves in `out_dir` (densities in `units`); returns the paths written."""
    paths = {name: os.path.join(out_dir, name) for name in
             ("fits.json", "trend.md", "z_scores.csv", "age_groups.csv", "density_vs_age_people.png",
              "density_vs_age_groups.png")}
    write_json(paths["fits.json"], fits_document(result))
    write_text(paths["trend.md"], markdown_report(result, units) + "\n")
    write_csv(paths["z_scores.csv"], _named_by_scale(result.z_scores, units))
    groups = result.personal_means.rename(columns={"density_hu": "personal_mean_hu", "sd": "personal_sd_hu"})
    if result.groups is not None:
        groups = groups.merge(result.groups[["key", "age_group", "pixels", "density_hu"]]
                              .rename(columns={"density_hu": "group_density_hu"}), on=["key", "age_group"])
    write_csv(paths["age_groups.csv"], _named_by_scale(groups.to_dict("records"), units))
    plot_people(df, result.fits, sites, paths["density_vs_age_people.png"], units)
    table, fits, what = ((result.groups, result.group_fits, "group statistics (pooled histograms)")
                         if result.group_fits else
                         (result.personal_means, result.personal_fits, "personal statistics (group means)"))
    plot_groups(table, fits, sites, paths["density_vs_age_groups.png"], what, units)
    return paths
