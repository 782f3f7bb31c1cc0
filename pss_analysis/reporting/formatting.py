"""How the report writes numbers and user text: one place for every formatter.

- :func:`number` — a number to about three significant figures, in one of three documented
  styles (tables, sentences, charts);
- :func:`p_value` — a p-value for a table or sentence ("< 0.001" below 0.001);
- :func:`percent`, :func:`money` — shares and pounds in sentences; :func:`money_change` and
  :func:`money_range` — pounds saved or extra cost, signs kept, an interval across zero said as such;
- :func:`yes_no`, :func:`plain_words` — flags and code words of the tidy tables in words for a table cell;
- :func:`confidence_label` — the confidence level of every interval (``alpha`` 0.05 -> "95%");
- :func:`format_table` — the display copy of a table (the CSV keeps full precision);
- :func:`escape_text` — user text made safe to put into Markdown.

Formatting only: nothing here computes a result.
"""

from __future__ import annotations

import math
import re
import string
from collections.abc import Callable, Mapping
from typing import Any, Literal

import pandas as pd

__all__ = [
    "number",
    "percent",
    "p_value",
    "money",
    "money_change",
    "money_range",
    "in_units",
    "yes_no",
    "plain_words",
    "confidence_label",
    "format_table",
    "escape_text",
    "NumberStyle",
]

#: The styles of :func:`number`.
NumberStyle = Literal["table", "sentence", "chart"]

# Every ASCII punctuation character: CommonMark (nbconvert, Jupyter) and pandoc's
# Markdown (all_symbols_escapable) both read a backslash before one as that character.
_MARKDOWN_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")


def _is_missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _three_figures(value: float) -> str:
    """Rounded to three significant figures, trailing zeros kept: 2457 -> '2,460', 0.1 -> '0.100'."""
    if value == 0 or not math.isfinite(value):
        return f"{value:g}"
    digits = 2 - int(math.floor(math.log10(abs(value))))
    rounded = round(value, digits)
    return f"{rounded:,.{digits}f}" if digits > 0 else f"{rounded:,.0f}"


def number(value: float, *, style: NumberStyle = "table") -> str:
    """A number for the report, with thousands separators, in one of three styles.

    - ``"table"`` (cells of a displayed table): three significant figures without trailing
      zeros, and whole numbers as they are from 1,000 up (``2457 -> '2,457'``, ``0.1 -> '0.1'``);
      missing values are blank.
    - ``"sentence"`` (numbers in words): three significant figures at every size, trailing
      zeros kept (``2457 -> '2,460'``, ``0.1 -> '0.100'``).
    - ``"chart"`` (figure labels): a fixed number of decimals by size: none from 100, one from
      10, two below (``2457 -> '2,457'``, ``12.34 -> '12.3'``, ``0.1 -> '0.10'``); missing
      values are blank.
    """
    if style == "sentence":
        return _three_figures(value)
    if _is_missing(value):
        return ""
    magnitude = abs(value)
    if style == "chart":
        return f"{value:,.0f}" if magnitude >= 100 else f"{value:,.1f}" if magnitude >= 10 else f"{value:,.2f}"
    return f"{value:,.0f}" if magnitude >= 999.5 else f"{value:,.3g}"


def percent(value: float, *, signed: bool = False) -> str:
    """0.113 -> '11%' (one decimal below 10%); ``signed`` adds '+' or a minus sign (−)."""
    magnitude = abs(value) * 100
    digits = 1 if magnitude < 10 else 0
    text = f"{value * 100:+.{digits}f}%" if signed else f"{magnitude:.{digits}f}%"
    return text.replace("-", "−") if signed else text


def p_value(value: Any) -> str:
    """A p-value: three decimals, and '< 0.001' below 0.001 (2.61e-26 -> '< 0.001', 0.0123 -> '0.012');
    missing blank."""
    if _is_missing(value):
        return ""
    return "< 0.001" if float(value) < 0.001 else f"{float(value):.3f}"


def money(value: float) -> str:
    """Pounds to three significant figures, sign kept: 2115662 -> '£2.12 million', -845123 -> '−£845,000'."""
    magnitude = abs(value)
    text = f"£{_three_figures(magnitude / 1e6)} million" if magnitude >= 1e6 else f"£{_three_figures(magnitude)}"
    return f"−{text}" if value < 0 else text


def money_change(value: float) -> str:
    """A change in money in words (negative = saved): -323000 -> '£323,000 saved', 536000 -> '£536,000 extra cost'."""
    if value == 0:
        return "no change in cost"
    return f"{money(abs(value))} {'saved' if value < 0 else 'extra cost'}"


def money_range(lower: float, upper: float) -> str:
    """An interval of a change in money in words (negative = saved), the estimate between its ends.

    Both ends saved: '£1.29 million to £2.94 million saved'; both extra cost: '£468,000 to
    £856,000 extra cost'; across zero: 'between £1.18 million saved and £536,000 extra cost'.
    """
    lower, upper = min(lower, upper), max(lower, upper)
    if upper <= 0:
        return f"{money(-upper)} to {money(-lower)} saved"
    if lower >= 0:
        return f"{money(lower)} to {money(upper)} extra cost"
    return f"between {money(-lower)} saved and {money(upper)} extra cost"


def yes_no(value: Any) -> str:
    """A flag for a table cell: True -> 'yes', False -> 'no', missing -> blank."""
    if _is_missing(value):
        return ""
    if isinstance(value, str):
        return {"true": "yes", "false": "no"}.get(value.strip().lower(), value)
    return "yes" if bool(value) else "no"


def plain_words(value: Any, words: Mapping[Any, str] | None = None) -> str:
    """A code word of a tidy table for a table cell: from ``words`` when it is there, else with its
    underscores as spaces ('hit_or_miss' -> 'hit or miss'); flags as yes/no; missing blank."""
    if _is_missing(value):
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if words and value in words:
        return words[value]
    return str(value).replace("_", " ")


def confidence_label(alpha: float) -> str:
    """0.05 -> '95%' (the confidence level of every interval in the report)."""
    return f"{round((1 - alpha) * 100):d}%"


def format_table(frame: pd.DataFrame, formats: Mapping[str, str | Callable[[Any], str]] | None = None) -> pd.DataFrame:
    """A display copy of ``frame``: numbers formatted (``formats`` maps column -> format spec, or a
    function that words each value, such as :func:`yes_no`), other floats to 3 significant figures
    (whole numbers from 1,000 up), missing values blank."""
    formats = dict(formats or {})
    shown = frame.copy()
    for column in shown.columns:
        series = shown[column]
        spec = formats.get(column)
        if callable(spec):
            shown[column] = series.map(spec).astype(object)
        elif spec is not None:
            shown[column] = series.map(
                lambda v, s=spec: v if isinstance(v, str) else "" if pd.isna(v) else format(v, s)
            )
        elif pd.api.types.is_float_dtype(series):
            shown[column] = series.map(number)
        elif series.dtype == object and any(isinstance(v, float) for v in series):  # numbers and markers
            shown[column] = series.map(lambda v: number(v) if isinstance(v, float) else v)
        else:
            shown[column] = series.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else v)
    return shown


def escape_text(text: Any) -> str:
    """User text made safe to put into :meth:`~pss_analysis.reporting.document.Report.markdown`: it shows as typed.

    Every ASCII punctuation character is backslash-escaped, which both
    Markdown readers used for the report (CommonMark in nbconvert/Jupyter for
    HTML; pandoc's Markdown for Word and PDF) read as the character itself: so
    ``<script>`` is text, not HTML, and ``**x**``, ``_x_``, ``# x``, ``$1``,
    ``@ref``, ``[a](b)`` and ``&amp;`` are not formatting, maths, citations,
    links or entities. Runs of white space (line breaks included) become one
    space, so the text stays inside the paragraph, heading or list item it is
    put in. Do not escape the Markdown you add around it.
    """
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", " ".join(str(text).split()))


def in_units(value: Any, row: Mapping[str, Any]) -> str:
    """A value of measure ``row`` (its ``kind``, ``unit``, ``multiplier``) in its display units:
    '85.8%', '3.43 per 1,000', '£516 thousand', '7.73 days'."""
    if value is None or _is_missing(value):
        return ""
    unit = str(row.get("unit") or "")
    if row.get("kind") == "proportion":
        return f"{number(value)}%"
    if row.get("kind") == "rate":
        return f"{number(value)} per {float(row.get('multiplier') or 1):,.0f}"
    if unit.startswith("£"):
        return f"£{number(value)}{unit[1:]}"
    return f"{number(value)} {unit}".strip() if len(unit) <= 12 else number(value)
