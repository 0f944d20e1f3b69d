"""Bone density against age: the paper's section 4 analysis, and its proposed age-referenced z-score.

- Age groups of 3 years centred on the middle year (39, 40, 41 -> 40).
- Per sex x site, linear fits D = -k A + Z (paper Equation 1) on each person's
  density (Equation 3, Table 2), with R^2, residual SD and a bootstrap 95 % CI of k
  (people resampled with replacement; Efron & Tibshirani 1993, percentile interval).
- Personal statistics (mean of personal densities per age group) and group
  statistics (one Johnson SU fit of the pooled pixel histograms of an age group)
  with their own line fits (Equation 2, Table 1, Figure 3).
- Ratios of slopes female/male and site/site; decline in % per year and over the
  40 years from age 40 to 79 (section 5), relative to the fitted density at 40, in
  HU and in the paper's units (HU + 1024, where the paper's 11.4 % and 6.8 % live).
- The resampling check (Supplementary Figure 8): R repeats of n people drawn from
  each sex x site group (the paper's 10 repeats of 10 people), one line per repeat;
  drawing n people from every age group instead is an option.
- Warnings that make a fit untrustworthy, per sex x site group: fewer than 10
  people, negative densities, and outliers (robust z > 5 of the residuals about
  the group's Theil-Sen line, median/MAD, in groups of 20 or more).
- Rows without age, sex, site or density are skipped and listed with the reason.
- Beyond the paper: each person's z-score against the fitted line of their sex
  and site, in units of the residual SD (the paper's proposed age-referenced
  definition; ISCD calls Z <= -2 "below the expected range for age"), beside the
  conventional L1 thresholds of Pickhardt et al. 2013 (<= 110 HU osteoporosis
  likely, <= 160 HU possible).
"""
import math
import os
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jmedseg.constants import HU_OFFSET
from jmedseg.data.ids import repeated
from jmedseg.density.study_rows import fill_from_header, first_study_per_patient
from jmedseg.errors import InputError

REQUIRED_COLUMNS = ("subject_id", "age", "sex", "site", "density_hu")
SCALES = {"hu": ("density_hu", "HU"), "mgcm3": ("bmd_mgcm3", "mg/cm3")}   # --scale: column read, units shown
SEX_ALIASES = {"m": "M", "male": "M", "f": "F", "female": "F"}
SEX_NAMES = {"M": "male", "F": "female"}
DEFAULT_SITES = ("N", "S")
GROUP_WIDTH = 3
DECLINE_AGES = (40, 79)             # the paper's 40-year span (section 5)
PAPER_OFFSET = HU_OFFSET
PICKHARDT_HU = (110.0, 160.0)       # L1: <= 110 osteoporosis likely, <= 160 possible
LOW_FOR_AGE_Z = -2.0
MIN_PEOPLE_FOR_LINE = 3
MIN_PEOPLE_PER_GROUP = 10           # the paper's resampling draws 10 people per sex x site sample
OUTLIER_Z = 5.0                     # robust z (median/MAD) of a residual beyond which a person is an outlier
MAD_TO_SD = 1.4826                  # MAD x 1.4826 estimates the SD of normal data
# The MAD of a few residuals is itself uncertain: on clean normal data z > 5 somewhere in a group came up in
# about 6 % of groups of 10 people, 1-2 % of groups of 20 and under 1 % of groups of 40 (2,000 simulated
# groups each, residual SD 6 HU, ages 39-80).
MIN_PEOPLE_FOR_OUTLIERS = 20
MIN_ROBUST_SD_HU = 1.0              # CT values are whole HU: a residual spread below 1 HU is not resolvable
MAX_PEOPLE_THEIL_SEN = 2000         # Theil-Sen pairs grow as n^2; larger groups estimate the line on a sample
RESAMPLE_MODES = ("group", "age-group")
PAPER_AGES = (39, 80)               # the ages the paper's linear law was found in (section 2: 1,018 people aged 39-80)
POSSIBLE_AGES = (0, 130)            # an age outside this is a data error, not a person


class TrendInputError(InputError):
    """A densities table the age analysis cannot use; the message names the row and the fix."""


def age_group(age):
    """Centre of the 3-year group of a (completed-years) age: 39, 40, 41 -> 40; 42, 43, 44 -> 43."""
    return int(40 + GROUP_WIDTH * round((math.floor(age) - 40) / GROUP_WIDTH))


def _as_float(text):
    try:
        return float(text)       # also 'nan' and 'inf': numbers, judged by the caller
    except (TypeError, ValueError):
        return None


def _numeric(df, column, path):
    parsed = [_as_float(v) for v in df[column]]
    values = pd.Series([math.nan if v is None else v for v in parsed], index=df.index, dtype=np.float64)
    bad = pd.Series([v is None for v in parsed], index=df.index) & ~_blank(df[column])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        line = int(df.index[i]) + 2          # the index is the row's position in the file (header = line 1)
        raise TrendInputError(f"{path}: column {column!r} must be numeric; row {line} "
                              f"(subject {df['subject_id'].iloc[i]}) has {df[column].iloc[i]!r}")
    return values


def _blank(series):
    return series.isna() | series.astype(str).str.strip().eq("")


def _read_table(path):
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no densities file {path}; make one with `jmedseg measure --cohort DIR --out DIR`")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise TrendInputError(f"{path} is empty; it needs a header line ({','.join(REQUIRED_COLUMNS)}) and one "
                              "row per person, as `jmedseg measure --cohort DIR --out DIR` writes it") from None


def _skip_reasons(df):
    """Per row, why it cannot enter the age analysis ('' when it can): missing age, sex, site or density."""
    reasons = [[] for _ in range(len(df))]
    for column, what in (("age", "no age"), ("sex", "no sex"), ("site", "no site")):
        for i in np.flatnonzero(_blank(df[column]).to_numpy()):
            reasons[i].append(what)
    notes = df["note"] if "note" in df.columns else pd.Series([""] * len(df), index=df.index)
    for i in np.flatnonzero(_blank(df["density_hu"]).to_numpy()):
        note = str(notes.iloc[i]).strip()
        reasons[i].append(f"no density (measure: {note})" if note else "no density")
    return ["; ".join(r) for r in reasons]


def read_densities(path, sites=DEFAULT_SITES, scale="hu"):
    """Validated densities table (sex normalised to M/F) and the skipped rows.

    `scale` 'mgcm3' analyses the calibrated `bmd_mgcm3` instead of `density_hu` (the analysis
    keeps calling its density column density_hu; write_trend_outputs names the units).

    Returns (df, skipped): rows missing age, sex, site or density (a failed
    measurement) are left out and listed in `skipped` as {"subject_id", "reason"};
    a value that is present but wrong (age 'forty', sex 'X', an unknown site) is an error.
    """
    df = _read_table(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise TrendInputError(f"{path} lacks the column(s) {', '.join(missing)}; the age analysis needs "
                              f"{', '.join(REQUIRED_COLUMNS)} (cohort.csv gives age/sex/site to `jmedseg measure`)")
    column = SCALES[scale][0]
    if column not in df.columns:
        raise TrendInputError(f"{path} has no {column} column for --scale {scale}; measure with a jmedseg that "
                              "writes it (internal calibration, docs/calibration.md) or use --scale hu")
    if scale != "hu":
        df["density_hu"] = df[column]
    twice = repeated(df["subject_id"])
    if twice:
        raise TrendInputError(f"{path}: subject(s) {twice[:10]} appear more than once; keep one row per person")
    if df.empty:
        raise TrendInputError(f"{path} has a header but no rows; it needs one row per person, as "
                              "`jmedseg measure --cohort DIR --out DIR` writes it")
    df = fill_from_header(df)   # a DICOM import: the header's age and sex where the table has none
    reasons = _skip_reasons(df)
    skipped = [{"subject_id": sid, "reason": r} for sid, r in zip(df["subject_id"], reasons) if r]
    usable = df[np.array([not r for r in reasons], dtype=bool)].copy()
    df, later_studies = first_study_per_patient(usable)   # one usable study a person
    skipped += later_studies
    df["age"] = _numeric(df, "age", path)
    _check_ages(df, path)
    df["density_hu"] = _numeric(df, "density_hu", path)
    finite = np.isfinite(df["density_hu"].to_numpy())
    skipped += [{"subject_id": sid, "reason": f"density {d} HU is not a finite number"}
                for sid, d in zip(df["subject_id"][~finite], df["density_hu"][~finite])]
    df = df[finite]
    sex = df["sex"].str.strip().str.lower().map(SEX_ALIASES)
    if sex.isna().any():
        raise TrendInputError(f"{path}: unknown sex value(s) {sorted(set(df['sex'][sex.isna()]))}; use M or F")
    df["sex"] = sex
    df["site"] = df["site"].str.strip()
    unknown = sorted(set(df["site"]) - set(sites))
    if unknown:
        raise TrendInputError(f"{path}: unknown site value(s) {unknown}; expected one of {list(sites)} "
                              "(name your sites with --sites, e.g. --sites N,S)")
    df["age_group"] = [age_group(a) for a in df["age"]]
    df["key"] = df["sex"] + "_" + df["site"]
    return df, skipped


def _check_ages(df, path):
    """An age no person can have (negative, over 130, not finite) is an error naming the row."""
    lo, hi = POSSIBLE_AGES
    ages = df["age"].to_numpy()
    impossible = ~((ages >= lo) & (ages <= hi))
    if impossible.any():
        i = int(np.flatnonzero(impossible)[0])
        raise TrendInputError(f"{path}: {int(impossible.sum())} impossible age(s), e.g. row {int(df.index[i]) + 2} "
                              f"(subject {df['subject_id'].iloc[i]}) has age {df['age'].iloc[i]:g}; ages lie in "
                              f"{lo}-{hi} years: correct them in cohort.csv and measure again (or edit the table)")


def within_ages(df, min_age=None, max_age=None):
    """(people within [min_age, max_age], the others as {"subject_id", "reason"} rows); None: no bound."""
    outside = []
    for bound, flag, out in ((min_age, "--min-age", lambda a: a < min_age),
                             (max_age, "--max-age", lambda a: a > max_age)):
        if bound is None:
            continue
        mask = out(df["age"])
        outside += [{"subject_id": s, "reason": f"age {a:g} outside {flag} {bound:g}"}
                    for s, a in zip(df["subject_id"][mask], df["age"][mask])]
        df = df[~mask]
    return df, outside


@dataclass
class LineFit:
    """D = -k A + Z fitted by least squares; sd is the residual SD (n - 2 degrees of freedom)."""

    k: float
    Z: float
    r2: float
    sd: float
    k_ci: tuple
    n: int

    def predict(self, age):
        return self.Z - self.k * np.asarray(age, np.float64)

    def as_dict(self):
        return {"k": self.k, "Z": self.Z, "r2": self.r2, "sd": self.sd, "k_ci": list(self.k_ci), "n": self.n}


def _slopes(ages, dens):
    """Least-squares slopes of each row of `ages`/`dens` ([B, n]); NaN where the ages do not vary."""
    am = ages - ages.mean(axis=1, keepdims=True)
    var = (am * am).sum(axis=1)
    cov = (am * (dens - dens.mean(axis=1, keepdims=True))).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(var > 0, cov / var, np.nan)


def fit_line(ages, dens, what="", bootstrap=1000, seed=0):
    """Line D = -k A + Z with R^2, residual SD and a bootstrap percentile 95 % CI of k."""
    a, d = np.asarray(ages, np.float64), np.asarray(dens, np.float64)
    if a.size < MIN_PEOPLE_FOR_LINE or np.ptp(a) == 0:
        raise TrendInputError(f"{what}: {a.size} point(s) over {len(set(a.tolist()))} age(s); a line needs at "
                              f"least {MIN_PEOPLE_FOR_LINE} points at two or more ages")
    slope = float(_slopes(a[None], d[None])[0])
    intercept = float(d.mean() - slope * a.mean())
    resid = d - (intercept + slope * a)
    ss_tot = float(((d - d.mean()) ** 2).sum())
    r2 = 1.0 - float((resid**2).sum()) / ss_tot if ss_tot > 0 else float("nan")
    sd = float(np.sqrt((resid**2).sum() / (a.size - 2))) if a.size > 2 else float("nan")
    ci = (float("nan"), float("nan"))
    if bootstrap:
        idx = np.random.default_rng(seed).integers(0, a.size, (bootstrap, a.size))
        boot = -_slopes(a[idx], d[idx])
        boot = boot[np.isfinite(boot)]
        ci = tuple(float(q) for q in np.percentile(boot, [2.5, 97.5]))
    return LineFit(-slope, intercept, r2, sd, ci, int(a.size))


def personal_group_means(df):
    """Personal statistics: mean (and SD, count) of personal densities per sex x site x age group."""
    g = df.groupby(["key", "age_group"])["density_hu"]
    return pd.DataFrame({"n": g.size(), "density_hu": g.mean(), "sd": g.std(ddof=1)}).reset_index()


def group_statistics(df, histogram_for):
    """Group statistics: the Johnson SU mode of each age group's pooled cancellous histogram."""
    from jmedseg.density.johnson_su import fit_johnson_su_counts
    from jmedseg.density.measure import HUHistogram

    rows = []
    for (key, group), part in df.groupby(["key", "age_group"]):
        pooled = HUHistogram.pooled([histogram_for(s) for s in part["subject_id"]])
        fit = fit_johnson_su_counts(pooled.hu, pooled.counts, f"age group {group} of {key}")
        rows.append({"key": key, "age_group": group, "n": len(part), "pixels": pooled.n,
                     "density_hu": fit.mode})
    return pd.DataFrame(rows)


def _sample_fits(key, samples):
    """Line fits of each resampled table; their k and Z spread (Supplementary Figure 8)."""
    fits = [fit_line(sample["age"], sample["density_hu"], key, bootstrap=0) for sample in samples]
    ks = np.array([f.k for f in fits])
    return {"k": ks.tolist(), "k_mean": float(ks.mean()),
            "k_sd": float(ks.std(ddof=1)) if len(ks) > 1 else float("nan"),
            "Z_mean": float(np.mean([f.Z for f in fits])), "people_per_sample": int(len(samples[0]))}


def resampling_check(df, per_sample=10, repeats=10, seed=0, by="group"):
    """Supplementary Figure 8: `repeats` line fits per sex x site group, each on a fresh sample of people.

    by="group" (the paper's design, the default): `per_sample` people drawn without
    replacement from the whole sex x site group; a group with fewer people is not
    checked and says so under "skipped". by="age-group": `per_sample` people from
    every 3-year age group, which needs that many in each age group (an error otherwise).
    """
    if by not in RESAMPLE_MODES:
        raise TrendInputError(f"resampling by {by!r}: choose one of {', '.join(RESAMPLE_MODES)}")
    rng = np.random.default_rng(seed)
    out = {}
    for key, part in df.groupby("key"):
        if by == "group":
            if len(part) < per_sample:
                out[key] = {"skipped": f"{len(part)} people, fewer than the {per_sample} each sample draws"}
                continue
            samples = [part.iloc[rng.choice(len(part), per_sample, replace=False)] for _ in range(repeats)]
        else:
            groups = dict(tuple(part.groupby("age_group")))
            short = {g: len(p) for g, p in groups.items() if len(p) < per_sample}
            if short:
                raise TrendInputError(
                    f"the resampling check by age group draws {per_sample} people from every age group, but {key} "
                    f"has too few people in age group(s) {', '.join(f'{g} ({n})' for g, n in sorted(short.items()))}"
                    "; resample by sex x site group (--resample-by group, the default), lower --resample-n, "
                    "or pass --resample-n 0 to skip the check")
            samples = [pd.concat([p.iloc[rng.choice(len(p), per_sample, replace=False)] for p in groups.values()])
                       for _ in range(repeats)]
        out[key] = _sample_fits(key, samples)
    return out


def robust_z(values, fitted_params=0, min_sd=MIN_ROBUST_SD_HU):
    """(x - median) / (1.4826 MAD): a z-score that a few wild values cannot inflate; the SD is at least min_sd.

    For residuals of a line (`fitted_params=2`) the SD estimate is scaled by sqrt(n / (n - 2)),
    as the residual SD of least squares is, since the fitted line sits closer to its points than the truth.
    """
    v = np.asarray(values, np.float64)
    centre = np.median(v)
    sd = MAD_TO_SD * float(np.median(np.abs(v - centre))) * np.sqrt(v.size / (v.size - fitted_params))
    return (v - centre) / max(sd, min_sd)


def line_residuals(ages, dens, seed=0):
    """Residuals about the Theil-Sen line (median of pairwise slopes), which outliers do not pull."""
    from scipy.stats import theilslopes

    a, d = np.asarray(ages, np.float64), np.asarray(dens, np.float64)
    pick = (np.random.default_rng(seed).choice(a.size, MAX_PEOPLE_THEIL_SEN, replace=False)
            if a.size > MAX_PEOPLE_THEIL_SEN else slice(None))
    slope, intercept = theilslopes(d[pick], a[pick])[:2]
    return d - (intercept + slope * a)


def _subjects(part, mask, values, template):
    """'id (value)' for the flagged people, the value written by `template` (e.g. 'z {:.1f}')."""
    return [f"{s} ({template.format(v)})" for s, v in zip(part["subject_id"][mask], values[mask])]


def fit_warnings(df):
    """What makes each sex x site fit untrustworthy: a list of {"flag", "subjects", "detail"} per group.

    few_people: under 10 people (the paper samples 10 per group; a line on fewer is noise);
    negative_density: cancellous bone below 0 HU is a failed measurement (fat, air, a wrong
    region) or a CT not in HU; outlier: robust z > 5 of the residual about the group's line
    (groups of at least MIN_PEOPLE_FOR_OUTLIERS people; in smaller ones the MAD is too uncertain).
    """
    out = {}
    for key, part in df.groupby("key"):
        flags = []
        if len(part) < MIN_PEOPLE_PER_GROUP:
            flags.append({"flag": "few_people", "subjects": [],
                          "detail": f"{len(part)} people, fewer than {MIN_PEOPLE_PER_GROUP}: k and its CI rest "
                                    "on too few people"})
        dens = part["density_hu"].to_numpy(np.float64)
        negative = dens < 0
        if negative.any():
            flags.append({"flag": "negative_density", "subjects": _subjects(part, negative, dens, "{:.1f} HU"),
                          "detail": f"{int(negative.sum())} density(ies) below 0 HU: cancellous bone reads above 0 "
                                    "HU; check these measurements (region, units)"})
        if len(part) >= MIN_PEOPLE_FOR_OUTLIERS and np.ptp(part["age"].to_numpy()) > 0:
            z = robust_z(line_residuals(part["age"], dens), fitted_params=2)
            far = np.abs(z) > OUTLIER_Z
            if far.any():
                flags.append({"flag": "outlier", "subjects": _subjects(part, far, z, "z {:.1f}"),
                              "detail": f"{int(far.sum())} person(s) with robust z > {OUTLIER_Z:g} (residual about "
                                        "the Theil-Sen line, median/MAD); they pull the least-squares line"})
        if flags:
            out[key] = flags
    return out


def _ratio(num, den):
    return num / den if den != 0 else float("nan")


def slope_ratios(fits, sites):
    """female/male (all sites and per site) and site/site (per sex) ratios of the decline rates k."""
    k = {key: f.k for key, f in fits.items()}
    ratios = {}
    both = [s for s in sites if f"F_{s}" in k and f"M_{s}" in k]
    if both:
        ratios["female_over_male"] = _ratio(sum(k[f"F_{s}"] for s in both), sum(k[f"M_{s}"] for s in both))
        for s in both:
            ratios[f"female_over_male_{s}"] = _ratio(k[f"F_{s}"], k[f"M_{s}"])
    for sex, name in SEX_NAMES.items():
        present = [s for s in sites if f"{sex}_{s}" in k]
        for i, s1 in enumerate(present):
            for s2 in present[i + 1:]:
                ratios[f"{name}_{s1}_over_{s2}"] = _ratio(k[f"{sex}_{s1}"], k[f"{sex}_{s2}"])
    return ratios


def decline(k, Z):
    """Decline in % per year and from age 40 to 79, relative to the density at 40, in HU and paper units."""
    start, end = DECLINE_AGES
    out = {}
    for units, offset in (("hu", 0.0), ("paper", PAPER_OFFSET)):
        at_start = Z - k * start + offset
        out[f"pct_per_year_{units}"] = 100.0 * k / at_start
        out[f"pct_{end - start + 1}y_{units}"] = 100.0 * k * (end - start) / at_start
    return out


def declines(fits):
    """Per sex x site, and per sex with k and Z averaged over sites (as the paper's 11.4 % / 6.8 %)."""
    out = {key: decline(f.k, f.Z) for key, f in fits.items()}
    for sex in SEX_NAMES:
        own = [f for key, f in fits.items() if key.startswith(sex + "_")]
        if own:
            out[sex] = decline(np.mean([f.k for f in own]), np.mean([f.Z for f in own]))
    return out


def z_scores(df, fits):
    """Per person: density minus the fitted line of their sex/site, in residual SDs, and the HU thresholds."""
    l1_column = "l1_mean_hu" if "l1_mean_hu" in df.columns else "density_hu"
    rows = []
    for _, person in df.iterrows():
        fit = fits.get(person["key"])
        expected = float(fit.predict(person["age"])) if fit else float("nan")
        scored = fit is not None and fit.sd > 0    # points exactly on the line leave no spread to score against
        z = (person["density_hu"] - expected) / fit.sd if scored else float("nan")
        l1 = float(pd.to_numeric(person[l1_column], errors="coerce"))
        rows.append({
            "subject_id": person["subject_id"], "age": person["age"], "sex": person["sex"],
            "site": person["site"], "density_hu": person["density_hu"], "expected_hu": expected,
            "z_score": z, "low_for_age": bool(z <= LOW_FOR_AGE_Z) if scored else "",
            "l1_hu": l1, "l1_hu_source": l1_column, "threshold_class": threshold_class(l1),
        })
    return rows


def threshold_class(l1_hu):
    """Conventional opportunistic-CT reading of L1 attenuation (Pickhardt et al. 2013)."""
    if math.isnan(l1_hu):
        return ""
    if l1_hu <= PICKHARDT_HU[0]:
        return "osteoporosis likely (<=110 HU)"
    if l1_hu <= PICKHARDT_HU[1]:
        return "osteoporosis possible (<=160 HU)"
    return "normal (>160 HU)"


@dataclass
class TrendResult:
    fits: dict               # key -> LineFit on personal densities (Equation 3)
    personal_means: object   # DataFrame: key, age_group, n, density_hu, sd
    personal_fits: dict      # key -> LineFit on the personal group means
    groups: object           # DataFrame of group statistics, or None without histograms
    group_fits: dict         # key -> LineFit on the group statistics (Equation 2, Table 1)
    ratios: dict
    declines: dict
    resampling: dict
    z_scores: list
    warnings: dict           # key -> [{"flag", "subjects", "detail"}] (see `fit_warnings`)
    skipped: list            # [{"subject_id", "reason"}] rows left out by `read_densities`


def analyse(df, sites=DEFAULT_SITES, histogram_for=None, resample_n=10, resample_repeats=10,
            bootstrap=1000, seed=0, resample_by="group", skipped=()):
    """The whole section-4 analysis of a validated densities table (see `read_densities`)."""
    keys = [f"{sex}_{site}" for sex in SEX_NAMES for site in sites if f"{sex}_{site}" in set(df["key"])]
    if not keys:
        raise TrendInputError("no person has a density; nothing to analyse")
    fits, unfitted = {}, {}
    for key in keys:
        part = df[df["key"] == key]
        try:
            fits[key] = fit_line(part["age"], part["density_hu"], f"{key} (per person)", bootstrap, seed)
        except TrendInputError as err:       # too few people: that group gets a warning, the others their lines
            unfitted[key] = str(err)
    if not fits:
        raise TrendInputError("no sex x site group can be fitted: " + "; ".join(unfitted.values()))
    keys = list(fits)
    warnings = fit_warnings(df)
    for key, why in unfitted.items():
        warnings.setdefault(key, []).append({"flag": "no_line", "subjects": [], "detail": why})
    means = personal_group_means(df)
    personal_fits = _fits_per_key(means, keys, "personal statistics", bootstrap, seed)
    groups = group_statistics(df, histogram_for) if histogram_for else None
    group_fits = _fits_per_key(groups, keys, "group statistics", bootstrap, seed) if groups is not None else {}
    resampling = resampling_check(df, resample_n, resample_repeats, seed, resample_by) if resample_n else {}
    return TrendResult(fits, means, personal_fits, groups, group_fits, slope_ratios(fits, sites),
                       declines(fits), resampling, z_scores(df, fits), warnings, list(skipped))


def _fits_per_key(table, keys, what, bootstrap, seed):
    """Line fits on age-group densities, for the keys with at least 3 age groups."""
    parts = {key: table[table["key"] == key] for key in keys}
    return {key: fit_line(part["age_group"], part["density_hu"], f"{key} ({what})", bootstrap, seed)
            for key, part in parts.items() if len(part) >= MIN_PEOPLE_FOR_LINE}
