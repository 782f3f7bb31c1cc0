"""The data-quality section: the warnings found while loading the inputs."""

from __future__ import annotations

from pathlib import Path

from pss_analysis.evaluation.study import Study
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.formatting import plain_words

__all__ = ["data_quality_section"]


def data_quality_section(rep: Report, study: Study) -> None:
    """The data-quality warnings found while loading the inputs (errors would have stopped the run)."""
    quality = study.data_quality
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
