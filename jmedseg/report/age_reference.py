"""Each person's age-referenced z-score within a measured cohort (the paper's proposed definition, section 5).

The z-score is the person's density minus the fitted line D = -k A + Z of their sex and
site in this cohort (paper Equation 3, `jmedseg.density.trend`), in units of that line's
residual SD: the same numbers `jmedseg trend` writes to z_scores.csv. It is relative to
this cohort, not to a population reference, and a line fitted on fewer than 10 people
(the paper's sample size per group) is marked as such. A single CT has no cohort line,
so it gets no z-score, and the page says why.
"""
from dataclasses import dataclass

from jmedseg.density.trend import (LOW_FOR_AGE_Z, MIN_PEOPLE_PER_GROUP, REQUIRED_COLUMNS, SEX_NAMES,
                                   TrendInputError, fit_line, read_densities, z_scores)
from jmedseg.report.cells import present

SINGLE_CT = ("a z-score compares a person with the age line of a cohort; measure the cohort "
             "(jmedseg measure --cohort DIR --report) to get one")


@dataclass
class AgeReference:
    """A person's z-score (None with `reason` when there is none) and the line it refers to."""

    z: float = None
    expected_hu: float = None
    group: str = ""          # whose line: "female, site N" (trend.md's F_N)
    people: int = 0          # people the line was fitted on
    k: float = None          # decline, HU per year
    reason: str = ""         # why there is no z-score, or a caveat about it
    low_for_age: bool = False


def cohort_z_scores(csv_path, rows):
    """{subject_id: AgeReference} of every row of the cohort table `csv_path` (as written by measure)."""
    ids = [r["subject_id"] for r in rows]
    absent = [c for c in REQUIRED_COLUMNS if not any(c in r for r in rows)]
    if absent:
        return _for_all(ids, f"the cohort table has no {', '.join(absent)} column; cohort.csv gives age, sex and "
                             "site to `jmedseg measure`")
    sites = tuple(sorted({str(r["site"]).strip() for r in rows if present(r.get("site"))}))
    try:
        df, skipped = read_densities(csv_path, sites)
    except TrendInputError as err:
        return _for_all(ids, f"no age analysis of this cohort: {err}")
    out = _for_all(ids, "")
    for row in skipped:
        out[row["subject_id"]] = AgeReference(reason=f"not in the age analysis: {row['reason']}")
    lines, unfitted = {}, {}
    for key, part in df.groupby("key"):
        try:
            lines[key] = fit_line(part["age"], part["density_hu"], f"{key} (per person)", bootstrap=0)
        except TrendInputError as err:
            unfitted[key] = str(err)
    by_id = {z["subject_id"]: z for z in z_scores(df, lines)} if lines else {}
    for sid, key in zip(df["subject_id"], df["key"]):
        sex, site = key.split("_", 1)
        group = f"{SEX_NAMES[sex]}, site {site}"
        if key in unfitted:
            out[sid] = AgeReference(group=group, reason=f"no age line for {group}: {unfitted[key]}")
            continue
        line, z = lines[key], by_id[sid]
        caveat = (f"the {group} line rests on {line.n} people, fewer than {MIN_PEOPLE_PER_GROUP}: read the z-score "
                  "as indicative only" if line.n < MIN_PEOPLE_PER_GROUP else "")
        out[sid] = AgeReference(z=float(z["z_score"]), expected_hu=float(z["expected_hu"]), group=group,
                                people=line.n, k=line.k, reason=caveat,
                                low_for_age=float(z["z_score"]) <= LOW_FOR_AGE_Z)
    return out


def _for_all(ids, reason):
    return {sid: AgeReference(reason=reason) for sid in ids}
