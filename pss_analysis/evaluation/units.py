"""One unit of a batch (a locality, a provider, a parameter set) evaluated for the summary across units.

:func:`unit_evidence` evaluates every measure of one parameter set as a report does (the same
inputs, ITS and SPC, verdicts and value for money: :func:`~pss_analysis.evaluation.study.load_inputs`,
:func:`~pss_analysis.evaluation.measures.evaluate_measures`,
:func:`~pss_analysis.evaluation.verdicts.evidence_table`) and keeps what a comparison of units needs:

- ``evidence``: one row per measure (:data:`UNIT_EVIDENCE_COLUMNS`): the verdict, the Making Data
  Count variation and assurance types, the overall relative change with its interval, money (the
  measure's unit of measurement is ``measure_unit``: ``unit`` names the batch's unit);
- ``series``: ``measure_id, period, value``: the monthly values, for small multiples;
- ``latest_year``: ``measure_id, kind, multiplier, months, numerator, denominator``: the sums over the
  latest twelve months of each rate or proportion, for the funnel plot;
- ``value``: one row, the unit's value for money (the total across value groups, or the one group).

Nothing here plots or formats; the batch (``run/``) adds the unit's name to every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pss_analysis.config.params import Params
from pss_analysis.evaluation.measures import evaluate_measures
from pss_analysis.evaluation.study import load_inputs
from pss_analysis.evaluation.value import value_for_money
from pss_analysis.evaluation.verdicts import evidence_table

__all__ = [
    "UnitEvidence",
    "unit_evidence",
    "UNIT_EVIDENCE_COLUMNS",
    "UNIT_VALUE_COLUMNS",
    "LATEST_MONTHS",
    "WHOLE_SYSTEM",
]

#: The name of the unit that is the whole system (every unit's rows added up) in a batch by a column.
WHOLE_SYSTEM = "Whole system"

#: The evidence kept per unit and measure (the columns of ``tables/units_evidence.csv``, after ``unit``).
UNIT_EVIDENCE_COLUMNS = (
    "measure_id",
    "name",
    "perspective",
    "measure_unit",
    "kind",
    "improvement_direction",
    "points_before",
    "points_after",
    "cumulative_relative",
    "cumulative_relative_lower",
    "cumulative_relative_upper",
    "cumulative_impact",
    "cumulative_impact_lower",
    "cumulative_impact_upper",
    "cumulative_impact_units",
    "money",
    "money_lower",
    "money_upper",
    "money_unit",
    "spc_chart",
    "special_cause_since_start",
    "variation_type",
    "variation_direction",
    "assurance_type",
    "verdict",
    "verdict_qualifier",
    "verdict_reason",
)
#: A unit's value for money: money negative = saved, as in the evidence table.
UNIT_VALUE_COLUMNS = (
    "money",
    "money_lower",
    "money_upper",
    "months",
    "groups",
    "cost",
    "return_per_pound",
    "return_per_pound_lower",
    "return_per_pound_upper",
)
#: The funnel plot compares the latest year: twelve months.
LATEST_MONTHS = 12


@dataclass(frozen=True)
class UnitEvidence:
    """What the summary across units needs from one unit (see the module's docstring)."""

    evidence: pd.DataFrame
    series: pd.DataFrame
    latest_year: pd.DataFrame
    value: pd.DataFrame


def unit_evidence(params: Params) -> UnitEvidence:
    """Evaluate every measure of ``params`` (one unit) and keep what the summary across units needs."""
    inputs = load_inputs(params)
    analysis = inputs.analysis
    evaluations = evaluate_measures(inputs.indicators, inputs.measures, analysis, params.programme.start)
    evidence = evidence_table(
        inputs.measures, inputs.indicators, evaluations, impact_at=analysis.impact_at[0] if analysis.impact_at else None
    )
    groups = None if inputs.scorecard is None else inputs.scorecard.measures
    vfm = value_for_money(evidence, groups, params.programme.cost)
    series = inputs.indicators[["measure_id", "period", "value"]].assign(
        period=lambda f: f["period"].astype(str), value=lambda f: f["value"].astype(float)
    )
    return UnitEvidence(
        evidence=evidence.rename(columns={"unit": "measure_unit"}).reindex(columns=list(UNIT_EVIDENCE_COLUMNS)),
        series=series.reset_index(drop=True),
        latest_year=latest_year(inputs.indicators, inputs.measures),
        value=pd.DataFrame([_unit_value(vfm)], columns=list(UNIT_VALUE_COLUMNS)),
    )


def latest_year(indicators: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """Numerators and denominators summed over each rate's and proportion's latest twelve months."""
    kinds = measures.set_index("measure_id")[["kind", "multiplier"]]
    rows = []
    for measure_id, rows_of in indicators.groupby("measure_id", sort=False):
        if kinds.loc[measure_id, "kind"] not in ("rate", "proportion"):
            continue
        last = rows_of[rows_of["period"] > rows_of["period"].max() - LATEST_MONTHS].dropna(
            subset=["numerator", "denominator"]
        )
        rows.append(
            {
                "measure_id": measure_id,
                "kind": kinds.loc[measure_id, "kind"],
                "multiplier": float(kinds.loc[measure_id, "multiplier"]),
                "months": len(last),
                "numerator": float(last["numerator"].sum()),
                "denominator": float(last["denominator"].sum()),
            }
        )
    columns = ["measure_id", "kind", "multiplier", "months", "numerator", "denominator"]
    return pd.DataFrame(rows, columns=columns)


def _unit_value(vfm: Any) -> dict[str, Any]:
    """The unit's value for money: the total across groups (or the one group) and the return on the cost."""
    figures = vfm.figures
    if figures.empty:
        return {"groups": 0}
    if vfm.total is not None:
        row = dict(vfm.total)
    else:
        first = figures.iloc[0]
        row = {
            "money": first["money"],
            "money_lower": first["money_lower"],
            "money_upper": first["money_upper"],
            "months": int(first["cumulative_months"]),
            "groups": 1,
        }
    if not vfm.returns.empty:
        last = vfm.returns.iloc[-1]
        row.update(
            {k: last[k] for k in ("cost", "return_per_pound", "return_per_pound_lower", "return_per_pound_upper")}
        )
    return row
