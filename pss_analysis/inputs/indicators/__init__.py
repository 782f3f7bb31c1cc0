"""Indicators computed from record-level data by documented definitions.

A measure of the scorecard can say how it is computed from a record-level
extract (one row per admission, attendance, referral ...) under the key
``indicator:`` of its entry. The scorecard loader keeps that mapping as a
plain dict; :func:`parse_definition` checks it once and returns an
:class:`IndicatorDefinition`; :func:`compute_indicators` computes every
definition in DuckDB (or pandas) into the tidy indicator table the rest of
the pipeline uses; :func:`definitions_table` writes the definitions out in
plain English for the report's methods appendix.

The definition schema (every name of a table is a name in the parameter
file's ``data.files``; no SQL text anywhere)::

    indicator:
      source: admissions              # required: record-level table (CSV, Excel or Parquet)
      period: discharge_date          # required: column dating each record; dates are
                                      #   taken to their month (see pss_analysis.inputs.periods)
      where:                          # optional: every condition must hold (AND)
        - {column: admission_method, equals: emergency}
        - {column: age, min: 65}                      # min/max inclusive; also between: [65, 74]
        - {column: locality, in: [Central, Riverside]}
        - {column: primary_diagnosis, codes: acs_codes, match: prefix}
                                      # codes: a CSV in data.files with a `code` column;
                                      #   match: exact (default) or prefix
      numerator: count                # count of records (default), or:
      # numerator: {statistic: sum, column: cost, decimals: 2, divide_by: 1000, round: 2,
      #             where: [...]}     # sum of a column; optional extra conditions
      denominator:                    # optional. Either a table of populations ...
        source: population            #   table in data.files, one row per period (and breakdown)
        period: period                #   its period column (months; quarters and financial
                                      #   years are spread over their months)
        value: population             #   the column summed
        where: [...]                  #   optional conditions on the table
      # denominator: {statistic: count}   # ... or a statistic of the same records (for means)
      breakdowns:                     # optional: one output row per value of each
        - locality
        - {column: age, bands: [65, 75, 85], name: age_band}   # 65-74, 75-84, 85+
      multiplier: 1000                # rate per 1,000 (used for the standardised rate)
      standardise:                    # optional: direct age-standardisation
        age: age                      #   age in years of each record
        bands: [65, 70, 75, 80, 85, 90]   # lower limits of the age bands; the last is open
        band_column: age_band         #   population-table column with labels 65-69 ... 90+
        standard: esp2013             #   2013 European Standard Population (or {label: weight})
        by: [sex]                     #   optional extra strata (age-sex standardisation)
        confidence: 0.95
        limits: exact                 #   Poisson limits of the count: exact (chi-square) or byar
      first_period: 2015-04           # optional: months reported (default: the extract's span)
      last_period: 2020-03
      description: ...                # optional plain-English note

Semantics, identical in both engines:

* A condition on a missing value is false (the record is left out).
* ``equals`` / ``in`` with text compare the field's text exactly (case and
  spaces matter); with numbers they compare the field read as a number.
  ``min``, ``max``, ``between`` read the field as a number.
* Codes (``codes:``) are compared after upper-casing and removing dots and
  spaces on both sides (``I24.0`` = ``I240``); ``prefix`` means the record's
  code starts with a listed code (``I50`` matches ``I50.9``).
* ``sum`` adds the column read as a number (missing values add nothing; a
  warning counts them). Declare ``decimals`` for money: values are then added
  exactly as whole units of 10^-decimals (pence), so the total does not
  depend on the order of addition. The total is then divided by
  ``divide_by`` and rounded to ``round`` decimals (numpy's round half to
  even), in that order.
* Output rows: every month from ``first_period`` to ``last_period`` (default:
  the first to the last month of the whole extract) times every breakdown
  value (from the population table when there is one, else every value seen
  in the counted records; all bands of an age-band breakdown) — months and
  groups with no records get a numerator of 0.

Direct age-standardisation: with ``d_i`` events, ``n_i`` population and
``w_i`` standard-population weight in stratum ``i`` (age band, or age band x
``by`` values; each stratum takes its band's weight), the directly
standardised rate is ``DSR = m * sum(w_i d_i / n_i) / sum(w_i)`` (``m`` the
multiplier), with variance ``var = m^2 * sum(w_i^2 d_i / n_i^2) / sum(w_i)^2``.
Its confidence interval is by **Dobson's method** (Dobson, Kuulasmaa, Eberle
and Scherer 1991, "Confidence intervals for weighted sums of Poisson
parameters", Statistics in Medicine 10:457-462), as in the public-health
indicator methods of Public Health England (Fingertips technical guide,
"Confidence intervals", 2018)::

    lower = DSR + sqrt(var / O) * (O_lower - O)
    upper = DSR + sqrt(var / O) * (O_upper - O)

with ``O = sum d_i`` and ``(O_lower, O_upper)`` the Poisson confidence limits
of ``O``: by default the **exact** limits from the chi-square distribution
(Garwood 1936: ``chi2(alpha/2, 2O) / 2`` and ``chi2(1 - alpha/2, 2O + 2) / 2``);
``limits: byar`` uses Byar's approximation (Breslow and Day 1987), as the PHE
tools do. With ``O = 0`` the rate is 0 and the interval is not defined (NaN).
A stratum with no population and no events adds nothing; with events but no
population it is an error. Rates from fewer than :data:`DSR_MIN_EVENTS` events
get a warning.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.inputs import periods as _periods
from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.inputs.validation import (
    ValidationReport,
    file_kind,
    parse_numbers,
    parse_period_column,
    read_table,
    require_columns,
)

__all__ = [
    "ESP2013",
    "ESP2013_SOURCE",
    "DSR_MIN_EVENTS",
    "ENGINES",
    "RESULT_COLUMNS",
    "Condition",
    "Statistic",
    "TableDenominator",
    "Breakdown",
    "Standardisation",
    "IndicatorDefinition",
    "parse_definition",
    "parse_definitions",
    "definitions_table",
    "band_labels",
    "standard_weights",
    "poisson_limits",
    "dsr_dobson",
    "compute_indicators",
    "compute_indicators_checked",
]

#: 2013 European Standard Population: persons per 100,000 in each 5-year age band, the bands
#: 90-94 (800) and 95+ (200) combined as 90+ (1,000) as ONS and PHE use it. Source: Eurostat
#: (2013) "Revision of the European Standard Population - Report of Eurostat's task force",
#: Methodologies and Working papers, Luxembourg: Publications Office of the EU, table 4.
ESP2013 = {
    "0-4": 5000, "5-9": 5500, "10-14": 5500, "15-19": 5500, "20-24": 6000, "25-29": 6000,
    "30-34": 6500, "35-39": 7000, "40-44": 7000, "45-49": 7000, "50-54": 7000, "55-59": 6500,
    "60-64": 6000, "65-69": 5500, "70-74": 5000, "75-79": 4000, "80-84": 2500, "85-89": 1500,
    "90+": 1000,
}
ESP2013_SOURCE = ("2013 European Standard Population (Eurostat 2013, Revision of the European Standard "
                  "Population, table 4; 90+ combined)")
#: Age width of the ESP 2013 bands, and the lower limit of its open band.
_ESP_STEP, _ESP_OPEN = 5, 90
#: Fewest events for a directly standardised rate to be reliable enough to publish (PHE Fingertips
#: technical guide "Confidence intervals" 2018: DSRs are not published for fewer than 10 events,
#: as Dobson's method is unreliable below that).
DSR_MIN_EVENTS = 10
#: Engines of :func:`compute_indicators`.
ENGINES = ("duckdb", "pandas")
#: Columns of the result before breakdown columns are inserted after ``period``.
RESULT_COLUMNS = ("measure_id", "period", "numerator", "denominator", "standardised_rate",
                  "standardised_ci_lower", "standardised_ci_upper")
#: Largest ``decimals`` accepted for an exact sum (10^9 units still leave 2^53 / 10^9 ~ 9 million
#: whole units of headroom in float64 at the end).
_MAX_DECIMALS = 9
_NULL_ORDINAL = np.iinfo(np.int64).min

_TOP_KEYS = ("source", "period", "where", "numerator", "denominator", "breakdowns", "multiplier",
             "standardise", "first_period", "last_period", "description")
_CONDITION_OPS = ("equals", "in", "min", "max", "between", "codes")
_CONDITION_KEYS = ("column", *_CONDITION_OPS, "match")
_STATISTIC_KEYS = ("statistic", "column", "where", "decimals", "divide_by", "round")
_TABLE_KEYS = ("source", "period", "value", "where")
_BREAKDOWN_KEYS = ("column", "bands", "name")
_STANDARDISE_KEYS = ("age", "bands", "band_column", "standard", "by", "confidence", "limits")
_MATCHES = ("exact", "prefix")
_LIMITS = ("exact", "byar")
_STANDARDS = {"esp2013": ESP2013}


# --------------------------------------------------------------------------
# The definition objects
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------


class _Where:
    """Where a value sits in the definition, for error messages."""

    def __init__(self, measure_id: str, file: str | None, prefix: str) -> None:
        self.measure_id, self.file, self.prefix = measure_id, file, prefix

    def fail(self, key: str, message: str, *, expected: Any = None, found: Any = None) -> None:
        raise ParameterError(f"measure '{self.measure_id}': {message}", file=self.file,
                             key=f"{self.prefix}.{key}" if key else self.prefix, expected=expected, found=found)

    def mapping(self, value: Any, key: str, allowed: Sequence[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(key, "wrong type", expected="a mapping of keys to values", found=_short(value))
        for name in value:
            if name not in allowed:
                close = difflib.get_close_matches(str(name), allowed, n=1, cutoff=0.6)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.fail(f"{key}.{name}" if key else str(name), f"unknown key{hint}",
                          expected="one of " + ", ".join(allowed))
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
        w.fail(key, "true/false is not a value to compare with; quote it ('yes') if you mean the text",
               expected="text or a number", found=value)
    if isinstance(value, (int, float)):
        return float(value), True
    if isinstance(value, str):
        return value, False
    w.fail(key, "wrong type", expected="text or a number", found=_short(value))
    raise AssertionError  # pragma: no cover


def _conditions(w: _Where, value: Any, key: str) -> tuple[Condition, ...]:
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
        for op in ops:
            raw = item[op]
            if op == "equals":
                val, numeric = _scalar(w, raw, f"{k}.equals")
                out.append(Condition(column, "equals", val, numeric))
            elif op == "in":
                values = w.items(raw, f"{k}.in")
                if not values:
                    w.fail(f"{k}.in", "an empty list matches nothing", expected="at least one value")
                parsed = [_scalar(w, v, f"{k}.in[{j}]") for j, v in enumerate(values)]
                kinds = {numeric for _, numeric in parsed}
                if len(kinds) > 1:
                    w.fail(f"{k}.in", "mixes text and numbers", expected="all text or all numbers",
                           found=_short(values))
                out.append(Condition(column, "in", tuple(v for v, _ in parsed), kinds.pop()))
            elif op in ("min", "max"):
                out.append(Condition(column, op, w.number(raw, f"{k}.{op}"), True))
            elif op == "between":
                pair = w.items(raw, f"{k}.between")
                if len(pair) != 2:
                    w.fail(f"{k}.between", "wrong length", expected="[low, high]", found=_short(pair))
                low, high = w.number(pair[0], f"{k}.between[0]"), w.number(pair[1], f"{k}.between[1]")
                if low > high:
                    w.fail(f"{k}.between", "low is above high", expected="[low, high] with low <= high",
                           found=pair)
                out.append(Condition(column, "between", (low, high), True))
            else:
                name = w.text(raw, f"{k}.codes")
                match = w.choice(item.get("match", "exact"), f"{k}.match", _MATCHES)
                out.append(Condition(column, "codes", name, False, match))
    return tuple(out)


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
            w.fail(key, "standard weights missing for some bands", expected="a weight for " + ", ".join(labels),
                   found=", ".join(weights))
        return "custom", tuple((lab, weights[lab]) for lab in labels)
    name = w.choice(standard, key, tuple(_STANDARDS))
    try:
        return name, tuple(standard_weights(bands, _STANDARDS[name]).items())
    except ValueError as exc:
        w.fail(key.rsplit(".", 1)[0] + ".bands", str(exc), expected="band limits that are multiples of 5",
               found=list(bands))
    raise AssertionError  # pragma: no cover


def parse_definition(mapping: Mapping[str, Any], *, measure_id: str, file: str | None = None,
                     key_prefix: str | None = None) -> IndicatorDefinition:
    """Check one ``indicator:`` mapping and return its :class:`IndicatorDefinition`.

    Raises :class:`~pss_analysis.errors.ParameterError` at the first problem,
    naming ``file``, the measure and the key (``<measure_id>.indicator.<key>``
    unless ``key_prefix`` is given) with what was expected and found.
    """
    w = _Where(measure_id, file, key_prefix or f"{measure_id}.indicator")
    item = w.mapping(mapping, "", _TOP_KEYS)
    for required in ("source", "period"):
        if required not in item:
            w.fail(required, "required key is missing",
                   expected="a name in data.files" if required == "source" else "the column dating each record")
    source = w.text(item["source"], "source")
    period = w.text(item["period"], "period")
    where = _conditions(w, item["where"], "where") if "where" in item else ()
    numerator = _statistic(w, item.get("numerator", "count"), "numerator")
    denominator: Statistic | TableDenominator | None = None
    if "denominator" in item and item["denominator"] is not None:
        raw = item["denominator"]
        if isinstance(raw, Mapping) and "source" in raw:
            den = w.mapping(raw, "denominator", _TABLE_KEYS)
            if "value" not in den:
                w.fail("denominator.value", "required key is missing",
                       expected="the column to add up (e.g. population)")
            denominator = TableDenominator(
                w.text(den["source"], "denominator.source"), w.text(den["value"], "denominator.value"),
                w.text(den.get("period", "period"), "denominator.period"),
                _conditions(w, den["where"], "denominator.where") if "where" in den else ())
        else:
            denominator = _statistic(w, raw, "denominator")
    breakdowns = tuple(_breakdown(w, b, f"breakdowns[{i}]")
                       for i, b in enumerate(w.items(item.get("breakdowns", []), "breakdowns")))
    names = [b.name for b in breakdowns]
    for i, name in enumerate(names):
        if name in names[:i] or name in ("measure_id", "period", *RESULT_COLUMNS):
            w.fail(f"breakdowns[{i}]", "breakdown name used twice or reserved", expected="a new column name",
                   found=name)
    multiplier = w.number(item.get("multiplier", 1), "multiplier")
    standardise = None
    if item.get("standardise") is not None:
        st = w.mapping(item["standardise"], "standardise", _STANDARDISE_KEYS)
        for required in ("age", "bands"):
            if required not in st:
                w.fail(f"standardise.{required}", "required key is missing",
                       expected="the age column" if required == "age" else "the lower limits of the age bands")
        bands = _band_tuple(w, st["bands"], "standardise.bands")
        name, weights = _standard_weights(w, st.get("standard", "esp2013"), bands, "standardise.standard")
        confidence = w.number(st.get("confidence", 0.95), "standardise.confidence")
        if not 0 < confidence < 1:
            w.fail("standardise.confidence", "invalid value", expected="a number between 0 and 1", found=confidence)
        by = tuple(w.text(b, f"standardise.by[{i}]") for i, b in enumerate(w.items(st.get("by", []), "standardise.by")))
        standardise = Standardisation(
            w.text(st["age"], "standardise.age"), bands, w.text(st.get("band_column", "age_band"),
                                                                 "standardise.band_column"),
            name, weights, by, confidence, w.choice(st.get("limits", "exact"), "standardise.limits", _LIMITS))
        if not isinstance(denominator, TableDenominator):
            w.fail("denominator", "standardisation needs a population table as the denominator",
                   expected="denominator: {source: ..., value: ..., period: ...}")
        if isinstance(numerator, Statistic) and numerator.statistic != "count":
            w.fail("numerator", "standardisation applies to counts of records", expected="numerator: count")
    first = w.month(item["first_period"], "first_period") if item.get("first_period") is not None else None
    last = w.month(item["last_period"], "last_period") if item.get("last_period") is not None else None
    if first is not None and last is not None and last < first:
        w.fail("last_period", "the last month is before the first", expected=f"{first} or later", found=str(last))
    description = str(item.get("description", "") or "")
    return IndicatorDefinition(measure_id, source, period, where, numerator, denominator, breakdowns, multiplier,
                               standardise, first, last, description, dict(mapping))


def parse_definitions(mappings: Mapping[str, Mapping[str, Any]], *, file: str | None = None
                      ) -> list[IndicatorDefinition]:
    """:func:`parse_definition` for each ``measure_id: indicator-mapping`` pair, in order."""
    return [m if isinstance(m, IndicatorDefinition) else parse_definition(m, measure_id=mid, file=file)
            for mid, m in mappings.items()]


# --------------------------------------------------------------------------
# Bands and standard populations
# --------------------------------------------------------------------------


def _num_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def band_labels(bands: Sequence[float]) -> tuple[str, ...]:
    """Labels of bands given by lower limits: ``[65, 75, 85]`` -> ``65-74, 75-84, 85+``.

    Whole-number limits give inclusive whole-year labels (``65-74``); other
    limits give half-open labels (``65-<74.5``).
    """
    labels = []
    for low, high in zip(bands, [*bands[1:], None], strict=True):
        if high is None:
            labels.append(f"{_num_text(low)}+")
        elif float(low).is_integer() and float(high).is_integer():
            labels.append(f"{_num_text(low)}-{_num_text(high - 1)}")
        else:
            labels.append(f"{_num_text(low)}-<{_num_text(high)}")
    return tuple(labels)


def standard_weights(bands: Sequence[float], standard: Mapping[str, float] = ESP2013) -> dict[str, float]:
    """Weight of each band (by label) from a 5-year standard such as :data:`ESP2013`.

    A band's weight is the sum of the standard's 5-year bands inside it;
    band limits must be multiples of 5 (the last band is open and takes
    everything above). Raises ``ValueError`` otherwise.
    """
    if any(float(b) % _ESP_STEP for b in bands):
        raise ValueError("age bands for a 5-year standard population must start at multiples of 5")
    lows = {int(k.split("-")[0].rstrip("+")): v for k, v in standard.items()}
    out = {}
    for label, low, high in zip(band_labels(bands), bands, [*bands[1:], math.inf], strict=True):
        if high != math.inf and high > _ESP_OPEN and low < _ESP_OPEN:
            raise ValueError(f"the standard's last band is {_ESP_OPEN}+, so no band can end above {_ESP_OPEN}")
        out[label] = float(sum(v for lo, v in lows.items() if low <= lo < high))
    return out


def poisson_limits(count: Any, confidence: float = 0.95, method: str = "exact") -> tuple[np.ndarray, np.ndarray]:
    """Confidence limits of a Poisson count: ``exact`` (chi-square, Garwood 1936) or ``byar``.

    Exact: ``chi2.ppf(a/2, 2O)/2`` and ``chi2.ppf(1 - a/2, 2O + 2)/2`` with ``a = 1 - confidence``
    (lower 0 when O = 0). Byar (Breslow and Day 1987): ``O (1 - 1/(9O) - z/(3 sqrt O))^3`` and
    ``(O + 1)(1 - 1/(9(O + 1)) + z/(3 sqrt(O + 1)))^3``, z the normal quantile.
    """
    from scipy import stats  # imported here: scipy.stats is slow to import

    o = np.asarray(count, dtype=float)
    alpha = 1.0 - confidence
    if method == "exact":
        with np.errstate(invalid="ignore"):
            lower = np.where(o > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(o, 1e-300)) / 2, 0.0)
        upper = stats.chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2
    elif method == "byar":
        z = stats.norm.ppf(1 - alpha / 2)
        safe = np.maximum(o, 1e-300)
        with np.errstate(invalid="ignore", divide="ignore"):
            lower = np.where(o > 0, safe * (1 - 1 / (9 * safe) - z / (3 * np.sqrt(safe))) ** 3, 0.0)
        upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    else:
        raise ParameterError("unknown Poisson limits method", key="limits", expected="exact or byar", found=method)
    return lower, upper


def dsr_dobson(events: Sequence[float], population: Sequence[float], weights: Sequence[float], *,
               multiplier: float = 100_000, confidence: float = 0.95, limits: str = "exact") -> dict[str, float]:
    """Directly standardised rate and its Dobson confidence interval for one group of strata.

    Returns ``rate, lower, upper, variance, events`` (rate and limits per
    ``multiplier``). See the module docstring for the formulas.
    """
    d = np.asarray(events, dtype=float)
    n = np.asarray(population, dtype=float)
    w = np.asarray(weights, dtype=float)
    rate, var, lower, upper = _dsr_arrays(np.array([(w * d / n).sum()]), np.array([(w**2 * d / n**2).sum()]),
                                          np.array([w.sum()]), np.array([d.sum()]), multiplier, confidence, limits)
    return {"rate": float(rate[0]), "lower": float(lower[0]), "upper": float(upper[0]),
            "variance": float(var[0]), "events": float(d.sum())}


def _dsr_arrays(sum_wr: np.ndarray, sum_w2r: np.ndarray, sum_w: np.ndarray, events: np.ndarray,
                multiplier: float, confidence: float, limits: str) -> tuple[np.ndarray, ...]:
    rate = multiplier * sum_wr / sum_w
    var = multiplier**2 * sum_w2r / sum_w**2
    o_low, o_high = poisson_limits(events, confidence, limits)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(events > 0, np.sqrt(var / events), np.nan)
    return rate, var, rate + scale * (o_low - events), rate + scale * (o_high - events)


# --------------------------------------------------------------------------
# Plain-English definitions
# --------------------------------------------------------------------------


def _fmt_value(v: Any) -> str:
    if isinstance(v, float):
        return _num_text(v)
    return f"'{v}'"


def _describe_condition(c: Condition) -> str:
    if c.op == "equals":
        return f"{c.column} is {_fmt_value(c.value)}"
    if c.op == "in":
        return f"{c.column} is one of " + ", ".join(_fmt_value(v) for v in c.value)
    if c.op == "min":
        return f"{c.column} is at least {_num_text(c.value)}"
    if c.op == "max":
        return f"{c.column} is at most {_num_text(c.value)}"
    if c.op == "between":
        return f"{c.column} is from {_num_text(c.value[0])} to {_num_text(c.value[1])}"
    how = "starts with" if c.match == "prefix" else "is"
    return f"{c.column} {how} a code in the code list '{c.value}'"


def _describe_conditions(conds: Iterable[Condition]) -> str:
    return "; ".join(_describe_condition(c) for c in conds)


def _describe_statistic(s: Statistic) -> str:
    text = "number of records" if s.statistic == "count" else f"sum of {s.column}"
    if s.decimals is not None:
        text += f" (recorded to {s.decimals} decimals, added exactly)"
    if s.divide_by is not None:
        text += f", divided by {_num_text(s.divide_by)}"
    if s.round is not None:
        text += f", rounded to {s.round} decimals"
    if s.where:
        text += " where " + _describe_conditions(s.where)
    return text


def definitions_table(definitions: Iterable[IndicatorDefinition]) -> pd.DataFrame:
    """One row per definition, in plain English, for a report's methods appendix.

    Columns: ``measure_id, source, records, period, numerator, denominator,
    breakdowns, multiplier, standardisation, months, description``.
    """
    rows = []
    for d in definitions:
        if isinstance(d.denominator, TableDenominator):
            den = f"sum of {d.denominator.value} in table '{d.denominator.source}' by month of {d.denominator.period}"
            if d.denominator.where:
                den += " where " + _describe_conditions(d.denominator.where)
        elif isinstance(d.denominator, Statistic):
            den = _describe_statistic(d.denominator) + " (same records)"
        else:
            den = "none"
        parts = []
        for b in d.breakdowns:
            parts.append(f"{b.name} ({b.column} in bands {', '.join(b.labels)})" if b.bands else b.name)
        st = ""
        if d.standardise is not None:
            s = d.standardise
            std = ESP2013_SOURCE if s.standard == "esp2013" else "a custom standard population"
            strata = "age" + ("".join(f" and {b}" for b in s.by))
            st = (f"directly standardised for {strata} to the {std}, age bands {', '.join(s.labels)} "
                  f"(from {s.age}; population column {s.band_column}); {s.confidence:.0%} confidence interval by "
                  f"Dobson's method with {'exact (chi-square)' if s.limits == 'exact' else 'Byar'} Poisson limits")
        months = "the months of the extract"
        if d.first_period is not None or d.last_period is not None:
            months = f"{d.first_period or 'first month'} to {d.last_period or 'last month'}"
        rows.append({
            "measure_id": d.measure_id,
            "source": d.source,
            "records": _describe_conditions(d.where) or "all records",
            "period": f"month of {d.period}",
            "numerator": _describe_statistic(d.numerator),
            "denominator": den,
            "breakdowns": ", ".join(parts) or "none",
            "multiplier": _num_text(d.multiplier),
            "standardisation": st or "none",
            "months": months,
            "description": d.description,
        })
    return pd.DataFrame(rows, columns=["measure_id", "source", "records", "period", "numerator", "denominator",
                                       "breakdowns", "multiplier", "standardisation", "months", "description"])


# --------------------------------------------------------------------------
# Computing: shared helpers
# --------------------------------------------------------------------------


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
        for b in d.standardise.by:
            add(b, "text")
    return used


def _finish_values(units: np.ndarray, stat: Statistic) -> np.ndarray:
    """Units added by an engine -> the statistic's value (decimals, divide_by, round, in that order)."""
    values = np.asarray(units, dtype=float)
    if stat.decimals is not None:
        values = values / 10**stat.decimals
    if stat.divide_by is not None:
        values = values / stat.divide_by
    if stat.round is not None:
        values = np.round(values, stat.round)
    return values


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

    def aggregate(self, defs: Sequence[IndicatorDefinition], info: _SourceInfo, month_map: pd.DataFrame | None,
                  months: tuple[int, int], codes: Mapping) -> list[pd.DataFrame]:
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
        info: _SourceInfo | None = _SourceInfo(name, path, kind, {})
        try:
            if kind == "excel":
                frame = read_table(path, report=self.report, what="record-level table")
                info.excel = frame.map(lambda v: None if v == "" else v)
            elif kind not in ("csv", "parquet"):
                self.report.error("file_type", "cannot read this kind of file as a record-level table", file=path,
                                  expected="a .csv, .xlsx or .parquet file", found=path.suffix)
                self.sources[name] = None
                return None
            info.types = self._describe(info)
        except _read_errors() as exc:
            _source_error(path, exc, self.report)
            info = None
        self.sources[name] = info
        return info

    def find_row(self, info: _SourceInfo, column: str, value: Any) -> int | None:
        """Row number (as a spreadsheet shows it; Parquet: record number) of a value, for messages."""
        try:
            if info.kind == "excel" and info.excel is not None:
                hits = info.excel.index[info.excel[column].astype(str) == str(value)]
                return int(hits[0]) if len(hits) else None
            if info.kind == "csv":
                col = pd.read_csv(info.path, usecols=[column], dtype=str, keep_default_na=False,
                                  encoding="utf-8-sig")[column]
                offset = 2
            else:
                col = pd.read_parquet(info.path, columns=[column])[column].astype(str)
                offset = 1
            hits = np.flatnonzero((col == str(value)).to_numpy())
            return int(hits[0]) + offset if len(hits) else None
        except Exception:  # noqa: BLE001 - a row number is a courtesy; never fail for it
            return None

    def resolve_codes(self, d: IndicatorDefinition, info: _SourceInfo, codes: Mapping[str, tuple[str, ...]]
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

    def month_map(self, d: IndicatorDefinition, info: _SourceInfo
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
            self.report.error("unusable_column", f"the period column holds {kind} values", file=info.path,
                              column=d.period, expected="dates or months", found=kind)
            result, missing = None, 0
        if missing:
            self.report.warning("missing_period", f"{missing} record{'s' if missing > 1 else ''} with no "
                                f"{d.period} are left out of every measure", file=info.path, column=d.period,
                                expected="a date in every record", found=f"{missing} blank")
        self.period_maps[key] = result
        return result

    def _text_month_map(self, info: _SourceInfo, column: str, values: pd.Series
                        ) -> tuple[pd.DataFrame, tuple[int, int] | None] | None:
        text = values.astype(str).reset_index(drop=True)
        parsed = _periods._parse_each(text)
        problems = 0
        for i in np.flatnonzero(parsed.bad):
            problems += 1
            if problems <= 5:
                why = parsed.reason.get(text[i])
                self.report.error("unparseable_period", "unparseable date" + (f" ({why})" if why else ""),
                                  file=info.path, row=self.find_row(info, column, text[i]), column=column,
                                  expected="a date (YYYY-MM-DD or DD/MM/YYYY) or a month (YYYY-MM)", found=text[i])
        if problems > 5:
            self.report.error("unparseable_period", f"{problems - 5} more distinct unreadable dates",
                              file=info.path, column=column)
        ok = ~parsed.bad & ~parsed.missing
        freqs = set(parsed.freq[ok])
        if freqs - {"D", "M"}:
            other = next(iter(freqs - {"D", "M"}))
            i = int(np.argmax(ok & (parsed.freq == other)))
            self.report.error("period_frequency", f"records are dated by {_periods.FREQUENCIES[other]}",
                              file=info.path, row=self.find_row(info, column, text[i]), column=column,
                              expected="a date or a month for each record", found=text[i])
            return None
        if len(freqs) > 1:
            i = int(np.argmax(ok & (parsed.freq == "M")))
            self.report.error("mixed_period_frequency", "records are dated by both days and months",
                              file=info.path, row=self.find_row(info, column, text[i]), column=column,
                              expected="one kind of date throughout", found=text[i])
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
            self.report.error("unusable_column", f"the column holds {kind} values", file=info.path, column=column,
                              expected="numbers", found=kind)
            return
        count, first = self._bad_numbers(info, column)
        if count:
            self.report.error("unparseable_number",
                              "not a number" + (f" ({count} records like this)" if count > 1 else ""),
                              file=info.path, row=self.find_row(info, column, first), column=column,
                              expected="a number", found=first)


def _read_errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean "this file cannot be read as a table" (reported, not raised)."""
    import duckdb
    import pyarrow as pa

    return (duckdb.Error, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError, pa.ArrowException,
            OSError)


def _source_error(path: Path, exc: BaseException, report: ValidationReport) -> None:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    if file_kind(path) == "csv":
        from pss_analysis.inputs.validation import sniff_encoding

        guess = sniff_encoding(path.read_bytes())
        if not guess.utf8:
            report.error("encoding", f"the file is not UTF-8 text: it looks like {guess.label}. Save it as "
                         "'CSV UTF-8'", file=path, expected="UTF-8 text", found=guess.encoding)
            return
    report.error("unreadable_file", f"cannot read the record-level table: {text}", file=path,
                 expected="a readable CSV (UTF-8, comma-separated, header on the first line), Excel or Parquet file")


# --------------------------------------------------------------------------
# DuckDB engine
# --------------------------------------------------------------------------


def _quote(identifier: str) -> str:
    """A quoted SQL identifier: any text is safe as a column name."""
    return '"' + str(identifier).replace('"', '""') + '"'


class _Params:
    """Collects query parameters; values never enter the SQL text."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return "$" + name


_DUCK_NUMBER_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER",
                      "UBIGINT", "UHUGEINT", "FLOAT", "DOUBLE", "REAL", "DECIMAL")


def _duck_kind(type_name: str) -> str:
    t = type_name.upper()
    if t in ("VARCHAR", "TEXT", "STRING") or t.startswith("VARCHAR") or t.startswith("ENUM"):
        return "text"
    if t.startswith(_DUCK_NUMBER_TYPES):
        return "number"
    if t == "DATE" or t.startswith("TIMESTAMP"):
        return "date"
    if t == "BOOLEAN":
        return "bool"
    return "other"


class _DuckEngine(_Engine):
    name = "duckdb"

    def __init__(self, files: Mapping[str, Path], report: ValidationReport) -> None:
        super().__init__(files, report)
        import duckdb

        self.duckdb = duckdb
        self.con = duckdb.connect(":memory:")
        self._registered = 0

    def close(self) -> None:
        self.con.close()

    def _from(self, info: _SourceInfo, p: _Params) -> str:
        if info.kind == "parquet":
            return f"read_parquet({p(str(info.path))})"
        if info.kind == "csv":
            # Every field as text, header on line 1, comma-separated: the same reading as the pandas engine.
            return (f"read_csv({p(str(info.path))}, header = true, all_varchar = true, delim = ',', "
                    "quote = '\"', skip = 0)")
        if info.view is None:
            self._registered += 1
            info.view = f"__excel_{self._registered}"
            self.con.register(info.view, info.excel)
        return _quote(info.view)

    def _describe(self, info: _SourceInfo) -> dict[str, str]:
        p = _Params()
        rows = self.con.execute(f"DESCRIBE SELECT * FROM {self._from(info, p)}", p.values).fetchall()
        return {str(r[0]): _duck_kind(str(r[1])) for r in rows}

    def _distinct(self, info: _SourceInfo, column: str) -> tuple[pd.Series, int]:
        p = _Params()
        c = _quote(column)
        src = self._from(info, p)
        values = self.con.execute(f"SELECT DISTINCT CAST({c} AS VARCHAR) AS v FROM {src} WHERE {c} IS NOT NULL",
                                  p.values).df()["v"]
        p = _Params()
        missing = self.con.execute(f"SELECT count(*) FROM {self._from(info, p)} WHERE {c} IS NULL",
                                   p.values).fetchall()[0][0]
        return values.astype(object), int(missing)

    def _date_range(self, info: _SourceInfo, column: str) -> tuple[Any, Any, int]:
        p = _Params()
        c = _quote(column)
        low, high, missing = self.con.execute(
            f"SELECT min({c}), max({c}), count(*) - count({c}) FROM {self._from(info, p)}", p.values).fetchall()[0]
        return low, high, int(missing)

    def _bad_numbers(self, info: _SourceInfo, column: str) -> tuple[int, Any]:
        p = _Params()
        c = _quote(column)
        count, first = self.con.execute(
            f"SELECT count(*), min({c}) FROM {self._from(info, p)} "
            f"WHERE {c} IS NOT NULL AND TRY_CAST({c} AS DOUBLE) IS NULL", p.values).fetchall()[0]
        return int(count), first

    # expressions ---------------------------------------------------------
    @staticmethod
    def _text(info: _SourceInfo, column: str) -> str:
        c = "r." + _quote(column)
        return c if info.types[column] == "text" else f"CAST({c} AS VARCHAR)"

    @staticmethod
    def _number(info: _SourceInfo, column: str) -> str:
        c = "r." + _quote(column)
        return f"CAST({c} AS DOUBLE)" if info.types[column] == "number" else f"TRY_CAST({c} AS DOUBLE)"

    def _condition(self, c: Condition, info: _SourceInfo, p: _Params, codes: Mapping[str, tuple[str, ...]]) -> str:
        if c.op in ("equals", "in") and not c.numeric:
            x = self._text(info, c.column)
            if c.op == "equals":
                return f"({x} = {p(c.value)})"
            return f"list_contains({p(list(c.value))}::VARCHAR[], {x})"
        if c.op in ("equals", "in", "min", "max", "between"):
            x = self._number(info, c.column)
            if c.op == "equals":
                return f"({x} = {p(c.value)}::DOUBLE)"
            if c.op == "in":
                return f"list_contains({p([float(v) for v in c.value])}::DOUBLE[], {x})"
            if c.op == "min":
                return f"({x} >= {p(c.value)}::DOUBLE)"
            if c.op == "max":
                return f"({x} <= {p(c.value)}::DOUBLE)"
            return f"({x} BETWEEN {p(c.value[0])}::DOUBLE AND {p(c.value[1])}::DOUBLE)"
        matching = codes[c]  # the record values whose code matches (see _Engine.resolve_codes)
        if not matching:
            return "FALSE"
        return f"list_contains({p(list(matching))}::VARCHAR[], {self._text(info, c.column)})"

    def _all(self, conds: Iterable[Condition], info: _SourceInfo, p: _Params, codes: Mapping) -> str:
        parts = [self._condition(c, info, p, codes) for c in conds]
        return " AND ".join(parts) if parts else "TRUE"

    def _bands(self, info: _SourceInfo, column: str, bands: Sequence[float], p: _Params) -> str:
        x = self._number(info, column)
        labels = band_labels(bands)
        whens = " ".join(f"WHEN {x} >= {p(float(b))}::DOUBLE THEN {p(lab)}"
                         for b, lab in reversed(list(zip(bands, labels, strict=True))))
        return f"(CASE {whens} ELSE NULL END)"

    def _stat(self, s: Statistic, info: _SourceInfo, p: _Params, codes: Mapping) -> tuple[str, str | None]:
        cond = self._all(s.where, info, p, codes)
        filt = "" if cond == "TRUE" else f" FILTER (WHERE {cond})"
        if s.statistic == "count":
            return f"COUNT(*){filt}", None
        x = self._number(info, s.column)
        units = x if s.decimals is None else f"CAST(floor({x} * {10 ** s.decimals} + 0.5) AS BIGINT)"
        total = f"SUM({units}){filt}"
        if s.decimals is not None:
            total = f"CAST({total} AS BIGINT)"
        nulls = f"COUNT(*) FILTER (WHERE {cond} AND {x} IS NULL)"
        return total, nulls

    def aggregate(self, defs: Sequence[IndicatorDefinition], info: _SourceInfo, month_map: pd.DataFrame | None,
                  months: tuple[int, int], codes: Mapping) -> list[pd.DataFrame]:
        d = defs[0]  # the definitions share source, period, conditions, breakdowns and strata
        p = _Params()
        src = self._from(info, p)
        join = ""
        if month_map is None:
            c = "r." + _quote(d.period)
            month = f"((year({c}) - 1970) * 12 + month({c}) - 1)"
        else:
            self._registered += 1
            view = f"__months_{self._registered}"
            self.con.register(view, month_map)
            join = f" JOIN {_quote(view)} AS pm ON {self._text(info, d.period)} = pm.value"
            month = "pm.ordinal"
        keys = [f"{month} AS __month"]
        for b in d.breakdowns:
            expr = self._bands(info, b.column, b.bands, p) if b.bands else self._text(info, b.column)
            keys.append(f"{expr} AS {_quote(b.name)}")
        if d.standardise is not None:
            st = d.standardise
            keys.append(f"{self._bands(info, st.age, st.bands, p)} AS __band")
            for k, b in enumerate(st.by):
                keys.append(f"{self._text(info, b)} AS {_quote('__by_' + str(k))}")
        aggs, names = [], []
        for i, di in enumerate(defs):
            mine = {}
            stats = [("__num", di.numerator)] + ([("__den", di.denominator)]
                                                 if isinstance(di.denominator, Statistic) else [])
            for prefix, stat in stats:
                total, nulls = self._stat(stat, info, p, codes)
                aggs.append(f"{total} AS {prefix}_{i}")
                mine[f"{prefix}_{i}"] = prefix
                if nulls:
                    aggs.append(f"{nulls} AS {prefix}_nulls_{i}")
                    mine[f"{prefix}_nulls_{i}"] = f"{prefix}_nulls"
            names.append(mine)
        where = self._all(d.where, info, p, codes)
        sql = (f"SELECT {', '.join(keys)}, {', '.join(aggs)} FROM {src} AS r{join} "
               f"WHERE ({where}) AND {month} BETWEEN {p(months[0])} AND {p(months[1])} "
               f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}")
        frame = self.con.execute(sql, p.values).df()
        if month_map is not None:
            self.con.unregister(view)
        key_cols = list(frame.columns[:len(keys)])
        return [frame[key_cols + list(mine)].rename(columns=mine) for mine in names]


# --------------------------------------------------------------------------
# pandas engine
# --------------------------------------------------------------------------


def _arrow_kind(t: Any) -> str:
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _: False)(t):
        return "text"
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return "date"
    if pa.types.is_boolean(t):
        return "bool"
    return "other"


def _mask(c: Condition, text_of: Any, number_of: Any, codes: Mapping[str, tuple[str, ...]]) -> np.ndarray:
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


class _PandasEngine(_Engine):
    name = "pandas"

    def __init__(self, files: Mapping[str, Path], report: ValidationReport, needed: Mapping[str, set[str]]) -> None:
        super().__init__(files, report)
        self.needed = needed
        self.frames: dict[str, pd.DataFrame] = {}

    def _describe(self, info: _SourceInfo) -> dict[str, str]:
        if info.kind == "excel":
            return {str(c): "text" for c in info.excel.columns}
        if info.kind == "csv":
            header = pd.read_csv(info.path, nrows=0, encoding="utf-8-sig")
            return {str(c): "text" for c in header.columns}
        import pyarrow.parquet as pq

        schema = pq.read_schema(info.path)
        return {name: _arrow_kind(schema.field(name).type) for name in schema.names}

    def frame(self, info: _SourceInfo) -> pd.DataFrame:
        if info.name in self.frames:
            return self.frames[info.name]
        columns = [c for c in info.types if c in self.needed.get(info.name, set())]
        if info.kind == "excel":
            frame = info.excel[columns].reset_index(drop=True)
        elif info.kind == "csv":
            frame = pd.read_csv(info.path, usecols=columns, dtype=str, keep_default_na=False, na_values=[""],
                                encoding="utf-8-sig")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            def mapper(t: Any) -> Any:
                return pd.Int64Dtype() if pa.types.is_integer(t) else None

            frame = pq.read_table(info.path, columns=columns).to_pandas(types_mapper=mapper, date_as_object=False)
        self.frames[info.name] = frame
        return frame

    def _text_of(self, info: _SourceInfo, frame: pd.DataFrame):  # noqa: ANN202 - closure
        cache: dict[str, pd.Series] = {}

        def text_of(column: str) -> pd.Series:
            if column not in cache:
                s = frame[column]
                kind = info.types[column]
                if kind == "bool":
                    s = s.map({True: "true", False: "false"})
                elif kind == "number":
                    s = s.astype("string")
                cache[column] = s  # text (or categorical) with missing values; compared as is
            return cache[column]

        return text_of

    def _number_of(self, info: _SourceInfo, frame: pd.DataFrame):  # noqa: ANN202 - closure
        cache: dict[str, np.ndarray] = {}

        def number_of(column: str) -> np.ndarray:
            if column not in cache:
                s = frame[column]
                if info.types[column] == "number":
                    cache[column] = s.to_numpy(dtype=float, na_value=np.nan)
                else:
                    cache[column] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            return cache[column]

        return number_of

    def _distinct(self, info: _SourceInfo, column: str) -> tuple[pd.Series, int]:
        s = self._text_of(info, self.frame(info))(column)
        present = s[s.notna()]
        return pd.Series(present.unique(), dtype=object), int(len(s) - len(present))

    def _date_range(self, info: _SourceInfo, column: str) -> tuple[Any, Any, int]:
        s = self.frame(info)[column]
        return s.min(), s.max(), int(s.isna().sum())

    def _bad_numbers(self, info: _SourceInfo, column: str) -> tuple[int, Any]:
        s = self.frame(info)[column]
        bad = s.notna() & pd.to_numeric(s, errors="coerce").isna()
        return int(bad.sum()), (s[bad].min() if bad.any() else None)

    def aggregate(self, defs: Sequence[IndicatorDefinition], info: _SourceInfo, month_map: pd.DataFrame | None,
                  months: tuple[int, int], codes: Mapping) -> list[pd.DataFrame]:
        d = defs[0]  # the definitions share source, period, conditions, breakdowns and strata
        frame = self.frame(info)
        n = len(frame)
        text_of, number_of = self._text_of(info, frame), self._number_of(info, frame)
        if month_map is None:
            s = frame[d.period]
            ok = s.notna().to_numpy()
            month = np.where(ok, (s.dt.year.fillna(1970).to_numpy(dtype=np.int64) - 1970) * 12
                             + s.dt.month.fillna(1).to_numpy(dtype=np.int64) - 1, 0)
        else:
            pos = pd.Index(month_map["value"]).get_indexer(text_of(d.period))
            ok = pos >= 0
            month = np.where(ok, month_map["ordinal"].to_numpy()[np.maximum(pos, 0)], 0)
        keep = ok & (month >= months[0]) & (month <= months[1])
        keep &= _mask_all(d.where, n, text_of, number_of, codes)
        columns: dict[str, Any] = {"__month": month[keep]}
        for b in d.breakdowns:
            if b.bands:
                labels = np.array([*b.labels, None], dtype=object)
                columns[b.name] = labels[_band_index(number_of(b.column)[keep], b.bands)]
            else:
                columns[b.name] = text_of(b.column)[keep].to_numpy()
        if d.standardise is not None:
            st = d.standardise
            labels = np.array([*st.labels, None], dtype=object)
            columns["__band"] = labels[_band_index(number_of(st.age)[keep], st.bands)]
            for k, b in enumerate(st.by):
                columns[f"__by_{k}"] = text_of(b)[keep].to_numpy()
        keys = list(columns)
        mine: list[dict[str, str]] = []

        def stat(s: Statistic, name: str) -> None:
            cond = _mask_all(s.where, n, text_of, number_of, codes)[keep] if s.where else np.ones(
                int(keep.sum()), dtype=bool)
            if s.statistic == "count":
                columns[name] = cond.astype(np.int64)
                return
            x = number_of(s.column)[keep]
            present = ~np.isnan(x)
            if s.decimals is not None:
                units = np.floor(np.where(present, x, 0.0) * 10**s.decimals + 0.5).astype(np.int64)
                columns[name] = np.where(cond & present, units, 0)
            else:
                columns[name] = np.where(cond & present, x, 0.0)
            columns[f"{name}_nulls"] = (cond & ~present).astype(np.int64)

        for i, di in enumerate(defs):
            names = {}
            stats = [("__num", di.numerator)] + ([("__den", di.denominator)]
                                                 if isinstance(di.denominator, Statistic) else [])
            for prefix, st_ in stats:
                stat(st_, f"{prefix}{i}")
                names[f"{prefix}{i}"] = prefix
                if f"{prefix}{i}_nulls" in columns:
                    names[f"{prefix}{i}_nulls"] = f"{prefix}_nulls"
            mine.append(names)
        table = pd.DataFrame(columns)
        grouped = table.groupby(keys, dropna=False, sort=False).sum().reset_index()
        return [grouped[keys + list(names)].rename(columns=names) for names in mine]


# --------------------------------------------------------------------------
# Denominator tables and the finishing step (shared by both engines)
# --------------------------------------------------------------------------


class _Tables:
    """Population tables read once (text), by name."""

    def __init__(self, files: Mapping[str, Path], report: ValidationReport) -> None:
        self.files, self.report = files, report
        self.frames: dict[str, pd.DataFrame] = {}

    def read(self, name: str, expected: Sequence[str]) -> pd.DataFrame:
        if name not in self.frames:
            self.frames[name] = read_table(self.files[name], expected=expected, report=self.report,
                                           what="denominator table")
        return self.frames[name]


def _population(d: IndicatorDefinition, tables: _Tables, codes: Mapping, report: ValidationReport,
                months: tuple[int, int]) -> pd.DataFrame | None:
    """The denominator table summed by month, breakdowns (and strata): ``__month, ..., __pop``."""
    den = d.denominator
    assert isinstance(den, TableDenominator)
    path = tables.files[den.source]
    group_cols = [b.name for b in d.breakdowns]
    strata_cols: list[str] = []
    if d.standardise is not None:
        strata_cols = [d.standardise.band_column, *d.standardise.by]
    needed = list(dict.fromkeys([den.period, den.value, *group_cols, *strata_cols, *(c.column for c in den.where)]))
    frame = tables.read(den.source, needed)
    bad_before = len(report.errors)
    if not require_columns(frame, needed, path, report):
        for c in needed:
            if c not in frame.columns and c in group_cols:
                report.error("missing_column", f"measure '{d.measure_id}': the denominator table has no column "
                             f"for the breakdown '{c}'", file=path, column=c,
                             expected=f"a column '{c}' with the same groups as the records")
        return None
    values = parse_numbers(frame, den.value, path, report, required=True)
    for row in values.index[values < 0]:
        report.error("negative_count", "a population cannot be negative", file=path, row=row, column=den.value,
                     expected="zero or more", found=values[row])
    periods = parse_period_column(frame, den.period, path, report, freq=None)
    others = [c for c in frame.columns if c not in (den.value,)]
    from pss_analysis.inputs.validation import check_duplicates

    check_duplicates(frame.assign(**{den.period: periods}), others, path, report, column=den.period)
    if len(report.errors) > bad_before or periods.isna().all():
        return None
    freq = _periods.frequency_of(periods)
    if freq == "D":
        report.error("period_frequency", "a denominator table cannot be by day", file=path, column=den.period,
                     expected="months, quarters or financial years", found="days")
        return None

    def text_of(column: str) -> pd.Series:
        s = frame[column]
        return s.where(s != "", None).astype(object)

    def number_of(column: str) -> np.ndarray:
        return pd.to_numeric(text_of(column), errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    keep = _mask_all(den.where, len(frame), text_of, number_of, codes) & periods.notna().to_numpy()
    sub = frame[keep]
    per = periods[keep]
    # Spread quarters and financial years over their months (each month gets the period's value).
    first = per.dt.asfreq("M", how="start").array.asi8 if freq != "M" else per.array.asi8
    last = per.dt.asfreq("M", how="end").array.asi8 if freq != "M" else per.array.asi8
    span = (last - first + 1).astype(np.int64)
    rep = np.repeat(np.arange(len(sub)), span)
    offsets = np.arange(len(rep)) - np.repeat(np.cumsum(span) - span, span)
    out = pd.DataFrame({"__month": first[rep] + offsets})
    for c in group_cols:
        out[c] = _key_column(text_of(c).iloc[rep].reset_index(drop=True))
    if d.standardise is not None:
        out["__band"] = _key_column(text_of(d.standardise.band_column).iloc[rep].reset_index(drop=True))
        for k, b in enumerate(d.standardise.by):
            out[f"__by_{k}"] = _key_column(text_of(b).iloc[rep].reset_index(drop=True))
        labels = set(d.standardise.labels)
        unknown = sorted({v for v in out["__band"] if v not in labels}, key=str)
        for v in unknown:
            row = sub.index[text_of(d.standardise.band_column).loc[sub.index] == v]
            report.error("unknown_value", f"measure '{d.measure_id}': age band not among the standardisation bands "
                         "(exclude other ages with denominator.where)", file=path,
                         row=row[0] if len(row) else None, column=d.standardise.band_column,
                         expected="one of " + ", ".join(d.standardise.labels), found=v)
        if unknown:
            return None
    out["__pop"] = values[keep].to_numpy()[rep]
    out = out[(out["__month"] >= months[0]) & (out["__month"] <= months[1])]
    keys = [c for c in out.columns if c != "__pop"]
    return out.groupby(keys, dropna=False, sort=False)["__pop"].sum().reset_index()


def _ordered(values: Iterable[Any], first: Sequence[str] = ()) -> list[Any]:
    """Group values in a fixed order, whatever the engine: ``first`` (band labels), then sorted, blank last."""
    seen = set(values)
    rest = sorted((v for v in seen if v is not None and v not in first), key=str)
    return [*first, *rest, *([None] if None in seen else [])]


def _grid(d: IndicatorDefinition, agg: pd.DataFrame, pop: pd.DataFrame | None, months: tuple[int, int]
          ) -> pd.DataFrame:
    """Every breakdown group x every month the definition reports, in output order.

    Groups: those of the denominator table (in its order) then any others
    counted; without a table, every combination of the values counted (all
    bands of a banded breakdown).
    """
    month_values = pd.DataFrame({"__month": np.arange(months[0], months[1] + 1, dtype=np.int64)})
    group_cols = [b.name for b in d.breakdowns]
    if not group_cols:
        return month_values
    if pop is not None:
        listed = pop[group_cols].drop_duplicates()
        extra = agg[group_cols].drop_duplicates().merge(listed, how="left", indicator=True)
        extra = extra[extra["_merge"] == "left_only"][group_cols]
        extra = extra.sort_values(group_cols, key=lambda s: s.map(lambda v: (v is None, str(v))))
        combos = pd.concat([listed, extra], ignore_index=True)
    else:
        combos = None
        for b in d.breakdowns:
            values = pd.DataFrame({b.name: pd.Series(_ordered(agg[b.name].tolist(), b.labels) or [None],
                                                     dtype=object)})
            combos = values if combos is None else combos.merge(values, how="cross")
    return combos.reset_index(drop=True).merge(month_values, how="cross")


def _finish(d: IndicatorDefinition, agg: pd.DataFrame, pop: pd.DataFrame | None, months: tuple[int, int],
            report: ValidationReport, source_path: Path, den_path: Path | None) -> pd.DataFrame:
    """Zero-filled numerators, denominators and standardised rates on the output grid."""
    group_cols = [b.name for b in d.breakdowns]
    keys = ["__month", *group_cols]
    agg = agg.copy()
    for c in agg.columns:
        if c not in ("__month",) and not c.startswith(("__num", "__den")):
            agg[c] = _key_column(agg[c])
    if len(agg):
        agg["__month"] = agg["__month"].astype(np.int64)
    for col, stat in (("__num", d.numerator), ("__den", d.denominator)):
        if isinstance(stat, Statistic) and f"{col}_nulls" in agg and agg[f"{col}_nulls"].sum() > 0:
            k = int(agg[f"{col}_nulls"].sum())
            report.warning("missing_value", f"measure '{d.measure_id}': {k} counted record{'s' if k > 1 else ''} "
                           f"with no {stat.column} (added as nothing)", file=source_path, column=stat.column,
                           expected="a number in every counted record", found=f"{k} blank")
    grid = _grid(d, agg, pop, months)

    def summed(frame: pd.DataFrame, value: str) -> pd.DataFrame:
        if frame.empty:
            return pd.DataFrame({**{k: pd.Series([], dtype=object) for k in keys}, value: []}).astype(
                {"__month": np.int64})
        return frame.groupby(keys, dropna=False, sort=False)[value].sum().reset_index()

    out = grid.merge(summed(agg, "__num") if len(agg) else summed(pd.DataFrame(columns=[*keys, "__num"]), "__num"),
                     on=keys, how="left")
    out["__num"] = out["__num"].fillna(0)
    out["numerator"] = _finish_values(out["__num"].to_numpy(), d.numerator)
    if isinstance(d.denominator, Statistic):
        den = summed(agg, "__den") if len(agg) else summed(pd.DataFrame(columns=[*keys, "__den"]), "__den")
        out = out.merge(den, on=keys, how="left")
        out["denominator"] = _finish_values(out["__den"].fillna(0).to_numpy(), d.denominator)
    elif pop is not None:
        out = out.merge(summed(pop, "__pop"), on=keys, how="left")
        out["denominator"] = out["__pop"].astype(float)
        gone = out[out["denominator"].isna()]
        if len(gone):
            for combo, rows in gone.groupby(group_cols, dropna=False, sort=False) if group_cols else [((), gone)]:
                combo = combo if isinstance(combo, tuple) else (combo,)
                who = "".join(f", {c} {v if v is not None else '(blank)'}" for c, v in zip(group_cols, combo,
                                                                                          strict=True))
                first, last = (pd.Period(ordinal=int(x), freq="M") for x in (rows["__month"].min(),
                                                                             rows["__month"].max()))
                report.error("missing_denominator", f"measure '{d.measure_id}': no population for {len(rows)} "
                             f"month{'s' if len(rows) > 1 else ''} ({first} to {last}{who})", file=den_path,
                             column=d.denominator.value, expected="a population for every month and group counted",
                             found="no rows")
    else:
        out["denominator"] = np.nan
    out["standardised_rate"] = np.nan
    out["standardised_ci_lower"] = np.nan
    out["standardised_ci_upper"] = np.nan
    if d.standardise is not None and pop is not None:
        _standardise(d, agg, pop, out, report, den_path)
    return out


def _standardise(d: IndicatorDefinition, agg: pd.DataFrame, pop: pd.DataFrame, out: pd.DataFrame,
                 report: ValidationReport, den_path: Path | None) -> None:
    st = d.standardise
    assert st is not None
    group_cols = [b.name for b in d.breakdowns]
    keys = ["__month", *group_cols]
    strata = ["__band", *(f"__by_{k}" for k in range(len(st.by)))]
    events = agg.groupby(keys + strata, dropna=False, sort=False)["__num"].sum().reset_index() if len(agg) else \
        pd.DataFrame(columns=[*keys, *strata, "__num"])
    people = pop.groupby(keys + strata, dropna=False, sort=False)["__pop"].sum().reset_index()
    merged = people.merge(events, on=keys + strata, how="outer")
    merged = merged.merge(out[keys], on=keys, how="inner")
    merged["__num"] = merged["__num"].fillna(0).astype(float)
    no_band = merged["__band"].isna() & (merged["__num"] > 0)
    if no_band.any():
        k = int(merged.loc[no_band, "__num"].sum())
        report.error("standardisation", f"measure '{d.measure_id}': {k} counted records have an age outside the "
                     f"bands {', '.join(st.labels)} or no age (add a condition on {st.age})", column=st.age,
                     expected=f"ages of {st.labels[0]} and over", found=f"{k} records")
    merged = merged[merged["__band"].notna()]
    lacking = merged["__pop"].isna() | ((merged["__pop"] <= 0) & (merged["__num"] > 0))
    if lacking.any():
        row = merged[lacking].iloc[0]
        report.error("missing_denominator", f"measure '{d.measure_id}': {int(lacking.sum())} strata have events but "
                     f"no population (first: {pd.Period(ordinal=int(row['__month']), freq='M')}, band {row['__band']})",
                     file=den_path, column=st.band_column, expected="a population above zero for every stratum",
                     found="none")
        return
    # Every group must have every band (for every 'by' value) in the population table.
    per_group = merged.groupby(keys + strata[1:], dropna=False, sort=False)["__band"].nunique()
    if (per_group < len(st.labels)).any():
        report.error("missing_denominator", f"measure '{d.measure_id}': the population table lacks some age bands "
                     f"for {int((per_group < len(st.labels)).sum())} month/group combinations", file=den_path,
                     column=st.band_column, expected="every band: " + ", ".join(st.labels), found="fewer bands")
        return
    weight = merged["__band"].map(st.weight_of()).astype(float).to_numpy()
    dd = merged["__num"].to_numpy(dtype=float)
    nn = merged["__pop"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        merged["__wr"] = np.where(nn > 0, weight * dd / nn, 0.0)
        merged["__w2r"] = np.where(nn > 0, weight**2 * dd / nn**2, 0.0)
    merged["__w"] = weight
    sums = merged.groupby(keys, dropna=False, sort=False)[["__wr", "__w2r", "__w", "__num"]].sum().reset_index()
    rate, _, lower, upper = _dsr_arrays(sums["__wr"].to_numpy(), sums["__w2r"].to_numpy(), sums["__w"].to_numpy(),
                                        sums["__num"].to_numpy(), d.multiplier, st.confidence, st.limits)
    sums["standardised_rate"], sums["standardised_ci_lower"], sums["standardised_ci_upper"] = rate, lower, upper
    located = out[keys].merge(sums, on=keys, how="left")
    for c in ("standardised_rate", "standardised_ci_lower", "standardised_ci_upper"):
        out[c] = located[c].to_numpy()
    few = int((sums["__num"] < DSR_MIN_EVENTS).sum())
    if few:
        report.warning("small_count", f"measure '{d.measure_id}': {few} of {len(sums)} standardised rates rest on "
                       f"fewer than {DSR_MIN_EVENTS} events (unreliable; not usually published)",
                       expected=f"at least {DSR_MIN_EVENTS} events", found=f"{few} rates")


# --------------------------------------------------------------------------
# The entry points
# --------------------------------------------------------------------------


def _as_definitions(definitions: Any) -> list[IndicatorDefinition]:
    if isinstance(definitions, IndicatorDefinition):
        return [definitions]
    if isinstance(definitions, Mapping):
        return parse_definitions(definitions)
    return [d if isinstance(d, IndicatorDefinition) else parse_definition(d[1], measure_id=d[0])
            for d in definitions]


def _load_code_lists(defs: Sequence[IndicatorDefinition], files: Mapping[str, Path], report: ValidationReport
                     ) -> dict[str, tuple[str, ...]]:
    codes: dict[str, tuple[str, ...]] = {}
    for name in dict.fromkeys(n for d in defs for n in d.code_lists):
        if name not in files:
            continue
        frame = read_table(files[name], expected=["code"], report=report, what="code list")
        if not require_columns(frame, ["code"], files[name], report):
            continue
        values = _normalise_codes(frame["code"].astype(str).str.strip())
        for row in values.index[values == ""]:
            report.warning("missing_value", "blank code ignored", file=files[name], row=row, column="code")
        codes[name] = tuple(dict.fromkeys(v for v in values if v))
    return codes


def compute_indicators_checked(definitions: Any, files: Mapping[str, str | Path], *, engine: str = "duckdb"
                               ) -> tuple[pd.DataFrame, ValidationReport]:
    """Compute indicator definitions from record-level files; returns the table and the report.

    ``definitions``: :class:`IndicatorDefinition` objects, or a mapping of
    measure id to ``indicator:`` mapping. ``files``: the parameter file's
    ``data.files`` (name -> path). ``engine``: ``duckdb`` (reads CSV and
    Parquet in place, so tens of millions of records are aggregated without
    loading them into pandas) or ``pandas`` (the same semantics, in memory).

    The table has one row per measure, month and breakdown group:
    ``measure_id, period`` (monthly Period), the breakdown columns (text; NA
    where a measure has no such breakdown), ``numerator, denominator``
    (floats; denominator NaN when the definition has none),
    ``standardised_rate, standardised_ci_lower, standardised_ci_upper``
    (per ``multiplier``; NaN unless standardised), sorted by definition
    order, breakdowns and month. Raises
    :class:`~pss_analysis.errors.DataValidationError` listing every error.
    """
    if engine not in ENGINES:
        raise ParameterError("unknown engine", key="engine", expected="one of " + ", ".join(ENGINES), found=engine)
    defs = _as_definitions(definitions)
    paths = {str(k): Path(v) for k, v in files.items()}
    report = ValidationReport()
    for d in defs:
        for name in d.files_used:
            if name not in paths:
                report.error("unknown_file", f"measure '{d.measure_id}': '{name}' is not a name in data.files",
                             expected="one of " + (", ".join(paths) or "(no files listed)"), found=name)
            elif not paths[name].is_file():
                report.error("missing_file", f"measure '{d.measure_id}': the file named '{name}' does not exist",
                             file=paths[name])
    codes = _load_code_lists(defs, paths, report)
    report.raise_if_errors()

    needed: dict[str, set[str]] = {}
    for d in defs:
        needed.setdefault(d.source, set()).update(_columns_used(d))
    runner: _Engine = _DuckEngine(paths, report) if engine == "duckdb" else _PandasEngine(paths, report, needed)
    tables = _Tables(paths, report)
    finished: dict[str, pd.DataFrame] = {}
    try:
        # 1. check each definition against its source; read its denominator table
        ready: dict[tuple, list[tuple[IndicatorDefinition, pd.DataFrame | None]]] = {}
        shared: dict[tuple, tuple[_SourceInfo, pd.DataFrame | None, tuple[int, int], dict]] = {}
        unreadable: set[str] = set()
        for d in defs:
            if d.source in unreadable:
                continue
            try:
                item = _prepare(d, runner, tables, codes, report)
            except _read_errors() as exc:
                _source_error(paths[d.source], exc, report)
                unreadable.add(d.source)
                continue
            if item is None:
                continue
            info, month_map, months, pop, resolved = item
            st = d.standardise
            key = (d.source, d.period, d.where, d.breakdowns,
                   None if st is None else (st.age, st.bands, st.by), months)
            ready.setdefault(key, []).append((d, pop))
            merged = shared.get(key, (info, month_map, months, {}))[3]
            merged.update(resolved)
            shared[key] = (info, month_map, months, merged)
        # 2. one scan of the records per group of definitions that share conditions and groups
        for key, items in ready.items():
            info, month_map, months, resolved = shared[key]
            if info.name in unreadable:
                continue
            try:
                aggs = runner.aggregate([d for d, _ in items], info, month_map, months, resolved)
            except _read_errors() as exc:
                _source_error(info.path, exc, report)
                unreadable.add(info.name)
                continue
            for (d, pop), agg in zip(items, aggs, strict=True):
                den_path = paths[d.denominator.source] if isinstance(d.denominator, TableDenominator) else None
                out = _finish(d, agg, pop, months, report, info.path, den_path)
                out.insert(0, "measure_id", d.measure_id)
                finished[d.measure_id] = out
    finally:
        runner.close()
    report.raise_if_errors()
    return _assemble(defs, [finished[d.measure_id] for d in defs if d.measure_id in finished]), report


def _prepare(d: IndicatorDefinition, runner: _Engine, tables: _Tables, codes: Mapping[str, tuple[str, ...]],
             report: ValidationReport) -> tuple | None:
    """Check a definition against its source; (source, month map, months, population, codes) or None."""
    info = runner.source(d.source)
    if info is None:
        return None
    used = _columns_used(d)
    missing = [c for c in used if c not in info.types]
    for c in missing:
        report.error("missing_column", f"measure '{d.measure_id}': missing column", file=info.path, column=c,
                     expected="columns " + ", ".join(used), found=", ".join(info.types))
    if missing:
        return None
    errors_before = len(report.errors)
    for c, how in used.items():
        if how == "number":
            runner.check_numbers(info, c)
        elif how == "text" and info.types[c] == "date":
            report.error("unusable_column", f"measure '{d.measure_id}': the column holds dates; compare "
                         "dates with first_period/last_period", file=info.path, column=c,
                         expected="text or numbers", found="dates")
    mapped = runner.month_map(d, info)
    if mapped is None or len(report.errors) > errors_before:
        return None
    month_map, coverage = mapped
    low = d.first_period.ordinal if d.first_period is not None else (coverage[0] if coverage else None)
    high = d.last_period.ordinal if d.last_period is not None else (coverage[1] if coverage else None)
    if low is None or high is None:
        report.warning("no_records", f"measure '{d.measure_id}': the extract has no dated records",
                       file=info.path, column=d.period)
        return None
    pop = None
    if isinstance(d.denominator, TableDenominator):
        pop = _population(d, tables, codes, report, (low, high))
        if pop is None:
            return None
    return info, month_map, (low, high), pop, runner.resolve_codes(d, info, codes)


def _assemble(defs: Sequence[IndicatorDefinition], results: list[pd.DataFrame]) -> pd.DataFrame:
    group_cols = list(dict.fromkeys(b.name for d in defs for b in d.breakdowns))
    columns = ["measure_id", "period", *group_cols, *RESULT_COLUMNS[2:]]
    if not results:
        frame = pd.DataFrame({c: [] for c in columns})
        frame["period"] = pd.PeriodIndex([], freq="M")
        return frame
    frame = pd.concat(results, ignore_index=True)
    for c in group_cols:
        if c not in frame:
            frame[c] = None
    # Rows are already in output order: definitions in order, each by group then month (see _grid).
    frame["period"] = pd.PeriodIndex.from_ordinals(frame["__month"].to_numpy(dtype=np.int64), freq="M")
    for c in group_cols:
        frame[c] = frame[c].astype("str").where(frame[c].notna(), np.nan) if len(frame) else frame[c]
    for c in RESULT_COLUMNS[2:]:
        frame[c] = frame[c].astype(float)
    return frame[columns]


def compute_indicators(definitions: Any, files: Mapping[str, str | Path], *, engine: str = "duckdb") -> pd.DataFrame:
    """:func:`compute_indicators_checked` without the report (warnings are issued as PssWarning)."""
    import warnings

    from pss_analysis.errors import PssWarning

    frame, report = compute_indicators_checked(definitions, files, engine=engine)
    for problem in report.warnings:
        warnings.warn(str(problem), PssWarning, stacklevel=2)
    return frame
