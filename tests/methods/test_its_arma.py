"""Regression with AR(1) and ARMA errors (pss_analysis.methods.its.estimators) against R's
``nlme::gls(..., method = "ML")`` on the UK Seatbelts data (192 months, a seasonal design).

The data are R's built-in ``Seatbelts[, "DriversKilled"]`` (monthly car drivers killed in Great
Britain, January 1969 to December 1984; Harvey & Durbin 1986), printed with
``dput(as.integer(Seatbelts[, "DriversKilled"]))``. The seat-belt law took effect in February
1983 (t = 170). When ``Rscript`` (with nlme) is present the R half runs here; otherwise the test
compares with the numbers recorded below, printed by the same R code (R 4.2.2, nlme 3.1-162) with
``options(digits = 15)``.
"""

from __future__ import annotations

import math
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.arima_process import arma_acovf

from pss_analysis.methods.its import fit_its

DRIVERS_KILLED = [
    107, 97, 102, 87, 119, 106, 110, 106, 107, 134, 147, 180, 125, 134, 110, 102, 103, 111, 120, 129,
    122, 183, 169, 190, 134, 108, 104, 117, 157, 148, 130, 140, 136, 140, 187, 150, 159, 143, 114, 127,
    159, 156, 138, 120, 117, 170, 168, 198, 144, 146, 109, 131, 151, 140, 153, 140, 161, 168, 152, 136,
    113, 100, 103, 103, 121, 134, 133, 129, 144, 154, 156, 163, 122, 92, 117, 95, 96, 108, 108, 106,
    140, 114, 158, 161, 102, 127, 125, 101, 97, 112, 112, 113, 108, 128, 154, 162, 112, 79, 82, 127,
    108, 110, 123, 103, 97, 140, 165, 183, 148, 111, 116, 115, 100, 106, 134, 125, 117, 122, 153, 178,
    114, 94, 128, 119, 111, 110, 114, 118, 115, 132, 153, 171, 115, 95, 92, 100, 95, 114, 102, 104,
    132, 136, 117, 137, 111, 106, 98, 84, 94, 105, 123, 109, 130, 153, 134, 99, 115, 104, 131, 108,
    103, 115, 122, 122, 125, 137, 138, 152, 120, 95, 100, 89, 82, 89, 60, 84, 113, 126, 122, 118,
    92, 86, 81, 84, 87, 90, 79, 96, 122, 120, 137, 154,
]  # fmt: skip

R_SCRIPT = """
library(nlme)
y <- as.numeric(Seatbelts[, "DriversKilled"])
t <- seq_along(y); m <- as.numeric(cycle(Seatbelts))
x <- as.numeric(t >= 170); xt <- x * (t - 169)
d <- data.frame(y, t, x, xt, s1 = sin(2*pi*m/12), c1 = cos(2*pi*m/12), s2 = sin(4*pi*m/12), c2 = cos(4*pi*m/12))
g <- gls(y ~ t + x + xt + s1 + c1 + s2 + c2, data = d, correlation = corAR1(form = ~ t), method = "ML")
out <- c(coef(g), sqrt(diag(vcov(g))), coef(g$modelStruct$corStruct, unconstrained = FALSE),
         as.numeric(logLik(g)), g$sigma)
cat(sprintf("%.15g", out), sep = "\\n")
"""

# Printed by R_SCRIPT (R 4.2.2, nlme 3.1-162): coefficients, standard errors (order: intercept, t,
# x, xt, s1, c1, s2, c2), phi, log-likelihood, sigma (the ML innovation SD).
R_RECORDED = {
    "coef": [
        135.741313776251, -0.118540270556238, -19.2476502333641, 0.538589829852244,
        -12.1870061412546, 15.459126513603, -7.19587601551332, 9.50243947339484,
    ],
    "se": [
        3.72807892892447, 0.0379517713414530, 10.3591385649283, 0.716542523430927,
        2.26944175651234, 2.25160847977475, 1.85222756369353, 1.85340713978892,
    ],
    "phi": 0.343484509179182,
    "loglik": -800.186221129615,
    "sigma": 16.6289023570391,
}  # fmt: skip
N_COEF = 8


def _r_numbers() -> dict[str, object]:
    """nlme's fit, run now when Rscript is present, else the recorded numbers."""
    if shutil.which("Rscript") is None:
        return R_RECORDED
    out = subprocess.run(["Rscript", "-e", R_SCRIPT], capture_output=True, text=True, check=True, timeout=120)
    v = [float(s) for s in out.stdout.split()]
    return {"coef": v[:N_COEF], "se": v[N_COEF : 2 * N_COEF], "phi": v[16], "loglik": v[17], "sigma": v[18]}


def _seatbelts() -> pd.DataFrame:
    return pd.DataFrame(
        {"month": pd.period_range("1969-01", periods=len(DRIVERS_KILLED), freq="M"), "killed": DRIVERS_KILLED}
    )


def _fit(autocorrelation: object):
    return fit_its(_seatbelts(), "killed", "month", "1983-02", seasonality="fourier", autocorrelation=autocorrelation)


def test_recorded_numbers_are_what_r_prints_now():
    # Keeps the recorded fallback honest: where R is present it must print the same numbers.
    if shutil.which("Rscript") is None:
        pytest.skip("Rscript not found: the recorded nlme numbers are used without this check")
    now = _r_numbers()
    for key in ("coef", "se"):
        np.testing.assert_allclose(now[key], R_RECORDED[key], rtol=1e-12)
    assert now["phi"] == pytest.approx(R_RECORDED["phi"], rel=1e-12)


def test_ar1_matches_nlme_gls_ml_on_seatbelts():
    r = _r_numbers()
    res = _fit("ar1")
    # design column order: baseline_level, pre_trend, level_change[0], slope_change[0], sin1, cos1, sin2, cos2
    assert res.specification["terms"][4:] == ["fourier_sin1", "fourier_cos1", "fourier_sin2", "fourier_cos2"]
    np.testing.assert_allclose(res.coefficients.to_numpy(), r["coef"], rtol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(res.covariance.to_numpy())), r["se"], rtol=1e-6)
    assert res.specification["arma_params"]["ar1"] == pytest.approx(r["phi"], rel=1e-6)
    assert res.diagnostics()["log_likelihood"] == pytest.approx(r["loglik"], rel=1e-10)
    # under method = "ML" nlme's sigma is the ML innovation SD, sqrt(RSS*/N)
    assert res.specification["sigma_ml"] == pytest.approx(r["sigma"], rel=1e-6)


def test_arma10_is_the_ar1_fit():
    a, b = _fit("ar1"), _fit({"type": "arma", "order": (1, 0)})
    np.testing.assert_allclose(a.coefficients, b.coefficients, rtol=1e-12)
    assert a.specification["arma_params"] == b.specification["arma_params"]


def test_arma11_matches_nlme_gls_ml_on_seatbelts():
    # R_SCRIPT with corARMA(p = 1, q = 1, form = ~ t) in place of corAR1 (nlme's Theta is our ma1):
    coef = [131.937806273877, -0.0855990036541146, -19.0427998945192, 0.473982890197365,
            -11.9245014753595, 15.4086572162862, -7.15421798665436, 9.50619103767679]  # fmt: skip
    se = [6.69503695238503, 0.0665128159833413, 10.5247429842371, 0.746939954702049,
          1.66731707940287, 1.65187731036750, 1.52379280408827, 1.52671516875400]  # fmt: skip
    res = _fit({"type": "arma", "order": (1, 1)})
    np.testing.assert_allclose(res.coefficients.to_numpy(), coef, rtol=1e-5)
    np.testing.assert_allclose(np.sqrt(np.diag(res.covariance.to_numpy())), se, rtol=1e-5)
    assert res.specification["arma_params"]["ar1"] == pytest.approx(0.922910163708125, rel=1e-5)
    assert res.specification["arma_params"]["ma1"] == pytest.approx(-0.762634339087146, rel=1e-5)
    # the maximum is flat: the log-likelihood agrees far more closely than the parameters
    assert res.diagnostics()["log_likelihood"] == pytest.approx(-799.276133225748, rel=1e-10)


@pytest.mark.parametrize(
    "autocorrelation", ["ar1", {"type": "arma", "order": (1, 1)}, {"type": "arma", "order": (2, 1)}]
)
def test_likelihood_with_gap_and_two_series_is_the_dense_one(autocorrelation):
    # A controlled fit with a phase-in: the O(n) likelihood (Prais-Winsten for AR(1), the Kalman
    # filter for ARMA) must equal the exact Gaussian likelihood with the full correlation matrix
    # (the ARMA autocorrelation at |t_i - t_j| within each series, 0 between series).
    rng = np.random.default_rng(7)
    t = np.arange(1, 121)
    treated = pd.DataFrame({"t": t, "y": 50 + 0.3 * t + 4.0 * (t >= 61) + rng.normal(0, 2, 120).cumsum() * 0.3})
    control = pd.DataFrame({"t": t, "y": 40 + 0.2 * t + rng.normal(0, 2, 120).cumsum() * 0.3})
    res = fit_its(treated, "y", "t", 61, control=control, phase_in=3, autocorrelation=autocorrelation)
    params = res.specification["arma_params"]
    ar = [v for k, v in params.items() if k.startswith("ar")]
    ma = [v for k, v in params.items() if k.startswith("ma")]
    preds = res.predictions()
    fit_rows = preds[preds["in_fit"]]
    tt, grp = fit_rows["t"].to_numpy(), fit_rows["group"].to_numpy()
    lag = np.abs(tt[:, None] - tt[None, :])
    acov = arma_acovf(np.r_[1.0, -np.array(ar)], np.r_[1.0, np.array(ma)], nobs=int(lag.max()) + 1)
    corr = np.where(grp[:, None] == grp[None, :], (acov / acov[0])[lag], 0.0)
    e = fit_rows["observed"].to_numpy() - fit_rows["fitted"].to_numpy()
    n = len(e)
    chol = np.linalg.cholesky(corr)
    w = np.linalg.solve(chol, e)
    sigma2 = w @ w / n
    llf = -0.5 * n * (math.log(2 * math.pi * sigma2) + 1) - np.sum(np.log(np.diag(chol)))
    assert res.diagnostics()["log_likelihood"] == pytest.approx(llf, rel=1e-10)
    assert res.specification["n"] == 2 * (120 - 3)


@pytest.mark.parametrize("theta, order", [([0.92, -0.76], (1, 1)), ([0.5, -0.2, 0.4], (2, 1)), ([0.4], (0, 1))])
def test_kalman_innovations_are_the_inverse_cholesky_whitening(theta, order):
    # The ARMA optimiser's likelihood: Kalman innovations (with the steady-state shortcut) must be
    # L^-1 v and log det L for the full covariance, across a gap and two series.
    from pss_analysis.methods.its.estimators import _ar1_links, _arma_kalman_whiten

    t = np.r_[np.arange(1, 101), np.arange(104, 141), np.arange(1, 141)]
    group = np.array(["treated"] * 137 + ["control"] * 140, dtype=object)
    v = np.random.default_rng(3).normal(size=(len(t), 3))
    theta = np.array(theta)
    white, half_log_det = _arma_kalman_whiten(theta, order, v, _ar1_links(group, t))
    lag = np.abs(t[:, None] - t[None, :])
    acov = arma_acovf(np.r_[1.0, -theta[: order[0]]], np.r_[1.0, theta[order[0] :]], nobs=int(lag.max()) + 1)
    chol = np.linalg.cholesky(np.where(group[:, None] == group[None, :], acov[lag], 0.0))
    np.testing.assert_allclose(white, np.linalg.solve(chol, v), rtol=0, atol=1e-12)
    assert half_log_det == pytest.approx(float(np.sum(np.log(np.diag(chol)))), abs=1e-10)
