"""Density against age of a densities.csv (paper section 4): read, leave out, fit, write (`fit_trend`, `jmedseg trend`).

The people outside the age range of the paper's law (39-80, or the caller's) are left
out and counted; with `by` the lines are fitted per sex x acquisition group
(jmedseg.density.trend_groups) instead of sex x site. Group statistics (Equation 2)
need every person's integer-HU histogram, read from histograms/<id>.npz beside the csv.

With `by="kvp"` the side-by-side table gains a column `kvp from`: where each group's tube
voltages came from (measure's `kvp_source`: the DICOM header or a JSON sidecar record what
the scanner said; `--kvp` and a cohort.csv column are what a user typed, possibly a guess),
counted per source, so a reader sees which lines rest on a given value (issue 22, section 3).
"""
import os
import re
from collections import Counter
from dataclasses import dataclass, field

from jmedseg.density.trend import DEFAULT_SITES, PAPER_AGES, SCALES, analyse, read_densities, within_ages
from jmedseg.data.result_files import subject_files


@dataclass
class TrendRun:
    """The fit (`result`, a jmedseg.density.trend.TrendResult; its fields read through: `run.fits`) and its context."""

    result: object
    people: object                 # the DataFrame fitted
    sites: tuple                   # the groups' second key: sites, or the acquisition groups with `by`
    units: str                     # HU or mg/cm3
    ages: tuple                    # (min, max) kept
    outside: list                  # people left out for their age
    paths: dict = field(default_factory=dict)      # files written: name -> path
    by_rows: list = field(default_factory=list)    # with `by`: the side-by-side table's rows

    def __getattr__(self, name):
        result = self.__dict__.get("result")
        if result is None or name.startswith("__"):
            raise AttributeError(name)
        return getattr(result, name)


def histogram_lookup(df, csv_path):
    """subject_id -> HUHistogram when the csv has a histogram for everyone, else None.

    The file is the subject's histograms/<id>.npz beside the csv (as `measure` and `merge` lay
    them out), rebuilt from the id: a path written in the csv is never opened.
    """
    from jmedseg.density.measure import HUHistogram

    if "histogram" not in df.columns or not df["histogram"].astype(str).str.strip().ne("").all():
        return None
    base = os.path.dirname(os.path.abspath(csv_path))
    paths = {s: os.path.join(base, subject_files(s)["histogram"]) for s in df["subject_id"]}
    absent = [p for p in paths.values() if not os.path.isfile(p)]
    if absent:
        raise FileNotFoundError(f"{len(absent)} histogram file(s) named in {csv_path} are missing, e.g. "
                                f"{absent[0]}; re-run `jmedseg measure` or drop the histogram column")
    return lambda subject_id: HUHistogram.load(paths[subject_id])


def run_trend(csv_path, out=None, sites=DEFAULT_SITES, min_age=None, max_age=None, by=None, scale="hu",
              resample_n=10, resample_repeats=10, resample_by="group", bootstrap=1000, seed=0):
    """TrendRun of `csv_path`; with `out` also fits.json, trend.md, z-scores and plots there (and by_<by>.*)."""
    ages = (PAPER_AGES[0] if min_age is None else min_age, PAPER_AGES[1] if max_age is None else max_age)
    sites = tuple(sites)
    df, skipped = read_densities(str(csv_path), sites, scale)
    df, outside = within_ages(df, *ages)
    skipped += outside
    if by:
        from jmedseg.density.trend_groups import group_by_acquisition

        df, sites, left_out = group_by_acquisition(df, by, str(csv_path))
        skipped += left_out
    histograms = histogram_lookup(df, str(csv_path)) if scale == "hu" else None
    result = analyse(df, sites, histograms, resample_n, resample_repeats, bootstrap, seed, resample_by, skipped)
    run = TrendRun(result, df, tuple(sites), SCALES[scale][1], ages, outside)
    if out:
        _write(run, str(out), by)
    return run


KVP_FROM = "kvp from"
NOT_RECORDED = "not recorded"   # a table without measure's kvp_source (hand-made, or from an older jmedseg)


def kvp_origin(source):
    """One person's kvp_source without file names and notes: 'JSON sidecar ct.json = --kvp; DICOM header kVp 0
    left out' -> 'JSON sidecar = --kvp'; empty -> NOT_RECORDED."""
    text = str(source).split(";")[0].strip()
    return re.sub(r"JSON sidecar .+?\.json", "JSON sidecar", text) or NOT_RECORDED


def kvp_origins(people):
    """(sex, kVp group) -> 'DICOM header 40, --kvp 3': where the people of each group got their kVp, counted."""
    sources = people["kvp_source"] if "kvp_source" in people.columns else [""] * len(people)
    counts = {}
    for sex, group, source in zip(people["sex"], people["site"], sources):
        counts.setdefault((sex, group), Counter())[kvp_origin(source)] += 1
    return {key: ", ".join(f"{origin} {n}" for origin, n in sorted(c.items(), key=lambda item: (-item[1], item[0])))
            for key, c in counts.items()}


KVP_FROM_NOTE = (f"`{KVP_FROM}`: where the group's kVp came from, people per source. DICOM header and JSON sidecar "
                 "are what the scanner recorded; --kvp and cohort.csv column kvp are what was typed in; "
                 f"{NOT_RECORDED}: the table has no kvp_source.")


def _write(run, out, by):
    from jmedseg.density.trend_report import write_trend_outputs

    run.paths.update(write_trend_outputs(run.result, run.people, run.sites, out, run.units))
    if by:
        from jmedseg.density.trend_groups import write_side_by_side

        extra, note = ({KVP_FROM: kvp_origins(run.people)}, KVP_FROM_NOTE) if by == "kvp" else (None, "")
        run.by_rows, more = write_side_by_side(run.result, run.people, by, out, extra, note)
        run.paths.update({os.path.basename(p): p for p in more})
