"""Estimators of an interrupted time series: GLM (IRLS), OLS with optional Newey-West
covariance, negative binomial (alpha by maximum likelihood) and Gaussian regression with
ARMA errors (exact maximum likelihood, then GLS)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from scipy import optimize
from scipy import signal as _signal
from scipy.linalg import solve_discrete_lyapunov as _solve_discrete_lyapunov
from statsmodels.genmod import families as _sm_families
from statsmodels.genmod.generalized_linear_model import GLM as _GLM
from statsmodels.regression.linear_model import GLS as _GLS
from statsmodels.regression.linear_model import OLS as _OLS
from statsmodels.regression.linear_model import RegressionModel as _RegressionModel
from statsmodels.tsa.arima_process import arma_acovf as _arma_acovf
from statsmodels.tsa.statespace.tools import (
    constrain_stationary_univariate as _constrain_stationary,
)
from statsmodels.tsa.statespace.tools import (
    unconstrain_stationary_univariate as _unconstrain_stationary,
)

from pss_analysis.errors import PssWarning
from pss_analysis.methods.its.options import _Family

__all__ = [
    "NEWEY_WEST_DEFAULT_LAGS_FACTOR",
    "NEWEY_WEST_DEFAULT_LAGS_EXPONENT",
    "IRLS_PARAMS_TOL",
    "IRLS_MAX_ITER",
    "NEGBIN_LOG_ALPHA_BOUNDS",
    "NEGBIN_LOG_ALPHA_XTOL",
    "NEGBIN_NEGLIGIBLE_OVERDISPERSION",
    "ARMA_OPTIMIZER_GTOL",
    "KALMAN_STEADY_TOL",
    "AR1_ATANH_BOUND",
    "AR1_GRID_STEP",
    "AR1_ATANH_XTOL",
]

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

AR1_ATANH_BOUND = 7.0
"""The AR(1) coefficient is searched as phi = tanh(z), |z| <= 7, i.e. |phi| <= 0.99999834 (beyond
that the Prais-Winsten factor sqrt(1 - phi^2) loses more than half the double-precision digits)."""

AR1_GRID_STEP = 0.5
"""Step of the grid in z = atanh(phi) on which the AR(1) profile log-likelihood is first evaluated
(29 points); the best grid point brackets the maximum for Brent's method, so a second, lower
local maximum of the profile likelihood cannot capture the search."""

AR1_ATANH_XTOL = 1e-8
"""Absolute tolerance of Brent's method on z = atanh(phi). Safe: near the maximum the profile
log-likelihood is flat to second order, so locations closer than sqrt(2 eps |llf| / f'') (about
1e-8 for 30-1,000 points, eps = 2.2e-16) cannot be told apart in floating point; a smaller
tolerance only chases rounding noise (the old Nelder-Mead polish, at fatol=1e-13, ran to its
iteration cap). An error of 1e-8 in z moves phi, the coefficients and the standard errors by
about 1e-8 relative, far inside the 1e-6 agreement with nlme::gls that the tests check."""

KALMAN_STEADY_TOL = 1e-15
"""The ARMA Kalman filter counts as steady once its one-step innovation variance is within this of
1 (the innovation variance): the filtered state is then exact to double precision, so the
innovations equal the ARMA residuals and the rest of a series is filtered in one pass."""

ARMA_OPTIMIZER_GTOL = 1e-6
"""Gradient tolerance (largest component) of BFGS on the profile log-likelihood for ARMA(p, q)
error parameters (stationary, unconstrained scale). Safe: central-difference gradients of a
log-likelihood of size |llf| carry rounding noise of about eps |llf| / h with h ~ eps^(1/3), i.e.
1e-8 to 1e-7 for 30-1,000 points, so this tolerance sits just above the noise; at curvature
f'' >= 10 it leaves the parameters within 1e-7 of the optimum. The former setting (1e-9, then a
Nelder-Mead polish at fatol=1e-13) was below the noise and ran to the iteration caps."""


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


def _fit_glm(
    family: _Family,
    y: np.ndarray,
    trials: np.ndarray | None,
    x: np.ndarray,
    log_offset: np.ndarray,
    cov_type: str,
    cov_kwds: dict[str, Any] | None,
) -> tuple[Any, dict[str, Any]]:
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
            tol=IRLS_PARAMS_TOL, tol_criterion="params", maxiter=IRLS_MAX_ITER
        )
        return -float(res.llf)

    lo, hi = NEGBIN_LOG_ALPHA_BOUNDS
    res = optimize.minimize_scalar(
        negloglik, bounds=(lo, hi), method="bounded", options={"xatol": NEGBIN_LOG_ALPHA_XTOL}
    )
    if math.exp(res.x) * float(np.mean(y)) < NEGBIN_NEGLIGIBLE_OVERDISPERSION:
        warnings.warn(
            f"the negative-binomial alpha is negligible ({math.exp(res.x):.3g}): the counts "
            "show no overdispersion, so the fit is effectively Poisson; consider family='poisson'",
            PssWarning,
            stacklevel=2,
        )
    return float(math.exp(res.x))


def _arma_corr(params: np.ndarray, order: tuple[int, int], max_lag: int) -> np.ndarray:
    p, q = order
    ar = np.r_[1.0, -params[:p]]
    ma = np.r_[1.0, params[p : p + q]]
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


def _unconstrain_arma(theta: np.ndarray, order: tuple[int, int]) -> np.ndarray:
    p, q = order
    out = np.empty(p + q)
    if p:
        out[:p] = _unconstrain_stationary(theta[:p])
    if q:
        out[p:] = _unconstrain_stationary(-theta[p:])
    return out


@dataclass
class _ArmaMl:
    """The ML estimate of the ARMA error parameters with the profiled GLS pieces."""

    theta: np.ndarray
    llf: float
    sigma2: float


def _gls_profile(yw: np.ndarray, xw: np.ndarray, log_det_half: float) -> tuple[float, float]:
    """Profile log-likelihood and ML innovation variance from whitened data (beta and sigma^2
    profiled out); ``log_det_half`` is log det(L) of the correlation's Cholesky factor."""
    n = len(yw)
    beta, *_ = np.linalg.lstsq(xw, yw, rcond=None)
    resid = yw - xw @ beta
    sigma2 = float(resid @ resid) / n
    return -0.5 * n * (math.log(2 * math.pi * sigma2) + 1.0) - log_det_half, sigma2


# ---- AR(1): Prais-Winsten whitening (O(n) per evaluation) and Brent's method on atanh(phi)


def _ar1_links(group: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """For each row, whether the previous row is the same series, and the time distance to it;
    None unless each series' rows are contiguous and strictly increasing in time."""
    same = np.r_[False, group[1:] == group[:-1]]
    gap = np.r_[0, np.diff(t)].astype(np.int64)
    if len(set(group[~same].tolist())) != int(np.sum(~same)) or np.any(gap[same] <= 0):
        return None
    return same, np.where(same, gap, 0)


def _ar1_whiten(phi: float, v: np.ndarray, same: np.ndarray, gap: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prais-Winsten transform at the true time distance d to the previous point of the same
    series: ``(v_i - phi^d v_prev) / sqrt(1 - phi^(2d))`` (a series' first point is kept). This is
    L^-1 v for the Cholesky factor L of the AR(1) correlation ``phi^|t_i - t_j|`` (the Markov
    property); also returns the diagonal of L."""
    rho = np.where(same, float(phi) ** gap, 0.0)
    scale = np.sqrt(1.0 - rho * rho)
    prev = np.concatenate([np.zeros((1,) + v.shape[1:]), v[:-1]])
    if v.ndim == 1:
        return (v - rho * prev) / scale, scale
    return (v - rho[:, None] * prev) / scale[:, None], scale


def _ar1_profile(phi: float, y: np.ndarray, x: np.ndarray, same: np.ndarray, gap: np.ndarray) -> tuple[float, float]:
    yw, scale = _ar1_whiten(phi, y, same, gap)
    xw, _ = _ar1_whiten(phi, x, same, gap)
    return _gls_profile(yw, xw, float(np.sum(np.log(scale))))


def _ml_ar1(y: np.ndarray, x: np.ndarray, links: tuple[np.ndarray, np.ndarray]) -> _ArmaMl:
    """AR(1) ML: a grid on z = atanh(phi) brackets the maximum of the profile log-likelihood,
    then Brent's method (bounded) polishes it to ``AR1_ATANH_XTOL``."""
    same, gap = links

    def negllf(z: float) -> float:
        return -_ar1_profile(math.tanh(z), y, x, same, gap)[0]

    grid = np.arange(-AR1_ATANH_BOUND, AR1_ATANH_BOUND + AR1_GRID_STEP / 2, AR1_GRID_STEP)
    values = np.array([negllf(z) for z in grid])
    i = int(np.argmin(values))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    res = optimize.minimize_scalar(negllf, bounds=(lo, hi), method="bounded", options={"xatol": AR1_ATANH_XTOL})
    z = float(res.x) if res.fun <= values[i] else float(grid[i])
    llf, sigma2 = _ar1_profile(math.tanh(z), y, x, same, gap)
    return _ArmaMl(theta=np.array([math.tanh(z)]), llf=llf, sigma2=sigma2)


# ---- ARMA(p, q): dense correlation matrix (any gaps and series), BFGS on the stationary scale


def _arma_state_space(theta: np.ndarray, order: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ARMA(p, q) in Harvey's state-space form (state dimension r = max(p, q + 1)): transition T,
    disturbance loading R (innovation variance 1) and the stationary state covariance P0."""
    p, q = order
    r = max(p, q + 1)
    trans = np.eye(r, k=1)
    trans[:p, 0] = theta[:p]
    load = np.zeros(r)
    load[0] = 1.0
    load[1 : q + 1] = theta[p : p + q]
    rr = np.outer(load, load)
    return trans, rr, _solve_discrete_lyapunov(trans, rr)


def _arma_kalman_whiten(
    theta: np.ndarray, order: tuple[int, int], v: np.ndarray, links: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, float]:
    """Kalman-filter innovations of the columns of ``v`` under ARMA(p, q) errors, scaled to unit
    variance (``L^-1 v`` for the Cholesky factor ``L`` of the error covariance), and
    log det(L). A series' first row starts from the stationary state; a gap of d periods
    propagates the state d times (the exact likelihood at the true time distance).

    Once the filter is in its steady state (innovation variance 1 to ``KALMAN_STEADY_TOL`` for
    max(p, q) + 1 rows), the innovations are the ARMA residuals ``phi(L) v = theta(L) e``, so the
    rest of a run that ends with its series is filtered at once (``scipy.signal.lfilter``)."""
    trans, rr, p0 = _arma_state_space(theta, order)
    same, gap = links
    p, q = order
    ar, ma, m = np.r_[1.0, -theta[:p]], np.r_[1.0, theta[p : p + q]], max(p, q)
    ends = _run_ends(same, gap)
    out = np.empty_like(v)
    state, cov = np.zeros((len(p0), v.shape[1])), p0
    half_log_det, streak, i = 0.0, 0, 0
    while i < len(v):
        if not same[i]:
            state, cov, streak = np.zeros_like(state), p0, 0
        else:
            for _ in range(int(gap[i])):
                state, cov = trans @ state, trans @ cov @ trans.T + rr
            streak = streak if gap[i] == 1 else 0
        f = cov[0, 0]
        innov = v[i] - state[0]
        out[i] = innov / math.sqrt(f)
        gain = cov[:, 0] / f
        state, cov = state + gain[:, None] * innov[None, :], cov - gain[:, None] * cov[0][None, :]
        half_log_det += 0.5 * math.log(f)
        streak = streak + 1 if abs(f - 1.0) <= KALMAN_STEADY_TOL else 0
        i += 1
        end = ends[i - 1]
        if streak > m and i < end and (end == len(v) or not same[end]):
            for j in range(v.shape[1]):
                zi = _signal.lfiltic(ar, ma, out[i - 1 - np.arange(m), j], v[i - 1 - np.arange(m), j])
                out[i:end, j] = _signal.lfilter(ar, ma, v[i:end, j], zi=zi)[0]
            i = end
    return out, half_log_det


def _run_ends(same: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """For each row, the index one past the last row of its run (consecutive periods of one series)."""
    n = len(same)
    starts = np.flatnonzero(~same | (gap != 1))
    bounds = np.r_[starts[1:], n] if starts.size else np.array([n])
    return np.repeat(bounds, np.diff(np.r_[starts, n]))


def _ml_arma(
    y: np.ndarray,
    x: np.ndarray,
    lagdist: np.ndarray,
    same: np.ndarray,
    order: tuple[int, int],
    start: np.ndarray,
    links: tuple[np.ndarray, np.ndarray] | None,
) -> _ArmaMl:
    """Exact Gaussian ML of the ARMA parameters by the profile likelihood (beta and sigma^2 by
    GLS), maximised by BFGS with central-difference gradients from two starts: white noise and
    ``start`` (the AR(1) estimate, padded with zeros); the better optimum is kept. The likelihood
    comes from the Kalman filter when each series' rows are contiguous and in time order (``links``),
    else from the Cholesky factor of the full correlation matrix; both give the same number."""
    max_lag = int(lagdist[same].max()) if len(y) else 0
    yx = np.column_stack([y, x])

    def dense(theta: np.ndarray) -> tuple[float, float]:
        chol = np.linalg.cholesky(np.where(same, _arma_corr(theta, order, max_lag)[lagdist], 0.0))
        w = np.linalg.solve(chol, yx)
        return _gls_profile(w[:, 0], w[:, 1:], float(np.sum(np.log(np.diag(chol)))))

    def kalman(theta: np.ndarray) -> tuple[float, float]:
        w, half_log_det = _arma_kalman_whiten(theta, order, yx, cast(tuple, links))
        return _gls_profile(w[:, 0], w[:, 1:], half_log_det)

    profile = dense if links is None else kalman

    def objective(u: np.ndarray) -> float:
        try:
            return -profile(_constrain_arma(u, order))[0]
        except (np.linalg.LinAlgError, ValueError):
            return np.inf

    candidates = [
        optimize.minimize(objective, u0, method="BFGS", jac="3-point", options={"gtol": ARMA_OPTIMIZER_GTOL})
        for u0 in (np.zeros(sum(order)), _unconstrain_arma(start, order))
    ]
    best = min(candidates, key=lambda candidate: candidate.fun)
    theta = _constrain_arma(best.x, order)
    llf, sigma2 = dense(theta)  # sigma^2 on the scale of the errors' variance (as nlme's sigma)
    return _ArmaMl(theta=theta, llf=llf, sigma2=sigma2)


class Ar1GLS(_GLS):
    """statsmodels ``GLS`` for AR(1) errors whose whitening is the Prais-Winsten transform (the
    inverse Cholesky factor applied in O(n)), so no n x n factorisation is needed; ``sigma`` is
    the correlation matrix (as for ``GLS(y, x, sigma=r)``, with identical results) and the
    log-likelihood uses the O(n) log-determinant."""

    def __init__(self, endog: np.ndarray, exog: np.ndarray, phi: float, links: tuple[np.ndarray, np.ndarray]):
        self._ar1 = (phi, *links)
        sigma = _ar1_corr_matrix(phi, *links)
        _RegressionModel.__init__(self, endog, exog, sigma=sigma, cholsigmainv=None)
        self._data_attr.extend(["sigma", "cholsigmainv"])

    def whiten(self, x: Any) -> np.ndarray:
        """Prais-Winsten transform (``L^-1 x`` for the Cholesky factor ``L`` of ``sigma``)."""
        phi, same, gap = self._ar1
        return _ar1_whiten(phi, np.asarray(x, dtype=float), same, gap)[0]

    def loglike(self, params: Any) -> float:
        """Gaussian log-likelihood, the innovation variance concentrated out (as ``GLS``)."""
        phi, same, gap = self._ar1
        n = self.nobs
        ssr = float(np.sum((self.wendog - self.wexog @ np.asarray(params)) ** 2))
        half_log_det = float(np.sum(np.log(_ar1_whiten(phi, np.zeros(len(same)), same, gap)[1])))
        return -0.5 * n * (math.log(2 * math.pi * ssr / n) + 1.0) - half_log_det


def _ar1_corr_matrix(phi: float, same: np.ndarray, gap: np.ndarray) -> np.ndarray:
    """The AR(1) correlation ``phi^|t_i - t_j|`` within a series, 0 between series."""
    run = np.cumsum(~same)
    t = np.cumsum(gap)
    return np.where(run[:, None] == run[None, :], float(phi) ** np.abs(t[:, None] - t[None, :]), 0.0)


def _arma_params_dict(theta: np.ndarray, order: tuple[int, int]) -> dict[str, float]:
    return {
        **{f"ar{i + 1}": float(theta[i]) for i in range(order[0])},
        **{f"ma{i + 1}": float(theta[order[0] + i]) for i in range(order[1])},
    }


def _fit_arma_errors(
    y: np.ndarray, x: np.ndarray, group: np.ndarray, t: np.ndarray, order: tuple[int, int]
) -> tuple[Any, np.ndarray, dict[str, Any]]:
    """Exact Gaussian ML for regression with ARMA errors (profile likelihood), then GLS."""
    links = _ar1_links(group, t)
    ar1 = _ml_ar1(y, x, links) if links is not None else None
    if order == (1, 0) and ar1 is not None and links is not None:
        ml = ar1
        model = Ar1GLS(y, x, float(ml.theta[0]), links).fit()
    else:
        lagdist = np.abs(t[:, None] - t[None, :]).astype(int)
        same = group[:, None] == group[None, :]
        start = np.zeros(sum(order))
        if order[0] and ar1 is not None:
            start[0] = ar1.theta[0]
        ml = _ml_arma(y, x, lagdist, same, order, start, links)
        max_lag = int(lagdist[same].max()) if len(y) else 0
        model = _GLS(y, x, sigma=np.where(same, _arma_corr(ml.theta, order, max_lag)[lagdist], 0.0)).fit()
    extra = {
        "arma_params": _arma_params_dict(ml.theta, order),
        "sigma_ml": math.sqrt(ml.sigma2),
        "llf": ml.llf,
        "resid_white": model.model.whiten(y - x @ model.params),
        "x_white": model.model.wexog,
    }
    return model, ml.theta, extra


def _newey_west(
    ac: dict[str, Any] | None, n: int, group: np.ndarray, t: np.ndarray
) -> tuple[str, dict[str, Any] | None, int | None]:
    """statsmodels covariance type and keywords, and the Newey-West lags (None without HAC)."""
    if ac is None or ac["type"] != "newey_west":
        return "nonrobust", None, None
    lags = ac["lags"]
    if lags is None:
        lags = int(math.floor(NEWEY_WEST_DEFAULT_LAGS_FACTOR * (n / 100.0) ** NEWEY_WEST_DEFAULT_LAGS_EXPONENT))
    cov_kwds = {
        "groups": _nw_groups(group, t),
        "maxlags": lags,
        "use_correction": "hac" if ac["small_sample"] else False,
    }
    return "hac-panel", cov_kwds, lags


def _estimate_arma(y: np.ndarray, x: np.ndarray, group: np.ndarray, t: np.ndarray, order: tuple[int, int]) -> _Fit:
    """Gaussian regression with ARMA errors: GLS at the ML correlation."""
    n, p = x.shape
    model, theta, more = _fit_arma_errors(y, x, group, t, order)
    k_extra = len(theta) + 1
    return _Fit(
        beta=np.asarray(model.params),
        cov=np.asarray(model.cov_params()),
        df_resid=float(n - p),
        model=model,
        resid=more["resid_white"],
        x_diag=more["x_white"],
        dispersion=np.nan,
        residual_variance=more["sigma_ml"] ** 2,
        llf=more["llf"],
        aic=-2.0 * more["llf"] + 2.0 * (p + k_extra),
        extra={k: more[k] for k in ("arma_params", "sigma_ml")},
    )


def _estimate_ols(y: np.ndarray, x: np.ndarray, cov_type: str, cov_kwds: dict[str, Any] | None) -> _Fit:
    """Ordinary least squares, with a Newey-West covariance if asked."""
    p = x.shape[1]
    model = _OLS(y, x)
    res = model.fit() if cov_type == "nonrobust" else model.fit(cov_type=cov_type, cov_kwds=cov_kwds, use_t=True)
    return _Fit(
        beta=np.asarray(res.params),
        cov=np.asarray(res.cov_params()),
        df_resid=float(res.df_resid),
        model=res,
        resid=np.asarray(res.resid),
        x_diag=x,
        dispersion=np.nan,
        residual_variance=float(res.ssr / res.df_resid),
        llf=float(res.llf),
        aic=-2.0 * float(res.llf) + 2.0 * (p + 1),
        extra={},
    )


def _estimate_glm(
    family: _Family,
    y: np.ndarray,
    trials: np.ndarray | None,
    x: np.ndarray,
    log_offset: np.ndarray,
    cov_type: str,
    cov_kwds: dict[str, Any] | None,
) -> _Fit:
    """A count or binomial GLM, with Pearson dispersion and (non-quasi) likelihood and AIC."""
    n, p = x.shape
    res, extra = _fit_glm(family, y, trials, x, log_offset, cov_type, cov_kwds)
    df_resid = float(n - p)
    dispersion = float(res.pearson_chi2 / df_resid)
    llf = float(res.llf) if not family.quasi else np.nan
    k_extra = 1 if family.name == "negbin" else 0
    return _Fit(
        beta=np.asarray(res.params),
        cov=np.asarray(res.cov_params()),
        df_resid=df_resid,
        model=res,
        resid=np.asarray(res.resid_pearson),
        x_diag=x,
        dispersion=dispersion,
        residual_variance=np.nan,
        llf=llf,
        aic=(-2.0 * llf + 2.0 * (p + k_extra)) if not family.quasi else np.nan,
        extra=extra,
    )


def _estimate(
    family: _Family,
    ac: dict[str, Any] | None,
    y: np.ndarray,
    trials: np.ndarray | None,
    x: np.ndarray,
    log_offset: np.ndarray,
    group: np.ndarray,
    t: np.ndarray,
) -> _Fit:
    """Fit the model with the estimator its family and autocorrelation call for."""
    if family.name == "gaussian" and ac is not None and ac["type"] in ("ar1", "arma"):
        return _estimate_arma(y, x, group, t, ac["order"])
    cov_type, cov_kwds, lags = _newey_west(ac, len(y), group, t)
    if family.name == "gaussian":
        fit = _estimate_ols(y, x, cov_type, cov_kwds)
    else:
        fit = _estimate_glm(family, y, trials, x, log_offset, cov_type, cov_kwds)
    if lags is not None:
        fit.extra["newey_west_lags"] = lags
    return fit
