"""Reading the data of an SPC evaluation into flat arrays, one point per (series, x).

:func:`prepare` checks the columns, numbers the series, reads x, y and n, sorts
the rows by series and x, and (for the ``xbar`` and ``s`` charts) reduces the
observations of every subgroup to its size, mean and standard deviation. Rows
that cannot be used (missing x, missing values) are reported in plain-English
notes, one list per series; malformed data raise
:class:`~pss_analysis.errors.DataValidationError`.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.methods.spc.charts import ChartSpec
from pss_analysis.methods.spc.notes import by_series, in_series, list_x, plain_value, plural_s, row_label, x_text

__all__ = ["Prepared", "prepare"]


@dataclass
class Prepared:
    """The points of every series, sorted by series then x (internal)."""

    gid: np.ndarray  # series index of every point
    x: pd.Series  # sorted, RangeIndex
    y: np.ndarray
    n: np.ndarray
    sd: np.ndarray
    value: np.ndarray
    missing: np.ndarray
    labels: np.ndarray  # original row label of each point (first row of a subgroup)
    keys: pd.DataFrame  # one row per series (by columns), or empty frame
    key_list: list[Hashable]
    sortable: bool
    x_name: str
    messages: list[list[str]]


@dataclass
class _Rows:
    """The rows read from the data, before they become points."""

    gid: np.ndarray
    x: pd.Series
    y: np.ndarray
    n: np.ndarray
    labels: np.ndarray
    keys: pd.DataFrame
    key_list: list[Hashable]
    x_name: str
    messages: list[list[str]]
    codes: np.ndarray | None = None  # x as integer codes (sorted when x is orderable)
    sortable: bool = False


def prepare(data: Any, y: str, n: str | None, x: str | None, by: tuple[str, ...], chart: ChartSpec) -> Prepared:
    """The points to evaluate, read from ``data``: the recipe of this module."""
    _check_columns(data, y, n, x, by)
    _check_chart_columns(chart, n, x)
    rows = _read_rows(data, y, n, x, by)
    _sort_rows(rows, x)
    if chart.subgrouped:
        return _aggregate_subgroups(rows, y)
    _check_one_row_per_x(rows, by)
    return _points(rows, chart, y, n, by)


# --- checks of the arguments ------------------------------------------------------------------------


def _check_columns(data: Any, y: str, n: str | None, x: str | None, by: tuple[str, ...]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            "data must be a pandas DataFrame", key="data", expected="DataFrame", found=type(data).__name__
        )
    for role, col in (("y", y), ("n", n), ("x", x)) + tuple(("by", b) for b in by):
        if col is not None and (not isinstance(col, str) or col not in data.columns):
            raise ParameterError(
                f"{role} column not found in data",
                key=role,
                column=str(col),
                expected="one of " + ", ".join(map(str, data.columns)),
                found=col,
            )


def _check_chart_columns(chart: ChartSpec, n: str | None, x: str | None) -> None:
    if chart.subgrouped and x is None:
        raise ParameterError(
            f"the {chart.name} chart needs an x column identifying the subgroups",
            key="x",
            expected="a column name",
            found=None,
        )
    if chart.denominator == "required" and n is None:
        raise ParameterError(
            f"the {chart.name} chart needs a denominator column n", key="n", expected="a column name", found=None
        )
    if chart.denominator == "forbidden" and n is not None:
        raise ParameterError(f"the {chart.name} chart takes no denominator column n", key="n", expected=None, found=n)


# --- reading the rows ------------------------------------------------------------------------------------


def _read_rows(data: pd.DataFrame, y: str, n: str | None, x: str | None, by: tuple[str, ...]) -> _Rows:
    """Series numbers, x, y and n of every row with an x value, in the data's order."""
    frame = data.reset_index(drop=True)
    labels = data.index.to_numpy()
    gid, keys, key_list = _number_series(frame, labels, by)
    messages: list[list[str]] = [[] for _ in key_list]
    if x is None:
        xs = pd.Series(frame.groupby(gid).cumcount().to_numpy() + 1, dtype="int64")
    else:
        xs = _normalise_x(frame[x])
        keep = _drop_missing_x(xs, x, gid, labels, messages)
        if keep is not None:
            frame = frame.loc[keep].reset_index(drop=True)
            labels, gid, xs = labels[keep], gid[keep], xs[keep].reset_index(drop=True)
    ys = _numeric_column(frame, y, xs)
    ns = _numeric_column(frame, n, xs) if n is not None else np.full(len(frame), np.nan)
    return _Rows(gid, xs, ys, ns, labels, keys, key_list, x if x is not None else "x", messages)


def _number_series(
    frame: pd.DataFrame, labels: np.ndarray, by: tuple[str, ...]
) -> tuple[np.ndarray, pd.DataFrame, list[Hashable]]:
    """Series index of every row (series sorted by key), the key columns and the list of keys."""
    if not by:
        rows = len(frame)
        return np.zeros(rows, dtype=np.int64), pd.DataFrame(index=range(1 if rows else 0)), [None] if rows else []
    for b in by:
        if frame[b].isna().any():
            pos = int(np.flatnonzero(frame[b].isna().to_numpy())[0])
            raise DataValidationError(
                "series key is missing",
                column=b,
                row=row_label(labels[pos]),
                expected="a value in every row",
                found=None,
            )
    gid = frame.groupby(list(by), sort=True).ngroup().to_numpy()
    first = np.unique(gid, return_index=True)[1]
    keys = frame.loc[first, list(by)].reset_index(drop=True)
    key_list = keys[by[0]].tolist() if len(by) == 1 else list(keys.itertuples(index=False, name=None))
    return gid, keys, key_list


def _normalise_x(xs: pd.Series) -> pd.Series:
    """Python ``date``/``datetime`` objects in an object column become datetimes, so they sort."""
    if xs.dtype == object:
        present = xs.dropna()
        if len(present) and all(isinstance(v, (datetime.date, np.datetime64)) for v in present):
            return pd.to_datetime(xs)
    return xs


def _drop_missing_x(
    xs: pd.Series, x: str, gid: np.ndarray, labels: np.ndarray, messages: list[list[str]]
) -> np.ndarray | None:
    """The rows to keep when some x values are missing (noted per series), or None to keep all."""
    missing_x = xs.isna().to_numpy()
    if not missing_x.any():
        return None
    for g, idx in by_series(missing_x, gid).items():
        rows = labels[idx]
        s = plural_s(rows.size)
        messages[g].append(f"{rows.size} row{s} with a missing '{x}' value skipped (row{s} {list_x(rows)}).")
    return ~missing_x


def _numeric_column(data: pd.DataFrame, column: str, x_values: pd.Series | None) -> np.ndarray:
    raw = data[column]
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.to_numpy(dtype=float)
    values = pd.to_numeric(raw, errors="coerce")
    bad = raw.notna().to_numpy() & values.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        where = f" at x={x_text(x_values.iloc[pos])}" if x_values is not None else ""
        raise DataValidationError(
            f"value is not a number{where}",
            column=column,
            row=row_label(data.index[pos]),
            expected="numbers",
            found=raw.iloc[pos],
        )
    out = values.to_numpy(dtype=float, na_value=np.nan)
    inf = np.isinf(out)
    if inf.any():
        pos = int(np.flatnonzero(inf)[0])
        raise DataValidationError(
            "value is infinite",
            column=column,
            row=row_label(data.index[pos]),
            expected="finite numbers",
            found=out[pos],
        )
    return out


# --- order ---------------------------------------------------------------------------------------------------


def _is_sortable(xs: pd.Series) -> bool:
    dtype = xs.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return bool(dtype.ordered)
    return (
        pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype)
    )


def _sort_rows(rows: _Rows, x: str | None) -> None:
    """Sort by series, then by x when x is orderable (noting series that were out of order)."""
    rows.sortable = _is_sortable(rows.x)
    if rows.sortable:
        codes = pd.factorize(rows.x, sort=True)[0]
        order = np.lexsort((codes, rows.gid))
    else:
        codes = pd.factorize(rows.x, sort=False)[0]
        order = np.argsort(rows.gid, kind="stable")
    if x is not None and order.size > 1:
        g_sorted = rows.gid[order]
        backwards = (np.diff(order) < 0) & (g_sorted[1:] == g_sorted[:-1])
        for g in np.unique(g_sorted[1:][backwards]):
            rows.messages[g].append(f"Rows were not in '{x}' order; they were sorted by '{x}'.")
    rows.gid = rows.gid[order]
    rows.codes = codes[order]
    rows.x = rows.x.iloc[order].reset_index(drop=True)
    rows.y = rows.y[order]
    rows.n = rows.n[order]
    rows.labels = rows.labels[order]


def _codes(rows: _Rows) -> np.ndarray:
    assert rows.codes is not None, "rows are sorted first"
    return rows.codes


def _check_one_row_per_x(rows: _Rows, by: tuple[str, ...]) -> None:
    if rows.y.size <= 1:
        return
    gid, codes, xs = rows.gid, _codes(rows), rows.x
    by_code = np.lexsort((codes, gid))  # equal x values side by side even when x is not orderable
    dup = (gid[by_code][1:] == gid[by_code][:-1]) & (codes[by_code][1:] == codes[by_code][:-1])
    if dup.any():
        pos = int(by_code[np.flatnonzero(dup)[0] + 1])
        count = int(np.sum((gid == gid[pos]) & (codes == codes[pos])))
        raise DataValidationError(
            f"x value {x_text(xs.iloc[pos])} appears {count} times{in_series(rows.key_list, gid[pos], by)}",
            column=rows.x_name,
            row=row_label(rows.labels[pos]),
            expected="one row per x value (aggregate the data first)",
            found=xs.iloc[pos],
        )


# --- points ----------------------------------------------------------------------------------------------------


def _points(rows: _Rows, chart: ChartSpec, y: str, n: str | None, by: tuple[str, ...]) -> Prepared:
    """One point per row: the value (y, or y / n) and the notes on missing values."""
    ys, ns = rows.y, rows.n
    missing = np.isnan(ys) | (np.isnan(ns) if n is not None else False)
    _check_values(rows, chart, y, n, missing, by)
    value = ys / ns if n is not None else ys.copy()
    value[missing] = np.nan
    if missing.any():
        cols = f"'{y}'" + (f" or '{n}'" if n is not None else "")
        for g, idx in by_series(missing, rows.gid).items():
            rows.messages[g].append(
                f"{idx.size} missing value{plural_s(idx.size)} in {cols} skipped "
                f"({rows.x_name} = {list_x(rows.x.iloc[idx])})."
            )
    return Prepared(
        rows.gid,
        rows.x,
        ys,
        ns,
        np.full(ys.size, np.nan),
        value,
        missing,
        rows.labels,
        rows.keys,
        rows.key_list,
        rows.sortable,
        rows.x_name,
        rows.messages,
    )


def _check_values(
    rows: _Rows, chart: ChartSpec, y: str, n: str | None, missing: np.ndarray, by: tuple[str, ...]
) -> None:
    """Values the chart cannot take: negative or zero denominators, negative counts, ..."""
    ys, ns, ok = rows.y, rows.n, ~missing

    def fail(mask: np.ndarray, column: str, message: str, expected: str, values: np.ndarray) -> None:
        bad = mask & ok
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataValidationError(
                f"{message} at {rows.x_name}={x_text(rows.x.iloc[pos])}{in_series(rows.key_list, rows.gid[pos], by)}",
                column=column,
                row=row_label(rows.labels[pos]),
                expected=expected,
                found=plain_value(values[pos]),
            )

    if n is not None:
        fail(ns < 0, n, "denominator is negative", "a denominator > 0", ns)
        fail(ns == 0, n, "denominator is zero", "a denominator > 0 (set it missing to skip the point)", ns)
    if chart.counts:
        fail(ys < 0, y, "count is negative", "a count >= 0", ys)
    if chart.proportion:
        fail(ys > ns, y, f"numerator is larger than its denominator '{n}'", f"a count <= {n}", ys)
    if chart.positive:
        fail(ys <= 0, y, "time between events is not positive", "a value > 0", ys)


def _aggregate_subgroups(rows: _Rows, y: str) -> Prepared:
    """One point per (series, x) subgroup: size, mean and standard deviation of its observations."""
    if not rows.sortable and rows.y.size:
        # x values not sortable: subgroups in order of first appearance, rows of a subgroup may be apart
        order = np.lexsort((_codes(rows), rows.gid))
        rows.gid, rows.codes, rows.y = rows.gid[order], _codes(rows)[order], rows.y[order]
        rows.labels, rows.x = rows.labels[order], rows.x.iloc[order].reset_index(drop=True)
    gid, codes, ys = rows.gid, _codes(rows), rows.y
    start = np.ones(ys.size, dtype=bool)
    if ys.size > 1:
        start[1:] = (gid[1:] != gid[:-1]) | (codes[1:] != codes[:-1])
    sub = np.cumsum(start) - 1
    first = np.flatnonzero(start)
    obs = ~np.isnan(ys)
    count, mean, sd = _subgroup_moments(ys, sub, obs, first.size)
    missing = count == 0
    if (~obs).any():
        _note_missing_observations(rows, y, obs, missing, first)
    return Prepared(
        gid[first],
        rows.x.iloc[first].reset_index(drop=True),
        mean,
        count,
        sd,
        mean.copy(),
        missing,
        rows.labels[first],
        rows.keys,
        rows.key_list,
        rows.sortable,
        rows.x_name,
        rows.messages,
    )


def _subgroup_moments(
    ys: np.ndarray, sub: np.ndarray, obs: np.ndarray, n_sub: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count, mean and standard deviation (divisor count - 1) of the observations of every subgroup."""
    count = np.bincount(sub[obs], minlength=n_sub).astype(float)
    total = np.bincount(sub[obs], weights=ys[obs], minlength=n_sub)
    mean = np.full(n_sub, np.nan)
    np.divide(total, count, out=mean, where=count > 0)
    dev2 = np.bincount(sub[obs], weights=(ys[obs] - mean[sub[obs]]) ** 2, minlength=n_sub)
    sd = np.full(n_sub, np.nan)
    np.divide(dev2, count - 1, out=sd, where=count > 1)
    return count, mean, np.sqrt(sd)


def _note_missing_observations(
    rows: _Rows, y: str, obs: np.ndarray, empty_subgroup: np.ndarray, first: np.ndarray
) -> None:
    empties = by_series(empty_subgroup, rows.gid[first])
    for g, idx in by_series(~obs, rows.gid).items():
        k = idx.size
        empty = empties.get(g, np.zeros(0, dtype=int))
        text = f"{k} missing observation{plural_s(k)} in '{y}' skipped"
        if empty.size:
            text += (
                f"; {empty.size} subgroup{plural_s(empty.size)} with no observations "
                f"({rows.x_name} = {list_x(rows.x.iloc[first[empty]])}) skipped"
            )
        rows.messages[g].append(text + ".")
