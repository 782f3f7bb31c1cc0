"""The design of an interrupted time series: validated series, time ordinals, the rows of the
fit, the design matrix (with its counterfactual and deseasonalised versions) and the
contrasts that define the reported effects."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.methods.its.options import _TIME_SINCE_SHIFT, SEASONALITY_KINDS, _Family, _Options

# --------------------------------------------------------------------------------------------
# Data validation and the time index
# --------------------------------------------------------------------------------------------


@dataclass
class _Series:
    """One validated series, sorted by time."""

    time: pd.Series  # original time values, sorted, index reset
    ordinal: np.ndarray  # integer period number
    y: np.ndarray
    trials: np.ndarray | None
    exposure: np.ndarray | None
    season_column: np.ndarray | None


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


def _interruption_ordinal(value: Any, kind: _TimeKind, key: str, time_name: str, first: Any, last: Any) -> int:
    """Convert an interruption given as a value of the time column to its period number."""
    try:
        if kind.kind == "integer":
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, np.integer, float, np.floating))
                or float(value) != round(float(value))
            ):
                raise TypeError
            return int(value)
        if kind.kind == "period":
            period = value if isinstance(value, pd.Period) else pd.Period(value, freq=kind.freq)
            if period.freq != kind.freq:
                raise TypeError
            return int(period.ordinal)
        stamp = value.to_timestamp() if isinstance(value, pd.Period) else pd.Timestamp(value)
        return int(stamp.to_period("M").ordinal)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"cannot read the interruption as a value of the time column '{time_name}'",
            key=key,
            expected=f"a value between {first} and {last}",
            found=value,
        ) from exc


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
        raise DataValidationError(
            f"duplicate period in the time column of the {label} series",
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
    return _Series(times, ordinal, yv, trials, exposure, season), kind


def _prepare_all_series(
    data: pd.DataFrame,
    control: pd.DataFrame | None,
    *,
    y: str,
    time: str,
    offset: str | None,
    denominator: str | None,
    options: _Options,
) -> tuple[list[tuple[str, _Series]], _TimeKind]:
    """The treated series and, if given, the control series (which must cover the same periods)."""
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
    if control is not None:
        ctrl, ckind = _prepare_series(control, label="control", **kwargs)
        if ckind.kind != kind.kind or not np.array_equal(ctrl.ordinal, treated.ordinal):
            raise DataValidationError(
                "the control series must cover exactly the periods of the treated series",
                column=time,
                expected=f"{treated.time.iloc[0]} to {treated.time.iloc[-1]}",
                found=f"{ctrl.time.iloc[0]} to {ctrl.time.iloc[-1]}",
            )
        series.append(("control", ctrl))
    return series, kind


@dataclass(frozen=True)
class _Interruptions:
    """Interruption times as ``t`` (1..n), in time order, with their original time values."""

    sorted_t: list[int]
    labels: list[Any]
    main_t: int  # the programme's start
    main_k: int  # its position in ``sorted_t``
    main_label: Any  # its time value


def _resolve_interruptions(
    treated: _Series, kind: _TimeKind, interruption: Any, interruptions: Sequence[Any] | None, time: str
) -> _Interruptions:
    """Read the main and extra interruptions as periods of the treated series."""
    first, last = treated.time.iloc[0], treated.time.iloc[-1]
    origin = int(treated.ordinal[0])
    given = [("interruption", interruption)] + [
        (f"interruptions[{i}]", v) for i, v in enumerate(list(interruptions or []))
    ]
    inter_t: list[int] = []
    for key, value in given:
        ordinal = _interruption_ordinal(value, kind, key, time, first, last)
        if not np.flatnonzero(treated.ordinal == ordinal).size:
            raise ParameterError(
                f"the interruption is not a period in the data (column '{time}')",
                key=key,
                expected=f"a value between {first} and {last}",
                found=value,
            )
        tt = ordinal - origin + 1
        if tt in inter_t:
            raise ParameterError(
                "the same interruption is given twice", key=key, expected="distinct interruption times", found=value
            )
        inter_t.append(tt)
    sorted_t = [inter_t[i] for i in np.argsort(inter_t)]
    return _Interruptions(
        sorted_t=sorted_t,
        labels=[treated.time.iloc[tt - 1] for tt in sorted_t],
        main_t=inter_t[0],
        main_k=sorted_t.index(inter_t[0]),
        main_label=treated.time.iloc[inter_t[0] - 1],
    )


def _assemble_rows(series: list[tuple[str, _Series]], inter: _Interruptions, phase_in: int) -> dict[str, np.ndarray]:
    """The rows of the model (treated first, then control) as numpy arrays, one per column."""
    origin = int(series[0][1].ordinal[0])
    parts: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "group",
            "time",
            "t",
            "phase",
            "segment",
            "in_fit",
            "y",
            "trials",
            "exposure",
            "ordinal",
            "season_col",
        )
    }
    for name, s in series:
        n_s = len(s.y)
        tt = (s.ordinal - origin + 1).astype(np.int64)
        phase = np.where(tt < inter.main_t, "pre", np.where(tt < inter.main_t + phase_in, "phase_in", "post"))
        nan = np.full(n_s, np.nan)
        parts["group"].append(np.full(n_s, name, dtype=object))
        parts["time"].append(s.time.to_numpy(dtype=object))
        parts["t"].append(tt)
        parts["phase"].append(phase.astype(object))
        parts["segment"].append(np.searchsorted(np.asarray(inter.sorted_t), tt, side="right"))
        parts["in_fit"].append(phase != "phase_in")
        parts["y"].append(s.y)
        parts["trials"].append(s.trials if s.trials is not None else nan)
        parts["exposure"].append(s.exposure if s.exposure is not None else nan)
        parts["ordinal"].append(s.ordinal)
        parts["season_col"].append(s.season_column if s.season_column is not None else nan)
    return {k: np.concatenate(v) for k, v in parts.items()}


# --------------------------------------------------------------------------------------------
# Design
# --------------------------------------------------------------------------------------------


@dataclass
class _Design:
    x: np.ndarray
    names: list[str]
    x_cf: np.ndarray
    x_deseason: np.ndarray | None
    contrasts: list[dict[str, Any]]


def _season_position(
    ordinal: np.ndarray,
    t: np.ndarray,
    kind: _TimeKind,
    season_col: np.ndarray | None,
    spec: Mapping[str, Any],
    column: str | None,
) -> np.ndarray:
    period = spec["period"]
    if season_col is not None:
        bad = (season_col != np.round(season_col)) | (season_col < 1) | (season_col > period)
        if bad.any():
            raise DataValidationError(
                "season positions must be whole numbers from 1 to the period",
                column=column,
                expected=f"1..{period}",
                found=season_col[bad][0],
            )
        return season_col.astype(float)
    if kind.kind == "integer":
        return ((t - 1) % period + 1).astype(float)
    return (ordinal % period + 1).astype(float)


def _build_design(
    *,
    t: np.ndarray,
    z: np.ndarray | None,
    inter_t: list[int],
    main_k: int,
    slope_change: bool,
    shift: int,
    season_pos: np.ndarray | None,
    season_spec: Mapping[str, Any] | None,
    inter_labels: list[Any],
) -> _Design:
    """Columns: baseline_level, pre_trend, level_change[k], slope_change[k], (group terms), seasonal."""
    n = len(t)
    cols: list[np.ndarray] = [np.ones(n), t.astype(float)]
    names = ["baseline_level", "pre_trend"]
    programme: list[int] = []  # columns zeroed (in treated rows) for the counterfactual
    for k, tau in enumerate(inter_t):
        x_k = (t >= tau).astype(float)
        cols.append(x_k)
        names.append(f"level_change[{k}]")
        if slope_change:
            cols.append(x_k * (t - tau + shift))
            names.append(f"slope_change[{k}]")
    n_core = len(cols)
    controlled = z is not None
    if controlled:
        base = list(cols)
        for j in range(n_core):
            cols.append(base[j] * z)
            names.append(("group_x_" + names[j]) if j else "group")
    for j, name in enumerate(names):
        inter = _inter_index(name)
        if inter is not None and inter_t[inter] >= inter_t[main_k]:
            if (controlled and name.startswith("group_x_")) or not controlled:
                programme.append(j)
    season_idx: list[int] = []
    season_mean = None
    if season_spec is not None:
        builder = SEASONALITY_KINDS[season_spec["type"]]
        block, s_names = builder(season_pos, season_spec)
        season_idx = list(range(len(cols), len(cols) + block.shape[1]))
        cols.extend(block.T)
        names.extend(s_names)
        cycle, _ = builder(np.arange(1, season_spec["period"] + 1, dtype=float), season_spec)
        season_mean = cycle.mean(axis=0)
    x = np.column_stack(cols)
    x_cf = x.copy()
    treated_rows = np.ones(n, dtype=bool) if z is None else z == 1
    x_cf[np.ix_(np.asarray(treated_rows, dtype=bool), np.asarray(programme, dtype=np.intp))] = 0.0
    x_deseason = None
    if season_spec is not None:
        x_deseason = x.copy()
        x_deseason[:, season_idx] = season_mean
    # Wagner (R, t starting at 1): the baseline level is the intercept, at t = 0. itsa (Stata, _t
    # starting at 0 at the first point): the baseline level is _cons, the level at the first point.
    contrasts = _contrasts(names, inter_t, inter_labels, slope_change, controlled, baseline_at_first=shift == 0)
    return _Design(x, names, x_cf, x_deseason, contrasts)


def _inter_index(name: str) -> int | None:
    if "[" not in name:
        return None
    return int(name[name.index("[") + 1 : name.index("]")])


def _contrasts(
    names: list[str],
    inter_t: list[int],
    labels: list[Any],
    slope_change: bool,
    controlled: bool,
    baseline_at_first: bool = False,
) -> list[dict[str, Any]]:
    pos = {name: i for i, name in enumerate(names)}
    p = len(names)

    def vec(*terms: str) -> np.ndarray:
        v = np.zeros(p)
        for term in terms:
            v[pos[term]] += 1.0
        return v

    def block(prefix: Callable[[str], list[str]], group: str) -> list[dict[str, Any]]:
        baseline = vec(*prefix("baseline_level")) + (vec(*prefix("pre_trend")) if baseline_at_first else 0.0)
        out = [
            {
                "group": group,
                "term": "baseline_level",
                "interruption": None,
                "vector": baseline,
                "is_level": group != "difference",
            },
            {
                "group": group,
                "term": "pre_trend",
                "interruption": None,
                "vector": vec(*prefix("pre_trend")),
                "is_level": False,
            },
        ]
        trend_terms = list(prefix("pre_trend"))
        for k, label in enumerate(labels):
            out.append(
                {
                    "group": group,
                    "term": "level_change",
                    "interruption": label,
                    "vector": vec(*prefix(f"level_change[{k}]")),
                    "is_level": False,
                }
            )
            if slope_change:
                out.append(
                    {
                        "group": group,
                        "term": "slope_change",
                        "interruption": label,
                        "vector": vec(*prefix(f"slope_change[{k}]")),
                        "is_level": False,
                    }
                )
                trend_terms += prefix(f"slope_change[{k}]")
            out.append(
                {
                    "group": group,
                    "term": "post_trend",
                    "interruption": label,
                    "vector": vec(*trend_terms),
                    "is_level": False,
                }
            )
        return out

    if not controlled:
        return block(lambda term: [term], "treated")

    def diff(term: str) -> list[str]:
        return ["group"] if term == "baseline_level" else [f"group_x_{term}"]

    return (
        block(diff, "difference")
        + block(lambda term: [term] + diff(term), "treated")
        + block(lambda term: [term], "control")
    )


def _check_seasons_observed(design: _Design, in_fit: np.ndarray, season_spec: Mapping[str, Any] | None) -> None:
    """Every season indicator must be non-zero in some fitted period."""
    if season_spec is None or season_spec["type"] != "month":
        return
    x_fit = design.x[in_fit]
    for j, name in enumerate(design.names):
        if name.startswith("season_") and not x_fit[:, j].any():
            raise DataValidationError(
                f"season {name.split('_')[1]} never occurs in the fitted periods, so its indicator cannot be estimated",
                key="seasonality",
                expected="every season position in the data",
                found=f"no {name}",
            )


def _check_full_rank(x_fit: np.ndarray) -> None:
    rank = np.linalg.matrix_rank(x_fit)
    if rank < x_fit.shape[1]:
        raise DataValidationError(
            "the design matrix is rank deficient (collinear terms), so the effects are not "
            "identified; check that interruptions are not too close together",
            expected=f"{x_fit.shape[1]} estimable terms",
            found=f"rank {rank}",
        )


def _make_design(
    rows: Mapping[str, np.ndarray], kind: _TimeKind, inter: _Interruptions, options: _Options, controlled: bool
) -> _Design:
    """The design for the assembled rows, checked to be estimable on the fitted rows."""
    t_all = rows["t"]
    z = (rows["group"] == "treated").astype(float) if controlled else None
    season_spec = options.seasonality
    season_pos = None
    if season_spec is not None:
        season_pos = _season_position(
            rows["ordinal"],
            t_all,
            kind,
            rows["season_col"] if options.season_column else None,
            season_spec,
            options.season_column,
        )
    design = _build_design(
        t=t_all,
        z=z,
        inter_t=inter.sorted_t,
        main_k=inter.main_k,
        slope_change=options.slope_change,
        shift=_TIME_SINCE_SHIFT[options.time_since],
        season_pos=season_pos,
        season_spec=season_spec,
        inter_labels=inter.labels,
    )
    _check_seasons_observed(design, rows["in_fit"], season_spec)
    _check_full_rank(design.x[rows["in_fit"]])
    return design


def _log_offset(rows: Mapping[str, np.ndarray], offset: str | None) -> np.ndarray:
    """The log of the offset column on every row (zeros without an offset)."""
    return np.log(rows["exposure"]) if offset is not None else np.zeros(len(rows["t"]))
