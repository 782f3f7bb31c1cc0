"""Reusable checks on a table already read: columns, text, numbers, periods, duplicates, gaps, counts.

Each adds its problems to a :class:`~pss_analysis.inputs.validation.ValidationReport`
and returns the parsed values (or a mask) so that the caller can go on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.inputs import periods as _periods
from pss_analysis.inputs.validation.reading import _cell_text
from pss_analysis.inputs.validation.report import ValidationReport

__all__ = [
    "MAX_ABS_NUMBER",
    "ONE_MESSAGE_FROM",
    "NUMBER_FORMATS",
    "require_columns",
    "check_required_text",
    "parse_numbers",
    "parse_period_column",
    "check_duplicates",
    "check_gaps",
    "check_counts",
    "check_denominators",
    "check_not_above",
    "check_catalogue",
    "check_known_values",
]


#: The largest magnitude a number in an input table may have. Above it a value is rejected as
#: implausible (a unit error, an Excel overflow, a sentinel): 10^15 is far above any count, population
#: or amount of public-sector data (the world's population is 8 x 10^9 people, UK public spending
#: about 1.2 x 10^12 pounds a year) and below 2^53 (9.0 x 10^15), the largest range in which a
#: float64 holds every whole number exactly, so counts below it are exact.
MAX_ABS_NUMBER = 1e15
#: A wrong format seen on this many rows of a column or more is one error naming the column, the
#: format, an example and how many rows (first and last row), not one error per row: an export
#: that writes every row one way (192 rows of "1.234,5") is one problem to fix.
ONE_MESSAGE_FROM = 5
#: How numbers may be written in a table (for messages and the README).
NUMBER_FORMATS = (
    "digits with an optional sign, decimal point and exponent (1234, -0.5, 1.2e3), "
    "or with commas between thousands (1,234 or 1,234,567.5)"
)
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_DIGITS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W\d_]+")


def require_columns(
    frame: pd.DataFrame, required: Sequence[str], file: str | Path | None, report: ValidationReport
) -> bool:
    """One ``missing_column`` error per required column not in ``frame``; True if none is missing."""
    found = ", ".join(str(c) for c in frame.columns) or "no columns"
    ok = True
    for name in required:
        if name not in frame.columns:
            report.error(
                "missing_column",
                "missing column",
                file=file,
                column=name,
                expected="columns " + ", ".join(required),
                found=found,
            )
            ok = False
    return ok


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    cells = frame[column]
    if not cells.isna().any() and pd.api.types.infer_dtype(cells, skipna=False) == "string":
        return cells.astype(object)  # text already (a CSV read as text): nothing to convert
    return cells.map(lambda v: v if isinstance(v, str) else _cell_text(v)).astype(object)


def check_required_text(
    frame: pd.DataFrame, column: str, file: str | Path | None, report: ValidationReport
) -> pd.Series:
    """The column stripped; one ``missing_value`` error per blank cell."""
    text = _text(frame, column).str.strip()
    for row in text.index[text == ""]:
        report.error("missing_value", "a value is required", file=file, row=row, column=column, found="")
    return text


def parse_numbers(
    frame: pd.DataFrame, column: str, file: str | Path | None, report: ValidationReport, *, required: bool = False
) -> pd.Series:
    """The column as floats (NaN where blank or unusable); problems for unreadable, non-finite, implausible
    or (if ``required``) missing cells.

    Numbers are read as :data:`NUMBER_FORMATS` says: ``1,234`` (thousands separators, as Excel
    exports them) is 1234. Unreadable cells are one error per row, or one per format seen on
    :data:`ONE_MESSAGE_FROM` rows or more. ``inf``, ``-inf`` and ``nan`` written as text, and any
    magnitude above :data:`MAX_ABS_NUMBER`, are errors naming the row.
    """
    if pd.api.types.is_numeric_dtype(frame[column].dtype) and not pd.api.types.is_bool_dtype(frame[column].dtype):
        values = frame[column].astype(float)
        text = values.astype(str).mask(values.isna(), "")  # shown in messages only
    else:
        text = _text(frame, column).str.strip()
        values = pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
        odd = values.isna() & (text != "")  # only these can be thousands-separated numbers or unreadable
        if odd.any():
            some = text[odd]
            plain = some.where(~some.str.fullmatch(_THOUSANDS.pattern), some.str.replace(",", "", regex=False))
            values[odd] = pd.to_numeric(plain, errors="coerce").astype(float)
        unread = values.isna() & odd
        if unread.any():  # "nan" written as text is an error of its own (below)
            unread[unread] = ~text[unread].str.lower().isin(_NOT_A_NUMBER).to_numpy()
        _report_unreadable(
            report,
            "unparseable_number",
            text[unread],
            file=file,
            column=column,
            message="not a number",
            expected=f"a number: {NUMBER_FORMATS}",
            what="numbers",
        )
    values = _check_finite(values, text, column, file, report)
    if required:
        for row in text.index[text == ""]:
            report.error(
                "missing_value", "a value is required", file=file, row=row, column=column, expected="a number", found=""
            )
    return values


#: Text that pandas reads as a number but is not one: an error of its own ("not a finite number").
_NOT_A_NUMBER = ("nan", "-nan", "+nan")


def _check_finite(
    values: pd.Series, text: pd.Series, column: str, file: str | Path | None, report: ValidationReport
) -> pd.Series:
    """One error per cell that is infinite, NaN written as text, or above :data:`MAX_ABS_NUMBER`; those
    cells become NaN."""
    written_nan = values.isna() & text.str.lower().isin(_NOT_A_NUMBER)
    infinite = np.isinf(values)
    huge = np.isfinite(values) & (values.abs() > MAX_ABS_NUMBER)
    for row in text.index[written_nan | infinite]:
        report.error(
            "non_finite_number",
            "not a finite number",
            file=file,
            row=row,
            column=column,
            expected="a number (not infinity or NaN)",
            found=text[row],
        )
    for row in text.index[huge]:
        report.error(
            "implausible_number",
            "implausibly large number",
            file=file,
            row=row,
            column=column,
            expected=f"a size of at most {MAX_ABS_NUMBER:,.0f}",
            found=text[row],
        )
    return values.mask(infinite | huge)


def _format_of(text: str) -> str:
    """The shape of a value: each run of digits written # and each word A (``17.04.2016`` -> ``#.#.#``,
    ``1.234,5`` -> ``#.#,#``, ``2016 April`` -> ``# A``)."""
    return _DIGITS.sub("#", _WORD.sub("A", text))


def _legend(shape: str) -> str:
    """What the symbols of a :func:`_format_of` shape stand for."""
    parts = [("#", "# stands for digits"), ("A", "A for a word" if "#" in shape else "A stands for a word")]
    return ", ".join(text for symbol, text in parts if symbol in shape) or "no digits or words"


def _report_unreadable(
    report: ValidationReport,
    check: str,
    texts: pd.Series,
    *,
    file: str | Path | None,
    column: str,
    message: str,
    expected: str,
    what: str,
) -> None:
    """One error per unreadable cell in ``texts`` (indexed by row), except that each format seen on
    :data:`ONE_MESSAGE_FROM` rows or more is one error naming the format, an example and how many rows."""
    formats = texts.map(_format_of)
    counts = formats.value_counts(sort=False)
    common = set(counts.index[counts >= ONE_MESSAGE_FROM])
    for shape in dict.fromkeys(formats[formats.isin(common)]):
        rows = texts.index[formats == shape]
        report.error(
            check,
            f"{len(rows)} rows (the first on row {rows[0]}, the last on row {rows[-1]}) have {what} written "
            f"as {shape!r} ({_legend(shape)}), a format that cannot be read",
            file=file,
            row=rows[0],
            column=column,
            expected=expected,
            found=texts[rows[0]],
        )
    for row in texts.index[~formats.isin(common)]:
        report.error(check, message, file=file, row=row, column=column, expected=expected, found=texts[row])


def parse_period_column(
    frame: pd.DataFrame,
    column: str,
    file: str | Path | None,
    report: ValidationReport,
    *,
    freq: str | None = "M",
    required: bool = True,
) -> pd.Series:
    """The column as Periods of ``freq`` (``NaT`` where unusable); problems for bad, blank or mixed values.

    Unreadable values are one error per row, except that a format no period is written in, seen on
    :data:`ONE_MESSAGE_FROM` rows or more, is one error. A column of mixed frequencies
    (e.g. months and quarters) or of a frequency coarser than ``freq`` is one
    error naming the first row that differs.
    """
    series = frame[column]
    parsed = _periods._parse_each(series)
    target = _periods._check_freq(freq)
    expected = _periods._EXPECTED.get(target or "", _periods._ANY_EXPECTED)
    _report_unread_periods(series, parsed, column, file, report, expected=expected, required=required)
    ordinals, out_freq = _period_ordinals(series, parsed, target, column, file, report, expected=expected)
    index = pd.PeriodIndex.from_ordinals(ordinals, freq=_periods.PANDAS_FREQ[out_freq or "M"])
    return pd.Series(index, index=frame.index, name=column)


def _report_unread_periods(
    series: pd.Series,
    parsed: _periods._Parsed,
    column: str,
    file: str | Path | None,
    report: ValidationReport,
    *,
    expected: str,
    required: bool,
) -> None:
    """One error per unparseable value (one per format seen on :data:`ONE_MESSAGE_FROM` rows or more,
    among the values of no known format) and, if the column is required, per blank value."""
    unknown_format = np.zeros(len(series), dtype=bool)
    for i in np.flatnonzero(parsed.bad):
        value = series.iloc[i]
        why = parsed.reason.get(value) if isinstance(value, (str, int, float)) else None
        if not why:
            unknown_format[i] = True
            continue
        report.error(
            "unparseable_period",
            f"unparseable period ({why})",
            file=file,
            row=series.index[i],
            column=column,
            expected=expected,
            found=value,
        )
    _report_unreadable(
        report,
        "unparseable_period",
        pd.Series(
            [_cell_text(v).strip() for v in series[unknown_format]], index=series.index[unknown_format], dtype=object
        ),
        file=file,
        column=column,
        message="unparseable period",
        expected=expected,
        what="periods",
    )
    if required:
        for i in np.flatnonzero(parsed.missing):
            report.error(
                "missing_value",
                "a period is required",
                file=file,
                row=series.index[i],
                column=column,
                expected=expected,
                found="",
            )


def _period_ordinals(
    series: pd.Series,
    parsed: _periods._Parsed,
    target: str | None,
    column: str,
    file: str | Path | None,
    report: ValidationReport,
    *,
    expected: str,
) -> tuple[np.ndarray, str | None]:
    """Period numbers in the output frequency (the int64 minimum, read as ``NaT``, where unusable)
    and that frequency: ``target``, or else that of the first readable row. Rows of another
    frequency than the first are unusable; a frequency coarser than ``target`` is one error and
    leaves every row unusable."""
    result = np.full(len(series), np.iinfo(np.int64).min, dtype=np.int64)
    ok = ~parsed.missing & ~parsed.bad
    if not ok.any():
        return result, target
    first = int(np.argmax(ok))
    source = parsed.freq[first]
    ok = ok & ~_mixed_frequencies(series, parsed, ok, first, column, file, report)
    out_freq = target or source
    if _periods._ORDER.index(out_freq) < _periods._ORDER.index(source):
        report.error(
            "period_frequency",
            f"periods are {_periods.FREQUENCIES[source]}s; expected {_periods.FREQUENCIES[out_freq]}s",
            file=file,
            row=series.index[first],
            column=column,
            expected=expected,
            found=series.iloc[first],
        )
        return result, out_freq
    converted = _periods._convert(np.where(ok, parsed.ordinals, 0), source, out_freq)
    return np.where(ok, converted, result), out_freq


def _mixed_frequencies(
    series: pd.Series,
    parsed: _periods._Parsed,
    ok: np.ndarray,
    first: int,
    column: str,
    file: str | Path | None,
    report: ValidationReport,
) -> np.ndarray:
    """The readable rows whose frequency differs from the first readable row's; one error naming
    the first of them."""
    source = parsed.freq[first]
    differs = ok & (parsed.freq != source)
    if differs.any():
        at = int(np.argmax(differs))
        report.error(
            "mixed_period_frequency",
            "mixed period frequencies in one column",
            file=file,
            row=series.index[at],
            column=column,
            expected=f"a {_periods.FREQUENCIES[source]} like row {series.index[first]} "
            f"({_cell_text(series.iloc[first])!r})",
            found=series.iloc[at],
        )
    return differs


def check_duplicates(
    frame: pd.DataFrame,
    keys: Sequence[str],
    file: str | Path | None,
    report: ValidationReport,
    *,
    column: str | None = None,
) -> pd.Series:
    """One ``duplicate`` error per row repeating an earlier row's ``keys``; returns the mask of repeats."""
    usable = frame[list(keys)].notna().all(axis=1)
    dup = frame[list(keys)].duplicated(keep="first") & usable
    if dup.any():
        first_row: dict[tuple, Any] = {}
        for row, key in zip(frame.index, map(tuple, frame[list(keys)].itertuples(index=False)), strict=True):
            first_row.setdefault(key, row)
        for row in frame.index[dup]:
            key = tuple(frame.loc[row, list(keys)])
            shown = " ".join(_cell_text(k) for k in key)
            report.error(
                "duplicate",
                f"duplicated {' and '.join(keys)} (first on row {first_row[key]})",
                file=file,
                row=row,
                column=column or keys[-1],
                expected=f"one row per {', '.join(keys)}",
                found=shown,
            )
    return dup


def check_gaps(
    frame: pd.DataFrame, period: str, by: Sequence[str], file: str | Path | None, report: ValidationReport
) -> None:
    """One ``period_gap`` warning per run of missing periods within each ``by`` group."""
    if frame.empty:
        return
    usable = frame[frame[period].notna()]
    if isinstance(usable[period].dtype, pd.PeriodDtype):  # only the groups with a gap are looked at one by one
        ordinal = pd.Series(usable[period].array.asi8, index=usable.index)
        span = ordinal.groupby([usable[c] for c in by], sort=False, dropna=False) if by else None
        if span is None:
            whole = ordinal.max() - ordinal.min() + 1 == ordinal.nunique()
            if whole:
                return
        else:
            stats = span.agg(["min", "max", "nunique"])
            gappy = stats.index[stats["max"] - stats["min"] + 1 != stats["nunique"]]
            if len(gappy) == 0:
                return
            keys = pd.MultiIndex.from_frame(usable[list(by)]) if len(by) > 1 else pd.Index(usable[by[0]])
            usable = usable[keys.isin(gappy)]
    groups = usable.groupby(list(by), sort=False, dropna=False) if by else [((), usable)]
    for key, group in groups:
        key = key if isinstance(key, tuple) else (key,)
        for first, last in _periods.find_gaps(group[period]):
            span = _periods.format_period(first) + ("" if first == last else f" to {_periods.format_period(last)}")
            n = (last - first).n + 1
            who = ", ".join(f"{c} {_cell_text(v)}" for c, v in zip(by, key, strict=True))
            report.warning(
                "period_gap",
                f"{who + ': ' if who else ''}{n} period{'s' if n > 1 else ''} missing from the sequence ({span})",
                file=file,
                column=period,
                expected="one row per period with no gaps",
                found=f"nothing for {span}",
            )


def check_counts(
    values: pd.Series, mask: pd.Series, column: str, file: str | Path | None, report: ValidationReport
) -> None:
    """Counts (where ``mask``) must be whole numbers of zero or more: one error per bad row."""
    bad_negative = mask & (values < 0)
    bad_fraction = mask & (values >= 0) & (values != np.floor(values))
    for row in values.index[bad_negative]:
        report.error(
            "negative_count",
            "a count cannot be negative",
            file=file,
            row=row,
            column=column,
            expected="a whole number of zero or more",
            found=values[row],
        )
    for row in values.index[bad_fraction]:
        report.error(
            "non_whole_count",
            "a count must be a whole number",
            file=file,
            row=row,
            column=column,
            expected="a whole number of zero or more",
            found=values[row],
        )


def check_denominators(
    values: pd.Series, mask: pd.Series, column: str, file: str | Path | None, report: ValidationReport
) -> None:
    """Denominators (where ``mask``) must be present and above zero: one error per bad row."""
    bad = mask & (values.isna() | (values <= 0))
    for row in values.index[bad]:
        report.error(
            "missing_denominator",
            "zero or missing denominator",
            file=file,
            row=row,
            column=column,
            expected="a number above zero",
            found="" if pd.isna(values[row]) else values[row],
        )


def check_not_above(
    numerator: pd.Series,
    denominator: pd.Series,
    mask: pd.Series,
    column: str,
    file: str | Path | None,
    report: ValidationReport,
    *,
    what: str = "a proportion",
) -> None:
    """Numerators (where ``mask``) must not exceed their denominators: one error per bad row."""
    bad = mask & (numerator > denominator)
    for row in numerator.index[bad]:
        report.error(
            "numerator_above_denominator",
            f"numerator above denominator for {what}",
            file=file,
            row=row,
            column=column,
            expected=f"at most {denominator[row]:g}",
            found=numerator[row],
        )


def check_catalogue(
    ids: pd.Series,
    catalogue: Iterable[str],
    file: str | Path | None,
    report: ValidationReport,
    *,
    catalogue_file: str = "the catalogue",
    column: str = "measure_id",
    require_all: bool = True,
) -> pd.Series:
    """Cross-check measure ids against the catalogue (both ways); returns the mask of known ids.

    One ``unknown_measure`` error per id in the data but not in the catalogue
    (naming its first row and how many rows it has); with ``require_all``, one
    ``measure_without_data`` error per catalogue id absent from the data.
    """
    known = list(dict.fromkeys(catalogue))
    is_known = ids.isin(known) | (ids == "")
    for mid, rows in ids[~is_known].groupby(ids[~is_known], sort=False):
        report.error(
            "unknown_measure",
            f"measure not in {catalogue_file}",
            file=file,
            row=rows.index[0],
            column=column,
            expected="a measure id of the catalogue",
            found=mid if len(rows) == 1 else f"{mid} ({len(rows)} rows)",
        )
    if require_all:
        present = set(ids)
        for mid in known:
            if mid not in present:
                report.error(
                    "measure_without_data",
                    f"measure in {catalogue_file} has no data",
                    file=file,
                    column=column,
                    expected=f"rows for {mid}",
                    found="none",
                )
    return is_known & (ids != "")


def check_known_values(
    text: pd.Series, allowed: Sequence[str], column: str, file: str | Path | None, report: ValidationReport
) -> None:
    """One ``unknown_value`` error per non-blank cell not in ``allowed``."""
    for row in text.index[~text.isin(list(allowed)) & (text != "")]:
        report.error(
            "unknown_value",
            "unknown value",
            file=file,
            row=row,
            column=column,
            expected="one of " + ", ".join(allowed),
            found=text[row],
        )
