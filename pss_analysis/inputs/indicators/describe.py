"""Indicator definitions in plain English, for a report's methods appendix (:func:`definitions_table`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from pss_analysis.inputs.indicators.definitions import Condition, IndicatorDefinition, Statistic, TableDenominator
from pss_analysis.inputs.indicators.standardisation import ESP2013_SOURCE, _num_text

__all__ = ["definitions_table"]


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
            st = (
                f"directly standardised for {strata} to the {std}, age bands {', '.join(s.labels)} "
                f"(from {s.age}; population column {s.band_column}); {s.confidence:.0%} confidence interval by "
                f"Dobson's method with {'exact (chi-square)' if s.limits == 'exact' else 'Byar'} Poisson limits"
            )
        months = "the months of the extract"
        if d.first_period is not None or d.last_period is not None:
            months = f"{d.first_period or 'first month'} to {d.last_period or 'last month'}"
        rows.append(
            {
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
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "measure_id",
            "source",
            "records",
            "period",
            "numerator",
            "denominator",
            "breakdowns",
            "multiplier",
            "standardisation",
            "months",
            "description",
        ],
    )
