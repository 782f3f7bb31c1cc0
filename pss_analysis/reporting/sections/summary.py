"""The executive summary: verdicts by perspective, what improved or deteriorated, value for money."""

from __future__ import annotations

import pandas as pd

from pss_analysis.evaluation.measures import its_tables
from pss_analysis.evaluation.study import Study
from pss_analysis.evaluation.verdicts import (
    DETERIORATED,
    IMPROVED,
    NO_EVIDENCE,
    NOT_ENOUGH_DATA,
    money_scale,
    perspective_summary,
)
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.formatting import confidence_label, escape_text, money_change, money_range
from pss_analysis.reporting.sections.counts import evidence_protected

__all__ = ["executive_summary", "NO_RELIABLE_CHANGE"]

#: What the value-for-money table says of a measure whose verdict is neither improved nor deteriorated.
NO_RELIABLE_CHANGE = "no reliable change"


def _value_for_money(evidence: pd.DataFrame) -> pd.DataFrame:
    """The measures with a money impact in pounds, each with its money in words: saved or extra cost
    when the verdict is improved or deteriorated, else no reliable change."""
    costed = evidence.dropna(subset=["money"])
    costed = costed[costed["money_unit"] == "£"]
    claimed = costed["verdict"].isin([IMPROVED, DETERIORATED])
    table = costed[
        ["measure_id", "name", "unit", "verdict", "cumulative_months", "money", "money_lower", "money_upper"]
    ].reset_index(drop=True)
    table["value_for_money"] = [
        money_change(r["money"]) if ok else NO_RELIABLE_CHANGE
        for r, ok in zip(table.to_dict("records"), claimed.to_numpy(), strict=True)
    ]
    table["interval"] = [money_range(lo, hi) for lo, hi in zip(table["money_lower"], table["money_upper"], strict=True)]
    return table


def _money_lines(table: pd.DataFrame, level: str) -> list[str]:
    """A sentence for each measure whose money is claimed (improved or deteriorated)."""
    lines = []
    for r in table[table["value_for_money"] != NO_RELIABLE_CHANGE].to_dict("records"):
        lines.append(
            f"\n*Value for money:* {escape_text(r['name'])}: about {r['value_for_money']} over "
            f"{int(r['cumulative_months'])} months ({level} CI {r['interval']})"
            + ("." if money_scale(r["unit"]) else ", at the measure's unit cost.")
        )
    return lines


def _save_evidence(rep: Report, study: Study) -> set[str]:
    """Write ``evidence``, its whole-period impact hidden where the total since the start is a small
    count; the measures so hidden (their value for money is not stated either)."""
    impact = its_tables(study.evaluations, [])[1]
    if impact.empty:
        rep.save_table(study.evidence, "evidence")
        return set()
    protect = evidence_protected(study.evidence, impact, study.measures)
    options = rep.params.report.suppression
    totals = protect["frame"].set_index("measure_id")[protect["counts"][0]]
    rep.save_table(name="evidence", **protect)
    return set(totals[(totals > 0) & (totals <= options.threshold)].index) if options.enabled else set()


def executive_summary(rep: Report, study: Study) -> None:
    """The verdict per perspective, the measures that improved or deteriorated, and value for money."""
    hidden = _save_evidence(rep, study)
    summary = perspective_summary(study.evidence, study.perspectives)
    rep.table(
        summary.drop(columns=["reading"]),
        "executive_summary",
        caption="Verdicts by perspective",
        columns={v.replace(" ", "_"): v for v in (NO_EVIDENCE, NOT_ENOUGH_DATA)},
    )
    lines = [f"- {escape_text(r)}" for r in summary["reading"]]
    for verdict, heading in ((IMPROVED, "Improved"), (DETERIORATED, "Deteriorated")):
        names = study.evidence.loc[study.evidence["verdict"] == verdict, "name"]
        if len(names):
            lines.append(f"\n**{heading}:** " + "; ".join(escape_text(n) for n in names) + ".")
    level = confidence_label(study.analysis.alpha)
    table = _value_for_money(study.evidence[~study.evidence["measure_id"].isin(hidden)])
    lines += _money_lines(table, level)
    rep.markdown("\n".join(lines))
    if table.empty:
        return
    rep.table(
        table,
        "value_for_money",
        caption=f"Value for money: the overall change since the start in pounds ({level} CI; counts at the "
        "measure's unit cost), claimed only where the verdict is improved or deteriorated",
        columns={
            "name": "measure",
            "cumulative_months": "months",
            "value_for_money": "value for money",
            "interval": f"{level} CI",
        },
        hide=("measure_id", "unit", "money", "money_lower", "money_upper"),
    )
