"""Phases and the points behind the limits: ``recalculate_at``, ``exclude`` and ``baseline``.

:func:`split_phases` starts a new phase (with its own limits) at every
``recalculate_at`` value; :func:`limit_rows` marks the points left out of the
calculations (``exclude``) and the points that set the limits (the first
``baseline`` points of each phase). Each of these options may be a mapping of
series keys to values in :func:`~pss_analysis.methods.spc.evaluate_spc_many`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.errors import ParameterError
from pss_analysis.methods.spc.notes import x_text
from pss_analysis.methods.spc.options import as_list
from pss_analysis.methods.spc.prepare import Prepared

__all__ = ["Phases", "LimitRows", "split_phases", "limit_rows", "per_series_values"]


@dataclass
class Phases:
    """Phases of every series; a phase is a contiguous run of points (internal)."""

    index: np.ndarray  # global phase index of every point
    count: int  # number of phases, all series together
    first: np.ndarray  # first point of every phase
    series: np.ndarray  # series of every phase
    number: np.ndarray  # 1, 2, ... within its series, of every point


@dataclass
class LimitRows:
    """Which points the limits are calculated from (internal)."""

    excluded: np.ndarray  # left out by ``exclude``; still plotted and tested
    base: np.ndarray  # used for the limits: included, in the baseline window, not missing
    calc: np.ndarray  # as base, but keeps missing rows (NaN) so moving ranges do not bridge gaps

    @property
    def included(self) -> np.ndarray:
        return ~self.excluded


def split_phases(prep: Prepared, recalculate_at: Any) -> Phases:
    """Phases of every series: a new one at each ``recalculate_at`` value (notes any that start none)."""
    size = prep.gid.size
    breaks = _phase_breaks(prep, recalculate_at)
    series_start = np.ones(size, dtype=bool)
    series_start[1:] = prep.gid[1:] != prep.gid[:-1]
    phase = np.cumsum(series_start | breaks) - 1  # global phase index
    n_phases = int(phase[-1]) + 1 if size else 0
    phase_first = np.flatnonzero(series_start | breaks)
    series_first_phase = np.full(len(prep.key_list), 0)
    if size:
        series_first_phase[prep.gid[np.flatnonzero(series_start)]] = phase[series_start]
    phase_number = phase - series_first_phase[prep.gid] + 1  # 1, 2, ... within the series
    return Phases(phase, n_phases, phase_first, prep.gid[phase_first], phase_number)


def limit_rows(prep: Prepared, phases: Phases, options: Mapping[str, Any]) -> LimitRows:
    """The points left out (``exclude``) and the points that set the limits (``baseline`` window)."""
    size = prep.gid.size
    excluded = _excluded(prep, options["exclude"])
    baseline = per_series_values(options["baseline"], prep.key_list, np.inf)
    position = np.arange(size) - phases.first[phases.index] if size else np.zeros(0, dtype=int)
    calc = ~excluded & (position < baseline[prep.gid])
    if options["mr_across_gaps"]:
        calc &= ~prep.missing
    return LimitRows(excluded, calc & ~prep.missing, calc)


def per_series_values(option: Any, key_list: list[Hashable], default: float) -> np.ndarray:
    """Value of a scalar option (target, baseline) for every series; ``default`` where None."""
    per = np.full(len(key_list), default, dtype=float)
    for value, series in _per_series(option, key_list):
        if value is None:
            continue
        if series is None:
            per[:] = value
        else:
            per[series] = value
    return per


# --- series-wise options ------------------------------------------------------------------------------


def _per_series(option: Any, key_list: list[Hashable]) -> list[tuple[Any, np.ndarray | None]]:
    """(value, series indices or None for all) pairs of an option that may be a mapping of series keys."""
    if isinstance(option, Mapping):
        index = {k: i for i, k in enumerate(key_list)}
        out: list[tuple[Any, np.ndarray | None]] = []
        for k, v in option.items():
            if k not in index:
                raise ParameterError("unknown series key", key=str(k), expected="a key of the by columns", found=k)
            out.append((v, np.array([index[k]])))
        return out
    return [(option, None)] if option is not None else []


def _series_bounds(gid: np.ndarray, n_series: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(gid, minlength=n_series)
    ends = np.cumsum(counts)
    return ends - counts, ends


def _rows_of(series: np.ndarray | None, starts: np.ndarray, ends: np.ndarray, size: int) -> np.ndarray:
    if series is None:
        return np.arange(size)
    return np.concatenate([np.arange(starts[g], ends[g]) for g in series])


def _is_position(raw: Any, xs: pd.Series) -> bool:
    """An integer given for a non-numeric x (dates, text) is a 1-based position in the series."""
    numeric_x = pd.api.types.is_numeric_dtype(xs.dtype) and not pd.api.types.is_bool_dtype(xs.dtype)
    return isinstance(raw, (int, np.integer)) and not isinstance(raw, (bool, np.bool_)) and not numeric_x


def _coerce_x(value: Any, xs: pd.Series, option: str) -> Any:
    """An option's x value as the type of the x column (a date for dates, ...)."""
    dtype = xs.dtype
    try:
        if pd.api.types.is_datetime64_any_dtype(dtype):
            out = pd.Timestamp(value)
            tz = getattr(dtype, "tz", None)
            if tz is not None and out.tzinfo is None:
                out = out.tz_localize(tz)
            return out
        if pd.api.types.is_timedelta64_dtype(dtype):
            return pd.Timedelta(value)
        if isinstance(dtype, pd.PeriodDtype):
            return pd.Period(value, freq=dtype.freq)
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
            if isinstance(value, (str, bytes, bool)):
                raise ValueError
            return float(value)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{option} value cannot be compared with the x values",
            key=option,
            expected=f"a value like the x column ({dtype})",
            found=value,
        ) from None
    return value


# --- recalculations and exclusions ---------------------------------------------------------------------


def _phase_breaks(prep: Prepared, recalculate_at: Any) -> np.ndarray:
    """First point of every new phase: the first point with x at or after each ``recalculate_at`` value."""
    size = prep.gid.size
    breaks = np.zeros(size, dtype=bool)
    starts, ends = _series_bounds(prep.gid, len(prep.key_list))
    position = np.arange(size) - starts[prep.gid] + 1
    for option, series in _per_series(recalculate_at, prep.key_list):
        for raw in as_list(option):
            rows = _rows_of(series, starts, ends, size)
            _mark_break(prep, breaks, rows, _at_or_after(prep, raw, rows, position), raw)
    return breaks


def _at_or_after(prep: Prepared, raw: Any, rows: np.ndarray, position: np.ndarray) -> np.ndarray:
    """Points of ``rows`` at or after one ``recalculate_at`` value (at it, when x is not orderable)."""
    if _is_position(raw, prep.x):
        cond = position[rows] >= raw
    else:
        r = _coerce_x(raw, prep.x, "recalculate_at")
        xs = prep.x.iloc[rows]
        cond = ((xs >= r) if prep.sortable else (xs == r)).to_numpy(dtype=bool)
    if not cond.any():
        raise ParameterError(
            "recalculate_at value is after the last x value"
            if prep.sortable
            else "recalculate_at value is not one of the x values",
            key="recalculate_at",
            column=prep.x_name,
            expected="an x value within the series",
            found=raw,
        )
    return cond


def _mark_break(prep: Prepared, breaks: np.ndarray, rows: np.ndarray, cond: np.ndarray, raw: Any) -> None:
    """Mark the first point of each series meeting ``cond``; note series where that is the first point."""
    g = prep.gid[rows]
    prev = np.zeros(rows.size, dtype=bool)
    same = np.zeros(rows.size, dtype=bool)
    prev[1:] = cond[:-1]
    same[1:] = g[1:] == g[:-1]
    first_hit = cond & ~(prev & same)
    breaks[rows[first_hit & same]] = True
    for gg in np.unique(g[first_hit & ~same]):
        prep.messages[gg].append(
            f"recalculate_at {x_text(raw)} is at or before the first point, so it starts no new phase."
        )


def _excluded(prep: Prepared, exclude: Any) -> np.ndarray:
    """Points left out of the calculations: x values, or 1-based positions when x is not numeric."""
    size = prep.gid.size
    mask = np.zeros(size, dtype=bool)
    starts, ends = _series_bounds(prep.gid, len(prep.key_list))
    position = np.arange(size) - starts[prep.gid] + 1
    for option, series in _per_series(exclude, prep.key_list):
        rows = _rows_of(series, starts, ends, size)
        for raw in as_list(option):
            if _is_position(raw, prep.x):
                hit = position[rows] == raw
            else:
                hit = prep.x.iloc[rows].isin([_coerce_x(raw, prep.x, "exclude")]).to_numpy(dtype=bool)
            if not hit.any():
                raise ParameterError(
                    "exclude value is not one of the x values",
                    key="exclude",
                    column=prep.x_name,
                    expected="x values (or 1-based positions) of the series",
                    found=raw,
                )
            mask[rows[hit]] = True
    return mask
