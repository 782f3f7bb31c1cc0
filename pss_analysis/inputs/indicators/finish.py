"""The finishing step shared by both engines: the output grid, zero-filled values and standardised rates."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.inputs.indicators.definitions import IndicatorDefinition, Statistic, TableDenominator
from pss_analysis.inputs.indicators.engine import _key_column
from pss_analysis.inputs.indicators.standardisation import DSR_MIN_EVENTS, _dsr_arrays
from pss_analysis.inputs.validation import (
    ValidationReport,
)

__all__: list[str] = []  # the names here are used only inside the package


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


def _ordered(values: Iterable[Any], first: Sequence[str] = ()) -> list[Any]:
    """Group values in a fixed order, whatever the engine: ``first`` (band labels), then sorted, blank last."""
    seen = set(values)
    rest = sorted((v for v in seen if v is not None and v not in first), key=str)
    return [*first, *rest, *([None] if None in seen else [])]


def _grid(d: IndicatorDefinition, agg: pd.DataFrame, pop: pd.DataFrame | None, months: tuple[int, int]) -> pd.DataFrame:
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
            values = pd.DataFrame({b.name: pd.Series(_ordered(agg[b.name].tolist(), b.labels) or [None], dtype=object)})
            combos = values if combos is None else combos.merge(values, how="cross")
    return combos.reset_index(drop=True).merge(month_values, how="cross")


def _finish(
    d: IndicatorDefinition,
    agg: pd.DataFrame,
    pop: pd.DataFrame | None,
    months: tuple[int, int],
    report: ValidationReport,
    source_path: Path,
    den_path: Path | None,
) -> pd.DataFrame:
    """Zero-filled numerators, denominators and standardised rates on the output grid."""
    keys = ["__month", *(b.name for b in d.breakdowns)]
    agg = _tidy_aggregate(agg)
    _warn_missing_values(d, agg, report, source_path)
    out = _grid(d, agg, pop, months).merge(_summed(agg, keys, "__num"), on=keys, how="left")
    out["__num"] = out["__num"].fillna(0)
    out["numerator"] = _finish_values(out["__num"].to_numpy(), d.numerator)
    if isinstance(d.denominator, Statistic):
        out = out.merge(_summed(agg, keys, "__den"), on=keys, how="left")
        out["denominator"] = _finish_values(out["__den"].fillna(0).to_numpy(), d.denominator)
    elif pop is not None:
        out = out.merge(_summed(pop, keys, "__pop"), on=keys, how="left")
        out["denominator"] = out["__pop"].astype(float)
        _report_missing_population(d, out, report, den_path)
    else:
        out["denominator"] = np.nan
    out["standardised_rate"] = np.nan
    out["standardised_rate_lower"] = np.nan
    out["standardised_rate_upper"] = np.nan
    if d.standardise is not None and pop is not None:
        _standardise(d, agg, pop, out, report, den_path)
    return out


def _tidy_aggregate(agg: pd.DataFrame) -> pd.DataFrame:
    """An engine's aggregate with group keys as plain text and months as int64, whatever the engine."""
    agg = agg.copy()
    for c in agg.columns:
        if c not in ("__month",) and not c.startswith(("__num", "__den")):
            agg[c] = _key_column(agg[c])
    if len(agg):
        agg["__month"] = agg["__month"].astype(np.int64)
    return agg


def _warn_missing_values(
    d: IndicatorDefinition, agg: pd.DataFrame, report: ValidationReport, source_path: Path
) -> None:
    """A warning for each summed column with blanks in counted records."""
    for col, stat in (("__num", d.numerator), ("__den", d.denominator)):
        if isinstance(stat, Statistic) and f"{col}_nulls" in agg and agg[f"{col}_nulls"].sum() > 0:
            k = int(agg[f"{col}_nulls"].sum())
            report.warning(
                "missing_value",
                f"measure '{d.measure_id}': {k} counted record{'s' if k > 1 else ''} "
                f"with no {stat.column} (added as nothing)",
                file=source_path,
                column=stat.column,
                expected="a number in every counted record",
                found=f"{k} blank",
            )


def _summed(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """``value`` summed by ``keys`` (an empty table with the right columns when there are no rows)."""
    if frame.empty:
        return pd.DataFrame({**{k: pd.Series([], dtype=object) for k in keys}, value: []}).astype({"__month": np.int64})
    return frame.groupby(keys, dropna=False, sort=False)[value].sum().reset_index()


def _report_missing_population(
    d: IndicatorDefinition, out: pd.DataFrame, report: ValidationReport, den_path: Path | None
) -> None:
    """An error for each group with months counted but no population."""
    gone = out[out["denominator"].isna()]
    if not len(gone):
        return
    assert isinstance(d.denominator, TableDenominator)
    group_cols = [b.name for b in d.breakdowns]
    for combo, rows in gone.groupby(group_cols, dropna=False, sort=False) if group_cols else [((), gone)]:
        combo = combo if isinstance(combo, tuple) else (combo,)
        who = "".join(f", {c} {v if v is not None else '(blank)'}" for c, v in zip(group_cols, combo, strict=True))
        first, last = (pd.Period(ordinal=int(x), freq="M") for x in (rows["__month"].min(), rows["__month"].max()))
        report.error(
            "missing_denominator",
            f"measure '{d.measure_id}': no population for {len(rows)} "
            f"month{'s' if len(rows) > 1 else ''} ({first} to {last}{who})",
            file=den_path,
            column=d.denominator.value,
            expected="a population for every month and group counted",
            found="no rows",
        )


def _standardise(
    d: IndicatorDefinition,
    agg: pd.DataFrame,
    pop: pd.DataFrame,
    out: pd.DataFrame,
    report: ValidationReport,
    den_path: Path | None,
) -> None:
    """Directly standardised rates (with confidence limits) added to ``out`` for every month and
    group: events and population by stratum, checked, then weighted and summed."""
    st = d.standardise
    assert st is not None
    keys = ["__month", *(b.name for b in d.breakdowns)]
    strata = ["__band", *(f"__by_{k}" for k in range(len(st.by)))]
    merged = _drop_unbanded(d, _strata_counts(agg, pop, out, keys, strata), report)
    if not _population_complete(d, merged, keys, strata, report, den_path):
        return
    sums = _standardised_sums(d, merged, keys)
    located = out[keys].merge(sums, on=keys, how="left")
    for c in ("standardised_rate", "standardised_rate_lower", "standardised_rate_upper"):
        out[c] = located[c].to_numpy()
    _warn_few_events(d, sums, report)


def _strata_counts(
    agg: pd.DataFrame, pop: pd.DataFrame, out: pd.DataFrame, keys: list[str], strata: list[str]
) -> pd.DataFrame:
    """Events (``__num``, zero where none) and population (``__pop``) per month, group and stratum,
    for the months and groups of the output."""
    events = (
        agg.groupby(keys + strata, dropna=False, sort=False)["__num"].sum().reset_index()
        if len(agg)
        else pd.DataFrame(columns=[*keys, *strata, "__num"])
    )
    people = pop.groupby(keys + strata, dropna=False, sort=False)["__pop"].sum().reset_index()
    merged = people.merge(events, on=keys + strata, how="outer")
    merged = merged.merge(out[keys], on=keys, how="inner")
    merged["__num"] = merged["__num"].fillna(0).astype(float)
    return merged


def _drop_unbanded(d: IndicatorDefinition, merged: pd.DataFrame, report: ValidationReport) -> pd.DataFrame:
    """Drop the strata with no age band, reporting an error if counted records fall there."""
    st = d.standardise
    assert st is not None
    no_band = merged["__band"].isna() & (merged["__num"] > 0)
    if no_band.any():
        k = int(merged.loc[no_band, "__num"].sum())
        report.error(
            "standardisation",
            f"measure '{d.measure_id}': {k} counted records have an age outside the "
            f"bands {', '.join(st.labels)} or no age (add a condition on {st.age})",
            column=st.age,
            expected=f"ages of {st.labels[0]} and over",
            found=f"{k} records",
        )
    return merged[merged["__band"].notna()]


def _population_complete(
    d: IndicatorDefinition,
    merged: pd.DataFrame,
    keys: list[str],
    strata: list[str],
    report: ValidationReport,
    den_path: Path | None,
) -> bool:
    """Whether every stratum with events has a population and every group has every band (for
    every 'by' value) in the population table; reports an error if not."""
    st = d.standardise
    assert st is not None
    lacking = merged["__pop"].isna() | ((merged["__pop"] <= 0) & (merged["__num"] > 0))
    if lacking.any():
        row = merged[lacking].iloc[0]
        report.error(
            "missing_denominator",
            f"measure '{d.measure_id}': {int(lacking.sum())} strata have events but "
            f"no population (first: {pd.Period(ordinal=int(row['__month']), freq='M')}, band {row['__band']})",
            file=den_path,
            column=st.band_column,
            expected="a population above zero for every stratum",
            found="none",
        )
        return False
    per_group = merged.groupby(keys + strata[1:], dropna=False, sort=False)["__band"].nunique()
    if (per_group < len(st.labels)).any():
        report.error(
            "missing_denominator",
            f"measure '{d.measure_id}': the population table lacks some age bands "
            f"for {int((per_group < len(st.labels)).sum())} month/group combinations",
            file=den_path,
            column=st.band_column,
            expected="every band: " + ", ".join(st.labels),
            found="fewer bands",
        )
        return False
    return True


def _standardised_sums(d: IndicatorDefinition, merged: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Weighted stratum rates summed per month and group, with the standardised rate and its limits."""
    st = d.standardise
    assert st is not None
    weight = merged["__band"].map(st.weight_of()).astype(float).to_numpy()
    dd = merged["__num"].to_numpy(dtype=float)
    nn = merged["__pop"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        merged["__wr"] = np.where(nn > 0, weight * dd / nn, 0.0)
        merged["__w2r"] = np.where(nn > 0, weight**2 * dd / nn**2, 0.0)
    merged["__w"] = weight
    sums = merged.groupby(keys, dropna=False, sort=False)[["__wr", "__w2r", "__w", "__num"]].sum().reset_index()
    rate, _, lower, upper = _dsr_arrays(
        sums["__wr"].to_numpy(),
        sums["__w2r"].to_numpy(),
        sums["__w"].to_numpy(),
        sums["__num"].to_numpy(),
        d.multiplier,
        st.confidence,
        st.limits,
    )
    sums["standardised_rate"], sums["standardised_rate_lower"], sums["standardised_rate_upper"] = rate, lower, upper
    return sums


def _warn_few_events(d: IndicatorDefinition, sums: pd.DataFrame, report: ValidationReport) -> None:
    """Warn when standardised rates rest on fewer than ``DSR_MIN_EVENTS`` events."""
    few = int((sums["__num"] < DSR_MIN_EVENTS).sum())
    if few:
        report.warning(
            "small_count",
            f"measure '{d.measure_id}': {few} of {len(sums)} standardised rates rest on "
            f"fewer than {DSR_MIN_EVENTS} events (unreliable; not usually published)",
            expected=f"at least {DSR_MIN_EVENTS} events",
            found=f"{few} rates",
        )
