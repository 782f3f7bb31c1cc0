"""Which options each measure's analyses use: one merge of the layers of options.

Lowest first: the defaults by measure kind (applied in :mod:`pss_analysis.evaluation.measures`),
the parameter file's ``analysis.its`` / ``analysis.spc`` (for every measure), the scorecard's
per-measure ``its``/``spc`` options, and the parameter file's per-measure
``analysis.measures.<id>`` overrides: the more particular setting wins. Only options that are set
(not ``None``) in a layer override the layers beneath it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from pss_analysis.config.params import Analysis, ItsOptions, MeasureOptions, SpcOptions
from pss_analysis.inputs.scorecard import Scorecard

__all__ = ["merge_options", "measure_options", "robustness_options", "ROBUSTNESS_DEFAULTS", "analysis_with_scorecard"]

#: The robustness checks of every measure unless ``analysis.its.robustness`` or
#: ``analysis.measures.<id>.its.robustness`` say otherwise (:mod:`pss_analysis.methods.its.robustness`).
#: Four other models by default, the nearest to the measure's own (for counts and proportions: the other
#: family without a likelihood search, no/Fourier/month seasonality, Newey-West; for other values: the
#: seasonality choices, no autocorrelation correction and AR(1) errors): every model that changes one
#: choice except the negative binomial. The full table (8 to 17 other models, 612 fits for the demo's 18
#: measures against 216 for the default) made the demo's study several times slower
#: (``benchmarks/bench_robustness.py``); ``max_specifications: 100`` asks for all of them.
ROBUSTNESS_DEFAULTS: dict[str, Any] = {
    "enabled": True,
    "placebo": True,
    "specifications": True,
    "leave_one_out": True,
    "max_specifications": 4,
}


def merge_options(*layers: BaseModel | Mapping[str, Any] | None) -> dict[str, Any]:
    """The options of ``layers`` (lowest first) merged: each layer's set (not ``None``) values win."""
    merged: dict[str, Any] = {}
    for layer in layers:
        values = layer.model_dump() if isinstance(layer, BaseModel) else dict(layer or {})
        merged.update({k: v for k, v in values.items() if v is not None})
    return merged


def measure_options(analysis: Analysis, measure_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(ITS options, SPC options) chosen for one measure: ``analysis.its`` / ``analysis.spc`` with the
    measure's overrides (``analysis.measures``) on top; the defaults by kind are not included."""
    override = analysis.measures.get(measure_id, MeasureOptions())
    return merge_options(analysis.its, override.its), merge_options(analysis.spc, override.spc)


def robustness_options(analysis: Analysis, measure_id: str) -> dict[str, Any]:
    """The robustness options of one measure: :data:`ROBUSTNESS_DEFAULTS`, then ``analysis.its.robustness``,
    then the measure's ``analysis.measures.<id>.its.robustness``, option by option."""
    override = analysis.measures.get(measure_id, MeasureOptions())
    return merge_options(ROBUSTNESS_DEFAULTS, analysis.its.robustness, override.its.robustness)


def analysis_with_scorecard(analysis: Analysis, scorecard: Scorecard, start: str) -> Analysis:
    """The analysis options with the scorecard's per-measure ITS/SPC overrides beneath the
    parameter file's (the parameter file wins), and, when ``analysis.change_log_interruptions``
    is set, the flagged change-log months added to every measure's interruptions."""
    measures = dict(analysis.measures)
    months = [str(p) for p in scorecard.interruptions() if str(p) != start]  # the start is the main one
    for row in scorecard.measures.itertuples():
        given = measures.get(row.measure_id, MeasureOptions())
        its = merge_options(row.its, given.its)
        if analysis.change_log_interruptions and months:
            its["interruptions"] = sorted(set(its.get("interruptions") or []) | set(months))
        measures[row.measure_id] = MeasureOptions(
            its=ItsOptions(**its), spc=SpcOptions(**merge_options(row.spc, given.spc))
        )
    return analysis.model_copy(update={"measures": measures})
