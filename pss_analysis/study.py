"""Everything a report needs, computed once from the parameters: the study.

:func:`prepare_study` loads the measures (from a scorecard or a measure catalogue) and
the indicator data, evaluates every measure (interrupted time series and SPC), and
derives the evidence table. Report sections only read the :class:`Study`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from .data import load_indicators, load_measures, select_measures, summarise
from .errors import ParameterError
from .evaluation import MeasureEvaluation, evaluate_measures
from .evidence import evidence_table
from .params import Analysis, ItsOptions, MeasureOptions, Params, SpcOptions
from .scorecard import Scorecard, default_perspectives, load_scorecard

__all__ = ["Study", "Inputs", "load_inputs", "prepare_study", "analysis_with_scorecard"]


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

    @property
    def annotations(self) -> list[tuple[pd.Period, str]]:
        """The change log as (month, change id) pairs for the charts (empty without a scorecard).

        Charts are labelled with the short id; the change log table says what each id was.
        """
        if self.scorecard is None or self.scorecard.changes.empty:
            return []
        return [(row.period, str(row.change_id)) for row in self.scorecard.changes.itertuples()]


def _merge(base: dict[str, Any], given: ItsOptions | SpcOptions) -> dict[str, Any]:
    return {**base, **{k: v for k, v in given.model_dump().items() if v is not None}}


def analysis_with_scorecard(analysis: Analysis, scorecard: Scorecard, start: str) -> Analysis:
    """The analysis options with the scorecard's per-measure ITS/SPC overrides beneath the
    parameter file's (the parameter file wins), and, when ``analysis.change_log_interruptions``
    is set, the flagged change-log months added to every measure's interruptions."""
    measures = dict(analysis.measures)
    for row in scorecard.measures.itertuples():
        given = measures.get(row.measure_id, MeasureOptions())
        its = _merge(row.its or {}, given.its)
        months = [str(p) for p in scorecard.interruptions() if str(p) != start]  # the start is the main one
        if analysis.change_log_interruptions and months:
            its["interruptions"] = sorted(set(its.get("interruptions") or []) | set(months))
        measures[row.measure_id] = MeasureOptions(its=ItsOptions(**its), spc=SpcOptions(**_merge(row.spc or {},
                                                                                             given.spc)))
    return analysis.model_copy(update={"measures": measures})


@dataclass(frozen=True)
class Inputs:
    """The loaded and checked inputs: scorecard (or None), catalogue, perspectives, indicators."""

    scorecard: Scorecard | None
    measures: pd.DataFrame
    perspectives: pd.DataFrame
    indicators: pd.DataFrame
    analysis: Analysis


def load_inputs(params: Params) -> Inputs:
    """Load and check every input named by ``params`` (raises on the first bad file)."""
    data = params.data
    scorecard = None
    if data.scorecard is not None:
        if data.measures is not None:
            raise ParameterError("give either a scorecard or a measure catalogue, not both",
                                 key="data.measures", found=str(data.measures))
        scorecard = load_scorecard(data.scorecard)
        catalogue = scorecard.measures_catalogue()
        perspectives = scorecard.perspectives
        analysis = analysis_with_scorecard(params.analysis, scorecard, params.programme.start)
        source = str(data.scorecard)
    else:
        catalogue = load_measures(data.measures)
        perspectives = default_perspectives()
        analysis = params.analysis
        source = str(data.measures)
    indicators = load_indicators(data.indicators, catalogue, measures_file=source)
    measures = select_measures(catalogue, params.report.measures)
    indicators = indicators[indicators["measure_id"].isin(measures["measure_id"])].reset_index(drop=True)
    return Inputs(scorecard, measures, perspectives, indicators, analysis)


def prepare_study(params: Params) -> Study:
    """Load, evaluate and summarise every measure named by ``params``."""
    inputs = load_inputs(params)
    scorecard, measures, perspectives, indicators, analysis = (
        inputs.scorecard, inputs.measures, inputs.perspectives, inputs.indicators, inputs.analysis)
    start = params.programme.start
    evaluations = evaluate_measures(indicators, measures, analysis, start)
    return Study(params=params, scorecard=scorecard, perspectives=perspectives, measures=measures,
                 indicators=indicators, analysis=analysis, evaluations=evaluations,
                 evidence=evidence_table(measures, indicators, evaluations, impact_at=12),
                 summary=summarise(indicators, measures, start))
