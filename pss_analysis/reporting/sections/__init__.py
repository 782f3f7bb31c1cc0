"""Report sections shared by the template notebooks, one module per section.

Each function writes one part of the report through a
:class:`~pss_analysis.reporting.document.Report` (so every table lands in ``tables/`` and
every figure in ``figures/``). Notebooks stay thin: they call these, in this order::

    sections.publish_evaluation_tables(rep, study)   # tables: the tidy all-measure tables
    sections.board_section(rep, study)               # board: the one-page board summary
    sections.executive_summary(rep, study)           # summary
    changes = sections.changes_section(rep, previous_run)  # changes: since the last report
    sections.strategy_map_section(rep, study)        # strategy_map
    sections.overview_section(rep, study)            # dashboards
    sections.within_year_section(rep, study)         # dashboards
    sections.perspective_sections(rep, study)        # measures (measure_section for one measure)
    sections.balance_section(rep, study)             # balance
    sections.data_summary_table(rep, study)          # data_quality
    sections.data_quality_section(rep, study, changes)  # data_quality
    sections.methods_section(rep, study)             # methods
    sections.appendix(rep)                           # appendix

The summary across the units of a batch (``batch_summary.ipynb``) reads the batch's tables with
``units = sections.read_units(output_dir)`` and calls the ``units_*`` sections (module ``units``).
"""

from __future__ import annotations

from pss_analysis.reporting.sections.appendix import appendix
from pss_analysis.reporting.sections.balance import balance_section
from pss_analysis.reporting.sections.board import board_section
from pss_analysis.reporting.sections.changes import changes_section
from pss_analysis.reporting.sections.dashboards import overview_section, within_year_section
from pss_analysis.reporting.sections.data_quality import data_quality_section, data_summary_table
from pss_analysis.reporting.sections.measures import measure_section, perspective_sections
from pss_analysis.reporting.sections.methods import methods_section
from pss_analysis.reporting.sections.strategy_map import strategy_map_section
from pss_analysis.reporting.sections.summary import executive_summary
from pss_analysis.reporting.sections.tables import publish_evaluation_tables
from pss_analysis.reporting.sections.units import (
    UnitsData,
    read_units,
    units_failed_section,
    units_funnel_section,
    units_overview,
    units_small_multiples,
    units_value_section,
    units_verdict_section,
)

__all__ = [
    "UnitsData",
    "read_units",
    "units_overview",
    "units_verdict_section",
    "units_small_multiples",
    "units_funnel_section",
    "units_value_section",
    "units_failed_section",
    "data_summary_table",
    "board_section",
    "changes_section",
    "data_quality_section",
    "measure_section",
    "publish_evaluation_tables",
    "methods_section",
    "executive_summary",
    "strategy_map_section",
    "overview_section",
    "within_year_section",
    "perspective_sections",
    "balance_section",
    "appendix",
]
