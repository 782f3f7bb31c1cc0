"""Reporting stage: what a template notebook uses to write the report.

A notebook opens a :class:`Report` and calls the :mod:`~pss_analysis.reporting.sections`
on the study of :func:`pss_analysis.evaluation.prepare_study`::

    from pss_analysis.evaluation import prepare_study
    from pss_analysis.reporting import Report, sections

    rep = Report.open(params_file, output_dir)
    study = prepare_study(rep.params)
    sections.executive_summary(rep, study)

Modules: :mod:`~pss_analysis.reporting.document` (the :class:`Report`: numbered tables and
figures written to the run folder and shown), :mod:`~pss_analysis.reporting.sections` (one
module per report section), :mod:`~pss_analysis.reporting.formatting` (every number and user
text the report shows), :mod:`~pss_analysis.reporting.narrative` (findings in words),
:mod:`~pss_analysis.reporting.glossary` (what each published column means),
:mod:`~pss_analysis.reporting.suppression` (small numbers), :mod:`~pss_analysis.reporting.workbook`
(the results workbook) and :mod:`~pss_analysis.reporting.figures`.
"""

from __future__ import annotations

from pss_analysis.reporting import sections
from pss_analysis.reporting.document import PRINT_FORMATS, Report
from pss_analysis.reporting.formatting import confidence_label, escape_text, format_table, money, number, percent
from pss_analysis.reporting.glossary import COLUMN_DESCRIPTIONS
from pss_analysis.reporting.narrative import its_sentence, spc_sentence

__all__ = [
    "Report",
    "sections",
    "format_table",
    "escape_text",
    "number",
    "percent",
    "money",
    "confidence_label",
    "its_sentence",
    "spc_sentence",
    "COLUMN_DESCRIPTIONS",
    "PRINT_FORMATS",
]
