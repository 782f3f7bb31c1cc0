"""Read a column of periods written in the ways UK public-sector data write them.

One column, one frequency. :func:`parse_periods` reads every value, works out
its frequency, and returns pandas Periods of one frequency:

=========  ==================================================  ======================
frequency  accepted text (leading/trailing spaces ignored)     example -> Period
=========  ==================================================  ======================
``D``      ISO date ``YYYY-MM-DD`` (optionally with a time)    ``2016-04-17``
``D``      UK date ``DD/MM/YYYY``, **day first** (optionally   ``17/04/2016``,
           with a time); ``04/05/2016`` is 4 May 2016          ``7/4/2016``
``D``      day, month name, year ``17 Apr 2016``,              ``17-Apr-2016``
           ``17 April 2016``, ``17-Apr-16`` (Excel's
           ``dd-mmm-yy``; two-digit years as for months)
``M``      ISO month ``YYYY-MM``                               ``2016-04``
``M``      month name and year ``Apr 2016``, ``April 2016``,   ``Apr 2016``,
           ````Apr-2016``, ``Apr-16`` (any letter case; a two-     ``Jan-19``
           digit year 00-29 is 2000-2029 and 30-99 is
           1930-1999, as Excel reads them)
``Q``      calendar quarter ``2016Q2``, ``2016 Q2``,           ``2016Q2`` = Apr-Jun
           ``2016-Q2``, ``Q2 2016``
``FY``     UK financial year ``2016/17`` or ``2016/2017``      April 2016 - March 2017
           (optionally ``FY 2016/17``)
=========  ==================================================  ======================

Values that are already dates (``datetime``, ``date``, pandas ``Timestamp``,
``datetime64`` columns as Excel and Parquet give them) count as days; pandas
``Period`` values keep their frequency (a ``Y-MAR`` annual period is a UK
financial year). US month-first dates (``04/17/2016``) are *not* accepted: a
``/`` date is always read day first, so ``04/17/2016`` is an error (no month 17).

Two financial-year notations are deliberately not accepted, because they
collide with months: ``2016-17`` (would be read as month 17) and ``2011-12``
(December 2011 or financial year 2011/12?). Write financial years with a ``/``.

Frequencies (:data:`FREQUENCIES`) map to pandas frequencies ``D``, ``M``,
``Q-DEC`` and ``Y-MAR`` (an annual period ending in March; pandas labels the
financial year 2016/17 as ``2017``, :func:`format_period` writes it ``2016/17``).
A column may be converted to a *coarser* frequency with ``freq=`` (days to
months, months to quarters or financial years, quarters to financial years);
never to a finer one. A column whose values have different frequencies (e.g.
dates and months mixed) is an error naming the first row that differs.

Errors are :class:`~pss_analysis.errors.DataValidationError` naming the file,
row and column, what was expected and what was found.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.errors import DataValidationError, ParameterError

__all__ = [
    "FREQUENCIES",
    "PANDAS_FREQ",
    "parse_periods",
    "to_month",
    "missing_periods",
    "find_gaps",
    "format_period",
    "frequency_of",
    "TWO_DIGIT_YEAR_CUTOFF",
]

#: Our frequency codes and what they mean.
FREQUENCIES = {
    "D": "day",
    "M": "month",
    "Q": "calendar quarter",
    "FY": "UK financial year (1 April to 31 March)",
}
#: The pandas frequency of each code. ``Y-MAR``: a year ending in March (UK financial year,
#: HM Treasury; the NHS and local government report on it).
PANDAS_FREQ = {"D": "D", "M": "M", "Q": "Q-DEC", "FY": "Y-MAR"}
#: Coarseness order: a column may be converted to a frequency later in this tuple.
_ORDER = ("D", "M", "Q", "FY")
#: What a value of each frequency looks like, for error messages.
_EXPECTED = {
    "D": "a date (YYYY-MM-DD, or DD/MM/YYYY day first)",
    "M": "a month (YYYY-MM, Apr 2016 or Apr-16) or a date",
    "Q": "a quarter (2016Q2), a month or a date",
    "FY": "a financial year (2016/17), a quarter, a month or a date",
}
_ANY_EXPECTED = (
    "a date (YYYY-MM-DD or DD/MM/YYYY), month (YYYY-MM, Apr 2016), quarter (2016Q2) or financial year (2016/17)"
)

_MONTHS = {
    name: i + 1
    for i, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))
}
_MONTHS.update(
    {
        name: i + 1
        for i, name in enumerate(
            (
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            )
        )
    }
)
_MONTHS["sept"] = 9

_TIME = r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})" + _TIME)
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})" + _TIME)
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_NAMED_MONTH = re.compile(r"([A-Za-z]{3,9})\.?[\s\-]*(\d{4}|\d{2})")
_NAMED_DATE = re.compile(r"(\d{1,2})[\s\-]+([A-Za-z]{3,9})\.?[\s\-]+(\d{4}|\d{2})")
#: A two-digit year (``Jan-19``, as Excel's ``mmm-yy`` shows a month) is read as Excel reads one:
#: 00-29 are 2000-2029, 30-99 are 1930-1999 (Microsoft, "How Excel works with two-digit year
#: numbers"; the cutoff of Windows' default "two-digit year" setting).
TWO_DIGIT_YEAR_CUTOFF = 30


def _full_year(digits: str) -> int:
    """The year of ``2016`` or of ``16`` (2016) and ``95`` (1995), as Excel reads two digits."""
    year = int(digits)
    if len(digits) > 2:
        return year
    return year + (2000 if year < TWO_DIGIT_YEAR_CUTOFF else 1900)


_QUARTER = re.compile(r"(\d{4})\s*-?\s*[Qq]([1-4])")
_QUARTER_FIRST = re.compile(r"[Qq]([1-4])\s*-?\s*(\d{4})")
_FIN_YEAR = re.compile(r"(?:FY\s*)?(\d{4})/(\d{2}|\d{4})", re.IGNORECASE)


@dataclass(frozen=True)
class _Parsed:
    """Per-row result of reading a column (used by :mod:`pss_analysis.inputs.validation`)."""

    ordinals: np.ndarray  # int64 ordinal of the period in its own frequency (meaningless where not ok)
    freq: np.ndarray  # object: frequency code per row, None where missing or unparseable
    missing: np.ndarray  # bool: blank / NaN / NaT
    bad: np.ndarray  # bool: present but unparseable
    reason: dict[Any, str]  # why a value could not be read (by value), where known


def _period_of_text(text: str) -> tuple[str, pd.Period] | str:
    """(frequency code, Period) for one stripped text value, or the reason it is unreadable."""
    for reader in (_day_of_text, _month_of_text, _quarter_of_text, _financial_year_of_text):
        result = reader(text)
        if result is not None:
            return result
    return ""


def _day_of_text(text: str) -> tuple[str, pd.Period] | str | None:
    """A date (YYYY-MM-DD, DD/MM/YYYY read day first, or 17 Apr 2016); None if the text is not shaped like one."""
    try:
        if m := _NAMED_DATE.fullmatch(text):
            named = _MONTHS.get(m[2].lower())
            if named is None:
                return f"'{m[2]}' is not a month name"
            return "D", pd.Period(_dt.date(_full_year(m[3]), named, int(m[1])), freq="D")
        if m := _ISO_DATE.fullmatch(text):
            return "D", pd.Period(_dt.date(int(m[1]), int(m[2]), int(m[3])), freq="D")
        if m := _UK_DATE.fullmatch(text):
            day, month, year = int(m[1]), int(m[2]), int(m[3])
            if month > 12:
                return "dates with / are read day first (DD/MM/YYYY, UK), and there is no month " + str(month)
            return "D", pd.Period(_dt.date(year, month, day), freq="D")
    except ValueError as exc:  # e.g. 31/02/2016
        return f"not a real date ({exc})"
    return None


def _month_of_text(text: str) -> tuple[str, pd.Period] | str | None:
    """A month (YYYY-MM, or a month name and year); None if the text is not shaped like one."""
    if m := _ISO_MONTH.fullmatch(text):
        month = int(m[2])
        if not 1 <= month <= 12:
            return f"there is no month {month}"
        return "M", pd.Period(year=int(m[1]), month=month, freq="M")
    if m := _NAMED_MONTH.fullmatch(text):
        named = _MONTHS.get(m[1].lower())
        if named is None:
            return f"'{m[1]}' is not a month name"
        return "M", pd.Period(year=_full_year(m[2]), month=named, freq="M")
    return None


def _quarter_of_text(text: str) -> tuple[str, pd.Period] | None:
    """A calendar quarter (2016Q1, 2016-Q1, Q1 2016); None if the text is not shaped like one."""
    if m := _QUARTER.fullmatch(text):
        return "Q", pd.Period(year=int(m[1]), quarter=int(m[2]), freq="Q-DEC")
    if m := _QUARTER_FIRST.fullmatch(text):
        return "Q", pd.Period(year=int(m[2]), quarter=int(m[1]), freq="Q-DEC")
    return None


def _financial_year_of_text(text: str) -> tuple[str, pd.Period] | str | None:
    """A financial year (2016/17, FY 2016/2017); None if the text is not shaped like one."""
    if m := _FIN_YEAR.fullmatch(text):
        first, second = int(m[1]), m[2]
        expected_second = (first + 1) % 100 if len(second) == 2 else first + 1
        if int(second) != expected_second:
            return (
                f"a financial year runs over two consecutive years "
                f"({first}/{(first + 1) % 100:02d}), not {first}/{second}"
            )
        return "FY", pd.Period(year=first + 1, freq="Y-MAR")
    return None


def _period_of_value(value: Any) -> tuple[str, pd.Period] | str | None:
    """Like :func:`_period_of_text` for any cell value; None for a missing value."""
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, pd.Period):
        for code, pfreq in PANDAS_FREQ.items():
            if value.freqstr == pd.Period("2000-01-01", freq=pfreq).freqstr:
                return code, value
        return f"a period of unsupported frequency {value.freqstr}"
    if isinstance(value, (_dt.datetime, _dt.date, np.datetime64)):
        return "D", pd.Period(pd.Timestamp(value), freq="D")
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        return _period_of_text(text)
    return f"a {type(value).__name__}, not a period"


def _parse_each(values: pd.Series) -> _Parsed:
    """Read each value of ``values`` (any dtype) without raising."""
    n = len(values)
    ordinals = np.zeros(n, dtype=np.int64)
    freq = np.full(n, None, dtype=object)
    missing = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    reason: dict[Any, str] = {}
    dtype = values.dtype
    if isinstance(dtype, pd.PeriodDtype):
        code = next(
            (
                c
                for c, f in PANDAS_FREQ.items()
                if pd.Period("2000-01-01", freq=f).freqstr == pd.Period("2000-01-01", freq=dtype.freq).freqstr
            ),
            None,
        )
        miss = values.isna().to_numpy()
        if code is None:
            bad[~miss] = True
            reason.update({v: f"a period of unsupported frequency {dtype.freq}" for v in values[~miss].unique()})
        else:
            ordinals = values.array.asi8.copy()
            freq[~miss] = code
        missing[:] = miss
        return _Parsed(ordinals, freq, missing, bad, reason)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        miss = values.isna().to_numpy()
        days = values.dt.tz_localize(None) if getattr(values.dt, "tz", None) is not None else values
        ordinals = days.dt.to_period("D").array.asi8.copy()
        freq[~miss] = "D"
        missing[:] = miss
        return _Parsed(ordinals, freq, missing, bad, reason)
    # Anything else: read each distinct value once.
    codes, uniques = pd.factorize(values.astype(object), use_na_sentinel=True)
    u_ord = np.zeros(len(uniques), dtype=np.int64)
    u_freq = np.full(len(uniques), None, dtype=object)
    u_missing = np.zeros(len(uniques), dtype=bool)
    u_bad = np.zeros(len(uniques), dtype=bool)
    for k, value in enumerate(uniques):
        result = _period_of_value(value)
        if result is None:
            u_missing[k] = True
        elif isinstance(result, str):
            u_bad[k] = True
            if result:
                reason[value] = result
        else:
            u_freq[k], u_ord[k] = result[0], result[1].ordinal
    na = codes < 0
    safe = np.where(na, 0, codes)
    if len(uniques):
        ordinals = np.where(na, 0, u_ord[safe])
        freq = u_freq[safe].copy()
        freq[na] = None
        missing = na | u_missing[safe]
        bad = ~na & u_bad[safe]
    else:
        missing = na
    return _Parsed(ordinals, freq.astype(object), missing, bad, reason)


def _check_freq(freq: str | None, *, name: str = "freq") -> str | None:
    if freq is None:
        return None
    aliases = {"D": "D", "M": "M", "Q": "Q", "Q-DEC": "Q", "FY": "FY", "Y-MAR": "FY", "A-MAR": "FY"}
    code = aliases.get(str(freq).upper())
    if code is None:
        raise ParameterError(
            "unknown period frequency", key=name, expected="one of " + ", ".join(FREQUENCIES), found=freq
        )
    return code


def _convert(ordinals: np.ndarray, source: str, target: str) -> np.ndarray:
    """Ordinals of ``source`` periods expressed in the coarser ``target`` frequency."""
    if source == target:
        return ordinals
    index = pd.PeriodIndex.from_ordinals(ordinals, freq=PANDAS_FREQ[source])
    return index.asfreq(PANDAS_FREQ[target], how="start").asi8


def _row_label(label: Any, row_offset: int) -> Any:
    if isinstance(label, (int, np.integer)):
        return int(label) + row_offset
    return label


def _shown(value: Any) -> Any:
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return str(value)
    return value


def parse_periods(
    values: pd.Series | Iterable[Any],
    *,
    freq: str | None = None,
    file: str | None = None,
    column: str | None = None,
    row_offset: int = 2,
    allow_missing: bool = False,
) -> pd.Series | pd.PeriodIndex:
    """Read a column of periods into pandas Periods of one frequency.

    ``freq`` (``"D"``, ``"M"``, ``"Q"``, ``"FY"``; default: the column's own)
    converts to a coarser frequency (days to months and so on). Rows are named
    in errors as the value's index label plus ``row_offset`` (default 2: with
    a default index, the first data row of a CSV is row 2 as a spreadsheet
    shows it; pass 0 when the index already holds row numbers). Blank values
    are an error unless ``allow_missing`` (then they become ``NaT``).

    Returns a Series of ``period[...]`` dtype with the same index when given a
    Series, otherwise a :class:`pandas.PeriodIndex`.
    """
    target = _check_freq(freq)
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    parsed = _parse_each(series)
    where = _Where(series, file, column, row_offset, _EXPECTED.get(target or "", _ANY_EXPECTED))
    _require_readable(parsed, where, allow_missing=allow_missing)
    present = ~parsed.missing
    source = _one_frequency(parsed, present, target, where)
    out_freq = target or source
    if _ORDER.index(out_freq) < _ORDER.index(source):
        i = int(np.argmax(present))
        raise where.error(
            f"periods are {FREQUENCIES[source]}s and cannot be split into {FREQUENCIES[out_freq]}s",
            i,
            expected=_EXPECTED[out_freq],
            found=_shown(series.iloc[i]),
        )
    ordinals = _convert(np.where(present, parsed.ordinals, 0), source, out_freq)
    ordinals = np.where(present, ordinals, np.iinfo(np.int64).min)
    index = pd.PeriodIndex.from_ordinals(ordinals, freq=PANDAS_FREQ[out_freq])
    if isinstance(values, pd.Series):
        return pd.Series(index, index=values.index, name=values.name)
    return index


@dataclass(frozen=True)
class _Where:
    """The column being read, for errors that name a row as a spreadsheet shows it."""

    series: pd.Series
    file: str | None
    column: str | None
    row_offset: int
    expected: str

    def row(self, i: int) -> Any:
        return _row_label(self.series.index[i], self.row_offset)

    def error(self, message: str, i: int, *, expected: str, found: Any) -> DataValidationError:
        return DataValidationError(
            message, file=self.file, column=self.column, row=self.row(i), expected=expected, found=found
        )


def _require_readable(parsed: _Parsed, where: _Where, *, allow_missing: bool) -> None:
    """Every value read as a period (blank ones too, unless ``allow_missing``)."""
    if parsed.bad.any():
        i = int(np.argmax(parsed.bad))
        value = where.series.iloc[i]
        why = parsed.reason.get(value) if not isinstance(value, (list, dict)) else None
        raise where.error(
            "unparseable period" + (f" ({why})" if why else ""), i, expected=where.expected, found=_shown(value)
        )
    if parsed.missing.any() and not allow_missing:
        raise where.error("a period is required", int(np.argmax(parsed.missing)), expected=where.expected, found="")


def _one_frequency(parsed: _Parsed, present: np.ndarray, target: str | None, where: _Where) -> str:
    """The frequency of the column's values (``target``, or months, when none is present); one only."""
    codes = parsed.freq[present]
    source = codes[0] if len(codes) else (target or "M")
    differs = present & (parsed.freq != source)
    if differs.any():
        i = int(np.argmax(differs))
        first = int(np.argmax(present))
        raise where.error(
            "mixed period frequencies in one column",
            i,
            expected=f"a {FREQUENCIES[source]} like row {where.row(first)} ({_shown(where.series.iloc[first])!r})",
            found=_shown(where.series.iloc[i]),
        )
    return str(source)


def to_month(values: pd.Series | Iterable[Any], **kwargs: Any) -> pd.Series | pd.PeriodIndex:
    """:func:`parse_periods` with ``freq="M"``: dates become their month."""
    return parse_periods(values, freq="M", **kwargs)


def frequency_of(periods: pd.Series | pd.PeriodIndex) -> str:
    """Our frequency code (``D``, ``M``, ``Q``, ``FY``) of a period column."""
    dtype = periods.dtype
    if not isinstance(dtype, pd.PeriodDtype):
        raise ParameterError("not a period column", expected="a period dtype", found=str(dtype))
    for code, pfreq in PANDAS_FREQ.items():
        if pd.Period("2000-01-01", freq=pfreq).freqstr == pd.Period("2000-01-01", freq=dtype.freq).freqstr:
            return code
    raise ParameterError(
        "unsupported period frequency", expected=", ".join(PANDAS_FREQ.values()), found=str(dtype.freq)
    )


def missing_periods(periods: pd.Series | pd.PeriodIndex | Iterable[pd.Period]) -> pd.PeriodIndex:
    """Periods absent between the first and the last present one (duplicates and NaT ignored)."""
    index = pd.PeriodIndex(pd.Series(periods).dropna().drop_duplicates())
    if len(index) == 0:
        return index
    full = pd.period_range(index.min(), index.max(), freq=index.freq)
    return full.difference(index)


def find_gaps(periods: pd.Series | pd.PeriodIndex | Iterable[pd.Period]) -> list[tuple[pd.Period, pd.Period]]:
    """Runs of consecutive missing periods as ``(first missing, last missing)`` pairs, in order."""
    gone = missing_periods(periods)
    runs: list[tuple[pd.Period, pd.Period]] = []
    for p in gone:
        if runs and (p - runs[-1][1]).n == 1:
            runs[-1] = (runs[-1][0], p)
        else:
            runs.append((p, p))
    return runs


def format_period(period: pd.Period) -> str:
    """Text for a period: ``2016-04-17``, ``2016-04``, ``2016Q2``, financial year ``2016/17``."""
    if period is pd.NaT or pd.isna(period):
        return ""
    freqstr = period.freqstr
    if freqstr == pd.Period("2000", freq="Y-MAR").freqstr:
        end = period.year
        return f"{end - 1}/{end % 100:02d}"
    return str(period)
