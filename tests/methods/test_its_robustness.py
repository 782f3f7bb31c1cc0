"""Robustness of an ITS headline change (pss_analysis.methods.its.robustness) on simulated series
with a known effect: a true effect ranks first among placebos in time and holds under every
specification; a null effect does not rank first; a verdict carried by one extra interruption
falls when it is left out; over-dispersion that Poisson ignores makes the verdict fail under the
families that allow for it."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from pss_analysis.methods.its import (
    PLACEBO_MIN_POINTS,
    change_direction,
    fit_its,
    robustness,
    standardised_change,
)

N, START = 60, 28  # 27 months before the start (as the demo: 2016-01 .. 2018-03), 33 from it
PERIODS = pd.period_range("2016-01", periods=N, freq="M")
FOURIER = {"type": "fourier", "k": 2, "period": 12}


def _counts(effect: float, seed: int, *, dispersion: float | None = None, base: float = 200) -> pd.DataFrame:
    """Monthly counts with a seasonal cycle, a slight trend and a level change ``effect`` (log scale) at START."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, N + 1)
    mu = np.exp(np.log(base) + 0.002 * t + effect * (t >= START) + 0.1 * np.sin(2 * np.pi * t / 12))
    if dispersion is not None:  # gamma-Poisson: variance mu + mu^2 / dispersion
        mu = rng.gamma(dispersion, mu / dispersion)
    return pd.DataFrame({"period": PERIODS, "y": rng.poisson(mu)})


def _run(data: pd.DataFrame, **options):
    kw = {"family": "quasipoisson", "seasonality": FOURIER, **options}
    return robustness(data, "y", "period", PERIODS[START - 1], **kw)


def test_true_effect_ranks_first_among_placebos_and_holds_everywhere():
    r = _run(_counts(-0.25, seed=1))
    assert r.headline["direction"] == -1
    # every admissible month: 8 fitted months before the pretend start and 8 from it to the real start
    n_pre = START - 1
    assert len(r.placebo) == n_pre - 2 * PLACEBO_MIN_POINTS + 1
    assert r.placebo["start"].tolist() == list(PERIODS[PLACEBO_MIN_POINTS : n_pre - PLACEBO_MIN_POINTS + 1])
    assert (r.placebo["n_before"] >= PLACEBO_MIN_POINTS).all() and (r.placebo["n_after"] >= PLACEBO_MIN_POINTS).all()
    assert r.placebo_rank == 1
    assert r.placebo_p_value == pytest.approx(1 / (r.n_placebos + 1))
    assert r.placebo_holds is True
    assert r.n_specs == 17 and r.n_holds == 17  # 3 families x 3 seasonality x 2 autocorrelation, less the headline
    assert r.holds


def test_null_effect_does_not_rank_first_among_placebos():
    ranks = []
    for seed in range(8):
        r = _run(_counts(0.0, seed=seed), specifications=False, leave_one_out=False)
        ranks.append(r.placebo_rank)
        if r.headline["direction"] == 0:
            assert r.placebo_holds is None  # the placebo check applies to a change only
    # under no effect the real change is one more draw among the placebos: rank 1 about 1 time in 13
    assert sum(rank == 1 for rank in ranks) <= 2
    assert np.median(ranks) > 3


def test_placebo_fits_use_only_the_months_before_the_start():
    data = _counts(-0.25, seed=2)
    changed = data.copy()
    changed.loc[START - 1 :, "y"] = changed.loc[START - 1 :, "y"] * 3  # only the months since the start differ
    a = _run(data, specifications=False, leave_one_out=False)
    b = _run(changed, specifications=False, leave_one_out=False)
    pd.testing.assert_frame_equal(
        a.placebo.drop(columns="larger_than_real"), b.placebo.drop(columns="larger_than_real")
    )
    assert a.headline["relative_effect"] != b.headline["relative_effect"]


def test_placebo_changes_are_the_fits_at_the_pretend_starts():
    data = _counts(-0.25, seed=3)
    r = _run(data, specifications=False, leave_one_out=False)
    row = r.placebo.iloc[4]
    pre = data.iloc[: START - 1]
    fit = fit_its(pre, "y", "period", row["start"], family="quasipoisson", seasonality=FOURIER)
    cum = fit.impact(at=[]).iloc[-1]
    assert row["relative_effect"] == pytest.approx(cum["relative_effect"])
    assert row["relative_effect_upper"] == pytest.approx(cum["relative_effect_upper"])
    assert row["n_after"] == cum["n_periods"]


def test_specification_table_families_seasonality_and_autocorrelation():
    counts = _run(_counts(-0.25, seed=1), placebo=False)
    spec = counts.specifications
    assert set(spec["family"]) == {"poisson", "quasipoisson", "negbin"}
    assert set(spec["seasonality"]) == {"none", "fourier", "month"}
    assert set(spec["autocorrelation"]) == {"none", "newey_west"}
    assert spec.iloc[0][["family", "seasonality", "autocorrelation"]].tolist() == ["quasipoisson", "fourier", "none"]
    assert spec["headline"].tolist() == [True] + [False] * 17
    assert spec["changed"].is_monotonic_increasing
    limited = _run(_counts(-0.25, seed=1), placebo=False, max_specifications=4)
    assert len(limited.specifications) == 5 and (limited.specifications["changed"] <= 1).all()
    assert limited.n_specs == 4

    rng = np.random.default_rng(5)
    t = np.arange(1, N + 1)
    values = pd.DataFrame({"period": PERIODS, "v": 50 + 0.1 * t - 6 * (t >= START) + rng.normal(0, 2, N)})
    ols = robustness(values, "v", "period", PERIODS[START - 1], placebo=False, autocorrelation={"type": "newey_west"})
    assert set(ols.specifications["family"]) == {"gaussian"}
    assert set(ols.specifications["autocorrelation"]) == {"none", "newey_west", "ar1"}
    assert len(ols.specifications) == 9 and ols.holds


def test_binomial_specifications():
    rng = np.random.default_rng(6)
    t = np.arange(1, N + 1)
    trials = np.full(N, 400)
    p = 1 / (1 + np.exp(-(-0.5 + 0.004 * t + 0.4 * (t >= START))))
    data = pd.DataFrame({"period": PERIODS, "yes": rng.binomial(trials, p), "n": trials})
    r = robustness(data, "yes", "period", PERIODS[START - 1], family="quasibinomial", denominator="n")
    assert set(r.specifications["family"]) == {"binomial", "quasibinomial"}
    assert len(r.specifications) == 12
    assert r.headline["direction"] == 1 and r.placebo_rank == 1 and r.holds


def test_over_dispersion_poisson_ignores_makes_the_verdict_fail_elsewhere():
    data = _counts(-0.12, seed=11, dispersion=15)
    r = _run(data, family="poisson", seasonality=None, placebo=False)
    assert r.headline["direction"] == -1  # Poisson's intervals are too narrow for these counts
    quasi = r.specifications[(r.specifications["family"] != "poisson") & ~r.specifications["headline"]]
    assert not quasi["holds"].all()
    assert r.n_holds < r.n_specs and not r.holds


def test_leave_one_out_finds_a_verdict_carried_by_one_interruption():
    rng = np.random.default_rng(7)
    t = np.arange(1, N + 1)
    # a real drop at month 40 (a later change); the programme start itself does nothing
    mu = np.exp(np.log(300) + 0.001 * t - 0.3 * (t >= 40))
    data = pd.DataFrame({"period": PERIODS, "y": rng.poisson(mu)})
    kw = {"family": "quasipoisson", "placebo": False, "specifications": False}
    with_both = robustness(data, "y", "period", PERIODS[START - 1], interruptions=[PERIODS[39]], **kw)
    # the change at month 40 is part of the programme (after the start), so the headline is a fall
    assert with_both.headline["direction"] == -1
    loo = with_both.leave_one_out
    assert loo["left_out"].tolist() == [PERIODS[39]]
    assert with_both.n_left_out == 1
    # without it the programme's own segment must absorb the drop through its slope: it still falls
    assert loo["direction"].iloc[0] == -1 and with_both.holds

    # a drop at month 20, before the start, in the history: with it in the model the start shows no change;
    # without it the pre-programme line slopes down through the drop and the flat months since the
    # start look like a rise
    mu = np.exp(np.log(300) + 0.001 * t - 0.3 * (t >= 20))
    early = pd.DataFrame({"period": PERIODS, "y": np.random.default_rng(7).poisson(mu)})
    r = robustness(early, "y", "period", PERIODS[START - 1], interruptions=[PERIODS[19]], **kw)
    assert r.headline["direction"] == 0
    assert r.leave_one_out["direction"].iloc[0] == 1
    assert r.leave_one_out["holds"].iloc[0] == False  # noqa: E712 - a numpy/pandas boolean
    assert not r.holds


def test_a_fit_that_fails_is_a_row_with_its_problem_not_a_crash():
    from pss_analysis.methods.its.robustness import _try_change

    data = _counts(-0.25, seed=1)
    base = {"y": "y", "time": "period", "interruption": PERIODS[START - 1], "family": "binomial"}  # no trials
    row = _try_change(data, base)
    assert "denominator" in row["problem"] and row["direction"] is None and math.isnan(row["standardised_change"])
    ok = _try_change(data, {**base, "family": "poisson"})
    assert ok["problem"] is None and ok["direction"] == -1


def test_switches_and_summary():
    r = _run(_counts(-0.25, seed=1), placebo=False, specifications=False, leave_one_out=False)
    assert r.placebo.empty and r.specifications.empty and r.leave_one_out.empty
    assert r.placebo_rank is None and r.placebo_holds is None and r.holds
    s = r.summary()
    assert s["n_specs"] == 0 and s["headline_direction"] == -1


def test_change_direction_and_standardised_change():
    assert change_direction(0.01, 0.2) == 1 and change_direction(-0.3, -0.01) == -1 and change_direction(-0.1, 0.1) == 0
    assert change_direction(0.0, 0.2) == 0  # an interval touching no change includes it (as the verdicts)
    z = standardised_change(math.expm1(0.2), math.expm1(0.1), math.expm1(0.3))
    assert z == pytest.approx(2.0)
    assert abs(standardised_change(math.expm1(0.1), math.expm1(-0.05), math.expm1(0.25))) < 1
    assert standardised_change(0.5, -1.5, 2.5) == pytest.approx(0.25)  # a bound at or below -100%: the ratio itself


@pytest.mark.filterwarnings("ignore::pss_analysis.errors.ShortSeriesWarning")
def test_placebo_fits_keep_the_extra_interruptions_before_the_pretend_start():
    from pss_analysis.errors import InsufficientDataError

    data = _counts(-0.25, seed=5)
    history, later = PERIODS[3], PERIODS[12]  # changes in months 4 and 13, both before the start (month 28)
    r = _run(data, interruptions=[history, later], specifications=False, leave_one_out=False)
    pre = data.iloc[: START - 1]
    outcomes = []
    for _, row in r.placebo.iterrows():
        kept = [history] + ([later] if later < row["start"] else [])  # later changes are left out
        options = {"family": "quasipoisson", "seasonality": FOURIER, "interruptions": kept}
        if pd.isna(row["problem"]):
            fit = fit_its(pre, "y", "period", row["start"], **options)
            assert row["relative_effect"] == pytest.approx(fit.impact(at=[]).iloc[-1]["relative_effect"])
            outcomes.append("fitted")
        else:  # a pretend start 1 or 2 months after the change in month 13: too few points between them
            with pytest.raises(InsufficientDataError):
                fit_its(pre, "y", "period", row["start"], **options)
            outcomes.append("too close")
    assert outcomes.count("too close") == 2 and r.n_placebos == len(r.placebo) - 2
