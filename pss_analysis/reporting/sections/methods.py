"""The methods section: verdict rules, indicator definitions, the model and chart of each measure."""

from __future__ import annotations

import pandas as pd

from pss_analysis.evaluation.measures import describe_its_options
from pss_analysis.evaluation.study import Study
from pss_analysis.evaluation.verdicts import VERDICT_RULES
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.formatting import escape_text, plain_words

__all__ = ["methods_section"]


def methods_section(rep: Report, study: Study) -> None:
    """The verdict rules, indicator definitions, the model and chart used for each measure, and the
    small-number suppression rule."""
    rep.markdown(
        "**Small numbers.** " + escape_text(rep.suppression_rule) + " Computations use the true values; "
        "only what is published is suppressed."
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
    rep.table(
        pd.DataFrame({"rule": list(VERDICT_RULES)}),
        "methods_verdict_rules",
        caption="How each measure's verdict is decided",
    )
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
                "spc_rules": ev.spc_options.get("rules"),
            }
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
            "spc_rules": "SPC rules",
        },
    )
