"""The statistical engines of pss-analysis, usable on their own.

Each engine takes plain pandas data and keyword options and returns a result
object; none needs a scorecard, a parameter file or a notebook, and nothing
here imports from the stages that prepare inputs or write reports.

- :mod:`pss_analysis.methods.its`: interrupted time series (:func:`fit_its`,
  :class:`ItsResult`, :func:`compare_nested`; :func:`fit_its_many` for many series at once);
- :mod:`pss_analysis.methods.spc`: statistical process control
  (:func:`evaluate_spc`, :func:`evaluate_spc_many`, :class:`SpcResult`);
- :mod:`pss_analysis.methods.funnel`: funnel plot limits for comparing units (:func:`funnel_points`,
  Spiegelhalter 2005);
- :mod:`pss_analysis.methods.linkage`: driver -> outcome links on the strategy
  map (:func:`link_evidence`, :func:`cross_correlation`, :func:`prewhiten`).

:class:`SpcResult` and :class:`ItsResult` share their vocabulary:
``specification`` (the options used), ``messages`` (plain-English notes) and
``summary()`` (one row per phase); an SPC result's ``points`` is its per-point
table.
"""

from pss_analysis.methods.funnel import FUNNEL_LEVELS, funnel_limits, funnel_points
from pss_analysis.methods.its import ItsManyResult, ItsResult, check_its_options, compare_nested, fit_its, fit_its_many
from pss_analysis.methods.linkage import cross_correlation, link_evidence, prewhiten
from pss_analysis.methods.spc import SpcResult, check_spc_options, evaluate_spc, evaluate_spc_many

__all__ = [
    "fit_its",
    "fit_its_many",
    "ItsManyResult",
    "check_its_options",
    "ItsResult",
    "compare_nested",
    "evaluate_spc",
    "evaluate_spc_many",
    "check_spc_options",
    "SpcResult",
    "funnel_limits",
    "funnel_points",
    "FUNNEL_LEVELS",
    "link_evidence",
    "cross_correlation",
    "prewhiten",
]
