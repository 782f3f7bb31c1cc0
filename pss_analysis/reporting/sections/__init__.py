"""Report sections shared by the template notebooks.

Each function writes one part of the report through a
:class:`~pss_analysis.reporting.document.Report` (so every table lands in ``tables/`` and
every figure in ``figures/``). Notebooks stay thin: they call these.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import pandas as pd

from pss_analysis.evaluation.balance import link_table, objective_statuses, risk_table
from pss_analysis.evaluation.dashboards import MONITORING_MONTHS, overview_table, within_year_results, within_year_table
from pss_analysis.evaluation.measures import MeasureEvaluation, describe_its_options, its_tables, spc_tables
from pss_analysis.evaluation.verdicts import VERDICT_RULES, perspective_summary
from pss_analysis.reporting.figures.dashboards import overview_figure, within_year_figure
from pss_analysis.reporting.figures.its import its_figure
from pss_analysis.reporting.figures.spc import spc_figure
from pss_analysis.reporting.figures.strategy_map import strategy_map_figure
from pss_analysis.reporting.figures.timeseries import timeseries_figure
from pss_analysis.reporting.narrative import TERM_LABELS, confidence_label, its_sentence, money, spc_sentence
from pss_analysis.reporting.document import Report, escape_text
from pss_analysis.evaluation.study import Study

__all__ = ["data_quality_section", "measure_section", "publish_evaluation_tables", "methods_section",
           "executive_summary", "strategy_map_section", "overview_section", "within_year_section",
           "perspective_sections", "balance_section", "appendix"]

#: Which parts of a measure are counts of people or events, by kind (what suppression protects).
COUNT_PARTS = {"rate": ("numerator", "denominator"), "count": ("numerator",),
               "proportion": ("numerator", "denominator"), "mean": ("denominator",), "amount": ()}
#: Control charts whose y and n are counts.
COUNT_CHARTS = ("p", "pp", "u", "up", "c")
#: Columns added to a table only to decide suppression (never published).
_HELPERS = ("_count_numerator", "_count_denominator")


def _month_counts(indicators: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """``measure_id, _month`` and the month's counts (NaN where that part is not a count)."""
    kinds = indicators["measure_id"].map(measures.set_index("measure_id")["kind"])
    out = pd.DataFrame({"measure_id": indicators["measure_id"], "_month": indicators["period"].astype(str)})
    for part, helper in zip(("numerator", "denominator"), _HELPERS):
        is_count = kinds.map(lambda k, p=part: p in COUNT_PARTS.get(k, ()))
        out[helper] = indicators[part].where(is_count)
    return out


def _protected(frame: pd.DataFrame, counts: pd.DataFrame, month_column: str,
               derived: tuple[str, ...]) -> dict[str, Any]:
    """Keyword arguments for Report.table/save_table that suppress the months' small counts and the
    ``derived`` columns shown from them; ``frame`` gains the helper columns (returned as ``frame``)."""
    keys = frame[month_column].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    merged = frame.assign(_month=keys).merge(counts, on=["measure_id", "_month"], how="left").drop(columns="_month")
    merged.index = frame.index
    present = [c for c in derived if c in merged.columns]
    return {"frame": merged, "counts": list(_HELPERS), "derived": {c: list(_HELPERS) for c in present},
            "helpers": list(_HELPERS)}


def _effects_display(effects: pd.DataFrame) -> pd.DataFrame:
    shown = effects[effects["group"] == "treated"] if "group" in effects else effects
    shown = shown[["term", "estimate", "estimate_lower", "estimate_upper", "p_value", "scale"]].copy()
    shown["term"] = shown["term"].map(lambda t: TERM_LABELS.get(t, t))
    return shown


def _impact_display(impact: pd.DataFrame) -> pd.DataFrame:
    columns = ["observed", "fitted", "counterfactual", "absolute_effect", "absolute_effect_lower",
               "absolute_effect_upper", "relative_effect", "relative_effect_lower", "relative_effect_upper"]
    period = ["whole period" if cumulative else f"month {h}"
              for h, cumulative in zip(impact["horizon"], impact["cumulative"], strict=True)]
    return impact[columns].copy().assign(period=period)[["period", *columns]]


def measure_section(rep: Report, measure: Mapping[str, Any], series: pd.DataFrame,
                    evaluation: MeasureEvaluation, annotations: list[tuple[Any, str]] | None = None) -> None:
    """One measure: what it is, the plain-English findings, the ITS and SPC charts and tables."""
    mid, name, unit = measure["measure_id"], measure["name"], measure["unit"]
    start = rep.params.programme.start
    alpha = rep.params.analysis.alpha
    level = confidence_label(alpha)
    lines = [f"#### {escape_text(name)}", f"*{escape_text(unit)}.* {escape_text(str(measure.get('description', '')))}"]
    its, spc = evaluation.its, evaluation.spc
    if its is not None:
        effects, impact = its_tables({mid: evaluation}, rep.params.analysis.impact_at)
        lines.append("**What changed:** " + escape_text(its_sentence(measure, impact, alpha=alpha)))
    else:
        lines.append(f"**What changed:** no interrupted time series could be fitted: "
                     f"{escape_text(evaluation.its_problem or 'unknown reason')}.")
    if spc is not None:
        lines.append("**Process behaviour:** " + escape_text(spc_sentence(measure, spc.summary())))
    else:
        lines.append(f"**Process behaviour:** no control chart: {escape_text(evaluation.spc_problem or '')}.")
    for warning in evaluation.warnings:
        lines.append(f"*Note:* {escape_text(warning)}")
    rep.markdown("\n\n".join(lines))

    if its is not None:
        scaled = evaluation.its_options.get("offset") or evaluation.its_options.get("denominator")
        per = float(measure["multiplier"]) if scaled else None  # rates per 1,000, percentages
        fig = its_figure(its, title=name, ylabel=unit, rate_per=per, annotations=annotations or None)
        rep.figure(fig, f"its_{mid}", caption=f"{name}: observed, model fit and expected without the programme",
                   alt=f"Chart of {name} by month with the fitted segmented regression line and, after the "
                       f"programme start in {start}, the line expected had the pre-programme trend continued "
                       f"with its {level} confidence band.")
        rep.table(_effects_display(effects), f"its_effects_{mid}",
                  caption=f"{name}: segmented regression estimates ({level} CI)",
                  columns={"estimate_lower": "lower", "estimate_upper": "upper", "p_value": "p-value"},
                  formats={"p_value": ".3g"})
        protect = _protected(_impact_display(impact).assign(measure_id=mid, time=impact["time"].to_numpy()),
                             _month_counts(series, pd.DataFrame([measure])), "time", ("observed",))
        shown = protect.pop("frame").drop(columns=["measure_id", "time"])
        rep.table(shown, f"its_impact_{mid}", **protect,
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
        fig = spc_figure(spc, title=f"{name} ({chart.upper()} chart)", ylabel=unit, annotations=annotations or None)
        rep.figure(fig, f"spc_{mid}", caption=f"{name}: statistical process control chart, limits recalculated "
                                              f"at the programme start",
                   alt=f"{chart.upper()} control chart of {name} by month, with centre line and process limits "
                       f"before and since {start}; points are coloured and shaped by type of variation "
                       f"(grey circle common cause, blue improvement, orange concern).")


def publish_evaluation_tables(rep: Report, study: Study) -> None:
    """Write the all-measure tidy tables ``its_effects``, ``its_impact``, ``spc_points``, ``spc_summary``.

    Monthly counts in them (observed values, chart points) are suppressed when small.
    """
    effects, impact = its_tables(study.evaluations, rep.params.analysis.impact_at)
    points, summary = spc_tables(study.evaluations)
    counts = _month_counts(study.indicators, study.measures)
    rep.save_table(effects, "its_effects", description="Segmented-regression estimates of every measure")
    if not impact.empty:
        rep.save_table(description="Programme impact of every measure, fitted against expected",
                       name="its_impact", **_protected(impact, counts, "time", ("observed",)))
    if not points.empty:
        # y and n are published only where they are counts (charts of counts); else the value says it all
        points.loc[~points["chart"].isin(COUNT_CHARTS), ["y", "n"]] = float("nan")
        rep.save_table(description="Every point of every control chart", name="spc_points",
                       **_protected(points, counts, "x", ("y", "value")))
    rep.save_table(summary, "spc_summary", description="Control-chart summary per measure and phase")


def methods_section(rep: Report, study: Study) -> None:
    """The verdict rules, indicator definitions, the model and chart used for each measure, and the
    small-number suppression rule."""
    rep.markdown("**Small numbers.** " + escape_text(rep.suppression_rule) + " Computations use the true values; "
                 "only what is published is suppressed.")
    if not study.definitions.empty:
        rep.table(study.definitions, "methods_indicator_definitions",
                  caption="Indicators computed from record-level data: definitions a reader can check")
    rep.table(pd.DataFrame({"rule": list(VERDICT_RULES)}), "methods_verdict_rules",
              caption="How each measure's verdict is decided")
    rows = []
    for measure in study.measures.to_dict("records"):
        ev = study.evaluations[measure["measure_id"]]
        model = describe_its_options(ev.its_options)
        rows.append({
            "measure_id": measure["measure_id"], "name": measure["name"], "kind": measure["kind"],
            "its_family": model["family"],
            "its_offset": "log(denominator)" if ev.its_options.get("offset") else "",
            "its_seasonality": model["seasonality"], "its_autocorrelation": model["autocorrelation"],
            "its_extra_interruptions": ", ".join(str(i) for i in ev.its_options.get("interruptions", [])),
            "spc_chart": ev.spc_options.get("chart"), "spc_rules": ev.spc_options.get("rules"),
        })
    rep.table(pd.DataFrame(rows), "methods_models", caption="Model and chart used for each measure",
              columns={"its_family": "ITS family", "its_offset": "offset", "its_seasonality": "seasonality",
                       "its_autocorrelation": "autocorrelation", "its_extra_interruptions": "extra interruptions",
                       "spc_chart": "SPC chart", "spc_rules": "SPC rules"})


def data_quality_section(rep: Report, study: Study) -> None:
    """The data-quality warnings found while loading the inputs (errors would have stopped the run)."""
    quality = study.data_quality
    if quality.empty:
        rep.markdown("No data-quality problems were found in the inputs.")
        return
    shown = quality.assign(file=quality["file"].map(lambda f: Path(str(f)).name if f else ""))
    rep.table(shown[["severity", "check", "file", "row", "column", "message"]], "data_quality",
              caption="Data-quality warnings (the run went ahead; errors would have stopped it)")


def executive_summary(rep: Report, study: Study) -> None:
    """The verdict per perspective, and the measures that improved or deteriorated."""
    rep.save_table(study.evidence, "evidence")
    summary = perspective_summary(study.evidence, study.perspectives)
    rep.table(summary.drop(columns=["reading"]), "executive_summary", caption="Verdicts by perspective",
              columns={"perspective_id": "id", "no_evidence_of_change": "no evidence of change",
                       "not_enough_data": "not enough data"})
    lines = [f"- {escape_text(r)}" for r in summary["reading"]]
    for verdict, heading in (("improved", "Improved"), ("deteriorated", "Deteriorated")):
        names = study.evidence.loc[study.evidence["verdict"] == verdict, "name"]
        if len(names):
            lines.append(f"\n**{heading}:** " + "; ".join(escape_text(n) for n in names) + ".")
    level = confidence_label(study.analysis.alpha)
    costed = study.evidence.dropna(subset=["money"])
    for r in costed[costed["money_unit"] == "£"].to_dict("records"):
        low, high = sorted((abs(r["money_lower"]), abs(r["money_upper"])))
        lines.append(f"\n*Value for money:* {escape_text(r['name'])}: about {money(r['money'])} "
                     f"{'saved' if r['money'] < 0 else 'extra cost'} over {int(r['cumulative_months'])} months "
                     f"({level} CI {money(low)} to {money(high)}), at the measure's unit cost.")
    rep.markdown("\n".join(lines))


def strategy_map_section(rep: Report, study: Study) -> None:
    """The strategy map coloured by evidence (PNG in the report, SVG as well in figures/)."""
    sc = study.scorecard
    if sc is None:
        rep.markdown("*No scorecard was given (`data.scorecard`), so there is no strategy map.*")
        return
    status = objective_statuses(sc.objectives, sc.measures, study.evidence)
    links = link_table(sc.links, sc.objectives, sc.measures, study.evidence, study.indicators,
                       alpha=study.analysis.alpha)
    link_status = ({(r["driver"], r["outcome"]): r["link_status"] for r in links.to_dict("records")}
                   if not links.empty else {})
    fig = strategy_map_figure(sc.objectives, sc.perspectives, sc.links, node_status=status, link_status=link_status,
                              title="Strategy map, coloured by the evidence of each objective's measures")
    fig.savefig(rep.output_dir / "figures" / "strategy_map.svg", format="svg", metadata={"Date": None})
    counts = pd.Series(status).value_counts()
    rep.figure(fig, "strategy_map", caption="Strategy map: objectives by perspective, coloured by evidence",
               alt="Strategy map with capability objectives at the bottom, processes in the middle and outcomes on "
                   "top, arrows from drivers to outcomes; " + ", ".join(f"{n} {k.replace('_', ' ')}"
                                                                        for k, n in counts.items()) + ".")
    if not sc.changes.empty:
        rep.table(sc.changes[["change_id", "month", "where", "what", "use_as_interruption"]], "change_log",
                  caption="Change log: what the programme changed, where and when (marked on every chart by its id)",
                  columns={"change_id": "id", "use_as_interruption": "tested as an interruption"})


def overview_section(rep: Report, study: Study) -> None:
    """The overview dashboard: before and since the programme started."""
    table = overview_table(study.evidence, study.summary, study.perspectives)
    rep.figure(overview_figure(table), "dashboard_overview",
               caption="Overview dashboard: each measure before and since the programme started",
               alt="Table of every measure grouped by perspective with its mean before and since the programme, "
                   "the change, the effect against expected with its interval, the SPC variation and assurance "
                   "icons and the verdict.")
    rep.table(table.drop(columns=["perspective", "variation_direction"]), "dashboard_overview",
              caption="Overview dashboard (table)",
              columns={"perspective_name": "perspective", "measure_id": "id", "cumulative_relative": "effect",
                       "cumulative_relative_lower": "lower", "cumulative_relative_upper": "upper",
                       "relative_change": "change"},
              formats={"relative_change": "+.0%", "cumulative_relative": "+.0%", "cumulative_relative_lower": "+.0%",
                       "cumulative_relative_upper": "+.0%"})


def within_year_section(rep: Report, study: Study) -> None:
    """The within-year monitoring dashboard: the latest months against target, with SPC icons."""
    table = within_year_table(study.measures, study.evaluations)
    counts = _month_counts(study.indicators, study.measures)
    rep.save_table(name="dashboard_within_year", description="Latest months of every measure against target",
                   **_protected(table, counts, "period", ("value",)))
    names = dict(zip(study.measures["measure_id"], study.measures["name"]))
    rep.figure(within_year_figure(within_year_results(study.evaluations), names), "dashboard_within_year",
               caption=f"Within-year monitoring: the latest {MONITORING_MONTHS} months of each measure",
               alt=f"Small control charts of the latest {MONITORING_MONTHS} months of every measure with centre "
                   "line, process limits, target and the variation and assurance icons.")
    if table.empty:
        return
    met = (table.dropna(subset=["target"]).groupby("measure_id", sort=False)
           .agg(name=("name", "first"), months=("period", "size"), target=("target", "first"),
                months_meeting_target=("target_met", "sum"), latest=("value", "last"),
                latest_month=("period", "last")).reset_index())
    protect = _protected(met, counts, "latest_month", ("latest",))
    rep.table(protect.pop("frame").drop(columns="latest_month"), "dashboard_within_year_targets",
              caption=f"Months meeting the target in the latest {MONITORING_MONTHS} months",
              columns={"months_meeting_target": "months meeting target", "latest": "latest value"}, **protect)


def perspective_sections(rep: Report, study: Study) -> None:
    """A section per perspective with each measure's findings, ITS and SPC."""
    names = study.perspectives.set_index("perspective_id")["name"]
    used = list(dict.fromkeys(study.measures["perspective"]))
    known = [p for p in study.perspectives.sort_values("order")["perspective_id"] if p in used]
    for perspective in known + [p for p in used if p not in known]:  # a catalogue may name others
        rep.markdown(f"### {escape_text(str(names.get(perspective, perspective)))}")
        for m in study.measures[study.measures["perspective"] == perspective].to_dict("records"):
            measure_section(rep, m, study.indicators[study.indicators["measure_id"] == m["measure_id"]],
                            study.evaluations[m["measure_id"]], study.annotations)


def balance_section(rep: Report, study: Study) -> None:
    """Contributions of drivers to outcomes along the map, lead-lag association, and risks."""
    sc = study.scorecard
    if sc is None:
        rep.markdown("*No scorecard was given, so there is no map to weigh contributions along.*")
        return
    links = link_table(sc.links, sc.objectives, sc.measures, study.evidence, study.indicators,
                       alpha=study.analysis.alpha)
    rep.save_table(links, "balance_links")
    per_link = links.drop_duplicates(["driver", "outcome"])
    rep.table(per_link[["outcome_name", "driver_name", "expected_sign", "driver_status", "contribution",
                        "link_status"]], "balance_contributions",
              caption="Drivers of each outcome: their evidence and contribution",
              columns={"outcome_name": "outcome", "driver_name": "driver", "expected_sign": "expected sign",
                       "driver_status": "driver evidence", "link_status": "lead-lag association"})
    found = links[links["lead_lag_status"] != "unknown"]
    lines = ["Lead-lag association between driver and outcome measures (pre-whitened cross-correlation at "
             "lags 0 to 6 months; association, not proof of cause):"]
    lines += [f"- {escape_text(str(s))}" for s in found["lead_lag_summary"]] or ["- none found at the chosen level."]
    rep.markdown("\n".join(lines))
    risks = risk_table(sc.risks, sc.links, sc.objectives, sc.measures)
    rep.table(risks.drop(columns=["outcome"]), "balance_risks", caption="Risks attached to each outcome",
              columns={"outcome_name": "outcome", "risk_id": "risk", "touches_via": "through"})


def appendix(rep: Report) -> None:
    """The reproducibility appendix (inputs with checksums, software versions), then every table of
    the run gathered into ``tables/results.xlsx``."""
    inputs, software = rep.manifest_tables()
    rep.table(inputs, "inputs", caption="Input files and their SHA-256 checksums")
    rep.table(software, "software", caption="Software and versions")
    rep.write_workbook()
    rep.markdown("Every table of this report is in the run folder as a CSV file (`tables/`) and, for analysts, "
                 "in one Excel workbook, `tables/results.xlsx`, whose first sheet describes every column.")
