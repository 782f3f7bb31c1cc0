"""Evaluate SPC charts: one series (:func:`evaluate_spc`) or many (:func:`evaluate_spc_many`).

Both run the same engine over flat arrays: all series are sorted by (series,
x) into one long array, phases are contiguous runs of it, and every chart,
rule and summary is computed with numpy segment operations (``np.bincount``,
cumulative sums over change points), never by looping over points.

The engine is a recipe of named steps (:func:`_evaluate`): check the options,
prepare the points, split them into phases, choose the points behind the
limits, calculate the limits, note what the reader should know, test the
points against the rules, then write the points table and the phase summary.
"""

from __future__ import annotations

import inspect
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pss_analysis.errors import InsufficientDataError, ParameterError
from pss_analysis.methods.spc.limits import calculate_limits, note_limits
from pss_analysis.methods.spc.options import Settings, resolve_options
from pss_analysis.methods.spc.phases import limit_rows, split_phases
from pss_analysis.methods.spc.points import apply_rules, points_table
from pss_analysis.methods.spc.prepare import prepare
from pss_analysis.methods.spc.result import SpcManyResult, SpcResult
from pss_analysis.methods.spc.summary import summarise

__all__ = ["evaluate_spc", "evaluate_spc_many", "check_spc_options"]


def evaluate_spc(
    data: pd.DataFrame,
    y: str,
    *,
    n: str | None = None,
    x: str | None = None,
    chart: str = "xmr",
    rules: str | None = None,
    improvement_direction: str = "increase",
    target: float | None = None,
    recalculate_at: Any = None,
    baseline: int | None = None,
    exclude: Any = None,
    multiply: float = 1,
    preset: str | None = None,
    screen_outliers: bool | None = None,
    shift_length: int | None = None,
    trend_length: int | None = None,
    conflict: str | None = None,
    min_points: int | None = None,
    rules_across_phases: bool | None = None,
    mr_across_gaps: bool | None = None,
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
        ``anhoej``, ``western_electric``, ``nelson``. Default: the preset's
        (``mdc``; ``anhoej`` for ``preset="qicharts2"``).
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
    preset:
        ``"mdc_excel"``, ``"nhsrplotthedots"`` or ``"qicharts2"``: every option
        below (and ``rules``) set as the named tool does it
        (:data:`~pss_analysis.methods.spc.options.PRESETS`); an option given
        explicitly still wins. ``"mdc_excel"``: NHS England's Making Data Count
        Single Chart Tool v5 (6-point shift and trend, no screening, no limits
        below 13 points, rules across recalculations, a clash shows as
        improvement). ``"nhsrplotthedots"``: NHSRplotthedots 0.2.x (7-point
        shift and trend, screened moving ranges, every phase judged on its own,
        its order of precedence when rules clash: single point, trend, two in
        three, shift; limits for any number of points, with a note below 13).
        ``"qicharts2"``: qicharts2 0.8.1 as loaded by ``library(qicharts2)``
        (Anhoej rules, screened moving ranges on the I, T, P' and U' charts,
        runs analysis within each phase). Default ``None``: the options of
        :data:`~pss_analysis.methods.spc.options.DEFAULTS` (Making Data Count's
        rules; screening on the I and T charts only).
    screen_outliers:
        Drop moving ranges of at least 3.267 x their mean before estimating
        sigma (``xmr``, ``i``, ``t``, ``pp``, ``up``). Without a preset,
        ``None`` screens on the ``i`` and ``t`` charts (Nelson 1982) and not on
        ``xmr`` (Making Data Count's XmR does not screen) nor on Laney's
        ``pp``/``up`` (Laney 2002 takes sigma_z from every moving range).
        qicharts2 0.8.1 screens ``qic.i``, ``qic.t``, ``qic.pp`` and ``qic.up``
        alike when its option ``qic.screenedmr`` is on, which
        ``library(qicharts2)`` sets when the package loads, and none of them
        when it is off: ``preset="qicharts2"`` screens all four.
    shift_length, trend_length:
        Points needed for the MDC shift and trend rules (6; NHSRplotthedots 7).
    conflict:
        Policy for a point that is both improvement and concern; one of
        :data:`~pss_analysis.methods.spc.CONFLICT_POLICIES` (default ``improvement``).
    min_points:
        With the ``mdc`` rules, a phase with fewer points for its limits gets
        no limits and all its points are common cause (default 13). Below 13
        with a lower ``min_points`` the limits carry a note that they are
        trial limits (as NHSRplotthedots warns).
    rules_across_phases:
        Let runs, trends and two-of-three windows cross a recalculation (MDC
        Excel tool; default). False judges every phase on its own
        (NHSRplotthedots, qicharts2).
    mr_across_gaps:
        Take moving ranges across missing values (MDC advice to leave no
        gaps). Default False: a moving range next to a missing value is
        undefined, as in qicharts2 and NHSRplotthedots.

    Returns
    -------
    SpcResult
    """
    known = _option_defaults()
    options = {name: value for name, value in locals().items() if name in known}
    ev = _evaluate(data, y, n, x, (), options)
    if ev.phases.empty:
        raise InsufficientDataError(
            "no points to evaluate",
            column=y,
            expected="at least one non-missing value",
            found=len(data) if isinstance(data, pd.DataFrame) else None,
        )
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

    Takes the same options, with the same defaults, as :func:`evaluate_spc`.
    ``target``, ``recalculate_at``, ``baseline`` and ``exclude`` may also be
    mappings from series key (a scalar for one ``by`` column, a tuple for
    several) to that series' value. All series are evaluated together with
    array operations; the result of each series equals :func:`evaluate_spc` on
    its rows.
    """
    by_cols = (by,) if isinstance(by, str) else tuple(by)
    if not by_cols:
        raise ParameterError("by needs at least one column", key="by", expected="a column name", found=by)
    defaults = _option_defaults()
    unknown = set(options) - set(defaults)
    if unknown:
        raise ParameterError(
            "unknown option",
            key=sorted(unknown)[0],
            expected="one of " + ", ".join(sorted(defaults)),
            found=sorted(unknown)[0],
        )
    ev = _evaluate(data, y, n, x, by_cols, {**defaults, **options})
    per_series = {k: tuple(m) for k, m in zip(ev.key_list, ev.messages, strict=True)}
    flat = tuple(f"[{k}] {msg}" for k, msgs in per_series.items() for msg in msgs)
    return SpcManyResult(by_cols, ev.points, ev.phases, ev.specification, flat, per_series)


def check_spc_options(**options: Any) -> None:
    """Check the options of :func:`evaluate_spc` without any data, as :func:`evaluate_spc` does first.

    Takes :func:`evaluate_spc`'s keyword arguments (``y``, ``n`` and ``x`` are ignored; an option
    not given takes its default). Raises :class:`~pss_analysis.errors.ParameterError` naming the
    option (``chart``, ``baseline``, ...) and the known values.
    """
    defaults = _option_defaults()
    resolve_options({**defaults, **{k: v for k, v in options.items() if k in defaults}}, per_series=False)


def _option_defaults() -> dict[str, Any]:
    """The analysis options and their defaults, in order: read from :func:`evaluate_spc`'s signature."""
    return dict(_OPTION_DEFAULTS)


_OPTION_DEFAULTS = tuple(
    (name, p.default)
    for name, p in inspect.signature(evaluate_spc).parameters.items()
    if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in ("n", "x")
)


# --- the engine ----------------------------------------------------------------------------------------------


@dataclass
class _Evaluation:
    points: pd.DataFrame
    phases: pd.DataFrame
    messages: list[list[str]]
    key_list: list[Hashable]
    specification: dict[str, Any]


def _evaluate(
    data: Any, y: str, n: str | None, x: str | None, by: tuple[str, ...], options: dict[str, Any]
) -> _Evaluation:
    """The recipe: every step is a function named for what it does."""
    settings = resolve_options(options, per_series=bool(by))
    prep = prepare(data, y, n, x, by, settings.chart)
    phases = split_phases(prep, settings.options["recalculate_at"])
    rows = limit_rows(prep, phases, settings.options)
    lines = calculate_limits(prep, phases, rows, settings)
    note_limits(prep, phases, rows, lines, settings)
    keep = ~prep.missing  # points with a value: the rest are skipped from here on
    shown = lines.keep(keep)
    flags = apply_rules(prep.gid[keep], phases.index[keep], rows.included[keep], shown, settings, phases.count)
    points = points_table(prep, keep, phases, rows, shown, flags, by, settings.rule_set.uses_1sigma)
    summary = summarise(prep, keep, phases, rows, shown, flags, settings.options["target"], settings.direction, by)
    spec = _specification(settings, y, n, x, by)
    return _Evaluation(points, summary, prep.messages, prep.key_list, spec)


def _specification(settings: Settings, y: str, n: str | None, x: str | None, by: tuple[str, ...]) -> dict[str, Any]:
    spec: dict[str, Any] = {"y": y, "n": n, "x": x}
    if by:
        spec["by"] = list(by)
    spec.update(settings.options)
    spec["chart_description"] = settings.chart.description
    spec["rule_columns"] = list(settings.rule_set.rules)
    return spec
