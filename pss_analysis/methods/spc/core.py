"""Evaluate SPC charts: one series (:func:`evaluate_spc`) or many (:func:`evaluate_spc_many`).

Both run the same engine over flat arrays: all series are sorted by (series,
x) into one long array, phases are contiguous runs of it, and every chart,
rule and summary is computed with numpy segment operations (``np.bincount``,
cumulative sums over change points), never by looping over points.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any, Hashable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from pss_analysis.errors import DataValidationError, InsufficientDataError, ParameterError
from pss_analysis.methods.spc.charts import CHARTS, ChartInput, ChartSpec
from pss_analysis.methods.spc.constants import (MDC_MIN_POINTS, MDC_SHIFT_LENGTH, MDC_TREND_LENGTH, MR_SCREEN_FACTOR, SCREENED_BY_DEFAULT,
                        SIGMA_LIMIT)
from pss_analysis.methods.spc.rules import HIGH, LOW, RULE_SETS, RuleInput, RuleSet, anhoej_statistics, rule_outside_limits

__all__ = [
    "SpcResult",
    "SpcManyResult",
    "evaluate_spc",
    "evaluate_spc_many",
    "POINT_TYPES",
    "IMPROVEMENT_DIRECTIONS",
    "CONFLICT_POLICIES",
    "ASSURANCE_TYPES",
    "VARIATION_TYPES",
    "NHSR_PRECEDENCE",
]

POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neither",
)
"""Values of ``points.point_type`` (MDC colours grey, blue, orange, purple)."""

VARIATION_TYPES = POINT_TYPES + ("none",)
"""Values of ``summary().variation_type``; "none" when the phase has too few points for limits."""

ASSURANCE_TYPES = ("pass", "fail", "hit_or_miss", "none")
"""Values of ``summary().assurance_type``."""

IMPROVEMENT_DIRECTIONS = {"increase": 1, "decrease": -1, "neither": 0}
"""Improvement directions by name, as the sign of a good change."""

CONFLICT_POLICIES = {
    "improvement": "a point that is both improvement and concern shows as improvement (MDC Excel tool)",
    "concern": "a point that is both improvement and concern shows as concern",
    "hierarchy": "the highest-precedence rule that flags the point decides (MDC rule-clash note: trend, shift, "
    "two of three, single point); improvement if that rule flags both ways",
    "nhsrplotthedots": "the first rule in the order single point, trend, two of three, shift decides; the point "
    "shared by a falling and a rising trend takes the direction of the next step (NHSRplotthedots >= 0.2)",
    "side_of_mean": "every special-cause point is classified by its side of the centre line, ignoring rule "
    "directions (NHSRplotthedots before 0.2); a point on the line counts as concern",
}
"""Rule-clash policies by name."""

NHSR_PRECEDENCE = ("rule_outside_limits", "rule_trend", "rule_two_of_three", "rule_shift")
"""Rule order of NHSRplotthedots' ``ptd_special_cause_type`` (used by ``conflict='nhsrplotthedots'``)."""

_COMMON, _IMPROVEMENT, _CONCERN, _NEITHER = range(4)
_MAX_LISTED = 6  # x values listed in a message before "..."


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpcResult:
    """The evaluation of one series.

    Attributes
    ----------
    points:
        One row per point: ``x, y, n, value, phase, centre_line, lcl, ucl,
        lower_2sigma, upper_2sigma`` (plus ``lower_1sigma, upper_1sigma`` for
        the Western Electric and Nelson rules), ``excluded``,
        ``used_for_limits``, one boolean column per rule, ``special_cause``
        and ``point_type`` (one of :data:`POINT_TYPES`).
    phases:
        The per-phase summary returned by :meth:`summary`.
    specification:
        The analysis options used, after defaults were resolved.
    messages:
        Plain-English notes (missing values skipped, too few points, ...).
    """

    points: pd.DataFrame
    phases: pd.DataFrame
    specification: Mapping[str, Any]
    messages: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """One row per phase.

        Columns: ``phase, x_start, x_end, n_points, n_excluded,
        n_used_for_limits, n_useful, centre_line, lcl, ucl, lower_2sigma,
        upper_2sigma`` (limits are the phase's mean when they vary by point),
        ``limits_shown, longest_run, longest_run_limit, crossings,
        crossings_limit, runs_signal`` (Anhoej runs analysis),
        ``n_outside_limits, n_special_cause``, ``variation_type`` and
        ``variation_direction`` (from the last point of the phase, MDC icon
        semantics), ``target`` and ``assurance_type`` (pass / fail /
        hit_or_miss / none, against the limits at the phase's last point).
        """
        return self.phases.copy()


@dataclass(frozen=True)
class SpcManyResult:
    """The evaluation of many series at once (see :func:`evaluate_spc_many`).

    ``points`` and ``phases`` are as in :class:`SpcResult` with the ``by``
    columns first; ``messages`` prefixes every note with its series key.
    """

    by: tuple[str, ...]
    points: pd.DataFrame
    phases: pd.DataFrame
    specification: Mapping[str, Any]
    messages: tuple[str, ...] = ()
    series_messages: Mapping[Hashable, tuple[str, ...]] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per series and phase (``by`` columns first)."""
        return self.phases.copy()

    def keys(self) -> list[Hashable]:
        """The series keys (scalars for one ``by`` column, tuples for several)."""
        keys = self.phases[list(self.by)].drop_duplicates()
        if len(self.by) == 1:
            return keys[self.by[0]].tolist()
        return list(keys.itertuples(index=False, name=None))

    def series(self, key: Hashable) -> SpcResult:
        """The :class:`SpcResult` of one series."""
        values = key if isinstance(key, tuple) and len(self.by) > 1 else (key,)
        if len(values) != len(self.by):
            raise ParameterError(
                "series key has the wrong number of parts", key="key", expected=len(self.by), found=key
            )

        def select(frame: pd.DataFrame) -> pd.DataFrame:
            mask = np.ones(len(frame), dtype=bool)
            for col, val in zip(self.by, values):
                mask &= (frame[col] == val).to_numpy()
            return frame.loc[mask].drop(columns=list(self.by)).reset_index(drop=True)

        phases = select(self.phases)
        if phases.empty:
            raise ParameterError("no series with this key", key="key", expected="one of keys()", found=key)
        lookup = key if len(self.by) > 1 else values[0]
        return SpcResult(
            select(self.points), phases, dict(self.specification), tuple(self.series_messages.get(lookup, ()))
        )

    def __len__(self) -> int:
        return len(self.keys())


# --- option handling ---------------------------------------------------------------------------


def _lookup(registry: Mapping[str, Any], name: Any, what: str) -> Any:
    if not isinstance(name, str) or name not in registry:
        raise ParameterError(
            f"unknown {what}", key=what, expected="one of " + ", ".join(sorted(registry)), found=name
        )
    return registry[name]


def _check_int(value: Any, name: str, minimum: int, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(f"{name} must be a whole number of at least {minimum}", key=name,
                             expected=f"an integer >= {minimum}", found=value)
    return int(value)


def _resolve_options(options: dict[str, Any], per_series: bool) -> tuple[dict[str, Any], ChartSpec, RuleSet]:
    chart = _lookup(CHARTS, options["chart"], "chart")
    rule_set = _lookup(RULE_SETS, options["rules"], "rules")
    _lookup(IMPROVEMENT_DIRECTIONS, options["improvement_direction"], "improvement_direction")
    _lookup(CONFLICT_POLICIES, options["conflict"], "conflict")
    _check_int(options["shift_length"], "shift_length", 2)
    _check_int(options["trend_length"], "trend_length", 2)
    _check_int(options["min_points"], "min_points", 0)
    multiply = options["multiply"]
    if isinstance(multiply, bool) or not isinstance(multiply, (int, float, np.number)) or not np.isfinite(multiply) or multiply <= 0:
        raise ParameterError("multiply must be a positive number", key="multiply", expected="a number > 0", found=multiply)
    if options["screen_outliers"] is None:  # the chart's reference behaviour
        options["screen_outliers"] = options["chart"] in SCREENED_BY_DEFAULT
    for flag in ("screen_outliers", "rules_across_phases", "mr_across_gaps"):
        if not isinstance(options[flag], (bool, np.bool_)):
            raise ParameterError(f"{flag} must be True or False", key=flag, expected="True or False", found=options[flag])
    for name in ("target", "baseline", "recalculate_at", "exclude"):
        if isinstance(options[name], Mapping) and not per_series:
            raise ParameterError(
                f"{name} may be a mapping of series keys only in evaluate_spc_many", key=name,
                expected="a single value", found=type(options[name]).__name__,
            )
    baselines = options["baseline"].values() if isinstance(options["baseline"], Mapping) else [options["baseline"]]
    for b in baselines:
        _check_int(b, "baseline", 1, allow_none=True)
    targets = options["target"].values() if isinstance(options["target"], Mapping) else [options["target"]]
    for t in targets:
        if t is not None and (isinstance(t, bool) or not isinstance(t, (int, float, np.number)) or not np.isfinite(t)):
            raise ParameterError("target must be a finite number", key="target", expected="a number", found=t)
    return options, chart, rule_set


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


# --- data preparation ----------------------------------------------------------------------------


@dataclass
class _Prepared:
    gid: np.ndarray
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


def _by_series(mask: np.ndarray, gid: np.ndarray) -> dict[int, np.ndarray]:
    """Positions where ``mask`` is true, grouped by series index (no loop over series)."""
    idx = np.flatnonzero(mask)
    if not idx.size:
        return {}
    idx = idx[np.argsort(gid[idx], kind="stable")]
    g = gid[idx]
    cuts = np.flatnonzero(np.diff(g)) + 1
    return {int(gg[0]): ii for gg, ii in zip(np.split(g, cuts), np.split(idx, cuts))}


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _row_arg(label: Any) -> int | None:
    return int(label) if isinstance(label, (int, np.integer)) and not isinstance(label, bool) else None


def _series_text(prep_keys: list[Hashable], gid: int, by: Sequence[str]) -> str:
    if not by:
        return ""
    return f" in series {prep_keys[gid]!r}"


def _fmt_x(values: Iterable[Any]) -> str:
    values = list(values)
    shown = [_x_text(v) for v in values[:_MAX_LISTED]]
    return ", ".join(shown) + (", ..." if len(values) > _MAX_LISTED else "")


def _x_text(v: Any) -> str:
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d") if v == v.normalize() else str(v)
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _numeric_column(data: pd.DataFrame, column: str, x_text: pd.Series | None) -> np.ndarray:
    raw = data[column]
    if pd.api.types.is_bool_dtype(raw.dtype):
        return raw.to_numpy(dtype=float)
    values = pd.to_numeric(raw, errors="coerce")
    bad = raw.notna().to_numpy() & values.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        label = data.index[pos]
        where = f" at x={_x_text(x_text.iloc[pos])}" if x_text is not None else ""
        raise DataValidationError(
            f"value is not a number{where}", column=column, row=_row_arg(label),
            expected="numbers", found=raw.iloc[pos],
        )
    out = values.to_numpy(dtype=float, na_value=np.nan)
    inf = np.isinf(out)
    if inf.any():
        pos = int(np.flatnonzero(inf)[0])
        raise DataValidationError(
            "value is infinite", column=column, row=_row_arg(data.index[pos]), expected="finite numbers", found=out[pos]
        )
    return out


def _normalise_x(xs: pd.Series) -> pd.Series:
    """Python ``date``/``datetime`` objects in an object column become datetimes, so they sort."""
    if xs.dtype == object:
        present = xs.dropna()
        if len(present) and all(isinstance(v, (datetime.date, np.datetime64)) for v in present):
            return pd.to_datetime(xs)
    return xs


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


def _prepare(data: Any, y: str, n: str | None, x: str | None, by: tuple[str, ...], chart: ChartSpec) -> _Prepared:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError("data must be a pandas DataFrame", key="data", expected="DataFrame", found=type(data).__name__)
    for role, col in (("y", y), ("n", n), ("x", x)) + tuple(("by", b) for b in by):
        if col is None:
            continue
        if not isinstance(col, str) or col not in data.columns:
            raise ParameterError(
                f"{role} column not found in data", key=role, column=str(col),
                expected="one of " + ", ".join(map(str, data.columns)), found=col,
            )
    if chart.subgrouped and x is None:
        raise ParameterError(
            f"the {chart.name} chart needs an x column identifying the subgroups", key="x",
            expected="a column name", found=None,
        )
    if chart.denominator == "required" and n is None:
        raise ParameterError(f"the {chart.name} chart needs a denominator column n", key="n", expected="a column name", found=None)
    if chart.denominator == "forbidden" and n is not None:
        raise ParameterError(
            f"the {chart.name} chart takes no denominator column n", key="n", expected=None, found=n
        )

    frame = data.reset_index(drop=True)
    labels_all = data.index.to_numpy()
    nrows = len(frame)

    # series
    if by:
        for b in by:
            if frame[b].isna().any():
                pos = int(np.flatnonzero(frame[b].isna().to_numpy())[0])
                raise DataValidationError("series key is missing", column=b, row=_row_arg(labels_all[pos]),
                                          expected="a value in every row", found=None)
        gid_all = frame.groupby(list(by), sort=True).ngroup().to_numpy()
        first = np.unique(gid_all, return_index=True)[1]
        keys = frame.loc[first, list(by)].reset_index(drop=True)
        key_list = keys[by[0]].tolist() if len(by) == 1 else list(keys.itertuples(index=False, name=None))
    else:
        gid_all = np.zeros(nrows, dtype=np.int64)
        keys = pd.DataFrame(index=range(1 if nrows else 0))
        key_list = [None] if nrows else []
    n_series = len(key_list)
    messages: list[list[str]] = [[] for _ in range(n_series)]

    # x
    if x is None:
        xs_all = pd.Series(frame.groupby(gid_all).cumcount().to_numpy() + 1, dtype="int64")
        x_name = "x"
    else:
        xs_all = _normalise_x(frame[x])
        x_name = x
        missing_x = xs_all.isna().to_numpy()
        if missing_x.any():
            for g, idx in _by_series(missing_x, gid_all).items():
                rows = labels_all[idx]
                messages[g].append(
                    f"{rows.size} row{'s' if rows.size != 1 else ''} with a missing '{x}' value skipped "
                    f"(row{'s' if rows.size != 1 else ''} {_fmt_x(rows)})."
                )
            keep = ~missing_x
            frame = frame.loc[keep].reset_index(drop=True)
            labels_all = labels_all[keep]
            gid_all = gid_all[keep]
            xs_all = xs_all[keep].reset_index(drop=True)

    y_all = _numeric_column(frame, y, xs_all)
    n_all = _numeric_column(frame, n, xs_all) if n is not None else np.full(len(frame), np.nan)

    # sort by series, then x
    sortable = _is_sortable(xs_all)
    if sortable:
        codes = pd.factorize(xs_all, sort=True)[0]
        order = np.lexsort((codes, gid_all))
    else:
        codes = pd.factorize(xs_all, sort=False)[0]
        order = np.argsort(gid_all, kind="stable")
    if x is not None and order.size > 1:
        g_sorted = gid_all[order]
        backwards = (np.diff(order) < 0) & (g_sorted[1:] == g_sorted[:-1])
        for g in np.unique(g_sorted[1:][backwards]):
            messages[g].append(f"Rows were not in '{x}' order; they were sorted by '{x}'.")
    gid = gid_all[order]
    codes = codes[order]
    xs = xs_all.iloc[order].reset_index(drop=True)
    ys = y_all[order]
    ns = n_all[order]
    labels = labels_all[order]

    if chart.subgrouped:
        return _aggregate_subgroups(gid, codes, xs, ys, labels, keys, key_list, sortable, x_name, messages, y, by)

    # one row per x
    if ys.size > 1:
        by_code = np.lexsort((codes, gid))  # equal x values side by side even when x is not orderable
        dup = (gid[by_code][1:] == gid[by_code][:-1]) & (codes[by_code][1:] == codes[by_code][:-1])
        if dup.any():
            pos = int(by_code[np.flatnonzero(dup)[0] + 1])
            count = int(np.sum((gid == gid[pos]) & (codes == codes[pos])))
            raise DataValidationError(
                f"x value {_x_text(xs.iloc[pos])} appears {count} times{_series_text(key_list, gid[pos], by)}",
                column=x_name, row=_row_arg(labels[pos]),
                expected="one row per x value (aggregate the data first)", found=xs.iloc[pos],
            )

    missing = np.isnan(ys) | (np.isnan(ns) if n is not None else False)
    _validate_values(chart, ys, ns, n, y, missing, xs, labels, gid, key_list, by, x_name)
    value = ys / ns if n is not None else ys.copy()
    value[missing] = np.nan
    if missing.any():
        cols = f"'{y}'" + (f" or '{n}'" if n is not None else "")
        for g, idx in _by_series(missing, gid).items():
            messages[g].append(
                f"{idx.size} missing value{'s' if idx.size != 1 else ''} in {cols} skipped "
                f"({x_name} = {_fmt_x(xs.iloc[idx])})."
            )
    return _Prepared(gid, xs, ys, ns, np.full(ys.size, np.nan), value, missing, labels, keys, key_list,
                     sortable, x_name, messages)


def _validate_values(chart, ys, ns, n, y, missing, xs, labels, gid, key_list, by, x_name) -> None:
    ok = ~missing

    def fail(mask: np.ndarray, column: str, message: str, expected: str, values: np.ndarray) -> None:
        bad = mask & ok
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataValidationError(
                f"{message} at {x_name}={_x_text(xs.iloc[pos])}{_series_text(key_list, gid[pos], by)}",
                column=column, row=_row_arg(labels[pos]), expected=expected, found=_plain(values[pos]),
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


def _plain(v: Any) -> Any:
    if isinstance(v, (np.floating, float)) and float(v).is_integer():
        return int(v)
    return v.item() if isinstance(v, np.generic) else v


def _aggregate_subgroups(gid, codes, xs, ys, labels, keys, key_list, sortable, x_name, messages, y, by) -> _Prepared:
    """One point per (series, x) subgroup: size, mean and standard deviation of its observations."""
    size = ys.size
    start = np.ones(size, dtype=bool)
    if size > 1:
        start[1:] = (gid[1:] != gid[:-1]) | (codes[1:] != codes[:-1])
    if not sortable and size:
        # x values not sortable: subgroups in order of first appearance, rows of a subgroup may be apart
        order = np.lexsort((codes, gid))
        gid, codes, xs, ys, labels = gid[order], codes[order], xs.iloc[order].reset_index(drop=True), ys[order], labels[order]
        start = np.ones(size, dtype=bool)
        start[1:] = (gid[1:] != gid[:-1]) | (codes[1:] != codes[:-1])
    sub = np.cumsum(start) - 1
    first = np.flatnonzero(start)
    n_sub = first.size
    obs = ~np.isnan(ys)
    count = np.bincount(sub[obs], minlength=n_sub).astype(float)
    total = np.bincount(sub[obs], weights=ys[obs], minlength=n_sub)
    mean = np.full(n_sub, np.nan)
    np.divide(total, count, out=mean, where=count > 0)
    dev2 = np.bincount(sub[obs], weights=(ys[obs] - mean[sub[obs]]) ** 2, minlength=n_sub)
    sd = np.full(n_sub, np.nan)
    np.divide(dev2, count - 1, out=sd, where=count > 1)
    sd = np.sqrt(sd)
    sgid = gid[first]
    missing = count == 0
    if (~obs).any():
        empties = _by_series(missing, sgid)
        for g, idx in _by_series(~obs, gid).items():
            k = idx.size
            empty = empties.get(g, np.zeros(0, dtype=int))
            text = f"{k} missing observation{'s' if k != 1 else ''} in '{y}' skipped"
            if empty.size:
                text += (f"; {empty.size} subgroup{'s' if empty.size != 1 else ''} with no observations "
                         f"({x_name} = {_fmt_x(xs.iloc[first[empty]])}) skipped")
            messages[g].append(text + ".")
    return _Prepared(sgid, xs.iloc[first].reset_index(drop=True), mean, count, sd, mean.copy(), missing,
                     labels[first], keys, key_list, sortable, x_name, messages)


# --- phases, exclusions, baselines ------------------------------------------------------------------


def _coerce_x(value: Any, xs: pd.Series, option: str) -> Any:
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
            f"{option} value cannot be compared with the x values", key=option,
            expected=f"a value like the x column ({dtype})", found=value,
        ) from None
    return value


def _series_bounds(gid: np.ndarray, n_series: int) -> tuple[np.ndarray, np.ndarray]:
    counts = np.bincount(gid, minlength=n_series)
    ends = np.cumsum(counts)
    return ends - counts, ends


def _per_series(option: Any, key_list: list[Hashable]) -> list[tuple[Any, np.ndarray | None]]:
    """(value, series indices or None for all) pairs of an option that may be a mapping of series keys."""
    if isinstance(option, Mapping):
        index = {k: i for i, k in enumerate(key_list)}
        out = []
        for k, v in option.items():
            if k not in index:
                raise ParameterError("unknown series key", key=str(k), expected="a key of the by columns", found=k)
            out.append((v, np.array([index[k]])))
        return out
    return [(option, None)] if option is not None else []


def _is_position(raw: Any, xs: pd.Series) -> bool:
    """An integer given for a non-numeric x (dates, text) is a 1-based position in the series."""
    numeric_x = pd.api.types.is_numeric_dtype(xs.dtype) and not pd.api.types.is_bool_dtype(xs.dtype)
    return isinstance(raw, (int, np.integer)) and not isinstance(raw, (bool, np.bool_)) and not numeric_x


def _rows_of(series: np.ndarray | None, starts: np.ndarray, ends: np.ndarray, size: int) -> np.ndarray:
    if series is None:
        return np.arange(size)
    return np.concatenate([np.arange(starts[g], ends[g]) for g in series])


def _phase_breaks(prep: _Prepared, recalculate_at: Any, n_series: int) -> tuple[np.ndarray, list[list[str]]]:
    """First point of every new phase: the first point with x at or after each ``recalculate_at`` value."""
    size = prep.gid.size
    breaks = np.zeros(size, dtype=bool)
    starts, ends = _series_bounds(prep.gid, n_series)
    position = np.arange(size) - starts[prep.gid] + 1
    for option, series in _per_series(recalculate_at, prep.key_list):
        for raw in _as_list(option):
            rows = _rows_of(series, starts, ends, size)
            if _is_position(raw, prep.x):
                cond = position[rows] >= raw
            else:
                r = _coerce_x(raw, prep.x, "recalculate_at")
                xs = prep.x.iloc[rows]
                cond = ((xs >= r) if prep.sortable else (xs == r)).to_numpy(dtype=bool)
            if not cond.any():
                raise ParameterError(
                    "recalculate_at value is after the last x value" if prep.sortable
                    else "recalculate_at value is not one of the x values",
                    key="recalculate_at", column=prep.x_name, expected="an x value within the series", found=raw,
                )
            g = prep.gid[rows]
            prev = np.zeros(rows.size, dtype=bool)
            same = np.zeros(rows.size, dtype=bool)
            prev[1:] = cond[:-1]
            same[1:] = g[1:] == g[:-1]
            first_hit = cond & ~(prev & same)
            breaks[rows[first_hit & same]] = True
            for gg in np.unique(g[first_hit & ~same]):
                prep.messages[gg].append(
                    f"recalculate_at {_x_text(raw)} is at or before the first point, so it starts no new phase."
                )
    return breaks, prep.messages


def _excluded(prep: _Prepared, exclude: Any, n_series: int) -> np.ndarray:
    """Points left out of the calculations: x values, or 1-based positions when x is not numeric."""
    size = prep.gid.size
    mask = np.zeros(size, dtype=bool)
    starts, ends = _series_bounds(prep.gid, n_series)
    position = np.arange(size) - starts[prep.gid] + 1
    for option, series in _per_series(exclude, prep.key_list):
        rows = _rows_of(series, starts, ends, size)
        for raw in _as_list(option):
            if _is_position(raw, prep.x):
                hit = position[rows] == raw
            else:
                hit = prep.x.iloc[rows].isin([_coerce_x(raw, prep.x, "exclude")]).to_numpy(dtype=bool)
            if not hit.any():
                raise ParameterError(
                    "exclude value is not one of the x values", key="exclude", column=prep.x_name,
                    expected="x values (or 1-based positions) of the series", found=raw,
                )
            mask[rows[hit]] = True
    return mask


def _per_series_values(option: Any, key_list: list[Hashable], default: float) -> np.ndarray:
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


# --- classification -------------------------------------------------------------------------------------


def _classify(
    bits: dict[str, np.ndarray],
    rule_set: RuleSet,
    direction: int,
    conflict: str,
    side: np.ndarray,
    value: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Special-cause flag, point-type code and signal direction (+1 high, -1 low, 0) of every point."""
    size = side.size
    combined = np.zeros(size, dtype=np.uint8)
    for b in bits.values():
        combined |= b
    special = combined != 0
    high = (combined & HIGH) != 0
    low = (combined & LOW) != 0

    if conflict in ("hierarchy", "nhsrplotthedots"):
        # the first rule (in precedence order) that flags the point with a direction decides
        order = NHSR_PRECEDENCE if conflict == "nhsrplotthedots" and set(NHSR_PRECEDENCE) <= set(bits) else rule_set.precedence
        chosen = np.zeros(size, dtype=np.uint8)
        for name in order:
            directional = bits[name] & (HIGH | LOW)
            chosen = np.where(chosen == 0, directional, chosen).astype(np.uint8)
        c_high = (chosen & HIGH) != 0
        c_low = (chosen & LOW) != 0
        if conflict == "nhsrplotthedots":
            # the point shared by a falling and a rising trend takes the direction of the next step
            step = np.zeros(size, dtype=np.int8)
            if size > 1:
                with np.errstate(invalid="ignore"):
                    step[:-1] = np.nan_to_num(np.sign(np.diff(value))).astype(np.int8)
            turning = c_high & c_low
            c_high = np.where(turning, step > 0, c_high)
            c_low = np.where(turning, step < 0, c_low)
        has = chosen != 0
        high = np.where(has, c_high, high)
        low = np.where(has, c_low, low)

    code = np.full(size, _COMMON, dtype=np.int8)
    code[special] = _NEITHER
    if direction == 0:
        signal = np.where(high & ~low, 1, np.where(low & ~high, -1, np.where(special, side, 0)))
        return special, code, signal.astype(np.int8)
    good, bad = (high, low) if direction > 0 else (low, high)
    if conflict == "side_of_mean":
        improve = special & (side == direction)
        concern = special & ~improve
    else:
        improve = good & ~(bad & (conflict == "concern"))
        concern = bad & ~(good & (conflict != "concern"))
    code[improve] = _IMPROVEMENT
    code[concern] = _CONCERN
    signal = np.where(improve, direction, np.where(concern, -direction, np.where(special, side, 0)))
    return special, code, signal.astype(np.int8)


# --- the engine --------------------------------------------------------------------------------------------


@dataclass
class _Evaluation:
    points: pd.DataFrame
    phases: pd.DataFrame
    messages: list[list[str]]
    key_list: list[Hashable]
    specification: dict[str, Any]


def _evaluate(data: Any, y: str, n: str | None, x: str | None, by: tuple[str, ...], options: dict[str, Any]) -> _Evaluation:
    options, chart, rule_set = _resolve_options(options, per_series=bool(by))
    direction = IMPROVEMENT_DIRECTIONS[options["improvement_direction"]]
    prep = _prepare(data, y, n, x, by, chart)
    n_series = len(prep.key_list)
    size = prep.gid.size

    # phases
    breaks, messages = _phase_breaks(prep, options["recalculate_at"], n_series)
    series_start = np.ones(size, dtype=bool)
    series_start[1:] = prep.gid[1:] != prep.gid[:-1]
    phase = np.cumsum(series_start | breaks) - 1  # global phase index
    n_phases = int(phase[-1]) + 1 if size else 0
    phase_first = np.flatnonzero(series_start | breaks)
    phase_series = prep.gid[phase_first]
    series_first_phase = np.full(n_series, 0)
    if size:
        series_first_phase[prep.gid[np.flatnonzero(series_start)]] = phase[series_start]
    phase_number = phase - series_first_phase[prep.gid] + 1  # 1, 2, ... within the series

    # exclusions, baseline window
    excluded = _excluded(prep, options["exclude"], n_series)
    included = ~excluded
    baseline = _per_series_values(options["baseline"], prep.key_list, np.inf)
    position = np.arange(size) - phase_first[phase] if size else np.zeros(0, dtype=int)
    in_window = position < baseline[prep.gid]
    calc = included & in_window
    if options["mr_across_gaps"]:
        calc &= ~prep.missing
    base = calc & ~prep.missing

    inp = ChartInput(
        prep.value, prep.y, prep.n, prep.sd, phase, n_phases, base, calc, bool(options["screen_outliers"]),
        bool(options["mr_across_gaps"]),
    )
    with np.errstate(invalid="ignore", divide="ignore"):  # e.g. Laney z-scores when every proportion is 0
        lines = chart.function(inp)
    m = float(options["multiply"])
    value = lines.value * m
    centre = lines.centre_line * m
    lower = {k: v * m for k, v in lines.lower.items()}
    upper = {k: v * m for k, v in lines.upper.items()}

    # points used for the limits, and MDC's minimum
    finite = np.isfinite(value)
    n_base = np.bincount(phase[base & finite], minlength=n_phases)
    suppressed = np.zeros(n_phases, dtype=bool)
    if rule_set.uses_min_points and chart.has_limits:
        suppressed = n_base < options["min_points"]
        hide = suppressed[phase]
        for k in lower:
            lower[k] = np.where(hide, np.nan, lower[k])
            upper[k] = np.where(hide, np.nan, upper[k])

    # notes on the limits
    multi_phase = np.bincount(phase_series, minlength=n_series) > 1
    screened = lines.screened if lines.screened is not None else np.zeros(n_phases, dtype=int)
    for p in np.flatnonzero(suppressed | (screened > 0)):
        g = phase_series[p]
        label = f"Phase {phase_number[phase_first[p]]}: " if multi_phase[g] else ""
        if suppressed[p]:
            messages[g].append(_sentence(
                f"{label}only {n_base[p]} point{'s' if n_base[p] != 1 else ''} available for the limits; at least "
                f"{options['min_points']} are needed (min_points), so no process limits are shown and every point "
                f"is treated as common cause."
            ))
        if screened[p]:
            k = int(screened[p])
            messages[g].append(
                f"{label}{k} moving range{'s' if k != 1 else ''} of at least {MR_SCREEN_FACTOR} x the mean moving "
                f"range screened out before sigma was estimated."
            )
    if chart.has_limits and size:
        ucl_ok = np.zeros(n_phases, dtype=bool)
        np.logical_or.at(ucl_ok, phase, np.isfinite(upper[SIGMA_LIMIT]))
        for p in np.flatnonzero(~ucl_ok & ~suppressed):
            g = phase_series[p]
            label = f"Phase {phase_number[phase_first[p]]}: " if multi_phase[g] else ""
            messages[g].append(_sentence(f"{label}no limits could be calculated (too few points, or no variation)."))
    if excluded.any():
        for g, idx in _by_series(excluded, prep.gid).items():
            messages[g].append(
                f"{idx.size} point{'s' if idx.size != 1 else ''} excluded from the calculations "
                f"({prep.x_name} = {_fmt_x(prep.x.iloc[idx])}); still plotted and tested."
            )

    # drop skipped (missing) points
    keep = ~prep.missing
    idx_keep = np.flatnonzero(keep)
    gid = prep.gid[keep]
    phase_k = phase[keep]
    value = value[keep]
    centre = centre[keep]
    lower = {k: v[keep] for k, v in lower.items()}
    upper = {k: v[keep] for k, v in upper.items()}
    included_k = included[keep]

    # rules
    segment = gid if options["rules_across_phases"] else phase_k
    rinp = RuleInput(
        value, centre, lower[3], upper[3], lower[1], upper[1], lower[2], upper[2], segment, phase_k, n_phases,
        included_k, int(options["shift_length"]), int(options["trend_length"]),
    )
    quiet = suppressed[phase_k]
    bits = {}
    for name, rule in rule_set.rules.items():
        b = rule(rinp)
        b[quiet] = 0
        bits[name] = b
    with np.errstate(invalid="ignore"):
        side = np.sign(value - centre)
    side = np.where(np.isfinite(side), side, 0).astype(np.int8)
    special, code, signal = _classify(bits, rule_set, direction, options["conflict"], side, value)

    # points table
    columns: dict[str, Any] = {}
    for b in by:
        columns[b] = prep.keys[b].iloc[gid].reset_index(drop=True)
    columns["x"] = prep.x.iloc[idx_keep].reset_index(drop=True)
    columns["y"] = prep.y[keep]
    columns["n"] = prep.n[keep]
    columns["value"] = value
    columns["phase"] = phase_number[keep]
    columns["centre_line"] = centre
    columns["lcl"] = lower[3]
    columns["ucl"] = upper[3]
    columns["lower_2sigma"] = lower[2]
    columns["upper_2sigma"] = upper[2]
    if rule_set.uses_1sigma:
        columns["lower_1sigma"] = lower[1]
        columns["upper_1sigma"] = upper[1]
    columns["excluded"] = excluded[keep]
    columns["used_for_limits"] = base[keep]
    for name, b in bits.items():
        columns[name] = b != 0
    columns["special_cause"] = special
    columns["point_type"] = np.asarray(POINT_TYPES, dtype=object)[code]
    points = pd.DataFrame(columns)

    phases = _summarise(
        prep, options, rinp, phase, phase_k, phase_number, phase_first, phase_series, n_phases, value, centre,
        lower, upper, excluded, base, bits, special, code, signal, suppressed, direction, by, chart,
    )
    spec = _specification(options, chart, rule_set, y, n, x, by)
    return _Evaluation(points, phases, messages, prep.key_list, spec)


def _summarise(prep, options, rinp, phase, phase_k, phase_number, phase_first, phase_series, n_phases, value,
               centre, lower, upper, excluded, base, bits, special, code, signal, suppressed, direction, by, chart):
    finite = np.isfinite(value)
    n_points = np.bincount(phase_k[finite], minlength=n_phases)
    present = np.bincount(phase_k, minlength=n_phases) > 0

    def mean_of(arr: np.ndarray) -> np.ndarray:
        ok = np.isfinite(arr)
        c = np.bincount(phase_k[ok], minlength=n_phases).astype(float)
        s = np.bincount(phase_k[ok], weights=arr[ok], minlength=n_phases)
        out = np.full(n_phases, np.nan)
        np.divide(s, c, out=out, where=c > 0)
        return out

    # last point (with a value) of every phase
    pos = np.arange(value.size)
    last = np.full(n_phases, -1)
    if value.size:
        np.maximum.at(last, phase_k, np.where(finite, pos, -1))
    has_last = last >= 0
    li = np.where(has_last, last, 0)

    limits_shown = np.zeros(n_phases, dtype=bool)
    if value.size:
        np.logical_or.at(limits_shown, phase_k, np.isfinite(upper[3]))

    var_code = np.where(has_last, code[li] if value.size else 0, _COMMON)
    variation = np.asarray(POINT_TYPES, dtype=object)[var_code]
    variation = np.where(suppressed | ~has_last, "none", variation).astype(object)
    sig = np.where(has_last, signal[li] if value.size else 0, 0)
    var_dir = np.where(var_code == _COMMON, None, np.where(sig > 0, "high", np.where(sig < 0, "low", None)))
    var_dir = np.where(variation == "none", None, var_dir).astype(object)

    target = _per_series_values(options["target"], prep.key_list, np.nan)[phase_series]
    lcl_last = np.where(has_last, lower[3][li] if value.size else np.nan, np.nan)
    ucl_last = np.where(has_last, upper[3][li] if value.size else np.nan, np.nan)
    can = np.isfinite(target) & np.isfinite(lcl_last) & np.isfinite(ucl_last) & (direction != 0)
    if direction >= 0:
        passes, fails = target < lcl_last, target > ucl_last
    else:
        passes, fails = target > ucl_last, target < lcl_last
    assurance = np.where(~can, "none", np.where(passes, "pass", np.where(fails, "fail", "hit_or_miss"))).astype(object)

    stats = anhoej_statistics(rinp)
    outside = bits.get("rule_outside_limits")
    if outside is None:
        outside = rule_outside_limits(rinp)
    n_outside = np.bincount(phase_k[outside != 0], minlength=n_phases)
    n_special = np.bincount(phase_k[special], minlength=n_phases)
    n_excluded = np.bincount(phase[excluded], minlength=n_phases)
    n_used = np.bincount(phase[base], minlength=n_phases)
    xs = prep.x
    first_x = xs.iloc[phase_first].reset_index(drop=True) if n_phases else xs.iloc[:0]
    ends = np.r_[phase_first[1:], phase.size] - 1 if n_phases else np.zeros(0, dtype=int)
    last_x = xs.iloc[ends].reset_index(drop=True) if n_phases else xs.iloc[:0]

    def as_int(a: np.ndarray) -> pd.Series:
        return pd.Series(a, dtype="float64").astype("Int64")

    cols: dict[str, Any] = {}
    for b in by:
        cols[b] = prep.keys[b].iloc[phase_series].reset_index(drop=True)
    cols["phase"] = phase_number[phase_first] if n_phases else np.zeros(0, dtype=int)
    cols["x_start"] = first_x
    cols["x_end"] = last_x
    cols["n_points"] = n_points
    cols["n_excluded"] = n_excluded
    cols["n_used_for_limits"] = n_used
    cols["n_useful"] = stats.n_useful.astype(int)
    cols["centre_line"] = mean_of(centre)
    cols["lcl"] = mean_of(lower[3])
    cols["ucl"] = mean_of(upper[3])
    cols["lower_2sigma"] = mean_of(lower[2])
    cols["upper_2sigma"] = mean_of(upper[2])
    cols["limits_shown"] = limits_shown
    cols["longest_run"] = as_int(stats.longest_run)
    cols["longest_run_limit"] = as_int(stats.longest_run_limit)
    cols["crossings"] = as_int(stats.crossings)
    cols["crossings_limit"] = as_int(stats.crossings_limit)
    cols["runs_signal"] = stats.runs_signal
    cols["n_outside_limits"] = n_outside
    cols["n_special_cause"] = n_special
    cols["variation_type"] = variation
    cols["variation_direction"] = var_dir
    cols["target"] = target
    cols["assurance_type"] = assurance
    frame = pd.DataFrame(cols)
    return frame.loc[present].reset_index(drop=True)


def _specification(options, chart, rule_set, y, n, x, by) -> dict[str, Any]:
    spec = {"y": y, "n": n, "x": x}
    if by:
        spec["by"] = list(by)
    spec.update(options)
    spec["chart_description"] = chart.description
    spec["rule_columns"] = list(rule_set.rules)
    return spec


# --- public functions ------------------------------------------------------------------------------------


def _options(**kwargs: Any) -> dict[str, Any]:
    return dict(kwargs)


def evaluate_spc(
    data: pd.DataFrame,
    y: str,
    *,
    n: str | None = None,
    x: str | None = None,
    chart: str = "xmr",
    rules: str = "mdc",
    improvement_direction: str = "increase",
    target: float | None = None,
    recalculate_at: Any = None,
    baseline: int | None = None,
    exclude: Any = None,
    multiply: float = 1,
    screen_outliers: bool | None = None,
    shift_length: int = MDC_SHIFT_LENGTH,
    trend_length: int = MDC_TREND_LENGTH,
    conflict: str = "improvement",
    min_points: int = MDC_MIN_POINTS,
    rules_across_phases: bool = True,
    mr_across_gaps: bool = False,
) -> SpcResult:
    """Evaluate one series on a control chart and classify every point.

    Parameters
    ----------
    data:
        One row per point (per observation for ``xbar`` and ``s``).
    y:
        Column of measurements, or numerators / counts.
    n:
        Optional column of denominators (needed by ``p``, ``pp``, ``u``,
        ``up``; optional for ``xmr``, ``i``, ``mr`` and ``run``, which then
        chart ``y / n``).
    x:
        Optional column for the x axis (dates, periods, numbers). Rows are
        sorted by it when it is orderable. Default: the row order, numbered
        1, 2, ... For ``xbar``/``s`` it identifies the subgroups.
    chart:
        One of :data:`~pss_analysis.methods.spc.charts.CHARTS`: ``xmr`` (Making Data
        Count), ``i``, ``mr``, ``run``, ``p``, ``pp``, ``u``, ``up``, ``c``,
        ``g``, ``t``, ``xbar``, ``s`` (qicharts2 definitions).
    rules:
        One of :data:`~pss_analysis.methods.spc.rules.RULE_SETS`: ``mdc``,
        ``anhoej``, ``western_electric``, ``nelson``.
    improvement_direction:
        ``increase``, ``decrease`` or ``neither``.
    target:
        Target for the assurance icon.
    recalculate_at:
        x value(s) at which a new phase with its own limits starts (the first
        point with x at or after the value; an integer for a non-numeric x
        is a 1-based position).
    baseline:
        Limits from the first ``baseline`` points of each phase, extended over
        the rest of the phase (NHSRplotthedots ``fix_after_n_points``).
    exclude:
        x values (1-based positions when ``x`` is not given, or integers for a
        non-numeric x) left out of the calculations; the points are still
        plotted and still tested against the rules.
    multiply:
        Multiplier of values and lines (e.g. 1000 for a rate per 1,000).
    screen_outliers:
        Drop moving ranges of at least 3.267 x their mean before estimating
        sigma (``xmr``, ``i``, ``t``, ``pp``, ``up``). ``None`` (default) follows
        each chart's reference: on for ``i`` and ``t`` (qicharts2's ``qic.i``
        always screens, Nelson 1982), off for the others (Making Data Count's
        XmR does not screen; qicharts2's Laney charts do not).
    shift_length, trend_length:
        Points needed for the MDC shift and trend rules (6; NHSRplotthedots 7).
    conflict:
        Policy for a point that is both improvement and concern; one of
        :data:`CONFLICT_POLICIES`.
    min_points:
        With the ``mdc`` rules, a phase with fewer points for its limits gets
        no limits and all its points are common cause.
    rules_across_phases:
        Let runs, trends and two-of-three windows cross a recalculation (MDC
        Excel tool). False judges every phase on its own (NHSRplotthedots).
    mr_across_gaps:
        Take moving ranges across missing values (MDC advice to leave no
        gaps). Default False: a moving range next to a missing value is
        undefined, as in qicharts2 and NHSRplotthedots.

    Returns
    -------
    SpcResult
    """
    options = _options(
        chart=chart, rules=rules, improvement_direction=improvement_direction, target=target,
        recalculate_at=recalculate_at, baseline=baseline, exclude=exclude, multiply=multiply,
        screen_outliers=screen_outliers, shift_length=shift_length, trend_length=trend_length,
        conflict=conflict, min_points=min_points, rules_across_phases=rules_across_phases,
        mr_across_gaps=mr_across_gaps,
    )
    ev = _evaluate(data, y, n, x, (), options)
    if ev.phases.empty:
        raise InsufficientDataError("no points to evaluate", column=y, expected="at least one non-missing value",
                                  found=len(data) if isinstance(data, pd.DataFrame) else None)
    return SpcResult(ev.points, ev.phases, ev.specification, tuple(ev.messages[0]))


def evaluate_spc_many(
    data: pd.DataFrame,
    y: str,
    *,
    by: str | Sequence[str],
    n: str | None = None,
    x: str | None = None,
    **options: Any,
) -> SpcManyResult:
    """Evaluate many series at once, one per combination of the ``by`` columns.

    Takes the same options as :func:`evaluate_spc`. ``target``,
    ``recalculate_at``, ``baseline`` and ``exclude`` may also be mappings from
    series key (a scalar for one ``by`` column, a tuple for several) to that
    series' value. All series are evaluated together with array operations;
    the result of each series equals :func:`evaluate_spc` on its rows.
    """
    by_cols = (by,) if isinstance(by, str) else tuple(by)
    if not by_cols:
        raise ParameterError("by needs at least one column", key="by", expected="a column name", found=by)
    defaults = dict(
        chart="xmr", rules="mdc", improvement_direction="increase", target=None, recalculate_at=None,
        baseline=None, exclude=None, multiply=1, screen_outliers=None, shift_length=MDC_SHIFT_LENGTH,
        trend_length=MDC_TREND_LENGTH, conflict="improvement", min_points=MDC_MIN_POINTS,
        rules_across_phases=True, mr_across_gaps=False,
    )
    unknown = set(options) - set(defaults)
    if unknown:
        raise ParameterError(
            "unknown option", key=sorted(unknown)[0], expected="one of " + ", ".join(sorted(defaults)),
            found=sorted(unknown)[0],
        )
    defaults.update(options)
    ev = _evaluate(data, y, n, x, by_cols, defaults)
    per_series = {k: tuple(m) for k, m in zip(ev.key_list, ev.messages)}
    flat = tuple(f"[{k}] {msg}" for k, msgs in per_series.items() for msg in msgs)
    return SpcManyResult(by_cols, ev.points, ev.phases, ev.specification, flat, per_series)
