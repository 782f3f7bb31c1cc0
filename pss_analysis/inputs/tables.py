"""Load and check the measure catalogue and the indicator table.

Two tables feed a report (each a CSV, an Excel workbook or a Parquet file):

``measures.csv`` — one row per measure::

    measure_id, name, perspective, unit, kind, multiplier,
    improvement_direction, target, unit_cost, description

``kind`` says how the displayed value is made from the indicator table
(see :data:`KINDS`). ``target`` and ``unit_cost`` may be blank.

``indicators.csv`` — long format, one row per measure and month::

    measure_id, period, numerator, denominator

``period`` is a month (``2016-04``, ``Apr 2016``) or a date (taken as its
month); see :mod:`pss_analysis.inputs.periods`.

Every table is checked by :mod:`pss_analysis.inputs.validation` before use, and all
problems are collected: errors stop the load with one
:class:`~pss_analysis.errors.DataValidationError` listing them (one line each,
naming the file, the row as a spreadsheet shows it, the column, what was
expected and what was found); warnings (a byte-order mark, a header row below
the first line, gaps in a measure's months) are returned by the ``*_checked``
loaders and issued as :class:`~pss_analysis.errors.PssWarning` by the plain
ones.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pss_analysis.config.params import DatabaseSource
from pss_analysis.errors import ParameterError, PssWarning
from pss_analysis.inputs.validation import (
    ValidationReport,
    check_catalogue,
    check_counts,
    check_denominators,
    check_duplicates,
    check_gaps,
    check_known_values,
    check_not_above,
    check_required_text,
    parse_numbers,
    parse_period_column,
    read_table,
    require_columns,
)
from pss_analysis.vocabulary import IMPROVEMENT_DIRECTIONS

__all__ = [
    "KINDS",
    "PERSPECTIVES",
    "COUNT_KINDS",
    "RATIO_KINDS",
    "MEASURE_COLUMNS",
    "INDICATOR_COLUMNS",
    "load_measures",
    "load_measures_checked",
    "load_indicators",
    "load_indicators_checked",
    "check_indicators",
    "summarise",
    "select_measures",
    "check_measure_ids",
]

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

MEASURE_COLUMNS = (
    "measure_id",
    "name",
    "perspective",
    "unit",
    "kind",
    "multiplier",
    "improvement_direction",
    "target",
    "unit_cost",
    "description",
)
INDICATOR_COLUMNS = ("measure_id", "period", "numerator", "denominator")
_REQUIRED_TEXT = ("measure_id", "name", "perspective", "kind", "improvement_direction")


def _warn(report: ValidationReport) -> None:
    for problem in report.warnings:
        warnings.warn(str(problem), PssWarning, stacklevel=3)


#: Measure catalogues read and checked in this process, by file, size and modification time: a batch
#: of many units reads one catalogue once (a changed file is read again).
_MEASURES_READ: dict[tuple[str, int, int], tuple[pd.DataFrame, ValidationReport]] = {}


def load_measures_checked(path: str | Path) -> tuple[pd.DataFrame, ValidationReport]:
    """Read and check the measure catalogue; returns it and the report of warnings.

    Raises :class:`~pss_analysis.errors.DataValidationError` listing every error.
    """
    path = Path(path)
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = None  # read_table says what is wrong with the path
    if key is not None and key in _MEASURES_READ:
        frame, report = _MEASURES_READ[key]
        return frame.copy(), report
    frame, report = _load_measures_checked(path)
    if key is not None:
        _MEASURES_READ.clear()  # one catalogue kept: the one a batch's units share
        _MEASURES_READ[key] = (frame.copy(), report)
    return frame, report


def _load_measures_checked(path: Path) -> tuple[pd.DataFrame, ValidationReport]:
    report = ValidationReport()
    frame = read_table(path, expected=MEASURE_COLUMNS, report=report, what="measure catalogue")
    if not require_columns(frame, MEASURE_COLUMNS, path, report):
        report.raise_if_errors()
    frame = frame.copy()
    for column in _REQUIRED_TEXT:
        frame[column] = check_required_text(frame, column, path, report)
    check_duplicates(frame[frame["measure_id"] != ""], ["measure_id"], path, report)
    check_known_values(frame["kind"], tuple(KINDS), "kind", path, report)
    check_known_values(frame["improvement_direction"], IMPROVEMENT_DIRECTIONS, "improvement_direction", path, report)
    frame["multiplier"] = parse_numbers(frame, "multiplier", path, report).fillna(1.0)
    frame["target"] = parse_numbers(frame, "target", path, report)
    frame["unit_cost"] = parse_numbers(frame, "unit_cost", path, report)
    report.raise_if_errors()
    for column in frame.columns:
        if column not in ("multiplier", "target", "unit_cost"):
            frame[column] = frame[column].astype(str)
    return frame.reset_index(drop=True), report


def load_measures(path: str | Path) -> pd.DataFrame:
    """Read and check the measure catalogue; returns it with numeric columns parsed."""
    frame, report = load_measures_checked(path)
    _warn(report)
    return frame


def check_indicators(
    frame: pd.DataFrame,
    measures: pd.DataFrame,
    *,
    file: str = "indicators",
    measures_file: str = "measures",
    breakdowns: Sequence[str] = (),
    require_all: bool = True,
    report: ValidationReport | None = None,
) -> tuple[pd.DataFrame, ValidationReport]:
    """Check an indicator table already in memory (read from a file, or computed).

    ``frame`` has ``measure_id, period, numerator, denominator`` (text or
    typed) and any ``breakdowns`` columns; its index names the rows in
    messages. Checks: missing columns, blank ids, unparseable periods and
    numbers, measures not in the catalogue and (with ``require_all``)
    catalogue measures without data, duplicated (measure, period,
    breakdowns), gaps in each series' months (warning), counts that are
    negative or fractional, zero or missing denominators where the kind
    needs one, numerators above denominators for proportions.

    Returns ``measure_id, period`` (monthly Period), the breakdown columns,
    ``numerator, denominator`` (floats; denominator NaN where the kind has
    none) and ``value`` (see :data:`KINDS`), sorted by catalogue order,
    breakdowns and period, with the report. Raises
    :class:`~pss_analysis.errors.DataValidationError` listing every error.
    """
    report = ValidationReport() if report is None else report
    breakdowns = list(breakdowns)
    if not require_columns(frame, [*INDICATOR_COLUMNS, *breakdowns], file, report):
        report.raise_if_errors()
    typed, known, num, den = _parse_indicators(frame, measures, file, measures_file, breakdowns, require_all, report)
    _check_series(typed[known & typed["period"].notna()], breakdowns, file, report)
    kind = typed["measure_id"].map(measures.set_index("measure_id")["kind"]).where(known)
    _check_numbers(num, den, kind, file, report, reported=_written_but_unusable(frame["denominator"], den))
    report.raise_if_errors()
    return _indicator_table(typed, num, den, kind, measures, breakdowns), report


def _parse_indicators(
    frame: pd.DataFrame,
    measures: pd.DataFrame,
    file: str,
    measures_file: str,
    breakdowns: list[str],
    require_all: bool,
    report: ValidationReport,
) -> tuple[pd.DataFrame, pd.Series, pd.Series, pd.Series]:
    """The ids, periods and breakdowns (a frame), which ids are in the catalogue, numerators, denominators."""
    ids = check_required_text(frame, "measure_id", file, report)
    periods = parse_period_column(frame, "period", file, report, freq="M")
    num = parse_numbers(frame, "numerator", file, report, required=True)
    den = parse_numbers(frame, "denominator", file, report)
    known = check_catalogue(
        ids,
        measures["measure_id"],
        file,
        report,
        catalogue_file=f"the catalogue ({measures_file})",
        require_all=require_all,
    )
    typed = pd.DataFrame({"measure_id": ids, "period": periods}, index=frame.index)
    for column in breakdowns:
        typed[column] = frame[column].map(lambda v: v.strip() if isinstance(v, str) else v)
    return typed, known, num, den


def _check_series(keyed: pd.DataFrame, breakdowns: list[str], file: str, report: ValidationReport) -> None:
    """Each (measure, breakdowns) series: no month twice, gaps in the months (warning)."""
    check_duplicates(keyed, ["measure_id", *breakdowns, "period"], file, report, column="period")
    check_gaps(keyed, "period", ["measure_id", *breakdowns], file, report)


def _written_but_unusable(cells: pd.Series, values: pd.Series) -> pd.Series:
    """Cells with something written that did not give a usable number (already reported: not a number,
    not finite, implausible), so that the later checks do not report them again as missing."""
    written = cells.map(lambda v: not (v is None or (isinstance(v, str) and not v.strip()) or pd.isna(v)))
    return written.astype(bool) & values.isna()


def _check_numbers(
    num: pd.Series, den: pd.Series, kind: pd.Series, file: str, report: ValidationReport, *, reported: pd.Series
) -> None:
    """Denominators where the kind needs one (except those ``reported`` already as unreadable), whole counts,
    proportions no more than their denominator."""
    check_denominators(den, kind.isin(RATIO_KINDS) & ~reported, "denominator", file, report)
    check_counts(num, kind.isin(COUNT_KINDS) & num.notna(), "numerator", file, report)
    check_not_above(num, den, (kind == "proportion") & num.notna() & den.notna(), "numerator", file, report)


def _indicator_table(
    typed: pd.DataFrame, num: pd.Series, den: pd.Series, kind: pd.Series, measures: pd.DataFrame, breakdowns: list[str]
) -> pd.DataFrame:
    """The checked table with the displayed value, sorted by catalogue order, breakdowns and period."""
    needs_den = kind.isin(RATIO_KINDS)
    multiplier = typed["measure_id"].map(measures.set_index("measure_id")["multiplier"]).astype(float)
    typed["numerator"] = num
    typed["denominator"] = den.where(needs_den)
    typed["value"] = np.where(needs_den, num / den, num) * multiplier
    order = {m: k for k, m in enumerate(measures["measure_id"])}
    typed["measure_id"] = typed["measure_id"].astype(str)
    typed = typed.assign(_order=typed["measure_id"].map(order)).sort_values(
        ["_order", *breakdowns, "period"], kind="stable"
    )
    columns = ["measure_id", "period", *breakdowns, "numerator", "denominator", "value"]
    return typed.reset_index(drop=True)[columns]


def load_indicators_checked(
    path: str | Path | DatabaseSource,
    measures: pd.DataFrame,
    *,
    measures_file: str = "measures",
    breakdowns: Sequence[str] = (),
    require_all: bool = True,
) -> tuple[pd.DataFrame, ValidationReport]:
    """Read (CSV, Excel or Parquet, or a database table or query) and check the indicator table; returns
    it and the report.

    See :func:`check_indicators` for the checks and the returned columns; the
    report also has the reading problems (encoding, byte-order mark, header
    row). Raises :class:`~pss_analysis.errors.DataValidationError` listing
    every error.
    """
    path = path if isinstance(path, DatabaseSource) else Path(path)
    report = ValidationReport()
    frame = read_table(path, expected=[*INDICATOR_COLUMNS, *breakdowns], report=report, what="indicator table")
    if frame.empty:  # a header and nothing else, or an empty file (already reported)
        if report.ok:
            report.error("no_rows", "no data rows (only a header)", file=str(path))
        report.raise_if_errors()
    return check_indicators(
        frame,
        measures,
        file=str(path),
        measures_file=measures_file,
        breakdowns=breakdowns,
        require_all=require_all,
        report=report,
    )


def load_indicators(path: str | Path, measures: pd.DataFrame, *, measures_file: str = "measures") -> pd.DataFrame:
    """Read and check the indicator table against the catalogue.

    Returns columns ``measure_id, period`` (pandas monthly Period), ``numerator,
    denominator`` (floats; denominator NaN where the kind has none) and
    ``value`` (the displayed value: see :data:`KINDS`), sorted by catalogue
    order and period. Warnings are issued as
    :class:`~pss_analysis.errors.PssWarning`; use
    :func:`load_indicators_checked` to get them as a report.
    """
    frame, report = load_indicators_checked(path, measures, measures_file=measures_file)
    _warn(report)
    return frame


def summarise(indicators: pd.DataFrame, measures: pd.DataFrame, start: str) -> pd.DataFrame:
    """One row per measure: periods covered, points before/after ``start``, means and latest value."""
    start_p = pd.Period(start, freq="M")
    post = indicators["period"] >= start_p
    grouped = indicators.assign(post=post).groupby("measure_id", sort=False)
    summary = pd.DataFrame(
        {
            "first_period": grouped["period"].min().astype(str),
            "last_period": grouped["period"].max().astype(str),
            "points_before": (grouped.size() - grouped["post"].sum()).astype(int),
            "points_after": grouped["post"].sum().astype(int),
            "mean_before": indicators[~post].groupby("measure_id", sort=False)["value"].mean(),
            "mean_after": indicators[post].groupby("measure_id", sort=False)["value"].mean(),
            "latest_value": grouped["value"].last(),
        }
    )
    summary["change"] = summary["mean_after"] - summary["mean_before"]
    summary["relative_change"] = summary["change"] / summary["mean_before"]
    info = measures.set_index("measure_id")[["name", "perspective", "unit", "kind", "improvement_direction"]]
    out = info.join(summary, how="inner").reset_index()
    return out


def select_measures(measures: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    """The catalogue rows of ``ids`` (``report.measures``), in catalogue order; all rows when empty."""
    if not ids:
        return measures
    check_measure_ids(ids, measures, key="report.measures")
    return measures[measures["measure_id"].isin(ids)].reset_index(drop=True)


def check_measure_ids(ids: Iterable[str], measures: pd.DataFrame, *, key: str) -> None:
    """Every id of ``ids`` (given under parameter ``key``) is a measure of the catalogue, else a
    :class:`~pss_analysis.errors.ParameterError` naming ``key`` and the nearest known id."""
    known = list(measures["measure_id"])
    for mid in ids:
        if mid not in known:
            close = difflib.get_close_matches(mid, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            raise ParameterError(f"unknown measure id{hint}", key=key, found=mid)
