"""The series of an interrupted time series, checked and prepared: each series (treated and, if
given, control) must be a DataFrame with the named columns, consecutive periods with no
duplicate or gap, a finite numeric outcome (whole counts for the count and binomial families),
a positive offset and positive whole trials where the family uses them, and an outcome that
varies (not the same value in every period); it is returned sorted by time with its periods as
integer ordinals."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.errors import DataValidationError, InsufficientDataError, ParameterError
from pss_analysis.methods.its.options import _Family, _Options

__all__: list[str] = []  # the names here are used only inside the package


@dataclass
class _Series:
    """One validated series, sorted by time."""

    time: pd.Series  # original time values, sorted, index reset
    ordinal: np.ndarray  # integer period number
    y: np.ndarray
    trials: np.ndarray | None
    exposure: np.ndarray | None
    season_column: np.ndarray | None
    unit: str | None = None  # the comparison unit's name, when there are several control series


@dataclass(frozen=True)
class _TimeKind:
    kind: str  # "integer" | "period" | "datetime"
    freq: Any = None


def _require_column(data: pd.DataFrame, column: Any, role: str, label: str) -> pd.Series:
    if not isinstance(column, str) or column not in data.columns:
        shown = ", ".join(map(str, list(data.columns)[:20]))
        raise ParameterError(
            f"the {role} column is not in the {label} data",
            key=role,
            expected=f"one of the columns [{shown}]",
            found=column,
        )
    return data[column]


def _time_ordinals(col: pd.Series, name: str, label: str) -> tuple[np.ndarray, _TimeKind]:
    """Integer period numbers for the time column, and how to read interruption values."""
    n_missing = int(col.isna().sum())
    if n_missing:
        rows = list(np.flatnonzero(col.isna().to_numpy())[:5])
        raise DataValidationError(
            f"{n_missing} missing value(s) in the time column of the {label} series (at data rows {rows})",
            column=name,
            expected="a value on every row",
            found=f"{n_missing} missing",
        )
    dtype = col.dtype
    if isinstance(dtype, pd.PeriodDtype):
        return np.asarray(col.array.asi8, dtype=np.int64), _TimeKind("period", dtype.freq)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        periods = col.dt.to_period("M")
        return np.asarray(periods.array.asi8, dtype=np.int64), _TimeKind("datetime", periods.dtype.freq)
    if pd.api.types.is_bool_dtype(dtype):
        raise DataValidationError(
            f"the time column of the {label} series holds true/false values",
            column=name,
            expected="integers, dates or periods",
            found=str(dtype),
        )
    if pd.api.types.is_integer_dtype(dtype):
        return col.to_numpy(dtype=np.int64), _TimeKind("integer")
    if pd.api.types.is_float_dtype(dtype):
        values = col.to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            raise DataValidationError(
                f"the time column of the {label} series holds non-whole numbers",
                column=name,
                expected="integers, dates or periods",
                found=values[bad][0],
            )
        return values.astype(np.int64), _TimeKind("integer")
    if pd.api.types.is_object_dtype(dtype):
        values = list(col)
        if all(isinstance(v, pd.Period) for v in values):
            index = pd.PeriodIndex(values)
            return np.asarray(index.asi8, dtype=np.int64), _TimeKind("period", index.freq)
        if all(
            isinstance(v, (pd.Timestamp, np.datetime64)) or (hasattr(v, "year") and hasattr(v, "month")) for v in values
        ):
            periods = pd.Series(pd.to_datetime(values)).dt.to_period("M")
            return np.asarray(periods.array.asi8, dtype=np.int64), _TimeKind("datetime", periods.dtype.freq)
    raise DataValidationError(
        f"the time column of the {label} series has an unsupported type",
        column=name,
        expected="integers, dates or periods",
        found=str(dtype),
    )


def _check_outcome(series: pd.Series, name: str, times: pd.Series, label: str) -> np.ndarray:
    if not (pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)):
        raise DataValidationError(
            f"the outcome of the {label} series is not numeric",
            column=name,
            expected="numbers",
            found=str(series.dtype),
        )
    values = series.to_numpy(dtype=float, na_value=np.nan)
    missing = ~np.isfinite(values)
    if missing.any():
        where = [str(v) for v in times[missing].head(5)]
        more = " and more" if missing.sum() > 5 else ""
        raise DataValidationError(
            f"{int(missing.sum())} missing or non-finite value(s) in the {label} series at time "
            f"{', '.join(where)}{more}",
            column=name,
            expected="a value in every period",
            found=f"{int(missing.sum())} missing",
        )
    return values


def _first_bad(mask: np.ndarray, values: np.ndarray, times: pd.Series) -> tuple[Any, str]:
    i = int(np.flatnonzero(mask)[0])
    return values[i], str(times.iloc[i])


def _require_frame(data: Any, label: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            f"the {label} data must be a pandas DataFrame",
            key="data" if label == "treated" else "control",
            expected="a DataFrame",
            found=type(data).__name__,
        )


def _check_consecutive(ordinal: np.ndarray, times: pd.Series, time: str, label: str) -> None:
    """Sorted period numbers must have no duplicate and no gap."""
    dup = np.flatnonzero(np.diff(ordinal) == 0)
    if dup.size:
        hint = (
            " (a table of several comparison series needs its unit column named: control_unit=...)"
            if label == "control"
            else ""
        )
        raise DataValidationError(
            f"duplicate period in the time column of the {label} series{hint}",
            column=time,
            expected="each period once",
            found=times.iloc[dup[0] + 1],
        )
    gap = np.flatnonzero(np.diff(ordinal) > 1)
    if gap.size:
        i = gap[0]
        raise DataValidationError(
            f"gap in the time column of the {label} series: {times.iloc[i]} is followed by {times.iloc[i + 1]}",
            column=time,
            expected="consecutive periods",
            found=times.iloc[i + 1],
        )


def _check_counts(yv: np.ndarray, family: _Family, times: pd.Series, y: str, label: str) -> None:
    """Count and binomial families need non-negative whole numbers."""
    if family.counts or family.binomial:
        bad = (yv < 0) | (yv != np.round(yv))
        if bad.any():
            value, when = _first_bad(bad, yv, times)
            raise DataValidationError(
                f"the {family.name} family needs whole-number counts, but the {label} series has "
                f"{value:g} at time {when}",
                column=y,
                expected="non-negative whole numbers",
                found=value,
            )


def _read_exposure(
    column: Callable[[str, str], pd.Series], offset: str | None, family: _Family, times: pd.Series, label: str
) -> np.ndarray | None:
    """The offset column (population or exposure), count families only, all positive."""
    if offset is None:
        return None
    if not family.counts:
        raise ParameterError(
            f"an offset is only used by the count families; the {family.name} family "
            + ("takes trials in 'denominator'" if family.binomial else "models y directly"),
            key="offset",
            expected="offset=None",
            found=offset,
        )
    exposure = _check_outcome(column(offset, "offset"), offset, times, label)
    bad = exposure <= 0
    if bad.any():
        value, when = _first_bad(bad, exposure, times)
        raise DataValidationError(
            f"the offset (population or exposure) must be positive, but the {label} series "
            f"has {value:g} at time {when}",
            column=offset,
            expected="values > 0",
            found=value,
        )
    return exposure


def _read_trials(
    column: Callable[[str, str], pd.Series],
    denominator: str | None,
    family: _Family,
    yv: np.ndarray,
    times: pd.Series,
    y: str,
    label: str,
) -> np.ndarray | None:
    """The trials column, binomial families only: positive whole numbers, at least ``y``."""
    if not family.binomial:
        if denominator is not None:
            raise ParameterError(
                f"a denominator is only used by the binomial families, not {family.name}",
                key="denominator",
                expected="denominator=None",
                found=denominator,
            )
        return None
    if denominator is None:
        raise ParameterError(
            f"the {family.name} family needs the number of trials",
            key="denominator",
            expected="the name of the trials column",
            found=None,
        )
    trials = _check_outcome(column(denominator, "denominator"), denominator, times, label)
    bad = (trials <= 0) | (trials != np.round(trials))
    if bad.any():
        value, when = _first_bad(bad, trials, times)
        raise DataValidationError(
            f"the denominator must be a positive whole number, but the {label} series has {value:g} at time {when}",
            column=denominator,
            expected="whole numbers > 0",
            found=value,
        )
    bad = yv > trials
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"more successes than trials in the {label} series at time {times.iloc[i]} ({yv[i]:g} > {trials[i]:g})",
            column=y,
            expected=f"at most the value of '{denominator}'",
            found=yv[i],
        )
    return trials


#: What one period of a time column is called in messages, by the first letter of its pandas frequency.
_PERIOD_WORDS = {"M": "month", "Q": "quarter", "D": "day", "Y": "year", "A": "year", "W": "week"}


def _period_word(kind: _TimeKind) -> str:
    """ "month", "quarter", ... for a period or date time column; "period" otherwise."""
    freqstr = getattr(kind.freq, "freqstr", None) or ""
    return _PERIOD_WORDS.get(freqstr[:1].upper(), "period")


def _check_variation(s: _Series, kind: _TimeKind, *, y: str, denominator: str | None, label: str) -> None:
    """The outcome (``y``, or ``y`` out of the trials for the binomial families) must vary.

    A series with the same value in every period (200 admissions every month, 0 events every
    month) has no variation for a model to explain: the fit is degenerate (a quasi family's
    Pearson dispersion is 0, so statsmodels' first deviance is 0/0; OLS has no residual
    variance). A count that never changes is refused even with a varying population: the rate
    would then vary only with the population. The series is refused as
    :class:`InsufficientDataError` saying which value never changed.
    """
    quantity, what = s.y, f"'{y}'"
    if s.trials is not None:
        quantity, what = s.y / s.trials, f"'{y}' out of '{denominator}'"
    if len(quantity) < 2 or np.any(quantity != quantity[0]):
        return
    whose = "" if label == "treated" else f" in the {label} series"
    raise InsufficientDataError(
        f"no variation to evaluate: {what} was {quantity[0]:g} in every {_period_word(kind)}{whose}"
    )


def _prepare_series(
    data: pd.DataFrame,
    *,
    y: str,
    time: str,
    offset: str | None,
    denominator: str | None,
    family: _Family,
    season_column: str | None,
    label: str,
    check_variation: bool = True,
) -> tuple[_Series, _TimeKind]:
    """Validate one series and return it sorted by time, with how its time values read."""
    _require_frame(data, label)
    time_col = _require_column(data, time, "time", label)
    y_col = _require_column(data, y, "y", label)
    ordinal, kind = _time_ordinals(time_col, time, label)
    order = np.argsort(ordinal, kind="stable")
    ordinal = ordinal[order]
    times = time_col.iloc[order].reset_index(drop=True)
    _check_consecutive(ordinal, times, time, label)

    def column(name: str, role: str) -> pd.Series:
        return _require_column(data, name, role, label).iloc[order].reset_index(drop=True)

    yv = _check_outcome(y_col.iloc[order].reset_index(drop=True), y, times, label)
    _check_counts(yv, family, times, y, label)
    exposure = _read_exposure(column, offset, family, times, label)
    trials = _read_trials(column, denominator, family, yv, times, y, label)
    season = None
    if season_column is not None:
        season = _check_outcome(column(season_column, "seasonality.column"), season_column, times, label)
    prepared = _Series(times, ordinal, yv, trials, exposure, season)
    if check_variation:
        _check_variation(prepared, kind, y=y, denominator=denominator, label=label)
    return prepared, kind


def _control_tables(control: Any, control_unit: str | None, time: str) -> list[tuple[str | None, Any]]:
    """The comparison series as (unit name, table) pairs: none; one table (unit None); a long table
    split by ``control_unit`` (in order of first appearance); a mapping of names to tables; or a
    list of tables (named "comparison 1", "comparison 2", ...)."""
    if control is None:
        if control_unit is not None:
            raise ParameterError(
                "control_unit names the unit column of a control table, but no control is given",
                key="control_unit",
                expected="control_unit=None",
                found=control_unit,
            )
        return []
    if isinstance(control, pd.DataFrame):
        if control_unit is None:
            return [(None, control)]
        units = _require_column(control, control_unit, "control_unit", "control")
        if units.isna().any():
            row = int(np.flatnonzero(units.isna().to_numpy())[0])
            raise DataValidationError(
                f"missing unit in the control table (data row {row})",
                column=control_unit,
                expected="the comparison unit on every row",
                found="blank",
            )
        return [(str(name), part) for name, part in control.groupby(units.astype(str), sort=False)]
    pairs: list[tuple[str | None, Any]]
    if isinstance(control, Mapping):
        pairs = [(str(name), table) for name, table in control.items()]
    elif isinstance(control, Sequence) and not isinstance(control, str):
        pairs = [(f"comparison {i + 1}", table) for i, table in enumerate(control)]
    else:
        pairs = [(None, control)]  # refused by the frame check, naming the type
    if not pairs:
        raise ParameterError(
            "no comparison series given", key="control", expected="at least one control series", found=control
        )
    if control_unit is not None:
        raise ParameterError(
            "control_unit is for one long control table, not a list or mapping of series",
            key="control_unit",
            expected="control_unit=None",
            found=control_unit,
        )
    return pairs


def _prepare_all_series(
    data: pd.DataFrame,
    control: Any,
    *,
    y: str,
    time: str,
    offset: str | None,
    denominator: str | None,
    options: _Options,
    control_unit: str | None = None,
) -> tuple[list[tuple[str, _Series]], _TimeKind]:
    """The treated series and the control series, if any (each must cover the treated periods).

    Several control series (a long table with a unit column, a list or a mapping) are each
    checked as a series of their own; only the check that the outcome varies is left to the
    pooled fit (a small comparison area with no events in any month is still comparison data).
    """
    kwargs: dict[str, Any] = {
        "y": y,
        "time": time,
        "offset": offset,
        "denominator": denominator,
        "family": options.family,
        "season_column": options.season_column,
    }
    treated, kind = _prepare_series(data, label="treated", **kwargs)
    series = [("treated", treated)]
    tables = _control_tables(control, control_unit, time)
    for unit, table in tables:
        label = "control" if unit is None else f"control ('{unit}')"
        ctrl, ckind = _prepare_series(table, label=label, check_variation=len(tables) == 1, **kwargs)
        if ckind.kind != kind.kind or not np.array_equal(ctrl.ordinal, treated.ordinal):
            raise DataValidationError(
                f"the {label} series must cover exactly the periods of the treated series",
                column=time,
                expected=f"{treated.time.iloc[0]} to {treated.time.iloc[-1]}",
                found=f"{ctrl.time.iloc[0]} to {ctrl.time.iloc[-1]}",
            )
        ctrl.unit = unit
        series.append(("control", ctrl))
    return series, kind
