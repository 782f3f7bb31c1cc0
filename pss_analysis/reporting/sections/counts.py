"""Which numbers of a published table are counts of people or events, so that small ones are suppressed.

Sections add the months' counts to a table as helper columns (:func:`month_counts`, :func:`protected`);
:meth:`~pss_analysis.reporting.document.Report.table` suppresses the small ones, and the columns derived
from them, and drops the helpers. A month's denominator is a count too: when it is small, so is
everything shown from it (the chart's ``n``, its value and the control limits worked out from ``n``).
An impact table's whole-period row adds up the months' counts (:func:`impact_protected`): when that
total is small it is hidden with the fitted total (which equals it) and everything that gives it back.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["COUNT_PARTS", "COUNT_CHARTS", "TOTAL_COLUMNS", "month_counts", "protected", "impact_protected"]

#: Which parts of a measure are counts of people or events, by kind (what suppression protects).
COUNT_PARTS = {
    "rate": ("numerator", "denominator"),
    "count": ("numerator",),
    "proportion": ("numerator", "denominator"),
    "mean": ("denominator",),
    "amount": (),
}
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
#: Units of an impact row whose whole-period total is a count of events or people.
_COUNT_UNITS = ("count", "successes")


def month_counts(indicators: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """``measure_id, _month`` and the month's counts (NaN where that part is not a count)."""
    kinds = indicators["measure_id"].map(measures.set_index("measure_id")["kind"])
    out = pd.DataFrame({"measure_id": indicators["measure_id"], "_month": indicators["period"].astype(str)})
    for part, helper in zip(("numerator", "denominator"), _HELPERS, strict=True):
        is_count = kinds.map(lambda k, p=part: p in COUNT_PARTS.get(k, ()))
        out[helper] = indicators[part].where(is_count)
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
    keys = frame[month_column].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    merged = frame.assign(_month=keys).merge(counts, on=["measure_id", "_month"], how="left").drop(columns="_month")
    merged.index = frame.index
    sources = {c: list(_HELPERS) for c in derived if c in merged.columns}
    sources.update({c: [_HELPERS[1]] for c in from_denominator if c in merged.columns and c not in sources})
    return {"frame": merged, "counts": list(_HELPERS), "derived": sources, "helpers": list(_HELPERS)}


def impact_protected(impact: pd.DataFrame, counts: pd.DataFrame, measures: pd.DataFrame) -> dict[str, Any]:
    """:func:`protected` for an impact table (``measure_id``, ``time``, ``cumulative``, ``units``, ...).

    A month's small observed count is hidden, and on the whole-period row a small observed total
    (a count when the model's units are counts or successes, or the measure is a count) is hidden
    with every column of :data:`TOTAL_COLUMNS` that the table has.
    """
    kinds = impact["measure_id"].map(measures.set_index("measure_id")["kind"])
    is_count = impact["units"].isin(_COUNT_UNITS) | kinds.eq("count")
    whole_period = impact["cumulative"].astype(bool) & is_count
    frame = impact.assign(**{_TOTAL: pd.to_numeric(impact["observed"], errors="coerce").where(whole_period)})
    out = protected(frame, counts, "time", ("observed",))
    out["counts"].append(_TOTAL)
    out["helpers"].append(_TOTAL)
    for column in (c for c in TOTAL_COLUMNS if c in frame.columns):
        out["derived"][column] = [*out["derived"].get(column, []), _TOTAL]
    return out
