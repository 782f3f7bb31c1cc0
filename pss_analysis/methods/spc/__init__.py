"""Statistical process control (SPC) for pss-analysis.

:func:`evaluate_spc` puts one series on a control chart (NHS Making Data
Count XmR, or any qicharts2 chart: I, MR, run, P, P', U, U', C, G, T, X-bar,
S), applies a named rule set (``mdc``, ``anhoej``, ``western_electric``,
``nelson``) and returns an :class:`SpcResult` with one row per point and a
per-phase summary carrying the MDC variation and assurance types.
:func:`evaluate_spc_many` does the same for many series at once.

Modules, in the order the evaluation runs them:

- :mod:`~pss_analysis.methods.spc.options`: checks every option once;
- :mod:`~pss_analysis.methods.spc.prepare`: reads the data into sorted points;
- :mod:`~pss_analysis.methods.spc.phases`: phases (``recalculate_at``), ``exclude`` and ``baseline``;
- :mod:`~pss_analysis.methods.spc.limits`: the chart's lines (using :mod:`~pss_analysis.methods.spc.charts`);
- :mod:`~pss_analysis.methods.spc.points`: rules (:mod:`~pss_analysis.methods.spc.rules`) and point types;
- :mod:`~pss_analysis.methods.spc.summary`: the per-phase summary;
- :mod:`~pss_analysis.methods.spc.result`: :class:`SpcResult` and :class:`SpcManyResult`;
- :mod:`~pss_analysis.methods.spc.evaluate`: the two public functions and the recipe joining the steps;
- :mod:`~pss_analysis.methods.spc.compare`: the later phase against the first one carried forward,
  and Laney's over-dispersion (sigma_z).

Plotting lives in :mod:`pss_analysis.reporting.figures.spc`.
"""

from pss_analysis.methods.spc.charts import CHARTS, ChartSpec
from pss_analysis.methods.spc.compare import PhaseComparison, compare_with_first_phase, laney_sigma_z
from pss_analysis.methods.spc.evaluate import check_spc_options, evaluate_spc, evaluate_spc_many
from pss_analysis.methods.spc.options import CONFLICT_POLICIES
from pss_analysis.methods.spc.points import NHSR_PRECEDENCE
from pss_analysis.methods.spc.result import ASSURANCE_TYPES, POINT_TYPES, VARIATION_TYPES, SpcManyResult, SpcResult
from pss_analysis.methods.spc.rules import RULE_SETS, RuleSet, anhoej_crossings_limit, anhoej_longest_run_limit
from pss_analysis.vocabulary import IMPROVEMENT_DIRECTIONS

__all__ = [
    "evaluate_spc",
    "check_spc_options",
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
    "NHSR_PRECEDENCE",
    "anhoej_longest_run_limit",
    "anhoej_crossings_limit",
    "PhaseComparison",
    "compare_with_first_phase",
    "laney_sigma_z",
]
