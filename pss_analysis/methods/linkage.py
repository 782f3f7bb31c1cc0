"""Driver → outcome links on the strategy map: does a change in a driver lead a change in its outcome?

The PSS strategy map says which process and capability measures (*drivers*) are expected to move
which outcome measures, and in which direction. This module looks for that pattern in the data with
the Box-Jenkins pre-whitened cross-correlation function (Box, Jenkins & Reinsel, *Time Series
Analysis*, ch. 12; as ``TSA::prewhiten`` in R):

1. Align the two monthly series on the months they share (:func:`cross_correlation`).
2. First-difference both (``difference=True``, the default), so that trends and levels that drift
   over years do not masquerade as a link: the question becomes "do *changes* in the driver go with
   *changes* in the outcome?".
3. Fit an autoregressive filter AR(p) to the driver (:func:`prewhiten`: Yule-Walker, order by AIC)
   and apply **the same** filter to the outcome. The filtered driver is (close to) white noise, so
   under "no link" each sample cross-correlation is approximately N(0, 1/n) whatever the outcome's
   own autocorrelation (Bartlett 1946), and the usual limits ``±1.96/√n`` are valid. Without this
   step two independent but autocorrelated series (e.g. two random walks) very often show large,
   "significant" cross-correlations (Granger & Newbold 1974) — ``tests/test_linkage.py`` shows it.
4. Cross-correlate the filtered series at lags ``0..max_lag``; a positive lag ``k`` pairs the
   driver in month ``t`` with the outcome in month ``t + k`` (the driver *leads* by ``k`` months).
   Note that R's ``ccf(driver, outcome)`` reports this pair at lag ``-k``.

:func:`link_evidence` turns the table into a verdict for the strategy map: the lag with the largest
absolute cross-correlation, whether any lag passes the limits after a Bonferroni adjustment for the
number of lags looked at, whether the observed sign agrees with the expected one, and one
plain-English sentence. The wording is deliberately that of **association, not causation**: both
measures may be driven by something else (season, a policy change, the programme itself).

Analysis only: no plotting, no rounding. Uses numpy, scipy and pandas (not statsmodels, which is
reserved for the ITS module).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm

from pss_analysis.errors import DataValidationError, InsufficientDataError, ParameterError

__all__ = [
    "MIN_COMMON_POINTS",
    "DEFAULT_MAX_LAG",
    "DEFAULT_MAX_ORDER",
    "ADJUSTMENTS",
    "EXPECTED_SIGNS",
    "prewhiten",
    "cross_correlation",
    "link_evidence",
]

MIN_COMMON_POINTS = 24  # two years of monthly data; the project's floor (Box & Jenkins advise >= 50)
DEFAULT_MAX_LAG = 6  # half a year of monthly lags: effects of service changes expected within months
DEFAULT_MAX_ORDER = 12  # one year of monthly AR lags (captures an annual pattern left after differencing)
AR_ORDER_FRACTION = 4  # AR order p < n/4 (brief; Box & Jenkins use autocorrelations only up to lag n/4)
MIN_PREWHITEN_POINTS = 5  # smallest n for which p < n/4 still allows an AR(1)
PERFECT_FIT_TOLERANCE = 1e-12  # innovation variance / variance below which an AR fit is exact (numerical floor)
DEFAULT_ALPHA = 0.05  # two-sided 5% level: the ±1.96/√n limits of Box, Jenkins & Reinsel
ADJUSTMENTS = ("none", "bonferroni")
"""Multiple-lag adjustments known to :func:`cross_correlation` (``bonferroni``: alpha / number of lags)."""
EXPECTED_SIGNS = ("+", "-")
"""Expected signs of a link: ``+`` the outcome moves with the driver, ``-`` against it."""


# --- input handling -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Aligned:
    driver: np.ndarray
    outcome: np.ndarray
    driver_name: str
    outcome_name: str
    unit: str  # "month" for monthly periods, otherwise "period"


def _is_time_indexed(values: Any) -> bool:
    return isinstance(values, pd.Series) and isinstance(values.index, (pd.PeriodIndex, pd.DatetimeIndex))


def _series_name(values: Any, given: str | None, default: str) -> str:
    if given:
        return str(given)
    if isinstance(values, pd.Series) and values.name is not None and str(values.name).strip():
        return str(values.name)
    return default


def _as_period_series(values: pd.Series, name: str) -> pd.Series:
    index = values.index
    if isinstance(index, pd.DatetimeIndex):
        index = index.to_period("M")
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise DataValidationError(
            f"{name} has more than one value for the same period",
            key=name,
            expected="one value per period",
            found=str(dup),
        )
    out = pd.Series(pd.to_numeric(values.to_numpy(), errors="coerce"), index=index, dtype=float)
    return out.sort_index()


def _align(driver: Any, outcome: Any, driver_name: str | None, outcome_name: str | None) -> _Aligned:
    dname = _series_name(driver, driver_name, "the driver")
    oname = _series_name(outcome, outcome_name, "the outcome")
    timed = (_is_time_indexed(driver), _is_time_indexed(outcome))
    if all(timed):
        d = _as_period_series(driver, dname)
        o = _as_period_series(outcome, oname)
        if d.index.freq != o.index.freq:
            raise DataValidationError(
                f"{dname} and {oname} have different period frequencies",
                key=oname,
                expected=f"periods of {d.index.freqstr}",
                found=o.index.freqstr,
            )
        both = pd.concat([d.rename("d"), o.rename("o")], axis=1, join="inner").dropna()
        _check_enough(len(both), dname, oname)
        ordinals = both.index.asi8
        gaps = np.flatnonzero(np.diff(ordinals) != 1)
        if gaps.size:
            at = both.index[gaps[0]]
            raise DataValidationError(
                f"the periods {dname} and {oname} share must be consecutive, but there is a gap after {at}",
                key=oname,
                expected="no missing periods between the first and last shared period",
                found=f"gap after {at}",
            )
        unit = "month" if both.index.freqstr.upper().startswith("M") else "period"
        return _Aligned(both["d"].to_numpy(), both["o"].to_numpy(), dname, oname, unit)
    if any(timed):
        raise ParameterError(
            f"{dname} and {oname} must both be indexed by period, or both be plain aligned arrays",
            key="driver" if not timed[0] else "outcome",
            expected="two Series with a PeriodIndex, or two arrays of equal length",
            found="one of each",
        )
    d = np.asarray(driver, dtype=float).ravel()
    o = np.asarray(outcome, dtype=float).ravel()
    if d.size != o.size:
        raise DataValidationError(
            f"{dname} and {oname} are plain arrays and must have the same length",
            key=oname,
            expected=f"{d.size} values (as {dname})",
            found=o.size,
        )
    if not (np.isfinite(d).all() and np.isfinite(o).all()):
        raise DataValidationError(
            f"{dname} and {oname} contain missing or infinite values; plain arrays cannot be realigned",
            key=oname,
            expected="finite numbers (or Series indexed by period)",
            found="NaN or inf",
        )
    _check_enough(d.size, dname, oname)
    return _Aligned(d, o, dname, oname, "period")


def _check_enough(n: int, dname: str, oname: str) -> None:
    if n < MIN_COMMON_POINTS:
        raise InsufficientDataError(
            f"too few common periods to relate {dname} to {oname}",
            key=f"{dname} / {oname}",
            expected=f"at least {MIN_COMMON_POINTS} periods with both measures",
            found=n,
        )


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(
            f"{name} must be a whole number of at least {minimum}",
            key=name,
            expected=f"an integer >= {minimum}",
            found=value,
        )
    return int(value)


def _check_alpha(alpha: Any) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.floating)) or not 0 < alpha < 1:
        raise ParameterError(
            "alpha must be a probability between 0 and 1",
            key="alpha",
            expected="a number with 0 < alpha < 1",
            found=alpha,
        )
    return float(alpha)


# --- AR pre-whitening ------------------------------------------------------------------------------


def _autocovariances(z: np.ndarray, max_lag: int) -> np.ndarray:
    """Biased sample autocovariances ``c_k = (1/n) Σ z_t z_{t+k}`` of a centred series, k = 0..max_lag."""
    n = z.size
    return np.array([np.dot(z[: n - k], z[k:]) / n for k in range(max_lag + 1)])


def _levinson_durbin(acov: np.ndarray, order: int) -> tuple[list[np.ndarray], np.ndarray]:
    """Yule-Walker AR coefficients and innovation variances for every order 0..order (Levinson-Durbin)."""
    coefs: list[np.ndarray] = [np.zeros(0)]
    variances = np.full(order + 1, np.inf)  # orders never reached stay at +inf (never chosen by AIC)
    variances[0] = acov[0]
    phi = np.zeros(0)
    for p in range(1, order + 1):
        if variances[p - 1] <= PERFECT_FIT_TOLERANCE * acov[0]:  # predicted exactly: higher orders add nothing
            break
        reflection = (acov[p] - np.dot(phi, acov[p - 1 : 0 : -1])) / variances[p - 1]
        phi = np.concatenate([phi - reflection * phi[::-1], [reflection]])
        variances[p] = variances[p - 1] * (1.0 - reflection**2)
        coefs.append(phi.copy())
    return coefs, variances


def _apply_filter(values: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """``e_t = z_t - Σ_k phi_k z_{t-k}`` for ``t = p..n-1``, with ``z`` the centred series."""
    z = values - values.mean()
    p = phi.size
    out = z[p:].copy()
    for k in range(1, p + 1):
        out -= phi[k - 1] * z[p - k : z.size - k]
    return out


def prewhiten(x: Any, *, max_order: int = DEFAULT_MAX_ORDER) -> tuple[Any, np.ndarray]:
    """Fit an AR(p) filter to ``x`` and return its innovations (the "pre-whitened" series).

    ``x`` is used **as given** (a Series or an array, no missing values):
    :func:`cross_correlation` first-differences the driver before calling this (``difference=True``),
    so pass a differenced series if you want the same filter it uses.

    The AR(p) model ``z_t = Σ phi_k z_{t-k} + e_t`` for the mean-centred series ``z`` is fitted by
    Yule-Walker (Levinson-Durbin recursion on the biased sample autocovariances, as R's ``ar()``
    default ``ar.yw``), which always gives a stationary filter. The order ``p`` minimises
    ``AIC = n log(sigma2_p) + 2p`` over ``0 <= p <= max_order`` with ``p < n/4``; ties go to the
    smaller order.

    Returns ``(residuals, ar_coefficients)``: the ``n - p`` innovations ``e_t`` for ``t = p..n-1``
    (a Series on the matching part of ``x``'s index if ``x`` is a Series, otherwise an array) and the
    ``p`` coefficients ``phi_1..phi_p`` (empty when white noise fits best).
    """
    max_order = _check_int(max_order, "max_order", 0)
    values = np.asarray(x, dtype=float).ravel()
    name = _series_name(x, None, "the series")
    if not np.isfinite(values).all():
        raise DataValidationError(
            f"{name} has missing or infinite values", key=name, expected="finite numbers only", found="NaN or inf"
        )
    n = values.size
    if n < MIN_PREWHITEN_POINTS:
        raise InsufficientDataError(
            f"too few points to fit an AR filter to {name}",
            key=name,
            expected=f"at least {MIN_PREWHITEN_POINTS} points",
            found=n,
        )
    z = values - values.mean()
    acov = _autocovariances(z, min(max_order, n - 1))
    if acov[0] <= 0:
        raise DataValidationError(
            f"{name} does not vary, so it cannot be pre-whitened",
            key=name,
            expected="a series that varies",
            found="constant values",
        )
    top = min(max_order, int(np.ceil(n / AR_ORDER_FRACTION)) - 1)  # p < n / 4
    coefs, variances = _levinson_durbin(acov, top)
    aic = n * np.log(np.maximum(variances, np.finfo(float).tiny)) + 2 * np.arange(top + 1)
    order = int(np.argmin(aic))
    phi = coefs[order]
    residuals = _apply_filter(values, phi)
    if isinstance(x, pd.Series):
        return pd.Series(residuals, index=x.index[order:], name=x.name), phi
    return residuals, phi


# --- cross-correlation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ccf:
    table: pd.DataFrame
    n: int
    ar_order: int
    ar_coefficients: np.ndarray
    limit: float
    aligned: _Aligned


def _sample_ccf(x: np.ndarray, y: np.ndarray, max_lag: int) -> np.ndarray:
    """``r_k = Σ_{t} (x_t - x̄)(y_{t+k} - ȳ) / (n s_x s_y)`` for k = 0..max_lag (divisor n, as R's ``ccf``)."""
    n = x.size
    dx = x - x.mean()
    dy = y - y.mean()
    scale = n * np.sqrt(np.mean(dx**2) * np.mean(dy**2))
    return np.array([np.dot(dx[: n - k], dy[k:]) / scale for k in range(max_lag + 1)])


def _ccf(
    driver: Any,
    outcome: Any,
    *,
    max_lag: int,
    difference: bool,
    whiten: bool,
    max_order: int,
    alpha: float,
    adjust: str,
    driver_name: str | None = None,
    outcome_name: str | None = None,
) -> _Ccf:
    max_lag = _check_int(max_lag, "max_lag", 0)
    alpha = _check_alpha(alpha)
    if adjust not in ADJUSTMENTS:
        raise ParameterError(
            "unknown multiple-lag adjustment", key="adjust", expected=f"one of {', '.join(ADJUSTMENTS)}", found=adjust
        )
    aligned = _align(driver, outcome, driver_name, outcome_name)
    x, y = aligned.driver, aligned.outcome
    if difference:
        x, y = np.diff(x), np.diff(y)
    for values, name in ((x, aligned.driver_name), (y, aligned.outcome_name)):
        if np.ptp(values) == 0:
            raise DataValidationError(
                f"{name} does not change{' from month to month' if difference else ''}, so no link can be seen",
                key=name,
                expected="a series that varies",
                found="constant values",
            )
    if whiten:
        xf, phi = prewhiten(x, max_order=max_order)
        yf = _apply_filter(y, phi)
    else:
        xf, phi, yf = x - x.mean(), np.zeros(0), y - y.mean()
    n = xf.size
    if max_lag >= n - 1:
        raise ParameterError(
            "max_lag is too large for the length of the series",
            key="max_lag",
            expected=f"fewer than {n - 1} lags",
            found=max_lag,
        )
    if np.ptp(yf) == 0:
        raise DataValidationError(
            f"{aligned.outcome_name} is constant after filtering",
            key=aligned.outcome_name,
            expected="a series that varies",
            found="constant",
        )
    r = _sample_ccf(xf, yf, max_lag)
    tests = max_lag + 1 if adjust == "bonferroni" else 1
    limit = float(norm.ppf(1 - alpha / (2 * tests)) / np.sqrt(n))  # 1.96/√n at alpha 0.05 (Box, Jenkins & Reinsel)
    table = pd.DataFrame(
        {
            "lag": np.arange(max_lag + 1),
            "ccf": r,
            "ccf_lower": np.full(max_lag + 1, -limit),
            "ccf_upper": np.full(max_lag + 1, limit),
            "significant": np.abs(r) > limit,
        }
    )
    return _Ccf(table, n, int(phi.size), phi, limit, aligned)


def cross_correlation(
    driver: Any,
    outcome: Any,
    *,
    max_lag: int = DEFAULT_MAX_LAG,
    difference: bool = True,
    whiten: bool = True,
    max_order: int = DEFAULT_MAX_ORDER,
    alpha: float = DEFAULT_ALPHA,
    adjust: str = "none",
) -> pd.DataFrame:
    """Pre-whitened cross-correlation of ``driver`` leading ``outcome``, one row per lag ``0..max_lag``.

    ``driver`` and ``outcome`` are Series indexed by monthly Period (a DatetimeIndex is read as
    months) and are aligned on the periods both have a value for, which must be consecutive; or
    two plain arrays of the same length, already aligned. Fewer than :data:`MIN_COMMON_POINTS`
    common periods raise :class:`~pss_analysis.errors.InsufficientDataError`.

    ``difference`` first-differences both series; ``whiten`` fits the AR filter to the driver
    (:func:`prewhiten`, up to ``max_order``) and applies the same filter to the outcome. Turning
    either off is for demonstration and diagnostics.

    Columns (stable): ``lag`` (months the driver leads), ``ccf`` (sample cross-correlation of the
    filtered series, divisor n), ``ccf_lower`` and ``ccf_upper`` (approximate limits of ``ccf`` under
    no association, ``±z/√n`` with ``z = 1.96`` at ``alpha = 0.05`` and n the number of filtered
    pairs; Box, Jenkins & Reinsel — the band a CCF plot draws, not an interval around ``ccf``), and
    ``significant`` (``ccf`` outside them). ``adjust="bonferroni"`` widens the limits to
    ``z = Φ⁻¹(1 - alpha / (2 (max_lag + 1)))`` so the *family* of lags has level ``alpha``.
    ``table.attrs`` holds ``n``, ``ar_order`` and ``ar_coefficients``.
    """
    res = _ccf(
        driver,
        outcome,
        max_lag=max_lag,
        difference=difference,
        whiten=whiten,
        max_order=max_order,
        alpha=alpha,
        adjust=adjust,
    )
    table = res.table
    table.attrs.update({"n": res.n, "ar_order": res.ar_order, "ar_coefficients": res.ar_coefficients.tolist()})
    return table


# --- verdict ---------------------------------------------------------------------------------------


def _plural(k: int, unit: str) -> str:
    return f"{k} {unit}{'' if k == 1 else 's'}"


def _summary(ok: bool, agrees: bool | None, lag: int, a: _Aligned, n: int, max_lag: int) -> str:
    dname, oname, unit = a.driver_name, a.outcome_name, a.unit
    caveat = "(association, not proof of cause)"
    if not ok:
        return (
            f"No clear link: changes in {dname} were not followed by changes in {oname} beyond what "
            f"chance would give within 0 to {_plural(max_lag, unit)} (based on {_plural(n, unit)}; "
            f"this is not proof that there is no link)."
        )
    when = (
        f"tend to go with changes in {oname} in the same {unit}"
        if lag == 0
        else f"tend to be followed {_plural(lag, unit)} later by changes in {oname}"
    )
    if agrees:
        return f"Changes in {dname} {when} in the expected direction {caveat}."
    return f"Changes in {dname} {when}, but in the opposite direction to the one expected {caveat}."


def link_evidence(
    driver: Any,
    outcome: Any,
    *,
    expected_sign: str,
    max_lag: int = DEFAULT_MAX_LAG,
    alpha: float = DEFAULT_ALPHA,
    adjust: str = "bonferroni",
    difference: bool = True,
    max_order: int = DEFAULT_MAX_ORDER,
    driver_name: str | None = None,
    outcome_name: str | None = None,
) -> dict[str, Any]:
    """Evidence on one strategy-map link: is ``driver`` followed by ``outcome`` in the expected direction?

    Runs :func:`cross_correlation` and judges the lags ``0..max_lag`` together. Because looking at
    ``max_lag + 1`` lags gives that many chances of a false alarm, the limits are Bonferroni-adjusted
    by default (``adjust="bonferroni"``: each lag tested at ``alpha / (max_lag + 1)``, so the chance
    of *any* false alarm over the 7 default lags stays at or below ``alpha``); ``adjust="none"``
    uses the unadjusted per-lag ±1.96/√n limits.

    Returns a dict:

    * ``best_lag``, ``ccf_at_best``: the lag with the largest absolute cross-correlation (ties: the
      shortest lag) and its value;
    * ``significant``: any lag beyond the limits (equivalently, the best lag is, as the limits are
      the same at every lag);
    * ``observed_sign``: ``"+"`` or ``"-"``, the sign at the best lag;
    * ``agrees``: ``observed_sign == expected_sign`` when significant, otherwise ``None``;
    * ``status``: ``"agrees"``, ``"disagrees"`` or ``"unknown"`` — the value the strategy-map
      figure's ``link_status`` takes;
    * ``summary``: one plain-English sentence, worded as association, not causation;
    * ``expected_sign``, ``limit``, ``alpha``, ``adjust``, ``n`` (filtered pairs), ``ar_order``,
      ``driver``, ``outcome`` (names) and ``table`` (the :func:`cross_correlation` frame).

    Series names (or ``driver_name`` / ``outcome_name``) are used in the sentence and in errors.
    """
    _check_expected_sign(expected_sign)
    res = _ccf(
        driver,
        outcome,
        max_lag=max_lag,
        difference=difference,
        whiten=True,
        max_order=max_order,
        alpha=alpha,
        adjust=adjust,
        driver_name=driver_name,
        outcome_name=outcome_name,
    )
    verdict = _judge(res.table, expected_sign)
    return _evidence(verdict, res, expected_sign, int(max_lag), float(alpha), adjust)


@dataclass(frozen=True)
class _Verdict:
    best_lag: int  # lag with the largest absolute cross-correlation (ties: the shortest)
    ccf_at_best: float
    significant: bool  # any lag beyond the limits
    observed_sign: str  # "+" or "-", the sign at the best lag
    agrees: bool | None  # observed sign == expected sign, when significant

    @property
    def status(self) -> str:
        """The strategy-map figure's ``link_status``: agrees, disagrees or unknown."""
        if self.agrees is None:
            return "unknown"
        return "agrees" if self.agrees else "disagrees"


def _check_expected_sign(expected_sign: Any) -> None:
    if expected_sign not in EXPECTED_SIGNS:
        raise ParameterError(
            "expected_sign must be '+' or '-'",
            key="expected_sign",
            expected="'+' (outcome moves with the driver) or '-' (against it)",
            found=expected_sign,
        )


def _judge(table: pd.DataFrame, expected_sign: str) -> _Verdict:
    """The strongest lag, whether any lag passes the limits, and whether its sign is the one expected."""
    r = table["ccf"].to_numpy()
    best = int(np.argmax(np.abs(r)))  # argmax returns the first (shortest) lag on ties
    significant = bool(table["significant"].any())
    observed = "+" if r[best] >= 0 else "-"
    agrees = (observed == expected_sign) if significant else None
    return _Verdict(int(table["lag"].iloc[best]), float(r[best]), significant, observed, agrees)


def _evidence(
    verdict: _Verdict, res: _Ccf, expected_sign: str, max_lag: int, alpha: float, adjust: str
) -> dict[str, Any]:
    """The dict :func:`link_evidence` returns."""
    return {
        "best_lag": verdict.best_lag,
        "ccf_at_best": verdict.ccf_at_best,
        "significant": verdict.significant,
        "observed_sign": verdict.observed_sign,
        "expected_sign": expected_sign,
        "agrees": verdict.agrees,
        "status": verdict.status,
        "summary": _summary(verdict.significant, verdict.agrees, verdict.best_lag, res.aligned, res.n, max_lag),
        "limit": res.limit,
        "alpha": alpha,
        "adjust": adjust,
        "n": res.n,
        "ar_order": res.ar_order,
        "driver": res.aligned.driver_name,
        "outcome": res.aligned.outcome_name,
        "table": res.table,
    }
