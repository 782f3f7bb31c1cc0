"""Tests for pss_analysis.methods.its (interrupted time series) and its figure.

Reference numbers come from three places, never from this module's own output:

* the README of ``../shared/reference/its/`` (Lopez Bernal, Cummins & Gasparrini 2017, models 1-4);
* R 4.2.2 (Debian packages r-base-core, r-cran-nlme 3.1-162, r-cran-sandwich 3.0-2,
  r-cran-lmtest, r-cran-mass), run once; the R code is quoted next to each number;
* hand derivations on noiseless or textbook data.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE  # ../shared/reference beside the checkout
from scipy import stats

from pss_analysis.errors import (
    DataValidationError,
    InsufficientDataError,
    ParameterError,
    PssWarning,
    ShortSeriesWarning,
)
from pss_analysis.methods.its import (
    AUTOCORRELATION_METHODS,
    FAMILIES,
    MIN_POINTS_PER_SIDE,
    RECOMMENDED_POINTS_PER_SIDE,
    SEASONALITY_KINDS,
    ItsResult,
    compare_nested,
    fit_its,
)

ITS_REFERENCE = REFERENCE / "its"


def _reference_csv(relative: str) -> pd.DataFrame:
    path = ITS_REFERENCE / relative
    if not path.exists():
        pytest.skip(f"reference file {path} is missing (it lives in shared/reference/its/ beside the repo)")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def sicily() -> pd.DataFrame:
    return _reference_csv("sicily.csv")


@pytest.fixture(scope="module")
def california() -> pd.DataFrame:
    return _reference_csv("prop99/cigsales_california_single.csv")


def assert_sig(actual: float, expected: float, digits: int = 4) -> None:
    """``actual`` equals ``expected`` to ``digits`` significant figures (within half a unit of
    the last one)."""
    tol = 0.5 * 10 ** (math.floor(math.log10(abs(expected))) - digits + 1)
    assert abs(actual - expected) <= tol, f"{actual!r} != {expected!r} to {digits} significant figures"


def row(effects: pd.DataFrame, term: str, group: str = "treated", interruption=None) -> pd.Series:
    sel = (effects["term"] == term) & (effects["group"] == group)
    if interruption is not None:
        sel &= effects["interruption"] == interruption
    found = effects[sel]
    assert len(found) == 1, f"expected one {group} {term} row, found {len(found)}"
    return found.iloc[0]


# ============================================================================================
# Lopez Bernal, Cummins & Gasparrini (2017): the README's table, to 4 significant figures
# ============================================================================================


def test_model1_poisson(sicily):
    res = fit_its(sicily, "aces", "time", 37, family="poisson", offset="stdpop", slope_change=False)
    eff = res.effects()
    ban = row(eff, "level_change")
    assert_sig(ban["coef"], -0.1116284)
    assert_sig(ban["std_error"], 0.0172248)
    assert ban["scale"] == "ratio"
    assert_sig(ban["estimate"], 0.894377)
    assert_sig(ban["estimate_lower"], 0.864686)
    assert_sig(ban["estimate_upper"], 0.925086)
    trend = row(eff, "pre_trend")
    assert_sig(trend["coef"], 0.0049450)
    assert_sig(trend["std_error"], 0.0004992)
    assert_sig(trend["estimate"], 1.004957)


def test_model2_quasipoisson(sicily):
    res = fit_its(sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", slope_change=False)
    ban = row(res.effects(), "level_change")
    assert_sig(ban["coef"], -0.1116284)
    assert_sig(ban["std_error"], 0.0324959)
    assert_sig(ban["estimate"], 0.894377)
    assert_sig(ban["estimate_lower"], 0.839189)
    assert_sig(ban["estimate_upper"], 0.953193)
    assert_sig(res.diagnostics()["dispersion"], 3.559195)


def test_model2_dispersion_is_the_exact_pearson_statistic(sicily):
    # The README's 3.559195 is R's summary.glm dispersion at the default glm.control(epsilon =
    # 1e-8): R computes it from the IRLS working weights of the last iteration, so it differs
    # from the exact Pearson chi-square / df in the 6th digit. With a tight tolerance R gives the
    # exact value, which is what we compute:
    #   d <- read.csv("sicily.csv")
    #   m <- glm(aces ~ offset(log(stdpop)) + smokban + time, family = quasipoisson, data = d,
    #            control = glm.control(epsilon = 1e-14, maxit = 100))
    #   summary(m)$dispersion                  # 3.559186764
    #   coef(summary(m))["smokban", 2]         # 0.0324959407084
    #   sum(residuals(m, "pearson")^2) / m$df.residual   # 3.559186764 (also at default epsilon)
    res = fit_its(sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", slope_change=False)
    assert res.diagnostics()["dispersion"] == pytest.approx(3.559186764, rel=1e-9)
    assert row(res.effects(), "level_change")["std_error"] == pytest.approx(0.0324959407084, rel=1e-9)
    # quasi-Poisson p-values use t on the residual df (R's summary.glm): Pr(>|t|) = 1.122135591e-03
    assert row(res.effects(), "level_change")["p_value"] == pytest.approx(1.122135591e-03, rel=1e-6)


@pytest.mark.parametrize(
    "seasonality",
    ["fourier", {"type": "fourier", "k": 2, "period": 12}, {"type": "fourier", "column": "month"}],
)
def test_model3_quasipoisson_fourier(sicily, seasonality):
    res = fit_its(
        sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", slope_change=False, seasonality=seasonality
    )
    eff = res.effects()
    ban = row(eff, "level_change")
    assert_sig(ban["coef"], -0.1220868)
    assert_sig(ban["std_error"], 0.0270311)
    assert_sig(ban["estimate"], 0.885072)
    assert_sig(ban["estimate_lower"], 0.839401)
    assert_sig(ban["estimate_upper"], 0.933227)
    trend = row(eff, "pre_trend")
    assert_sig(trend["coef"], 0.0053892)
    assert_sig(trend["std_error"], 0.0007955)
    assert_sig(math.exp(12 * trend["coef"]), 1.066808)  # annual trend
    assert_sig(res.diagnostics()["dispersion"], 2.262186)


def test_model3_with_monthly_period_time_uses_calendar_month(sicily):
    data = sicily.assign(period=pd.PeriodIndex.from_fields(year=sicily["year"], month=sicily["month"], freq="M"))
    res = fit_its(
        data,
        "aces",
        "period",
        "2005-01",
        family="quasipoisson",
        offset="stdpop",
        slope_change=False,
        seasonality="fourier",
    )
    ban = row(res.effects(), "level_change")
    assert_sig(ban["estimate"], 0.885072)
    assert_sig(ban["estimate_lower"], 0.839401)
    assert_sig(ban["estimate_upper"], 0.933227)
    assert ban["interruption"] == pd.Period("2005-01", "M")


def test_model4_slope_change_wagner(sicily):
    res = fit_its(
        sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", seasonality="fourier", time_since="wagner"
    )
    eff = res.effects()
    level = row(eff, "level_change")
    assert_sig(level["coef"], -0.1318592)
    assert_sig(level["std_error"], 0.0297913)
    assert_sig(level["estimate"], 0.876464)
    assert_sig(level["estimate_lower"], 0.826753)
    assert_sig(level["estimate_upper"], 0.929165)
    slope = row(eff, "slope_change")
    assert_sig(slope["coef"], 0.0014822)
    assert_sig(slope["std_error"], 0.0018546)
    assert_sig(slope["estimate"], 1.001483)
    assert_sig(slope["estimate_lower"], 0.997850)
    assert_sig(slope["estimate_upper"], 1.005130)
    assert_sig(res.diagnostics()["dispersion"], 2.274563)
    assert set(eff["time_since"]) == {"wagner"}
    assert res.specification["time_since"] == "wagner"


def test_model4_versus_model3_f_test(sicily):
    # README: F = 0.6388, p = 0.4279 (R: anova(model3, model4, test = "F")), i.e. the deviance
    # drop over the larger model's dispersion, on (1, df_resid) df.
    m3 = fit_its(
        sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", slope_change=False, seasonality="fourier"
    )
    m4 = fit_its(sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", seasonality="fourier")
    f = (m3.model.deviance - m4.model.deviance) / m4.diagnostics()["dispersion"]
    assert_sig(f, 0.6388)
    assert_sig(stats.f.sf(f, 1, m4.specification["df_resid"]), 0.4279)
    test = compare_nested(m3, m4)
    assert_sig(test["f"], 0.6388)
    assert_sig(test["p_value"], 0.4279)
    assert test["df_num"] == 1 and test["df_den"] == m4.specification["df_resid"]
    with pytest.raises(ParameterError, match="smaller one"):
        compare_nested(m4, m3)


def test_nested_f_test_for_ols_equals_the_textbook_formula():
    # Hand-derived: F = ((RSS_small - RSS_large) / q) / (RSS_large / df_large) for OLS.
    rng = np.random.default_rng(1)
    t = np.arange(1, 41)
    y = 10 + 0.2 * t + 3 * (t >= 21) + rng.normal(0, 1, 40)
    data = pd.DataFrame({"t": t, "y": y})
    small = fit_its(data, "y", "t", 21, slope_change=False)
    large = fit_its(data, "y", "t", 21)
    rss_s, rss_l = small.model.ssr, large.model.ssr
    expected = (rss_s - rss_l) / (rss_l / (40 - 4))
    assert compare_nested(small, large)["f"] == pytest.approx(expected, rel=1e-12)


def test_sicily_descriptives_from_predictions(sicily):
    # README: mean ACEs 810.86 before, 857.52 after; mean rate per 100,000 213.27 and 220.51.
    res = fit_its(sicily, "aces", "time", 37, family="poisson", offset="stdpop")
    counts = res.predictions()
    rates = res.predictions(per=100_000)
    before, after = counts["phase"] == "pre", counts["phase"] == "post"
    assert counts.loc[before, "observed"].mean() == pytest.approx(810.86, abs=0.005)
    assert counts.loc[after, "observed"].mean() == pytest.approx(857.52, abs=0.005)
    assert rates.loc[before, "observed"].mean() == pytest.approx(213.27, abs=0.005)
    assert rates.loc[after, "observed"].mean() == pytest.approx(220.51, abs=0.005)


def test_model4_itsa_convention_shifts_level_by_slope(sicily):
    wag = fit_its(sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", seasonality="fourier")
    itsa = fit_its(
        sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", seasonality="fourier", time_since="itsa"
    )
    # README: level -0.1318592 (wagner) and slope 0.0014822 => itsa level -0.1303770
    assert_sig(row(itsa.effects(), "level_change")["coef"], -0.1318592 + 0.0014822)
    assert_sig(row(itsa.effects(), "slope_change")["coef"], 0.0014822)
    assert set(itsa.effects()["time_since"]) == {"itsa"}
    assert "first post-interruption" in itsa.specification["time_since_meaning"]
    assert row(wag.effects(), "post_trend")["coef"] == pytest.approx(
        row(itsa.effects(), "post_trend")["coef"], rel=1e-9
    )


# ============================================================================================
# Cross-checks against R (numbers printed by R once and hard-coded here)
# ============================================================================================
#   ca <- read.csv("prop99/cigsales_california_single.csv")
#   ca$t <- seq_len(nrow(ca)); ca$x <- as.numeric(ca$year >= 1989)
#   ca$xt <- ca$x * (ca$year - 1989)          # Stata itsa / Linden (2015) convention
#   ols <- lm(cigsale ~ t + x + xt, data = ca)
R_OLS_COEF = [134.005262794, -1.779473648, -20.058096630, -1.494652379]
R_OLS_SE = [2.4745942750, 0.2170362753, 3.7471105397, 0.4846286377]
#   sqrt(diag(sandwich::NeweyWest(ols, lag = 1, prewhite = FALSE, adjust = TRUE)))
R_NW_SE_ADJUSTED = [4.6002712188, 0.3834188215, 4.7243951226, 0.4368201096]
#   sqrt(diag(sandwich::NeweyWest(ols, lag = 1, prewhite = FALSE, adjust = FALSE)))
R_NW_SE_UNADJUSTED = [4.2932331329, 0.3578281170, 4.4090725761, 0.4076652176]
_TERMS = ["baseline_level", "pre_trend", "level_change", "slope_change"]


def _core(res: ItsResult) -> tuple[np.ndarray, np.ndarray]:
    """The model's own coefficients (R's t starts at 1, so R's intercept is the coefficient at t = 0)."""
    names = ["baseline_level", "pre_trend", "level_change[0]", "slope_change[0]"]
    se = np.sqrt(np.diag(res.covariance.loc[names, names].to_numpy(float)))
    return res.coefficients[names].to_numpy(float), se


def test_itsa_baseline_is_statas_cons_at_the_first_point(california):
    # Stata itsa's _t is 0 at the first year, so _cons = intercept + slope in R's t = 1.. coding:
    # 134.005262794 - 1.779473684 = 132.225789110 (R_OLS_COEF), with Var = V00 + 2 V01 + V11.
    itsa = fit_its(california, "cigsale", "year", 1989, time_since="itsa").effects().set_index("term")
    wagner = fit_its(california, "cigsale", "year", 1989).effects().set_index("term")
    assert itsa.at["baseline_level", "estimate"] == pytest.approx(R_OLS_COEF[0] + R_OLS_COEF[1], rel=1e-10)
    assert wagner.at["baseline_level", "estimate"] == pytest.approx(R_OLS_COEF[0], rel=1e-10)
    res = fit_its(california, "cigsale", "year", 1989, time_since="itsa")
    v = res.covariance.to_numpy(float)
    assert itsa.at["baseline_level", "std_error"] == pytest.approx(np.sqrt(v[0, 0] + 2 * v[0, 1] + v[1, 1]))


def test_ols_matches_r_lm(california):
    coef, se = _core(fit_its(california, "cigsale", "year", 1989, time_since="itsa"))
    np.testing.assert_allclose(coef, R_OLS_COEF, rtol=1e-8)
    np.testing.assert_allclose(se, R_OLS_SE, rtol=1e-8)


@pytest.mark.parametrize("small_sample, expected", [(True, R_NW_SE_ADJUSTED), (False, R_NW_SE_UNADJUSTED)])
def test_newey_west_matches_r_sandwich(california, small_sample, expected):
    res = fit_its(
        california,
        "cigsale",
        "year",
        1989,
        time_since="itsa",
        autocorrelation={"type": "newey_west", "lags": 1, "small_sample": small_sample},
    )
    coef, se = _core(res)
    np.testing.assert_allclose(coef, R_OLS_COEF, rtol=1e-8)
    np.testing.assert_allclose(se, expected, rtol=1e-8)
    # Stata newey: t on the residual df (31 - 4 = 27)
    lvl = row(res.effects(), "level_change")
    t_stat = lvl["coef"] / lvl["std_error"]
    assert lvl["p_value"] == pytest.approx(2 * stats.t.sf(abs(t_stat), 27), rel=1e-10)
    assert lvl["estimate_upper"] - lvl["coef"] == pytest.approx(stats.t.ppf(0.975, 27) * lvl["std_error"], rel=1e-10)


def test_ar1_matches_r_nlme_gls_ml(california):
    #   g <- nlme::gls(cigsale ~ t + x + xt, data = ca, correlation = corAR1(form = ~ t), method = "ML")
    #   summary(g)$tTable; coef(g$modelStruct$corStruct, unconstrained = FALSE); logLik(g); AIC(g)
    res = fit_its(california, "cigsale", "year", 1989, time_since="itsa", autocorrelation="ar1")
    coef, se = _core(res)
    np.testing.assert_allclose(coef, [128.923507148, -1.851099573, -6.236003157, -2.045996867], rtol=1e-6)
    np.testing.assert_allclose(se, [6.9555217195, 0.4634947851, 2.7472906666, 0.9190014434], rtol=1e-6)
    # the baseline's p-value is R's intercept's only under the Wagner convention (t = 0), so skip it here
    p = res.effects().set_index("term").loc[_TERMS[1:], "p_value"].to_numpy(float)
    np.testing.assert_allclose(p, [4.499016850e-04, 3.141273752e-02, 3.452981495e-02], rtol=1e-5)
    assert res.specification["arma_params"]["ar1"] == pytest.approx(0.9234636575, rel=1e-6)
    diag = res.diagnostics()
    assert diag["log_likelihood"] == pytest.approx(-72.46160887, rel=1e-9)
    assert diag["aic"] == pytest.approx(156.9232177, rel=1e-9)
    assert res.specification["sigma_ml"] == pytest.approx(6.331661858, rel=1e-6)


def test_arma11_matches_r_nlme_gls_ml(california):
    #   g2 <- nlme::gls(cigsale ~ t + x + xt, data = ca,
    #                   correlation = corARMA(p = 1, q = 1, form = ~ t), method = "ML")
    res = fit_its(
        california, "cigsale", "year", 1989, time_since="itsa", autocorrelation={"type": "arma", "order": (1, 1)}
    )
    coef, se = _core(res)
    np.testing.assert_allclose(coef, [130.321441221, -1.944247489, -4.952980664, -2.073462534], rtol=1e-6)
    np.testing.assert_allclose(se, [7.0772490435, 0.5013483092, 2.5614787130, 1.0321512843], rtol=1e-5)
    assert res.specification["arma_params"]["ar1"] == pytest.approx(0.8945782517, rel=1e-5)
    assert res.specification["arma_params"]["ma1"] == pytest.approx(0.2688756013, rel=1e-5)
    assert res.diagnostics()["log_likelihood"] == pytest.approx(-71.17877986, rel=1e-9)


def test_residual_tests_match_r_lmtest(california):
    #   lmtest::bgtest(ols, order = 3)   # LM test = 15.325267, df = 3, p-value = 0.001558763
    #   Box.test(residuals(ols), lag = 5, type = "Ljung-Box")  # X-squared = 24.619435, p = 0.0001649957
    #   lmtest::dwtest(ols)$statistic   # 0.5352419556
    res = fit_its(california, "cigsale", "year", 1989, time_since="itsa")
    d3 = res.diagnostics(lags=3)
    assert d3["breusch_godfrey_stat"] == pytest.approx(15.325267, rel=1e-7)
    assert d3["breusch_godfrey_p_value"] == pytest.approx(0.001558763, rel=1e-6)
    assert d3["breusch_godfrey_lags"] == 3
    assert d3["durbin_watson"] == pytest.approx(0.5352419556, rel=1e-9)
    d5 = res.diagnostics(lags=5)
    assert d5["ljung_box_stat"] == pytest.approx(24.619435, rel=1e-7)
    assert d5["ljung_box_p_value"] == pytest.approx(0.0001649957, rel=1e-6)


def test_negbin_matches_r_glm_nb(sicily):
    #   nb <- MASS::glm.nb(aces ~ offset(log(stdpop)) + smokban + time + I(time-36):smokban, data = d)
    #   coef(summary(nb)); nb$theta; AIC(nb)
    # (glm.nb warns "alternation limit reached": its theta, 356.5822082, is the less precise one.)
    res = fit_its(sicily, "aces", "time", 37, family="negbin", offset="stdpop")
    coef, se = _core(res)
    np.testing.assert_allclose(coef, [-6.2421928469857, 0.0048949603231, -0.1151942767610, 0.0004052831522], rtol=1e-5)
    np.testing.assert_allclose(se, [0.021802463130, 0.001019961061, 0.034198768839, 0.002228417364], rtol=1e-5)
    assert 1.0 / res.specification["negbin_alpha"] == pytest.approx(356.5822082, rel=1e-5)
    assert res.diagnostics()["aic"] == pytest.approx(644.3017072, rel=1e-8)
    p = row(res.effects(), "level_change")["p_value"]
    assert p == pytest.approx(7.561268499e-04, rel=1e-4)  # z test, as R's Pr(>|z|)


def test_controlled_its_matches_r_lm():
    #   all <- read.csv("prop99/cigsales_abadie2010_smoking.csv")
    #   ctl <- aggregate(cigsale ~ year, data = all[all$state_id != 3, ], FUN = mean)
    #   tr <- all[all$state_id == 3, c("year", "cigsale")]
    #   st <- rbind(data.frame(tr, z = 1), data.frame(ctl, z = 0))
    #   st$t <- st$year - 1969; st$x <- as.numeric(st$year >= 1989); st$xt <- st$x * (st$year - 1988)
    #   coef(summary(lm(cigsale ~ t + x + xt + z + z:t + z:x + z:xt, data = st)))
    panel = _reference_csv("prop99/cigsales_abadie2010_smoking.csv")
    control = panel[panel["state_id"] != 3].groupby("year", as_index=False)["cigsale"].mean()
    treated = panel[panel["state_id"] == 3][["year", "cigsale"]]
    res = fit_its(treated, "cigsale", "year", 1989, control=control)
    eff = res.effects()
    expected = {  # (group, term): (coef, SE)
        ("difference", "baseline_level"): (-2.0419672996, 4.0807295487),
        ("difference", "pre_trend"): (-1.2317035497, 0.3579036575),
        ("difference", "level_change"): (-1.8152735015, 6.4711227138),
        ("difference", "slope_change"): (-0.9911434710, 0.7991768274),
        ("control", "baseline_level"): (136.0472300940, 2.8855115361),
        ("control", "pre_trend"): (-0.5477700981, 0.2530761033),
        ("control", "level_change"): (-16.7481707494, 4.5757747528),
        ("control", "slope_change"): (-0.5035089077, 0.5651033540),
    }
    for (group, term), (coef, se) in expected.items():
        r = row(eff, term, group)
        assert r["coef"] == pytest.approx(coef, rel=1e-8), (group, term)
        assert r["std_error"] == pytest.approx(se, rel=1e-8), (group, term)
    # treated = control + difference
    assert row(eff, "level_change", "treated")["coef"] == pytest.approx(-16.7481707494 - 1.8152735015, rel=1e-8)
    assert set(eff["group"]) == {"difference", "treated", "control"}


def _binomial_example() -> pd.DataFrame:
    t = np.arange(1, 49)
    x = (t >= 25).astype(float)
    trials = 200 + 10 * (t % 7)
    p = 1 / (1 + np.exp(-(-1 + 0.01 * t - 0.3 * x + 0.02 * x * (t - 24))))
    successes = np.floor(trials * p + 8 * np.sin(t) + 0.5)
    return pd.DataFrame({"t": t, "y": successes, "n": trials})


def test_quasibinomial_matches_r_glm():
    #   tt <- 1:48; xx <- as.numeric(tt >= 25); xxt <- xx * (tt - 24); nn <- 200 + 10 * (tt %% 7)
    #   yy <- floor(nn * plogis(-1 + 0.01*tt - 0.3*xx + 0.02*xxt) + 8*sin(tt) + 0.5)
    #   b <- glm(cbind(yy, nn - yy) ~ tt + xx + xxt, family = quasibinomial); coef(summary(b))
    #   sum(residuals(b, "pearson")^2) / b$df.residual   # 0.7003229444
    res = fit_its(_binomial_example(), "y", "t", 25, family="quasibinomial", denominator="n")
    coef, se = _core(res)
    np.testing.assert_allclose(coef, [-0.959769463702, 0.006737663358, -0.240065538649, 0.022104594738], rtol=1e-8)
    np.testing.assert_allclose(se, [0.051787180498, 0.003603999591, 0.069523084623, 0.004965195458], rtol=1e-5)
    assert res.diagnostics()["dispersion"] == pytest.approx(0.7003229444, rel=1e-8)
    lvl = row(res.effects(), "level_change")
    assert lvl["scale"] == "ratio"
    assert lvl["estimate"] == pytest.approx(math.exp(-0.240065538649), rel=1e-8)  # odds ratio


# ============================================================================================
# Textbook checks derived by hand
# ============================================================================================


def _line(n=40, start=21, b0=10.0, b1=0.5, level=3.0, slope=0.2, noise=None, time=None) -> pd.DataFrame:
    t = np.arange(1, n + 1)
    x = (t >= start).astype(float)
    y = b0 + b1 * t + level * x + slope * x * (t - start + 1)  # Wagner: 1 at the first post point
    if noise is not None:
        y = y + noise
    return pd.DataFrame({"time": t if time is None else time, "y": y})


def test_noiseless_line_recovers_step_and_slope():
    res = fit_its(_line(), "y", "time", 21)
    eff = res.effects()
    for term, value in [
        ("baseline_level", 10.0),
        ("pre_trend", 0.5),
        ("level_change", 3.0),
        ("slope_change", 0.2),
        ("post_trend", 0.7),
    ]:
        assert row(eff, term)["estimate"] == pytest.approx(value, abs=1e-9), term
    assert set(eff["scale"]) == {"absolute"}
    # itsa: the gap at the first post-interruption point = 3 + 0.2
    itsa = fit_its(_line(), "y", "time", 21, time_since="itsa").effects()
    assert row(itsa, "level_change")["estimate"] == pytest.approx(3.2, abs=1e-9)
    assert row(itsa, "slope_change")["estimate"] == pytest.approx(0.2, abs=1e-9)


@pytest.mark.parametrize("kind", ["period", "datetime", "years"])
def test_time_column_kinds_give_the_same_fit(kind):
    if kind == "period":
        time = pd.period_range("2015-01", periods=40, freq="M")
        start = "2016-09"
    elif kind == "datetime":
        time = pd.date_range("2015-01-01", periods=40, freq="MS")
        start = pd.Timestamp("2016-09-01")
    else:
        time = np.arange(1981, 2021)
        start = 2001
    data = _line(time=time).sample(frac=1.0, random_state=3)  # any row order
    eff = fit_its(data, "y", "time", start).effects()
    assert row(eff, "level_change")["estimate"] == pytest.approx(3.0, abs=1e-9)
    assert row(eff, "slope_change")["estimate"] == pytest.approx(0.2, abs=1e-9)


def test_itsa_level_equals_wagner_level_plus_slope_on_noisy_data():
    noise = np.random.default_rng(7).normal(0, 1, 40)
    wag = fit_its(_line(noise=noise), "y", "time", 21)
    itsa = fit_its(_line(noise=noise), "y", "time", 21, time_since="itsa")
    w, i = wag.effects(), itsa.effects()
    assert row(i, "level_change")["coef"] == pytest.approx(
        row(w, "level_change")["coef"] + row(w, "slope_change")["coef"], abs=1e-10
    )
    for term in ("slope_change", "post_trend", "pre_trend"):
        assert row(i, term)["coef"] == pytest.approx(row(w, term)["coef"], abs=1e-10)
        assert row(i, term)["std_error"] == pytest.approx(row(w, term)["std_error"], rel=1e-10)
    # Var(level + slope) = Var(level) + Var(slope) + 2 Cov(level, slope)
    cov = wag.covariance
    var = (
        cov.loc["level_change[0]", "level_change[0]"]
        + cov.loc["slope_change[0]", "slope_change[0]"]
        + 2 * cov.loc["level_change[0]", "slope_change[0]"]
    )
    assert row(i, "level_change")["std_error"] == pytest.approx(math.sqrt(var), rel=1e-9)


def test_post_trend_is_pre_trend_plus_slope_change_with_covariance_se():
    noise = np.random.default_rng(11).normal(0, 1, 40)
    res = fit_its(_line(noise=noise), "y", "time", 21)
    eff, cov = res.effects(), res.covariance
    post = row(eff, "post_trend")
    assert post["coef"] == pytest.approx(row(eff, "pre_trend")["coef"] + row(eff, "slope_change")["coef"], abs=1e-12)
    var = (
        cov.loc["pre_trend", "pre_trend"]
        + cov.loc["slope_change[0]", "slope_change[0]"]
        + 2 * cov.loc["pre_trend", "slope_change[0]"]
    )
    assert post["std_error"] == pytest.approx(math.sqrt(var), rel=1e-10)


def test_newey_west_small_sample_factor_is_n_over_n_minus_k():
    noise = np.random.default_rng(5).normal(0, 1, 40)
    data = _line(noise=noise)
    adj = fit_its(data, "y", "time", 21, autocorrelation={"type": "newey_west", "lags": 3, "small_sample": True})
    raw = fit_its(data, "y", "time", 21, autocorrelation={"type": "newey_west", "lags": 3, "small_sample": False})
    n, k = 40, 4
    np.testing.assert_allclose(adj.covariance.to_numpy(), n / (n - k) * raw.covariance.to_numpy(), rtol=1e-12)
    assert adj.specification["autocorrelation"]["lags"] == 3


def test_newey_west_lag_zero_is_white_hc0_by_hand():
    # With 0 lags Newey-West is White's HC0: (X'X)^-1 X' diag(e^2) X (X'X)^-1
    noise = np.random.default_rng(9).normal(0, 1, 40)
    data = _line(noise=noise)
    res = fit_its(data, "y", "time", 21, autocorrelation={"type": "newey_west", "lags": 0, "small_sample": False})
    t = np.arange(1, 41.0)
    x = (t >= 21).astype(float)
    design = np.column_stack([np.ones(40), t, x, x * (t - 20)])
    beta, *_ = np.linalg.lstsq(design, data["y"].to_numpy(), rcond=None)
    e = data["y"].to_numpy() - design @ beta
    bread = np.linalg.inv(design.T @ design)
    hc0 = bread @ (design.T * e**2) @ design @ bread
    np.testing.assert_allclose(res.covariance.to_numpy(), hc0, rtol=1e-10)


def test_newey_west_does_not_depend_on_dispersion(sicily):
    # A sandwich covariance does not involve the dispersion, so quasi-Poisson and Poisson agree.
    kw = dict(offset="stdpop", autocorrelation={"type": "newey_west", "lags": 2})
    a = fit_its(sicily, "aces", "time", 37, family="poisson", **kw).effects()
    b = fit_its(sicily, "aces", "time", 37, family="quasipoisson", **kw).effects()
    np.testing.assert_allclose(a["std_error"], b["std_error"], rtol=1e-8)


def test_ols_impact_is_level_plus_h_slope_and_cumulative_is_the_sum():
    noise = np.random.default_rng(3).normal(0, 1, 48)
    res = fit_its(_line(n=48, start=25, noise=noise), "y", "time", 25)
    eff = res.effects()
    level, slope = row(eff, "level_change")["coef"], row(eff, "slope_change")["coef"]
    imp = res.impact(at=(1, 12, 24))
    cov = res.covariance.loc[["level_change[0]", "slope_change[0]"], ["level_change[0]", "slope_change[0]"]].to_numpy()
    q = stats.t.ppf(0.975, 48 - 4)
    for h in (1, 12, 24):
        r = imp[imp["horizon"] == h].iloc[0]
        assert r["absolute_effect"] == pytest.approx(level + h * slope, abs=1e-10)
        c = np.array([1.0, h])
        half = q * math.sqrt(c @ cov @ c)
        assert r["absolute_effect_upper"] - r["absolute_effect"] == pytest.approx(half, rel=1e-9)
        assert r["t"] == 24 + h
    cum = imp[imp["cumulative"]].iloc[0]
    hs = np.arange(1, 25)
    assert cum["absolute_effect"] == pytest.approx(np.sum(level + hs * slope), abs=1e-9)
    c = np.array([24.0, hs.sum()])
    assert cum["absolute_effect_upper"] - cum["absolute_effect"] == pytest.approx(q * math.sqrt(c @ cov @ c), rel=1e-9)
    assert cum["n_periods"] == 24


def test_log_link_relative_effect_is_exp_level_plus_h_slope_minus_one(sicily):
    res = fit_its(sicily, "aces", "time", 37, family="poisson", offset="stdpop")
    eff, cov = res.effects(), res.covariance
    level, slope = row(eff, "level_change")["coef"], row(eff, "slope_change")["coef"]
    names = ["level_change[0]", "slope_change[0]"]
    v = cov.loc[names, names].to_numpy()
    z = stats.norm.ppf(0.975)
    imp = res.impact(at=(1, 12, 23))
    for h in (1, 12, 23):
        r = imp[imp["horizon"] == h].iloc[0]
        eta = level + h * slope
        se = math.sqrt(np.array([1.0, h]) @ v @ np.array([1.0, h]))
        assert r["relative_effect"] == pytest.approx(math.exp(eta) - 1, rel=1e-10)
        assert r["relative_effect_lower"] == pytest.approx(math.exp(eta - z * se) - 1, rel=1e-10)
        assert r["relative_effect_upper"] == pytest.approx(math.exp(eta + z * se) - 1, rel=1e-10)
        # absolute effect in counts = counterfactual * (exp(eta) - 1); rate per unit of offset
        assert r["absolute_effect"] == pytest.approx(r["counterfactual"] * (math.exp(eta) - 1), rel=1e-10)
        stdpop = sicily.loc[sicily["time"] == 36 + h, "stdpop"].iloc[0]
        assert r["rate_difference"] == pytest.approx(r["absolute_effect"] / stdpop, rel=1e-12)
    cum = imp[imp["cumulative"]].iloc[0]
    per_period = res.impact(at=tuple(range(1, 24)))
    points = per_period.loc[~per_period["cumulative"], "absolute_effect"]
    assert cum["absolute_effect"] == pytest.approx(points.sum(), rel=1e-12)
    assert cum["units"] == "count"


def test_impact_rows_are_told_apart_by_horizon_and_cumulative():
    res = fit_its(_line(n=48, start=25), "y", "time", 25)
    imp = res.impact(at=(12, 1))
    assert list(imp.columns[:3]) == ["horizon", "cumulative", "time"]
    assert str(imp["horizon"].dtype) == "Int64" and imp["cumulative"].dtype == bool
    assert list(imp["horizon"].iloc[:2]) == [12, 1] and imp["horizon"].isna().tolist() == [False, False, True]
    assert imp["cumulative"].tolist() == [False, False, True]


def test_summary_is_the_effects_table_with_estimate_limits():
    res = fit_its(_line(), "y", "time", 21)
    summary = res.summary()
    pd.testing.assert_frame_equal(summary, res.effects())
    assert {"estimate", "estimate_lower", "estimate_upper"} <= set(summary.columns)
    assert not {"ci_lower", "ci_upper"} & set(summary.columns)
    assert (summary["estimate_lower"] <= summary["estimate"]).all()
    assert (summary["estimate"] <= summary["estimate_upper"]).all()


def test_impact_beyond_the_data_is_refused(sicily):
    res = fit_its(sicily, "aces", "time", 37, family="poisson", offset="stdpop")
    with pytest.raises(ParameterError, match=r"1 to 23") as err:
        res.impact(at=(12, 24))
    assert err.value.key == "at" and err.value.found == 24


def test_binomial_impact_units_and_cumulative_successes():
    res = fit_its(_binomial_example(), "y", "t", 25, family="binomial", denominator="n")
    imp = res.impact(at=(1, 24))
    pred = res.predictions()
    post = pred[pred["phase"] == "post"]
    trials = _binomial_example()["n"].to_numpy()[24:]
    assert list(imp["units"]) == ["proportion", "proportion", "successes"]
    first = imp.iloc[0]
    assert first["absolute_effect"] == pytest.approx(post["fitted"].iloc[0] - post["counterfactual"].iloc[0], rel=1e-12)
    cum = imp[imp["cumulative"]].iloc[0]
    assert cum["absolute_effect"] == pytest.approx(
        np.sum(trials * (post["fitted"].to_numpy() - post["counterfactual"].to_numpy())), rel=1e-10
    )


def test_phase_in_periods_are_excluded_but_predicted():
    data = _line()
    data.loc[data["time"].isin([21, 22, 23]), "y"] = [-500.0, 900.0, 42.0]  # nonsense while phasing in
    res = fit_its(data, "y", "time", 21, phase_in=3)
    eff = res.effects()
    assert row(eff, "level_change")["estimate"] == pytest.approx(3.0, abs=1e-8)
    assert row(eff, "slope_change")["estimate"] == pytest.approx(0.2, abs=1e-9)
    pred = res.predictions()
    phase_rows = pred[pred["phase"] == "phase_in"]
    assert list(phase_rows["t"]) == [21, 22, 23]
    assert not phase_rows["in_fit"].any()
    expected = 10 + 0.5 * phase_rows["t"] + 3 + 0.2 * (phase_rows["t"] - 20)
    np.testing.assert_allclose(phase_rows["fitted"], expected, atol=1e-8)
    diag = res.diagnostics()
    assert (diag["n_before"], diag["n_after"], diag["n_excluded"]) == (20, 17, 3)
    assert res.specification["n"] == 37


def test_phase_in_with_ar1_uses_true_time_gap():
    # AR(1) errors with a phase-in: rows 21-23 are dropped and the correlation across the gap is
    # phi^4 (time distance 4), not phi (nlme::gls with corAR1(form = ~ t) does the same).
    noise = np.random.default_rng(2).normal(0, 1, 40)
    res = fit_its(_line(noise=noise), "y", "time", 21, phase_in=3, autocorrelation="ar1")
    assert res.specification["n"] == 37
    assert -1 < res.specification["arma_params"]["ar1"] < 1


def test_multiple_interruptions_noiseless():
    t = np.arange(1, 61)
    x1, x2 = (t >= 21).astype(float), (t >= 41).astype(float)
    y = 5 + 0.1 * t + 2 * x1 + 0.3 * x1 * (t - 20) - 1 * x2 - 0.5 * x2 * (t - 40)
    res = fit_its(pd.DataFrame({"time": t, "y": y}), "y", "time", 21, interruptions=[41])
    eff = res.effects()
    assert row(eff, "level_change", interruption=21)["estimate"] == pytest.approx(2.0, abs=1e-9)
    assert row(eff, "slope_change", interruption=21)["estimate"] == pytest.approx(0.3, abs=1e-9)
    assert row(eff, "level_change", interruption=41)["estimate"] == pytest.approx(-1.0, abs=1e-9)
    assert row(eff, "slope_change", interruption=41)["estimate"] == pytest.approx(-0.5, abs=1e-9)
    assert row(eff, "post_trend", interruption=41)["estimate"] == pytest.approx(0.1 + 0.3 - 0.5, abs=1e-9)
    # the counterfactual removes both (the later one is a change to the programme)
    pred = res.predictions()
    np.testing.assert_allclose(pred["counterfactual"], 5 + 0.1 * t, atol=1e-9)
    # an extra interruption BEFORE the programme stays in the counterfactual (it is history)
    res2 = fit_its(pd.DataFrame({"time": t, "y": y}), "y", "time", 41, interruptions=[21])
    np.testing.assert_allclose(
        res2.predictions()["counterfactual"], 5 + 0.1 * t + 2 * x1 + 0.3 * x1 * (t - 20), atol=1e-9
    )
    assert res2.specification["interruptions"] == [21, 41]


def test_month_dummies_noiseless_and_deseasonalised_line():
    t = np.arange(1, 49)
    season = np.array([0, 3, 1, -2, 4, 0, -1, 2, 5, -3, 1, 2], dtype=float)
    x = (t >= 25).astype(float)
    trend = 20 + 0.3 * t + 4 * x + 0.1 * x * (t - 24)
    data = pd.DataFrame({"time": pd.period_range("2019-01", periods=48, freq="M"), "y": trend + season[(t - 1) % 12]})
    res = fit_its(data, "y", "time", "2021-01", seasonality="month")
    eff = res.effects()
    assert row(eff, "level_change")["estimate"] == pytest.approx(4.0, abs=1e-9)
    assert row(eff, "slope_change")["estimate"] == pytest.approx(0.1, abs=1e-9)
    np.testing.assert_allclose(
        res.coefficients[[f"season_{m}" for m in range(2, 13)]], season[1:] - season[0], atol=1e-9
    )
    pred = res.predictions()
    np.testing.assert_allclose(pred["deseasonalised"], trend + season.mean(), atol=1e-9)


def test_fourier_terms_follow_tsmodel_harmonic():
    # harmonic(s, 2, 12) = sin/cos(2*pi*k*s/12), k = 1, 2: a series built from exactly these
    # terms is fitted without error, and the seasonal regressors average to 0 over a cycle.
    t = np.arange(1, 61)
    s = (t - 1) % 12 + 1
    seasonal = 1.5 * np.sin(2 * np.pi * s / 12) - 0.7 * np.cos(2 * np.pi * s / 12) + 0.4 * np.sin(4 * np.pi * s / 12)
    x = (t >= 31).astype(float)
    y = 50 + 0.2 * t - 3 * x + seasonal
    res = fit_its(pd.DataFrame({"time": t, "y": y}), "y", "time", 31, seasonality="fourier")
    coef = res.coefficients
    np.testing.assert_allclose(
        coef[["fourier_sin1", "fourier_cos1", "fourier_sin2", "fourier_cos2"]], [1.5, -0.7, 0.4, 0.0], atol=1e-9
    )
    np.testing.assert_allclose(res.predictions()["deseasonalised"], 50 + 0.2 * t - 3 * x, atol=1e-9)


def test_controlled_its_noiseless_difference_and_counterfactual():
    t = np.arange(1, 41)
    x = (t >= 21).astype(float)
    since = x * (t - 20)
    control = pd.DataFrame({"time": t, "y": 30 + 0.2 * t + 1.0 * x + 0.05 * since})
    treated = pd.DataFrame({"time": t, "y": 32 + 0.3 * t + (1.0 - 4.0) * x + (0.05 - 0.25) * since})
    res = fit_its(treated, "y", "time", 21, control=control)
    eff = res.effects()
    assert row(eff, "level_change", "difference")["estimate"] == pytest.approx(-4.0, abs=1e-9)
    assert row(eff, "slope_change", "difference")["estimate"] == pytest.approx(-0.25, abs=1e-9)
    assert row(eff, "pre_trend", "difference")["estimate"] == pytest.approx(0.1, abs=1e-9)
    assert row(eff, "level_change", "control")["estimate"] == pytest.approx(1.0, abs=1e-9)
    assert row(eff, "post_trend", "treated")["estimate"] == pytest.approx(0.3 + 0.05 - 0.25, abs=1e-9)
    imp = res.impact(at=(1, 10))
    for h in (1, 10):
        assert imp[imp["horizon"] == h]["absolute_effect"].iloc[0] == pytest.approx(-4.0 - 0.25 * h, abs=1e-9)
    pred = res.predictions()
    tr = pred[pred["group"] == "treated"]
    # without the programme the treated series follows its own pre-trend plus the control's changes
    np.testing.assert_allclose(tr["counterfactual"], 32 + 0.3 * t + 1.0 * x + 0.05 * since, atol=1e-9)
    assert set(pred["group"]) == {"treated", "control"}


def test_predictions_columns_and_intervals(sicily):
    res = fit_its(sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", seasonality="fourier")
    pred = res.predictions()
    for col in [
        "time",
        "t",
        "phase",
        "observed",
        "fitted",
        "fitted_lower",
        "fitted_upper",
        "counterfactual",
        "counterfactual_lower",
        "counterfactual_upper",
        "deseasonalised",
    ]:
        assert col in pred
    assert len(pred) == 59
    assert (pred["fitted_lower"] < pred["fitted"]).all() and (pred["fitted"] < pred["fitted_upper"]).all()
    pre = pred[pred["phase"] == "pre"]
    np.testing.assert_allclose(pre["counterfactual"], pre["fitted"], rtol=1e-12)
    assert pred.attrs["confidence_level"] == pytest.approx(0.95)
    # rates per 100,000 are the counts scaled by 1e5 / stdpop
    rates = res.predictions(per=100_000)
    np.testing.assert_allclose(rates["fitted"], pred["fitted"] * 1e5 / sicily["stdpop"], rtol=1e-12)


def test_specification_and_diagnostics_contents(sicily):
    res = fit_its(sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", seasonality="fourier", alpha=0.1)
    spec = res.specification
    for key in (
        "family",
        "link",
        "offset",
        "seasonality",
        "autocorrelation",
        "time_since",
        "interruptions",
        "phase_in",
        "alpha",
        "n",
    ):
        assert key in spec
    assert (spec["family"], spec["link"], spec["offset"], spec["n"], spec["alpha"]) == (
        "quasipoisson",
        "log",
        "stdpop",
        59,
        0.1,
    )
    assert spec["seasonality"] == {"type": "fourier", "k": 2, "period": 12, "column": None}
    lvl = row(res.effects(), "level_change")
    z = stats.norm.ppf(0.95)  # 90% Wald interval
    assert lvl["estimate_upper"] == pytest.approx(math.exp(lvl["coef"] + z * lvl["std_error"]), rel=1e-12)
    diag = res.diagnostics()
    for key in (
        "n_before",
        "n_after",
        "n_excluded",
        "durbin_watson",
        "breusch_godfrey_stat",
        "breusch_godfrey_p_value",
        "breusch_godfrey_lags",
        "ljung_box_stat",
        "ljung_box_p_value",
        "ljung_box_lags",
        "dispersion",
        "aic",
        "messages",
    ):
        assert key in diag
    assert (diag["n_before"], diag["n_after"], diag["n_excluded"]) == (36, 23, 0)
    # seasonal default lags: min(2 x 12, floor(59 / 5)) = 11 (Hyndman & Athanasopoulos)
    assert diag["ljung_box_lags"] == 11
    assert math.isnan(diag["aic"])  # no likelihood for quasi families


def test_negbin_without_overdispersion_warns():
    # Counts equal to their (rounded) mean are under-dispersed: the ML alpha sits at its lower
    # bound, which is reported as a warning (the fit is then effectively Poisson).
    t = np.arange(1, 41)
    x = (t >= 21).astype(float)
    data = pd.DataFrame({"time": t, "y": np.round(200 * np.exp(0.01 * t - 0.2 * x))})
    with pytest.warns(PssWarning, match="no overdispersion"):
        res = fit_its(data, "y", "time", 21, family="negbin")
    assert any("no overdispersion" in w for w in res.messages)
    poisson = fit_its(data, "y", "time", 21, family="poisson")
    assert row(res.effects(), "level_change")["coef"] == pytest.approx(
        row(poisson.effects(), "level_change")["coef"], rel=1e-5
    )


def test_controlled_newey_west_never_pairs_the_two_series():
    # With a control series, Newey-West treats each series as its own panel: with lag 1 the
    # meat is sum_i s_i s_i' + sum over consecutive pairs within a series of (s_i s_j' + s_j s_i')/2,
    # where s_i = x_i e_i. Built here by hand from the OLS residuals.
    rng = np.random.default_rng(4)
    treated = _line(noise=rng.normal(0, 1, 40))
    control = _line(b0=20, level=0.5, slope=0.0, noise=rng.normal(0, 1, 40))
    res = fit_its(
        treated,
        "y",
        "time",
        21,
        control=control,
        autocorrelation={"type": "newey_west", "lags": 1, "small_sample": False},
    )
    t = np.arange(1, 41.0)
    x = (t >= 21).astype(float)
    base = np.column_stack([np.ones(40), t, x, x * (t - 20)])
    design = np.vstack([np.hstack([base, base]), np.hstack([base, np.zeros_like(base)])])
    y = np.concatenate([treated["y"], control["y"]])
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    scores = design * (y - design @ beta)[:, None]
    meat = scores.T @ scores
    for start in (0, 40):
        s = scores[start : start + 40]
        cross = s[1:].T @ s[:-1]
        meat += 0.5 * (cross + cross.T)  # Bartlett weight 1 - 1/2
    bread = np.linalg.inv(design.T @ design)
    expected = bread @ meat @ bread
    names = [
        "baseline_level",
        "pre_trend",
        "level_change[0]",
        "slope_change[0]",
        "group",
        "group_x_pre_trend",
        "group_x_level_change[0]",
        "group_x_slope_change[0]",
    ]
    np.testing.assert_allclose(res.covariance.loc[names, names].to_numpy(), expected, rtol=1e-9)


def test_ar1_with_poisson_is_refused():
    with pytest.raises(ParameterError, match="gaussian"):
        fit_its(_line(), "y", "time", 21, family="poisson", autocorrelation="ar1")


# ============================================================================================
# Bad input
# ============================================================================================


def test_too_few_points_after_raises_insufficient_data():
    data = _line(n=22)  # 2 points from the interruption on
    with pytest.raises(InsufficientDataError, match="after the interruption at 21") as err:
        fit_its(data, "y", "time", 21)
    assert err.value.column == "time" and err.value.found == 2
    assert MIN_POINTS_PER_SIDE == 3


def test_too_few_points_before_raises_insufficient_data():
    with pytest.raises(InsufficientDataError, match="before the interruption at 3"):
        fit_its(_line(n=20, start=3), "y", "time", 3)


def test_short_series_warns_and_records():
    data = _line(n=25)  # 5 points after
    with pytest.warns(ShortSeriesWarning, match="only 5 fitted points after"):
        res = fit_its(data, "y", "time", 21)
    assert len(res.messages) == 1 and "at least 8" in res.messages[0]
    assert res.diagnostics()["messages"] == list(res.messages)
    assert RECOMMENDED_POINTS_PER_SIDE == 8


@pytest.mark.parametrize(
    "family, kwargs, said",
    [
        ("quasipoisson", {}, "'y' was 200 in every month"),
        ("gaussian", {}, "'y' was 200 in every month"),
        ("quasipoisson", {"offset": "pop"}, "'y' was 200 in every month"),
        ("quasibinomial", {"denominator": "pop"}, "'y' out of 'pop' was 0.002 in every month"),
    ],
)
def test_a_series_with_no_variation_is_refused_before_fitting(family, kwargs, said):
    """200 every month: statsmodels' GLM fails on it ("first guess on the deviance function returned a nan")."""
    months = pd.period_range("2015-04", periods=48, freq="M")
    data = pd.DataFrame({"month": months, "y": 200.0, "pop": 100_000.0})
    with pytest.raises(InsufficientDataError, match="^no variation to evaluate: " + said + "$"):
        fit_its(data, "y", "month", pd.Period("2018-04", freq="M"), family=family, **kwargs)


def test_a_constant_count_is_refused_even_with_a_varying_population():
    """The rate would vary only with the population; quasi-Poisson's first deviance would be 0/0."""
    months = pd.period_range("2015-04", periods=48, freq="M")
    data = pd.DataFrame({"month": months, "y": 200.0, "pop": np.linspace(90_000, 110_000, 48)})
    with pytest.raises(InsufficientDataError, match="'y' was 200 in every month"):
        fit_its(data, "y", "month", pd.Period("2018-04", freq="M"), family="quasipoisson", offset="pop")


def test_a_constant_count_out_of_varying_trials_is_a_varying_proportion():
    months = pd.period_range("2015-04", periods=48, freq="M")
    data = pd.DataFrame({"month": months, "y": 200.0, "n": np.linspace(900, 1100, 48).round()})
    res = fit_its(data, "y", "month", pd.Period("2018-04", freq="M"), family="quasibinomial", denominator="n")
    assert res.specification["n"] == 48


def test_a_constant_control_series_is_named():
    treated = _line(n=40)
    control = treated.assign(y=5.0)
    with pytest.raises(InsufficientDataError, match=r"'y' was 5 in every period in the control series"):
        fit_its(treated, "y", "time", 21, control=control)


def test_non_positive_offset(sicily):
    data = sicily.copy()
    data.loc[data["time"] == 10, "stdpop"] = 0.0
    with pytest.raises(DataValidationError, match=r"column 'stdpop'.*positive.*time 10") as err:
        fit_its(data, "aces", "time", 37, family="poisson", offset="stdpop")
    assert err.value.found == 0.0


@pytest.mark.parametrize("bad, pattern", [(2.5, "2.5"), (-3, "-3")])
def test_counts_must_be_non_negative_whole_numbers(sicily, bad, pattern):
    data = sicily.copy()
    data["aces"] = data["aces"].astype(float)
    data.loc[data["time"] == 12, "aces"] = bad
    with pytest.raises(DataValidationError, match=rf"column 'aces'.*{pattern} at time 12"):
        fit_its(data, "aces", "time", 37, family="quasipoisson", offset="stdpop")


def test_successes_above_denominator():
    data = _binomial_example()
    data.loc[data["t"] == 5, "y"] = 10_000
    with pytest.raises(DataValidationError, match=r"column 'y'.*more successes than trials.*time 5"):
        fit_its(data, "y", "t", 25, family="binomial", denominator="n")


def test_missing_outcome_values_say_how_many_and_where():
    data = _line()
    data.loc[data["time"].isin([4, 30]), "y"] = np.nan
    with pytest.raises(DataValidationError, match=r"column 'y'.*2 missing.*time 4, 30"):
        fit_its(data, "y", "time", 21)


def test_gap_in_time_index():
    data = _line().drop(index=9)  # time 10 missing
    with pytest.raises(DataValidationError, match=r"column 'time'.*gap.*9 is followed by 11") as err:
        fit_its(data, "y", "time", 21)
    assert err.value.found == 11


def test_duplicate_time():
    data = pd.concat([_line(), _line().iloc[[5]]])
    with pytest.raises(DataValidationError, match=r"column 'time'.*duplicate") as err:
        fit_its(data, "y", "time", 21)
    assert err.value.found == 6


def test_duplicate_month_from_dates():
    data = _line(time=pd.date_range("2015-01-01", periods=40, freq="MS"))
    data.loc[3, "time"] = pd.Timestamp("2015-03-15")  # two rows in March 2015
    with pytest.raises(DataValidationError, match="duplicate"):
        fit_its(data, "y", "time", "2016-09-01")


def test_interruption_not_in_data():
    with pytest.raises(
        ParameterError, match=r"key 'interruption'.*not a period in the data.*between 1 and 40, found 99"
    ):
        fit_its(_line(), "y", "time", 99)


def test_unknown_family_lists_known_names():
    with pytest.raises(ParameterError, match="unknown family") as err:
        fit_its(_line(), "y", "time", 21, family="gamma")
    for name in FAMILIES:
        assert name in str(err.value)


def test_unknown_seasonality_lists_known_names():
    with pytest.raises(ParameterError, match="unknown seasonality") as err:
        fit_its(_line(), "y", "time", 21, seasonality="weekly")
    for name in SEASONALITY_KINDS:
        assert name in str(err.value)


def test_unknown_autocorrelation_lists_known_names():
    with pytest.raises(ParameterError, match="unknown autocorrelation method") as err:
        fit_its(_line(), "y", "time", 21, autocorrelation={"type": "ar2"})
    for name in AUTOCORRELATION_METHODS:
        assert name in str(err.value)


def test_unknown_time_since_convention():
    with pytest.raises(ParameterError, match="wagner"):
        fit_its(_line(), "y", "time", 21, time_since="stata")


def test_missing_column_names_it():
    with pytest.raises(ParameterError, match=r"key 'y'.*not in the treated data.*found 'cases'"):
        fit_its(_line(), "cases", "time", 21)


def test_offset_with_gaussian_and_missing_denominator():
    data = _line().assign(pop=1000.0)
    with pytest.raises(ParameterError, match="offset"):
        fit_its(data, "y", "time", 21, offset="pop")
    with pytest.raises(ParameterError, match="denominator"):
        fit_its(_binomial_example(), "y", "t", 25, family="binomial")


def test_control_must_cover_the_same_periods():
    with pytest.raises(DataValidationError, match="control series must cover exactly"):
        fit_its(_line(), "y", "time", 21, control=_line(n=38))


def test_error_messages_are_one_line():
    with pytest.raises(DataValidationError) as err:
        fit_its(_line().drop(index=9), "y", "time", 21)
    assert "\n" not in str(err.value)


# ============================================================================================
# Figure
# ============================================================================================


def test_its_figure_contents(sicily, tmp_path):
    from pss_analysis.reporting.figures.its import its_figure

    res = fit_its(sicily, "aces", "time", 37, family="quasipoisson", offset="stdpop", seasonality="fourier")
    fig = its_figure(res, title="ACEs", rate_per=100_000, show_deseasonalised=True, annotations={37: "Smoking ban"})
    assert tuple(fig.get_size_inches()) == (8.0, 4.0) and fig.dpi == 100
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for expected in ("Observed", "Model fit", "Expected without the programme", "Model fit without seasonal variation"):
        assert expected in labels
    vertical = [line for line in ax.get_lines() if len(set(line.get_xdata())) == 1 and len(line.get_xdata()) == 2]
    assert len(vertical) == 1
    out = tmp_path / "its.png"
    fig.savefig(out)
    assert out.stat().st_size > 10_000


def test_its_figure_reads_only_predictions(sicily):
    from pss_analysis.reporting.figures.its import its_figure

    res = fit_its(sicily, "aces", "time", 37, family="poisson", offset="stdpop")

    class OnlyPredictions:
        def predictions(self, **kwargs):
            return res.predictions(**kwargs)

    fig = its_figure(OnlyPredictions(), ylabel="Admissions")
    assert fig.axes[0].get_ylabel() == "Admissions"
    with pytest.raises(ParameterError, match="no seasonal terms"):
        its_figure(res, show_deseasonalised=True)


def _imported_modules(path: Path) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_module_boundaries():
    # statsmodels only in the analysis module; matplotlib only in the figure module, never pyplot
    root = Path(__file__).resolve().parents[2] / "pss_analysis"
    figure_imports = _imported_modules(root / "reporting" / "figures" / "its.py")
    its_imports = set().union(*(_imported_modules(p) for p in (root / "methods" / "its").glob("*.py")))
    assert not any(m.startswith("statsmodels") for m in figure_imports)
    assert not any(m.startswith("matplotlib.pyplot") for m in figure_imports)
    assert not any(m.startswith("matplotlib") for m in its_imports)


def test_binomial_predictions_can_be_scaled_to_percentages():
    rng = np.random.default_rng(3)
    t = np.arange(1, 41)
    n = np.full(40, 200)
    y = rng.binomial(n, np.where(t >= 21, 0.6, 0.5))
    data = pd.DataFrame({"t": t, "y": y, "n": n})
    res = fit_its(data, "y", "t", 21, family="quasibinomial", denominator="n")
    plain, pct = res.predictions(), res.predictions(per=100)
    assert np.allclose(pct["observed"], 100 * y / n)
    assert np.allclose(pct["fitted"], 100 * plain["fitted"]) and np.allclose(
        pct["counterfactual_upper"], 100 * plain["counterfactual_upper"]
    )
