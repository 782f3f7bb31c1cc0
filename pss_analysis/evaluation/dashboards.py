"""The two dashboards of the Public Sector Scorecard, as tables (the figures read them).

- :func:`overview_table` — *overview, pre vs post commencement*: per measure, grouped by
  perspective, the mean before and since the programme start, the change, the interrupted
  time series effect with its interval, the SPC icons and the verdict.
- :func:`within_year_table` — *within-year monitoring*: the latest 12 months of each
  measure against its target, with each month's SPC point type.
- :func:`board_table` — the one-page board summary: per measure the latest value, target, SPC
  icons, verdict with its effect and interval, and money (Making Data Count summary style).
- :func:`display_impact` — a measure's impact rows in the units its chart shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.evaluation.measures import MeasureEvaluation
from pss_analysis.methods.its import ItsResult
from pss_analysis.methods.spc import SpcResult

__all__ = [
    "overview_table",
    "within_year_table",
    "within_year_results",
    "display_impact",
    "board_table",
    "LEVEL_KINDS",
    "MONITORING_MONTHS",
]

#: Length of the monitoring window (months).
MONITORING_MONTHS = 12


def overview_table(
    evidence: pd.DataFrame,
    summary: pd.DataFrame,
    perspectives: pd.DataFrame,
    measures: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Overview dashboard rows, in perspective order then catalogue order.

    ``evidence`` from :func:`~pss_analysis.evaluation.verdicts.evidence_table`; ``summary`` from
    :func:`~pss_analysis.inputs.tables.summarise`; ``perspectives`` with ``perspective_id, name, order``;
    ``measures`` (the catalogue) gives each measure's ``multiplier``, so that the means can be shown in
    the measure's units (rates per 1,000); without it the multiplier is missing.
    """
    means = summary.set_index("measure_id")[["mean_before", "mean_after", "change", "relative_change"]]
    table = evidence.join(means, on="measure_id")
    known = measures is not None and "multiplier" in measures
    multiplier = measures.set_index("measure_id")["multiplier"] if known else pd.Series(dtype=float)  # type: ignore[union-attr]
    table["multiplier"] = table["measure_id"].map(multiplier)
    order = perspectives.set_index("perspective_id")
    table["perspective_name"] = table["perspective"].map(order["name"]).fillna(table["perspective"])
    table["_order"] = table["perspective"].map(order["order"]).fillna(len(order))
    table = table.sort_values("_order", kind="stable").drop(columns="_order")
    columns = [
        "perspective",
        "perspective_name",
        "measure_id",
        "name",
        "unit",
        "kind",
        "multiplier",
        "mean_before",
        "mean_after",
        "change",
        "relative_change",
        "cumulative_relative",
        "cumulative_relative_lower",
        "cumulative_relative_upper",
        "variation_type",
        "variation_direction",
        "assurance_type",
        "verdict",
    ]
    return table[columns].reset_index(drop=True)


def _window(points: pd.DataFrame, months: int) -> pd.DataFrame:
    return points.sort_values("x").tail(months)


def within_year_results(
    evaluations: Mapping[str, MeasureEvaluation], months: int = MONITORING_MONTHS
) -> dict[str, SpcResult]:
    """Each measure's SPC result cut to its latest ``months`` points (limits as calculated on all)."""
    return {
        mid: replace(ev.spc, points=_window(ev.spc.points, months))
        for mid, ev in evaluations.items()
        if ev.spc is not None
    }


def within_year_table(
    measures: pd.DataFrame, evaluations: Mapping[str, MeasureEvaluation], months: int = MONITORING_MONTHS
) -> pd.DataFrame:
    """Within-year monitoring rows: measure, month, value, target, whether it was met, SPC point type.

    ``target_met`` is True when the month's value is on the good side of the target
    (at or above it for 'increase' measures, at or below for 'decrease'), None without a target
    or a direction.
    """
    rows = []
    for m in measures.to_dict("records"):
        ev = evaluations.get(m["measure_id"])
        if ev is None or ev.spc is None:
            continue
        pts = _window(ev.spc.points, months)
        target = m.get("target")
        has_target = target is not None and not pd.isna(target) and m["improvement_direction"] != "neither"
        value = pts["value"].to_numpy(dtype=float)
        met = pd.array([pd.NA] * len(pts), dtype="boolean")
        if has_target:
            met = pd.array(
                value >= target if m["improvement_direction"] == "increase" else value <= target, dtype="boolean"
            )
        rows.append(
            pd.DataFrame(
                {
                    "measure_id": m["measure_id"],
                    "name": m["name"],
                    "perspective": m["perspective"],
                    "period": pts["x"].astype(str).to_numpy(),
                    "value": value,
                    "target": target if has_target else np.nan,
                    "target_met": met,
                    "point_type": pts["point_type"].to_numpy(),
                    "centre_line": pts["centre_line"].to_numpy(),
                    "lcl": pts["lcl"].to_numpy(),
                    "ucl": pts["ucl"].to_numpy(),
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


#: Kinds whose whole-period impact is a monthly average level (rates, percentages, means); counts and
#: amounts keep their totals over the period.
LEVEL_KINDS = ("rate", "proportion", "mean")

_SHOWN = ("observed", "fitted", "counterfactual", "absolute_effect", "absolute_effect_lower", "absolute_effect_upper")


def _post_trials(its: ItsResult, series: pd.DataFrame) -> float:
    """The trials (denominators) of the months since the start that the model used."""
    pred = its.predictions()
    post = pred.loc[(pred["group"] == "treated") & (pred["phase"] != "pre"), "time"]
    return float(series.set_index("period")["denominator"].reindex(post).sum())


def display_impact(
    measure: Mapping[str, Any], its: ItsResult, impact: pd.DataFrame, series: pd.DataFrame
) -> pd.DataFrame:
    """A measure's impact rows (:meth:`ItsResult.impact`) in the units its chart shows.

    Rates per the catalogue's ``multiplier`` of the offset (per 1,000), proportions times the
    multiplier (percentages), other measures in their own units. ``observed``, ``fitted``,
    ``counterfactual`` and ``absolute_effect`` (with its limits) are rescaled; the relative
    effects are unchanged. The whole-period row is a monthly average for :data:`LEVEL_KINDS`
    (events / exposure, successes / trials, the mean of the months; ``average`` True) and a total
    for counts and amounts. The tidy impact table keeps the model's own units.
    """
    spec = its.specification
    per = float(measure.get("multiplier") or 1)
    cumulative = impact["cumulative"].astype(bool).to_numpy()
    average = cumulative & (measure.get("kind") in LEVEL_KINDS)
    if spec.get("offset") is not None and "offset" in impact:
        factor = per / impact["offset"].to_numpy(dtype=float)
    elif spec.get("denominator") is not None:
        factor = np.where(cumulative, per / _post_trials(its, series), per)
    else:
        factor = np.where(average, 1.0 / impact["n_periods"].to_numpy(dtype=float), 1.0)
    out = impact[["horizon", "cumulative", "time", "n_periods"]].copy()
    out["average"] = average
    for column in _SHOWN:
        out[column] = impact[column].to_numpy(dtype=float) * factor
    for column in ("relative_effect", "relative_effect_lower", "relative_effect_upper"):
        out[column] = impact[column].to_numpy(dtype=float)
    return out


_BOARD_EVIDENCE = [
    "measure_id",
    "variation_type",
    "variation_direction",
    "assurance_type",
    "verdict",
    "cumulative_relative",
    "cumulative_relative_lower",
    "cumulative_relative_upper",
    "cumulative_months",
    "money",
    "money_lower",
    "money_upper",
    "money_unit",
]


def _latest(values: pd.DataFrame) -> tuple[str | None, float]:
    known = values.dropna(subset=["value"]).sort_values("period")
    if known.empty:
        return None, float("nan")
    return str(known["period"].iloc[-1]), float(known["value"].iloc[-1])


def _effect_in_units(measure: Mapping[str, Any], ev: MeasureEvaluation | None, series: pd.DataFrame) -> list[float]:
    """The whole-period difference against expected, with its limits, in the measure's display units."""
    if ev is None or ev.its is None:
        return [float("nan")] * 3
    shown = display_impact(measure, ev.its, ev.its.impact(at=[]), series)
    row = shown[shown["cumulative"]].iloc[0]
    return [float(row[c]) for c in ("absolute_effect", "absolute_effect_lower", "absolute_effect_upper")]


def board_table(
    measures: pd.DataFrame,
    indicators: pd.DataFrame,
    evidence: pd.DataFrame,
    evaluations: Mapping[str, MeasureEvaluation],
) -> pd.DataFrame:
    """The one-page board summary: one row per measure of the catalogue, in its order.

    Columns: ``measure_id, name, perspective, unit, kind, multiplier, improvement_direction,
    latest_period, latest`` (the latest month's value, in the measure's display units), ``target``,
    ``variation_type, variation_direction, assurance_type, verdict``, the whole-period effect
    against expected: ``cumulative_relative`` (with ``_lower`` / ``_upper``) and ``effect``,
    ``effect_lower``, ``effect_upper`` (the difference in display units: a monthly average for
    :data:`LEVEL_KINDS`, percentage points for proportions; a total for counts and amounts),
    ``cumulative_months`` and ``money``, ``money_lower``, ``money_upper``, ``money_unit`` (as the
    evidence table).
    """
    rows = []
    facts = evidence[_BOARD_EVIDENCE].set_index("measure_id")
    for m in measures.to_dict("records"):
        mid = m["measure_id"]
        series = indicators[indicators["measure_id"] == mid]
        period, latest = _latest(series)
        effect = _effect_in_units(m, evaluations.get(mid), series)
        rows.append(
            {
                **{k: m.get(k) for k in ("measure_id", "name", "perspective", "unit", "kind", "multiplier")},
                "improvement_direction": m.get("improvement_direction"),
                "latest_period": period,
                "latest": latest,
                "target": m.get("target"),
                **facts.loc[mid, _BOARD_EVIDENCE[1:9]].to_dict(),
                "effect": effect[0],
                "effect_lower": effect[1],
                "effect_upper": effect[2],
                **facts.loc[mid, _BOARD_EVIDENCE[9:]].to_dict(),
            }
        )
    return pd.DataFrame(rows)
