"""Report sections shared by the template notebooks.

Each function writes one part of the report through a
:class:`~pss_analysis.report.Report` (so every table lands in ``tables/`` and
every figure in ``figures/``). Notebooks stay thin: they call these.
"""

from __future__ import annotations

import html
from typing import Any, Mapping

import pandas as pd

from .evaluation import MeasureEvaluation, its_tables, spc_tables
from .figures.its import its_figure
from .figures.spc import spc_figure
from .figures.timeseries import timeseries_figure
from .narrative import TERM_LABELS, its_sentence, spc_sentence
from .report import Report

__all__ = ["measure_section", "publish_evaluation_tables", "methods_section"]

_CI = {"ci_lower": "lower", "ci_upper": "upper"}


def _effects_display(effects: pd.DataFrame) -> pd.DataFrame:
    shown = effects[effects["group"] == "treated"] if "group" in effects else effects
    shown = shown[["term", "estimate", "ci_lower", "ci_upper", "p_value", "scale"]].copy()
    shown["term"] = shown["term"].map(lambda t: TERM_LABELS.get(t, t))
    return shown


def _impact_display(impact: pd.DataFrame) -> pd.DataFrame:
    columns = ["period", "observed", "fitted", "counterfactual", "absolute_effect", "absolute_effect_lower",
               "absolute_effect_upper", "relative_effect", "relative_effect_lower", "relative_effect_upper"]
    shown = impact[columns].copy()
    shown["period"] = shown["period"].map(lambda p: "whole period" if str(p) == "cumulative" else f"month {p}")
    return shown


def measure_section(rep: Report, measure: Mapping[str, Any], series: pd.DataFrame,
                    evaluation: MeasureEvaluation) -> None:
    """One measure: what it is, the plain-English findings, the ITS and SPC charts and tables."""
    mid, name, unit = measure["measure_id"], measure["name"], measure["unit"]
    start = rep.params.programme.start
    alpha = rep.params.analysis.alpha
    level = f"{round((1 - alpha) * 100):d}%"
    lines = [f"#### {html.escape(name)}", f"*{html.escape(unit)}.* {html.escape(str(measure.get('description', '')))}"]
    its, spc = evaluation.its, evaluation.spc
    if its is not None:
        _, impact = its_tables({mid: evaluation}, rep.params.analysis.impact_at)
        lines.append("**What changed:** " + html.escape(its_sentence(measure, impact, alpha=alpha)))
    else:
        lines.append(f"**What changed:** no interrupted time series could be fitted: "
                     f"{html.escape(evaluation.its_problem or 'unknown reason')}.")
    if spc is not None:
        lines.append("**Process behaviour:** " + html.escape(spc_sentence(measure, spc.summary())))
    else:
        lines.append(f"**Process behaviour:** no control chart: {html.escape(evaluation.spc_problem or '')}.")
    for warning in evaluation.warnings:
        lines.append(f"*Note:* {html.escape(warning)}")
    rep.markdown("\n\n".join(lines))

    if its is not None:
        per = float(measure["multiplier"]) if evaluation.its_options.get("offset") else None
        ylabel = unit if per is not None or measure["kind"] in ("mean", "amount", "count") else \
            f"{unit} (as a proportion: 0.5 = 50%)"
        fig = its_figure(its, title=name, ylabel=ylabel, rate_per=per)
        rep.figure(fig, f"its_{mid}", caption=f"{name}: observed, model fit and expected without the programme",
                   alt=f"Chart of {name} by month with the fitted segmented regression line and, after the "
                       f"programme start in {start}, the line expected had the pre-programme trend continued "
                       f"with its {level} confidence band.")
        effects, impact = its_tables({mid: evaluation}, rep.params.analysis.impact_at)
        rep.table(_effects_display(effects), f"its_effects_{mid}",
                  caption=f"{name}: segmented regression estimates ({level} CI)",
                  columns={"estimate": "estimate", **_CI, "p_value": "p-value"},
                  formats={"p_value": ".3g"})
        rep.table(_impact_display(impact), f"its_impact_{mid}",
                  caption=f"{name}: programme impact, fitted against expected without the programme ({level} CI)",
                  columns={"absolute_effect": "difference", "absolute_effect_lower": "lower",
                           "absolute_effect_upper": "upper", "relative_effect": "relative difference",
                           "relative_effect_lower": "rel. lower", "relative_effect_upper": "rel. upper"},
                  formats={"relative_effect": "+.1%", "relative_effect_lower": "+.1%",
                           "relative_effect_upper": "+.1%"})
    else:
        fig = timeseries_figure(series, start=start, title=name, ylabel=unit, target=measure.get("target"))
        rep.figure(fig, f"timeseries_{mid}", caption=f"{name} by month",
                   alt=f"Line chart of {name} ({unit}) by month with the programme start in {start} marked.")
    if spc is not None:
        chart = evaluation.spc_options["chart"]
        fig = spc_figure(spc, title=f"{name} ({chart.upper()} chart)", ylabel=unit)
        rep.figure(fig, f"spc_{mid}", caption=f"{name}: statistical process control chart, limits recalculated "
                                              f"at the programme start",
                   alt=f"{chart.upper()} control chart of {name} by month, with centre line and process limits "
                       f"before and since {start}; points are coloured and shaped by type of variation "
                       f"(grey circle common cause, blue improvement, orange concern).")


def publish_evaluation_tables(rep: Report, evaluations: Mapping[str, MeasureEvaluation]) -> None:
    """Write the all-measure tidy tables ``its_effects``, ``its_impact``, ``spc_points``, ``spc_summary``."""
    effects, impact = its_tables(evaluations, rep.params.analysis.impact_at)
    points, summary = spc_tables(evaluations)
    for frame, name in ((effects, "its_effects"), (impact, "its_impact"), (points, "spc_points"),
                        (summary, "spc_summary")):
        rep.save_table(frame, name)


def methods_section(rep: Report, measures: pd.DataFrame, evaluations: Mapping[str, MeasureEvaluation]) -> None:
    """The model and chart used for each measure, as a table a reader can check."""
    rows = []
    for measure in measures.to_dict("records"):
        ev = evaluations[measure["measure_id"]]
        o = ev.its_options
        season = o.get("seasonality")
        ac = o.get("autocorrelation")
        rows.append({
            "measure_id": measure["measure_id"], "name": measure["name"], "kind": measure["kind"],
            "its_family": o.get("family"),
            "its_offset": "log(denominator)" if o.get("offset") else "",
            "its_seasonality": "" if season is None else str(season),
            "its_autocorrelation": "" if ac is None else str(ac),
            "spc_chart": ev.spc_options.get("chart"), "spc_rules": ev.spc_options.get("rules"),
        })
    rep.table(pd.DataFrame(rows), "methods_models", caption="Model and chart used for each measure",
              columns={"its_family": "ITS family", "its_offset": "offset", "its_seasonality": "seasonality",
                       "its_autocorrelation": "autocorrelation", "spc_chart": "SPC chart", "spc_rules": "SPC rules"})
