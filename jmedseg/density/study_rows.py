"""Rows of a densities table that came from DICOM headers: header age/sex as fallbacks, one study per patient.

`jmedseg import --format dicom` gives one row per study with a `patient` key, and
every measured DICOM CT carries `header_age` / `header_sex` (jmedseg.data.io.acquisition).
The age analysis (paper section 3: one density per person) uses the table's own
age and sex, the header's where the table has none, and the first study of each
patient (by study date), listing the others as skipped with the reason.
"""
import pandas as pd


def _blank(series):
    return series.isna() | series.astype(str).str.strip().eq("")


def fill_from_header(df):
    """`df` with empty age/sex taken from header_age/header_sex where those columns exist."""
    for column in ("age", "sex"):
        header = f"header_{column}"
        if header in df.columns and column in df.columns:
            empty = _blank(df[column]) & ~_blank(df[header])
            df.loc[empty, column] = df.loc[empty, header]
    return df


def first_study_per_patient(df):
    """(df with one row per `patient`, the earliest of its studies; [{'subject_id', 'reason'}] of the rows left out)."""
    if "patient" not in df.columns:
        return df, []
    keyed = ~_blank(df["patient"])
    dates = df["study_date"] if "study_date" in df.columns else pd.Series([""] * len(df), index=df.index)
    order = df.assign(_date=dates.astype(str)).sort_values(["_date", "subject_id"], kind="stable").drop(columns="_date")
    later = order[keyed.loc[order.index]].duplicated("patient", keep="first")
    left_out = later[later].index
    kept = df.drop(index=left_out)
    reasons = [{"subject_id": sid, "reason": f"a later study of patient {p} (the first study is kept: one per person)"}
               for sid, p in zip(df.loc[left_out, "subject_id"], df.loc[left_out, "patient"])]
    return kept, reasons
