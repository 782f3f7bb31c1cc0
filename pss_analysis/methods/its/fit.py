"""The entry point :func:`fit_its`: validate the options, assemble the rows, check that there
are enough points, build the design, estimate and wrap the result."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pss_analysis.errors import InsufficientDataError, ShortSeriesWarning
from pss_analysis.methods.its.design import (
    _assemble_rows,
    _Design,
    _Interruptions,
    _log_offset,
    _make_design,
    _resolve_interruptions,
)
from pss_analysis.methods.its.estimators import _estimate, _Fit
from pss_analysis.methods.its.options import DEFAULT_ALPHA, TIME_SINCE_CONVENTIONS, _Options, _validate_options
from pss_analysis.methods.its.results import ItsResult
from pss_analysis.methods.its.series import _prepare_all_series

__all__ = ["fit_its", "check_its_options", "MIN_POINTS_PER_SIDE", "RECOMMENDED_POINTS_PER_SIDE"]

MIN_POINTS_PER_SIDE = 3
"""Fewest fitted points allowed before and after each interruption (else
:class:`InsufficientDataError`). Source: Cochrane Effective Practice and Organisation of Care
(EPOC) study-design criteria: an interrupted time series needs at least three data points
before and three after the intervention."""

RECOMMENDED_POINTS_PER_SIDE = 8
"""Fewer fitted points than this before or after an interruption issue a
:class:`ShortSeriesWarning`. Source: Penfold & Zhang (2013), "Use of interrupted time series
analysis in evaluating health care quality improvements", Academic Pediatrics 13(6 Suppl):S38-44
(rule of thumb of at least eight periods before and eight after the intervention)."""


# --------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------


def fit_its(
    data: pd.DataFrame,
    y: str,
    time: str,
    interruption: Any,
    *,
    family: str = "gaussian",
    offset: str | None = None,
    denominator: str | None = None,
    seasonality: str | Mapping[str, Any] | None = None,
    slope_change: bool = True,
    autocorrelation: str | Mapping[str, Any] | None = None,
    interruptions: Sequence[Any] | None = None,
    phase_in: int = 0,
    control: pd.DataFrame | Sequence[pd.DataFrame] | Mapping[str, pd.DataFrame] | None = None,
    alpha: float = DEFAULT_ALPHA,
    time_since: str = "wagner",
    control_unit: str | None = None,
) -> ItsResult:
    """Fit a segmented-regression interrupted time series.

    Parameters
    ----------
    data:
        One row per period. Rows may come in any order; they are sorted by ``time``.
    y:
        Outcome column (counts for count families, successes for binomial families).
    time:
        Time column: consecutive integers, monthly dates, or pandas periods (no gaps or
        duplicates). The module builds its own index ``t = 1..n``.
    interruption:
        The value of ``time`` at which the programme starts (first period in effect).
    family:
        One of :data:`FAMILIES`.
    offset:
        Count families: column of population/exposure; its log is the offset.
    denominator:
        Binomial families: column of trials.
    seasonality:
        None; ``"month"`` (season-position indicators); ``"fourier"`` (k=2, period=12); or a
        dict ``{"type": "month" | "fourier", "period": 12, "k": 2, "column": None}``. The season
        position is the calendar month (``ordinal mod period + 1`` for date/period time),
        ``(t - 1) mod period + 1`` for integer time (the first row is position 1), or the named
        ``column`` (values 1..period).
    slope_change:
        Fit a post-interruption slope term ``X_t * (time since the interruption)``.
    autocorrelation:
        None; ``{"type": "newey_west", "lags": L, "small_sample": True}``; ``"ar1"``;
        ``{"type": "arma", "order": (p, q)}`` (the last two Gaussian only).
    interruptions:
        Extra interruption times (e.g. change-log dates), each with its own level and slope
        change. Any at or after ``interruption`` is part of the programme (removed in the
        counterfactual); earlier ones are part of the history.
    phase_in:
        Number of periods from ``interruption`` left out of the fit (still predicted). The time
        since the interruption still counts from ``interruption``, so the level change remains
        the gap at the last pre-interruption period (wagner) or at the interruption (itsa)
        between the pre-interruption line and the post-phase-in line extrapolated back.
    control:
        Comparison data with the same columns: controlled ITS with group x time terms
        (Linden 2015). One series (a DataFrame); several series as one long table with a unit
        column (name it in ``control_unit``), a list of DataFrames or a mapping of unit names to
        DataFrames. Each control series must cover exactly the treated periods. The series are
        stacked (one treated, many controls) and fitted together, as Stata's
        ``itsa ..., treatid() lag()`` does: the control terms describe the comparison units
        pooled (for OLS, the line through their average). Effects are reported for the
        "difference" (treated minus control), "treated" and "control" groups; the counterfactual
        keeps the control group's changes. Seasonal terms are shared by every series; phase-in
        periods are excluded in each. Each series is its own panel: Newey-West lag products and
        ARMA error correlations never pair two series (Stata ``newey`` on ``tsset`` panel data),
        with the ``n/(n-k)`` factor on the total number of stacked points and t tests on
        ``N - k`` degrees of freedom. GLM families pool the same way; their standard errors are
        the model's (poisson, binomial, negbin), quasi-likelihood with one Pearson dispersion
        over every stacked point (quasipoisson, quasibinomial) or, with ``newey_west``, the
        within-panel HAC covariance. They are not cluster-robust by unit: with one treated unit
        the treated-minus-control terms would rest on a single cluster, for which cluster-robust
        standard errors are not valid (Conley & Taber 2011; Cameron & Miller 2015).
    alpha:
        Confidence intervals are at level 1 - alpha.
    time_since:
        ``"wagner"`` (default) or ``"itsa"``: see :data:`TIME_SINCE_CONVENTIONS`.
    control_unit:
        With a long ``control`` table: its column naming the comparison unit of each row.
        ``specification["comparison_units"]`` lists the units compared, in the order given.

    Returns
    -------
    ItsResult
        With ``summary()`` (= ``effects()``), ``impact()``, ``predictions()``, ``diagnostics()``,
        ``specification``, ``model``, ``coefficients``, ``covariance`` and ``messages``.

    Raises
    ------
    ParameterError, DataValidationError, InsufficientDataError
        Bad arguments, malformed data, or fewer than ``MIN_POINTS_PER_SIDE`` fitted points on a
        side of an interruption. Fewer than ``RECOMMENDED_POINTS_PER_SIDE`` issue a
        :class:`ShortSeriesWarning` (recorded in ``result.messages``).
    """
    options = _validate_options(
        family=family,
        seasonality=seasonality,
        autocorrelation=autocorrelation,
        slope_change=slope_change,
        phase_in=phase_in,
        alpha=alpha,
        time_since=time_since,
    )
    series, kind = _prepare_all_series(
        data,
        control,
        y=y,
        time=time,
        offset=offset,
        denominator=denominator,
        options=options,
        control_unit=control_unit,
    )
    inter = _resolve_interruptions(series[0][1], kind, interruption, interruptions, time)
    rows = _assemble_rows(series, inter, options.phase_in)
    messages = _check_sufficiency(rows, inter, options.phase_in, time)
    design = _make_design(rows, kind, inter, options, controlled=control is not None)
    log_offset = _log_offset(rows, offset)
    for message in messages:
        warnings.warn(message, ShortSeriesWarning, stacklevel=2)
    fit, fit_messages = _estimate_and_warn(options, rows, design, log_offset)
    spec = _specification(
        options,
        inter,
        rows,
        design,
        fit,
        y=y,
        time=time,
        offset=offset,
        denominator=denominator,
        controlled=control is not None,
    )
    return _make_result(spec, options, rows, design, fit, log_offset, messages + fit_messages)


#: The model options of :func:`fit_its` (the rest name columns or data).
_MODEL_OPTIONS = ("family", "seasonality", "autocorrelation", "slope_change", "phase_in", "alpha", "time_since")


def check_its_options(**options: Any) -> None:
    """Check the model options of :func:`fit_its` without any data, as :func:`fit_its` does first.

    Takes :func:`fit_its`'s keyword arguments (those naming columns or data are ignored; an
    option not given takes its default). Raises :class:`~pss_analysis.errors.ParameterError`
    naming the option (``seasonality``, ``autocorrelation.order``, ...) and the known values.
    """
    defaults = {name: p.default for name, p in inspect.signature(fit_its).parameters.items() if name in _MODEL_OPTIONS}
    _validate_options(**{**defaults, **{k: v for k, v in options.items() if k in _MODEL_OPTIONS}})


def _check_sufficiency(rows: Mapping[str, np.ndarray], inter: _Interruptions, phase_in: int, time: str) -> list[str]:
    """Fitted treated points on each side of each interruption (between its neighbours).

    Fewer than ``MIN_POINTS_PER_SIDE`` raise :class:`InsufficientDataError`; fewer than
    ``RECOMMENDED_POINTS_PER_SIDE`` give a message (returned, to be issued as a warning).
    """
    messages: list[str] = []
    fit_t = rows["t"][(rows["group"] == "treated") & rows["in_fit"]]
    bounds = [-np.inf, *inter.sorted_t, np.inf]
    for k, tau in enumerate(inter.sorted_t):
        before = int(np.sum((fit_t >= bounds[k]) & (fit_t < tau)))
        after = int(np.sum((fit_t >= tau) & (fit_t < bounds[k + 2])))
        for side, count in (("before", before), ("after", after)):
            where = f"{side} the interruption at {inter.labels[k]}"
            if count < MIN_POINTS_PER_SIDE:
                excluded = phase_in and side == "after" and tau == inter.main_t
                raise InsufficientDataError(
                    f"too few fitted points {where}" + (" (phase-in periods excluded)" if excluded else ""),
                    column=time,
                    expected=f"at least {MIN_POINTS_PER_SIDE}",
                    found=count,
                )
            if count < RECOMMENDED_POINTS_PER_SIDE:
                messages.append(
                    f"only {count} fitted points {where}; at least {RECOMMENDED_POINTS_PER_SIDE} "
                    "are recommended, so estimates may be unstable"
                )
    return messages


def _estimate_and_warn(
    options: _Options, rows: Mapping[str, np.ndarray], design: _Design, log_offset: np.ndarray
) -> tuple[_Fit, list[str]]:
    """Estimate on the fitted rows; the estimator's warnings are recorded and issued again
    (pointing at the caller of :func:`fit_its`)."""
    in_fit = rows["in_fit"]
    fam = options.family
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = _estimate(
            fam,
            options.autocorrelation,
            rows["y"][in_fit],
            rows["trials"][in_fit] if fam.binomial else None,
            design.x[in_fit],
            log_offset[in_fit],
            rows["panel"][in_fit],
            rows["t"][in_fit],
        )
    messages = []
    for w in caught:
        messages.append(str(w.message))
        warnings.warn(str(w.message), w.category, stacklevel=3)
    return fit, messages


def _inference(options: _Options) -> dict[str, str]:
    """How intervals, p-values and the covariance were obtained."""
    fam, ac = options.family, options.autocorrelation
    return {
        "ci": "t" if fam.ci_dist == "t" else "normal",
        "p_value": fam.p_dist,
        "covariance": (
            "newey_west"
            if ac and ac["type"] == "newey_west"
            else "gls_ml"
            if ac
            else ("pearson_scaled" if fam.quasi else "model")
        ),
    }


def _specification(
    options: _Options,
    inter: _Interruptions,
    rows: Mapping[str, np.ndarray],
    design: _Design,
    fit: _Fit,
    *,
    y: str,
    time: str,
    offset: str | None,
    denominator: str | None,
    controlled: bool,
) -> dict[str, Any]:
    """What was fitted (``ItsResult.specification``)."""
    fam, ac = options.family, options.autocorrelation
    treated = rows["group"] == "treated"
    spec: dict[str, Any] = {
        "family": fam.name,
        "family_description": fam.description,
        "link": fam.link,
        "y": y,
        "time": time,
        "offset": offset,
        "denominator": denominator,
        "seasonality": options.seasonality,
        "autocorrelation": (
            None
            if ac is None
            else dict(ac, lags=fit.extra["newey_west_lags"])
            if ac["type"] == "newey_west"
            else dict(ac)
        ),
        "time_since": options.time_since,
        "time_since_meaning": TIME_SINCE_CONVENTIONS[options.time_since],
        "slope_change": options.slope_change,
        "interruption": inter.main_label,
        "interruption_t": inter.main_t,
        "interruptions": inter.labels,
        "phase_in": options.phase_in,
        "alpha": options.alpha,
        "n": int(rows["in_fit"].sum()),
        "n_periods": int(treated.sum()),
        "controlled": controlled,
        "comparison_units": list(dict.fromkeys(rows["unit"][~treated].tolist())),
        "df_resid": fit.df_resid,
        "inference": _inference(options),
        "terms": list(design.names),
    }
    for key in ("negbin_alpha", "arma_params", "sigma_ml"):
        if key in fit.extra:
            spec[key] = fit.extra[key]
    return spec


def _diagnostic_inputs(options: _Options, rows: Mapping[str, np.ndarray], fit: _Fit, main_t: int) -> dict[str, Any]:
    """What ``ItsResult.diagnostics`` needs from the fit."""
    in_fit, t_all = rows["in_fit"], rows["t"]
    treated = rows["group"] == "treated"
    tr_fit = treated & in_fit
    ac = options.autocorrelation
    return {
        "resid": fit.resid,
        "x": fit.x_diag,
        "group": rows["panel"][in_fit],
        "t": t_all[in_fit],
        "n_before": int(np.sum(tr_fit & (t_all < main_t))),
        "n_after": int(np.sum(tr_fit & (t_all >= main_t))),
        "n_excluded": int(np.sum(treated & ~in_fit)),
        "residual_type": (
            "standardised innovations"
            if ac and ac["type"] in ("ar1", "arma")
            else "raw"
            if options.family.name == "gaussian"
            else "pearson"
        ),
        "dispersion": fit.dispersion,
        "residual_variance": fit.residual_variance,
        "aic": fit.aic,
        "llf": fit.llf,
    }


def _make_result(
    spec: dict[str, Any],
    options: _Options,
    rows: dict[str, np.ndarray],
    design: _Design,
    fit: _Fit,
    log_offset: np.ndarray,
    messages: list[str],
) -> ItsResult:
    """Wrap the fit, its design and its messages as an :class:`ItsResult`."""
    fam, alpha = options.family, options.alpha
    q_ci = stats.t.ppf(1 - alpha / 2, fit.df_resid) if fam.ci_dist == "t" else stats.norm.ppf(1 - alpha / 2)
    names = design.names
    return ItsResult(
        specification=spec,
        model=fit.model,
        messages=tuple(messages),
        coefficients=pd.Series(fit.beta, index=names, name="coef"),
        covariance=pd.DataFrame(fit.cov, index=names, columns=names),
        _rows=rows,
        _x=design.x,
        _x_cf=design.x_cf,
        _x_deseason=design.x_deseason,
        _log_offset=log_offset,
        _contrasts=design.contrasts,
        _diag_inputs=_diagnostic_inputs(options, rows, fit, spec["interruption_t"]),
        _quantiles={"ci": float(q_ci)},
    )
