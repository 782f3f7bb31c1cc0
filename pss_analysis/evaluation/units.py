"""One unit of a batch (a locality, a provider, a parameter set) evaluated for the summary across units.

:func:`unit_evidence` evaluates every measure of one parameter set as a report does (the same
inputs, ITS and SPC, verdicts and value for money: :func:`~pss_analysis.evaluation.study.load_inputs`,
:func:`~pss_analysis.evaluation.measures.evaluate_measures`,
:func:`~pss_analysis.evaluation.verdicts.evidence_table`) and keeps what a comparison of units needs:

- ``evidence``: one row per measure (:data:`UNIT_EVIDENCE_COLUMNS`): the verdict, the Making Data
  Count variation and assurance types, the overall relative change with its interval, money (the
  measure's unit of measurement is ``measure_unit``: ``unit`` names the batch's unit);
- ``series``: ``measure_id, period, value``: the monthly values, for small multiples, with the month's
  counts (:data:`SERIES_COUNTS`: the numerator and denominator where they count people or events,
  :func:`count_parts`) for the batch to hide the values of small ones before it publishes the table;
- ``latest_year``: ``measure_id, kind, multiplier, months, numerator, denominator``: the sums over the
  latest twelve months of each rate or proportion, for the funnel plot;
- ``value``: one row, the unit's value for money (the total across value groups, or the one group).

:func:`units_evidence` does the same for many units at once (``pss batch --summary-only``): each
measure's series of every unit are fitted together (:func:`~pss_analysis.methods.its.fit_its_many`,
:func:`~pss_analysis.methods.spc.evaluate_spc_many`), with the numbers of one fit per unit; a series
they cannot take (missing months, a model fitted one at a time) gets its own fit as in a report.
Robustness checks are not run there: a summary of hundreds of units reads each verdict without them.

Nothing here plots or formats; the batch (``run/``) adds the unit's name to every row.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pss_analysis.config.params import Analysis, Params
from pss_analysis.evaluation.measures import _run, choose_spc_chart, evaluate_measures, its_options, spc_options
from pss_analysis.evaluation.study import Inputs, load_inputs, load_inputs_many
from pss_analysis.evaluation.value import value_for_money
from pss_analysis.evaluation.verdicts import (
    ItsReading,
    chart_reading,
    evidence_columns,
    evidence_row,
    evidence_table,
    its_reading,
    relative_impact_columns,
    spc_columns,
)
from pss_analysis.methods.its import fit_its, fit_its_many
from pss_analysis.methods.spc import evaluate_spc, evaluate_spc_many
from pss_analysis.vocabulary import COUNT_PARTS

__all__ = [
    "UnitEvidence",
    "unit_evidence",
    "units_evidence",
    "UNIT_EVIDENCE_COLUMNS",
    "UNIT_VALUE_COLUMNS",
    "LATEST_MONTHS",
    "WHOLE_SYSTEM",
    "SERIES_COUNTS",
    "count_parts",
]

#: The columns of :attr:`UnitEvidence.series` with the month's counts (blank where that part is not a count).
SERIES_COUNTS = ("numerator_count", "denominator_count")

#: The name of the unit that is the whole system (every unit's rows added up) in a batch by a column.
WHOLE_SYSTEM = "Whole system"

#: The evidence kept per unit and measure (the columns of ``tables/units_evidence.csv``, after ``unit``).
UNIT_EVIDENCE_COLUMNS = (
    "measure_id",
    "name",
    "perspective",
    "measure_unit",
    "kind",
    "improvement_direction",
    "points_before",
    "points_after",
    "cumulative_relative",
    "cumulative_relative_lower",
    "cumulative_relative_upper",
    "cumulative_impact",
    "cumulative_impact_lower",
    "cumulative_impact_upper",
    "cumulative_impact_units",
    "money",
    "money_lower",
    "money_upper",
    "money_unit",
    "spc_chart",
    "special_cause_since_start",
    "variation_type",
    "variation_direction",
    "assurance_type",
    "verdict",
    "verdict_qualifier",
    "verdict_reason",
)
#: A unit's value for money: money negative = saved, as in the evidence table.
UNIT_VALUE_COLUMNS = (
    "money",
    "money_lower",
    "money_upper",
    "months",
    "groups",
    "cost",
    "return_per_pound",
    "return_per_pound_lower",
    "return_per_pound_upper",
)
#: The funnel plot compares the latest year: twelve months.
LATEST_MONTHS = 12


@dataclass(frozen=True)
class UnitEvidence:
    """What the summary across units needs from one unit (see the module's docstring)."""

    evidence: pd.DataFrame
    series: pd.DataFrame
    latest_year: pd.DataFrame
    value: pd.DataFrame


def unit_evidence(params: Params) -> UnitEvidence:
    """Evaluate every measure of ``params`` (one unit) and keep what the summary across units needs."""
    return _evaluated_alone(params, load_inputs(params))


def _evaluated_alone(params: Params, inputs: Inputs) -> UnitEvidence:
    """One unit's tables from its loaded inputs, every measure evaluated as a report evaluates it."""
    analysis = inputs.analysis
    evaluations = evaluate_measures(
        inputs.indicators, inputs.measures, analysis, params.programme.start, comparison=inputs.comparison
    )
    evidence = evidence_table(inputs.measures, inputs.indicators, evaluations, impact_at=_impact_at(analysis))
    return _unit_tables(params, inputs, evidence)


def units_evidence(units: Mapping[str, Params]) -> dict[str, UnitEvidence | Exception]:
    """Evaluate many units at once (the summary-only batch), keyed as ``units``: a unit whose inputs or
    evaluation fail gets the exception instead of its evidence, and the others go on.

    Units that share their analysis (programme start, options, catalogue of measures) are evaluated
    together, measure by measure: every unit's interrupted time series in one
    :func:`~pss_analysis.methods.its.fit_its_many` and every unit's control chart in one
    :func:`~pss_analysis.methods.spc.evaluate_spc_many` per model or chart (the same numbers as
    one fit per unit). Without robustness checks (see the module's docstring); units with comparison
    areas are evaluated one by one.
    """
    out: dict[str, UnitEvidence | Exception] = {}
    loaded: dict[str, Inputs] = {}
    for name, inputs_or_problem in load_inputs_many(units).items():
        if isinstance(inputs_or_problem, Exception):  # one unit's bad inputs fail that unit alone
            out[name] = inputs_or_problem
        else:
            loaded[name] = inputs_or_problem
    shared: dict[str, list[str]] = {}
    keys: dict[tuple[str, int, int], str] = {}
    for name, inputs in loaded.items():
        if inputs.comparison is not None:  # a controlled model: each unit with its own comparison areas
            try:
                out[name] = _evaluated_alone(units[name], inputs)
            except Exception as exc:  # noqa: BLE001 - as above
                out[name] = exc
            continue
        shared.setdefault(_analysis_key(units[name], inputs, keys), []).append(name)
    for names in shared.values():
        first = loaded[names[0]]
        rows = _rows_of(names, loaded, units)
        latest = _latest_years({n: loaded[n].indicators for n in names}, first.measures)
        for name in names:
            try:
                found = rows[name]
                if isinstance(found, Exception):
                    raise found
                evidence = pd.DataFrame(found).reindex(columns=evidence_columns(_impact_at(first.analysis)))
                out[name] = _unit_tables(units[name], loaded[name], evidence, latest.get(name))
            except Exception as exc:  # noqa: BLE001 - as above
                out[name] = exc
    return {name: out[name] for name in units}


def _rows_of(
    names: list[str], loaded: Mapping[str, Inputs], units: Mapping[str, Params]
) -> dict[str, list[dict[str, Any]] | Exception]:
    """Every unit's evidence rows, evaluated together; if one unit's data break the shared evaluation,
    each unit on its own (a unit that fails then gets its exception)."""
    try:
        return _evaluate_together({n: loaded[n].indicators for n in names}, loaded[names[0]], units[names[0]])
    except Exception:  # noqa: BLE001 - see the docstring
        rows: dict[str, list[dict[str, Any]] | Exception] = {}
        for n in names:
            try:
                rows.update(_evaluate_together({n: loaded[n].indicators}, loaded[n], units[n]))
            except Exception as exc:  # noqa: BLE001 - that unit fails alone
                rows[n] = exc
        return rows


def _latest_years(indicators: Mapping[str, pd.DataFrame], measures: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every unit's :func:`latest_year`, summed together."""
    sums = latest_year(_long_table(indicators), measures, by=_UNIT)
    return {str(n): part.drop(columns=_UNIT).reset_index(drop=True) for n, part in sums.groupby(_UNIT, sort=False)}


def _long_table(indicators: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The units' indicator tables one after another, each row's unit in ``_UNIT``."""
    return pd.concat([t.assign(**{_UNIT: n}) for n, t in indicators.items()], ignore_index=True)


def count_parts(indicators: pd.DataFrame, measures: pd.DataFrame) -> pd.DataFrame:
    """``numerator, denominator`` of each row of ``indicators`` where that part counts people or events
    for the row's measure (:data:`~pss_analysis.vocabulary.COUNT_PARTS` by its ``kind`` in ``measures``),
    NaN where it does not; the index of ``indicators``."""
    kinds = measures.set_index("measure_id")["kind"]
    out = {}
    for part in ("numerator", "denominator"):
        counted = kinds.map({kind: part in parts for kind, parts in COUNT_PARTS.items()}).fillna(False)
        out[part] = indicators[part].where(indicators["measure_id"].map(counted).fillna(False).astype(bool))
    return pd.DataFrame(out, index=indicators.index)


def _impact_at(analysis: Analysis) -> int | None:
    return analysis.impact_at[0] if analysis.impact_at else None


def _unit_tables(
    params: Params, inputs: Inputs, evidence: pd.DataFrame, latest: pd.DataFrame | None = None
) -> UnitEvidence:
    """The unit's tables for the summary from its inputs and evidence table (and its :func:`latest_year`,
    when it was summed with other units')."""
    groups = None if inputs.scorecard is None else inputs.scorecard.measures
    vfm = value_for_money(evidence, groups, params.programme.cost)
    parts = count_parts(inputs.indicators, inputs.measures)
    series = inputs.indicators[["measure_id", "period", "value"]].assign(
        period=lambda f: f["period"].astype(str),
        value=lambda f: f["value"].astype(float),
        **{column: parts[part].to_numpy() for column, part in zip(SERIES_COUNTS, parts.columns, strict=True)},
    )
    return UnitEvidence(
        evidence=evidence.rename(columns={"unit": "measure_unit"}).reindex(columns=list(UNIT_EVIDENCE_COLUMNS)),
        series=series.reset_index(drop=True),
        latest_year=latest_year(inputs.indicators, inputs.measures) if latest is None else latest,
        value=pd.DataFrame([_unit_value(vfm)], columns=list(UNIT_VALUE_COLUMNS)),
    )


def _analysis_key(params: Params, inputs: Inputs, seen: dict[tuple[str, int, int], str]) -> str:
    """Units with the same key are evaluated together: the same start, options and measures (``seen``: the
    keys made so far, by the objects they were made of: units loaded together share them)."""
    start = str(params.programme.start)
    made = (start, id(inputs.analysis), id(inputs.measures))
    if made not in seen:
        measures = pd.util.hash_pandas_object(inputs.measures.astype(str), index=False).sum()
        seen[made] = json.dumps([start, inputs.analysis.model_dump(mode="json"), int(measures)], sort_keys=True)
    return seen[made]


_UNIT = "__unit__"  # the column naming each unit's rows while its series are fitted together


def _evaluate_together(
    indicators: Mapping[str, pd.DataFrame], inputs: Inputs, params: Params
) -> dict[str, list[dict[str, Any]] | Exception]:
    """Evidence rows of every unit (one per measure, in catalogue order), measure by measure across units."""
    analysis, start = inputs.analysis, str(params.programme.start)
    impact_at = _impact_at(analysis)
    names = list(indicators)
    long = _long_table(indicators)
    by_measure = dict(tuple(long.groupby("measure_id", sort=False)))
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for measure in inputs.measures.to_dict("records"):
        mid = measure["measure_id"]
        found = _MeasureRows(by_measure.get(mid, long.iloc[:0]))
        lengths = found.stats["n"]
        by_length = {n: its_options(measure, analysis, n, start) for n in set(lengths)}
        its_kw = {name: by_length[n] for name, n in lengths.items()}
        readings, problems = _its_together(found, its_kw, impact_at, mid)
        charts = {name: choose_spc_chart(measure, analysis, start, found.arrays(name)).chart for name in found.units}
        by_chart = {c: spc_options(measure, analysis, start, c) for c in set(charts.values())}
        spc = _spc_together(found, {name: by_chart[c] for name, c in charts.items()}, mid)
        for name in names:
            rows[name].append(
                evidence_row(
                    measure,
                    readings.get(name),
                    spc.get(name, {}),
                    problem=problems.get(name),
                    missing=int(found.stats["missing"].get(name, 0)),
                )
            )
    return dict(rows)


class _MeasureRows:
    """One measure's rows of every unit (a long table with the unit in ``_UNIT``) and, per unit
    (``stats``), its number of months, first and last month and which columns have blanks."""

    def __init__(self, table: pd.DataFrame) -> None:
        self.table = table
        ordinal = pd.Series(pd.PeriodIndex(table["period"], freq="M").asi8, index=table.index)
        blank = table[["numerator", "denominator", "value"]].isna()
        grouped = blank.assign(_o=ordinal, **{_UNIT: table[_UNIT]}).groupby(_UNIT, sort=False)
        self.stats = grouped.agg(
            n=("_o", "size"),
            first=("_o", "min"),
            last=("_o", "max"),
            missing=("value", "sum"),
            numerator=("numerator", "any"),
            denominator=("denominator", "any"),
            value=("value", "any"),
        )
        self.units = list(self.stats.index)
        self._parts: dict[str, pd.DataFrame] | None = None
        self._positions = table.groupby(_UNIT, sort=False).indices
        self._columns = {c: table[c].array for c in ("period", "numerator", "denominator")}
        consecutive = self.stats["last"] - self.stats["first"] + 1 == self.stats["n"]
        self._complete = {
            column: (consecutive & ~self.stats[column]).to_dict() for column in ("numerator", "denominator", "value")
        }

    def arrays(self, name: str) -> dict[str, Any]:
        """The unit's ``period``, ``numerator`` and ``denominator``, as arrays."""
        at = self._positions[name]
        return {c: values[at] for c, values in self._columns.items()}

    def of(self, name: str) -> pd.DataFrame:
        """The unit's series, as one report evaluates it."""
        if self._parts is None:
            self._parts = dict(tuple(self.table.groupby(_UNIT, sort=False)))
        return self._parts[name].drop(columns=_UNIT).reset_index(drop=True)

    def together(self, names: Sequence[str]) -> pd.DataFrame:
        """The long table of these units."""
        return self.table[self.table[_UNIT].isin(names)]

    def complete(self, name: str, columns: Sequence[str]) -> bool:
        """Whether the unit's series has every month from its first to its last, with no blank in ``columns``."""
        return all(self._complete[c][name] for c in columns)

    def buckets(self, options: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
        """Units whose series can be fitted together: the same options and the same months."""
        found: dict[str, list[str]] = {}
        text: dict[int, str] = {}
        first, n = self.stats["first"].to_dict(), self.stats["n"].to_dict()
        for name, kw in options.items():
            words = text.setdefault(id(kw), json.dumps(kw, sort_keys=True, default=str))
            found.setdefault(f"{words}|{first[name]}|{n[name]}", []).append(name)
        return list(found.values())


def _its_together(
    rows: _MeasureRows,
    options: Mapping[str, Mapping[str, Any]],
    impact_at: int | None,
    measure_id: str,
) -> tuple[dict[str, ItsReading], dict[str, str]]:
    """(readings, problems) of one measure's model in every unit: each bucket of units in one
    :func:`fit_its_many`; a unit it leaves out (or one with months missing) with its own :func:`fit_its`."""
    readings: dict[str, ItsReading] = {}
    alone: list[str] = []
    for names in rows.buckets(options):
        kw = options[names[0]]
        columns = [kw["y"], *(kw[k] for k in ("offset", "denominator") if k in kw)]
        together = [n for n in names if rows.complete(n, columns)]
        alone += [n for n in names if n not in together]
        if together:
            found = _fit_many(rows.together(together), kw, impact_at)
            readings.update(found)
            alone += [n for n in together if n not in found]
    problems: dict[str, str] = {}
    for name in alone:
        its, problem, _ = _run(fit_its, rows.of(name), options[name], measure_id=measure_id, what="model")
        if its is not None:
            readings[name] = its_reading(its, impact_at)
        elif problem:
            problems[name] = problem
    return readings, problems


def _fit_many(table: pd.DataFrame, kw: Mapping[str, Any], impact_at: int | None) -> dict[str, ItsReading]:
    """The readings of the units of ``table`` fitted together with ``kw`` (:func:`its_options`);
    none when the fit refuses them together (each is then fitted alone)."""
    names = ("family", "offset", "denominator", "seasonality", "autocorrelation", "slope_change", "phase_in")
    fit_kw = {k: kw[k] for k in names if k in kw}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            many = fit_its_many(
                table,
                by=_UNIT,
                time=kw["time"],
                outcome=kw["y"],
                start=kw["interruption"],
                interruptions=kw.get("interruptions"),
                alpha=kw["alpha"],
                time_since=kw["time_since"],
                horizons=(),
                **fit_kw,
            )
    except Exception:  # noqa: BLE001 - each unit is then fitted alone, which names its own problem
        return {}
    points = many.points().set_index(_UNIT)
    if points.empty:
        return {}
    n_after = int(points["points_after"].iloc[0])  # one bucket: the same months in every unit
    impact = many.impact(at=[impact_at] if impact_at is not None and impact_at <= n_after else [])
    effects = many.effects()
    effects = effects[effects["group"] == "treated"].drop_duplicates([_UNIT, "term"])
    effect_rows = _effects_by_unit(effects)
    cumulative = impact[impact["cumulative"].astype(bool)].set_index(_UNIT).to_dict("index")
    at_h = impact[impact["horizon"].eq(impact_at).fillna(False).astype(bool)].set_index(_UNIT).to_dict("index")
    counts = points[["points_before", "points_after"]].to_dict("index")
    out = {}
    for name, row in cumulative.items():
        at_impact = relative_impact_columns(impact_at, at_h[name]) if name in at_h else {}
        n = counts[name]
        out[str(name)] = ItsReading(int(n["points_before"]), int(n["points_after"]), effect_rows[name], at_impact, row)
    return out


def _effects_by_unit(effects: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The effect columns of the evidence table (level and slope changes with their intervals, the effect
    scale; as ``verdicts._effect_columns`` reads one model's effects) of every unit of a long effects table."""
    out: dict[str, dict[str, Any]] = {}
    scale = effects.groupby(_UNIT, sort=False)["scale"].last()
    for name in scale.index:
        out[name] = {}
    wanted = effects[effects["term"].isin(["level_change", "slope_change"])]
    for unit, term, est, lo, hi in wanted[[_UNIT, "term", "estimate", "estimate_lower", "estimate_upper"]].itertuples(
        index=False, name=None
    ):
        out[unit].update({term: est, f"{term}_lower": lo, f"{term}_upper": hi})
    for name, value in scale.items():
        out[name]["effect_scale"] = value
    return out


def _spc_together(
    rows: _MeasureRows, options: Mapping[str, Mapping[str, Any]], measure_id: str
) -> dict[str, dict[str, Any]]:
    """The control chart reading (:func:`~pss_analysis.evaluation.verdicts.spc_columns`) of one measure
    in every unit: each bucket of units with the same chart options in one :func:`evaluate_spc_many`;
    a unit it cannot take on its own with :func:`evaluate_spc`."""
    out: dict[str, dict[str, Any]] = {}
    alone: list[str] = []
    for names in rows.buckets(options):
        found = _chart_many(rows.together(names), dict(options[names[0]]))
        out.update(found)
        alone += [n for n in names if n not in found]
    for name in alone:
        spc, _, _ = _run(evaluate_spc, rows.of(name), options[name], measure_id=measure_id, what="chart")
        if spc is not None:
            out[name] = spc_columns(spc.points, spc.summary(), options[name].get("chart"))
    return out


def _chart_many(table: pd.DataFrame, kw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """:func:`spc_columns` of every unit of ``table`` on one chart; none when the charts fail together."""
    chart = kw.get("chart")
    y, n, x = kw.pop("y"), kw.pop("n", None), kw.pop("x", None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            many = evaluate_spc_many(table, y, by=_UNIT, n=n, x=x, **kw)
    except Exception:  # noqa: BLE001 - each unit is then charted alone, which names its own problem
        return {}
    phases = many.phases
    if phases.empty:
        return {}
    count = phases.groupby(_UNIT, sort=False)["phase"].transform("size")
    last = phases[phases.groupby(_UNIT, sort=False).cumcount(ascending=False) == 0]
    pts = many.points.merge(last[[_UNIT, "phase"]], on=[_UNIT, "phase"])
    special = pts.groupby(_UNIT, sort=False)["special_cause"].any()
    several = count[last.index] > 1
    out = {}
    latest = last.set_index(_UNIT).to_dict("index")
    for (unit, row), more in zip(latest.items(), several, strict=True):
        out[str(unit)] = chart_reading(chart, bool(special.get(unit, False)) if more else None, row)
    return out


def latest_year(indicators: pd.DataFrame, measures: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Numerators and denominators summed over each rate's and proportion's latest twelve months
    (with ``by``, of each unit's: the column naming the unit comes first)."""
    keys = ["measure_id"] if by is None else [by, "measure_id"]
    columns = [*keys, "kind", "multiplier", "months", "numerator", "denominator"]
    kinds = measures.set_index("measure_id")[["kind", "multiplier"]]
    wanted = kinds.index[kinds["kind"].isin(("rate", "proportion"))]
    rows = indicators[indicators["measure_id"].isin(wanted)]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    month = pd.Series(pd.PeriodIndex(rows["period"], freq="M").asi8, index=rows.index)
    latest = month.groupby([rows[k] for k in keys], sort=False).transform("max")
    usable = (month > latest - LATEST_MONTHS) & rows["numerator"].notna() & rows["denominator"].notna()
    sums = (
        pd.DataFrame(
            {
                **{k: rows[k] for k in keys},
                "months": usable.astype(int),
                "numerator": rows["numerator"].astype(float).where(usable, 0.0),
                "denominator": rows["denominator"].astype(float).where(usable, 0.0),
            }
        )
        .groupby(keys, sort=False)
        .sum()
        .reset_index()
    )
    sums["kind"] = sums["measure_id"].map(kinds["kind"])
    sums["multiplier"] = sums["measure_id"].map(kinds["multiplier"]).astype(float)
    return sums.reindex(columns=columns)


def _unit_value(vfm: Any) -> dict[str, Any]:
    """The unit's value for money: the total across groups (or the one group) and the return on the cost."""
    figures = vfm.figures
    if figures.empty:
        return {"groups": 0}
    if vfm.total is not None:
        row = dict(vfm.total)
    else:
        first = figures.iloc[0]
        row = {
            "money": first["money"],
            "money_lower": first["money_lower"],
            "money_upper": first["money_upper"],
            "months": int(first["cumulative_months"]),
            "groups": 1,
        }
    if not vfm.returns.empty:
        last = vfm.returns.iloc[-1]
        row.update(
            {k: last[k] for k in ("cost", "return_per_pound", "return_per_pound_lower", "return_per_pound_upper")}
        )
    return row
