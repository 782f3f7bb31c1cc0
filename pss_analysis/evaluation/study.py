"""Everything a report needs, computed once from the parameters: the study.

:func:`prepare_study` loads the measures (from a scorecard or a measure catalogue) and
the indicator data, evaluates every measure (interrupted time series and SPC), and
derives the evidence table. Report sections only read the :class:`Study`.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pss_analysis.config.params import Analysis, DatabaseSource, Params, params_to_dict
from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.evaluation.balance import link_table
from pss_analysis.evaluation.checks import check_measure_options, check_measure_overrides, check_start_within_data
from pss_analysis.evaluation.comparison import ComparisonData, split_comparison
from pss_analysis.evaluation.measures import MeasureEvaluation, evaluate_measures
from pss_analysis.evaluation.options import analysis_with_scorecard
from pss_analysis.evaluation.value import ValueForMoney, value_for_money
from pss_analysis.evaluation.verdicts import evidence_table
from pss_analysis.inputs.indicators import compute_indicators_checked, definitions_table, parse_definitions
from pss_analysis.inputs.scorecard import Scorecard, default_perspectives, load_scorecard
from pss_analysis.inputs.tables import (
    INDICATOR_COLUMNS,
    check_indicators,
    load_indicators_checked,
    load_measures_checked,
    select_measures,
    summarise,
)
from pss_analysis.inputs.validation import ValidationReport, read_table
from pss_analysis.timings import TIMINGS, timed

__all__ = [
    "Study",
    "Inputs",
    "load_inputs",
    "load_inputs_many",
    "prepare_study",
    "analysis_with_scorecard",
    "save_inputs",
    "adopt_saved_inputs",
    "evaluate_ahead",
    "INPUTS_FILE",
    "EVALUATIONS_FILE",
    "EVALUATIONS_PENDING",
]


@dataclass(frozen=True)
class Study:
    """The inputs and results of one evaluation (read-only)."""

    params: Params
    scorecard: Scorecard | None
    perspectives: pd.DataFrame
    measures: pd.DataFrame
    indicators: pd.DataFrame
    analysis: Analysis
    evaluations: dict[str, MeasureEvaluation]
    evidence: pd.DataFrame
    summary: pd.DataFrame
    data_quality: pd.DataFrame
    definitions: pd.DataFrame
    #: :func:`~pss_analysis.evaluation.balance.link_table` of the scorecard (empty without one).
    links: pd.DataFrame
    #: :func:`~pss_analysis.evaluation.value.value_for_money`: one figure per value group, the return on the cost.
    value: ValueForMoney | None = None
    #: The comparison areas (``analysis.comparison``) and their rows; None without them.
    comparison: ComparisonData | None = None

    @property
    def annotations(self) -> list[tuple[pd.Period, str]]:
        """The change log as (month, change id) pairs for the charts (empty without a scorecard).

        Charts are labelled with the short id; the change log table says what each id was.
        """
        if self.scorecard is None or self.scorecard.changes.empty:
            return []
        return [(row.period, str(row.change_id)) for row in self.scorecard.changes.itertuples()]


@dataclass(frozen=True)
class Inputs:
    """The loaded and checked inputs.

    ``indicators`` is the one table every analysis reads: rows computed from record-level data
    (measures with an ``indicator:`` definition in the scorecard) and rows from the aggregate
    table (``data.indicators``) for the others. ``data_quality`` lists every warning found while
    loading (errors stop the run); ``definitions`` is the plain-English table of the record-level
    definitions for the methods appendix.
    """

    scorecard: Scorecard | None
    measures: pd.DataFrame
    perspectives: pd.DataFrame
    indicators: pd.DataFrame
    analysis: Analysis
    data_quality: pd.DataFrame
    definitions: pd.DataFrame
    #: The comparison areas (``analysis.comparison``) and their rows; None without them.
    comparison: ComparisonData | None = None


_COMPUTED = "computed from data.files"


def _computed_indicators(
    scorecard: Scorecard | None, params: Params, catalogue: pd.DataFrame, report: ValidationReport
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Measures defined from record-level data: their indicator rows and the definitions table."""
    if scorecard is None:
        return None, pd.DataFrame()
    mappings = {r.measure_id: r.indicator for r in scorecard.measures.itertuples() if r.indicator}
    if not mappings:
        return None, pd.DataFrame()
    definitions = parse_definitions(mappings, file=str(params.data.scorecard))
    computed, computed_report = compute_indicators_checked(definitions, params.data.files)
    report.extend(computed_report)
    computed = computed[["measure_id", "period", "numerator", "denominator"]]
    checked, check_report = check_indicators(computed, catalogue, file=_COMPUTED, require_all=False)
    report.extend(check_report)
    return checked, definitions_table(definitions)


def _compare_sources(computed: pd.DataFrame, aggregate: pd.DataFrame, report: ValidationReport) -> None:
    """A measure both computed from records and given in the aggregate table: the two must agree."""
    both = computed.merge(aggregate, on=["measure_id", "period"], suffixes=("", "_table"))
    for column in ("numerator", "denominator"):
        a, b = both[column], both[f"{column}_table"]
        differ = ~((a - b).abs() <= 1e-9 * b.abs().clip(lower=1) + 1e-9) & ~(a.isna() & b.isna())
        for row in both[differ].head(20).itertuples():
            report.warning(
                "sources_disagree",
                f"{row.measure_id} {row.period}: the {column} computed from the records differs from "
                "the indicator table; the computed value is used",
                column=column,
                expected=getattr(row, f"{column}_table"),
                found=getattr(row, column),
            )


@dataclass(frozen=True)
class _Catalogue:
    """The measures as loaded, from a scorecard or a measure catalogue, with what goes with them."""

    scorecard: Scorecard | None
    measures: pd.DataFrame
    perspectives: pd.DataFrame
    analysis: Analysis
    source: str  # the file the measures came from, for messages


def _load_catalogue(params: Params, report: ValidationReport) -> _Catalogue:
    """The measures of the scorecard (with its per-measure options) or of the measure catalogue."""
    data = params.data
    if data.scorecard is not None:
        if data.measures is not None:
            raise ParameterError(
                "give either a scorecard or a measure catalogue, not both",
                key="data.measures",
                found=str(data.measures),
            )
        scorecard = load_scorecard(data.scorecard)
        for warning in scorecard.warnings:
            report.warning("scorecard", warning, file=data.scorecard)
        return _Catalogue(
            scorecard,
            scorecard.measures_catalogue(),
            scorecard.perspectives,
            analysis_with_scorecard(params.analysis, scorecard, params.programme.start),
            str(data.scorecard),
        )
    if data.measures is None:
        raise ParameterError(
            "no measures given: name a measure catalogue (data.measures) or a scorecard (data.scorecard)",
            key="data.measures",
        )
    catalogue, measures_report = load_measures_checked(data.measures)
    report.extend(measures_report)
    return _Catalogue(None, catalogue, default_perspectives(), params.analysis, str(data.measures))


def _indicator_rows(
    params: Params, catalogue: _Catalogue, report: ValidationReport
) -> tuple[pd.DataFrame, pd.DataFrame, ComparisonData | None]:
    """(every indicator row of the programme's area, in catalogue order, the definitions table, the
    comparison areas): rows computed from record-level data first choice, the aggregate table's for
    the other measures; with ``analysis.comparison`` the aggregate table's unit column splits off
    the comparison areas' rows."""
    computed, definitions = _computed_indicators(catalogue.scorecard, params, catalogue.measures, report)
    computed_ids = set() if computed is None else set(computed["measure_id"])
    parts = []
    comparison = None
    setting = params.analysis.comparison
    if params.data.indicators is not None:
        aggregate, table_report = load_indicators_checked(
            params.data.indicators,
            catalogue.measures,
            measures_file=catalogue.source,
            require_all=not computed_ids,
            breakdowns=[setting.unit] if setting is not None else (),
        )
        report.extend(table_report)
        if setting is not None:
            aggregate, comparison = split_comparison(aggregate, setting, file=str(params.data.indicators))
        if computed is not None:
            _compare_sources(computed, aggregate, report)
            aggregate = aggregate[~aggregate["measure_id"].isin(computed_ids)]
        parts.append(aggregate)
    if computed is not None:
        parts.append(computed)
    indicators = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    with_data = set(indicators.get("measure_id", []))
    absent = [m for m in catalogue.measures["measure_id"] if m not in with_data]
    if absent:
        raise DataValidationError(
            "measure has no data (neither in the indicator table nor defined from records)",
            file=catalogue.source,
            column="measure_id",
            found=", ".join(absent),
        )
    order = {m: k for k, m in enumerate(catalogue.measures["measure_id"])}
    indicators = (
        indicators.assign(_order=indicators["measure_id"].map(order))
        .sort_values(["_order", "period"], kind="stable")
        .drop(columns="_order")
    )
    return indicators, definitions, comparison


def load_inputs(params: Params) -> Inputs:
    """Load and check every input named by ``params``.

    Errors stop here, each file's problems listed together in one message; warnings are
    collected into ``Inputs.data_quality``. The parameters that depend on the inputs are checked
    here too (:mod:`pss_analysis.evaluation.checks`): ``report.measures`` and ``analysis.measures``
    ids, ``programme.start`` against the months of the data, every measure's ITS and SPC options.
    """
    report = ValidationReport()
    catalogue = _load_catalogue(params, report)
    measures = select_measures(catalogue.measures, params.report.measures)
    check_measure_overrides(params, catalogue.measures)
    indicators, definitions, comparison = _indicator_rows(params, catalogue, report)
    return _inputs(params, catalogue, measures, indicators, definitions, comparison, report.to_frame())


def _inputs(
    params: Params,
    catalogue: _Catalogue,
    measures: pd.DataFrame,
    indicators: pd.DataFrame,
    definitions: pd.DataFrame,
    comparison: ComparisonData | None,
    data_quality: pd.DataFrame,
    *,
    options_checked: bool = False,
) -> Inputs:
    """The inputs from the checked indicator rows: the measures asked for, the checks that need the data."""
    indicators = indicators[indicators["measure_id"].isin(measures["measure_id"])].reset_index(drop=True)
    check_start_within_data(params.programme.start, indicators)
    if not options_checked:
        check_measure_options(params, catalogue.measures, catalogue.analysis, catalogue.scorecard, indicators)
    return Inputs(
        catalogue.scorecard,
        measures,
        catalogue.perspectives,
        indicators,
        catalogue.analysis,
        data_quality,
        definitions,
        comparison,
    )


def load_inputs_many(units: Mapping[str, Params]) -> dict[str, Inputs | Exception]:
    """:func:`load_inputs` for many parameter sets (a batch's units), keyed as ``units``: a unit whose
    inputs fail gets the exception instead, with the message :func:`load_inputs` gives.

    Units whose parameters differ only in their indicator table (a CSV or Excel file) and title are
    checked together: their tables are read one by one, then checked as one long table, each
    unit's rows a series of their own, and the catalogue and options once. A unit with any problem
    in its table, even a warning, and every unit that cannot share (record-level files, comparison
    areas, a database table) is loaded on its own, so that its messages name its own file and rows.
    The inputs are the same either way.
    """
    groups: dict[str, list[str]] = {}
    for name, params in units.items():
        groups.setdefault(_shared_key(params), []).append(name)
    out: dict[str, Inputs | Exception] = {}
    for names in groups.values():
        try:
            out.update(_loaded_together({n: units[n] for n in names}))
        except Exception:  # noqa: BLE001, S110 - the units are loaded one by one below, with their own messages
            pass
    for name, params in units.items():
        if name not in out:
            try:
                out[name] = load_inputs(params)
            except Exception as exc:  # noqa: BLE001 - one unit's bad inputs fail that unit alone
                out[name] = exc
    return {name: out[name] for name in units}


def _shared_key(params: Params) -> str:
    """Units with the same key may be checked together: every parameter equal but the indicator table and title."""
    resolved = params_to_dict(params)
    resolved.pop("title", None)
    resolved["data"].pop("indicators", None)
    return json.dumps(resolved, sort_keys=True, default=str)


_UNIT = "__unit__"  # the column naming each unit's rows in the long table checked together
_UNIT_NAMED = re.compile(rf"\b{_UNIT} (\d+)\b")  # a problem of one unit's series, named by its key


def _loaded_together(units: Mapping[str, Params]) -> dict[str, Inputs | Exception]:
    """The inputs of the units (sharing all but their indicator table) that could be checked together;
    the others are left out (loaded one by one by the caller)."""
    first = next(iter(units.values()))
    if first.analysis.comparison is not None or first.data.files:
        return {}
    report = ValidationReport()
    catalogue = _load_catalogue(first, report)
    measures = select_measures(catalogue.measures, first.report.measures)
    check_measure_overrides(first, catalogue.measures)
    if catalogue.scorecard is not None and any(m.indicator for m in catalogue.scorecard.measures.itertuples()):
        return {}  # measures computed from records
    tables = {}
    for name, params in units.items():
        source = params.data.indicators
        if source is None or isinstance(source, DatabaseSource):
            continue
        read = ValidationReport()
        frame = read_table(source, expected=INDICATOR_COLUMNS, report=read, what="indicator table")
        if len(read) == 0 and not frame.empty:  # any reading problem: the unit is loaded on its own
            tables[name] = frame
    out: dict[str, Inputs | Exception] = {}
    data_quality = report.to_frame()  # the catalogue's warnings: the units' tables have none
    options: dict[tuple[tuple[str, int], ...], Exception | None] = {}  # checked once per months of each measure
    for name, indicators in _checked_together(tables, catalogue).items():
        try:
            inputs = _inputs(
                units[name], catalogue, measures, indicators, pd.DataFrame(), None, data_quality, options_checked=True
            )
            points = tuple(inputs.indicators.groupby("measure_id", sort=False).size().items())
            if points not in options:
                try:
                    check_measure_options(
                        first, catalogue.measures, catalogue.analysis, catalogue.scorecard, inputs.indicators
                    )
                    options[points] = None
                except Exception as exc:  # noqa: BLE001 - the same options fail every unit with these months
                    options[points] = exc
            problem = options[points]
            if problem is not None:
                raise problem
            out[name] = inputs
        except Exception as exc:  # noqa: BLE001 - one unit's inputs fail that unit alone
            out[name] = exc
    return out


def _checked_together(tables: Mapping[str, pd.DataFrame], catalogue: _Catalogue) -> dict[str, pd.DataFrame]:
    """Each unit's checked indicator rows, for the units whose rows raise no problem at all (two tries:
    the units named by the first check's problems are left out, then any problem leaves out every unit)."""
    if not tables:
        return {}
    columns = list(next(iter(tables.values())).columns)
    names = [n for n, t in tables.items() if list(t.columns) == columns]
    for attempt in range(2):
        if not names:
            return {}
        long = pd.concat([tables[n] for n in names], ignore_index=True)
        unit = np.repeat(np.arange(len(names)), [len(tables[n]) for n in names])
        long[_UNIT] = unit
        report = ValidationReport()
        try:
            table, _ = check_indicators(long, catalogue.measures, breakdowns=[_UNIT], report=report)
        except DataValidationError:
            table = None
        flagged = {int(unit[p.row]) for p in report if p.row is not None}
        # a gap in a unit's months names no row but the series, "..., __unit__ 3: 1 period missing ..."
        flagged |= {int(m.group(1)) for p in report if (m := _UNIT_NAMED.search(p.message)) and p.row is None}
        if table is not None:
            measures = table.groupby(_UNIT)["measure_id"].nunique().reindex(range(len(names)), fill_value=0)
            flagged |= {int(k) for k, n in measures.items() if n != len(catalogue.measures)}
        if table is not None and len(report) == 0 and not flagged:
            return {
                names[k]: part.drop(columns=_UNIT).reset_index(drop=True) for k, part in table.groupby(_UNIT, sort=True)
            }
        if attempt == 1 or any(p.row is None and not _UNIT_NAMED.search(p.message) for p in report):
            return {}
        names = [n for k, n in enumerate(names) if k not in flagged]
    return {}


#: The inputs ``pss run`` loaded and checked, handed to the notebook kernel in the run folder (removed when published).
INPUTS_FILE = ".inputs.pickle"
#: The measures' evaluations ``pss run`` makes while the kernel starts (:func:`evaluate_ahead`), handed to it
#: in the run folder (removed when published); and the marker that says they are on their way.
EVALUATIONS_FILE = ".evaluations.pickle"
EVALUATIONS_PENDING = ".evaluations.pending"
#: Longest a kernel waits for the evaluations made ahead before it makes them itself (seconds).
AHEAD_WAIT_S = 600.0
_ADOPTED: dict[int, tuple[Params, Inputs, Path]] = {}


def save_inputs(inputs: Inputs, path: str | Path) -> None:
    """Write loaded and checked inputs for :func:`adopt_saved_inputs` in another process (the notebook kernel)."""
    Path(path).write_bytes(pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL))


def adopt_saved_inputs(params: Params, path: str | Path) -> bool:
    """Let :func:`prepare_study` of this very ``params`` object use the inputs :func:`save_inputs` wrote to ``path``
    (the pipeline has loaded and checked them already) instead of loading them again, and the measures'
    evaluations :func:`evaluate_ahead` makes in the same folder; False if there are no inputs.

    The file is the pipeline's own, written into the run folder just before the notebook runs.
    """
    path = Path(path)
    if not path.is_file():
        return False
    inputs = pickle.loads(path.read_bytes())  # noqa: S301 - written by this run's pipeline, see above
    _ADOPTED[id(params)] = (params, inputs, path.parent)
    return True


def _evaluate(i: Inputs, params: Params) -> dict[str, MeasureEvaluation]:
    """Every measure of ``i`` evaluated: models, charts, robustness checks."""
    return evaluate_measures(i.indicators, i.measures, i.analysis, params.programme.start, comparison=i.comparison)


def evaluate_ahead(inputs: Inputs, params: Params, run_dir: str | Path) -> threading.Thread:
    """Evaluate the measures of ``inputs`` in a thread of this process while the notebook kernel starts
    (a process of its own, on another core), for its :func:`prepare_study` to adopt.

    The evaluations are written to :data:`EVALUATIONS_FILE` in ``run_dir`` when done; until then the
    marker :data:`EVALUATIONS_PENDING` tells the kernel to wait for them. If they fail, the marker goes
    and the kernel evaluates the measures itself (and reports what is wrong). The returned thread is
    running.
    """
    run_dir = Path(run_dir)
    pending = run_dir / EVALUATIONS_PENDING
    pending.touch()

    def work() -> None:
        try:
            payload = pickle.dumps(_evaluate(inputs, params), protocol=pickle.HIGHEST_PROTOCOL)
            part = run_dir / (EVALUATIONS_FILE + ".part")
            part.write_bytes(payload)
            os.replace(part, run_dir / EVALUATIONS_FILE)
        except Exception:  # noqa: BLE001, S110 - the kernel evaluates the measures itself and says what is wrong
            pass
        finally:
            pending.unlink(missing_ok=True)

    thread = threading.Thread(target=work, name="pss-evaluate-ahead", daemon=True)
    thread.start()
    return thread


def _evaluations_ahead(run_dir: Path) -> dict[str, MeasureEvaluation] | None:
    """The evaluations :func:`evaluate_ahead` made for this run, waited for while they are on their way;
    None if there are none (or they failed)."""
    done, pending = run_dir / EVALUATIONS_FILE, run_dir / EVALUATIONS_PENDING
    started = time.perf_counter()
    while not done.is_file() and pending.exists() and time.perf_counter() - started < AHEAD_WAIT_S:
        time.sleep(0.02)
    if not done.is_file():
        return None
    evaluations: dict[str, MeasureEvaluation] = pickle.loads(done.read_bytes())  # noqa: S301 - this run's own
    TIMINGS.add("evaluations", time.perf_counter() - started, adopted=True)
    return evaluations


def prepare_study(params: Params) -> Study:
    """Load, evaluate and summarise every measure named by ``params`` (in a run of ``pss run``, with the
    inputs and evaluations the pipeline made: :func:`adopt_saved_inputs`).

    The evidence table reports the relative impact at the first of ``analysis.impact_at``.
    """
    adopted = _ADOPTED.pop(id(params), None)
    if adopted is not None and adopted[0] is not params:
        adopted = None
    with timed("validation", adopted=True if adopted is not None else None):
        i = adopted[1] if adopted is not None else load_inputs(params)
    start = params.programme.start
    evaluations = _evaluations_ahead(adopted[2]) if adopted is not None else None
    if evaluations is None:
        evaluations = _evaluate(i, params)
    with timed("evidence"):
        evidence = evidence_table(
            i.measures, i.indicators, evaluations, impact_at=i.analysis.impact_at[0] if i.analysis.impact_at else None
        )
    sc = i.scorecard
    with timed("links"):
        links = (
            pd.DataFrame()
            if sc is None
            else link_table(sc.links, sc.objectives, sc.measures, evidence, i.indicators, alpha=i.analysis.alpha)
        )
    return Study(
        params=params,
        scorecard=sc,
        perspectives=i.perspectives,
        measures=i.measures,
        indicators=i.indicators,
        analysis=i.analysis,
        evaluations=evaluations,
        data_quality=i.data_quality,
        definitions=i.definitions,
        evidence=evidence,
        summary=summarise(i.indicators, i.measures, start),
        links=links,
        value=value_for_money(evidence, None if sc is None else sc.measures, params.programme.cost),
        comparison=i.comparison,
    )
