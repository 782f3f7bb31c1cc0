"""Driver → outcome link analysis (pss_analysis.methods.linkage) on synthetic series built here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pss_analysis.errors import DataValidationError, InsufficientDataError, ParameterError
from pss_analysis.methods import linkage
from pss_analysis.methods.linkage import cross_correlation, link_evidence, prewhiten

N_MONTHS = 60  # five years of monthly data
N_SEEDS = 200  # simulations for the false-positive rates
MONTHS = pd.period_range("2016-01", periods=N_MONTHS, freq="M")


def ar1(rng: np.random.Generator, n: int, phi: float, burn: int = 100) -> np.ndarray:
    """A stationary AR(1) series ``x_t = phi x_{t-1} + e_t`` (burn-in discarded)."""
    e = rng.standard_normal(n + burn)
    x = np.zeros(n + burn)
    for t in range(1, n + burn):
        x[t] = phi * x[t - 1] + e[t]
    return x[burn:]


def lagged_pair(seed: int, lag: int = 2, sign: float = 1.0, noise: float = 0.5) -> tuple[pd.Series, pd.Series]:
    """A wandering driver and an outcome that is the driver ``lag`` months later, times ``sign``, plus noise."""
    rng = np.random.default_rng(seed)
    raw = np.cumsum(ar1(rng, N_MONTHS + lag, 0.3))
    driver = pd.Series(raw[lag:], index=MONTHS, name="shared care plans")
    outcome = pd.Series(
        sign * raw[:-lag] + noise * rng.standard_normal(N_MONTHS), index=MONTHS, name="emergency bed-nights"
    )
    return driver, outcome


def test_public_names():
    assert set(linkage.__all__) >= {"prewhiten", "cross_correlation", "link_evidence"}
    for name in linkage.__all__:
        assert getattr(linkage, name).__doc__ or not callable(getattr(linkage, name))


# --- the sample CCF itself -------------------------------------------------------------------------


def test_ccf_by_hand_on_a_tiny_vector():
    # x = 1..5 and y = x shifted one step later; divisor n, means removed, no filtering.
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0] * 5)  # 25 points: above the 24-point floor
    y = np.roll(x, 1)
    table = cross_correlation(x, y, max_lag=2, difference=False, whiten=False)
    dx, dy = x - x.mean(), y - y.mean()
    denominator = x.size * np.sqrt(np.mean(dx**2) * np.mean(dy**2))
    expected = [np.dot(dx[: x.size - k], dy[k:]) / denominator for k in range(3)]
    assert np.allclose(table["ccf"], expected)
    # By hand: x and y both have variance 2 (divisor n) and deviations -2..2;
    # lag 1 pairs x_t with x_t again on 24 of 25 points: 5 cycles of (4+1+0+1+4) minus the last (4).
    assert table["ccf"].iloc[1] == pytest.approx((50 - 4) / (25 * 2))
    # lag 0 pairs x_t with x_{t-1}: (-2)(2) + (-1)(-2) + (0)(-1) + (1)(0) + (2)(1) = 0 per cycle.
    assert table["ccf"].iloc[0] == pytest.approx(0.0, abs=1e-12)
    assert list(table.columns) == ["lag", "ccf", "ccf_lower", "ccf_upper", "significant"]
    assert list(table["lag"]) == [0, 1, 2]
    assert np.allclose(table["ccf_upper"], 1.959964 / np.sqrt(25), atol=1e-6)
    assert np.allclose(table["ccf_lower"], -table["ccf_upper"])


def test_ccf_at_lag_zero_of_identical_white_noise_is_one():
    rng = np.random.default_rng(7)
    e = pd.Series(rng.standard_normal(N_MONTHS), index=MONTHS)
    for difference in (False, True):
        table = cross_correlation(e, e.copy(), difference=difference)
        assert table["ccf"].iloc[0] == pytest.approx(1.0)
        assert bool(table["significant"].iloc[0])


# --- pre-whitening ---------------------------------------------------------------------------------


def test_ar_fit_recovers_a_known_coefficient():
    estimates = []
    for seed in range(20):
        x = ar1(np.random.default_rng(seed), 400, 0.6)
        residuals, phi = prewhiten(x, max_order=1)
        estimates.append(phi[0])
        assert residuals.shape == (399,)
    assert np.mean(estimates) == pytest.approx(0.6, abs=0.03)
    # With the order chosen by AIC, an AR(1) is found and its coefficient recovered.
    x = ar1(np.random.default_rng(1), 400, 0.6)
    residuals, phi = prewhiten(pd.Series(x))
    assert phi.size >= 1
    assert phi[0] == pytest.approx(0.6, abs=0.1)
    assert isinstance(residuals, pd.Series) and residuals.index[0] == phi.size
    # The innovations are close to white: lag-1 autocorrelation near 0.
    r = residuals.to_numpy()
    assert abs(np.corrcoef(r[:-1], r[1:])[0, 1]) < 0.1


def test_prewhiten_order_stays_below_a_quarter_of_n():
    x = ar1(np.random.default_rng(3), 24, 0.95)
    _, phi = prewhiten(x, max_order=12)
    assert phi.size < 24 / 4


def test_white_noise_gets_no_filter_and_the_residuals_are_the_centred_series():
    x = np.random.default_rng(11).standard_normal(200)
    residuals, phi = prewhiten(x)
    assert phi.size == 0
    assert np.allclose(residuals, x - x.mean())


def test_the_outcome_gets_the_drivers_filter():
    rng = np.random.default_rng(5)
    x = ar1(rng, 120, 0.7)
    y = rng.standard_normal(120)
    table = cross_correlation(x, y, difference=False, max_order=1)
    assert table.attrs["ar_order"] == 1
    phi = table.attrs["ar_coefficients"][0]
    xf = (x - x.mean())[1:] - phi * (x - x.mean())[:-1]
    yf = (y - y.mean())[1:] - phi * (y - y.mean())[:-1]
    expected = np.dot(xf - xf.mean(), yf - yf.mean()) / (xf.size * xf.std() * yf.std())
    assert table["ccf"].iloc[0] == pytest.approx(expected)
    assert table.attrs["n"] == 119


# --- verdicts on synthetic links -------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_outcome_two_months_behind_the_driver_is_found(seed):
    driver, outcome = lagged_pair(seed)
    ev = link_evidence(driver, outcome, expected_sign="+")
    assert ev["best_lag"] == 2
    assert ev["significant"] is True
    assert ev["observed_sign"] == "+"
    assert ev["agrees"] is True and ev["status"] == "agrees"
    assert ev["summary"] == (
        "Changes in shared care plans tend to be followed 2 months later by changes in emergency "
        "bed-nights in the expected direction (association, not proof of cause)."
    )
    against = link_evidence(driver, outcome, expected_sign="-")
    assert against["agrees"] is False and against["status"] == "disagrees"
    assert "opposite direction" in against["summary"]


@pytest.mark.parametrize("seed", range(5))
def test_negated_outcome_agrees_with_a_negative_sign(seed):
    driver, outcome = lagged_pair(seed, sign=-1.0)
    ev = link_evidence(driver, outcome, expected_sign="-")
    assert ev["best_lag"] == 2
    assert ev["significant"] is True
    assert ev["observed_sign"] == "-"
    assert ev["agrees"] is True
    assert ev["ccf_at_best"] < -ev["limit"]


def test_same_month_link_and_plain_arrays():
    rng = np.random.default_rng(3)
    driver = np.cumsum(rng.standard_normal(40))
    outcome = -2.0 * driver + 0.5 * rng.standard_normal(40)
    ev = link_evidence(driver, outcome, expected_sign="-", driver_name="staff training", outcome_name="readmissions")
    assert ev["best_lag"] == 0 and ev["agrees"] is True
    assert ev["summary"] == (
        "Changes in staff training tend to go with changes in readmissions in the same "
        "period in the expected direction (association, not proof of cause)."
    )


def test_independent_ar1_series_give_false_alarms_near_the_nominal_rate():
    alarms = 0
    per_lag = 0
    for seed in range(N_SEEDS):
        rng = np.random.default_rng(seed)
        driver = pd.Series(ar1(rng, N_MONTHS, 0.7), index=MONTHS)
        outcome = pd.Series(ar1(rng, N_MONTHS, 0.7), index=MONTHS)
        ev = link_evidence(driver, outcome, expected_sign="+")
        alarms += ev["significant"]
        if not ev["significant"]:
            assert ev["agrees"] is None and ev["status"] == "unknown"
            assert ev["summary"].startswith("No clear link")
        per_lag += int(cross_correlation(driver, outcome)["significant"].sum())
    # Bonferroni over 7 lags: the chance of any false alarm is at most 5% (binomial sd 1.5% at 200 seeds).
    assert alarms / N_SEEDS <= 0.09
    # Unadjusted, each lag is a 5% test.
    assert 0.02 <= per_lag / (N_SEEDS * 7) <= 0.08


def test_without_prewhitening_independent_random_walks_often_look_linked():
    naive = whitened = 0
    for seed in range(N_SEEDS):
        rng = np.random.default_rng(seed)
        a = pd.Series(np.cumsum(rng.standard_normal(N_MONTHS)), index=MONTHS)
        b = pd.Series(np.cumsum(rng.standard_normal(N_MONTHS)), index=MONTHS)
        naive += cross_correlation(a, b, difference=False, whiten=False, adjust="bonferroni")["significant"].any()
        whitened += cross_correlation(a, b, adjust="bonferroni")["significant"].any()
    # Spurious correlation between random walks (Granger & Newbold 1974): most pairs "significant" ...
    assert naive / N_SEEDS > 0.5
    # ... while differencing and pre-whitening bring it back near the nominal 5%.
    assert whitened / N_SEEDS <= 0.09


# --- alignment and errors --------------------------------------------------------------------------


def test_series_are_aligned_on_common_months():
    driver, outcome = lagged_pair(0)
    ev_full = link_evidence(driver, outcome, expected_sign="+")
    # Shifting the outcome's extra months in and out of range leaves the common part to be used.
    longer = pd.concat([pd.Series([9.0, 9.0], index=pd.period_range("2015-11", periods=2, freq="M")), outcome])
    ev = link_evidence(driver.iloc[::-1], longer, expected_sign="+")
    assert ev["n"] == ev_full["n"]
    assert ev["ccf_at_best"] == pytest.approx(ev_full["ccf_at_best"])
    # A DatetimeIndex is read as months.
    ts = driver.copy()
    ts.index = ts.index.to_timestamp()
    assert link_evidence(ts, outcome, expected_sign="+")["ccf_at_best"] == pytest.approx(ev_full["ccf_at_best"])


def test_too_few_common_months_names_both_series():
    driver, outcome = lagged_pair(0)
    with pytest.raises(InsufficientDataError, match="shared care plans.*emergency bed-nights") as info:
        cross_correlation(driver.iloc[:30], outcome.iloc[7:])
    assert info.value.found == 23
    with pytest.raises(InsufficientDataError):
        link_evidence(np.arange(20.0), np.arange(20.0) ** 2, expected_sign="+")


def test_input_errors_are_specific():
    driver, outcome = lagged_pair(0)
    gappy = outcome.drop(outcome.index[30])
    with pytest.raises(DataValidationError, match="consecutive"):
        cross_correlation(driver, gappy)
    with pytest.raises(ParameterError, match="expected_sign"):
        link_evidence(driver, outcome, expected_sign="up")
    with pytest.raises(ParameterError, match="adjust"):
        cross_correlation(driver, outcome, adjust="holm")
    with pytest.raises(ParameterError, match="max_lag"):
        cross_correlation(driver, outcome, max_lag=-1)
    with pytest.raises(ParameterError, match="both be indexed by period"):
        cross_correlation(driver, outcome.to_numpy())
    with pytest.raises(DataValidationError, match="same length"):
        cross_correlation(np.arange(30.0), np.arange(31.0))
    with pytest.raises(DataValidationError, match="does not change"):
        cross_correlation(driver, pd.Series(3.0, index=MONTHS, name="flat"))
    with pytest.raises(DataValidationError, match="does not vary"):
        prewhiten(np.ones(30))
