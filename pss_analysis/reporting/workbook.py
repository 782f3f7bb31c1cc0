"""The results workbook: every table of a run in one Excel file, with a README sheet.

:func:`read_csv_tables` gathers a run's ``tables/*.csv`` (as written by
:meth:`pss_analysis.reporting.document.Report.table`) and :func:`write_results_workbook`
writes them, one sheet per table, after a first sheet ``README`` that gives
the title, the run id, the package version, any notes (such as the
suppression rule), every sheet with its full table name, description and
size, and every column with its description.

Sheet names
-----------
Excel allows at most 31 characters, none of ``[ ] : * ? / \\``, no leading or
trailing apostrophe, and treats names case-insensitively. :func:`sheet_names`
replaces each forbidden character with ``_``, strips apostrophes and spaces
at the ends, cuts the name to its first 31 characters and, when the result
is already taken (``README`` and ``History`` always are), ends it with ``~2``, ``~3``, …
(cutting further so that it still fits). The README sheet records the full
table name beside each sheet name.

Cells
-----
Numbers are written as numbers, unrounded (openpyxl writes 16 significant
digits, one more than Excel shows; the CSV files keep every digit), missing
values as empty cells, and text as text, including suppression markers
(``*``) and text that starts with ``=`` (which openpyxl would otherwise write
as a formula). Infinite values, which Excel cannot hold, are written as the
text ``inf``/``-inf``. The header row is bold, frozen and filtered; column
widths fit the longest entry, capped at ``MAX_COLUMN_WIDTH``.

Determinism
-----------
The workbook's created/modified properties are set to ``created`` (default
``FIXED_TIMESTAMP``) and every entry of the zip file is stamped with the
same fixed date, so the same tables give a byte-identical file.
"""

from __future__ import annotations

import datetime as _dt
import io
import math
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from pss_analysis import __version__
from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.reporting.suppression import MARKER

__all__ = [
    "WORKBOOK_MAX_ROWS",
    "write_results_workbook",
    "read_csv_tables",
    "sheet_names",
    "README_SHEET",
    "FIXED_TIMESTAMP",
    "MAX_SHEET_NAME",
    "MAX_COLUMN_WIDTH",
    "NO_DESCRIPTION",
]

README_SHEET = "README"
#: Excel refuses a sheet called "History" (it is kept for tracked changes).
EXCEL_RESERVED_SHEET = "History"
#: Excel's limit on the length of a sheet name.
MAX_SHEET_NAME = 31
#: Characters Excel does not allow in a sheet name.
FORBIDDEN_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
#: Widest column, in characters (Excel's unit); longer text wraps off-screen rather than widening.
MAX_COLUMN_WIDTH = 60
MIN_COLUMN_WIDTH = 8
#: Width allowed for a number, whatever its full precision (Excel's General format shows ~11 digits).
NUMBER_WIDTH = 12
#: Created/modified date written into the workbook when none is given, so that output is reproducible.
FIXED_TIMESTAMP = _dt.datetime(2000, 1, 1, 0, 0, 0)
#: Date stamped on every entry of the zip file (the earliest a zip file can hold).
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)
#: Shown for a table or column that has no description.
NO_DESCRIPTION = "No description recorded."
#: Rows of data a table may have to be in the workbook. An Excel sheet holds 1,048,575, but a sheet of
#: hundreds of thousands of rows takes minutes to write and to open (e.g. every practice's monthly
#: values in a batch of a thousand practices): a longer table is left out and the README sheet says
#: so; its CSV file has it all.
WORKBOOK_MAX_ROWS = 100_000
#: Excel's limit on the characters in one cell.
MAX_CELL_TEXT = 32767

# checked column by column (pyarrow's regular expressions): ASCII digits only
_NUMBER_TEXT = r"[+-]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|[iI][nN][fF]|[nN][aA][nN])"
_INTEGER_TEXT = r"[+-]?[0-9]+"
_LEADING_ZERO = r"[+-]?0[0-9]"


def sheet_names(
    table_names: Iterable[str], *, reserved: Sequence[str] = (README_SHEET, EXCEL_RESERVED_SHEET)
) -> dict[str, str]:
    """Valid, unique Excel sheet names for ``table_names``, as {table name: sheet name}, in order.

    See the module docstring for the rules. Names in ``reserved`` are treated as taken.

    >>> names = sheet_names(["spc_points_by_measure_and_phase_2018", "spc_points_by_measure_and_phase_2019", "a/b"])
    >>> list(names.values())
    ['spc_points_by_measure_and_phase', 'spc_points_by_measure_and_pha~2', 'a_b']
    """
    taken = {name.casefold() for name in reserved}
    result: dict[str, str] = {}
    for table in table_names:
        base = FORBIDDEN_IN_SHEET_NAME.sub("_", str(table)).strip("' ") or "table"
        name = base[:MAX_SHEET_NAME].rstrip("'")
        number = 1
        while name.casefold() in taken:
            number += 1
            suffix = f"~{number}"
            name = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(name.casefold())
        result[table] = name
    return result


def write_results_workbook(
    tables: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    descriptions: Mapping[str, str] | None = None,
    column_descriptions: Mapping[str, str] | None = None,
    title: str = "",
    run_id: str = "",
    notes: Sequence[str] = (),
    created: _dt.datetime | None = None,
) -> Path:
    """Write ``tables`` to an Excel workbook at ``path`` and return the path.

    ``tables`` maps each table's name to its tidy frame (the index is not
    written, as in ``Report.save_table``); sheets follow its order after the
    README sheet. ``descriptions`` maps table names, and
    ``column_descriptions`` column names, to one line of text each; anything
    without one is listed with ``NO_DESCRIPTION``. ``notes`` are lines shown
    under the title (e.g. the suppression rule). ``created`` is the date
    written into the file's properties (naive UTC; default ``FIXED_TIMESTAMP``).
    """
    if not isinstance(tables, Mapping):
        raise ParameterError(
            "tables must be a mapping of table name to DataFrame", key="tables", found=type(tables).__name__
        )
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise ParameterError(
                "every table must be a pandas DataFrame",
                key=str(name),
                expected="a DataFrame",
                found=type(frame).__name__,
            )
    if isinstance(notes, str):
        notes = [notes]
    descriptions = dict(descriptions or {})
    column_descriptions = dict(column_descriptions or {})
    names = sheet_names(tables)
    stamp = _naive_utc(created or FIXED_TIMESTAMP)

    workbook = Workbook(write_only=True)  # rows go straight to the file: a sheet of 100,000 rows in seconds
    _write_readme(
        workbook.create_sheet(README_SHEET), tables, names, descriptions, column_descriptions, title, run_id, notes
    )
    rows_xml = {}  # each data sheet's rows after the header, as XML, when written here rather than by openpyxl
    for table, frame in tables.items():
        if _rows(frame) <= WORKBOOK_MAX_ROWS:
            sheet = workbook.create_sheet(names[table])
            rows_xml[sheet.title] = _write_table(sheet, frame)

    props = workbook.properties
    props.creator = props.lastModifiedBy = f"pss-analysis {__version__}"
    props.title = title or None
    props.identifier = run_id or None
    props.created = props.modified = stamp

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_workbook_bytes(workbook, rows_xml))
    return path


def read_csv_tables(
    folder: str | Path, *, markers: Sequence[str] = (MARKER,), max_rows: int | None = None
) -> dict[str, pd.DataFrame]:
    """Every ``tables/*.csv`` of a run folder, as {file stem: frame}, sorted by file name.

    With ``max_rows``, a file of more lines than that is not read: its frame has the columns, no
    rows and its number of lines in ``attrs["rows"]`` (what :func:`write_results_workbook` needs to
    list it as left out).

    Columns are read as text and then typed column by column: a column whose
    non-empty values are all numbers or ``markers`` becomes numbers (int when
    every number is a whole-number literal, else float) with the markers kept
    as text; a column of only ``True``/``False`` becomes bool; any other column
    (including codes with leading zeros such as ``007``) stays text. Empty
    cells are missing values.
    """
    folder = Path(folder)
    tables_dir = folder / "tables"
    if not tables_dir.is_dir():
        raise DataValidationError(
            "no tables folder in this run folder", file=str(folder), expected=f"a folder {tables_dir}"
        )
    result: dict[str, pd.DataFrame] = {}
    for path in sorted(tables_dir.glob("*.csv"), key=lambda p: p.name):
        lines = path.read_bytes().count(b"\n") - 1 if max_rows is not None else 0
        if max_rows is not None and lines > max_rows:
            header = pd.read_csv(path, dtype=str, nrows=0)
            header.attrs["rows"] = lines
            result[path.stem] = header
            continue
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            result[path.stem] = pd.DataFrame()
            continue
        result[path.stem] = pd.DataFrame(
            {name: _typed(raw[name], markers) for name in raw.columns}, index=raw.index, columns=raw.columns
        )
    return result


# -- writing ------------------------------------------------------------------------

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_TOP = Alignment(vertical="top", wrap_text=True)


def _write_readme(sheet, tables, names, descriptions, column_descriptions, title, run_id, notes) -> None:
    widths = {1: 34, 2: MAX_COLUMN_WIDTH, 3: MAX_COLUMN_WIDTH, 4: 10, 5: 10}
    for k, width in widths.items():
        sheet.column_dimensions[get_column_letter(k)].width = width
    sheet.append([_styled(sheet, _text(title or "Results"), _TITLE)])
    lines = [("Run", _text(run_id or "not recorded")), ("pss-analysis version", __version__)]
    for label, value in [*lines, *(("Note", _text(note)) for note in notes)]:
        _append_text(sheet, [label, value])
    sheet.append([])
    sheet.append([_styled(sheet, "Sheets in this workbook", _TITLE)])
    sheet.append([_styled(sheet, h, _BOLD) for h in ["Sheet", "Table", "Description", "Rows", "Columns"]])
    for table, frame in tables.items():
        _append_text(sheet, _sheet_row(table, frame, names[table], descriptions))
    sheet.append([])
    sheet.append([_styled(sheet, "Columns in the tables", _TITLE)])
    sheet.append([_styled(sheet, h, _BOLD) for h in ["Column", "Description", "Sheets"]])
    appears: dict[str, list[str]] = {}
    for table, frame in tables.items():
        if _rows(frame) > WORKBOOK_MAX_ROWS:
            continue
        for column in frame.columns:
            sheets = appears.setdefault(str(column), [])
            if names[table] not in sheets:
                sheets.append(names[table])
    for column, sheets in appears.items():
        _append_text(
            sheet, [_text(column), _text(column_descriptions.get(column) or NO_DESCRIPTION), _text(", ".join(sheets))]
        )


def _styled(sheet, value: Any, font: Font | None = None, alignment: Alignment | None = None) -> WriteOnlyCell:
    """A cell of a write-only sheet; text stays text, even if it starts with "=" or reads as an error code."""
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    if alignment is not None:
        cell.alignment = alignment
    return cell


def _append_text(sheet, row: list[Any]) -> None:
    """A README row: text at the top of its cell, wrapped."""
    sheet.append([_styled(sheet, v, alignment=_TOP) if isinstance(v, str) else v for v in row])


def _sheet_row(table: str, frame: pd.DataFrame, name: str, descriptions: Mapping[str, str]) -> list[Any]:
    """The README's line for one table: its sheet (none when too long for Excel), name, description, size."""
    description = descriptions.get(table) or NO_DESCRIPTION
    rows = _rows(frame)
    fits = rows <= WORKBOOK_MAX_ROWS
    if not fits:
        description += (
            f" Not in this workbook: its {rows:,} rows are more than the workbook takes "
            f"({WORKBOOK_MAX_ROWS:,}); the CSV file {table}.csv has them all."
        )
    return [name if fits else "(none)", _text(str(table)), _text(description), rows, len(frame.columns)]


def _rows(frame: pd.DataFrame) -> int:
    """The table's rows: ``attrs["rows"]`` for a table :func:`read_csv_tables` did not read (too long)."""
    return int(frame.attrs.get("rows", len(frame)))


def _write_table(sheet, frame: pd.DataFrame) -> bytes:
    """The sheet's columns, frozen and filtered header row; its data rows go into the sheet's XML as the
    bytes returned (see :func:`_rows_xml`), or through openpyxl (then nothing is returned) for a table
    with dates or times."""
    headers = [_text(str(c)) for c in frame.columns]
    columns = [_column_values(frame.iloc[:, k]) for k in range(frame.shape[1])] if len(frame) else []
    for k, header in enumerate(headers, start=1):
        width = max(len(header), _column_width(columns[k - 1]) if columns else 0)
        sheet.column_dimensions[get_column_letter(k)].width = min(MAX_COLUMN_WIDTH, max(MIN_COLUMN_WIDTH, width + 2))
    sheet.freeze_panes = "A2"
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(frame) + 1}"
    sheet.append([_styled(sheet, h, _BOLD) for h in headers])
    if all(isinstance(v, _XML_TYPES) for values in columns for v in values):
        return _rows_xml(columns)
    for row in zip(*columns, strict=True):
        sheet.append([_styled(sheet, v) if isinstance(v, str) and v[:1] in _READ_AS_CODE else v for v in row])
    return b""


#: Cell values :func:`_rows_xml` writes (as openpyxl would): numbers, booleans, text, blanks.
_XML_TYPES = (float, int, str, type(None))


def _rows_xml(columns: list[list[Any]]) -> bytes:
    """The ``<row>`` elements of a sheet's data (from its second row), as openpyxl's write-only sheet writes
    them: numbers ``%.16g``, booleans 1/0, text inline (escaped, spaces at the ends kept), blanks left out.
    Written here because openpyxl takes about 10 microseconds a cell (a summary of a thousand units has
    half a million)."""
    letters = [get_column_letter(k + 1) for k in range(len(columns))]
    out = []
    for r, row in enumerate(zip(*columns, strict=True), start=2):
        cells = []
        for letter, value in zip(letters, row, strict=True):
            if value is None:
                continue
            if isinstance(value, str):
                if not value:
                    cells.append(f'<c r="{letter}{r}" t="inlineStr"/>')
                    continue
                space = ' xml:space="preserve"' if value != value.strip() else ""
                cells.append(f'<c r="{letter}{r}" t="inlineStr"><is><t{space}>{xml_escape(value)}</t></is></c>')
            elif isinstance(value, bool):
                cells.append(f'<c r="{letter}{r}" t="b"><v>{int(value)}</v></c>')
            else:
                cells.append(f'<c r="{letter}{r}" t="n"><v>{value:.16g}</v></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    return "".join(out).encode("utf-8")


#: First characters of text openpyxl would write as a formula (``=``) or an error code (``#N/A``).
_READ_AS_CODE = frozenset("=#")


def _text(value: str) -> str:
    """Text Excel can hold: no control characters, at most MAX_CELL_TEXT characters."""
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_TEXT]


def _column_values(column: pd.Series) -> list[Any]:
    """:func:`_cell_value` of every value of ``column`` (numbers converted all at once)."""
    if isinstance(column.dtype, pd.StringDtype):  # text: checked all at once, each cell kept as it is
        values = column.tolist()
        texts = [v for v in values if isinstance(v, str)]
        if max(map(len, texts), default=0) <= MAX_CELL_TEXT and not ILLEGAL_CHARACTERS_RE.search("".join(texts)):
            return [v if isinstance(v, str) else None for v in values]
        return [_cell_value(v) for v in values]
    if not isinstance(column.dtype, np.dtype):  # nullable integers and booleans, categories, periods
        return [_cell_value(v) for v in column.tolist()]
    if column.dtype.kind == "f":
        numbers = column.to_numpy()
        values = numbers.tolist()
        for i in np.flatnonzero(~np.isfinite(numbers)):
            values[i] = None if math.isnan(values[i]) else ("inf" if values[i] > 0 else "-inf")
        return values
    if column.dtype.kind in "iub":
        return column.to_numpy().tolist()
    return [_cell_value(v) for v in column.tolist()]


def _cell_value(value: Any) -> Any:
    """A value openpyxl writes as the right Excel type (None for missing)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, _dt.datetime):
        return _naive_utc(value)
    if isinstance(value, (_dt.date, _dt.time)):
        return value
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).to_pydatetime()
    return _text(str(value))  # Period, Decimal, Timedelta, lists, ...


#: What ``str.splitlines`` breaks lines at.
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def _column_width(values: list[Any]) -> int:
    """The widest :func:`_width` of ``values``, text and numbers measured all at once."""
    texts = [v for v in values if type(v) is str]
    numbers = [v for v in values if type(v) is int or type(v) is float]
    others = [v for v in values if v is not None and type(v) not in (str, int, float)]
    width = max(map(_width, others), default=0)
    if texts:
        one_line = not _LINE_BREAK.search("".join(texts))
        width = max(width, max(map(len, texts)) if one_line else max(map(_width, texts)))
    if numbers:
        width = max(width, min(max(map(len, map(str, numbers))), NUMBER_WIDTH))
    return width


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return min(len(str(value)), NUMBER_WIDTH)
    if isinstance(value, (_dt.datetime, _dt.date)):
        return 19 if isinstance(value, _dt.datetime) else 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _naive_utc(value: _dt.datetime) -> _dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(_dt.UTC).replace(tzinfo=None)
    return value


def _workbook_bytes(workbook: Workbook, rows_xml: Mapping[str, bytes]) -> bytes:
    """The .xlsx file, with the properties as set, each sheet's ``rows_xml`` (by sheet title) after its
    header row, and fixed dates on every zip entry.

    ``openpyxl.Workbook.save`` would overwrite the modified date with the
    current time, so the writer is called directly.
    """
    first = io.BytesIO()
    with zipfile.ZipFile(first, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).save()
    extra = {
        sheet.path.lstrip("/"): rows_xml[sheet.title] for sheet in workbook.worksheets if rows_xml.get(sheet.title)
    }
    second = io.BytesIO()
    with zipfile.ZipFile(first) as source, zipfile.ZipFile(second, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_TIMESTAMP)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            data = source.read(info.filename)
            if info.filename in extra:
                data = data.replace(b"</sheetData>", extra[info.filename] + b"</sheetData>", 1)
            target.writestr(entry, data)
    return second.getvalue()


# -- reading ------------------------------------------------------------------------


def _typed(column: pd.Series, markers: Sequence[str]) -> pd.Series:
    """A text column from a CSV typed as described in :func:`read_csv_tables`."""
    empty = (column == "").to_numpy()
    present = column[~empty]
    if present.empty:
        return pd.Series(np.nan, index=column.index, dtype="float64")
    if not empty.any() and present.isin(["True", "False"]).all():
        return column == "True"
    is_marker = present.isin(list(markers))
    numbers = present[~is_marker]
    if numbers.empty or not numbers.str.fullmatch(_NUMBER_TEXT).all() or numbers.str.match(_LEADING_ZERO).any():
        return column.where(~empty)  # text (codes with leading zeros stay text)
    texts = numbers.tolist()
    whole = numbers.str.fullmatch(_INTEGER_TEXT).to_numpy(dtype=bool)
    if is_marker.any():  # numbers and markers together: keep each as it is
        mixed = [int(t) if w else float(t) for t, w in zip(texts, whole, strict=True)]
        out = pd.Series(np.nan, index=column.index, dtype=object)
        out[present.index[is_marker.to_numpy()]] = present[is_marker]
        out[numbers.index] = pd.Series(mixed, index=numbers.index, dtype=object)
        return out
    if not empty.any() and whole.all():
        try:
            return pd.Series([int(t) for t in texts], index=column.index, dtype="int64")
        except OverflowError:
            pass
    out = pd.Series(np.nan, index=column.index, dtype="float64")
    values = np.asarray(texts, dtype="float64")  # Python's own parsing, as float(text)
    values[whole] += 0.0  # a whole number is read as an integer: "-0" is 0, not -0.0
    out[numbers.index] = values
    return out
