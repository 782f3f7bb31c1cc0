"""The executive summary: verdicts by perspective, what improved or deteriorated, value for money."""

from __future__ import annotations

from pss_analysis.evaluation.measures import its_tables
from pss_analysis.evaluation.study import Study
from pss_analysis.evaluation.verdicts import DETERIORATED, IMPROVED, NO_EVIDENCE, NOT_ENOUGH_DATA, perspective_summary
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.formatting import confidence_label, escape_text, money
from pss_analysis.reporting.sections.counts import evidence_protected

__all__ = ["executive_summary"]


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
    """The verdict per perspective, and the measures that improved or deteriorated."""
    hidden = _save_evidence(rep, study)
    summary = perspective_summary(study.evidence, study.perspectives)
    rep.table(
        summary.drop(columns=["reading"]),
        "executive_summary",
        caption="Verdicts by perspective",
        columns={"perspective_id": "id", **{v.replace(" ", "_"): v for v in (NO_EVIDENCE, NOT_ENOUGH_DATA)}},
    )
    lines = [f"- {escape_text(r)}" for r in summary["reading"]]
    for verdict, heading in ((IMPROVED, "Improved"), (DETERIORATED, "Deteriorated")):
        names = study.evidence.loc[study.evidence["verdict"] == verdict, "name"]
        if len(names):
            lines.append(f"\n**{heading}:** " + "; ".join(escape_text(n) for n in names) + ".")
    level = confidence_label(study.analysis.alpha)
    costed = study.evidence.dropna(subset=["money"])
    costed = costed[~costed["measure_id"].isin(hidden)]
    for r in costed[costed["money_unit"] == "£"].to_dict("records"):
        low, high = sorted((abs(r["money_lower"]), abs(r["money_upper"])))
        lines.append(
            f"\n*Value for money:* {escape_text(r['name'])}: about {money(r['money'])} "
            f"{'saved' if r['money'] < 0 else 'extra cost'} over {int(r['cumulative_months'])} months "
            f"({level} CI {money(low)} to {money(high)}), at the measure's unit cost."
        )
    rep.markdown("\n".join(lines))
