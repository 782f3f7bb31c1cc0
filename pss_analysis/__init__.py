"""pss-analysis: measurement and evaluation for the Public Sector Scorecard.

The main entry points, importable from the package itself (loaded on first use, so
``import pss_analysis`` stays fast)::

    from pss_analysis import fit_its, evaluate_spc, load_scorecard, run

- :func:`fit_its` — interrupted time series (:mod:`pss_analysis.methods.its`);
- :func:`evaluate_spc`, :func:`evaluate_spc_many` — statistical process control (:mod:`pss_analysis.methods.spc`);
- :func:`load_scorecard` — the Public Sector Scorecard (:mod:`pss_analysis.inputs.scorecard`);
- :func:`load_params`, :func:`run` — parameters and the report pipeline;
- :func:`prepare_study` — everything a report computes (:mod:`pss_analysis.evaluation.study`);
- :func:`compute_indicators` — indicators from record-level data (:mod:`pss_analysis.inputs.indicators`);
- :func:`suppress_table` — small-number suppression (:mod:`pss_analysis.reporting.suppression`);
- the exceptions of :mod:`pss_analysis.errors`.
"""

from __future__ import annotations

from pss_analysis._lazy import lazy_exports

__version__ = "0.14.0"

_EXPORTS = {
    "fit_its": "methods.its",
    "ItsResult": "methods.its",
    "evaluate_spc": "methods.spc",
    "evaluate_spc_many": "methods.spc",
    "SpcResult": "methods.spc",
    "load_scorecard": "inputs.scorecard",
    "Scorecard": "inputs.scorecard",
    "load_params": "config.loading",
    "Params": "config.params",
    "run": "run.pipeline",
    "prepare_study": "evaluation.study",
    "Study": "evaluation.study",
    "compute_indicators": "inputs.indicators",
    "suppress_table": "reporting.suppression",
    "PssError": "errors",
    "ParameterError": "errors",
    "DataValidationError": "errors",
    "InsufficientDataError": "errors",
    "ExecutionError": "errors",
    "RenderError": "errors",
    "PssWarning": "errors",
    "ShortSeriesWarning": "errors",
}

__all__ = ["__version__", *_EXPORTS]


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), extra=["__version__"])
