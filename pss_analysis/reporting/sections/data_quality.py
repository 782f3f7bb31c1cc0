"""The data-quality section: each measure before and since the start, and the warnings found while loading
the inputs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pss_analysis.evaluation.study import Study
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.formatting import plain_words
from pss_analysis.reporting.sections.changes import revision_warnings
from pss_analysis.reporting.sections.counts import overview_protected

__all__ = ["data_summary_table", "data_quality_section"]

#: The columns of the summary shown, with their plain-English headers.
_SUMMARY_COLUMNS = {
    "measure_id": "id",
    "name": "measure",
    "unit": "unit",
    "points_before": "months before",
    "points_after": "months since",
    "mean_before": "mean before",
    "mean_after": "mean since",
    "relative_change": "relative change",
}


def data_summary_table(rep: Report, study: Study) -> None:
    """Each measure's months before and since the start and its mean in each (a count measure's mean
    is hidden when that period's total is small: the mean times the months gives it back)."""
    rep.table(
        name="data_summary",
        caption="Each measure before and since the programme start",
        columns={k: v for k, v in _SUMMARY_COLUMNS.items() if k != v},
        formats={"relative_change": "+.1%"},
        **overview_protected(
            study.summary[list(_SUMMARY_COLUMNS)], study.indicators, study.measures, rep.params.programme.start
        ),
    )


def data_quality_section(rep: Report, study: Study, since_last: pd.DataFrame | None = None) -> None:
    """The data-quality warnings found while loading the inputs (errors would have stopped the run), and
    the past values revised since the last report (``since_last``: the table of
    :func:`~pss_analysis.reporting.sections.changes.changes_section`)."""
    quality = study.data_quality
    revised = revision_warnings(since_last)
    if not revised.empty:
        quality = pd.concat([quality, revised], ignore_index=True)
    if quality.empty:
        rep.markdown("No data-quality problems were found in the inputs.")
        return
    shown = quality.assign(file=quality["file"].map(lambda f: Path(str(f)).name if f else ""))
    rep.table(
        shown[["severity", "check", "file", "row", "column", "message"]],
        "data_quality",
        caption="Data-quality warnings (the run went ahead; errors would have stopped it)",
        formats={"check": plain_words},
    )
