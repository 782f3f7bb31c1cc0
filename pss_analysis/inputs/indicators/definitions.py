"""Indicator definitions: the checked objects and the parser of ``indicator:`` mappings.

:func:`parse_definition` checks one mapping (schema in the docstring of
:mod:`pss_analysis.inputs.indicators`) and returns an :class:`IndicatorDefinition`;
every problem is a :class:`~pss_analysis.errors.ParameterError` naming the key.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.inputs import periods as _periods
from pss_analysis.inputs.indicators.standardisation import ESP2013, band_labels, standard_weights

__all__ = [
    "RESULT_COLUMNS",
    "Condition",
    "Statistic",
    "TableDenominator",
    "Breakdown",
    "Standardisation",
    "IndicatorDefinition",
    "parse_definition",
    "parse_definitions",
]

#: Columns of the result before breakdown columns are inserted after ``period``.
RESULT_COLUMNS = (
    "measure_id",
    "period",
    "numerator",
    "denominator",
    "standardised_rate",
    "standardised_rate_lower",
    "standardised_rate_upper",
)


#: Largest ``decimals`` accepted for an exact sum (10^9 units still leave 2^53 / 10^9 ~ 9 million
#: whole units of headroom in float64 at the end).
_MAX_DECIMALS = 9


_TOP_KEYS = (
    "source",
    "period",
    "where",
    "numerator",
    "denominator",
    "breakdowns",
    "multiplier",
    "standardise",
    "first_period",
    "last_period",
    "description",
)


_CONDITION_OPS = ("equals", "in", "min", "max", "between", "codes")


_CONDITION_KEYS = ("column", *_CONDITION_OPS, "match")


_STATISTIC_KEYS = ("statistic", "column", "where", "decimals", "divide_by", "round")


_TABLE_KEYS = ("source", "period", "value", "where")


_BREAKDOWN_KEYS = ("column", "bands", "name")


_STANDARDISE_KEYS = ("age", "bands", "band_column", "standard", "by", "confidence", "limits")


_MATCHES = ("exact", "prefix")


_LIMITS = ("exact", "byar")


_STANDARDS = {"esp2013": ESP2013}


@dataclass(frozen=True)
class Condition:
    """One condition on a record column: ``op`` is equals, in, min, max, between or codes.

    ``value`` is a text or number (equals), a tuple (in), a number (min,
    max), a (low, high) pair (between) or the name of a code list (codes);
    ``numeric`` says whether equals/in compare numbers; ``match`` is exact or
    prefix (codes only).
    """

    column: str
    op: str
    value: Any
    numeric: bool = False
    match: str = "exact"


@dataclass(frozen=True)
class Statistic:
    """What is added up over the records: ``count`` of records or ``sum`` of ``column``."""

    statistic: str = "count"
    column: str | None = None
    where: tuple[Condition, ...] = ()
    decimals: int | None = None
    divide_by: float | None = None
    round: int | None = None


@dataclass(frozen=True)
class TableDenominator:
    """A denominator read from a table: ``value`` summed by ``period`` (and breakdowns)."""

    source: str
    value: str
    period: str = "period"
    where: tuple[Condition, ...] = ()


@dataclass(frozen=True)
class Breakdown:
    """An output grouping: a column's values, or its numbers cut into ``bands``.

    ``name`` is the output column (and the column of a population table that
    holds the same groups).
    """

    column: str
    name: str
    bands: tuple[float, ...] | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        """The band labels (``65-74``, ..., ``85+``); empty when not banded."""
        return band_labels(self.bands) if self.bands else ()


@dataclass(frozen=True)
class Standardisation:
    """Direct age-standardisation: see the module docstring."""

    age: str
    bands: tuple[float, ...]
    band_column: str = "age_band"
    standard: str = "esp2013"
    weights: tuple[tuple[str, float], ...] = ()
    by: tuple[str, ...] = ()
    confidence: float = 0.95
    limits: str = "exact"

    @property
    def labels(self) -> tuple[str, ...]:
        """The age-band labels."""
        return band_labels(self.bands)

    def weight_of(self) -> dict[str, float]:
        """Standard-population weight by band label."""
        return dict(self.weights)


@dataclass(frozen=True)
class IndicatorDefinition:
    """A checked indicator definition (see the module docstring for the schema)."""

    measure_id: str
    source: str
    period: str
    where: tuple[Condition, ...] = ()
    numerator: Statistic = field(default_factory=Statistic)
    denominator: Statistic | TableDenominator | None = None
    breakdowns: tuple[Breakdown, ...] = ()
    multiplier: float = 1.0
    standardise: Standardisation | None = None
    first_period: pd.Period | None = None
    last_period: pd.Period | None = None
    description: str = ""
    mapping: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def code_lists(self) -> tuple[str, ...]:
        """Names of the code lists the definition uses."""
        conds = [*self.where, *self.numerator.where]
        if isinstance(self.denominator, (Statistic, TableDenominator)):
            conds += list(self.denominator.where)
        return tuple(dict.fromkeys(c.value for c in conds if c.op == "codes"))

    @property
    def files_used(self) -> tuple[str, ...]:
        """Names in ``data.files`` the definition reads."""
        names = [self.source, *self.code_lists]
        if isinstance(self.denominator, TableDenominator):
            names.append(self.denominator.source)
        return tuple(dict.fromkeys(names))


class _Where:
    """Where a value sits in the definition, for error messages."""

    def __init__(self, measure_id: str, file: str | None, prefix: str) -> None:
        self.measure_id, self.file, self.prefix = measure_id, file, prefix

    def fail(self, key: str, message: str, *, expected: Any = None, found: Any = None) -> None:
        raise ParameterError(
            f"measure '{self.measure_id}': {message}",
            file=self.file,
            key=f"{self.prefix}.{key}" if key else self.prefix,
            expected=expected,
            found=found,
        )

    def mapping(self, value: Any, key: str, allowed: Sequence[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(key, "wrong type", expected="a mapping of keys to values", found=_short(value))
        for name in value:
            if name not in allowed:
                close = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.fail(
                    f"{key}.{name}" if key else str(name), f"unknown key{hint}", expected="one of " + ", ".join(allowed)
                )
        return value

    def text(self, value: Any, key: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "wrong type", expected="a name (text)", found=_short(value))
        return value.strip()

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(key, "wrong type", expected="a number", found=_short(value))
        return float(value)

    def whole(self, value: Any, key: str, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, "invalid value", expected=f"a whole number from {low} to {high}", found=_short(value))
        return int(value)

    def choice(self, value: Any, key: str, allowed: Sequence[str]) -> str:
        if value not in allowed:
            self.fail(key, "invalid value", expected="one of " + ", ".join(allowed), found=_short(value))
        return str(value)

    def month(self, value: Any, key: str) -> pd.Period:
        try:
            return _periods.to_month([str(value)])[0]
        except DataValidationError:
            self.fail(key, "invalid value", expected="a month as YYYY-MM", found=_short(value))
        raise AssertionError  # pragma: no cover

    def items(self, value: Any, key: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(key, "wrong type", expected="a list", found=_short(value))
        return value


def _short(value: Any) -> Any:
    text = repr(value)
    return value if len(text) <= 60 else text[:57] + "..."


def _scalar(w: _Where, value: Any, key: str) -> tuple[Any, bool]:
    """(value, numeric?) for an equals/in value: text or a number, never true/false."""
    if isinstance(value, bool):
        w.fail(
            key,
            "true/false is not a value to compare with; quote it ('yes') if you mean the text",
            expected="text or a number",
            found=value,
        )
    if isinstance(value, (int, float)):
        return float(value), True
    if isinstance(value, str):
        return value, False
    w.fail(key, "wrong type", expected="text or a number", found=_short(value))
    raise AssertionError  # pragma: no cover


def _conditions(w: _Where, value: Any, key: str) -> tuple[Condition, ...]:
    """The conditions of a ``where:`` list: one per operator of each entry, in order."""
    out: list[Condition] = []
    for i, item in enumerate(w.items(value, key)):
        k = f"{key}[{i}]"
        item = w.mapping(item, k, _CONDITION_KEYS)
        if "column" not in item:
            w.fail(f"{k}.column", "required key is missing", expected="the record column to test")
        column = w.text(item["column"], f"{k}.column")
        ops = [op for op in _CONDITION_OPS if op in item]
        if not ops:
            w.fail(k, "a condition needs one of " + ", ".join(_CONDITION_OPS), found=_short(dict(item)))
        if "match" in item and "codes" not in item:
            w.fail(f"{k}.match", "match applies to codes only", expected="codes: <code list name>")
        out.extend(_condition(w, column, op, item, k) for op in ops)
    return tuple(out)


def _condition(w: _Where, column: str, op: str, item: Mapping[str, Any], k: str) -> Condition:
    """One operator of a condition entry."""
    raw = item[op]
    if op == "equals":
        val, numeric = _scalar(w, raw, f"{k}.equals")
        return Condition(column, "equals", val, numeric)
    if op == "in":
        return _in_condition(w, column, raw, k)
    if op in ("min", "max"):
        return Condition(column, op, w.number(raw, f"{k}.{op}"), True)
    if op == "between":
        return _between_condition(w, column, raw, k)
    name = w.text(raw, f"{k}.codes")
    match = w.choice(item.get("match", "exact"), f"{k}.match", _MATCHES)
    return Condition(column, "codes", name, False, match)


def _in_condition(w: _Where, column: str, raw: Any, k: str) -> Condition:
    values = w.items(raw, f"{k}.in")
    if not values:
        w.fail(f"{k}.in", "an empty list matches nothing", expected="at least one value")
    parsed = [_scalar(w, v, f"{k}.in[{j}]") for j, v in enumerate(values)]
    kinds = {numeric for _, numeric in parsed}
    if len(kinds) > 1:
        w.fail(f"{k}.in", "mixes text and numbers", expected="all text or all numbers", found=_short(values))
    return Condition(column, "in", tuple(v for v, _ in parsed), kinds.pop())


def _between_condition(w: _Where, column: str, raw: Any, k: str) -> Condition:
    pair = w.items(raw, f"{k}.between")
    if len(pair) != 2:
        w.fail(f"{k}.between", "wrong length", expected="[low, high]", found=_short(pair))
    low, high = w.number(pair[0], f"{k}.between[0]"), w.number(pair[1], f"{k}.between[1]")
    if low > high:
        w.fail(f"{k}.between", "low is above high", expected="[low, high] with low <= high", found=pair)
    return Condition(column, "between", (low, high), True)


def _statistic(w: _Where, value: Any, key: str) -> Statistic:
    if value == "count":
        return Statistic()
    if isinstance(value, str):
        w.fail(key, "invalid value", expected="count, or {statistic: sum, column: ...}", found=value)
    item = w.mapping(value, key, _STATISTIC_KEYS)
    stat = w.choice(item.get("statistic", "count"), f"{key}.statistic", ("count", "sum"))
    column = None
    if stat == "sum":
        if "column" not in item:
            w.fail(f"{key}.column", "required key is missing", expected="the column to add up")
        column = w.text(item["column"], f"{key}.column")
    elif "column" in item:
        w.fail(f"{key}.column", "a count has no column", expected="statistic: sum to add up a column")
    decimals = w.whole(item["decimals"], f"{key}.decimals", 0, _MAX_DECIMALS) if "decimals" in item else None
    if decimals is not None and stat != "sum":
        w.fail(f"{key}.decimals", "decimals apply to a sum", expected="statistic: sum")
    divide_by = None
    if "divide_by" in item:
        divide_by = w.number(item["divide_by"], f"{key}.divide_by")
        if divide_by == 0:
            w.fail(f"{key}.divide_by", "cannot divide by zero", expected="a number other than 0", found=0)
    rnd = w.whole(item["round"], f"{key}.round", 0, 15) if "round" in item else None
    where = _conditions(w, item["where"], f"{key}.where") if "where" in item else ()
    return Statistic(stat, column, where, decimals, divide_by, rnd)


def _band_tuple(w: _Where, value: Any, key: str) -> tuple[float, ...]:
    bands = [w.number(v, f"{key}[{i}]") for i, v in enumerate(w.items(value, key))]
    if not bands:
        w.fail(key, "no bands", expected="the lower limits of the bands, e.g. [65, 75, 85]")
    if any(b <= a for a, b in zip(bands[:-1], bands[1:], strict=True)):
        w.fail(key, "band limits must increase", expected="increasing lower limits", found=bands)
    return tuple(bands)


def _breakdown(w: _Where, value: Any, key: str) -> Breakdown:
    if isinstance(value, str):
        return Breakdown(w.text(value, key), value.strip())
    item = w.mapping(value, key, _BREAKDOWN_KEYS)
    if "column" not in item:
        w.fail(f"{key}.column", "required key is missing", expected="the record column to group by")
    column = w.text(item["column"], f"{key}.column")
    bands = _band_tuple(w, item["bands"], f"{key}.bands") if "bands" in item else None
    default = f"{column}_band" if bands else column
    name = w.text(item.get("name", default), f"{key}.name")
    return Breakdown(column, name, bands)


def _standard_weights(w: _Where, standard: Any, bands: tuple[float, ...], key: str) -> tuple[str, tuple]:
    labels = band_labels(bands)
    if isinstance(standard, Mapping):
        weights = {str(k): w.number(v, f"{key}.{k}") for k, v in standard.items()}
        missing = [lab for lab in labels if lab not in weights]
        if missing:
            w.fail(
                key,
                "standard weights missing for some bands",
                expected="a weight for " + ", ".join(labels),
                found=", ".join(weights),
            )
        return "custom", tuple((lab, weights[lab]) for lab in labels)
    name = w.choice(standard, key, tuple(_STANDARDS))
    try:
        return name, tuple(standard_weights(bands, _STANDARDS[name]).items())
    except ValueError as exc:
        w.fail(
            key.rsplit(".", 1)[0] + ".bands",
            str(exc),
            expected="band limits that are multiples of 5",
            found=list(bands),
        )
    raise AssertionError  # pragma: no cover


def parse_definition(
    mapping: Mapping[str, Any], *, measure_id: str, file: str | None = None, key_prefix: str | None = None
) -> IndicatorDefinition:
    """Check one ``indicator:`` mapping and return its :class:`IndicatorDefinition`.

    Raises :class:`~pss_analysis.errors.ParameterError` at the first problem,
    naming ``file``, the measure and the key (``<measure_id>.indicator.<key>``
    unless ``key_prefix`` is given) with what was expected and found.
    """
    w = _Where(measure_id, file, key_prefix or f"{measure_id}.indicator")
    item = w.mapping(mapping, "", _TOP_KEYS)
    for required in ("source", "period"):
        if required not in item:
            w.fail(
                required,
                "required key is missing",
                expected="a name in data.files" if required == "source" else "the column dating each record",
            )
    source = w.text(item["source"], "source")
    period = w.text(item["period"], "period")
    where = _conditions(w, item["where"], "where") if "where" in item else ()
    numerator = _statistic(w, item.get("numerator", "count"), "numerator")
    denominator = _denominator(w, item.get("denominator"))
    breakdowns = _breakdowns(w, item.get("breakdowns", []))
    multiplier = w.number(item.get("multiplier", 1), "multiplier")
    standardise = None
    if item.get("standardise") is not None:
        standardise = _standardisation(w, item["standardise"], numerator, denominator)
    first, last = _months(w, item)
    description = str(item.get("description", "") or "")
    return IndicatorDefinition(
        measure_id,
        source,
        period,
        where,
        numerator,
        denominator,
        breakdowns,
        multiplier,
        standardise,
        first,
        last,
        description,
        dict(mapping),
    )


def _denominator(w: _Where, raw: Any) -> Statistic | TableDenominator | None:
    """A table of populations (a mapping with ``source``), a statistic of the same records, or none."""
    if raw is None:
        return None
    if not (isinstance(raw, Mapping) and "source" in raw):
        return _statistic(w, raw, "denominator")
    den = w.mapping(raw, "denominator", _TABLE_KEYS)
    if "value" not in den:
        w.fail("denominator.value", "required key is missing", expected="the column to add up (e.g. population)")
    return TableDenominator(
        w.text(den["source"], "denominator.source"),
        w.text(den["value"], "denominator.value"),
        w.text(den.get("period", "period"), "denominator.period"),
        _conditions(w, den["where"], "denominator.where") if "where" in den else (),
    )


def _breakdowns(w: _Where, value: Any) -> tuple[Breakdown, ...]:
    """The breakdowns, each output name used once and none of the result's own columns."""
    breakdowns = tuple(_breakdown(w, b, f"breakdowns[{i}]") for i, b in enumerate(w.items(value, "breakdowns")))
    names = [b.name for b in breakdowns]
    for i, name in enumerate(names):
        if name in names[:i] or name in ("measure_id", "period", *RESULT_COLUMNS):
            w.fail(
                f"breakdowns[{i}]", "breakdown name used twice or reserved", expected="a new column name", found=name
            )
    return breakdowns


def _standardisation(
    w: _Where, value: Any, numerator: Statistic, denominator: Statistic | TableDenominator | None
) -> Standardisation:
    """The ``standardise:`` block; it needs a count numerator and a population table."""
    st = w.mapping(value, "standardise", _STANDARDISE_KEYS)
    for required in ("age", "bands"):
        if required not in st:
            w.fail(
                f"standardise.{required}",
                "required key is missing",
                expected="the age column" if required == "age" else "the lower limits of the age bands",
            )
    bands = _band_tuple(w, st["bands"], "standardise.bands")
    name, weights = _standard_weights(w, st.get("standard", "esp2013"), bands, "standardise.standard")
    confidence = w.number(st.get("confidence", 0.95), "standardise.confidence")
    if not 0 < confidence < 1:
        w.fail("standardise.confidence", "invalid value", expected="a number between 0 and 1", found=confidence)
    by = tuple(w.text(b, f"standardise.by[{i}]") for i, b in enumerate(w.items(st.get("by", []), "standardise.by")))
    standardise = Standardisation(
        w.text(st["age"], "standardise.age"),
        bands,
        w.text(st.get("band_column", "age_band"), "standardise.band_column"),
        name,
        weights,
        by,
        confidence,
        w.choice(st.get("limits", "exact"), "standardise.limits", _LIMITS),
    )
    if not isinstance(denominator, TableDenominator):
        w.fail(
            "denominator",
            "standardisation needs a population table as the denominator",
            expected="denominator: {source: ..., value: ..., period: ...}",
        )
    if numerator.statistic != "count":
        w.fail("numerator", "standardisation applies to counts of records", expected="numerator: count")
    return standardise


def _months(w: _Where, item: Mapping[str, Any]) -> tuple[pd.Period | None, pd.Period | None]:
    """``first_period`` and ``last_period`` (either may be absent), the last not before the first."""
    first = w.month(item["first_period"], "first_period") if item.get("first_period") is not None else None
    last = w.month(item["last_period"], "last_period") if item.get("last_period") is not None else None
    if first is not None and last is not None and last < first:
        w.fail("last_period", "the last month is before the first", expected=f"{first} or later", found=str(last))
    return first, last


def parse_definitions(
    mappings: Mapping[str, Mapping[str, Any]], *, file: str | None = None
) -> list[IndicatorDefinition]:
    """:func:`parse_definition` for each ``measure_id: indicator-mapping`` pair, in order."""
    return [
        m if isinstance(m, IndicatorDefinition) else parse_definition(m, measure_id=mid, file=file)
        for mid, m in mappings.items()
    ]
