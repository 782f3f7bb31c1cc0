"""Load and check the measure catalogue and the indicator table.

Two CSV files feed a report:

``measures.csv`` — one row per measure::

    measure_id, name, perspective, unit, kind, multiplier,
    improvement_direction, target, unit_cost, description

``kind`` says how the displayed value is made from the indicator table
(see :data:`KINDS`). ``target`` and ``unit_cost`` may be blank.

``indicators.csv`` — long format, one row per measure and month::

    measure_id, period (YYYY-MM), numerator, denominator

Problems are raised as :class:`~pss_analysis.errors.DataValidationError`
naming the file, the row (as a spreadsheet shows it: the header is row 1)
and the column, what was expected and what was found.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import difflib

from .errors import DataValidationError, ParameterError

__all__ = ["KINDS", "DIRECTIONS", "PERSPECTIVES", "load_measures", "load_indicators", "summarise",
           "select_measures"]

#: Measure kinds: how the value shown is computed from numerator and denominator.
KINDS = {
    "rate": "numerator / denominator x multiplier (events per population)",
    "proportion": "numerator / denominator x multiplier (successes of trials)",
    "mean": "numerator / denominator x multiplier (a total over a count, e.g. bed-days per discharge)",
    "count": "numerator (a count of events)",
    "amount": "numerator (a continuous amount, e.g. money)",
}
#: Kinds whose numerator must be a whole, non-negative number.
COUNT_KINDS = ("rate", "proportion", "count")
#: Kinds that need a denominator.
RATIO_KINDS = ("rate", "proportion", "mean")
#: Improvement directions.
DIRECTIONS = ("increase", "decrease", "neither")
#: The seven Public Sector Scorecard perspectives (Moullin 2017), in tier order.
PERSPECTIVES = {
    "service_user": ("outcomes", "Service user and stakeholder outcomes"),
    "strategic": ("outcomes", "Strategic key performance outcomes"),
    "financial": ("outcomes", "Financial outcomes and value for money"),
    "operational": ("processes", "Service delivery and operational excellence"),
    "innovation": ("capability", "Innovation and learning"),
    "leadership": ("capability", "Leadership"),
    "people": ("capability", "People, partnerships and resources"),
}

MEASURE_COLUMNS = ("measure_id", "name", "perspective", "unit", "kind", "multiplier",
                   "improvement_direction", "target", "unit_cost", "description")
INDICATOR_COLUMNS = ("measure_id", "period", "numerator", "denominator")
_HEADER_ROWS = 1  # the spreadsheet row number of a data row is its index + 2


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataValidationError("the file is not UTF-8 text", file=str(path),
                                  expected="UTF-8", found=f"byte {exc.object[exc.start]:#x}") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataValidationError(f"cannot read the CSV: {exc}", file=str(path)) from None


def _require_columns(frame: pd.DataFrame, required: tuple[str, ...], path: Path) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataValidationError("missing column" + ("s" if len(missing) > 1 else ""),
                                  file=str(path), column=", ".join(missing),
                                  expected=", ".join(required), found=", ".join(frame.columns))


def _row(index: int) -> int:
    return int(index) + _HEADER_ROWS + 1


def _numbers(frame: pd.DataFrame, column: str, path: Path, *, blank_ok: bool) -> pd.Series:
    text = frame[column].str.strip()
    values = pd.to_numeric(text.where(text != "", None), errors="coerce")
    bad = values.isna() & (text != "")
    if bad.any():
        i = bad.idxmax()
        raise DataValidationError("not a number", file=str(path), row=_row(i), column=column,
                                  found=frame.at[i, column])
    if not blank_ok and values.isna().any():
        i = values.isna().idxmax()
        raise DataValidationError("a value is required", file=str(path), row=_row(i), column=column,
                                  expected="a number", found="")
    return values.astype(float)


def load_measures(path: str | Path) -> pd.DataFrame:
    """Read and check the measure catalogue; returns it with numeric columns parsed."""
    path = Path(path)
    frame = _read_csv(path)
    _require_columns(frame, MEASURE_COLUMNS, path)
    frame = frame.copy()
    for column in ("measure_id", "name", "perspective", "kind", "improvement_direction"):
        frame[column] = frame[column].str.strip()
        empty = frame[column] == ""
        if empty.any():
            raise DataValidationError("a value is required", file=str(path), row=_row(empty.idxmax()),
                                      column=column, found="")
    dup = frame["measure_id"].duplicated()
    if dup.any():
        i = dup.idxmax()
        raise DataValidationError("duplicated measure id", file=str(path), row=_row(i),
                                  column="measure_id", expected="unique ids", found=frame.at[i, "measure_id"])
    for column, allowed in (("kind", tuple(KINDS)), ("improvement_direction", DIRECTIONS)):
        bad = ~frame[column].isin(allowed)
        if bad.any():
            i = bad.idxmax()
            raise DataValidationError("unknown value", file=str(path), row=_row(i), column=column,
                                      expected="one of " + ", ".join(allowed), found=frame.at[i, column])
    frame["multiplier"] = _numbers(frame, "multiplier", path, blank_ok=True).fillna(1.0)
    frame["target"] = _numbers(frame, "target", path, blank_ok=True)
    frame["unit_cost"] = _numbers(frame, "unit_cost", path, blank_ok=True)
    return frame.reset_index(drop=True)


def load_indicators(path: str | Path, measures: pd.DataFrame, *, measures_file: str = "measures") -> pd.DataFrame:
    """Read and check the indicator table against the catalogue.

    Returns columns ``measure_id, period`` (pandas monthly Period), ``numerator,
    denominator`` (floats; denominator NaN where the kind has none) and
    ``value`` (the displayed value: see :data:`KINDS`), sorted by catalogue
    order and period.
    """
    path = Path(path)
    frame = _read_csv(path)
    _require_columns(frame, INDICATOR_COLUMNS, path)
    frame = frame.copy()
    frame["measure_id"] = frame["measure_id"].str.strip()
    periods = pd.PeriodIndex(pd.to_datetime(frame["period"].str.strip(), format="%Y-%m", errors="coerce"), freq="M")
    bad = periods.isna()
    if bad.any():
        i = int(np.argmax(bad))
        raise DataValidationError("unparseable period", file=str(path), row=_row(i), column="period",
                                  expected="a month as YYYY-MM", found=frame.at[i, "period"])
    frame["period"] = periods
    frame["numerator"] = _numbers(frame, "numerator", path, blank_ok=False)
    frame["denominator"] = _numbers(frame, "denominator", path, blank_ok=True)

    known = set(measures["measure_id"])
    unknown = ~frame["measure_id"].isin(known)
    if unknown.any():
        i = unknown.idxmax()
        raise DataValidationError(f"measure not in the catalogue ({measures_file})", file=str(path),
                                  row=_row(i), column="measure_id", found=frame.at[i, "measure_id"])
    absent = sorted(known - set(frame["measure_id"]))
    if absent:
        raise DataValidationError("measure in the catalogue has no data", file=str(path),
                                  column="measure_id", found=", ".join(absent))
    dup = frame.duplicated(["measure_id", "period"])
    if dup.any():
        i = dup.idxmax()
        raise DataValidationError("duplicated measure and period", file=str(path), row=_row(i),
                                  column="period", found=f"{frame.at[i, 'measure_id']} {frame.at[i, 'period']}")

    info = measures.set_index("measure_id")
    kind = frame["measure_id"].map(info["kind"])
    needs_den = kind.isin(RATIO_KINDS)
    den = frame["denominator"]
    missing_den = needs_den & (den.isna() | (den <= 0))
    if missing_den.any():
        i = missing_den.idxmax()
        raise DataValidationError("zero or missing denominator", file=str(path), row=_row(i),
                                  column="denominator", expected="a positive number",
                                  found=frame.at[i, "denominator"] if not pd.isna(den[i]) else "")
    counts = kind.isin(COUNT_KINDS)
    num = frame["numerator"]
    bad_count = counts & ((num < 0) | (num != np.floor(num)))
    if bad_count.any():
        i = bad_count.idxmax()
        raise DataValidationError("counts must be whole numbers of zero or more", file=str(path), row=_row(i),
                                  column="numerator", found=num[i])
    over = (kind == "proportion") & (num > den)
    if over.any():
        i = over.idxmax()
        raise DataValidationError("numerator above denominator for a proportion", file=str(path), row=_row(i),
                                  column="numerator", expected=f"at most {den[i]:g}", found=num[i])

    multiplier = frame["measure_id"].map(info["multiplier"])
    frame["denominator"] = den.where(needs_den)
    frame["value"] = np.where(needs_den, num / den, num) * multiplier
    order = {m: k for k, m in enumerate(measures["measure_id"])}
    frame = frame.assign(_order=frame["measure_id"].map(order)).sort_values(["_order", "period"])
    return frame.drop(columns="_order").reset_index(drop=True)[[*INDICATOR_COLUMNS, "value"]]


def summarise(indicators: pd.DataFrame, measures: pd.DataFrame, start: str) -> pd.DataFrame:
    """One row per measure: periods covered, points before/after ``start``, means and latest value."""
    start_p = pd.Period(start, freq="M")
    post = indicators["period"] >= start_p
    grouped = indicators.assign(post=post).groupby("measure_id", sort=False)
    summary = pd.DataFrame({
        "first_period": grouped["period"].min().astype(str),
        "last_period": grouped["period"].max().astype(str),
        "points_before": (grouped.size() - grouped["post"].sum()).astype(int),
        "points_after": grouped["post"].sum().astype(int),
        "mean_before": indicators[~post].groupby("measure_id", sort=False)["value"].mean(),
        "mean_after": indicators[post].groupby("measure_id", sort=False)["value"].mean(),
        "latest_value": grouped["value"].last(),
    })
    summary["change"] = summary["mean_after"] - summary["mean_before"]
    summary["relative_change"] = summary["change"] / summary["mean_before"]
    info = measures.set_index("measure_id")[["name", "perspective", "unit", "kind", "improvement_direction"]]
    out = info.join(summary, how="inner").reset_index()
    return out


def select_measures(measures: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """The catalogue rows of ``ids`` (``report.measures``), in catalogue order; all rows when empty."""
    if not ids:
        return measures
    known = list(measures["measure_id"])
    for mid in ids:
        if mid not in known:
            close = difflib.get_close_matches(mid, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ParameterError(f"unknown measure id{hint}", key="report.measures", found=mid)
    return measures[measures["measure_id"].isin(ids)].reset_index(drop=True)
