"""What both engines share: the record-level sources, their period maps, code lists and conditions.

:class:`_Engine` is the base of the DuckDB and pandas engines: it opens each
source once, maps its period column to months, checks number columns and
resolves code-list conditions to the record values that match. The helpers
here (code matching, condition masks, group keys, age-band indices) are the
single definition of those semantics for every code path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.inputs import periods as _periods
from pss_analysis.inputs.indicators.definitions import Condition, IndicatorDefinition, Statistic
from pss_analysis.inputs.validation import (
    ValidationReport,
    file_kind,
    read_table,
)

__all__: list[str] = []


def _normalise_codes(values: pd.Series) -> pd.Series:
    """Codes compared after upper-casing and removing dots and spaces (``i24.0`` -> ``I240``)."""
    return values.str.upper().str.replace(".", "", regex=False).str.replace(" ", "", regex=False)


def _code_match(values: pd.Series, listed: Sequence[str], match: str) -> np.ndarray:
    """Which values hold a listed code (exactly, or starting with one for ``prefix``); missing never."""
    x = _normalise_codes(values.astype("string"))
    if match == "exact":
        return x.isin(list(listed)).fillna(False).to_numpy(dtype=bool)
    hit = np.zeros(len(x), dtype=bool)
    for length in sorted({len(code) for code in listed}):
        same = [code for code in listed if len(code) == length]
        hit |= x.str.slice(0, length).isin(same).fillna(False).to_numpy(dtype=bool)
    return hit


def _code_conditions(d: IndicatorDefinition) -> list[Condition]:
    stats = [d.numerator] + ([d.denominator] if isinstance(d.denominator, Statistic) else [])
    return [c for c in [*d.where, *(c for st in stats for c in st.where)] if c.op == "codes"]


def _columns_used(d: IndicatorDefinition) -> dict[str, str]:
    """Record columns a definition reads, with how: ``number``, ``text`` or ``period``."""
    used: dict[str, str] = {d.period: "period"}

    def add(column: str | None, how: str) -> None:
        if column is not None and used.get(column) != "number":
            used[column] = how if column not in used or how == "number" else used[column]

    stats = [d.numerator] + ([d.denominator] if isinstance(d.denominator, Statistic) else [])
    for c in [*d.where, *(c for s in stats for c in s.where)]:
        add(c.column, "number" if c.numeric else "text")
    for s in stats:
        add(s.column, "number")
    for b in d.breakdowns:
        add(b.column, "number" if b.bands else "text")
    if d.standardise is not None:
        add(d.standardise.age, "number")
        for by in d.standardise.by:
            add(by, "text")
    return used


def _key_column(values: pd.Series) -> pd.Series:
    """Group keys as plain Python text (None where missing), identical from both engines."""
    obj = values.astype(object)
    return obj.where(obj.notna(), None).map(lambda v: v if v is None or isinstance(v, str) else str(v))


def _band_index(age: np.ndarray, bands: Sequence[float]) -> np.ndarray:
    """Index of the band of each age (-1 below the first band or missing)."""
    idx = np.searchsorted(np.asarray(bands, dtype=float), age, side="right") - 1
    return np.where(np.isnan(age), -1, idx)


@dataclass
class _SourceInfo:
    name: str
    path: Path
    kind: str  # csv | excel | parquet
    types: dict[str, str]  # column -> text | number | date | bool | other
    excel: pd.DataFrame | None = None  # text frame of an Excel source (blank = None)
    view: str | None = None  # DuckDB name of the registered Excel frame


class _Engine:
    """What both engines share: sources, period maps, code lists, row look-ups."""

    name = ""

    def __init__(self, files: Mapping[str, Path], report: ValidationReport) -> None:
        self.files = files
        self.report = report
        self.sources: dict[str, _SourceInfo | None] = {}
        self.period_maps: dict[tuple[str, str], tuple[pd.DataFrame | None, tuple[int, int] | None] | None] = {}
        self.checked_numbers: set[tuple[str, str]] = set()
        self.distinct_cache: dict[tuple[str, str], pd.Series] = {}

    # -- engine-specific --------------------------------------------------
    def _describe(self, info: _SourceInfo) -> dict[str, str]:
        raise NotImplementedError

    def _distinct(self, info: _SourceInfo, column: str) -> tuple[pd.Series, int]:
        """Distinct non-missing values of a text column, and how many records miss it."""
        raise NotImplementedError

    def _date_range(self, info: _SourceInfo, column: str) -> tuple[Any, Any, int]:
        raise NotImplementedError

    def _bad_numbers(self, info: _SourceInfo, column: str) -> tuple[int, Any]:
        """How many values of a text column are not numbers, and the first of them."""
        raise NotImplementedError

    def aggregate(
        self,
        defs: Sequence[IndicatorDefinition],
        info: _SourceInfo,
        month_map: pd.DataFrame | None,
        months: tuple[int, int],
        codes: Mapping,
    ) -> list[pd.DataFrame]:
        """One aggregate per definition (all sharing source, period, conditions, breakdowns, strata)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release resources."""

    # -- shared -------------------------------------------------------------
    def source(self, name: str) -> _SourceInfo | None:
        if name in self.sources:
            return self.sources[name]
        path = Path(self.files[name])
        kind = file_kind(path)
        info = _SourceInfo(name, path, kind, {})
        try:
            if kind == "excel":
                frame = read_table(path, report=self.report, what="record-level table")
                info.excel = frame.map(lambda v: None if v == "" else v)
            elif kind not in ("csv", "parquet"):
                self.report.error(
                    "file_type",
                    "cannot read this kind of file as a record-level table",
                    file=path,
                    expected="a .csv, .xlsx or .parquet file",
                    found=path.suffix,
                )
                self.sources[name] = None
                return None
            info.types = self._describe(info)
        except _read_errors() as exc:
            _source_error(path, exc, self.report)
            self.sources[name] = None
            return None
        self.sources[name] = info
        return info

    def find_row(self, info: _SourceInfo, column: str, value: Any) -> int | None:
        """Row number (as a spreadsheet shows it; Parquet: record number) of a value, for messages."""
        try:
            if info.kind == "excel" and info.excel is not None:
                hits = info.excel.index[info.excel[column].astype(str) == str(value)]
                return int(hits[0]) if len(hits) else None
            if info.kind == "csv":
                col = pd.read_csv(info.path, usecols=[column], dtype=str, keep_default_na=False, encoding="utf-8-sig")[
                    column
                ]
                offset = 2
            else:
                col = pd.read_parquet(info.path, columns=[column])[column].astype(str)
                offset = 1
            hits = np.flatnonzero((col == str(value)).to_numpy())
            return int(hits[0]) + offset if len(hits) else None
        except Exception:  # noqa: BLE001 - a row number is a courtesy; never fail for it
            return None

    def resolve_codes(
        self, d: IndicatorDefinition, info: _SourceInfo, codes: Mapping[str, tuple[str, ...]]
    ) -> dict[Condition, tuple[str, ...]]:
        """For each code-list condition, the distinct record values that match it.

        Matching the few thousand distinct values once (in Python, the same for
        both engines) turns a per-record string operation into a set lookup.
        """
        out = {}
        for c in _code_conditions(d):
            key = (info.name, c.column)
            if key not in self.distinct_cache:
                self.distinct_cache[key] = self._distinct(info, c.column)[0].astype(str).reset_index(drop=True)
            values = self.distinct_cache[key]
            out[c] = tuple(values[_code_match(values, codes[c.value], c.match)])
        return out

    def month_map(
        self, d: IndicatorDefinition, info: _SourceInfo
    ) -> tuple[pd.DataFrame | None, tuple[int, int] | None] | None:
        """(value -> month ordinal table for a text column or None for a date column, coverage)."""
        key = (info.name, d.period)
        if key in self.period_maps:
            return self.period_maps[key]
        kind = info.types[d.period]
        result: tuple[pd.DataFrame | None, tuple[int, int] | None] | None
        if kind == "date":
            low, high, missing = self._date_range(info, d.period)
            coverage = None if pd.isna(low) else (pd.Period(low, "M").ordinal, pd.Period(high, "M").ordinal)
            result = (None, coverage)
        elif kind in ("text", "number"):
            values, missing = self._distinct(info, d.period)
            result = self._text_month_map(info, d.period, values)
        else:
            self.report.error(
                "unusable_column",
                f"the period column holds {kind} values",
                file=info.path,
                column=d.period,
                expected="dates or months",
                found=kind,
            )
            result, missing = None, 0
        if missing:
            self.report.warning(
                "missing_period",
                f"{missing} record{'s' if missing > 1 else ''} with no {d.period} are left out of every measure",
                file=info.path,
                column=d.period,
                expected="a date in every record",
                found=f"{missing} blank",
            )
        self.period_maps[key] = result
        return result

    def _text_month_map(
        self, info: _SourceInfo, column: str, values: pd.Series
    ) -> tuple[pd.DataFrame, tuple[int, int] | None] | None:
        text = values.astype(str).reset_index(drop=True)
        parsed = _periods._parse_each(text)
        problems = 0
        for i in np.flatnonzero(parsed.bad):
            problems += 1
            if problems <= 5:
                why = parsed.reason.get(text[i])
                self.report.error(
                    "unparseable_period",
                    "unparseable date" + (f" ({why})" if why else ""),
                    file=info.path,
                    row=self.find_row(info, column, text[i]),
                    column=column,
                    expected="a date (YYYY-MM-DD or DD/MM/YYYY) or a month (YYYY-MM)",
                    found=text[i],
                )
        if problems > 5:
            self.report.error(
                "unparseable_period", f"{problems - 5} more distinct unreadable dates", file=info.path, column=column
            )
        ok = ~parsed.bad & ~parsed.missing
        freqs = set(parsed.freq[ok])
        if freqs - {"D", "M"}:
            other = next(iter(freqs - {"D", "M"}))
            at = int(np.argmax(ok & (parsed.freq == other)))
            self.report.error(
                "period_frequency",
                f"records are dated by {_periods.FREQUENCIES[other]}",
                file=info.path,
                row=self.find_row(info, column, text[at]),
                column=column,
                expected="a date or a month for each record",
                found=text[at],
            )
            return None
        if len(freqs) > 1:
            at = int(np.argmax(ok & (parsed.freq == "M")))
            self.report.error(
                "mixed_period_frequency",
                "records are dated by both days and months",
                file=info.path,
                row=self.find_row(info, column, text[at]),
                column=column,
                expected="one kind of date throughout",
                found=text[at],
            )
            return None
        if problems:
            return None
        if not ok.any():
            return pd.DataFrame({"value": pd.Series([], dtype=object), "ordinal": pd.Series([], dtype="int64")}), None
        source = freqs.pop()
        months = _periods._convert(parsed.ordinals[ok], source, "M")
        table = pd.DataFrame({"value": text[ok].to_numpy(dtype=object), "ordinal": months.astype("int64")})
        return table, (int(months.min()), int(months.max()))

    def check_numbers(self, info: _SourceInfo, column: str) -> None:
        key = (info.name, column)
        if key in self.checked_numbers:
            return
        self.checked_numbers.add(key)
        kind = info.types[column]
        if kind == "number":
            return
        if kind != "text":
            self.report.error(
                "unusable_column",
                f"the column holds {kind} values",
                file=info.path,
                column=column,
                expected="numbers",
                found=kind,
            )
            return
        count, first = self._bad_numbers(info, column)
        if count:
            self.report.error(
                "unparseable_number",
                "not a number" + (f" ({count} records like this)" if count > 1 else ""),
                file=info.path,
                row=self.find_row(info, column, first),
                column=column,
                expected="a number",
                found=first,
            )


def _read_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "this file cannot be read as a table" (reported, not raised)."""
    import duckdb
    import pyarrow as pa

    return (
        duckdb.Error,
        UnicodeDecodeError,
        pd.errors.ParserError,
        pd.errors.EmptyDataError,
        pa.ArrowException,
        OSError,
    )


def _source_error(path: Path, exc: BaseException, report: ValidationReport) -> None:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if file_kind(path) == "csv":
        from pss_analysis.inputs.validation import sniff_encoding

        guess = sniff_encoding(path.read_bytes())
        if not guess.utf8:
            report.error(
                "encoding",
                f"the file is not UTF-8 text: it looks like {guess.label}. Save it as 'CSV UTF-8'",
                file=path,
                expected="UTF-8 text",
                found=guess.encoding,
            )
            return
    report.error(
        "unreadable_file",
        f"cannot read the record-level table: {text}",
        file=path,
        expected="a readable CSV (UTF-8, comma-separated, header on the first line), Excel or Parquet file",
    )


def _mask(c: Condition, text_of: Any, number_of: Any, codes: Mapping[Any, tuple[str, ...]]) -> np.ndarray:
    """Boolean mask of one condition (missing values never match), shared by pandas code paths."""
    if c.op in ("equals", "in") and not c.numeric:
        x = text_of(c.column)
        hit = (x == c.value) if c.op == "equals" else x.isin(list(c.value))
        return hit.fillna(False).to_numpy(dtype=bool)
    if c.op in ("equals", "in", "min", "max", "between"):
        x = number_of(c.column)
        with np.errstate(invalid="ignore"):
            if c.op == "equals":
                return x == c.value
            if c.op == "in":
                return np.isin(x, np.asarray(c.value, dtype=float))
            if c.op == "min":
                return x >= c.value
            if c.op == "max":
                return x <= c.value
            return (x >= c.value[0]) & (x <= c.value[1])
    if c in codes:  # resolved to the matching record values (see _Engine.resolve_codes)
        return text_of(c.column).isin(list(codes[c])).to_numpy(dtype=bool)
    return _code_match(text_of(c.column), codes[c.value], c.match)


def _mask_all(conds: Iterable[Condition], n: int, text_of: Any, number_of: Any, codes: Mapping) -> np.ndarray:
    out = np.ones(n, dtype=bool)
    for c in conds:
        out &= _mask(c, text_of, number_of, codes)
    return out
