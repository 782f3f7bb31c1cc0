"""Value for money: one figure per activity, a total that counts each activity once, and the return
on the programme's cost.

Measures that value the same activity (emergency ACS admissions, their bed-nights and their spend)
share a ``value_group`` in the scorecard. Each group gives one figure: the measure measured directly
in money (its unit is money, :func:`~pss_analysis.evaluation.verdicts.money_scale`) when the group
has one, otherwise the measure the scorecard marks ``value_group_lead``, otherwise the group's first
costed measure; the others are named as alternative views of the same money. A measure without a
group is a group of its own. A measure names at most one group, so the groups never overlap and the
total adds one figure per group; its interval adds the ends of the groups' intervals, which is
conservative (it assumes the groups' errors move together).

With the programme's cost (``programme.cost``, taken as known) each group and the total give the
net benefit (money saved minus cost) and the return per £1 spent (money saved / cost), their
intervals the ends of the money's interval carried through. A cost per year is counted over the
months since the start (per year x months / 12).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pss_analysis.config.params import ProgrammeCost
from pss_analysis.evaluation.verdicts import DETERIORATED, IMPROVED, money_scale

__all__ = ["ValueForMoney", "value_for_money", "FIGURE_COLUMNS", "RETURN_COLUMNS"]

#: The columns of :attr:`ValueForMoney.figures`, one row per group.
FIGURE_COLUMNS = (
    "value_group",
    "measure_id",
    "name",
    "unit",
    "verdict",
    "claimed",
    "cumulative_months",
    "money",
    "money_lower",
    "money_upper",
    "alternatives",
)
#: The columns of :attr:`ValueForMoney.returns`, one row per group and the total (``value_group`` blank).
RETURN_COLUMNS = (
    "value_group",
    "name",
    "months",
    "cost",
    "saved",
    "saved_lower",
    "saved_upper",
    "net_benefit",
    "net_benefit_lower",
    "net_benefit_upper",
    "return_per_pound",
    "return_per_pound_lower",
    "return_per_pound_upper",
)


@dataclass(frozen=True)
class ValueForMoney:
    """The value-for-money figures of a study (read-only).

    ``figures``: :data:`FIGURE_COLUMNS`, one row per group with money (negative = saved; ``claimed``
    when the verdict is improved or deteriorated; ``alternatives`` the names of the group's other
    costed measures). ``total``: ``money, money_lower, money_upper, months, groups`` across the
    groups, or None with fewer than two. ``returns``: :data:`RETURN_COLUMNS`, per group then the total,
    empty without a cost. ``cost``: the programme's cost as given.
    """

    figures: pd.DataFrame
    total: dict[str, Any] | None = None
    returns: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(RETURN_COLUMNS)))
    cost: ProgrammeCost | None = None


def _group_of(groups: pd.DataFrame | None) -> tuple[dict[str, str], set[str]]:
    """(measure id -> group id, the measures marked lead) from a scorecard's measures table."""
    if groups is None or "value_group" not in groups:
        return {}, set()
    group_of = {str(m): str(g) for m, g in zip(groups["measure_id"], groups["value_group"], strict=True) if g}
    leads = set(groups.loc[groups["value_group_lead"].astype(bool), "measure_id"].astype(str))
    return group_of, leads


def _representative(members: list[dict[str, Any]], leads: set[str]) -> int:
    """The position in ``members`` of the group's figure: money first, then the lead, then the first."""
    money = [money_scale(m["unit"]) is not None for m in members]
    lead = [m["measure_id"] in leads for m in members]
    for k, (is_money, is_lead) in enumerate(zip(money, lead, strict=True)):
        if is_money and is_lead:
            return k
    for wanted in (money, lead):
        if any(wanted):
            return wanted.index(True)
    return 0


def _figures(costed: pd.DataFrame, group_of: dict[str, str], leads: set[str]) -> pd.DataFrame:
    by_group: dict[str, list[dict[str, Any]]] = {}
    for measure in costed.reindex(columns=[c for c in FIGURE_COLUMNS if c != "value_group"]).to_dict("records"):
        by_group.setdefault(group_of.get(measure["measure_id"], measure["measure_id"]), []).append(measure)
    rows = []
    for group, members in by_group.items():
        k = _representative(members, leads)
        row = {**members[k], "value_group": group}
        row["alternatives"] = [m["name"] for j, m in enumerate(members) if j != k]
        row["claimed"] = row["verdict"] in (IMPROVED, DETERIORATED)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(FIGURE_COLUMNS))


def _total(figures: pd.DataFrame) -> dict[str, Any] | None:
    if len(figures) < 2:
        return None
    return {
        "money": float(figures["money"].sum()),
        "money_lower": float(figures["money_lower"].sum()),
        "money_upper": float(figures["money_upper"].sum()),
        "months": int(figures["cumulative_months"].max()),
        "groups": len(figures),
    }


def _return_row(group: str, name: str, months: int, money: tuple[float, float, float], cost: ProgrammeCost) -> dict:
    spent = cost.over(months)
    saved, saved_lower, saved_upper = -money[0], -money[2], -money[1]
    return {
        "value_group": group,
        "name": name,
        "months": months,
        "cost": spent,
        "saved": saved,
        "saved_lower": saved_lower,
        "saved_upper": saved_upper,
        "net_benefit": saved - spent,
        "net_benefit_lower": saved_lower - spent,
        "net_benefit_upper": saved_upper - spent,
        "return_per_pound": saved / spent,
        "return_per_pound_lower": saved_lower / spent,
        "return_per_pound_upper": saved_upper / spent,
    }


def _returns(figures: pd.DataFrame, total: dict[str, Any] | None, cost: ProgrammeCost) -> pd.DataFrame:
    rows = [
        _return_row(
            r["value_group"],
            r["name"],
            int(r["cumulative_months"]),
            (r["money"], r["money_lower"], r["money_upper"]),
            cost,
        )
        for r in figures.to_dict("records")
    ]
    if total is not None:
        money = (total["money"], total["money_lower"], total["money_upper"])
        rows.append(_return_row("", "Total", total["months"], money, cost))
    return pd.DataFrame(rows, columns=list(RETURN_COLUMNS))


def value_for_money(
    evidence: pd.DataFrame, groups: pd.DataFrame | None = None, cost: ProgrammeCost | None = None
) -> ValueForMoney:
    """The value-for-money figures of the evidence table (:class:`ValueForMoney`).

    ``groups``: the scorecard's measures (``measure_id, value_group, value_group_lead``; None
    without a scorecard: every measure its own group). ``cost``: ``programme.cost`` or None.
    Only measures with a money impact in pounds (``money_unit`` '£') count.
    """
    costed = evidence.dropna(subset=["money"])
    costed = costed[costed["money_unit"] == "£"]
    group_of, leads = _group_of(groups)
    figures = _figures(costed, group_of, leads)
    total = _total(figures)
    if cost is None or figures.empty:
        return ValueForMoney(figures, total, cost=cost)
    return ValueForMoney(figures, total, _returns(figures, total, cost), cost)
