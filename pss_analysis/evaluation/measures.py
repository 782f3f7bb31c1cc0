"""Evaluate every measure of a catalogue: interrupted time series and SPC.

This module decides *which* model and chart each measure gets (from its kind,
then the options merged by :mod:`pss_analysis.evaluation.options`), runs them,
and gathers the tidy tables the report publishes (``its_effects``,
``its_impact``, ``spc_points``, ``spc_summary``). It never plots or formats.

Defaults by measure kind (see :mod:`pss_analysis.inputs.tables` for the kinds):

=============  =========================================================  ===========
kind           interrupted time series                                     SPC chart
=============  =========================================================  ===========
rate           quasi-Poisson on the count, log(population) offset,         u, or u' when
               2 Fourier harmonic pairs (period 12) for the seasons        over-dispersed
count          quasi-Poisson on the count, 2 Fourier pairs                 c
proportion     quasi-binomial on successes of trials                       p, or p' when
                                                                           over-dispersed
mean, amount   OLS on the value, Newey-West standard errors                XmR
               (lags = floor(4 (n/100)^(2/9)), Newey & West 1994)
=============  =========================================================  ===========

Over-dispersed (:func:`choose_spc_chart`): Laney's sigma_z (Laney 2002) of the series, within the
phases before and since the start, above ``LANEY_OVERDISPERSION_LIMIT`` (1.5): the months vary more
than the counts alone explain, so the chart is Laney's u' or p', whose limits allow for it. A chart
named in ``analysis.spc.chart``, the scorecard or ``analysis.measures.<id>.spc.chart`` always wins.

SPC limits are recalculated at the programme start (one phase before, one
since); :func:`~pss_analysis.methods.spc.compare_with_first_phase` reads the
months since the start against the process before it, so that the chart
answers "did the process change?".
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.config.params import Analysis
from pss_analysis.errors import PssError, PssWarning
from pss_analysis.evaluation.comparison import ComparisonData, comparison_series
from pss_analysis.evaluation.options import measure_options, robustness_options
from pss_analysis.methods.its import ItsResult, Robustness, fit_its, newey_west_lags, robustness
from pss_analysis.methods.spc import PhaseComparison, SpcResult, compare_with_first_phase, evaluate_spc, laney_sigma_z
from pss_analysis.methods.spc.constants import LANEY_OVERDISPERSION_LIMIT
from pss_analysis.timings import timed

__all__ = [
    "MeasureEvaluation",
    "evaluate_measures",
    "check_robustness",
    "its_options",
    "spc_options",
    "choose_spc_chart",
    "ChartChoice",
    "newey_west_lags",
    "its_tables",
    "spc_tables",
    "points_before_and_since",
    "months_since_start",
    "describe_its_options",
    "FOURIER_MONTHLY",
    "ITS_FAMILY_BY_KIND",
    "SPC_CHART_BY_KIND",
    "LANEY_CHART_BY_KIND",
]

#: Monthly seasonality as two Fourier harmonic pairs (Lopez Bernal et al. 2017 use harmonic(month, 2, 12)).
FOURIER_MONTHLY = {"type": "fourier", "k": 2, "period": 12}
#: ITS family by measure kind.
ITS_FAMILY_BY_KIND = {
    "rate": "quasipoisson",
    "count": "quasipoisson",
    "proportion": "quasibinomial",
    "mean": "gaussian",
    "amount": "gaussian",
}
#: SPC chart by measure kind.
SPC_CHART_BY_KIND = {"rate": "u", "count": "c", "proportion": "p", "mean": "xmr", "amount": "xmr"}
#: Laney's chart for an over-dispersed rate or proportion (Laney 2002; qicharts2 ``up`` / ``pp``).
LANEY_CHART_BY_KIND = {"rate": "up", "proportion": "pp"}


@dataclass(frozen=True)
class ChartChoice:
    """Which SPC chart a measure gets and why: ``reason`` is "kind" (the default for its kind),
    "overdispersed" (Laney's chart, ``sigma_z`` above the limit) or "chosen" (named in the options)."""

    chart: str
    reason: str
    sigma_z: float | None = None


@dataclass(frozen=True)
class MeasureEvaluation:
    """The ITS and SPC results of one measure, with the options used and any problem met."""

    measure_id: str
    its: ItsResult | None
    spc: SpcResult | None
    its_options: dict[str, Any] = field(default_factory=dict)
    spc_options: dict[str, Any] = field(default_factory=dict)
    its_problem: str | None = None
    spc_problem: str | None = None
    warnings: tuple[str, ...] = ()
    chart_choice: ChartChoice | None = None
    spc_comparison: PhaseComparison | None = None
    robustness: Robustness | None = None
    robustness_problem: str | None = None


def _none_if(value: Any) -> Any:
    return None if value in ("none", "None", "") else value


def its_options(measure: Mapping[str, Any], analysis: Analysis, n_points: int, start: str) -> dict[str, Any]:
    """Keyword arguments for :func:`~pss_analysis.methods.its.fit_its` for one catalogue row."""
    kind = measure["kind"]
    chosen, _ = measure_options(analysis, measure["measure_id"])
    family = chosen.get("family", ITS_FAMILY_BY_KIND[kind])
    options: dict[str, Any] = {
        "family": family,
        "alpha": analysis.alpha,
        "time_since": analysis.time_since,
        "time": "period",
        "interruption": pd.Period(start, freq="M"),
    }
    if family in ("gaussian",):
        options["y"] = "value"
    else:
        options["y"] = "numerator"
    if family in ("binomial", "quasibinomial"):
        options["denominator"] = "denominator"
    elif family != "gaussian" and kind == "rate":
        options["offset"] = "denominator"
    default_season = FOURIER_MONTHLY if kind in ("rate", "count") else None
    options["seasonality"] = _none_if(chosen.get("seasonality", default_season))
    default_ac = (
        {"type": "newey_west", "lags": newey_west_lags(n_points), "small_sample": True}
        if family == "gaussian"
        else None
    )
    options["autocorrelation"] = _none_if(chosen.get("autocorrelation", default_ac))
    for key in ("slope_change", "phase_in"):
        if key in chosen:
            options[key] = chosen[key]
    if chosen.get("interruptions"):
        options["interruptions"] = [pd.Period(p, freq="M") for p in chosen["interruptions"]]
    return options


def choose_spc_chart(
    measure: Mapping[str, Any], analysis: Analysis, start: str, series: Mapping[str, Any] | None = None
) -> ChartChoice:
    """The SPC chart of one catalogue row: the chart named in the options; else, for a rate or a
    proportion whose ``series`` is over-dispersed (Laney's sigma_z above
    ``LANEY_OVERDISPERSION_LIMIT``, within the phases before and since ``start``), Laney's u' or p'
    chart; else the default for its kind (``SPC_CHART_BY_KIND``). ``series``: the measure's rows
    (a DataFrame, or a mapping of its ``period``, ``numerator`` and ``denominator`` arrays)."""
    kind = measure["kind"]
    _, chosen = measure_options(analysis, measure["measure_id"])
    if "chart" in chosen:
        return ChartChoice(str(chosen["chart"]), "chosen")
    default = SPC_CHART_BY_KIND[kind]
    if kind not in LANEY_CHART_BY_KIND or series is None or len(series["period"]) == 0:
        return ChartChoice(default, "kind")
    phase = (
        (pd.PeriodIndex(series["period"], freq="M") >= pd.Period(start, freq="M")).astype(int)
        if chosen.get("recalculate_at_start", True)
        else None
    )
    sigma_z = laney_sigma_z(
        np.asarray(series["numerator"], dtype=float),
        np.asarray(series["denominator"], dtype=float),
        proportion=kind == "proportion",
        phase=phase,
    )
    if sigma_z > LANEY_OVERDISPERSION_LIMIT:
        return ChartChoice(LANEY_CHART_BY_KIND[kind], "overdispersed", sigma_z)
    return ChartChoice(default, "kind", sigma_z)


def spc_options(measure: Mapping[str, Any], analysis: Analysis, start: str, chart: str | None = None) -> dict[str, Any]:
    """Keyword arguments for :func:`~pss_analysis.methods.spc.evaluate_spc` for one catalogue row;
    ``chart`` (from :func:`choose_spc_chart`) overrides the chart named in the options or by kind."""
    kind = measure["kind"]
    _, chosen = measure_options(analysis, measure["measure_id"])
    chart = chart or chosen.get("chart", SPC_CHART_BY_KIND[kind])
    options: dict[str, Any] = {"chart": chart, "x": "period", "improvement_direction": measure["improvement_direction"]}
    preset = chosen.get("preset")
    if preset:  # the preset sets the rules and run lengths, unless the parameter file names them
        options["preset"] = preset
    if "rules" in chosen or not preset:
        options["rules"] = chosen.get("rules", "mdc")
    for key in ("shift_length", "trend_length"):
        if key in analysis.model_fields_set or not preset:
            options[key] = getattr(analysis, key)
    if chart in ("p", "pp", "u", "up"):
        options.update(y="numerator", n="denominator", multiply=float(measure["multiplier"]))
    elif chart in ("c", "g", "t"):
        options["y"] = "numerator"
    else:
        options["y"] = "value"
    if not pd.isna(measure.get("target")):
        options["target"] = float(measure["target"])
    if chosen.get("recalculate_at_start", True):
        options["recalculate_at"] = pd.Period(start, freq="M")
    if chosen.get("baseline"):
        options["baseline"] = chosen["baseline"]
    return options


def _run(
    analysis: Callable[..., Any], series: pd.DataFrame, options: Mapping[str, Any], *, measure_id: str, what: str
) -> tuple[Any, str | None, list[str]]:
    """(result, problem, warnings) of ``analysis(series, **options)``; a failure becomes the problem, not a crash.

    A :class:`~pss_analysis.errors.PssError` (too few points, no variation) says why in its own
    words. Any other exception is a model that could not be fitted to this measure's data (e.g.
    statsmodels' "first guess on the deviance function returned a nan"): the problem names the
    measure and the error, and the other measures go on.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PssWarning)
        try:
            result = analysis(series, **options)
        except PssError as exc:
            return None, str(exc), []
        except Exception as exc:  # noqa: BLE001 - one measure's failed fit must not stop the others
            problem = f"the {what} failed on the data of {measure_id} ({type(exc).__name__}: {exc})"
            return None, problem, []
    return result, None, [str(w.message) for w in caught if issubclass(w.category, PssWarning)]


def evaluate_measures(
    indicators: pd.DataFrame,
    measures: pd.DataFrame,
    analysis: Analysis,
    start: str,
    *,
    comparison: ComparisonData | None = None,
) -> dict[str, MeasureEvaluation]:
    """ITS and SPC for every measure, keyed by measure id (in catalogue order).

    A measure whose data cannot support an analysis (too few points, the same
    value in every month, a model that cannot be fitted) gets ``None`` with the
    reason in ``its_problem`` / ``spc_problem`` rather than stopping the report.
    With ``comparison`` areas, each measure's interrupted time series also fits the
    comparison areas' series of that measure (a controlled design; the SPC chart is the
    programme area's alone); a measure they have no data for is fitted alone.
    """
    results: dict[str, MeasureEvaluation] = {}
    by_measure = dict(tuple(indicators.groupby("measure_id", sort=False)))
    for measure in measures.to_dict("records"):
        mid = measure["measure_id"]
        series = by_measure[mid].reset_index(drop=True)
        its_kw = its_options(measure, analysis, len(series), start)
        choice = choose_spc_chart(measure, analysis, start, series)
        spc_kw = spc_options(measure, analysis, start, choice.chart)
        control = comparison_series(comparison, mid, series["period"])
        rob_options = robustness_options(analysis, mid)
        model: Callable[..., Any] = fit_its
        if control is not None and comparison is not None:
            model = functools.partial(fit_its, control=control, control_unit=comparison.unit)
            # the checks refit the programme area alone (placebo starts, other models): not comparable
            # with a comparison-area model, so they are left out for it (the methods section counts them)
            rob_options = {**rob_options, "enabled": False}
        with timed("its", measure=mid):
            its, its_problem, its_warn = _run(model, series, its_kw, measure_id=mid, what="model")
        with timed("spc", measure=mid):
            spc, spc_problem, spc_warn = _run(evaluate_spc, series, spc_kw, measure_id=mid, what="chart")
            reading = compare_with_first_phase(spc) if spc is not None else None
        with timed("robustness", measure=mid):
            rob, rob_problem = check_robustness(series, its, its_kw, rob_options, measure_id=mid)
        results[mid] = MeasureEvaluation(
            mid,
            its,
            spc,
            its_kw,
            spc_kw,
            its_problem,
            spc_problem,
            tuple(its_warn + spc_warn),
            choice,
            reading,
            rob,
            rob_problem,
        )
    return results


def check_robustness(
    series: pd.DataFrame,
    its: ItsResult | None,
    its_kw: Mapping[str, Any],
    options: Mapping[str, Any],
    *,
    measure_id: str,
) -> tuple[Robustness | None, str | None]:
    """(robustness checks, problem) of one measure's fitted ITS under its merged robustness ``options``
    (:func:`~pss_analysis.evaluation.options.robustness_options`); none when switched off or unfitted.

    One :func:`~pss_analysis.methods.its.fit_its` per placebo month, specification and left-out
    interruption: the loop that a batched fit of many series could replace.
    """
    if its is None or not options.get("enabled", True):
        return None, None
    kw = {k: v for k, v in its_kw.items() if k not in ("y", "time", "interruption")}
    checks = {k: bool(options.get(k, True)) for k in ("placebo", "specifications", "leave_one_out")}
    result, problem, _ = _run(
        lambda data, **o: robustness(
            data, its_kw["y"], its_kw["time"], its_kw["interruption"], headline=its, **checks, **o
        ),
        series,
        {**kw, "max_specifications": options.get("max_specifications")},
        measure_id=measure_id,
        what="robustness checks",
    )
    return result, problem


def points_before_and_since(its: ItsResult) -> tuple[int, int]:
    """Months of the treated series before the programme start, and from it to the end of the data
    (phase-in months included), counted from the fitted model's rows."""
    rows = its.predictions()
    phase = rows.loc[rows["group"] == "treated", "phase"]
    before = int((phase == "pre").sum())
    return before, len(phase) - before


def months_since_start(its: ItsResult) -> int:
    """Months from the programme start to the end of the data (phase-in months included)."""
    return points_before_and_since(its)[1]


def describe_its_options(options: Mapping[str, Any]) -> dict[str, str]:
    """The model of an :func:`its_options` mapping in words: family, seasonality, autocorrelation, convention."""
    season = options.get("seasonality")
    ac = options.get("autocorrelation")
    return {
        "family": options["family"],
        "seasonality": "none"
        if season is None
        else (season if isinstance(season, str) else f"{season.get('type')} k={season.get('k', '')}"),
        "autocorrelation": "none"
        if ac is None
        else (ac if isinstance(ac, str) else f"{ac.get('type')} lags={ac.get('lags', '')}"),
        "time_since": options["time_since"],
    }


def its_tables(evaluations: Mapping[str, MeasureEvaluation], at: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(effects, impact) of every measure with an ITS result, tidy, with a ``measure_id`` column."""
    effects, impacts = [], []
    for mid, ev in evaluations.items():
        if ev.its is None:
            continue
        model = describe_its_options(ev.its_options)
        effects.append(ev.its.effects().assign(measure_id=mid, **model))
        reachable = [h for h in at if h <= months_since_start(ev.its)]
        impacts.append(ev.its.impact(at=reachable).assign(measure_id=mid))
    effects_df = pd.concat(effects, ignore_index=True) if effects else pd.DataFrame()
    impact_df = pd.concat(impacts, ignore_index=True) if impacts else pd.DataFrame()
    for frame in (effects_df, impact_df):
        if not frame.empty:
            frame.insert(0, "measure_id", frame.pop("measure_id"))
    return effects_df, impact_df


def spc_tables(evaluations: Mapping[str, MeasureEvaluation]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(points, summary) of every measure with an SPC result, tidy, with a ``measure_id`` column."""
    points, summaries = [], []
    for mid, ev in evaluations.items():
        if ev.spc is None:
            continue
        points.append(ev.spc.points.assign(measure_id=mid, chart=ev.spc_options["chart"]))
        summaries.append(ev.spc.summary().assign(measure_id=mid, chart=ev.spc_options["chart"]))
    out = []
    for parts in (points, summaries):
        frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if not frame.empty:
            frame.insert(0, "measure_id", frame.pop("measure_id"))
        out.append(frame)
    return out[0], out[1]
