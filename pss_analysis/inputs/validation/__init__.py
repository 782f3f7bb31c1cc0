"""Check input data before any analysis, collecting every problem.

The checks here never stop at the first problem: each one adds a
:class:`Problem` (severity ``error`` or ``warning``) to a
:class:`ValidationReport`, which the caller inspects, shows as a
data-quality table (:meth:`ValidationReport.to_frame`) or turns into one
:class:`~pss_analysis.errors.DataValidationError` listing the errors
(:meth:`ValidationReport.raise_if_errors`).

Every problem names the file, the row (as a spreadsheet shows it: the header
is row 1 of a CSV, the first data row row 2; in a Parquet file the first
record is row 1), the column, what was expected and what was found.

Reading (:func:`read_table`) handles CSV, Excel (``.xlsx``, ``.xlsm``) and
Parquet, and returns every cell as text with the frame's index holding the
spreadsheet row numbers, so that later checks can name rows. It checks:

* text encoding: a CSV that is not UTF-8 is an error that says which
  encoding it looks like (e.g. Windows-1252, "cp1252", as Excel on Windows
  writes "CSV" files); the file is then read in that encoding so the other
  checks still run. A UTF-8 byte-order mark is a warning and is removed.
* header row: when the expected column names are not on the first row but on
  a later one (a title above the table, common in Excel workbooks), that row
  is used and a warning says so; the rows above it are ignored.

The reusable checks (missing columns, numbers, periods, duplicates, gaps in
the period sequence, counts, denominators, catalogue cross-checks) are used
by :mod:`pss_analysis.inputs.tables` for the measure catalogue and indicator table and
by :mod:`pss_analysis.inputs.indicators` for record-level extracts.

The package is split by job: :mod:`~pss_analysis.inputs.validation.report`
(problems and the report), :mod:`~pss_analysis.inputs.validation.reading`
(reading a table) and :mod:`~pss_analysis.inputs.validation.checks` (the checks).
"""

from pss_analysis.inputs.validation.checks import (
    MAX_ABS_NUMBER,
    NUMBER_FORMATS,
    ONE_MESSAGE_FROM,
    check_catalogue,
    check_counts,
    check_denominators,
    check_duplicates,
    check_gaps,
    check_known_values,
    check_not_above,
    check_required_text,
    parse_numbers,
    parse_period_column,
    require_columns,
)
from pss_analysis.inputs.validation.reading import (
    HEADER_SEARCH_ROWS,
    EncodingGuess,
    file_kind,
    read_table,
    sniff_encoding,
)
from pss_analysis.inputs.validation.report import (
    MAX_LISTED_ERRORS,
    SEVERITIES,
    Problem,
    ValidationReport,
)

__all__ = [
    "MAX_ABS_NUMBER",
    "NUMBER_FORMATS",
    "ONE_MESSAGE_FROM",
    "SEVERITIES",
    "MAX_LISTED_ERRORS",
    "HEADER_SEARCH_ROWS",
    "Problem",
    "ValidationReport",
    "EncodingGuess",
    "sniff_encoding",
    "read_table",
    "file_kind",
    "require_columns",
    "parse_numbers",
    "parse_period_column",
    "check_required_text",
    "check_duplicates",
    "check_gaps",
    "check_counts",
    "check_denominators",
    "check_not_above",
    "check_catalogue",
    "check_known_values",
]
