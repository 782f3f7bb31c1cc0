"""Reading a table (CSV, Excel, Parquet) as text, with spreadsheet row numbers as the index.

:func:`read_table` checks the text encoding of a CSV (:func:`sniff_encoding`) and
finds a header row placed below titles; see the docstring of
:mod:`pss_analysis.inputs.validation`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.config.database import read_rows
from pss_analysis.config.params import DatabaseSource
from pss_analysis.errors import DataValidationError
from pss_analysis.inputs import periods as _periods
from pss_analysis.inputs.validation.report import ValidationReport

__all__ = [
    "HEADER_SEARCH_ROWS",
    "CSV_SUFFIXES",
    "EXCEL_SUFFIXES",
    "PARQUET_SUFFIXES",
    "EncodingGuess",
    "sniff_encoding",
    "file_kind",
    "read_table",
]

#: How many rows at the top of a sheet or CSV are searched for the header row (titles and notes
#: above a table rarely take more than a few rows in published NHS and ONS workbooks).
HEADER_SEARCH_ROWS = 20


#: Bytes 0x80-0x9F are printable characters in Windows-1252 (e.g. 0x92 is a curly apostrophe,
#: 0x80 the euro sign) but control codes in Latin-1 (ISO-8859-1); five of them are unassigned in
#: Windows-1252 (Microsoft code page 1252 table).
_CP1252_UNASSIGNED = frozenset({0x81, 0x8D, 0x8F, 0x90, 0x9D})


CSV_SUFFIXES = (".csv", ".txt")


EXCEL_SUFFIXES = (".xlsx", ".xlsm")


PARQUET_SUFFIXES = (".parquet", ".pq")


@dataclass(frozen=True)
class EncodingGuess:
    """What :func:`sniff_encoding` found.

    ``encoding`` is the Python codec to read the bytes with; ``label`` a
    plain-English name; ``bom`` the byte-order mark found (``"UTF-8"``,
    ``"UTF-16"``) or None; ``utf8`` whether the text is UTF-8;
    ``first_bad`` the offset of the first byte that is not UTF-8 (or None).
    """

    encoding: str
    label: str
    bom: str | None
    utf8: bool
    first_bad: int | None = None


def sniff_encoding(data: bytes) -> EncodingGuess:
    """Say which text encoding ``data`` look like (UTF-8, UTF-16, Windows-1252, Latin-1)."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            data[3:].decode("utf-8")
            return EncodingGuess("utf-8-sig", "UTF-8 with a byte-order mark", "UTF-8", True)
        except UnicodeDecodeError as exc:
            return _guess_8bit(data[3:], exc.start + 3, bom="UTF-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingGuess("utf-16", "UTF-16 (as Excel's 'Unicode text' writes)", "UTF-16", False, 0)
    sample = data[:65536]
    if sample.count(0) > len(sample) // 4:  # NUL bytes are valid UTF-8 but never in a text table
        return _guess_8bit(data, 0, bom=None)
    try:
        data.decode("utf-8")
        return EncodingGuess("utf-8", "UTF-8", None, True)
    except UnicodeDecodeError as exc:
        return _guess_8bit(data, exc.start, bom=None)


def _guess_8bit(data: bytes, first_bad: int, *, bom: str | None) -> EncodingGuess:
    sample = data[:65536]
    if sample.count(0) > len(sample) // 4:  # every other byte NUL: UTF-16 without a byte-order mark
        little = sample[1::2].count(0) > sample[0::2].count(0)
        return EncodingGuess(
            "utf-16-le" if little else "utf-16-be", "UTF-16 without a byte-order mark", bom, False, first_bad
        )
    high = {b for b in data if b >= 0x80}
    c1 = {b for b in high if b < 0xA0}
    if c1 and not c1 & _CP1252_UNASSIGNED:
        return EncodingGuess("cp1252", "Windows-1252 (cp1252, Windows Western European)", bom, False, first_bad)
    if not c1:
        return EncodingGuess("cp1252", "Windows-1252 (cp1252) or Latin-1 (ISO-8859-1)", bom, False, first_bad)
    return EncodingGuess(
        "latin-1", "an 8-bit encoding such as Latin-1 (ISO-8859-1) or Mac Roman", bom, False, first_bad
    )


def _decode(data: bytes, path: Path, report: ValidationReport) -> str:
    guess = sniff_encoding(data)
    if guess.bom == "UTF-8" and guess.utf8:
        report.warning(
            "byte_order_mark",
            "the file starts with a UTF-8 byte-order mark (removed; no action needed)",
            file=path,
            row=1,
        )
        return data[3:].decode("utf-8")
    if guess.utf8:
        return data.decode("utf-8")
    start = guess.first_bad or 0
    line = data[:start].count(b"\n") + 1
    byte = data[start] if start < len(data) else None
    shown = ""
    if byte is not None and guess.encoding in ("cp1252", "latin-1"):
        shown = f" ({bytes([byte]).decode(guess.encoding, errors='replace')!r} in {guess.encoding})"
    report.error(
        "encoding",
        f"the file is not UTF-8 text: it looks like {guess.label}"
        + (f"; first non-UTF-8 byte {byte:#04x}{shown} on line {line}" if byte is not None else "")
        + f". Save it as 'CSV UTF-8' (it was read as {guess.encoding} so the other checks could run)",
        file=path,
        row=line,
        expected="UTF-8 text",
        found=guess.encoding,
    )
    body = data[3:] if guess.bom == "UTF-8" else data
    return body.decode(guess.encoding, errors="replace")


def file_kind(path: str | Path) -> str:
    """``"csv"``, ``"excel"`` or ``"parquet"`` from a file name's suffix (else ``""``)."""
    suffix = Path(path).suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in EXCEL_SUFFIXES:
        return "excel"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    return ""


def _find_header(rows: Sequence[Sequence[str]], expected: Sequence[str]) -> int:
    """Index of the row (within :data:`HEADER_SEARCH_ROWS`) holding most of ``expected``; 0 if none."""
    if not expected:
        return 0
    wanted = set(expected)
    best, best_hits = 0, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = len(wanted & {str(c).strip() for c in row})
        if hits > best_hits:
            best, best_hits = i, hits
        if hits == len(wanted):
            break
    return best


def _frame_from_rows(
    rows: list[list[str]],
    row_numbers: list[int],
    expected: Sequence[str],
    path: Path,
    report: ValidationReport,
    *,
    what: str,
) -> pd.DataFrame:
    if not rows:
        report.error("empty_file", f"the {what} is empty", file=path, expected="a header row and data rows")
        return pd.DataFrame(columns=list(expected))
    h = _find_header(rows, expected)
    if h > 0:
        report.warning(
            "header_row",
            f"the header is on row {row_numbers[h]}, not row 1; the rows above it were ignored",
            file=path,
            row=row_numbers[h],
            expected="column names on the first row",
            found=", ".join(str(c) for c in rows[0] if str(c).strip()) or "blank rows",
        )
    header = [str(c).strip() for c in rows[h]]
    while header and header[-1] == "":
        header.pop()
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if name and name in seen:
            report.error(
                "duplicate_column",
                "two columns have the same name",
                file=path,
                row=row_numbers[h],
                column=name,
                expected="unique column names",
                found=f"columns {seen[name] + 1} and {j + 1}",
            )
        seen.setdefault(name, j)
    width = len(header)
    columns = [c if c else f"unnamed_{j + 1}" for j, c in enumerate(header)]
    body = rows[h + 1 :]
    if width and all(len(row) == width for row in body):  # every row as wide as the header: column by column
        frame = pd.DataFrame(body, columns=columns, dtype=object)
        blank = np.zeros(len(frame), dtype=bool)  # a blank line: every cell blank (its first cell, then the rest)
        maybe = (frame.iloc[:, 0].str.strip() == "").to_numpy(dtype=bool) if len(frame) else blank
        for i in np.flatnonzero(maybe):
            blank[i] = not any(c.strip() for c in body[i])
        frame = frame.loc[~blank]
        frame.index = pd.Index(np.asarray(row_numbers[h + 1 :], dtype="int64")[~blank], name="row")
        return frame.loc[:, ~frame.columns.duplicated()]
    data, index = [], []
    for row, number in zip(body, row_numbers[h + 1 :], strict=True):
        cells = [str(c) for c in row]
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            report.error(
                "extra_values",
                f"the row has {len(cells)} values but the header names {width} columns",
                file=path,
                row=number,
                expected=f"at most {width} values",
                found=len(cells),
            )
        cells = (cells + [""] * width)[:width]
        data.append(cells)
        index.append(number)
    frame = pd.DataFrame(
        data,
        columns=columns,
        index=pd.Index(index, dtype="int64", name="row"),
        dtype=object,
    )
    return frame.loc[:, ~frame.columns.duplicated()]


def _cell_text(value: Any) -> str:
    """Text of a cell read from Excel or Parquet, as a person would type it in a CSV."""
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, (pd.Timestamp, _dt.datetime)):
        if (value.hour, value.minute, value.second, value.microsecond) == (0, 0, 0, 0):
            return value.strftime("%Y-%m-%d")
        return value.isoformat(sep=" ")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, pd.Period):
        return _periods.format_period(value)
    if isinstance(value, (np.floating,)):
        return _cell_text(float(value))
    if isinstance(value, np.generic):
        return str(value.item())
    return str(value)


def _read_csv(path: Path, expected: Sequence[str], report: ValidationReport, what: str) -> pd.DataFrame:
    text = _decode(path.read_bytes(), path, report)
    frame = _plain_csv_frame(text, expected)
    if frame is not None:
        return frame
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return _frame_from_rows(rows, list(range(1, len(rows) + 1)), expected, path, report, what=what)


#: A line with nothing but spaces and commas: a blank row.
_BLANK_LINE = re.compile(r"^(?:[^\S\n]|,)*$", re.MULTILINE)


def _plain_csv_frame(text: str, expected: Sequence[str]) -> pd.DataFrame | None:
    """The frame :func:`_frame_from_rows` makes of ``text``, read by pandas' C parser (several times faster
    than the csv module on a table of a million rows), for a plain CSV: no quotes, no blank rows, the
    header on the first row naming every column once with ``expected`` among them, and no row wider
    than the header. None for any other text (read row by row instead, where every problem is named)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    end = text.find("\n")
    if end < 0 or end == len(text) - 1 or '"' in text or "\r" in text or "\x00" in text:
        return None
    header = [c.strip() for c in text[:end].split(",")]
    if not all(header) or len(set(header)) < len(header) or not set(expected) <= set(header):
        return None
    if _BLANK_LINE.search(text, end + 1, len(text) - text.endswith("\n")):
        return None
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=object,
            na_filter=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_NONE,
            engine="c",
        )
    except pd.errors.ParserError:  # a row wider than the header
        return None
    if frame.shape[1] != len(header):
        return None
    frame = frame.iloc[1:]  # shorter rows are filled with blanks, as row by row
    frame.columns = header
    frame.index = pd.Index(np.arange(2, len(frame) + 2, dtype="int64"), name="row")
    return frame


def _read_excel_rows(
    path: Path, expected: Sequence[str], report: ValidationReport, sheet: str | int | None
) -> tuple[list[list[str]], list[int]]:
    try:
        sheets = pd.read_excel(path, sheet_name=None if sheet is None else sheet, header=None, dtype=object)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; all mean "cannot read"
        report.error(
            "unreadable_file", f"cannot read the Excel workbook: {exc}", file=path, expected="an .xlsx workbook"
        )
        return [], []
    if isinstance(sheets, pd.DataFrame):
        sheets = {sheet: sheets}
    chosen = next(iter(sheets.values()), pd.DataFrame())
    if expected and sheet is None:
        for name, frame in sheets.items():
            top = frame.head(HEADER_SEARCH_ROWS).map(_cell_text).to_numpy().tolist()
            if any(set(expected) <= {c.strip() for c in row} for row in top):
                if name != next(iter(sheets)):
                    report.warning(
                        "sheet",
                        f"the table was found on sheet '{name}', not the first sheet",
                        file=path,
                        expected="the table on the first sheet",
                        found=name,
                    )
                chosen = frame
                break
    rows = chosen.map(_cell_text).to_numpy().tolist()
    return rows, list(range(1, len(rows) + 1))


def _read_database(source: DatabaseSource, expected: Sequence[str], report: ValidationReport) -> pd.DataFrame:
    """The rows of a database table or query as text cells, the same frame a CSV gives (rows numbered
    from 1 in the order read); a failure is one error naming the table or query."""
    try:
        raw = read_rows(source)
    except DataValidationError as exc:
        report.error("unreadable_database", exc.message, file=str(source), expected=exc.expected, found=exc.found)
        return pd.DataFrame(columns=list(expected))
    return _text_frame(raw)


def _text_frame(raw: pd.DataFrame) -> pd.DataFrame:
    """Every cell of a typed frame (Parquet, a database) as the text a person would type in a CSV."""
    frame = pd.DataFrame(
        {c: [_cell_text(v) for v in raw[c].tolist()] for c in raw.columns},
        columns=[str(c) for c in raw.columns],
        dtype=object,
    )
    frame.index = pd.Index(np.arange(1, len(raw) + 1), dtype="int64", name="row")
    return frame


def read_table(
    path: str | Path | DatabaseSource,
    *,
    expected: Sequence[str] = (),
    report: ValidationReport | None = None,
    what: str = "table",
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a CSV, Excel or Parquet table, or a database table or query, as text, checking encoding and
    header row.

    Every cell is text (``""`` for blank); the index holds each row's number
    as a spreadsheet shows it. ``expected`` (column names) is used to find
    the header row (and, in a workbook, the sheet) — missing columns are not
    reported here (see :func:`require_columns`). Problems go to ``report``;
    when no report is given they are raised at once.
    """
    own = report is None
    report = ValidationReport() if report is None else report
    if isinstance(path, DatabaseSource):
        frame = _read_database(path, expected, report)
        if own:
            report.raise_if_errors()
        return frame
    path = Path(path)
    kind = file_kind(path)
    if not path.is_file():
        report.error("missing_file", f"the {what} file does not exist", file=path)
        frame = pd.DataFrame(columns=list(expected))
    elif kind == "csv":
        frame = _read_csv(path, expected, report, what)
    elif kind == "excel":
        rows, numbers = _read_excel_rows(path, expected, report, sheet)
        frame = _frame_from_rows(rows, numbers, expected, path, report, what=what)
    elif kind == "parquet":
        try:
            raw = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds
            report.error(
                "unreadable_file", f"cannot read the Parquet file: {exc}", file=path, expected="a Parquet file"
            )
            raw = pd.DataFrame(columns=list(expected))
        frame = _text_frame(raw)
    else:
        report.error(
            "file_type",
            f"cannot read a {path.suffix or 'suffix-less'} file as a {what}",
            file=path,
            expected="a .csv, .xlsx or .parquet file",
            found=path.suffix,
        )
        frame = pd.DataFrame(columns=list(expected))
    if own:
        report.raise_if_errors()
    return frame
