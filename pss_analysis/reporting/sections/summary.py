"""The executive summary: verdicts by perspective, what improved or deteriorated, value for money."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from pss_analysis.evaluation.measures import its_tables
from pss_analysis.evaluation.study import Study
from pss_analysis.evaluation.value import RETURN_COLUMNS, ValueForMoney, value_for_money
from pss_analysis.evaluation.verdicts import (
    DETERIORATED,
    IMPROVED,
    NO_EVIDENCE,
    NOT_ENOUGH_DATA,
    money_scale,
    perspective_summary,
)
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.formatting import confidence_label, escape_text, money, money_change, money_range
from pss_analysis.reporting.sections.counts import evidence_protected

__all__ = ["executive_summary", "NO_RELIABLE_CHANGE", "per_pound"]

#: What the value-for-money table says of a measure whose verdict is neither improved nor deteriorated.
NO_RELIABLE_CHANGE = "no reliable change"


def _value_for_money(evidence: pd.DataFrame, value: ValueForMoney | None = None) -> pd.DataFrame:
    """One row per value group (:func:`~pss_analysis.evaluation.value.value_for_money`), each with its
    money in words: saved or extra cost when the verdict is improved or deteriorated, else no reliable
    change; the group's other measures named as alternative views."""
    value = value if value is not None else value_for_money(evidence)
    table = value.figures.drop(columns=["value_group", "claimed"]).reset_index(drop=True)
    table["value_for_money"] = [
        money_change(m) if ok else NO_RELIABLE_CHANGE
        for m, ok in zip(table["money"], value.figures["claimed"], strict=True)
    ]
    table["interval"] = [money_range(lo, hi) for lo, hi in zip(table["money_lower"], table["money_upper"], strict=True)]
    table["alternatives"] = ["; ".join(names) for names in table["alternatives"]]
    if value.total is not None:
        t = value.total
        claimed = not (t["money_lower"] <= 0 <= t["money_upper"])
        total = {
            "measure_id": "",
            "name": f"Total of the {t['groups']} figures above (each activity counted once)",
            "unit": "£",
            "verdict": "",
            "cumulative_months": t["months"],
            "money": t["money"],
            "money_lower": t["money_lower"],
            "money_upper": t["money_upper"],
            "alternatives": "",
            "value_for_money": money_change(t["money"]) if claimed else NO_RELIABLE_CHANGE,
            "interval": money_range(t["money_lower"], t["money_upper"]),
        }
        table = pd.concat([table, pd.DataFrame([total])], ignore_index=True)
    return table


def _money_lines(table: pd.DataFrame, level: str) -> list[str]:
    """A sentence for each figure whose money is claimed (improved or deteriorated)."""
    lines = []
    for r in table[table["value_for_money"] != NO_RELIABLE_CHANGE].to_dict("records"):
        also = (
            f" The same activity is also measured by {escape_text(r['alternatives'])}: alternative views, not added."
            if r["alternatives"]
            else ""
        )
        lines.append(
            f"\n*Value for money:* {escape_text(r['name'])}: about {r['value_for_money']} over "
            f"{int(r['cumulative_months'])} months ({level} CI {r['interval']})"
            + ("." if money_scale(r["unit"]) else ", at the measure's unit cost.")
            + also
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


def per_pound(value: float) -> str:
    """Pounds per £1 to the penny (halves up), sign kept: 1.8 -> '£1.80', 0.625 -> '£0.63', -0.4 -> '−£0.40'."""
    pence = Decimal(repr(abs(float(value)))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return f"{'−' if value < 0 and pence else ''}£{pence:,}"


def _cost_words(value: ValueForMoney, months: int) -> str:
    cost = value.cost
    if cost is None or cost.per_year is None:
        return f"The programme cost {money(cost.over(months) if cost else 0)} over the {months} months since the start"
    return (
        f"The programme cost {money(cost.per_year)} a year, {money(cost.over(months))} over the {months} months "
        f"since the start ({money(cost.per_year)} × {months} / 12)"
    )


def _return_lines(value: ValueForMoney, level: str) -> list[str]:
    """The return per £1 spent and the net benefit of the total (or of the one group), in words."""
    if value.returns.empty:
        return []
    r = value.returns.iloc[-1]
    what = "counting each activity once" if r["value_group"] == "" else f"from {escape_text(r['name'])}"
    saved = "was saved" if r["return_per_pound"] >= 0 else "of extra cost arose"
    unsure = (
        " The interval includes no saving, so a return is not shown reliably."
        if r["saved_lower"] <= 0 <= r["saved_upper"]
        else ""
    )
    return [
        f"\n*Return on the cost:* {_cost_words(value, int(r['months']))}. For every £1 spent, about "
        f"{per_pound(abs(r['return_per_pound']))} {saved} ({what}; {level} CI "
        f"{per_pound(r['return_per_pound_lower'])} to {per_pound(r['return_per_pound_upper'])}), a net benefit of "
        f"about {money(r['net_benefit'])} ({level} CI {money(r['net_benefit_lower'])} to "
        f"{money(r['net_benefit_upper'])}); the cost is taken as known." + unsure
    ]


def _returns_table(rep: Report, value: ValueForMoney, level: str) -> None:
    if value.returns.empty:
        return
    table = value.returns.copy()
    table["return per £1"] = [per_pound(v) for v in table["return_per_pound"]]
    table["return interval"] = [
        f"{per_pound(lo)} to {per_pound(hi)}"
        for lo, hi in zip(table["return_per_pound_lower"], table["return_per_pound_upper"], strict=True)
    ]
    table["net benefit"] = [money(v) for v in table["net_benefit"]]
    table["net benefit interval"] = [
        f"{money(lo)} to {money(hi)}"
        for lo, hi in zip(table["net_benefit_lower"], table["net_benefit_upper"], strict=True)
    ]
    table["cost taken"] = [money(v) for v in table["cost"]]
    rep.table(
        table,
        "return_on_cost",
        caption=f"Return on the programme's cost: money saved per £1 spent and net benefit (money saved minus "
        f"cost) over the months since the start ({level} CI from the money's interval; the cost is taken as known)",
        columns={
            "name": "figure",
            "return interval": f"return {level} CI",
            "net benefit interval": f"net benefit {level} CI",
            "cost taken": "cost",
        },
        hide=tuple(c for c in RETURN_COLUMNS if c not in ("name", "months")),  # shown in words above
    )


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
    if hidden:  # a total since the start that is a small count is not stated in money either
        shown = study.evidence[~study.evidence["measure_id"].isin(hidden)]
        sc = study.scorecard
        value = value_for_money(shown, None if sc is None else sc.measures, rep.params.programme.cost)
    else:
        value = study.value if study.value is not None else value_for_money(study.evidence)
    table = _value_for_money(study.evidence, value)
    lines += _money_lines(table, level) + _return_lines(value, level)
    rep.markdown("\n".join(lines))
    if table.empty:
        return
    rep.table(
        table,
        "value_for_money",
        caption=f"Value for money: the overall change since the start in pounds ({level} CI; counts at the "
        "measure's unit cost), claimed only where the verdict is improved or deteriorated; one figure per "
        "activity (a measure in money first), the other measures of the same activity named as alternative "
        "views and not added; the total adds the ends of the intervals (conservative)",
        columns={
            "name": "measure",
            "cumulative_months": "months",
            "value_for_money": "value for money",
            "interval": f"{level} CI",
            "alternatives": "alternative views (same activity, not added)",
        },
        hide=("measure_id", "unit", "money", "money_lower", "money_upper"),
    )
    _returns_table(rep, value, level)
