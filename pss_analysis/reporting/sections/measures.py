"""The measures section: per perspective, each measure's findings in words, its ITS and SPC charts and tables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pss_analysis.evaluation.comparison import ComparisonData
from pss_analysis.evaluation.dashboards import LEVEL_KINDS, display_impact
from pss_analysis.evaluation.measures import MeasureEvaluation, its_tables
from pss_analysis.evaluation.study import Study
from pss_analysis.methods.its import ItsResult, Robustness
from pss_analysis.methods.spc import SpcResult
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.figures.interactive import POINT_WORDS, RULE_WORDS, its_plotly, spc_plotly
from pss_analysis.reporting.figures.its import its_figure
from pss_analysis.reporting.figures.robustness import placebo_figure
from pss_analysis.reporting.figures.spc import spc_figure
from pss_analysis.reporting.figures.timeseries import timeseries_figure
from pss_analysis.reporting.formatting import confidence_label, escape_text, in_units, p_value, plain_words, yes_no
from pss_analysis.reporting.narrative import (
    ASSURANCE_LABELS,
    TERM_LABELS,
    VARIATION_LABELS,
    its_sentence,
    perspective_label,
    robustness_sentence,
    spc_sentence,
)
from pss_analysis.reporting.sections.counts import (
    area_protected,
    hidden_months,
    impact_protected,
    month_counts,
    phase_totals,
    protected,
    published_spc,
    with_phase_totals,
)
from pss_analysis.timings import timed

__all__ = ["measure_section", "perspective_sections"]


def _shown_as(measure: Mapping[str, Any], its: ItsResult) -> tuple[str, str]:
    """What the baseline level and the other terms of the effects table are, in words."""
    link = its.specification["link"]
    percentage = measure.get("kind") == "proportion"
    level = f"level ({'%' if percentage else measure['unit']})"
    if link == "logit":
        return level, "odds ratio"
    if link == "log":
        return level, "rate ratio"
    return level, f"difference ({'percentage points' if percentage else measure['unit']})"


def _effects_display(effects: pd.DataFrame, measure: Mapping[str, Any], its: ItsResult) -> pd.DataFrame:
    """The treated series' effects, the baseline level in the chart's units (per 1,000, %), each row
    saying what it holds (level, rate or odds ratio, difference)."""
    shown = effects[effects["group"] == "treated"] if "group" in effects else effects
    shown = shown[["term", "estimate", "estimate_lower", "estimate_upper", "p_value"]].copy()
    level_words, change_words = _shown_as(measure, its)
    baseline = (shown["term"] == "baseline_level").to_numpy()
    bounds = ["estimate", "estimate_lower", "estimate_upper"]
    per = float(measure.get("multiplier") or 1)
    if its.specification["link"] == "logit":  # odds -> proportion -> percentage
        shown.loc[baseline, bounds] = shown.loc[baseline, bounds].map(lambda o: o / (1 + o) * per)
    elif its.specification.get("offset") is not None:  # rate per person -> per 1,000
        shown.loc[baseline, bounds] = shown.loc[baseline, bounds] * per
    shown["shown_as"] = [level_words if b else change_words for b in baseline]
    shown["term"] = shown["term"].map(lambda t: TERM_LABELS.get(t, t))
    if "group" in effects and its.specification.get("controlled"):  # comparison areas: the net changes too
        net = effects[(effects["group"] == "difference") & effects["term"].isin(["level_change", "slope_change"])]
        net = net[["term", "estimate", "estimate_lower", "estimate_upper", "p_value"]].assign(shown_as=change_words)
        net["term"] = net["term"].map(lambda t: f"{TERM_LABELS.get(t, t)}, beyond the comparison areas")
        shown = pd.concat([shown, net], ignore_index=True)
    return shown


def _impact_display(shown: pd.DataFrame) -> pd.DataFrame:
    """The impact rows in the chart's units (:func:`display_impact`), relative differences in %."""
    columns = [
        "observed",
        "fitted",
        "counterfactual",
        "absolute_effect",
        "absolute_effect_lower",
        "absolute_effect_upper",
        "relative_effect",
        "relative_effect_lower",
        "relative_effect_upper",
    ]
    period = [
        ("whole period, monthly average" if average else "whole period, total") if cumulative else f"month {h}"
        for h, cumulative, average in zip(shown["horizon"], shown["cumulative"], shown["average"], strict=True)
    ]
    out = shown[columns].copy().assign(period=period)[["period", *columns]]
    for column in columns[-3:]:
        out[column] = out[column] * 100
    return out


def _points(measure: Mapping[str, Any], shown: pd.DataFrame | None) -> tuple[float, float, float] | None:
    """A percentage measure's whole-period difference in percentage points, with its limits."""
    if shown is None or measure.get("kind") != "proportion":
        return None
    row = shown[shown["cumulative"]]
    if row.empty:
        return None
    r = row.iloc[0]
    return float(r["absolute_effect"]), float(r["absolute_effect_lower"]), float(r["absolute_effect_upper"])


def _findings(
    measure: Mapping[str, Any],
    evaluation: MeasureEvaluation,
    impact: pd.DataFrame | None,
    alpha: float,
    qualifier: str | None = None,
    shown: pd.DataFrame | None = None,
) -> str:
    """The measure's heading, description and findings in words (Markdown)."""
    lines = [
        f"#### {escape_text(measure['name'])}",
        f"*{escape_text(measure['unit'])}.* {escape_text(str(measure.get('description', '')))}",
    ]
    if impact is not None:
        lines.append(
            "**What changed:** "
            + escape_text(its_sentence(measure, impact, alpha=alpha, points=_points(measure, shown)))
        )
    else:
        lines.append(
            f"**What changed:** no interrupted time series could be fitted: "
            f"{escape_text(evaluation.its_problem or 'unknown reason')}."
        )
    if evaluation.spc is not None:
        choice = evaluation.chart_choice
        reading = spc_sentence(
            measure,
            evaluation.spc.summary(),
            evaluation.spc_comparison,
            chart=evaluation.spc_options.get("chart"),
            chart_reason=choice.reason if choice else None,
            qualifier=qualifier,
        )
        lines.append("**Process behaviour:** " + escape_text(reading))
    else:
        lines.append(f"**Process behaviour:** no control chart: {escape_text(evaluation.spc_problem or '')}.")
    lines += [f"*Note:* {escape_text(warning)}" for warning in evaluation.warnings]
    return "\n\n".join(lines)


def _its_outputs(
    rep: Report,
    measure: Mapping[str, Any],
    series: pd.DataFrame,
    its: ItsResult,
    options: Mapping[str, Any],
    tables: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    annotations: list[tuple[Any, str]] | None,
    changes: Mapping[str, str] | None = None,
    comparison: ComparisonData | None = None,
) -> None:
    """The ITS chart, the table of segmented-regression estimates and the impact table (in the
    chart's units: ``tables`` holds the effects, the impact rows in the model's units and the same
    rows as :func:`display_impact` shows them)."""
    mid, name, unit = measure["measure_id"], measure["name"], measure["unit"]
    effects, raw, impact = tables
    level = confidence_label(rep.params.analysis.alpha)
    scaled = options.get("offset") or options.get("denominator")
    per = float(measure["multiplier"]) if scaled else None  # rates per 1,000, percentages
    data = _chart_data(_its_data(its, per), measure, series, ("observed",))
    hidden = hidden_months(rep.hidden_cells(**data), data["frame"]["month"], "observed")
    fig = its_figure(
        its,
        title=name,
        ylabel=unit,
        rate_per=per,
        annotations=annotations or None,
        hidden=hidden,
        hidden_comparison=_comparison_hidden(rep, measure, comparison) if its.specification.get("controlled") else (),
    )
    rep.figure(
        fig,
        f"its_{mid}",
        caption=f"{name}: observed, model fit and expected without the programme",
        alt=f"Chart of {name} by month with the fitted segmented regression line and, after the "
        f"programme start in {rep.params.programme.start}, the line expected had the pre-programme "
        f"trend continued with its {level} confidence band.",
        interactive=its_plotly(
            its,
            title=name,
            ylabel=unit,
            rate_per=per,
            fmt=lambda v: in_units(v, measure),
            average=measure.get("kind") in LEVEL_KINDS,
            annotations=annotations or None,
            changes=changes,
            hidden=hidden,
        )
        if rep.params.report.interactive
        else None,
        data=data,
    )
    rep.table(
        _effects_display(effects, measure, its),
        f"its_effects_{mid}",
        caption=f"{name}: segmented regression estimates ({level} CI)",
        columns={"estimate_lower": "lower", "estimate_upper": "upper", "p_value": "p-value", "shown_as": "shown as"},
        formats={"p_value": p_value},
    )
    keys = {c: raw[c].to_numpy() for c in ("time", "cumulative", "units")}
    protect = impact_protected(
        _impact_display(impact).assign(measure_id=mid, **keys),
        month_counts(series, pd.DataFrame([measure])),
        pd.DataFrame([measure]),
        model_units=raw.assign(measure_id=mid),
    )
    shown = protect.pop("frame").drop(columns=["measure_id", *keys])
    percentage = measure.get("kind") == "proportion"
    rep.table(
        shown,
        f"its_impact_{mid}",
        **protect,
        caption=f"{name}: programme impact, fitted against expected without the programme ({level} CI); "
        f"values in {'%' if percentage else unit}, differences in {'percentage points' if percentage else unit}, "
        "relative differences in %",
        columns={
            "counterfactual": "expected without the programme",
            "absolute_effect": "difference",
            "absolute_effect_lower": "lower",
            "absolute_effect_upper": "upper",
            "relative_effect": "relative difference (%)",
            "relative_effect_lower": "rel. lower (%)",
            "relative_effect_upper": "rel. upper (%)",
        },
    )


def _comparison_hidden(rep: Report, measure: Mapping[str, Any], comparison: ComparisonData | None) -> frozenset[str]:
    """The months in which a comparison area's count of ``measure`` is small: the ITS chart shows no
    comparison value for them (one area's value, or the areas' average or total, would give it back
    with what else is known)."""
    if comparison is None:
        return frozenset()
    rows = comparison.rows[comparison.rows["measure_id"] == measure["measure_id"]]
    if rows.empty:
        return frozenset()
    data = area_protected(rows, measure)
    return hidden_months(rep.hidden_cells(**data), data["frame"]["_month"], "value")


_RELATIVE = ["relative_effect", "relative_effect_lower", "relative_effect_upper"]

#: The model choices of the specification table in words.
_MODEL_WORDS = {
    "gaussian": "OLS",
    "poisson": "Poisson",
    "quasipoisson": "quasi-Poisson",
    "negbin": "negative binomial",
    "binomial": "binomial",
    "quasibinomial": "quasi-binomial",
    "fourier": "Fourier (2 pairs)",
    "month": "month indicators",
    "newey_west": "Newey-West",
    "ar1": "AR(1) errors",
}


def _specification_display(rob: Robustness) -> pd.DataFrame:
    """The specification table as the report shows it: relative changes in %, the measure's model first."""
    columns = ["headline", "family", "seasonality", "autocorrelation", *_RELATIVE, "holds"]
    shown = rob.specifications[columns + ["problem"]].copy()
    for column in _RELATIVE:
        shown[column] = shown[column] * 100
    if shown["problem"].isna().all():
        shown = shown.drop(columns="problem")
    return shown


def _robustness_outputs(rep: Report, measure: Mapping[str, Any], rob: Robustness) -> None:
    """The robustness paragraph, the specification table and the placebo figure of one measure."""
    mid, name = measure["measure_id"], measure["name"]
    rep.markdown("**Robustness:** " + escape_text(robustness_sentence(rob)))
    level = confidence_label(rep.params.analysis.alpha)
    if not rob.specifications.empty:
        rep.table(
            _specification_display(rob),
            f"its_robustness_{mid}",
            caption=f"{name}: the overall change since the start under other models ({level} CI, %); "
            "holds = the same direction of change as the verdict",
            columns={
                "headline": "report's model",
                "relative_effect": "relative change (%)",
                "relative_effect_lower": "lower (%)",
                "relative_effect_upper": "upper (%)",
            },
            formats={
                "headline": yes_no,
                "holds": yes_no,
                **{c: lambda v: plain_words(v, _MODEL_WORDS) for c in ("family", "seasonality", "autocorrelation")},
            },
        )
    if rob.n_placebos:
        start = rep.params.programme.start
        fig = placebo_figure(rob, real_start=pd.Period(start, freq="M"), title=f"{name}: pretend starts")
        rep.figure(
            fig,
            f"its_placebo_{mid}",
            caption=f"{name}: the change at the real start against changes at pretend starts before the programme",
            alt=f"Dot chart of {name}: for each pretend start month before the programme, the strength of the "
            "change the model finds (the change divided by its margin of error) as a grey dot; the real change at "
            f"{start} as a larger orange diamond; a shaded band from -1 to 1 where a change is not clear.",
        )


def _timeseries_output(
    rep: Report, measure: Mapping[str, Any], series: pd.DataFrame, annotations: list[tuple[Any, str]] | None
) -> None:
    """The plain chart of a measure without an ITS model."""
    mid, name, unit = measure["measure_id"], measure["name"], measure["unit"]
    start = rep.params.programme.start
    data = _chart_data(
        series[["period", "value"]].assign(period=series["period"].astype(str)).rename(columns={"period": "month"}),
        measure,
        series,
        ("value",),
    )
    hidden = hidden_months(rep.hidden_cells(**data), data["frame"]["month"], "value")
    fig = timeseries_figure(
        series,
        start=start,
        title=name,
        ylabel=unit,
        target=measure.get("target"),
        annotations=annotations,
        hidden=hidden,
    )
    rep.figure(
        fig,
        f"timeseries_{mid}",
        caption=f"{name} by month",
        alt=f"Line chart of {name} ({unit}) by month with the programme start in {start} marked.",
        data=data,
    )


def _chart_data(
    frame: pd.DataFrame,
    measure: Mapping[str, Any],
    series: pd.DataFrame,
    derived: tuple[str, ...],
    from_denominator: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The data behind a chart (a ``month`` column) with the months' small counts hidden, as the published
    tables hide them (:func:`~pss_analysis.reporting.sections.counts.protected`)."""
    counts = month_counts(series, pd.DataFrame([measure]))
    out = protected(frame.assign(measure_id=measure["measure_id"]), counts, "month", derived, from_denominator)
    return {**out, "helpers": [*out["helpers"], "measure_id"]}


def _spc_output(
    rep: Report,
    measure: Mapping[str, Any],
    series: pd.DataFrame,
    spc: SpcResult,
    chart: str,
    annotations: list[tuple[Any, str]] | None,
    changes: Mapping[str, str] | None = None,
) -> None:
    """The control chart, limits recalculated at the programme start."""
    mid, name, unit = measure["measure_id"], measure["name"], measure["unit"]
    title = f"{name} ({chart.upper()} chart)"
    data = _chart_data(_spc_data(spc), measure, series, ("value",), ("lower limit", "upper limit"))
    points = spc.points.assign(measure_id=mid)  # the centre line of a phase gives its total back
    data["frame"] = data["frame"].assign(phase=points["phase"].to_numpy())
    data = with_phase_totals(
        {**data, "helpers": [*data["helpers"], "phase"]},
        phase_totals(points, month_counts(series, pd.DataFrame([measure]))),
        columns=_SPC_LINES,
    )
    hide = rep.hidden_cells(**data)
    months = data["frame"]["month"]
    spc = published_spc(
        spc,
        value=hidden_months(hide, months, "value"),
        limits=hidden_months(hide, months, "lower limit"),
        centre=hidden_months(hide, months, "centre line"),
    )
    fig = spc_figure(spc, title=title, ylabel=unit, annotations=annotations or None)
    rep.figure(
        fig,
        f"spc_{mid}",
        caption=f"{name}: statistical process control chart, limits recalculated at the programme start",
        alt=f"{chart.upper()} control chart of {name} by month, with centre line and process limits "
        f"before and since {rep.params.programme.start}; points are marked by type of variation (grey "
        f"circles common cause, blue squares improvement, orange crosses concern, purple diamonds neither). "
        f"{_spc_latest(spc)}",
        interactive=spc_plotly(
            spc,
            title=title,
            ylabel=unit,
            fmt=lambda v: in_units(v, measure),
            annotations=annotations or None,
            changes=changes,
        )
        if rep.params.report.interactive
        else None,
        data=data,
    )


def _its_data(its: ItsResult, per: float | None) -> pd.DataFrame:
    """The data behind an ITS chart, one row a month, in the chart's units."""
    pred = its.predictions() if per is None else its.predictions(per=per)
    treated = pred[pred["group"] == "treated"] if "group" in pred else pred
    frame = treated[["time", "observed", "fitted", "counterfactual", "counterfactual_lower", "counterfactual_upper"]]
    frame = frame.assign(time=frame["time"].astype(str))
    post = (treated["phase"] != "pre").to_numpy()
    frame.loc[~post, ["counterfactual", "counterfactual_lower", "counterfactual_upper"]] = float("nan")
    return frame.rename(
        columns={
            "time": "month",
            "fitted": "model fit",
            "counterfactual": "expected without the programme",
            "counterfactual_lower": "lower",
            "counterfactual_upper": "upper",
        }
    )


#: The centre line and limits of a control chart's data (:func:`_spc_data`).
_SPC_LINES = ("centre line", "lower limit", "upper limit")


def _spc_data(spc: SpcResult) -> pd.DataFrame:
    """The data behind a control chart, one row a month: value, lines, type of point and the rules that fired."""
    points = spc.points
    rules = [c for c in points.columns if c.startswith("rule_")]
    flags = points[rules].astype(bool).to_dict("records")
    fired = ["; ".join(RULE_WORDS.get(c, c) for c in rules if row[c]) for row in flags]
    frame = points[["x", "value", "centre_line", "lcl", "ucl"]].assign(
        x=points["x"].astype(str),
        point=points["point_type"].map(lambda t: POINT_WORDS.get(str(t), str(t))),
        rules=fired if len(points) else "",
    )
    return frame.rename(
        columns={"x": "month", "centre_line": "centre line", "lcl": "lower limit", "ucl": "upper limit"}
    )


def _spc_latest(spc: SpcResult) -> str:
    """What the chart's icons say, in words: 'Latest months: common cause; target: hit or miss.'"""
    latest = spc.summary().iloc[-1]
    said = plain_words(latest.get("variation_type"), VARIATION_LABELS)
    target = plain_words(latest.get("assurance_type"), ASSURANCE_LABELS)
    return f"Latest months: {said}" + (f"; against the target: {target}." if target else ".")


def measure_section(
    rep: Report,
    measure: Mapping[str, Any],
    series: pd.DataFrame,
    evaluation: MeasureEvaluation,
    annotations: list[tuple[Any, str]] | None = None,
    qualifier: str | None = None,
    changes: Mapping[str, str] | None = None,
    comparison: ComparisonData | None = None,
) -> None:
    """One measure: what it is, the plain-English findings (``qualifier``: the verdict's, when the
    control chart disagrees with it), the ITS and SPC charts and tables (``changes``: what each change
    of the change log was, by id, for the interactive charts' hover; ``comparison``: the comparison
    areas, whose small numbers the ITS chart leaves out too)."""
    its, spc = evaluation.its, evaluation.spc
    tables = its_tables({measure["measure_id"]: evaluation}, rep.params.analysis.impact_at) if its is not None else None
    shown = display_impact(measure, its, tables[1], series) if its is not None and tables is not None else None
    impact = tables[1] if tables else None
    rep.markdown(_findings(measure, evaluation, impact, rep.params.analysis.alpha, qualifier, shown))
    if its is not None and tables is not None and shown is not None:
        outputs = (tables[0], tables[1], shown)
        _its_outputs(rep, measure, series, its, evaluation.its_options, outputs, annotations, changes, comparison)
        if evaluation.robustness is not None:
            _robustness_outputs(rep, measure, evaluation.robustness)
    else:
        _timeseries_output(rep, measure, series, annotations)
    if spc is not None:
        _spc_output(rep, measure, series, spc, evaluation.spc_options["chart"], annotations, changes)


def perspective_sections(rep: Report, study: Study) -> None:
    """A section per perspective with each measure's findings, ITS and SPC."""
    names = study.perspectives.set_index("perspective_id")["name"]
    qualifiers = study.evidence.set_index("measure_id")["verdict_qualifier"].dropna()
    used = list(dict.fromkeys(study.measures["perspective"]))
    changes = _change_words(study)
    known = [p for p in study.perspectives.sort_values("order")["perspective_id"] if p in used]
    for perspective in known + [p for p in used if p not in known]:  # a catalogue may name others
        rep.markdown(f"### {escape_text(perspective_label(perspective, names))}")
        for m in study.measures[study.measures["perspective"] == perspective].to_dict("records"):
            with timed("measure section", measure=m["measure_id"], level="section"):
                measure_section(
                    rep,
                    m,
                    study.indicators[study.indicators["measure_id"] == m["measure_id"]],
                    study.evaluations[m["measure_id"]],
                    study.annotations,
                    qualifiers.get(m["measure_id"]),
                    changes,
                    study.comparison,
                )


def _change_words(study: Study) -> dict[str, str]:
    """What each change of the scorecard's change log was, by its id: 'what (where, month)'."""
    if study.scorecard is None or study.scorecard.changes.empty:
        return {}
    return {
        str(row.change_id): f"{row.what} ({row.where}, {row.month})" for row in study.scorecard.changes.itertuples()
    }
