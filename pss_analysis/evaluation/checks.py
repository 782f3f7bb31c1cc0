"""Checks of the parameters against the loaded inputs, before any measure is evaluated.

Some parameters can only be checked once the catalogue (or scorecard) and the data are loaded:
the measure ids under ``analysis.measures``, the programme start against the months the data
cover, and every measure's ITS and SPC options as merged by
:mod:`pss_analysis.evaluation.options`, checked by the engines' own option checks
(:func:`~pss_analysis.methods.check_its_options`, :func:`~pss_analysis.methods.check_spc_options`)
so that the lists of valid values are spelled once, in the engines. Each problem is a
:class:`~pss_analysis.errors.ParameterError` naming the key that set the bad value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from pss_analysis.config.params import Analysis, MeasureOptions, Params
from pss_analysis.errors import ParameterError
from pss_analysis.evaluation.measures import its_options, spc_options
from pss_analysis.inputs.scorecard import Scorecard
from pss_analysis.inputs.tables import check_measure_ids
from pss_analysis.methods import check_its_options, check_spc_options

__all__ = ["check_measure_overrides", "check_start_within_data", "check_measure_options"]


def check_measure_overrides(params: Params, measures: pd.DataFrame) -> None:
    """Every id under ``analysis.measures`` is a measure of the catalogue (nearest id suggested)."""
    check_measure_ids(params.analysis.measures, measures, key="analysis.measures")


def check_start_within_data(start: str, indicators: pd.DataFrame) -> None:
    """The programme starts after the first month of the data and no later than the last."""
    if indicators.empty:
        return
    first, last = indicators["period"].min(), indicators["period"].max()
    month = pd.Period(start, freq="M")
    covered = f"the data cover {first} to {last}"
    if month > last:
        problem = f"the programme starts after the last month of the data ({covered})"
    elif month <= first:
        problem = (
            f"the programme starts at or before the first month of the data, leaving no months before it ({covered})"
        )
    else:
        return
    raise ParameterError(problem, key="programme.start", expected=f"a month from {first + 1} to {last}", found=start)


def check_measure_options(
    params: Params, measures: pd.DataFrame, analysis: Analysis, scorecard: Scorecard | None, indicators: pd.DataFrame
) -> None:
    """Each measure's merged ITS and SPC options pass the engines' checks; a bad one is named by the
    layer that set it: ``analysis.measures.<id>``, the scorecard's entry for the measure, or
    ``analysis.its`` / ``analysis.spc``."""
    points = indicators.groupby("measure_id").size()
    start = params.programme.start
    for measure in measures.to_dict("records"):
        mid = measure["measure_id"]
        checks: list[tuple[str, Callable[..., None], dict[str, Any]]] = [
            ("its", check_its_options, its_options(measure, analysis, int(points.get(mid, 0)), start)),
            ("spc", check_spc_options, spc_options(measure, analysis, start)),
        ]
        for engine, check, options in checks:
            key = json.dumps([engine, options], sort_keys=True, default=str)
            if key in _PASSED:
                continue
            try:
                check(**options)
            except ParameterError as exc:
                raise _named(exc, engine, mid, params, scorecard) from None
            if len(_PASSED) > _PASSED_KEPT:
                _PASSED.clear()
            _PASSED.add(key)


#: Option sets the engines' checks passed in this process (the checks depend on the options alone): a
#: batch of many units with one analysis checks each measure's options once.
_PASSED: set[str] = set()
_PASSED_KEPT = 10_000


def _named(exc: ParameterError, engine: str, mid: str, params: Params, scorecard: Scorecard | None) -> ParameterError:
    """The engine's error on one option, naming the parameter key (or scorecard entry) that set it."""
    option = (exc.key or "").split(".")[0]
    suffix = f"{engine}.{exc.key}"
    given = params.analysis.measures.get(mid, MeasureOptions())
    if getattr(getattr(given, engine), option, None) is not None:
        return ParameterError(
            exc.message, key=f"analysis.measures.{mid}.{suffix}", expected=exc.expected, found=exc.found
        )
    if option in _scorecard_options(scorecard, mid, engine):
        return ParameterError(
            f"measure '{mid}', key '{suffix}': {exc.message}",
            file=str(params.data.scorecard),
            expected=exc.expected,
            found=exc.found,
        )
    if getattr(getattr(params.analysis, engine), option, None) is not None:
        return ParameterError(
            f"{exc.message} (measure '{mid}')", key=f"analysis.{suffix}", expected=exc.expected, found=exc.found
        )
    return ParameterError(f"measure '{mid}': {exc.message}", key=exc.key, expected=exc.expected, found=exc.found)


def _scorecard_options(scorecard: Scorecard | None, mid: str, engine: str) -> Mapping[str, Any]:
    """The ITS or SPC options the scorecard sets for one measure (empty without a scorecard)."""
    if scorecard is None:
        return {}
    rows = scorecard.measures[scorecard.measures["measure_id"] == mid]
    return {} if rows.empty else (rows.iloc[0][engine] or {})
