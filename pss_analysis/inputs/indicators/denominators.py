"""Denominator (population) tables: read once, checked, spread to months and summed by group."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pss_analysis.inputs import periods as _periods
from pss_analysis.inputs.indicators.definitions import IndicatorDefinition, TableDenominator
from pss_analysis.inputs.indicators.engine import _key_column, _mask_all
from pss_analysis.inputs.validation import (
    ValidationReport,
    check_duplicates,
    parse_numbers,
    parse_period_column,
    read_table,
    require_columns,
)

__all__: list[str] = []


class _Tables:
    """Population tables read once (text), by name."""

    def __init__(self, files: Mapping[str, Path], report: ValidationReport) -> None:
        self.files, self.report = files, report
        self.frames: dict[str, pd.DataFrame] = {}

    def read(self, name: str, expected: Sequence[str]) -> pd.DataFrame:
        if name not in self.frames:
            self.frames[name] = read_table(
                self.files[name], expected=expected, report=self.report, what="denominator table"
            )
        return self.frames[name]


def _population(
    d: IndicatorDefinition, tables: _Tables, codes: Mapping, report: ValidationReport, months: tuple[int, int]
) -> pd.DataFrame | None:
    """The denominator table summed by month, breakdowns (and strata): ``__month, ..., __pop``.

    None (with the problems in ``report``) when the table cannot be used.
    """
    den = d.denominator
    assert isinstance(den, TableDenominator)
    path = tables.files[den.source]
    needed = _needed_columns(d, den)
    frame = tables.read(den.source, needed)
    checked = _checked_table(d, den, frame, needed, path, report)
    if checked is None:
        return None
    values, periods, freq = checked
    text_of = _text_reader(frame)
    keep = _mask_all(den.where, len(frame), text_of, _number_reader(text_of), codes) & periods.notna().to_numpy()
    out, rep = _spread_to_months(periods[keep], freq)
    _add_groups(out, d, lambda column: text_of(column)[keep], rep)  # rep counts the kept rows only
    if d.standardise is not None and not _bands_known(d, out, frame[keep], text_of, path, report):
        return None
    out["__pop"] = values[keep].to_numpy()[rep]
    out = out[(out["__month"] >= months[0]) & (out["__month"] <= months[1])]
    keys = [c for c in out.columns if c != "__pop"]
    return out.groupby(keys, dropna=False, sort=False)["__pop"].sum().reset_index()


def _needed_columns(d: IndicatorDefinition, den: TableDenominator) -> list[str]:
    """The table's columns the definition reads: period, value, breakdowns, strata, conditions."""
    group_cols = [b.name for b in d.breakdowns]
    strata_cols: list[str] = []
    if d.standardise is not None:
        strata_cols = [d.standardise.band_column, *d.standardise.by]
    return list(dict.fromkeys([den.period, den.value, *group_cols, *strata_cols, *(c.column for c in den.where)]))


def _checked_table(
    d: IndicatorDefinition,
    den: TableDenominator,
    frame: pd.DataFrame,
    needed: list[str],
    path: Path,
    report: ValidationReport,
) -> tuple[pd.Series, pd.Series, str] | None:
    """(populations, periods, their frequency) once the table's columns, numbers and periods are sound."""
    bad_before = len(report.errors)
    if not require_columns(frame, needed, path, report):
        for c in needed:
            if c not in frame.columns and c in [b.name for b in d.breakdowns]:
                report.error(
                    "missing_column",
                    f"measure '{d.measure_id}': the denominator table has no column for the breakdown '{c}'",
                    file=path,
                    column=c,
                    expected=f"a column '{c}' with the same groups as the records",
                )
        return None
    values = parse_numbers(frame, den.value, path, report, required=True)
    for row in values.index[values < 0]:
        report.error(
            "negative_count",
            "a population cannot be negative",
            file=path,
            row=row,
            column=den.value,
            expected="zero or more",
            found=values[row],
        )
    periods = parse_period_column(frame, den.period, path, report, freq=None)
    others = [c for c in frame.columns if c not in (den.value,)]
    check_duplicates(frame.assign(**{den.period: periods}), others, path, report, column=den.period)
    if len(report.errors) > bad_before or periods.isna().all():
        return None
    freq = _periods.frequency_of(periods)
    if freq == "D":
        report.error(
            "period_frequency",
            "a denominator table cannot be by day",
            file=path,
            column=den.period,
            expected="months, quarters or financial years",
            found="days",
        )
        return None
    return values, periods, freq


def _text_reader(frame: pd.DataFrame) -> Callable[[str], pd.Series]:
    """Column -> its text, blank as missing."""

    def text_of(column: str) -> pd.Series:
        s = frame[column]
        return s.where(s != "", None).astype(object)

    return text_of


def _number_reader(text_of: Callable[[str], pd.Series]) -> Callable[[str], np.ndarray]:
    """Column -> its values read as numbers (NaN where not a number)."""

    def number_of(column: str) -> np.ndarray:
        return pd.to_numeric(text_of(column), errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    return number_of


def _spread_to_months(per: pd.Series, freq: str) -> tuple[pd.DataFrame, np.ndarray]:
    """One row per month of each period (quarters and financial years spread over their months).

    Returns the ``__month`` frame and, for each of its rows, the position of the period it came from.
    """
    first = per.dt.asfreq("M", how="start").array.asi8 if freq != "M" else per.array.asi8
    last = per.dt.asfreq("M", how="end").array.asi8 if freq != "M" else per.array.asi8
    span = (last - first + 1).astype(np.int64)
    rep = np.repeat(np.arange(len(per)), span)
    offsets = np.arange(len(rep)) - np.repeat(np.cumsum(span) - span, span)
    return pd.DataFrame({"__month": first[rep] + offsets}), rep


def _add_groups(
    out: pd.DataFrame, d: IndicatorDefinition, text_of: Callable[[str], pd.Series], rep: np.ndarray
) -> None:
    """The breakdown columns and (when standardised) the ``__band`` and ``__by_<k>`` strata.

    ``text_of`` gives the columns of the rows that were kept, which ``rep`` repeats once per month."""
    for c in [b.name for b in d.breakdowns]:
        out[c] = _key_column(text_of(c).iloc[rep].reset_index(drop=True))
    if d.standardise is not None:
        out["__band"] = _key_column(text_of(d.standardise.band_column).iloc[rep].reset_index(drop=True))
        for k, b in enumerate(d.standardise.by):
            out[f"__by_{k}"] = _key_column(text_of(b).iloc[rep].reset_index(drop=True))


def _bands_known(
    d: IndicatorDefinition,
    out: pd.DataFrame,
    sub: pd.DataFrame,
    text_of: Callable[[str], pd.Series],
    path: Path,
    report: ValidationReport,
) -> bool:
    """True when every age band of the table is one of the standardisation's bands (else errors)."""
    st = d.standardise
    assert st is not None
    labels = set(st.labels)
    unknown = sorted({v for v in out["__band"] if v not in labels}, key=str)
    for v in unknown:
        row = sub.index[text_of(st.band_column).loc[sub.index] == v]
        report.error(
            "unknown_value",
            f"measure '{d.measure_id}': age band not among the standardisation bands "
            "(exclude other ages with denominator.where)",
            file=path,
            row=row[0] if len(row) else None,
            column=st.band_column,
            expected="one of " + ", ".join(st.labels),
            found=v,
        )
    return not unknown
