"""Statistical process control (SPC) for pss-analysis.

:func:`evaluate_spc` puts one series on a control chart (NHS Making Data
Count XmR, or any qicharts2 chart: I, MR, run, P, P', U, U', C, G, T, X-bar,
S), applies a named rule set (``mdc``, ``anhoej``, ``western_electric``,
``nelson``) and returns an :class:`SpcResult` with one row per point and a
per-phase summary carrying the MDC variation and assurance types.
:func:`evaluate_spc_many` does the same for many series at once.

Plotting lives in :mod:`pss_analysis.reporting.figures.spc`.
"""

from pss_analysis.methods.spc.charts import CHARTS, ChartSpec
from pss_analysis.methods.spc.core import (
    ASSURANCE_TYPES,
    CONFLICT_POLICIES,
    IMPROVEMENT_DIRECTIONS,
    POINT_TYPES,
    VARIATION_TYPES,
    SpcManyResult,
    SpcResult,
    evaluate_spc,
    evaluate_spc_many,
)
from pss_analysis.methods.spc.rules import RULE_SETS, RuleSet, anhoej_crossings_limit, anhoej_longest_run_limit

__all__ = [
    "evaluate_spc",
    "evaluate_spc_many",
    "SpcResult",
    "SpcManyResult",
    "CHARTS",
    "ChartSpec",
    "RULE_SETS",
    "RuleSet",
    "POINT_TYPES",
    "VARIATION_TYPES",
    "ASSURANCE_TYPES",
    "IMPROVEMENT_DIRECTIONS",
    "CONFLICT_POLICIES",
    "anhoej_longest_run_limit",
    "anhoej_crossings_limit",
]
