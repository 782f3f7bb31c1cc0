"""The two dashboards of the Public Sector Scorecard, as tables (the figures read them).

- :func:`overview_table` — *overview, pre vs post commencement*: per measure, grouped by
  perspective, the mean before and since the programme start, the change, the interrupted
  time series effect with its interval, the SPC icons and the verdict.
- :func:`within_year_table` — *within-year monitoring*: the latest 12 months of each
  measure against its target, with each month's SPC point type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from pss_analysis.evaluation.measures import MeasureEvaluation
from pss_analysis.methods.spc import SpcResult

__all__ = ["overview_table", "within_year_table", "within_year_results", "MONITORING_MONTHS"]

#: Length of the monitoring window (months).
MONITORING_MONTHS = 12


def overview_table(evidence: pd.DataFrame, summary: pd.DataFrame, perspectives: pd.DataFrame) -> pd.DataFrame:
    """Overview dashboard rows, in perspective order then catalogue order.

    ``evidence`` from :func:`~pss_analysis.evaluation.verdicts.evidence_table`; ``summary`` from
    :func:`~pss_analysis.inputs.tables.summarise`; ``perspectives`` with ``perspective_id, name, order``.
    """
    means = summary.set_index("measure_id")[["mean_before", "mean_after", "change", "relative_change"]]
    table = evidence.join(means, on="measure_id")
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
