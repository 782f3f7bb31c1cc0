"""The methods section: verdict rules, indicator definitions, the model and chart of each measure."""

from __future__ import annotations

import pandas as pd

from pss_analysis.evaluation.measures import MeasureEvaluation, describe_its_options
from pss_analysis.evaluation.options import robustness_options
from pss_analysis.evaluation.study import Study
from pss_analysis.evaluation.verdicts import ROBUSTNESS_RULE, VERDICT_RULES
from pss_analysis.methods.spc.constants import LANEY_OVERDISPERSION_LIMIT
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.formatting import escape_text, plain_words

__all__ = ["methods_section", "comparison_paragraph"]

#: Why a measure got its control chart, in the methods table.
CHART_WHY = {
    "kind": "the default for its kind",
    "chosen": "chosen in the parameters",
    "overdispersed": "the months vary more than the counts alone explain (Laney's sigma-z {sigma_z:.2f}, "
    "above {limit}), so Laney's chart, whose limits allow for it",
}


def _chart_why(ev: MeasureEvaluation) -> str:
    """Why the measure's chart was chosen, in words."""
    choice = ev.chart_choice
    if choice is None:
        return ""
    return CHART_WHY[choice.reason].format(sigma_z=choice.sigma_z or 0.0, limit=LANEY_OVERDISPERSION_LIMIT)


def _listed(names: list[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def comparison_paragraph(study: Study) -> str | None:
    """The sentence naming the programme's area and the comparison areas its measures were compared
    with (``analysis.comparison``), and any measure analysed without them; None without comparison areas."""
    data = study.comparison
    if data is None:
        return None
    areas = list(data.areas)
    treated = escape_text(data.treated)
    count = "the comparison area" if len(areas) == 1 else f"{len(areas)} comparison areas"
    text = (
        f"**Comparison areas.** Each measure of {treated} was compared with {count}: "
        f"{_listed([escape_text(a) for a in areas])}. The model fits {treated} and the comparison areas together (a "
        "controlled interrupted time series; Linden 2015), so the changes it reports for the programme are "
        "those beyond the changes seen in the comparison areas over the same months."
    )
    names = study.measures.set_index("measure_id")["name"]
    alone = [
        str(names[mid])
        for mid, ev in study.evaluations.items()
        if ev.its is not None and not ev.its.specification.get("controlled")
    ]
    if alone:
        listed = _listed([escape_text(a) for a in alone])
        text += f" No comparison-area data for {listed}: analysed for {treated} alone."
    return text


def _robustness_text(study: Study) -> str:
    """How robustness was decided, and which checks ran (all measures, or how many)."""
    ids = list(study.measures["measure_id"])
    checked = [m for m in ids if study.evaluations[m].robustness is not None]
    controlled = [
        m for m in ids if (its := study.evaluations[m].its) is not None and its.specification.get("controlled")
    ]
    not_for_comparison = (
        " They are not run for models fitted with comparison areas (the checks refit the programme's area alone)."
        if controlled
        else ""
    )
    if not checked:
        why = "" if controlled else " they were switched off in the parameters."
        return "No robustness checks were run" + (":" + why if why else ".") + not_for_comparison
    text = ROBUSTNESS_RULE.removeprefix("Robustness: ")
    text = text[0].upper() + text[1:]
    limits = {robustness_options(study.analysis, m).get("max_specifications") for m in checked}
    if limits != {None}:
        most = ", ".join(str(v) for v in sorted(v for v in limits if v is not None))
        text += (
            f" At most {most} other models per measure were fitted, those nearest the measure's own model first "
            "(changing one of family, seasonality and autocorrelation before two)."
        )
    if len(checked) < len(ids):
        text += f" The checks ran for {len(checked)} of the {len(ids)} measures."
    return text + not_for_comparison


def methods_section(rep: Report, study: Study) -> None:
    """The verdict rules, indicator definitions, the model and chart used for each measure, and the
    small-number suppression rule."""
    rep.markdown(
        "**Small numbers.** "
        + escape_text(rep.suppression_rule)
        + (
            " Charts leave such values out: the line has a gap at a month not shown, marked by a grey tick "
            "on the time axis. Computations use the true values; only what is published is suppressed."
            if rep.params.report.suppression.enabled
            else ""
        )
    )
    if not study.definitions.empty:
        catalogue = study.scorecard.measures if study.scorecard is not None else study.measures
        names = pd.concat([catalogue, study.measures]).drop_duplicates("measure_id").set_index("measure_id")["name"]
        definitions = study.definitions.copy()
        definitions.insert(1, "name", definitions["measure_id"].map(names))
        rep.table(
            definitions,
            "methods_indicator_definitions",
            caption="Indicators computed from record-level data: definitions a reader can check",
            columns={"name": "measure"},
        )
    paragraph = comparison_paragraph(study)
    if paragraph is not None:
        rep.markdown(paragraph)
    rep.table(
        pd.DataFrame({"rule": list(VERDICT_RULES)}),
        "methods_verdict_rules",
        caption="How each measure's verdict is decided",
    )
    rep.markdown("**Robustness.** " + escape_text(_robustness_text(study)))
    rows = []
    for measure in study.measures.to_dict("records"):
        ev = study.evaluations[measure["measure_id"]]
        model = describe_its_options(ev.its_options)
        rows.append(
            {
                "measure_id": measure["measure_id"],
                "name": measure["name"],
                "kind": measure["kind"],
                "its_family": model["family"],
                "its_offset": "log(denominator)" if ev.its_options.get("offset") else "",
                "its_seasonality": model["seasonality"],
                "its_autocorrelation": model["autocorrelation"],
                "its_extra_interruptions": ", ".join(str(i) for i in ev.its_options.get("interruptions", [])),
                "spc_chart": ev.spc_options.get("chart"),
                "spc_chart_why": _chart_why(ev),
                "spc_rules": ev.spc_options.get("rules"),
            }
        )
    rep.markdown(
        "**Control charts.** A rate gets a u chart and a proportion a p chart, unless the months vary more "
        "than the counts alone explain: when Laney's sigma-z (the spread of the standardised months, 1 when "
        f"the counts explain it; Laney 2002) is above {LANEY_OVERDISPERSION_LIMIT}, the chart is Laney's u′ "
        "or p′, whose limits allow for the extra variation. Limits are recalculated at the programme start; "
        "the months since the start are also read against the pre-programme centre line and limits carried "
        "forward, where a run of months on one side of the pre-programme average is a shift."
    )
    rep.table(
        pd.DataFrame(rows),
        "methods_models",
        caption="Model and chart used for each measure",
        formats={
            "its_family": plain_words,
            "its_autocorrelation": lambda v: str(v).replace("newey_west", "Newey-West").replace("_", " "),
            "its_seasonality": plain_words,
            "spc_rules": lambda v: plain_words(v, {"mdc": "Making Data Count"}),
        },
        columns={
            "name": "measure",
            "its_family": "ITS family",
            "its_offset": "offset",
            "its_seasonality": "seasonality",
            "its_autocorrelation": "autocorrelation",
            "its_extra_interruptions": "extra interruptions",
            "spc_chart": "SPC chart",
            "spc_chart_why": "why this chart",
            "spc_rules": "SPC rules",
        },
    )
