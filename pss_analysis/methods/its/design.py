"""The design of an interrupted time series: the interruptions read as periods of the treated
series, the rows of the fit, the design matrix (with its counterfactual and deseasonalised
versions) and the contrasts that define the reported effects. The series themselves are
checked and prepared in :mod:`.series`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.methods.its.options import _TIME_SINCE_SHIFT, SEASONALITY_KINDS, _Options
from pss_analysis.methods.its.series import _Series, _TimeKind

__all__: list[str] = []  # the names here are used only inside the package

# --------------------------------------------------------------------------------------------
# Interruptions and the rows of the fit
# --------------------------------------------------------------------------------------------


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
    """The rows of the model (treated first, then each control series) as numpy arrays, one per
    column. ``unit`` names the series a row belongs to (its group, or the comparison unit's name
    when there are several control series); ``panel`` numbers the series (0 = treated), so that
    lagged products and autocorrelation never pair two series."""
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
            "unit",
            "panel",
        )
    }
    for panel, (name, s) in enumerate(series):
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
        parts["unit"].append(np.full(n_s, s.unit if s.unit is not None else name, dtype=object))
        parts["panel"].append(np.full(n_s, panel, dtype=np.int64))
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
    contrasts = _contrasts(names, inter_labels, slope_change, controlled, baseline_at_first=shift == 0)
    return _Design(x, names, x_cf, x_deseason, contrasts)


def _inter_index(name: str) -> int | None:
    if "[" not in name:
        return None
    return int(name[name.index("[") + 1 : name.index("]")])


def _contrasts(
    names: list[str],
    labels: list[Any],
    slope_change: bool,
    controlled: bool,
    baseline_at_first: bool = False,
) -> list[dict[str, Any]]:
    """The reported effects as contrast vectors over the design columns ``names``: one block per
    group (the treated series alone or, controlled, the difference, treated and control)."""
    vec = _term_vector(names)

    def block(prefix: Callable[[str], list[str]], group: str) -> list[dict[str, Any]]:
        return _group_contrasts(vec, prefix, group, labels, slope_change, baseline_at_first)

    if not controlled:
        return block(_own_terms, "treated")
    return block(_difference_terms, "difference") + block(_treated_terms, "treated") + block(_own_terms, "control")


def _own_terms(term: str) -> list[str]:
    """A group's own column for ``term`` (the single series, or the control series)."""
    return [term]


def _difference_terms(term: str) -> list[str]:
    """The column for the treated-minus-control difference in ``term``."""
    return ["group"] if term == "baseline_level" else [f"group_x_{term}"]


def _treated_terms(term: str) -> list[str]:
    """The treated series in a controlled design: the control's column plus the difference."""
    return _own_terms(term) + _difference_terms(term)


def _term_vector(names: list[str]) -> Callable[..., np.ndarray]:
    """A function giving the contrast vector that sums the named design columns."""
    pos = {name: i for i, name in enumerate(names)}

    def vec(*terms: str) -> np.ndarray:
        v = np.zeros(len(names))
        for term in terms:
            v[pos[term]] += 1.0
        return v

    return vec


def _contrast(group: str, term: str, interruption: Any, vector: np.ndarray, is_level: bool = False) -> dict[str, Any]:
    return {"group": group, "term": term, "interruption": interruption, "vector": vector, "is_level": is_level}


def _group_contrasts(
    vec: Callable[..., np.ndarray],
    prefix: Callable[[str], list[str]],
    group: str,
    labels: list[Any],
    slope_change: bool,
    baseline_at_first: bool,
) -> list[dict[str, Any]]:
    """One group's contrasts: baseline level, pre-interruption trend, then for each interruption
    the level change, slope change (if modelled) and the trend after it."""
    baseline = vec(*prefix("baseline_level")) + (vec(*prefix("pre_trend")) if baseline_at_first else 0.0)
    out = [
        _contrast(group, "baseline_level", None, baseline, is_level=group != "difference"),
        _contrast(group, "pre_trend", None, vec(*prefix("pre_trend"))),
    ]
    trend_terms = list(prefix("pre_trend"))
    for k, label in enumerate(labels):
        out.append(_contrast(group, "level_change", label, vec(*prefix(f"level_change[{k}]"))))
        if slope_change:
            out.append(_contrast(group, "slope_change", label, vec(*prefix(f"slope_change[{k}]"))))
            trend_terms += prefix(f"slope_change[{k}]")
        out.append(_contrast(group, "post_trend", label, vec(*trend_terms)))
    return out


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
