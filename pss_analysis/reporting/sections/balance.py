"""The balance section: drivers' contributions to outcomes, lead-lag association, and risks."""

from __future__ import annotations

from pss_analysis.evaluation.balance import LEAD_LAG_MONTHS, UNKNOWN, risk_table
from pss_analysis.evaluation.study import Study
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.formatting import escape_text, plain_words
from pss_analysis.reporting.narrative import LINK_LABELS

__all__ = ["balance_section"]

HEADING = """## Balance of contributions and risks

For every outcome on the map: the drivers that should move it, what their measures show, and whether
they pulled in the expected direction (a positive contribution), against it (negative), or not at
all; then the risks attached to the outcome, its measures or its drivers."""


def balance_section(rep: Report, study: Study) -> None:
    """Contributions of drivers to outcomes along the map, lead-lag association, and risks.

    Left out, heading included, when no scorecard was given: there is no map to weigh along.
    """
    sc = study.scorecard
    if sc is None:
        return
    rep.markdown(HEADING)
    links = study.links
    rep.save_table(links, "balance_links")
    per_link = links.drop_duplicates(["driver", "outcome"])
    rep.table(
        per_link[["outcome_name", "driver_name", "expected_sign", "driver_status", "contribution", "link_status"]],
        "balance_contributions",
        caption="Drivers of each outcome: their evidence and contribution",
        columns={
            "outcome_name": "outcome",
            "driver_name": "driver",
            "expected_sign": "expected sign",
            "driver_status": "driver evidence",
            "link_status": "lead-lag association",
        },
        formats={
            "driver_status": plain_words,
            "contribution": plain_words,
            "link_status": lambda v: plain_words(v, LINK_LABELS),
        },
    )
    found = links[links["lead_lag_status"] != UNKNOWN]
    lines = [
        "Lead-lag association between driver and outcome measures (pre-whitened cross-correlation at "
        f"lags 0 to {LEAD_LAG_MONTHS} months; association, not proof of cause):"
    ]
    lines += [f"- {escape_text(str(s))}" for s in found["lead_lag_summary"]] or ["- none found at the chosen level."]
    rep.markdown("\n".join(lines))
    risks = risk_table(sc.risks, sc.links, sc.objectives, sc.measures)
    rep.table(
        risks.drop(columns=["outcome"]),
        "balance_risks",
        caption="Risks attached to each outcome",
        columns={"outcome_name": "outcome", "risk_id": "risk", "touches_via": "through"},
    )
