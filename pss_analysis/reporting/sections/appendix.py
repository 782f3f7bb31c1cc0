"""The reproducibility appendix and the results workbook."""

from __future__ import annotations

from pss_analysis.reporting.document import Report

__all__ = ["appendix"]


def appendix(rep: Report) -> None:
    """The reproducibility appendix (inputs with checksums, software versions), then every table of
    the run gathered into ``tables/results.xlsx``."""
    inputs, software = rep.manifest_tables()
    rep.table(inputs, "inputs", caption="Input files and their SHA-256 checksums")
    rep.table(software, "software", caption="Software and versions")
    rep.write_workbook()
    rep.markdown(
        "Every table of this report is in the run folder as a CSV file (`tables/`) and, for analysts, "
        "in one Excel workbook, `tables/results.xlsx`, whose first sheet describes every column."
    )
