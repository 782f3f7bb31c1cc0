"""The balance of contributions and risks along the strategy map.

For every outcome objective: the drivers linked to it with their evidence and
contribution (see :func:`pss_analysis.evaluation.verdicts.contributions`), a lead-lag analysis
of each driver measure against each outcome measure (pre-whitened cross-correlation,
:mod:`pss_analysis.methods.linkage`, reported as association, not causation), and the risks
attached to the outcome, its measures or its drivers.

Sign conventions: a link's expected sign is about the objectives (``+``: achieving
the driver helps the outcome). On the measures' raw values the expected correlation
is that sign times the two measures' directions of improvement (+1 for 'increase',
-1 for 'decrease'): e.g. more staff trained (increase) helping fewer admissions
(decrease) is an expected *negative* correlation of the values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pss_analysis.errors import PssError
from pss_analysis.evaluation.verdicts import contributions, objective_status
from pss_analysis.methods.linkage import link_evidence
from pss_analysis.vocabulary import improvement_sign

__all__ = [
    "objective_statuses",
    "link_table",
    "risk_table",
    "LINK_STATUSES",
    "AGREES",
    "DISAGREES",
    "UNKNOWN",
    "LEAD_LAG_MONTHS",
]

#: Longest lead or lag (months) at which a driver measure is compared with an outcome measure.
LEAD_LAG_MONTHS = 6

# The lead-lag association of a pair of measures (``lead_lag_status``, as
# :func:`~pss_analysis.methods.linkage.link_evidence` gives it) and of a link over all its pairs (``link_status``).
AGREES = "agrees"
DISAGREES = "disagrees"
UNKNOWN = "unknown"
#: The possible lead-lag statuses (the strategy map draws each link by its ``link_status``).
LINK_STATUSES = (AGREES, DISAGREES, UNKNOWN)


def objective_statuses(objectives: pd.DataFrame, measures: pd.DataFrame, evidence: pd.DataFrame) -> dict[str, str]:
    """Evidence status of every objective from the verdicts of its measures."""
    verdicts = evidence.set_index("measure_id")["verdict"]
    by_objective = measures.groupby("objective_id")["measure_id"].apply(list)
    return {
        oid: objective_status(verdicts.reindex(by_objective.get(oid, [])).dropna())
        for oid in objectives["objective_id"]
    }


def _series(indicators: pd.DataFrame, measure_id: str) -> pd.Series:
    rows = indicators[indicators["measure_id"] == measure_id]
    return pd.Series(rows["value"].to_numpy(), index=pd.PeriodIndex(rows["period"], freq="M"))


def _pair_evidence(
    driver: str | None,
    outcome: str | None,
    expected_sign: str,
    measures: pd.DataFrame,
    indicators: pd.DataFrame,
    *,
    max_lag: int,
    alpha: float,
) -> dict[str, Any]:
    """The lead-lag columns of one pair of measures (driver measure x outcome measure) of a link."""
    no_pair = {
        "lead_lag_status": UNKNOWN,
        "lead_lag_summary": "no pair of measures with a direction of improvement to compare",
    }
    if driver is None or outcome is None:
        return no_pair
    by_id = measures.set_index("measure_id")
    signs = improvement_sign(by_id.at[driver, "improvement_direction"]) * improvement_sign(
        by_id.at[outcome, "improvement_direction"]
    )
    if not signs:
        return no_pair
    expected = "+" if (-1 if expected_sign == "-" else 1) * signs > 0 else "-"
    try:
        found = link_evidence(
            _series(indicators, driver),
            _series(indicators, outcome),
            expected_sign=expected,
            max_lag=max_lag,
            alpha=alpha,
            driver_name=by_id.at[driver, "name"],
            outcome_name=by_id.at[outcome, "name"],
        )
    except PssError as exc:
        return {"expected_correlation": expected, "lead_lag_status": UNKNOWN, "lead_lag_summary": str(exc)}
    return {
        "expected_correlation": expected,
        "best_lag": found["best_lag"],
        "ccf_at_best": found["ccf_at_best"],
        "lead_lag_status": found["status"],
        "lead_lag_summary": found["summary"],
    }


def _overall(statuses: pd.Series) -> str:
    """A link's status from its pairs': agrees or disagrees when the pairs that found one all agree on it."""
    found = set(statuses)
    if AGREES in found and DISAGREES not in found:
        return AGREES
    if DISAGREES in found and AGREES not in found:
        return DISAGREES
    return UNKNOWN


def link_table(
    links: pd.DataFrame,
    objectives: pd.DataFrame,
    measures: pd.DataFrame,
    evidence: pd.DataFrame,
    indicators: pd.DataFrame,
    *,
    max_lag: int = LEAD_LAG_MONTHS,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """One row per link and pair of measures (driver measure x outcome measure).

    Columns: ``driver, outcome, expected_sign, driver_status, outcome_status, contribution,
    driver_measure, outcome_measure, expected_correlation, best_lag, ccf_at_best, lead_lag_status,
    lead_lag_summary``, and ``link_status`` (agrees / disagrees / unknown over all pairs of the link).
    """
    status = objective_statuses(objectives, measures, evidence)
    base = contributions(links[["driver", "outcome", "expected_sign"]], status)
    names = objectives.set_index("objective_id")["name"]
    by_objective = measures.groupby("objective_id")["measure_id"].apply(list)
    rows = []
    for link in base.to_dict("records"):
        pairs = [(d, o) for d in by_objective.get(link["driver"], []) for o in by_objective.get(link["outcome"], [])]
        for d, o in pairs or [(None, None)]:
            rows.append(
                {
                    **link,
                    "driver_name": names.get(link["driver"]),
                    "outcome_name": names.get(link["outcome"]),
                    "driver_measure": d,
                    "outcome_measure": o,
                    **_pair_evidence(d, o, link["expected_sign"], measures, indicators, max_lag=max_lag, alpha=alpha),
                }
            )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    table["link_status"] = table.groupby(["driver", "outcome"])["lead_lag_status"].transform(_overall)
    return table


def risk_table(
    risks: pd.DataFrame, links: pd.DataFrame, objectives: pd.DataFrame, measures: pd.DataFrame
) -> pd.DataFrame:
    """For every outcome-tier objective, the risks touching it, its measures or its drivers.

    Columns: ``outcome, outcome_name, risk_id, description, likelihood, impact, score
    (likelihood x impact), touches_via, mitigation, owner``, highest score first per outcome.
    """
    outcome_ids = set(links["outcome"])
    of_objective = measures.groupby("objective_id")["measure_id"].apply(set)
    names = objectives.set_index("objective_id")["name"]
    rows = []
    for outcome in objectives["objective_id"]:
        if outcome not in outcome_ids:
            continue
        drivers = set(links.loc[links["outcome"] == outcome, "driver"])
        reach: Mapping[str, str] = {
            outcome: "the outcome itself",
            **{m: "a measure of the outcome" for m in of_objective.get(outcome, set())},
            **{d: "a driver" for d in drivers},
        }
        for risk in risks.to_dict("records"):
            via = sorted({reach[t] for t in risk["touches"] if t in reach})
            if via:
                rows.append(
                    {
                        "outcome": outcome,
                        "outcome_name": names[outcome],
                        "risk_id": risk["risk_id"],
                        "description": risk["description"],
                        "likelihood": risk["likelihood"],
                        "impact": risk["impact"],
                        "score": risk["likelihood"] * risk["impact"],
                        "touches_via": "; ".join(via),
                        "mitigation": risk["mitigation"],
                        "owner": risk["owner"],
                    }
                )
    table = pd.DataFrame(
        rows,
        columns=[
            "outcome",
            "outcome_name",
            "risk_id",
            "description",
            "likelihood",
            "impact",
            "score",
            "touches_via",
            "mitigation",
            "owner",
        ],
    )
    return table.sort_values(["outcome", "score"], ascending=[True, False], kind="stable").reset_index(drop=True)
