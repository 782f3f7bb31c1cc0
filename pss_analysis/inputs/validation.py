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
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from pss_analysis.inputs import periods as _periods
from pss_analysis.errors import DataValidationError

__all__ = [
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

#: Problem severities: an ``error`` stops the run, a ``warning`` is reported and the run goes on.
SEVERITIES = ("error", "warning")
#: How many errors :meth:`ValidationReport.raise_if_errors` lists before "... and N more"
#: (a screenful; the full list is in :meth:`ValidationReport.to_frame`).
MAX_LISTED_ERRORS = 20
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

Severity = Literal["error", "warning"]


# --------------------------------------------------------------------------
# Problems and the report
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One problem found in the data.

    ``check`` is a short stable name of the check (``missing_column``,
    ``unparseable_period``, ...); ``str()`` is one plain-English line naming
    file, row, column, what was expected and what was found.
    """

    severity: Severity
    check: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    expected: Any = None
    found: Any = None

    def __str__(self) -> str:
        return str(self.to_error())

    def to_error(self) -> DataValidationError:
        """The problem as a :class:`~pss_analysis.errors.DataValidationError` (not raised)."""
        return DataValidationError(self.message, file=self.file, row=self.row, column=self.column,
                                   expected=self.expected, found=self.found)


@dataclass
class ValidationReport:
    """Problems found while reading and checking input data, in the order found."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, severity: Severity, check: str, message: str, *, file: str | Path | None = None,
            row: int | None = None, column: str | None = None, expected: Any = None,
            found: Any = None) -> Problem:
        """Record one problem; returns it."""
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
        problem = Problem(severity, check, message, None if file is None else str(file),
                          None if row is None else int(row), column, expected, _plain(found))
        self.problems.append(problem)
        return problem

    def error(self, check: str, message: str, **context: Any) -> Problem:
        """Record an error (the data cannot be used as they are)."""
        return self.add("error", check, message, **context)

    def warning(self, check: str, message: str, **context: Any) -> Problem:
        """Record a warning (reported; the analysis goes on)."""
        return self.add("warning", check, message, **context)

    def extend(self, other: ValidationReport | Iterable[Problem]) -> None:
        """Append the problems of another report."""
        self.problems.extend(other.problems if isinstance(other, ValidationReport) else other)

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems of severity ``warning``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def __len__(self) -> int:
        return len(self.problems)

    def __iter__(self):  # noqa: ANN204 - iterator of Problem
        return iter(self.problems)

    def __str__(self) -> str:
        return "\n".join(f"{p.severity}: {p}" for p in self.problems) or "no problems"

    def to_frame(self) -> pd.DataFrame:
        """The data-quality table: one row per problem.

        Columns: ``severity, check, file, row, column, message, expected, found``
        and ``text`` (the one-line description). ``row`` is a nullable integer.
        """
        columns = ["severity", "check", "file", "row", "column", "message", "expected", "found", "text"]
        frame = pd.DataFrame(
            [{"severity": p.severity, "check": p.check, "file": p.file, "row": p.row, "column": p.column,
              "message": p.message, "expected": None if p.expected is None else str(p.expected),
              "found": None if p.found is None else str(p.found), "text": str(p)} for p in self.problems],
            columns=columns,
        )
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def raise_if_errors(self, limit: int = MAX_LISTED_ERRORS) -> None:
        """Raise :class:`~pss_analysis.errors.DataValidationError` if there is any error.

        One error: its one-line message, with ``file``, ``row``, ``column``,
        ``expected`` and ``found`` set on the exception. Several: a first line
        with the count, then one line per error (at most ``limit``, then
        "... and N more errors"). The exception carries this report as
        ``.report``.
        """
        errors = self.errors
        if not errors:
            return
        if len(errors) == 1:
            exc = errors[0].to_error()
        else:
            lines = [f"  {p}" for p in errors[:limit]]
            if len(errors) > limit:
                rest = len(errors) - limit
                lines.append(f"  ... and {rest} more error{'s' if rest > 1 else ''}")
            exc = DataValidationError(f"{len(errors)} errors in the input data:\n" + "\n".join(lines))
        exc.report = self  # type: ignore[attr-defined]
        raise exc


def _plain(value: Any) -> Any:
    """Values stored on problems: plain Python scalars, text for periods and dates."""
    if isinstance(value, pd.Period):
        return _periods.format_period(value)
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value


# --------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------


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
        return EncodingGuess("utf-16-le" if little else "utf-16-be", "UTF-16 without a byte-order mark", bom,
                             False, first_bad)
    high = {b for b in data if b >= 0x80}
    c1 = {b for b in high if b < 0xA0}
    if c1 and not c1 & _CP1252_UNASSIGNED:
        return EncodingGuess("cp1252", "Windows-1252 (cp1252, Windows Western European)", bom, False, first_bad)
    if not c1:
        return EncodingGuess("cp1252", "Windows-1252 (cp1252) or Latin-1 (ISO-8859-1)", bom, False, first_bad)
    return EncodingGuess("latin-1", "an 8-bit encoding such as Latin-1 (ISO-8859-1) or Mac Roman", bom, False,
                         first_bad)


def _decode(data: bytes, path: Path, report: ValidationReport) -> str:
    guess = sniff_encoding(data)
    if guess.bom == "UTF-8" and guess.utf8:
        report.warning("byte_order_mark", "the file starts with a UTF-8 byte-order mark (removed; no action needed)",
                       file=path, row=1)
        return data[3:].decode("utf-8")
    if guess.utf8:
        return data.decode("utf-8")
    start = guess.first_bad or 0
    line = data[:start].count(b"\n") + 1
    byte = data[start] if start < len(data) else None
    shown = ""
    if byte is not None and guess.encoding in ("cp1252", "latin-1"):
        shown = f" ({bytes([byte]).decode(guess.encoding, errors='replace')!r} in {guess.encoding})"
    report.error("encoding",
                 f"the file is not UTF-8 text: it looks like {guess.label}"
                 + (f"; first non-UTF-8 byte {byte:#04x}{shown} on line {line}" if byte is not None else "")
                 + f". Save it as 'CSV UTF-8' (it was read as {guess.encoding} so the other checks could run)",
                 file=path, row=line, expected="UTF-8 text", found=guess.encoding)
    body = data[3:] if guess.bom == "UTF-8" else data
    return body.decode(guess.encoding, errors="replace")


# --------------------------------------------------------------------------
# Reading tables
# --------------------------------------------------------------------------


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


def _frame_from_rows(rows: list[list[str]], row_numbers: list[int], expected: Sequence[str], path: Path,
                     report: ValidationReport, *, what: str) -> pd.DataFrame:
    if not rows:
        report.error("empty_file", f"the {what} is empty", file=path, expected="a header row and data rows")
        return pd.DataFrame(columns=list(expected))
    h = _find_header(rows, expected)
    if h > 0:
        report.warning("header_row",
                       f"the header is on row {row_numbers[h]}, not row 1; the rows above it were ignored",
                       file=path, row=row_numbers[h], expected="column names on the first row",
                       found=", ".join(str(c) for c in rows[0] if str(c).strip()) or "blank rows")
    header = [str(c).strip() for c in rows[h]]
    while header and header[-1] == "":
        header.pop()
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if name and name in seen:
            report.error("duplicate_column", "two columns have the same name", file=path, row=row_numbers[h],
                         column=name, expected="unique column names", found=f"columns {seen[name] + 1} and {j + 1}")
        seen.setdefault(name, j)
    width = len(header)
    data, index = [], []
    for row, number in zip(rows[h + 1:], row_numbers[h + 1:], strict=True):
        cells = [str(c) for c in row]
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) > width and any(c.strip() for c in cells[width:]):
            report.error("extra_values", f"the row has {len(cells)} values but the header names {width} columns",
                         file=path, row=number, expected=f"at most {width} values", found=len(cells))
        cells = (cells + [""] * width)[:width]
        data.append(cells)
        index.append(number)
    frame = pd.DataFrame(data, columns=[c if c else f"unnamed_{j + 1}" for j, c in enumerate(header)],
                         index=pd.Index(index, dtype="int64", name="row"), dtype=object)
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


def _read_csv_rows(path: Path, report: ValidationReport) -> tuple[list[list[str]], list[int]]:
    text = _decode(path.read_bytes(), path, report)
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows, list(range(1, len(rows) + 1))


def _read_excel_rows(path: Path, expected: Sequence[str], report: ValidationReport,
                     sheet: str | int | None) -> tuple[list[list[str]], list[int]]:
    try:
        sheets = pd.read_excel(path, sheet_name=None if sheet is None else sheet, header=None, dtype=object)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds; all mean "cannot read"
        report.error("unreadable_file", f"cannot read the Excel workbook: {exc}", file=path,
                     expected="an .xlsx workbook")
        return [], []
    if isinstance(sheets, pd.DataFrame):
        sheets = {sheet: sheets}
    chosen = next(iter(sheets.values()), pd.DataFrame())
    if expected and sheet is None:
        for name, frame in sheets.items():
            top = frame.head(HEADER_SEARCH_ROWS).map(_cell_text).to_numpy().tolist()
            if any(set(expected) <= {c.strip() for c in row} for row in top):
                if name != next(iter(sheets)):
                    report.warning("sheet", f"the table was found on sheet '{name}', not the first sheet",
                                   file=path, expected="the table on the first sheet", found=name)
                chosen = frame
                break
    rows = chosen.map(_cell_text).to_numpy().tolist()
    return rows, list(range(1, len(rows) + 1))


def read_table(path: str | Path, *, expected: Sequence[str] = (), report: ValidationReport | None = None,
               what: str = "table", sheet: str | int | None = None) -> pd.DataFrame:
    """Read a CSV, Excel or Parquet table as text, checking encoding and header row.

    Every cell is text (``""`` for blank); the index holds each row's number
    as a spreadsheet shows it. ``expected`` (column names) is used to find
    the header row (and, in a workbook, the sheet) — missing columns are not
    reported here (see :func:`require_columns`). Problems go to ``report``;
    when no report is given they are raised at once.
    """
    path = Path(path)
    own = report is None
    report = ValidationReport() if report is None else report
    kind = file_kind(path)
    if not path.is_file():
        report.error("missing_file", f"the {what} file does not exist", file=path)
        frame = pd.DataFrame(columns=list(expected))
    elif kind == "csv":
        rows, numbers = _read_csv_rows(path, report)
        frame = _frame_from_rows(rows, numbers, expected, path, report, what=what)
    elif kind == "excel":
        rows, numbers = _read_excel_rows(path, expected, report, sheet)
        frame = _frame_from_rows(rows, numbers, expected, path, report, what=what)
    elif kind == "parquet":
        try:
            raw = pd.read_parquet(path)
        except Exception as exc:  # noqa: BLE001 - pyarrow raises many kinds
            report.error("unreadable_file", f"cannot read the Parquet file: {exc}", file=path,
                         expected="a Parquet file")
            raw = pd.DataFrame(columns=list(expected))
        frame = pd.DataFrame({c: [_cell_text(v) for v in raw[c].tolist()] for c in raw.columns},
                             columns=[str(c) for c in raw.columns], dtype=object)
        frame.index = pd.Index(np.arange(1, len(raw) + 1), dtype="int64", name="row")
    else:
        report.error("file_type", f"cannot read a {path.suffix or 'suffix-less'} file as a {what}", file=path,
                     expected="a .csv, .xlsx or .parquet file", found=path.suffix)
        frame = pd.DataFrame(columns=list(expected))
    if own:
        report.raise_if_errors()
    return frame


# --------------------------------------------------------------------------
# Column and value checks (each adds problems to a report)
# --------------------------------------------------------------------------


def require_columns(frame: pd.DataFrame, required: Sequence[str], file: str | Path | None,
                    report: ValidationReport) -> bool:
    """One ``missing_column`` error per required column not in ``frame``; True if none is missing."""
    found = ", ".join(str(c) for c in frame.columns) or "no columns"
    ok = True
    for name in required:
        if name not in frame.columns:
            report.error("missing_column", "missing column", file=file, column=name,
                         expected="columns " + ", ".join(required), found=found)
            ok = False
    return ok


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].map(lambda v: v if isinstance(v, str) else _cell_text(v)).astype(object)


def check_required_text(frame: pd.DataFrame, column: str, file: str | Path | None,
                        report: ValidationReport) -> pd.Series:
    """The column stripped; one ``missing_value`` error per blank cell."""
    text = _text(frame, column).str.strip()
    for row in text.index[text == ""]:
        report.error("missing_value", "a value is required", file=file, row=row, column=column, found="")
    return text


def parse_numbers(frame: pd.DataFrame, column: str, file: str | Path | None, report: ValidationReport, *,
                  required: bool = False) -> pd.Series:
    """The column as floats (NaN where blank or unreadable); one problem per unreadable or missing cell."""
    if pd.api.types.is_numeric_dtype(frame[column].dtype) and not pd.api.types.is_bool_dtype(frame[column].dtype):
        values = frame[column].astype(float)
        text = values.map(lambda v: "" if pd.isna(v) else str(v))
    else:
        text = _text(frame, column).str.strip()
        values = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
        for row in text.index[values.isna() & (text != "")]:
            report.error("unparseable_number", "not a number", file=file, row=row, column=column,
                         expected="a number (digits with an optional decimal point, no thousands separators)",
                         found=text[row])
    if required:
        for row in text.index[text == ""]:
            report.error("missing_value", "a value is required", file=file, row=row, column=column,
                         expected="a number", found="")
    return values


def parse_period_column(frame: pd.DataFrame, column: str, file: str | Path | None, report: ValidationReport, *,
                        freq: str | None = "M", required: bool = True) -> pd.Series:
    """The column as Periods of ``freq`` (``NaT`` where unusable); problems for bad, blank or mixed values.

    Unreadable values are one error per row. A column of mixed frequencies
    (e.g. months and quarters) or of a frequency coarser than ``freq`` is one
    error naming the first row that differs.
    """
    series = frame[column]
    parsed = _periods._parse_each(series)
    target = _periods._check_freq(freq)
    expected = _periods._EXPECTED.get(target or "", _periods._ANY_EXPECTED)
    for i in np.flatnonzero(parsed.bad):
        value = series.iloc[i]
        why = parsed.reason.get(value) if isinstance(value, (str, int, float)) else None
        report.error("unparseable_period", "unparseable period" + (f" ({why})" if why else ""), file=file,
                     row=series.index[i], column=column, expected=expected, found=value)
    if required:
        for i in np.flatnonzero(parsed.missing):
            report.error("missing_value", "a period is required", file=file, row=series.index[i], column=column,
                         expected=expected, found="")
    ok = ~parsed.missing & ~parsed.bad
    out_freq = target
    result = np.full(len(series), np.iinfo(np.int64).min, dtype=np.int64)
    if ok.any():
        first = int(np.argmax(ok))
        source = parsed.freq[first]
        differs = ok & (parsed.freq != source)
        if differs.any():
            i = int(np.argmax(differs))
            report.error("mixed_period_frequency", "mixed period frequencies in one column", file=file,
                         row=series.index[i], column=column,
                         expected=f"a {_periods.FREQUENCIES[source]} like row {series.index[first]} "
                                  f"({_cell_text(series.iloc[first])!r})",
                         found=series.iloc[i])
            ok = ok & ~differs
        out_freq = target or source
        if _periods._ORDER.index(out_freq) < _periods._ORDER.index(source):
            report.error("period_frequency",
                         f"periods are {_periods.FREQUENCIES[source]}s; expected {_periods.FREQUENCIES[out_freq]}s",
                         file=file, row=series.index[first], column=column, expected=expected,
                         found=series.iloc[first])
            ok[:] = False
        else:
            converted = _periods._convert(np.where(ok, parsed.ordinals, 0), source, out_freq)
            result = np.where(ok, converted, result)
    index = pd.PeriodIndex.from_ordinals(result, freq=_periods.PANDAS_FREQ[out_freq or "M"])
    return pd.Series(index, index=frame.index, name=column)


def check_duplicates(frame: pd.DataFrame, keys: Sequence[str], file: str | Path | None,
                     report: ValidationReport, *, column: str | None = None) -> pd.Series:
    """One ``duplicate`` error per row repeating an earlier row's ``keys``; returns the mask of repeats."""
    usable = frame[list(keys)].notna().all(axis=1)
    dup = frame[list(keys)].duplicated(keep="first") & usable
    if dup.any():
        first_row = {}
        for row, key in zip(frame.index, map(tuple, frame[list(keys)].itertuples(index=False)), strict=True):
            first_row.setdefault(key, row)
        for row in frame.index[dup]:
            key = tuple(frame.loc[row, list(keys)])
            shown = " ".join(_cell_text(k) for k in key)
            report.error("duplicate", f"duplicated {' and '.join(keys)} (first on row {first_row[key]})",
                         file=file, row=row, column=column or keys[-1],
                         expected=f"one row per {', '.join(keys)}", found=shown)
    return dup


def check_gaps(frame: pd.DataFrame, period: str, by: Sequence[str], file: str | Path | None,
               report: ValidationReport) -> None:
    """One ``period_gap`` warning per run of missing periods within each ``by`` group."""
    if frame.empty:
        return
    usable = frame[frame[period].notna()]
    groups = usable.groupby(list(by), sort=False, dropna=False) if by else [((), usable)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for first, last in _periods.find_gaps(group[period]):
            span = _periods.format_period(first) + ("" if first == last else f" to {_periods.format_period(last)}")
            n = (last - first).n + 1
            who = ", ".join(f"{c} {_cell_text(v)}" for c, v in zip(by, key, strict=True))
            report.warning("period_gap", f"{who + ': ' if who else ''}{n} period{'s' if n > 1 else ''} missing "
                           f"from the sequence ({span})", file=file, column=period,
                           expected="one row per period with no gaps", found=f"nothing for {span}")


def check_counts(values: pd.Series, mask: pd.Series, column: str, file: str | Path | None,
                 report: ValidationReport) -> None:
    """Counts (where ``mask``) must be whole numbers of zero or more: one error per bad row."""
    bad_negative = mask & (values < 0)
    bad_fraction = mask & (values >= 0) & (values != np.floor(values))
    for row in values.index[bad_negative]:
        report.error("negative_count", "a count cannot be negative", file=file, row=row, column=column,
                     expected="a whole number of zero or more", found=values[row])
    for row in values.index[bad_fraction]:
        report.error("non_whole_count", "a count must be a whole number", file=file, row=row, column=column,
                     expected="a whole number of zero or more", found=values[row])


def check_denominators(values: pd.Series, mask: pd.Series, column: str, file: str | Path | None,
                       report: ValidationReport) -> None:
    """Denominators (where ``mask``) must be present and above zero: one error per bad row."""
    bad = mask & (values.isna() | (values <= 0))
    for row in values.index[bad]:
        report.error("missing_denominator", "zero or missing denominator", file=file, row=row, column=column,
                     expected="a number above zero", found="" if pd.isna(values[row]) else values[row])


def check_not_above(numerator: pd.Series, denominator: pd.Series, mask: pd.Series, column: str,
                    file: str | Path | None, report: ValidationReport, *, what: str = "a proportion") -> None:
    """Numerators (where ``mask``) must not exceed their denominators: one error per bad row."""
    bad = mask & (numerator > denominator)
    for row in numerator.index[bad]:
        report.error("numerator_above_denominator", f"numerator above denominator for {what}", file=file,
                     row=row, column=column, expected=f"at most {denominator[row]:g}", found=numerator[row])


def check_catalogue(ids: pd.Series, catalogue: Iterable[str], file: str | Path | None, report: ValidationReport,
                    *, catalogue_file: str = "the catalogue", column: str = "measure_id",
                    require_all: bool = True) -> pd.Series:
    """Cross-check measure ids against the catalogue (both ways); returns the mask of known ids.

    One ``unknown_measure`` error per id in the data but not in the catalogue
    (naming its first row and how many rows it has); with ``require_all``, one
    ``measure_without_data`` error per catalogue id absent from the data.
    """
    known = list(dict.fromkeys(catalogue))
    is_known = ids.isin(known) | (ids == "")
    for mid, rows in ids[~is_known].groupby(ids[~is_known], sort=False):
        report.error("unknown_measure", f"measure not in {catalogue_file}", file=file, row=rows.index[0],
                     column=column, expected="a measure id of the catalogue",
                     found=mid if len(rows) == 1 else f"{mid} ({len(rows)} rows)")
    if require_all:
        present = set(ids)
        for mid in known:
            if mid not in present:
                report.error("measure_without_data", f"measure in {catalogue_file} has no data", file=file,
                             column=column, expected=f"rows for {mid}", found="none")
    return is_known & (ids != "")


def check_known_values(text: pd.Series, allowed: Sequence[str], column: str, file: str | Path | None,
                       report: ValidationReport) -> None:
    """One ``unknown_value`` error per non-blank cell not in ``allowed``."""
    for row in text.index[~text.isin(list(allowed)) & (text != "")]:
        report.error("unknown_value", "unknown value", file=file, row=row, column=column,
                     expected="one of " + ", ".join(allowed), found=text[row])

