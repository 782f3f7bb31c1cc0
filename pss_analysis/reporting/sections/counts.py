"""Which numbers of a published table are counts of people or events, so that small ones are suppressed.

Sections add the months' counts to a table as helper columns (:func:`month_counts`, :func:`protected`);
:meth:`~pss_analysis.reporting.document.Report.table` suppresses the small ones, and the columns derived
from them, and drops the helpers. A month's denominator is a count too: when it is small, so is
everything shown from it (the chart's ``n``, its value and the control limits worked out from ``n``).
An impact table's whole-period row adds up the months' counts (:func:`impact_protected`): when that
total is small it is hidden with the fitted total (which equals it) and everything that gives it back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.evaluation.units import count_parts
from pss_analysis.methods.spc import SpcResult
from pss_analysis.vocabulary import COUNT_PARTS

__all__ = [
    "COUNT_PARTS",
    "COUNT_CHARTS",
    "TOTAL_COLUMNS",
    "EVIDENCE_TOTAL_COLUMNS",
    "PHASE_COLUMNS",
    "month_counts",
    "protected",
    "impact_protected",
    "evidence_protected",
    "phase_totals",
    "with_phase_totals",
    "overview_protected",
    "hidden_months",
    "published_spc",
    "area_protected",
]

#: Control charts whose y and n are counts.
COUNT_CHARTS = ("p", "pp", "u", "up", "c")
#: Columns added to a table only to decide suppression (never published).
_HELPERS = ("_count_numerator", "_count_denominator")
#: Helper column: the observed total of an impact table's whole-period row, where it is a count.
_TOTAL = "_count_total"
#: Columns of an impact table's whole-period row that give its observed total back: the fitted total
#: equals the observed total (the model's level terms make them add up), counterfactual + difference
#: is the fitted total, and a rate is the total over the (published) offset.
TOTAL_COLUMNS = (
    "observed",
    "fitted",
    "counterfactual",
    "absolute_effect",
    "absolute_effect_lower",
    "absolute_effect_upper",
    "fitted_rate",
    "counterfactual_rate",
    "rate_difference",
    "rate_difference_lower",
    "rate_difference_upper",
)
#: Columns of the evidence table that repeat the whole-period row's absolute effect (in money, times a cost).
EVIDENCE_TOTAL_COLUMNS = (
    "cumulative_impact",
    "cumulative_impact_lower",
    "cumulative_impact_upper",
    "money",
    "money_lower",
    "money_upper",
)
#: Helper column: the total count of an SPC phase.
_PHASE_TOTAL = "_count_phase_total"
#: Columns of an SPC table worked out from a phase's total: the centre line (the phase's mean, or its
#: total over its total n) and the limits around it.
PHASE_COLUMNS = ("centre_line", "lcl", "ucl", "lower_2sigma", "upper_2sigma")
#: Units of an impact row whose whole-period total is a count of events or people.
_COUNT_UNITS = ("count", "successes")


def month_counts(indicators: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """``measure_id, _month`` and the month's counts (NaN where that part is not a count)."""
    out = pd.DataFrame({"measure_id": indicators["measure_id"], "_month": indicators["period"].astype(str)})
    parts = count_parts(indicators, measures)
    for part, helper in zip(("numerator", "denominator"), _HELPERS, strict=True):
        out[helper] = parts[part]
    return out


def protected(
    frame: pd.DataFrame,
    counts: pd.DataFrame,
    month_column: str,
    derived: tuple[str, ...],
    from_denominator: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Keyword arguments for Report.table/save_table that suppress the months' small counts and the
    ``derived`` columns shown from them; ``frame`` gains the helper columns (returned as ``frame``).

    ``from_denominator`` are columns hidden only when the month's denominator is small (the
    denominator itself as a chart's ``n``, and what is worked out from it, such as control limits)."""
    keys = _month_key(frame[month_column])
    merged = frame.assign(_month=keys).merge(counts, on=["measure_id", "_month"], how="left").drop(columns="_month")
    merged.index = frame.index
    sources = {c: list(_HELPERS) for c in derived if c in merged.columns}
    sources.update({c: [_HELPERS[1]] for c in from_denominator if c in merged.columns and c not in sources})
    return {"frame": merged, "counts": list(_HELPERS), "derived": sources, "helpers": list(_HELPERS)}


def _whole_period_counts(impact: pd.DataFrame, measures: pd.DataFrame) -> pd.Series:
    """The observed total of each whole-period row that is a count (units of counts or successes, or a
    count measure), NaN on every other row."""
    kinds = impact["measure_id"].map(measures.set_index("measure_id")["kind"])
    is_count = impact["units"].isin(_COUNT_UNITS) | kinds.eq("count")
    whole_period = impact["cumulative"].astype(bool) & is_count
    return pd.to_numeric(impact["observed"], errors="coerce").where(whole_period)


def impact_protected(
    impact: pd.DataFrame, counts: pd.DataFrame, measures: pd.DataFrame, model_units: pd.DataFrame | None = None
) -> dict[str, Any]:
    """:func:`protected` for an impact table (``measure_id``, ``time``, ``cumulative``, ``units``, ...).

    A month's small observed count is hidden, and on the whole-period row a small observed total
    is hidden with every column of :data:`TOTAL_COLUMNS` that the table has. When ``impact`` is shown
    in the chart's units, ``model_units`` is the same rows in the model's own units (whose
    whole-period ``observed`` is the total count).
    """
    source = impact if model_units is None else model_units
    frame = impact.assign(**{_TOTAL: _whole_period_counts(source, measures).to_numpy()})
    out = protected(frame, counts, "time", ("observed",))
    out["counts"].append(_TOTAL)
    out["helpers"].append(_TOTAL)
    for column in (c for c in TOTAL_COLUMNS if c in frame.columns):
        out["derived"][column] = [*out["derived"].get(column, []), _TOTAL]
    return out


def evidence_protected(evidence: pd.DataFrame, impact: pd.DataFrame, measures: pd.DataFrame) -> dict[str, Any]:
    """Keyword arguments for Report.save_table that hide, per measure, the whole-period impact in the
    measure's units and in money (``cumulative_impact``, ``money`` and their limits) when the observed
    total since the start (the whole-period row of ``impact``) is a small count: beside the relative
    effect it gives the total back."""
    whole = impact[impact["cumulative"].astype(bool)]
    totals = pd.Series(_whole_period_counts(whole, measures).to_numpy(), index=whole["measure_id"])
    frame = evidence.assign(**{_TOTAL: evidence["measure_id"].map(totals)})
    derived = [c for c in EVIDENCE_TOTAL_COLUMNS if c in frame.columns]
    return {"frame": frame, "counts": [_TOTAL], "derived": {c: [_TOTAL] for c in derived}, "helpers": [_TOTAL]}


def _month_key(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))


def phase_totals(points: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """``measure_id, phase`` and the phase's total numerator count (NaN where the numerator is not a count)
    of an SPC points table (``measure_id``, ``x``, ``phase``)."""
    keyed = points[["measure_id", "phase"]].assign(_month=_month_key(points["x"]))
    merged = keyed.merge(counts, on=["measure_id", "_month"], how="left")
    totals = merged.groupby(["measure_id", "phase"], sort=False)[_HELPERS[0]].sum(min_count=1)
    return totals.rename(_PHASE_TOTAL).reset_index()


def with_phase_totals(
    kwargs: dict[str, Any],
    totals: pd.DataFrame,
    points: pd.DataFrame | None = None,
    columns: tuple[str, ...] = PHASE_COLUMNS,
) -> dict[str, Any]:
    """Add to Report.table/save_table keyword arguments (from :func:`protected`, or ``{"frame": ...}``)
    the suppression of a phase's centre line and limits when the phase's total count is small: the
    centre line is the phase's mean (or its total over its total n) and gives the total back.

    A frame without a ``phase`` column has a ``period`` column: its phase is looked up in the
    SPC ``points`` (``measure_id``, ``x``, ``phase``). ``columns``: the frame's names of the centre line
    and limits (by default the SPC tables' own, :data:`PHASE_COLUMNS`)."""
    frame = kwargs["frame"]
    helpers = [*kwargs.get("helpers", []), _PHASE_TOTAL]
    if "phase" not in frame.columns and points is not None:
        lookup = points[["measure_id", "phase"]].assign(period=_month_key(points["x"]))
        keyed = frame[["measure_id"]].assign(period=_month_key(frame["period"]))
        phase = keyed.merge(lookup, on=["measure_id", "period"], how="left")["phase"].to_numpy()
        frame = frame.assign(phase=phase)
        helpers.append("phase")
    merged = frame.merge(totals, on=["measure_id", "phase"], how="left")
    merged.index = frame.index
    derived = dict(kwargs.get("derived") or {})
    for column in (c for c in columns if c in merged.columns):
        derived[column] = [*derived.get(column, []), _PHASE_TOTAL]
    return {
        **kwargs,
        "frame": merged,
        "counts": [*kwargs.get("counts", []), _PHASE_TOTAL],
        "derived": derived,
        "helpers": helpers,
    }


def overview_protected(table: pd.DataFrame, indicators: pd.DataFrame, measures: pd.DataFrame, start: str) -> dict:
    """Keyword arguments for Report.table that hide a count measure's mean before or since ``start``
    (with the change worked out from it) when the total count of that period is small: the mean
    times the number of months is the total."""
    kinds = indicators["measure_id"].map(measures.set_index("measure_id")["kind"])
    counted = indicators[kinds.eq("count")]
    post = counted["period"] >= pd.Period(start, freq="M")
    before = counted[~post].groupby("measure_id")["numerator"].sum(min_count=1)
    after = counted[post].groupby("measure_id")["numerator"].sum(min_count=1)
    frame = table.assign(_count_before=table["measure_id"].map(before), _count_after=table["measure_id"].map(after))
    both = ["_count_before", "_count_after"]
    derived = {"mean_before": both[:1], "mean_after": both[1:], "change": both, "relative_change": both}
    present = {c: sources for c, sources in derived.items() if c in frame.columns}
    return {"frame": frame, "counts": both, "derived": present, "helpers": both}


def hidden_months(mask: pd.DataFrame, months: pd.Series, column: str) -> frozenset[str]:
    """The months (as text) on whose row the published table hides ``column``: ``mask`` is
    :meth:`Report.hidden_cells <pss_analysis.reporting.document.Report.hidden_cells>` of a table whose
    month column is ``months``."""
    if column not in mask.columns:
        return frozenset()
    return frozenset(months.astype(str)[mask[column].to_numpy(dtype=bool)])


#: Columns of an SPC result's points worked out from the month's n (the limits around the centre line).
_LIMIT_COLUMNS = ("lcl", "ucl", "lower_2sigma", "upper_2sigma", "lower_1sigma", "upper_1sigma")


def published_spc(
    result: SpcResult,
    *,
    value: Collection[str] = (),
    limits: Collection[str] = (),
    centre: Collection[str] = (),
) -> SpcResult:
    """``result`` as a chart may show it, when the published tables hide the ``value`` of some months (as
    text), the ``limits`` of some (a small n) and the ``centre`` line of some (a phase's small total):
    those become NaN in its points (and a phase's whole centre line and limits in its summary when
    they are hidden for every month of it), and the points gain a ``hidden`` column, True where the
    value is not shown. The charts leave those values out (:mod:`pss_analysis.reporting.figures`)."""
    points = result.points
    month = points["x"].astype(str)
    hide_value, hide_centre = month.isin(set(value)), month.isin(set(centre))
    hide_limits = month.isin(set(limits)) | hide_centre
    shown = points.assign(hidden=hide_value.to_numpy(), value=points["value"].mask(hide_value))
    shown["centre_line"] = points["centre_line"].mask(hide_centre)
    for column in (c for c in _LIMIT_COLUMNS if c in points.columns):
        shown[column] = points[column].mask(hide_limits)
    phases = result.phases
    hidden_phases = [p for p, rows in hide_centre.groupby(points["phase"]) if len(rows) and rows.all()]
    if hidden_phases:
        phases = phases.copy()
        gone = phases["phase"].isin(hidden_phases).to_numpy()
        for column in (c for c in ("centre_line", *_LIMIT_COLUMNS) if c in phases.columns):
            phases[column] = phases[column].where(~gone, np.nan)
    return replace(result, points=shown, phases=phases)


def area_protected(rows: pd.DataFrame, measure: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments for Report.hidden_cells/save_table over one measure's indicator rows of other
    areas (``measure_id, period, numerator, denominator, value``; the comparison areas): ``value`` is
    hidden on a row whose count is small, and the frame's ``_month`` column names the row's month."""
    counts = month_counts(rows, pd.DataFrame([measure]))
    frame = counts.assign(value=rows["value"].to_numpy())
    return {"frame": frame, "counts": list(_HELPERS), "derived": {"value": list(_HELPERS)}, "helpers": list(_HELPERS)}
