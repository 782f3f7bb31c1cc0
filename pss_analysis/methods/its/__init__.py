"""Interrupted time series (segmented regression) for programme evaluation.

The model for a single series, with ``t = 1..n`` the module's own time index and
``X_t`` = 1 from the interruption on, is::

    g(E[y_t]) = b0 + b1*t + b2*X_t + b3*X_t*(time since the interruption) [+ seasonal terms] [+ log offset]

(Wagner et al. 2002; Lopez Bernal, Cummins & Gasparrini 2017, with the authors' published
correction that the slope term is ``X_t*(T - T_I)``, not ``X_t*T``). ``b0`` is the
*baseline level* (the level at ``t = 0``, with every seasonal regressor at 0), ``b1`` the
*pre-interruption trend* per period, ``b2`` the *level change* and ``b3`` the *slope change*;
``b1 + b3`` is the *post-interruption trend*.

Two conventions for the time since the interruption are supported (``time_since``), and every
output names the one used:

* ``"wagner"`` (default; Wagner et al. 2002, the Lopez Bernal tutorial's ``I(time-36):smokban``):
  it is 1 at the first post-interruption period, so the level change is the gap between the two
  lines at the *last pre-interruption* period.
* ``"itsa"`` (Stata ``itsa``, Linden 2015): it is 0 at the first post-interruption period, so the
  level change is the gap at the *first post-interruption* period. It equals the Wagner level
  change plus one slope change; slope change and post-interruption trend are identical.

Families (``FAMILIES``): ``gaussian`` (OLS), ``poisson``, ``quasipoisson`` (dispersion = Pearson
chi-square / residual df, as R's ``quasipoisson`` and statsmodels ``scale="X2"``), ``negbin``
(NB2; the negative-binomial ``alpha`` = 1/theta is estimated by maximum likelihood, maximising
the profile log-likelihood of statsmodels GLM ``NegativeBinomial(alpha)`` fits over log(alpha);
the reported regression is the GLM at that ``alpha``, so standard errors are conditional on
``alpha`` exactly as ``MASS::glm.nb`` reports them), ``binomial`` and ``quasibinomial`` (``y`` = successes, ``denominator`` = trials).

Inference (following the reference README): GLM families get Wald confidence intervals with
normal quantiles (as ``Epi::ci.lin``); p-values use the normal distribution for poisson,
binomial and negbin and the t distribution on the residual df for the quasi families (R's
``summary.glm``). Gaussian models use t-based intervals and p-values on the residual df
(OLS, Newey-West as Stata ``newey``, and ARMA errors as ``nlme::gls``).

Autocorrelation (``AUTOCORRELATION_METHODS``):

* ``newey_west``: HAC covariance with Bartlett weights (statsmodels ``cov_type="hac-panel"``,
  which with one series and no gaps is identical to ``cov_type="HAC"``).
  ``small_sample=True`` multiplies the covariance by ``n/(n-k)`` as Stata's ``newey`` does
  (statsmodels ``use_correction``; the factor is verified in the tests). Each series (and, with
  a phase-in, each run of consecutive fitted periods) is one panel, so lag products never span
  two series or the excluded phase-in window.
* ``ar1`` and ``arma``: Gaussian only. Regression with ARMA(p, q) errors by exact Gaussian
  maximum likelihood: the ARMA parameters maximise the profile likelihood (the regression
  coefficients and the innovation variance are profiled out by GLS), then statsmodels ``GLS`` is
  fitted with the ML correlation matrix. This is the estimator of
  ``nlme::gls(y ~ ..., correlation = corAR1(form = ~ t), method = "ML")`` (or ``corARMA``), with
  the same standard errors (``nlme`` scales ``(X' R^-1 X)^-1`` by ``RSS*/(N - p)`` also under ML)
  and t tests on ``N - p`` df; it is also SARIMAX's exact likelihood. Gaps (phase-in) are
  handled through the correlation at the true time distance.

Fitted values, counterfactuals and impacts are always the regression mean ``g^-1(X b + offset)``
(for ARMA errors the structural line, not one-step-ahead predictions).

Analysis code never plots and never rounds; see :mod:`pss_analysis.reporting.figures.its` for the figure.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats
from statsmodels.genmod import families as _sm_families
from statsmodels.genmod.generalized_linear_model import GLM as _GLM
from statsmodels.regression.linear_model import GLS as _GLS
from statsmodels.regression.linear_model import OLS as _OLS
from statsmodels.tsa.arima_process import arma_acovf as _arma_acovf
from statsmodels.tsa.statespace.tools import (
    constrain_stationary_univariate as _constrain_stationary,
)

from pss_analysis.errors import (
    DataValidationError,
    InsufficientDataError,
    ParameterError,
    PssWarning,
    ShortSeriesWarning,
)

__all__ = [
    "fit_its",
    "compare_nested",
    "ItsResult",
    "FAMILIES",
    "SEASONALITY_KINDS",
    "AUTOCORRELATION_METHODS",
    "TIME_SINCE_CONVENTIONS",
    "MIN_POINTS_PER_SIDE",
    "RECOMMENDED_POINTS_PER_SIDE",
    "DEFAULT_ALPHA",
    "DEFAULT_FOURIER_HARMONICS",
    "DEFAULT_SEASONAL_PERIOD",
]

# --------------------------------------------------------------------------------------------
# Named thresholds and defaults (each with its source)
# --------------------------------------------------------------------------------------------

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

DEFAULT_ALPHA = 0.05
"""Default 1 - confidence level (95% intervals), as in the reference tutorial."""

DEFAULT_SEASONAL_PERIOD = 12
"""Default seasonal period (months in a year), as ``harmonic(month, 2, 12)`` in Lopez Bernal,
Cummins & Gasparrini (2017)."""

DEFAULT_FOURIER_HARMONICS = 2
"""Default number of Fourier harmonic pairs, as ``harmonic(month, 2, 12)`` in Lopez Bernal,
Cummins & Gasparrini (2017)."""

LJUNG_BOX_LAGS_NONSEASONAL = 10
"""Default residual-autocorrelation test lags without seasonality. Source: Hyndman &
Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed., section 5.4): use 10 lags for
non-seasonal data, 2 x the period for seasonal data, and at most T/5."""

LJUNG_BOX_SEASONAL_MULTIPLE = 2
"""Seasonal data: residual-autocorrelation tests use this many seasonal periods of lags
(Hyndman & Athanasopoulos, FPP 3rd ed., section 5.4)."""

LJUNG_BOX_MAX_FRACTION = 0.2
"""Residual-autocorrelation tests use at most this fraction (T/5) of the fitted points as lags
(Hyndman & Athanasopoulos, FPP 3rd ed., section 5.4)."""

NEWEY_WEST_DEFAULT_LAGS_FACTOR = 4.0
NEWEY_WEST_DEFAULT_LAGS_EXPONENT = 2.0 / 9.0
"""Without explicit ``lags``, Newey-West uses floor(4 (n/100)^(2/9)) lags: Newey & West (1994),
"Automatic lag selection in covariance matrix estimation", Review of Economic Studies 61(4)
(the rule statsmodels also uses by default)."""

IRLS_PARAMS_TOL = 1e-11
"""Numerical (not statistical) convergence tolerance: IRLS stops when no coefficient moves by
more than this much, so results agree with R's ``glm`` (at a tight ``epsilon``) to well
beyond the printed digits."""

IRLS_MAX_ITER = 200
"""Numerical safeguard: maximum IRLS iterations."""

NEGBIN_LOG_ALPHA_BOUNDS = (-20.0, 5.0)
"""Numerical search range for log(alpha) of the negative binomial (alpha from 2e-9 to 148)."""

NEGBIN_LOG_ALPHA_XTOL = 1e-9
"""Numerical tolerance on log(alpha) for the negative-binomial maximum likelihood."""

NEGBIN_NEGLIGIBLE_OVERDISPERSION = 1e-4
"""If alpha x mean count is below this, the negative-binomial variance (mu + alpha mu^2) exceeds
the Poisson variance by under 0.01% at the mean: reported (PssWarning) as "no overdispersion"."""

ARMA_OPTIMIZER_GTOL = 1e-9
"""Numerical tolerance of the profile-likelihood optimiser for ARMA error parameters."""

# --------------------------------------------------------------------------------------------
# Registries
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Family:
    name: str
    link: str
    counts: bool
    binomial: bool
    quasi: bool
    p_dist: str
    ci_dist: str
    description: str


FAMILIES: Mapping[str, _Family] = MappingProxyType(
    {
        "gaussian": _Family("gaussian", "identity", False, False, False, "t", "t",
                            "Gaussian, identity link (OLS)"),
        "poisson": _Family("poisson", "log", True, False, False, "z", "z",
                           "Poisson GLM, log link"),
        "quasipoisson": _Family("quasipoisson", "log", True, False, True, "t", "z",
                                "quasi-Poisson GLM, log link, Pearson dispersion"),
        "negbin": _Family("negbin", "log", True, False, False, "z", "z",
                          "negative binomial (NB2) GLM, log link, alpha by maximum likelihood"),
        "binomial": _Family("binomial", "logit", False, True, False, "z", "z",
                            "binomial GLM, logit link"),
        "quasibinomial": _Family("quasibinomial", "logit", False, True, True, "t", "z",
                                 "quasi-binomial GLM, logit link, Pearson dispersion"),
    }
)
"""Known outcome families, by name."""

TIME_SINCE_CONVENTIONS: Mapping[str, str] = MappingProxyType(
    {
        "wagner": "time since the interruption is 1 at the first post-interruption period "
                  "(Wagner et al. 2002; Lopez Bernal et al. 2017): the level change is the gap "
                  "at the last pre-interruption period",
        "itsa": "time since the interruption is 0 at the first post-interruption period "
                "(Stata itsa, Linden 2015): the level change is the gap at the first "
                "post-interruption period",
    }
)
"""Known conventions for the time-since-interruption term, with what the level change means."""

_TIME_SINCE_SHIFT = {"wagner": 1, "itsa": 0}


def _link_functions(link: str) -> tuple[Callable, Callable]:
    """Inverse link and its derivative d mu / d eta."""
    return _LINKS[link]


def _expit_deriv(eta: np.ndarray) -> np.ndarray:
    p = special.expit(eta)
    return p * (1.0 - p)


_LINKS: dict[str, tuple[Callable, Callable]] = {
    "identity": (lambda eta: np.asarray(eta, dtype=float), lambda eta: np.ones_like(eta, dtype=float)),
    "log": (np.exp, np.exp),
    "logit": (special.expit, _expit_deriv),
}


def _fourier_block(position: np.ndarray, spec: Mapping[str, Any]) -> tuple[np.ndarray, list[str]]:
    """sin/cos(2 pi k s / period), k = 1..K, as R ``tsModel::harmonic(s, K, period)``."""
    period = spec["period"]
    cols, names = [], []
    for k in range(1, spec["k"] + 1):
        angle = 2.0 * np.pi * k * position / period
        cols += [np.sin(angle), np.cos(angle)]
        names += [f"fourier_sin{k}", f"fourier_cos{k}"]
    return np.column_stack(cols), names


def _month_block(position: np.ndarray, spec: Mapping[str, Any]) -> tuple[np.ndarray, list[str]]:
    """Indicator columns for season positions 2..period (position 1 is the reference)."""
    period = spec["period"]
    levels = np.arange(2, period + 1)
    block = (position[:, None] == levels[None, :]).astype(float)
    return block, [f"season_{s}" for s in levels]


SEASONALITY_KINDS: Mapping[str, Callable] = MappingProxyType(
    {"month": _month_block, "fourier": _fourier_block}
)
"""Known seasonality kinds: ``"month"`` (one indicator per season position, position 1 the
reference) and ``"fourier"`` (harmonic pairs)."""

AUTOCORRELATION_METHODS: Mapping[str, str] = MappingProxyType(
    {
        "newey_west": "Newey-West (HAC) covariance, Bartlett weights; any family",
        "ar1": "Gaussian regression with AR(1) errors by exact maximum likelihood",
        "arma": "Gaussian regression with ARMA(p, q) errors by exact maximum likelihood",
    }
)
"""Known autocorrelation methods."""


# --------------------------------------------------------------------------------------------
# Argument parsing
# --------------------------------------------------------------------------------------------


def _unknown(kind: str, name: Any, known: Sequence[str], key: str) -> ParameterError:
    return ParameterError(
        f"unknown {kind}", key=key, expected=f"one of {', '.join(sorted(known))}", found=name
    )


def _parse_family(family: Any) -> _Family:
    if not isinstance(family, str) or family not in FAMILIES:
        raise _unknown("family", family, list(FAMILIES), "family")
    return FAMILIES[family]


def _positive_int(value: Any, key: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(
            "not a valid whole number", key=key, expected=f"an integer >= {minimum}", found=value
        )
    return int(value)


def _parse_seasonality(seasonality: Any) -> dict[str, Any] | None:
    if seasonality is None:
        return None
    if isinstance(seasonality, str):
        spec: dict[str, Any] = {"type": seasonality}
    elif isinstance(seasonality, Mapping):
        spec = dict(seasonality)
        if "type" not in spec:
            raise ParameterError(
                "seasonality needs a 'type'", key="seasonality",
                expected=f"one of {', '.join(sorted(SEASONALITY_KINDS))}", found=seasonality,
            )
    else:
        raise ParameterError(
            "seasonality must be a name or a dict", key="seasonality",
            expected=f"None, one of {', '.join(sorted(SEASONALITY_KINDS))} or a dict",
            found=seasonality,
        )
    kind = spec["type"]
    if kind not in SEASONALITY_KINDS:
        raise _unknown("seasonality", kind, list(SEASONALITY_KINDS), "seasonality")
    allowed = {"type", "period", "column"} | ({"k"} if kind == "fourier" else set())
    extra = set(spec) - allowed
    if extra:
        raise ParameterError(
            f"unknown key for seasonality '{kind}'", key="seasonality",
            expected=f"keys among {', '.join(sorted(allowed))}", found=sorted(extra),
        )
    spec["period"] = _positive_int(spec.get("period", DEFAULT_SEASONAL_PERIOD), "seasonality.period", 2)
    spec.setdefault("column", None)
    if kind == "fourier":
        spec["k"] = _positive_int(spec.get("k", DEFAULT_FOURIER_HARMONICS), "seasonality.k", 1)
        if 2 * spec["k"] >= spec["period"]:
            raise ParameterError(
                "too many Fourier harmonics for the period (at k = period/2 the sine term is "
                "identically zero)", key="seasonality.k",
                expected=f"k below {spec['period'] / 2:g}", found=spec["k"],
            )
    return {k: spec[k] for k in sorted(spec)}


def _parse_autocorrelation(autocorrelation: Any, family: _Family) -> dict[str, Any] | None:
    if autocorrelation is None:
        return None
    if isinstance(autocorrelation, str):
        spec: dict[str, Any] = {"type": autocorrelation}
    elif isinstance(autocorrelation, Mapping):
        spec = dict(autocorrelation)
    else:
        raise ParameterError(
            "autocorrelation must be a name or a dict", key="autocorrelation",
            expected=f"None, one of {', '.join(sorted(AUTOCORRELATION_METHODS))} or a dict",
            found=autocorrelation,
        )
    kind = spec.get("type")
    if kind not in AUTOCORRELATION_METHODS:
        raise _unknown("autocorrelation method", kind, list(AUTOCORRELATION_METHODS), "autocorrelation")
    if kind == "newey_west":
        extra = set(spec) - {"type", "lags", "small_sample"}
        if spec.get("lags") is not None:
            spec["lags"] = _positive_int(spec["lags"], "autocorrelation.lags", 0)
        else:
            spec["lags"] = None  # resolved from n at fit time
        spec["small_sample"] = bool(spec.get("small_sample", True))
    else:
        if family.name != "gaussian":
            raise ParameterError(
                f"autocorrelation '{kind}' is only available for the gaussian family",
                key="autocorrelation", expected="family 'gaussian' (or newey_west for other families)",
                found=family.name,
            )
        if kind == "ar1":
            extra = set(spec) - {"type"}
            spec["order"] = (1, 0)
        else:
            extra = set(spec) - {"type", "order"}
            order = spec.get("order")
            if (
                not isinstance(order, (tuple, list)) or len(order) != 2
                or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0 for v in order)
                or sum(order) == 0
            ):
                raise ParameterError(
                    "ARMA order must be (p, q)", key="autocorrelation.order",
                    expected="two non-negative integers, not both zero", found=order,
                )
            spec["order"] = (int(order[0]), int(order[1]))
    if extra:
        raise ParameterError(
            f"unknown key for autocorrelation '{kind}'", key="autocorrelation",
            expected="type, lags, small_sample (newey_west) or type, order (arma)",
            found=sorted(extra),
        )
    return spec


# --------------------------------------------------------------------------------------------
# Data validation and the time index
# --------------------------------------------------------------------------------------------


@dataclass
class _Series:
    """One validated series, sorted by time."""

    time: pd.Series  # original time values, sorted, index reset
    ordinal: np.ndarray  # integer period number
    y: np.ndarray
    trials: np.ndarray | None
    exposure: np.ndarray | None
    season_column: np.ndarray | None


@dataclass(frozen=True)
class _TimeKind:
    kind: str  # "integer" | "period" | "datetime"
    freq: Any = None


def _require_column(data: pd.DataFrame, column: Any, role: str, label: str) -> pd.Series:
    if not isinstance(column, str) or column not in data.columns:
        shown = ", ".join(map(str, list(data.columns)[:20]))
        raise ParameterError(
            f"the {role} column is not in the {label} data", key=role,
            expected=f"one of the columns [{shown}]", found=column,
        )
    return data[column]


def _time_ordinals(col: pd.Series, name: str, label: str) -> tuple[np.ndarray, _TimeKind]:
    """Integer period numbers for the time column, and how to read interruption values."""
    n_missing = int(col.isna().sum())
    if n_missing:
        rows = list(np.flatnonzero(col.isna().to_numpy())[:5])
        raise DataValidationError(
            f"{n_missing} missing value(s) in the time column of the {label} series "
            f"(at data rows {rows})", column=name, expected="a value on every row",
            found=f"{n_missing} missing",
        )
    dtype = col.dtype
    if isinstance(dtype, pd.PeriodDtype):
        return np.asarray(col.array.asi8, dtype=np.int64), _TimeKind("period", dtype.freq)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        periods = col.dt.to_period("M")
        return np.asarray(periods.array.asi8, dtype=np.int64), _TimeKind("datetime", periods.dtype.freq)
    if pd.api.types.is_bool_dtype(dtype):
        raise DataValidationError(
            f"the time column of the {label} series holds true/false values", column=name,
            expected="integers, dates or periods", found=str(dtype),
        )
    if pd.api.types.is_integer_dtype(dtype):
        return col.to_numpy(dtype=np.int64), _TimeKind("integer")
    if pd.api.types.is_float_dtype(dtype):
        values = col.to_numpy(dtype=float)
        bad = ~np.isfinite(values) | (values != np.round(values))
        if bad.any():
            raise DataValidationError(
                f"the time column of the {label} series holds non-whole numbers", column=name,
                expected="integers, dates or periods", found=values[bad][0],
            )
        return values.astype(np.int64), _TimeKind("integer")
    if dtype == object:
        values = list(col)
        if all(isinstance(v, pd.Period) for v in values):
            index = pd.PeriodIndex(values)
            return np.asarray(index.asi8, dtype=np.int64), _TimeKind("period", index.freq)
        if all(isinstance(v, (pd.Timestamp, np.datetime64)) or (hasattr(v, "year") and hasattr(v, "month"))
               for v in values):
            periods = pd.Series(pd.to_datetime(values)).dt.to_period("M")
            return np.asarray(periods.array.asi8, dtype=np.int64), _TimeKind("datetime", periods.dtype.freq)
    raise DataValidationError(
        f"the time column of the {label} series has an unsupported type", column=name,
        expected="integers, dates or periods", found=str(dtype),
    )


def _interruption_ordinal(value: Any, kind: _TimeKind, key: str, time_name: str,
                          first: Any, last: Any) -> int:
    """Convert an interruption given as a value of the time column to its period number."""
    try:
        if kind.kind == "integer":
            if isinstance(value, bool) or not isinstance(value, (int, np.integer, float, np.floating)) \
                    or float(value) != round(float(value)):
                raise TypeError
            return int(value)
        if kind.kind == "period":
            period = value if isinstance(value, pd.Period) else pd.Period(value, freq=kind.freq)
            if period.freq != kind.freq:
                raise TypeError
            return int(period.ordinal)
        stamp = value.to_timestamp() if isinstance(value, pd.Period) else pd.Timestamp(value)
        return int(stamp.to_period("M").ordinal)
    except (TypeError, ValueError) as exc:
        raise ParameterError(
            f"cannot read the interruption as a value of the time column '{time_name}'",
            key=key, expected=f"a value between {first} and {last}", found=value,
        ) from exc


def _check_outcome(series: pd.Series, name: str, times: pd.Series, label: str) -> np.ndarray:
    if not (pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)):
        raise DataValidationError(
            f"the outcome of the {label} series is not numeric", column=name,
            expected="numbers", found=str(series.dtype),
        )
    values = series.to_numpy(dtype=float, na_value=np.nan)
    missing = ~np.isfinite(values)
    if missing.any():
        where = [str(v) for v in times[missing].head(5)]
        more = " and more" if missing.sum() > 5 else ""
        raise DataValidationError(
            f"{int(missing.sum())} missing or non-finite value(s) in the {label} series at time "
            f"{', '.join(where)}{more}", column=name, expected="a value in every period",
            found=f"{int(missing.sum())} missing",
        )
    return values


def _first_bad(mask: np.ndarray, values: np.ndarray, times: pd.Series) -> tuple[Any, str]:
    i = int(np.flatnonzero(mask)[0])
    return values[i], str(times.iloc[i])


def _prepare_series(data: pd.DataFrame, *, y: str, time: str, offset: str | None,
                    denominator: str | None, family: _Family, season_column: str | None,
                    label: str) -> tuple[_Series, _TimeKind]:
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(
            f"the {label} data must be a pandas DataFrame", key="data" if label == "treated" else "control",
            expected="a DataFrame", found=type(data).__name__,
        )
    time_col = _require_column(data, time, "time", label)
    y_col = _require_column(data, y, "y", label)
    ordinal, kind = _time_ordinals(time_col, time, label)
    order = np.argsort(ordinal, kind="stable")
    ordinal = ordinal[order]
    times = time_col.iloc[order].reset_index(drop=True)
    dup = np.flatnonzero(np.diff(ordinal) == 0)
    if dup.size:
        raise DataValidationError(
            f"duplicate period in the time column of the {label} series", column=time,
            expected="each period once", found=times.iloc[dup[0] + 1],
        )
    gap = np.flatnonzero(np.diff(ordinal) > 1)
    if gap.size:
        i = gap[0]
        raise DataValidationError(
            f"gap in the time column of the {label} series: {times.iloc[i]} is followed by "
            f"{times.iloc[i + 1]}", column=time, expected="consecutive periods",
            found=times.iloc[i + 1],
        )
    yv = _check_outcome(y_col.iloc[order].reset_index(drop=True), y, times, label)
    if family.counts or family.binomial:
        bad = (yv < 0) | (yv != np.round(yv))
        if bad.any():
            value, when = _first_bad(bad, yv, times)
            raise DataValidationError(
                f"the {family.name} family needs whole-number counts, but the {label} series has "
                f"{value:g} at time {when}", column=y, expected="non-negative whole numbers",
                found=value,
            )
    exposure = None
    if offset is not None:
        if not family.counts:
            raise ParameterError(
                f"an offset is only used by the count families; the {family.name} family "
                + ("takes trials in 'denominator'" if family.binomial else "models y directly"),
                key="offset", expected="offset=None", found=offset,
            )
        off_col = _require_column(data, offset, "offset", label).iloc[order].reset_index(drop=True)
        exposure = _check_outcome(off_col, offset, times, label)
        bad = exposure <= 0
        if bad.any():
            value, when = _first_bad(bad, exposure, times)
            raise DataValidationError(
                f"the offset (population or exposure) must be positive, but the {label} series "
                f"has {value:g} at time {when}", column=offset, expected="values > 0", found=value,
            )
    trials = None
    if family.binomial:
        if denominator is None:
            raise ParameterError(
                f"the {family.name} family needs the number of trials", key="denominator",
                expected="the name of the trials column", found=None,
            )
        den_col = _require_column(data, denominator, "denominator", label).iloc[order].reset_index(drop=True)
        trials = _check_outcome(den_col, denominator, times, label)
        bad = (trials <= 0) | (trials != np.round(trials))
        if bad.any():
            value, when = _first_bad(bad, trials, times)
            raise DataValidationError(
                f"the denominator must be a positive whole number, but the {label} series has "
                f"{value:g} at time {when}", column=denominator, expected="whole numbers > 0",
                found=value,
            )
        bad = yv > trials
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataValidationError(
                f"more successes than trials in the {label} series at time {times.iloc[i]} "
                f"({yv[i]:g} > {trials[i]:g})", column=y,
                expected=f"at most the value of '{denominator}'", found=yv[i],
            )
    elif denominator is not None:
        raise ParameterError(
            f"a denominator is only used by the binomial families, not {family.name}",
            key="denominator", expected="denominator=None", found=denominator,
        )
    season = None
    if season_column is not None:
        s_col = _require_column(data, season_column, "seasonality.column", label)
        season = _check_outcome(s_col.iloc[order].reset_index(drop=True), season_column, times, label)
    return _Series(times, ordinal, yv, trials, exposure, season), kind


# --------------------------------------------------------------------------------------------
# Result objects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class ItsResult:
    """A fitted interrupted time series.

    Attributes
    ----------
    specification:
        What was fitted: family, link, offset, denominator, seasonality, autocorrelation,
        time_since (with its meaning), slope_change, interruption(s), phase_in, alpha, n (points
        in the fit), controlled, the estimator and the inference used.
    model:
        The statsmodels results object (OLS/GLM/GLS results).
    warnings:
        Messages of the warnings issued while fitting (also emitted with ``warnings.warn``).
    coefficients:
        All regression coefficients, by term name (link scale).
    covariance:
        Their covariance matrix (the one used for every interval).
    """

    specification: dict[str, Any]
    model: Any
    warnings: tuple[str, ...]
    coefficients: pd.Series
    covariance: pd.DataFrame
    _rows: dict[str, np.ndarray] = field(repr=False)
    _x: np.ndarray = field(repr=False)
    _x_cf: np.ndarray = field(repr=False)
    _x_deseason: np.ndarray | None = field(repr=False)
    _log_offset: np.ndarray = field(repr=False)
    _contrasts: list[dict[str, Any]] = field(repr=False)
    _diag_inputs: dict[str, Any] = field(repr=False)
    _quantiles: dict[str, float] = field(repr=False)

    # ---------------------------------------------------------------- effects
    def effects(self) -> pd.DataFrame:
        """The segmented-regression effects, one row per term.

        Terms: ``baseline_level``, ``pre_trend`` and, for each interruption (column
        ``interruption``), ``level_change``, ``slope_change`` (if fitted) and ``post_trend``
        (= pre_trend + the slope changes up to that interruption, SE from the covariance).
        Columns: ``group`` ("treated"; in a controlled fit also "control" and "difference" =
        treated minus control), ``term``, ``interruption``, ``coef`` and ``std_error`` (link
        scale), ``estimate``, ``ci_lower``, ``ci_upper`` (exponentiated for log/logit links:
        rate or odds ratios), ``p_value``, ``scale`` ("absolute" for the identity link; "ratio"
        for exponentiated ratios; "exponentiated" for a baseline level under a log/logit link,
        which is a rate, count or odds, not a ratio) and ``time_since`` (the convention used,
        which fixes what ``level_change`` means). The baseline level is the level at t = 0, one
        period before the first point, under the Wagner convention (as R's intercept with a time
        index starting at 1, e.g. Lopez Bernal et al. 2017), and the level at the first point under
        the itsa convention (Stata itsa's ``_cons``, whose ``_t`` starts at 0). Seasonal terms are not
        included (see ``coefficients``).
        """
        beta = self.coefficients.to_numpy()
        cov = self.covariance.to_numpy()
        link = self.specification["link"]
        q = self._quantiles["ci"]
        p_dist, df = self.specification["inference"]["p_value"], self.specification["df_resid"]
        records = []
        for c in self._contrasts:
            vec = c["vector"]
            coef = float(vec @ beta)
            se = float(math.sqrt(max(vec @ cov @ vec, 0.0)))
            lo, hi = coef - q * se, coef + q * se
            stat = coef / se if se > 0 else np.nan
            if p_dist == "t":
                p = float(2.0 * stats.t.sf(abs(stat), df)) if np.isfinite(stat) else np.nan
            else:
                p = float(2.0 * stats.norm.sf(abs(stat))) if np.isfinite(stat) else np.nan
            if link == "identity":
                est, scale = coef, "absolute"
            else:
                est, lo, hi = math.exp(coef), math.exp(lo), math.exp(hi)
                scale = "exponentiated" if c["is_level"] else "ratio"
            records.append({
                "group": c["group"], "term": c["term"], "interruption": c["interruption"],
                "coef": coef, "estimate": est, "std_error": se, "ci_lower": lo, "ci_upper": hi,
                "p_value": p, "scale": scale, "time_since": self.specification["time_since"],
            })
        frame = pd.DataFrame.from_records(records)
        frame["interruption"] = pd.Series([r["interruption"] for r in records], dtype=object)
        return frame

    # ---------------------------------------------------------------- predictions
    def predictions(self, *, per: float | None = None) -> pd.DataFrame:
        """Observed, fitted and counterfactual values, one row per period (and group).

        Columns: ``group``, ``time`` (the original time values), ``t`` (1..n), ``phase``
        ("pre", "phase_in" = excluded from the fit but predicted, "post"), ``segment`` (0 before
        the first interruption, k after the k-th), ``in_fit``, ``observed``, ``fitted``,
        ``fitted_lower``, ``fitted_upper``, ``counterfactual`` (the programme's terms set to
        zero: the pre-interruption model extrapolated with the same offset and seasonality; in a
        controlled fit, the treated series with the treated-minus-control changes removed; for
        pre-interruption and control rows it equals the fit), ``counterfactual_lower``,
        ``counterfactual_upper`` and, with seasonality, ``deseasonalised`` (the fit with every
        seasonal regressor at its average over one full cycle). Intervals are confidence
        intervals for the mean (Wald on the link scale, back-transformed); their level is in
        ``frame.attrs["confidence_level"]``.

        Units: the outcome's own (counts for count families; proportions successes/trials for
        binomial families). ``per``: with an offset, give values as rates per ``per`` units of
        offset (e.g. ``per=100_000``); for binomial families, proportions times ``per`` (e.g.
        ``per=100`` for percentages).
        """
        rows = self._rows
        out = pd.DataFrame({k: rows[k] for k in ("group", "time", "t", "phase", "segment", "in_fit")})
        inv, _ = _link_functions(self.specification["link"])
        beta = self.coefficients.to_numpy()
        cov = self.covariance.to_numpy()
        q = self._quantiles["ci"]
        scale = np.ones(len(rows["t"]))
        if per is not None:
            if self.specification["denominator"] is not None:
                scale = scale * float(per)
            elif self.specification["offset"] is None:
                raise ParameterError(
                    "rates need an offset (or a binomial denominator), and this model has none", key="per",
                    expected="per=None", found=per,
                )
            else:
                scale = float(per) / rows["exposure"]
        observed = rows["y"]
        if self.specification["denominator"] is not None:
            observed = observed / rows["trials"]
        out["observed"] = observed * scale
        for name, x in (("fitted", self._x), ("counterfactual", self._x_cf)):
            eta = x @ beta + self._log_offset
            se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x, cov, x), 0.0))
            out[name] = inv(eta) * scale
            out[f"{name}_lower"] = inv(eta - q * se) * scale
            out[f"{name}_upper"] = inv(eta + q * se) * scale
        if self._x_deseason is not None:
            out["deseasonalised"] = inv(self._x_deseason @ beta + self._log_offset) * scale
        out.attrs["confidence_level"] = 1.0 - self.specification["alpha"]
        out.attrs["per"] = per
        return out

    # ---------------------------------------------------------------- impact
    def impact(self, at: Sequence[int] | int = (12, 24), *, per: float | None = None) -> pd.DataFrame:
        """Programme impact: fitted versus counterfactual at chosen post-interruption periods.

        ``at``: post-interruption period numbers (1 = the first period with the programme,
        phase-in periods included). One row per ``h`` plus a final ``cumulative`` row summing
        over every period from the interruption to the end of the data (phase-in periods
        included, as modelled). Columns: ``period``, ``time``, ``t``, ``n_periods``, ``observed``,
        ``fitted``, ``counterfactual``, ``absolute_effect`` (fitted - counterfactual; negative =
        events averted), ``relative_effect`` (fitted/counterfactual - 1), each with ``_lower`` /
        ``_upper`` confidence limits, and ``units``.

        Units: the outcome's own units (expected counts for count families, whatever the offset;
        proportions for binomial families, whose cumulative row is in expected successes =
        trials x proportion). Absolute effects use the delta method with the full covariance.
        Relative effects use a Wald interval for the log of fitted/counterfactual (for a log link
        without seasonality that is exactly the Wald interval of the linear-predictor difference,
        ``exp(level + h*slope) - 1``); when a fitted or counterfactual mean is not positive
        (identity link only) the delta method is applied to the ratio itself.

        With an offset, also ``offset``, ``fitted_rate``, ``counterfactual_rate``,
        ``rate_difference`` and its limits, per ``per`` units of offset (default 1); the
        cumulative rate is total expected events / total offset.
        """
        spec = self.specification
        rows = self._rows
        treated = np.flatnonzero(rows["group"] == "treated")
        t_tr = rows["t"][treated]
        t_main = spec["interruption_t"]
        post = treated[t_tr >= t_main]
        h_max = len(post)
        if isinstance(at, (int, np.integer)) and not isinstance(at, bool):
            at = (int(at),)
        hs = []
        for h in at:
            if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1 or h > h_max:
                raise ParameterError(
                    "post-interruption period out of range", key="at",
                    expected=f"whole numbers from 1 to {h_max} (the last period in the data)",
                    found=h,
                )
            hs.append(int(h))
        per_value = 1.0 if per is None else float(per)
        if per is not None and spec["offset"] is None:
            raise ParameterError("rates need an offset, and this model has none", key="per",
                                 expected="per=None", found=per)
        binomial = spec["denominator"] is not None
        unit_point = "proportion" if binomial else ("count" if FAMILIES[spec["family"]].counts else "outcome units")
        unit_cum = "successes" if binomial else unit_point
        records = []
        groups = [([post[h - 1]], np.ones(1), str(h), unit_point) for h in hs]
        weights = rows["trials"][post] if binomial else np.ones(len(post))
        groups.append((list(post), weights, "cumulative", unit_cum))
        for idx, w, label, units in groups:
            rec = self._impact_one(np.asarray(idx), np.asarray(w, dtype=float), per_value)
            first = int(idx[0])
            rec.update({
                "period": int(label) if label != "cumulative" else "cumulative",
                "time": rows["time"][first] if label != "cumulative" else None,
                "t": int(rows["t"][first]) if label != "cumulative" else None,
                "n_periods": len(idx),
                "units": units,
            })
            records.append(rec)
        cols = ["period", "time", "t", "n_periods", "observed", "fitted", "counterfactual",
                "absolute_effect", "absolute_effect_lower", "absolute_effect_upper",
                "relative_effect", "relative_effect_lower", "relative_effect_upper", "units"]
        if spec["offset"] is not None:
            cols += ["offset", "fitted_rate", "counterfactual_rate", "rate_difference",
                     "rate_difference_lower", "rate_difference_upper"]
        data: dict[str, Any] = {}
        for col in cols:
            values = [r[col] for r in records]
            if col in ("period", "time", "units"):
                data[col] = np.array(values, dtype=object)
            elif col == "t":
                data[col] = pd.array(values, dtype="Int64")
            elif col == "n_periods":
                data[col] = np.array(values, dtype=np.int64)
            else:
                data[col] = np.array(values, dtype=float)
        return pd.DataFrame(data)

    def _impact_one(self, idx: np.ndarray, w: np.ndarray, per: float) -> dict[str, Any]:
        inv, dmu = _link_functions(self.specification["link"])
        beta = self.coefficients.to_numpy()
        cov = self.covariance.to_numpy()
        q = self._quantiles["ci"]
        xf, xc, off = self._x[idx], self._x_cf[idx], self._log_offset[idx]
        eta_f, eta_c = xf @ beta + off, xc @ beta + off
        mu_f, mu_c = inv(eta_f), inv(eta_c)
        g_f = (w * dmu(eta_f)) @ xf
        g_c = (w * dmu(eta_c)) @ xc
        a, b = float(w @ mu_f), float(w @ mu_c)
        diff = a - b
        g_d = g_f - g_c
        se_d = math.sqrt(max(g_d @ cov @ g_d, 0.0))
        if a > 0 and b > 0:
            log_ratio = math.log(a) - math.log(b)
            g_l = g_f / a - g_c / b
            se_l = math.sqrt(max(g_l @ cov @ g_l, 0.0))
            rel = math.expm1(log_ratio)
            rel_lo, rel_hi = math.expm1(log_ratio - q * se_l), math.expm1(log_ratio + q * se_l)
        else:
            rel = a / b - 1.0
            g_r = g_f / b - a * g_c / b**2
            se_r = math.sqrt(max(g_r @ cov @ g_r, 0.0))
            rel_lo, rel_hi = rel - q * se_r, rel + q * se_r
        rows = self._rows
        y = rows["y"][idx]
        if self.specification["denominator"] is not None and len(idx) == 1:
            y = y / rows["trials"][idx]
        rec = {
            "observed": float(y.sum()), "fitted": a, "counterfactual": b,
            "absolute_effect": diff, "absolute_effect_lower": diff - q * se_d,
            "absolute_effect_upper": diff + q * se_d,
            "relative_effect": rel, "relative_effect_lower": rel_lo, "relative_effect_upper": rel_hi,
        }
        if self.specification["offset"] is not None:
            exposure = float(rows["exposure"][idx].sum())
            k = per / exposure
            rec.update({
                "offset": exposure, "fitted_rate": a * k, "counterfactual_rate": b * k,
                "rate_difference": diff * k, "rate_difference_lower": (diff - q * se_d) * k,
                "rate_difference_upper": (diff + q * se_d) * k,
            })
        return rec

    # ---------------------------------------------------------------- diagnostics
    def diagnostics(self, *, lags: int | None = None) -> dict[str, Any]:
        """Fit diagnostics as a flat dict.

        Keys: ``n_before`` / ``n_after`` (fitted points of the treated series before / from the
        main interruption), ``n_excluded`` (phase-in points), ``durbin_watson``,
        ``breusch_godfrey_stat`` / ``_p_value`` / ``_lags`` (n R^2 of the auxiliary regression of
        the residuals on the design and lagged residuals filled with 0, as ``lmtest::bgtest``),
        ``ljung_box_stat`` / ``_p_value`` / ``_lags`` (no df adjustment, as ``Box.test``),
        ``residual_type``, ``dispersion`` (Pearson chi-square / residual df; NaN for gaussian),
        ``residual_variance`` (gaussian), ``aic`` (NaN for quasi families), ``negbin_alpha``,
        ``arma_params`` and ``warnings``.

        Residuals: raw for OLS, Pearson for GLMs (the Breusch-Godfrey test is then an
        approximation), standardised innovations for ARMA errors. Lags pair periods at the true
        time distance within each series, so the phase-in gap and (in a controlled fit) the
        other series never pair. Default ``lags``: 10, or 2 x the seasonal period with
        seasonality, at most n/5 (``LJUNG_BOX_*``).
        """
        d = self._diag_inputs
        resid, xdiag, group, t = d["resid"], d["x"], d["group"], d["t"]
        n = len(resid)
        if lags is None:
            base = (LJUNG_BOX_SEASONAL_MULTIPLE * self.specification["seasonality"]["period"]
                    if self.specification["seasonality"] else LJUNG_BOX_LAGS_NONSEASONAL)
            lags = max(1, min(base, int(math.floor(LJUNG_BOX_MAX_FRACTION * n))))
        lags = _positive_int(lags, "lags")
        partner = _lag_partners(group, t, lags)  # partner[l-1][i] = index of the row l periods earlier
        # Durbin-Watson
        p1 = partner[0]
        ok = p1 >= 0
        dw = float(np.sum((resid[ok] - resid[p1[ok]]) ** 2) / np.sum(resid**2))
        # Ljung-Box on the demeaned residuals
        e = resid - resid.mean()
        c0 = float(e @ e)
        q_stat = 0.0
        for lag in range(1, lags + 1):
            p = partner[lag - 1]
            ok = p >= 0
            r = float(e[ok] @ e[p[ok]]) / c0
            q_stat += r * r / (n - lag)
        q_stat *= n * (n + 2)
        # Breusch-Godfrey
        lagged = np.column_stack([np.where(p >= 0, resid[np.maximum(p, 0)], 0.0) for p in partner])
        aux = np.column_stack([xdiag, lagged])
        coef, *_ = np.linalg.lstsq(aux, resid, rcond=None)
        fitted = aux @ coef
        bg = float(n * np.sum(fitted**2) / np.sum(resid**2))
        out = {
            "n_before": d["n_before"], "n_after": d["n_after"], "n_excluded": d["n_excluded"],
            "n": n, "residual_type": d["residual_type"],
            "durbin_watson": dw,
            "breusch_godfrey_stat": bg, "breusch_godfrey_p_value": float(stats.chi2.sf(bg, lags)),
            "breusch_godfrey_lags": lags,
            "ljung_box_stat": q_stat, "ljung_box_p_value": float(stats.chi2.sf(q_stat, lags)),
            "ljung_box_lags": lags,
            "dispersion": d["dispersion"], "residual_variance": d["residual_variance"],
            "aic": d["aic"], "log_likelihood": d["llf"],
            "negbin_alpha": self.specification.get("negbin_alpha"),
            "arma_params": self.specification.get("arma_params"),
            "warnings": list(self.warnings),
        }
        return out


# --------------------------------------------------------------------------------------------
# Design
# --------------------------------------------------------------------------------------------


def _lag_partners(group: np.ndarray, t: np.ndarray, lags: int) -> list[np.ndarray]:
    """For each lag l, the index of the row of the same group at time t - l (or -1)."""
    lookup = {(g, tt): i for i, (g, tt) in enumerate(zip(group.tolist(), t.tolist()))}
    out = []
    for lag in range(1, lags + 1):
        out.append(np.array([lookup.get((g, tt - lag), -1) for g, tt in zip(group.tolist(), t.tolist())]))
    return out


@dataclass
class _Design:
    x: np.ndarray
    names: list[str]
    x_cf: np.ndarray
    x_deseason: np.ndarray | None
    contrasts: list[dict[str, Any]]


def _season_position(ordinal: np.ndarray, t: np.ndarray, kind: _TimeKind,
                     season_col: np.ndarray | None, spec: Mapping[str, Any], column: str | None) -> np.ndarray:
    period = spec["period"]
    if season_col is not None:
        bad = (season_col != np.round(season_col)) | (season_col < 1) | (season_col > period)
        if bad.any():
            raise DataValidationError(
                "season positions must be whole numbers from 1 to the period", column=column,
                expected=f"1..{period}", found=season_col[bad][0],
            )
        return season_col.astype(float)
    if kind.kind == "integer":
        return ((t - 1) % period + 1).astype(float)
    return (ordinal % period + 1).astype(float)


def _build_design(*, t: np.ndarray, z: np.ndarray | None, inter_t: list[int], main_k: int,
                  slope_change: bool, shift: int, season_pos: np.ndarray | None,
                  season_spec: Mapping[str, Any] | None, inter_labels: list[Any]) -> _Design:
    """Columns: baseline_level, pre_trend, level_change[k], slope_change[k], (group terms), seasonal."""
    n = len(t)
    cols: list[np.ndarray] = [np.ones(n), t.astype(float)]
    names = ["baseline_level", "pre_trend"]
    programme: list[int] = []  # columns zeroed (in treated rows) for the counterfactual
    for k, tau in enumerate(inter_t):
        x_k = (t >= tau).astype(float)
        cols.append(x_k)
        names.append(f"level_change[{k}]")
        if slope_change:
            cols.append(x_k * (t - tau + shift))
            names.append(f"slope_change[{k}]")
    n_core = len(cols)
    controlled = z is not None
    if controlled:
        base = list(cols)
        for j in range(n_core):
            cols.append(base[j] * z)
            names.append(("group_x_" + names[j]) if j else "group")
    for j, name in enumerate(names):
        inter = _inter_index(name)
        if inter is not None and inter_t[inter] >= inter_t[main_k]:
            if (controlled and name.startswith("group_x_")) or not controlled:
                programme.append(j)
    season_idx: list[int] = []
    season_mean = None
    if season_spec is not None:
        builder = SEASONALITY_KINDS[season_spec["type"]]
        block, s_names = builder(season_pos, season_spec)
        season_idx = list(range(len(cols), len(cols) + block.shape[1]))
        cols.extend(block.T)
        names.extend(s_names)
        cycle, _ = builder(np.arange(1, season_spec["period"] + 1, dtype=float), season_spec)
        season_mean = cycle.mean(axis=0)
    x = np.column_stack(cols)
    x_cf = x.copy()
    treated_rows = np.ones(n, dtype=bool) if not controlled else z == 1
    x_cf[np.ix_(treated_rows, programme)] = 0.0
    x_deseason = None
    if season_spec is not None:
        x_deseason = x.copy()
        x_deseason[:, season_idx] = season_mean
    # Wagner (R, t starting at 1): the baseline level is the intercept, at t = 0. itsa (Stata, _t
    # starting at 0 at the first point): the baseline level is _cons, the level at the first point.
    contrasts = _contrasts(names, inter_t, inter_labels, slope_change, controlled, baseline_at_first=shift == 0)
    return _Design(x, names, x_cf, x_deseason, contrasts)


def _inter_index(name: str) -> int | None:
    if "[" not in name:
        return None
    return int(name[name.index("[") + 1 : name.index("]")])


def _contrasts(names: list[str], inter_t: list[int], labels: list[Any], slope_change: bool,
               controlled: bool, baseline_at_first: bool = False) -> list[dict[str, Any]]:
    pos = {name: i for i, name in enumerate(names)}
    p = len(names)

    def vec(*terms: str) -> np.ndarray:
        v = np.zeros(p)
        for term in terms:
            v[pos[term]] += 1.0
        return v

    def block(prefix: Callable[[str], list[str]], group: str) -> list[dict[str, Any]]:
        baseline = vec(*prefix("baseline_level")) + (vec(*prefix("pre_trend")) if baseline_at_first else 0.0)
        out = [
            {"group": group, "term": "baseline_level", "interruption": None,
             "vector": baseline, "is_level": group != "difference"},
            {"group": group, "term": "pre_trend", "interruption": None,
             "vector": vec(*prefix("pre_trend")), "is_level": False},
        ]
        trend_terms = list(prefix("pre_trend"))
        for k, label in enumerate(labels):
            out.append({"group": group, "term": "level_change", "interruption": label,
                        "vector": vec(*prefix(f"level_change[{k}]")), "is_level": False})
            if slope_change:
                out.append({"group": group, "term": "slope_change", "interruption": label,
                            "vector": vec(*prefix(f"slope_change[{k}]")), "is_level": False})
                trend_terms += prefix(f"slope_change[{k}]")
            out.append({"group": group, "term": "post_trend", "interruption": label,
                        "vector": vec(*trend_terms), "is_level": False})
        return out

    if not controlled:
        return block(lambda term: [term], "treated")

    def diff(term: str) -> list[str]:
        return ["group"] if term == "baseline_level" else [f"group_x_{term}"]

    return (block(diff, "difference")
            + block(lambda term: [term] + diff(term), "treated")
            + block(lambda term: [term], "control"))


# --------------------------------------------------------------------------------------------
# Estimation
# --------------------------------------------------------------------------------------------


@dataclass
class _Fit:
    beta: np.ndarray
    cov: np.ndarray
    df_resid: float
    model: Any
    resid: np.ndarray
    x_diag: np.ndarray
    dispersion: float
    residual_variance: float
    llf: float
    aic: float
    extra: dict[str, Any]


def _nw_groups(group: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Panel labels for Newey-West: a new panel at each series change or time gap."""
    new = np.ones(len(t), dtype=bool)
    new[1:] = (group[1:] != group[:-1]) | (np.diff(t) != 1)
    return np.cumsum(new)


def _fit_glm(family: _Family, y: np.ndarray, trials: np.ndarray | None, x: np.ndarray,
             log_offset: np.ndarray, cov_type: str, cov_kwds: dict[str, Any] | None) -> tuple[Any, dict[str, Any]]:
    extra: dict[str, Any] = {}
    if family.binomial:
        endog = np.column_stack([y, trials - y])
        sm_family = _sm_families.Binomial()
    elif family.name == "negbin":
        alpha = _negbin_alpha(y, x, log_offset)
        extra["negbin_alpha"] = alpha
        endog = y
        sm_family = _sm_families.NegativeBinomial(alpha=alpha)
    else:
        endog = y
        sm_family = _sm_families.Poisson()
    model = _GLM(endog, x, family=sm_family, offset=None if family.binomial else log_offset)
    kwargs: dict[str, Any] = {"tol": IRLS_PARAMS_TOL, "tol_criterion": "params", "maxiter": IRLS_MAX_ITER}
    if cov_type != "nonrobust":
        kwargs.update(cov_type=cov_type, cov_kwds=cov_kwds)
    # Quasi families: dispersion = Pearson chi-square / residual df (R's quasipoisson and
    # quasibinomial), statsmodels scale="X2". For a two-column binomial outcome statsmodels' "X2"
    # ignores the trials (it returns X2 / trials), so quasibinomial is refitted with the
    # dispersion passed as a number.
    res = model.fit(scale="X2" if family.quasi and not family.binomial else None, **kwargs)
    if family.quasi and family.binomial:
        dispersion = float(res.pearson_chi2 / res.df_resid)
        res = model.fit(start_params=res.params, scale=dispersion, **kwargs)
    return res, extra


def _negbin_alpha(y: np.ndarray, x: np.ndarray, log_offset: np.ndarray) -> float:
    """Maximum-likelihood NB2 ``alpha``: maximise the profile log-likelihood over log(alpha),
    refitting the GLM for each candidate (the alternation of ``MASS::glm.nb``, done as a
    one-dimensional bounded optimisation)."""

    def negloglik(log_alpha: float) -> float:
        fam = _sm_families.NegativeBinomial(alpha=math.exp(log_alpha))
        res = _GLM(y, x, family=fam, offset=log_offset).fit(
            tol=IRLS_PARAMS_TOL, tol_criterion="params", maxiter=IRLS_MAX_ITER)
        return -float(res.llf)

    lo, hi = NEGBIN_LOG_ALPHA_BOUNDS
    res = optimize.minimize_scalar(negloglik, bounds=(lo, hi), method="bounded",
                                   options={"xatol": NEGBIN_LOG_ALPHA_XTOL})
    if math.exp(res.x) * float(np.mean(y)) < NEGBIN_NEGLIGIBLE_OVERDISPERSION:
        warnings.warn(
            f"the negative-binomial alpha is negligible ({math.exp(res.x):.3g}): the counts "
            "show no overdispersion, so the fit is effectively Poisson; consider family='poisson'",
            PssWarning, stacklevel=2,
        )
    return float(math.exp(res.x))


def _arma_corr(params: np.ndarray, order: tuple[int, int], max_lag: int) -> np.ndarray:
    p, q = order
    ar = np.r_[1.0, -params[:p]]
    ma = np.r_[1.0, params[p:p + q]]
    acov = _arma_acovf(ar, ma, nobs=max_lag + 1)
    return acov / acov[0]


def _constrain_arma(u: np.ndarray, order: tuple[int, int]) -> np.ndarray:
    p, q = order
    out = np.empty(p + q)
    if p:
        out[:p] = _constrain_stationary(u[:p])
    if q:
        out[p:] = -_constrain_stationary(u[p:])
    return out


def _fit_arma_errors(y: np.ndarray, x: np.ndarray, group: np.ndarray, t: np.ndarray,
                     order: tuple[int, int]) -> tuple[Any, np.ndarray, dict[str, Any]]:
    """Exact Gaussian ML for regression with ARMA errors (profile likelihood), then GLS."""
    n = len(y)
    lagdist = np.abs(t[:, None] - t[None, :]).astype(int)
    same = group[:, None] == group[None, :]
    max_lag = int(lagdist[same].max()) if n else 0

    def corr_matrix(theta: np.ndarray) -> np.ndarray:
        r = _arma_corr(theta, order, max_lag)
        return np.where(same, r[lagdist], 0.0)

    def profile(theta: np.ndarray) -> tuple[float, np.ndarray, float, np.ndarray]:
        r = corr_matrix(theta)
        chol = np.linalg.cholesky(r)
        xw = np.linalg.solve(chol, x)
        yw = np.linalg.solve(chol, y)
        beta, *_ = np.linalg.lstsq(xw, yw, rcond=None)
        resid = yw - xw @ beta
        sigma2 = float(resid @ resid) / n
        llf = -0.5 * n * (math.log(2 * math.pi * sigma2) + 1.0) - float(np.sum(np.log(np.diag(chol))))
        return llf, beta, sigma2, r

    def objective(u: np.ndarray) -> float:
        try:
            return -profile(_constrain_arma(u, order))[0]
        except np.linalg.LinAlgError:
            return np.inf

    k = sum(order)
    best = None
    for start in (np.zeros(k), np.full(k, 0.5), np.full(k, -0.5)):
        res = optimize.minimize(objective, start, method="BFGS", options={"gtol": ARMA_OPTIMIZER_GTOL})
        res = optimize.minimize(objective, res.x, method="Nelder-Mead",
                                options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 20000})
        if best is None or res.fun < best.fun:
            best = res
    theta = _constrain_arma(best.x, order)
    llf, beta, sigma2, r = profile(theta)
    model = _GLS(y, x, sigma=r).fit()
    chol = np.linalg.cholesky(r)
    extra = {
        "arma_params": {**{f"ar{i + 1}": float(theta[i]) for i in range(order[0])},
                        **{f"ma{i + 1}": float(theta[order[0] + i]) for i in range(order[1])}},
        "sigma_ml": math.sqrt(sigma2),
        "llf": llf,
        "resid_white": np.linalg.solve(chol, y - x @ model.params),
        "x_white": np.linalg.solve(chol, x),
    }
    return model, theta, extra


def _estimate(family: _Family, ac: dict[str, Any] | None, y: np.ndarray, trials: np.ndarray | None,
              x: np.ndarray, log_offset: np.ndarray, group: np.ndarray, t: np.ndarray) -> _Fit:
    n, p = x.shape
    extra: dict[str, Any] = {}
    cov_type, cov_kwds = "nonrobust", None
    if ac is not None and ac["type"] == "newey_west":
        lags = ac["lags"]
        if lags is None:
            lags = int(math.floor(NEWEY_WEST_DEFAULT_LAGS_FACTOR * (n / 100.0) ** NEWEY_WEST_DEFAULT_LAGS_EXPONENT))
        extra["newey_west_lags"] = lags
        cov_type = "hac-panel"
        cov_kwds = {"groups": _nw_groups(group, t), "maxlags": lags,
                    "use_correction": "hac" if ac["small_sample"] else False}
    if family.name == "gaussian" and ac is not None and ac["type"] in ("ar1", "arma"):
        model, theta, more = _fit_arma_errors(y, x, group, t, ac["order"])
        extra.update({k: more[k] for k in ("arma_params", "sigma_ml")})
        k_extra = len(theta) + 1
        return _Fit(
            beta=np.asarray(model.params), cov=np.asarray(model.cov_params()),
            df_resid=float(n - p), model=model, resid=more["resid_white"], x_diag=more["x_white"],
            dispersion=np.nan, residual_variance=more["sigma_ml"] ** 2, llf=more["llf"],
            aic=-2.0 * more["llf"] + 2.0 * (p + k_extra), extra=extra,
        )
    if family.name == "gaussian":
        model = _OLS(y, x)
        res = model.fit() if cov_type == "nonrobust" else model.fit(cov_type=cov_type, cov_kwds=cov_kwds, use_t=True)
        return _Fit(
            beta=np.asarray(res.params), cov=np.asarray(res.cov_params()), df_resid=float(res.df_resid),
            model=res, resid=np.asarray(res.resid), x_diag=x, dispersion=np.nan,
            residual_variance=float(res.ssr / res.df_resid), llf=float(res.llf),
            aic=-2.0 * float(res.llf) + 2.0 * (p + 1), extra=extra,
        )
    res, more = _fit_glm(family, y, trials, x, log_offset, cov_type, cov_kwds)
    extra.update(more)
    df_resid = float(n - p)
    dispersion = float(res.pearson_chi2 / df_resid)
    llf = float(res.llf) if not family.quasi else np.nan
    k_extra = 1 if family.name == "negbin" else 0
    return _Fit(
        beta=np.asarray(res.params), cov=np.asarray(res.cov_params()), df_resid=df_resid,
        model=res, resid=np.asarray(res.resid_pearson), x_diag=x, dispersion=dispersion,
        residual_variance=np.nan, llf=llf,
        aic=(-2.0 * llf + 2.0 * (p + k_extra)) if not family.quasi else np.nan, extra=extra,
    )


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
    control: pd.DataFrame | None = None,
    alpha: float = DEFAULT_ALPHA,
    time_since: str = "wagner",
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
        A comparison series with the same columns: controlled ITS with group x time terms
        (Linden 2015). Effects are reported for the "difference" (treated minus control),
        "treated" and "control" groups; the counterfactual keeps the control group's changes.
        Seasonal terms are shared by both series; phase-in periods are excluded in both.
    alpha:
        Confidence intervals are at level 1 - alpha.
    time_since:
        ``"wagner"`` (default) or ``"itsa"``: see :data:`TIME_SINCE_CONVENTIONS`.

    Returns
    -------
    ItsResult
        With ``effects()``, ``impact()``, ``predictions()``, ``diagnostics()``,
        ``specification``, ``model``, ``coefficients``, ``covariance`` and ``warnings``.

    Raises
    ------
    ParameterError, DataValidationError, InsufficientDataError
        Bad arguments, malformed data, or fewer than ``MIN_POINTS_PER_SIDE`` fitted points on a
        side of an interruption. Fewer than ``RECOMMENDED_POINTS_PER_SIDE`` issue a
        :class:`ShortSeriesWarning` (recorded in ``result.warnings``).
    """
    fam = _parse_family(family)
    if not isinstance(time_since, str) or time_since not in TIME_SINCE_CONVENTIONS:
        raise _unknown("time_since convention", time_since, list(TIME_SINCE_CONVENTIONS), "time_since")
    if isinstance(alpha, bool) or not isinstance(alpha, (float, int)) or not 0 < alpha < 1:
        raise ParameterError("alpha must be between 0 and 1", key="alpha",
                             expected="a number strictly between 0 and 1", found=alpha)
    phase_in = _positive_int(phase_in, "phase_in", 0)
    season_spec = _parse_seasonality(seasonality)
    ac = _parse_autocorrelation(autocorrelation, fam)
    slope_change = bool(slope_change)
    season_column = season_spec["column"] if season_spec else None

    treated, kind = _prepare_series(data, y=y, time=time, offset=offset, denominator=denominator,
                                    family=fam, season_column=season_column, label="treated")
    series = [("treated", treated)]
    if control is not None:
        ctrl, ckind = _prepare_series(control, y=y, time=time, offset=offset, denominator=denominator,
                                      family=fam, season_column=season_column, label="control")
        if ckind.kind != kind.kind or not np.array_equal(ctrl.ordinal, treated.ordinal):
            raise DataValidationError(
                "the control series must cover exactly the periods of the treated series",
                column=time, expected=f"{treated.time.iloc[0]} to {treated.time.iloc[-1]}",
                found=f"{ctrl.time.iloc[0]} to {ctrl.time.iloc[-1]}",
            )
        series.append(("control", ctrl))

    first, last = treated.time.iloc[0], treated.time.iloc[-1]
    origin = int(treated.ordinal[0])
    all_inter = [("interruption", interruption)] + [
        (f"interruptions[{i}]", v) for i, v in enumerate(list(interruptions or []))
    ]
    inter_t: list[int] = []
    for key, value in all_inter:
        ordinal = _interruption_ordinal(value, kind, key, time, first, last)
        hit = np.flatnonzero(treated.ordinal == ordinal)
        if not hit.size:
            raise ParameterError(
                f"the interruption is not a period in the data (column '{time}')", key=key,
                expected=f"a value between {first} and {last}", found=value,
            )
        tt = ordinal - origin + 1
        if tt in inter_t:
            raise ParameterError("the same interruption is given twice", key=key,
                                 expected="distinct interruption times", found=value)
        inter_t.append(tt)
    main_t = inter_t[0]
    order = np.argsort(inter_t)
    inter_sorted = [inter_t[i] for i in order]
    labels = [treated.time.iloc[tt - 1] for tt in inter_sorted]
    main_k = inter_sorted.index(main_t)

    # ---- rows (treated first, then control), kept as numpy arrays
    parts: dict[str, list[np.ndarray]] = {k: [] for k in (
        "group", "time", "t", "phase", "segment", "in_fit", "y", "trials", "exposure", "ordinal",
        "season_col")}
    for name, s in series:
        n_s = len(s.y)
        tt = (s.ordinal - origin + 1).astype(np.int64)
        phase = np.where(tt < main_t, "pre", np.where(tt < main_t + phase_in, "phase_in", "post"))
        nan = np.full(n_s, np.nan)
        parts["group"].append(np.full(n_s, name, dtype=object))
        parts["time"].append(s.time.to_numpy(dtype=object))
        parts["t"].append(tt)
        parts["phase"].append(phase.astype(object))
        parts["segment"].append(np.searchsorted(np.asarray(inter_sorted), tt, side="right"))
        parts["in_fit"].append(phase != "phase_in")
        parts["y"].append(s.y)
        parts["trials"].append(s.trials if s.trials is not None else nan)
        parts["exposure"].append(s.exposure if s.exposure is not None else nan)
        parts["ordinal"].append(s.ordinal)
        parts["season_col"].append(s.season_column if s.season_column is not None else nan)
    rows = {k: np.concatenate(v) for k, v in parts.items()}

    # ---- data sufficiency (per interruption, fitted points in the neighbouring segments)
    messages: list[str] = []
    fit_t = rows["t"][(rows["group"] == "treated") & rows["in_fit"]]
    bounds = [-np.inf] + inter_sorted + [np.inf]
    for k, tau in enumerate(inter_sorted):
        before = int(np.sum((fit_t >= bounds[k]) & (fit_t < tau)))
        after = int(np.sum((fit_t >= tau) & (fit_t < bounds[k + 2])))
        for side, count in (("before", before), ("after", after)):
            where = f"{side} the interruption at {labels[k]}"
            if count < MIN_POINTS_PER_SIDE:
                raise InsufficientDataError(
                    f"too few fitted points {where}" + (" (phase-in periods excluded)" if phase_in and side == "after" and tau == main_t else ""),
                    column=time, expected=f"at least {MIN_POINTS_PER_SIDE}", found=count,
                )
            if count < RECOMMENDED_POINTS_PER_SIDE:
                messages.append(
                    f"only {count} fitted points {where}; at least {RECOMMENDED_POINTS_PER_SIDE} "
                    "are recommended, so estimates may be unstable"
                )

    # ---- design
    t_all = rows["t"]
    z = (rows["group"] == "treated").astype(float) if control is not None else None
    season_pos = None
    if season_spec is not None:
        season_pos = _season_position(rows["ordinal"], t_all, kind,
                                      rows["season_col"] if season_column else None,
                                      season_spec, season_column)
    design = _build_design(t=t_all, z=z, inter_t=inter_sorted, main_k=main_k, slope_change=slope_change,
                           shift=_TIME_SINCE_SHIFT[time_since], season_pos=season_pos,
                           season_spec=season_spec, inter_labels=labels)
    in_fit = rows["in_fit"]
    x_fit = design.x[in_fit]
    if season_spec is not None and season_spec["type"] == "month":
        for j, name in enumerate(design.names):
            if name.startswith("season_") and not x_fit[:, j].any():
                raise DataValidationError(
                    f"season {name.split('_')[1]} never occurs in the fitted periods, so its "
                    "indicator cannot be estimated", key="seasonality",
                    expected="every season position in the data", found=f"no {name}",
                )
    log_offset = np.log(rows["exposure"]) if offset is not None else np.zeros(len(t_all))

    rank = np.linalg.matrix_rank(x_fit)
    if rank < x_fit.shape[1]:
        raise DataValidationError(
            "the design matrix is rank deficient (collinear terms), so the effects are not "
            "identified; check that interruptions are not too close together",
            expected=f"{x_fit.shape[1]} estimable terms",
            found=f"rank {rank}",
        )

    for message in messages:
        warnings.warn(message, ShortSeriesWarning, stacklevel=2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = _estimate(fam, ac, rows["y"][in_fit],
                        rows["trials"][in_fit] if fam.binomial else None,
                        x_fit, log_offset[in_fit], rows["group"][in_fit], t_all[in_fit])
    for w in caught:
        messages.append(str(w.message))
        warnings.warn(str(w.message), w.category, stacklevel=2)
    q_ci = (stats.t.ppf(1 - alpha / 2, fit.df_resid) if fam.ci_dist == "t" else stats.norm.ppf(1 - alpha / 2))
    main_label = treated.time.iloc[main_t - 1]
    spec: dict[str, Any] = {
        "family": fam.name,
        "family_description": fam.description,
        "link": fam.link,
        "y": y,
        "time": time,
        "offset": offset,
        "denominator": denominator,
        "seasonality": season_spec,
        "autocorrelation": (None if ac is None else
                            dict(ac, lags=fit.extra["newey_west_lags"]) if ac["type"] == "newey_west" else
                            dict(ac)),
        "time_since": time_since,
        "time_since_meaning": TIME_SINCE_CONVENTIONS[time_since],
        "slope_change": slope_change,
        "interruption": main_label,
        "interruption_t": main_t,
        "interruptions": labels,
        "phase_in": phase_in,
        "alpha": alpha,
        "n": int(in_fit.sum()),
        "n_periods": int(len(treated.y)),
        "controlled": control is not None,
        "df_resid": fit.df_resid,
        "inference": {
            "ci": "t" if fam.ci_dist == "t" else "normal",
            "p_value": fam.p_dist,
            "covariance": ("newey_west" if ac and ac["type"] == "newey_west" else
                           "gls_ml" if ac else ("pearson_scaled" if fam.quasi else "model")),
        },
        "terms": list(design.names),
    }
    if "negbin_alpha" in fit.extra:
        spec["negbin_alpha"] = fit.extra["negbin_alpha"]
    if "arma_params" in fit.extra:
        spec["arma_params"] = fit.extra["arma_params"]
        spec["sigma_ml"] = fit.extra["sigma_ml"]
    tr_fit = (rows["group"] == "treated") & in_fit
    diag_inputs = {
        "resid": fit.resid, "x": fit.x_diag, "group": rows["group"][in_fit],
        "t": t_all[in_fit],
        "n_before": int(np.sum(tr_fit & (t_all < main_t))),
        "n_after": int(np.sum(tr_fit & (t_all >= main_t))),
        "n_excluded": int(np.sum((rows["group"] == "treated") & ~in_fit)),
        "residual_type": ("standardised innovations" if ac and ac["type"] in ("ar1", "arma")
                          else "raw" if fam.name == "gaussian" else "pearson"),
        "dispersion": fit.dispersion, "residual_variance": fit.residual_variance,
        "aic": fit.aic, "llf": fit.llf,
    }
    names = design.names
    return ItsResult(
        specification=spec,
        model=fit.model,
        warnings=tuple(messages),
        coefficients=pd.Series(fit.beta, index=names, name="coef"),
        covariance=pd.DataFrame(fit.cov, index=names, columns=names),
        _rows=rows,
        _x=design.x,
        _x_cf=design.x_cf,
        _x_deseason=design.x_deseason,
        _log_offset=log_offset,
        _contrasts=design.contrasts,
        _diag_inputs=diag_inputs,
        _quantiles={"ci": float(q_ci)},
    )


def compare_nested(smaller: ItsResult, larger: ItsResult) -> dict[str, float]:
    """F test of a model against a larger one fitted to the same data (R's ``anova(m1, m2, test = "F")``).

    For GLM families: ``F = (D_small - D_large) / (df_small - df_large) / phi_large``, with the
    deviances ``D`` and the larger model's dispersion ``phi`` (1 for Poisson and binomial, the
    Pearson estimate for quasi families), on (df_small - df_large, df_resid_large) degrees of
    freedom. For OLS the deviance is the residual sum of squares and ``phi`` the residual variance.
    Only for models without autocorrelation terms, fitted by the same family to the same points.
    """
    for result in (smaller, larger):
        if result.specification.get("autocorrelation") is not None:
            raise ParameterError("the nested F test needs models without an autocorrelation structure",
                                 key="autocorrelation", found=result.specification["autocorrelation"])
    if smaller.specification["family"] != larger.specification["family"] or \
            smaller.specification["n"] != larger.specification["n"]:
        raise ParameterError("the two models must use the same family and the same points", key="family",
                             expected=larger.specification["family"], found=smaller.specification["family"])
    df_small, df_large = smaller.specification["df_resid"], larger.specification["df_resid"]
    if df_small <= df_large:
        raise ParameterError("the first model must be the smaller one (fewer terms)", key="smaller",
                             found=f"{df_small:g} vs {df_large:g} residual df")

    def deviance(result: ItsResult) -> float:
        model = result.model
        return float(model.deviance if hasattr(model, "deviance") else model.ssr)

    diagnostics = larger.diagnostics()
    dispersion = float(diagnostics["residual_variance"] if larger.specification["family"] == "gaussian"
                       else diagnostics["dispersion"])
    df_num = df_small - df_large
    f = (deviance(smaller) - deviance(larger)) / df_num / dispersion
    return {"f": f, "df_num": df_num, "df_den": df_large,
            "p_value": float(stats.f.sf(f, df_num, df_large))}
