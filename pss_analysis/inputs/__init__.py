"""The inputs stage: read the data of a report and check them before any analysis.

Parameters are validated in :mod:`pss_analysis.config`; this stage reads and
checks the data they point to:

- :mod:`~pss_analysis.inputs.periods` — reading dates, months, quarters and
  financial years (:func:`parse_periods`);
- :mod:`~pss_analysis.inputs.validation` — the checks, collecting every problem
  in a :class:`ValidationReport` (:func:`read_table` reads CSV, Excel and Parquet);
- :mod:`~pss_analysis.inputs.tables` — the aggregate tables: the measure
  catalogue and the indicator table (:func:`load_measures`, :func:`load_indicators`);
- :mod:`~pss_analysis.inputs.scorecard` — the scorecard definition
  (:func:`load_scorecard`, :class:`Scorecard`);
- :mod:`~pss_analysis.inputs.indicators` — indicators computed from record-level
  data by documented definitions (:func:`compute_indicators`).

The names below are importable from this package; each is loaded from its module
on first use, so ``import pss_analysis.inputs`` stays fast (DuckDB, pyarrow and
scipy are imported only when an indicator is computed).
"""

from __future__ import annotations

from pss_analysis._lazy import lazy_exports

_EXPORTS = {
    "parse_periods": "periods",
    "to_month": "periods",
    "ValidationReport": "validation",
    "Problem": "validation",
    "read_table": "validation",
    "KINDS": "tables",
    "PERSPECTIVES": "tables",
    "MEASURE_COLUMNS": "tables",
    "INDICATOR_COLUMNS": "tables",
    "load_measures": "tables",
    "load_measures_checked": "tables",
    "load_indicators": "tables",
    "load_indicators_checked": "tables",
    "check_indicators": "tables",
    "summarise": "tables",
    "select_measures": "tables",
    "check_measure_ids": "tables",
    "Scorecard": "scorecard",
    "load_scorecard": "scorecard",
    "scorecard_from_dict": "scorecard",
    "write_workbook": "scorecard",
    "write_template_workbook": "scorecard",
    "IndicatorDefinition": "indicators",
    "parse_definition": "indicators",
    "parse_definitions": "indicators",
    "definitions_table": "indicators",
    "compute_indicators": "indicators",
    "compute_indicators_checked": "indicators",
}

__all__ = list(_EXPORTS)


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
