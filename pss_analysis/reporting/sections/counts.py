"""Which numbers of a published table are counts of people or events, so that small ones are suppressed.

Sections add the months' counts to a table as helper columns (:func:`month_counts`, :func:`protected`);
:meth:`~pss_analysis.reporting.document.Report.table` suppresses the small ones, and the columns derived
from them, and drops the helpers.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["COUNT_PARTS", "COUNT_CHARTS", "month_counts", "protected"]

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


def month_counts(indicators: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """``measure_id, _month`` and the month's counts (NaN where that part is not a count)."""
    kinds = indicators["measure_id"].map(measures.set_index("measure_id")["kind"])
    out = pd.DataFrame({"measure_id": indicators["measure_id"], "_month": indicators["period"].astype(str)})
    for part, helper in zip(("numerator", "denominator"), _HELPERS, strict=True):
        is_count = kinds.map(lambda k, p=part: p in COUNT_PARTS.get(k, ()))
        out[helper] = indicators[part].where(is_count)
    return out


def protected(frame: pd.DataFrame, counts: pd.DataFrame, month_column: str, derived: tuple[str, ...]) -> dict[str, Any]:
    """Keyword arguments for Report.table/save_table that suppress the months' small counts and the
    ``derived`` columns shown from them; ``frame`` gains the helper columns (returned as ``frame``)."""
    keys = frame[month_column].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    merged = frame.assign(_month=keys).merge(counts, on=["measure_id", "_month"], how="left").drop(columns="_month")
    merged.index = frame.index
    present = [c for c in derived if c in merged.columns]
    return {
        "frame": merged,
        "counts": list(_HELPERS),
        "derived": {c: list(_HELPERS) for c in present},
        "helpers": list(_HELPERS),
    }
