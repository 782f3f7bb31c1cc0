"""Tests for pss_analysis.methods.its.many (:func:`fit_its_many`): every series' effects and
impacts equal :func:`fit_its` on that series' rows (to 1e-8), for the batched families and the
one-fit-per-series fallback; series are keyed by the ``by`` columns, skipped with a reason when
their outcome never varies, and bad data is refused naming the series."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.methods import fit_its_many as exported
from pss_analysis.methods.its import BATCHED_FAMILIES, fit_its, fit_its_many

N_POINTS = 60
START = pd.Period("2017-07", freq="M")  # the 31st month
TOL = {"rtol": 1e-8, "atol": 1e-10}


def _table(family: str, n_series: int, seed: int, n_points: int = N_POINTS, first: str = "2015-01") -> pd.DataFrame:
    """Random monthly series: counts with a population (count families), successes out of trials
    (binomial families) or a continuous outcome (gaussian), each with its own trend, level and
    slope change and seasonal swing."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, n_points + 1)[None, :]
    months = pd.period_range(first, periods=n_points, freq="M")
    post = (months >= START).astype(float)[None, :]
    since = np.cumsum(post, axis=1)
    size = (n_series, 1)
    season = rng.uniform(0, 0.2, size) * np.sin(2 * np.pi * (months.month.to_numpy() + rng.integers(0, 12, size)) / 12)
    lin = rng.normal(0.004, 0.003, size) * t + rng.normal(-0.1, 0.08, size) * post
    lin = lin + rng.normal(0, 0.004, size) * since + season
    population = rng.uniform(2e3, 2e5, size) * (1 + 0.001 * t)
    out = {"population": population.ravel()}
    if family == "gaussian":
        y = 50 + 20 * lin + rng.normal(0, rng.uniform(0.5, 3, size), (n_series, n_points))
    elif family in ("binomial", "quasibinomial"):
        trials = rng.integers(20, 400, (n_series, n_points))
        y = rng.binomial(trials, 1 / (1 + np.exp(-(-1.0 + lin))))
        out["trials"] = trials.ravel()
    else:
        mu = population * np.exp(np.log(rng.uniform(5e-4, 5e-3, size)) + lin)
        y = rng.negative_binomial(20, 20 / (20 + mu)) if family in ("quasipoisson", "negbin") else rng.poisson(mu)
    return pd.DataFrame(
        {
            "area": np.repeat([f"area {i:03d}" for i in range(n_series)], n_points),
            "month": np.tile(months, n_series),
            "events": np.asarray(y, dtype=float).ravel(),
            **out,
        }
    )


def _columns(family: str) -> dict[str, str | None]:
    counts = family in ("poisson", "quasipoisson", "negbin")
    return {
        "offset": "population" if counts else None,
        "denominator": "trials" if family in ("binomial", "quasibinomial") else None,
    }


def _assert_same_as_fit_its(table: pd.DataFrame, many, *, by: str = "area", **fit_kwargs) -> int:
    """Each series' effects and impact (with rates where there is an offset) against fit_its."""
    effects, per = many.effects(), 1000.0 if fit_kwargs.get("offset") else None
    impact = many.impact(per=per)
    checked = 0
    for key, rows in table.groupby(by, sort=True):
        single = fit_its(rows, "events", "month", START, **fit_kwargs)
        mine = effects[effects[by] == key].drop(columns=by).reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, single.effects(), check_exact=False, **TOL)
        mine_impact = impact[impact[by] == key].drop(columns=by).reset_index(drop=True)
        pd.testing.assert_frame_equal(mine_impact, single.impact(per=per), check_exact=False, **TOL)
        np.testing.assert_allclose(many.coefficients.loc[key].to_numpy(), single.coefficients.to_numpy(), **TOL)
        checked += 1
    return checked


@pytest.mark.parametrize("family", ["poisson", "quasipoisson", "gaussian"])
def test_equals_fit_its_on_200_random_series(family):
    table = _table(family, 200, seed={"poisson": 1, "quasipoisson": 2, "gaussian": 3}[family])
    kwargs = {"family": family, "seasonality": {"type": "fourier", "k": 2, "period": 12}, **_columns(family)}
    many = fit_its_many(table, by="area", time="month", outcome="events", start=START, **kwargs)
    assert many.specification["estimation"] == "batched"
    assert many.specification["n_series"] == 200 and many.skipped.empty
    assert _assert_same_as_fit_its(table, many, **kwargs) == 200
    # tidy: one row per series and term / horizon (+ cumulative), keyed by the by column
    assert len(many.effects()) == 200 * 5 and list(many.effects().columns[:3]) == ["area", "group", "term"]
    assert len(many.impact()) == 200 * 3 and many.impact()["horizon"].tolist()[:3] == [12, 24, pd.NA]


@pytest.mark.parametrize("family", ["binomial", "quasibinomial"])
def test_binomial_families_equal_fit_its(family):
    table = _table(family, 40, seed=4)
    kwargs = {"family": family, "seasonality": "fourier", **_columns(family)}
    many = fit_its_many(table, by="area", time="month", outcome="events", start=START, **kwargs)
    assert _assert_same_as_fit_its(table, many, **kwargs) == 40


def test_options_phase_in_extra_interruption_itsa_and_month_seasons():
    table = _table("poisson", 30, seed=5)
    kwargs = {
        "family": "quasipoisson",
        "offset": "population",
        "seasonality": "month",
        "phase_in": 2,
        "interruptions": [pd.Period("2016-06", freq="M")],
        "time_since": "itsa",
        "alpha": 0.1,
    }
    many = fit_its_many(table, by="area", time="month", outcome="events", start=START, **kwargs)
    assert _assert_same_as_fit_its(table, many, **kwargs) == 30
    six = many.impact(at=(6,))
    assert six["horizon"].dropna().unique().tolist() == [6]


def test_fourier_pairs_sets_the_harmonics():
    table = _table("poisson", 5, seed=6)
    many = fit_its_many(
        table,
        by="area",
        time="month",
        outcome="events",
        start=START,
        seasonality="fourier",
        fourier_pairs=1,
        offset="population",
    )
    assert many.specification["seasonality"]["k"] == 1
    assert [c for c in many.coefficients.columns if c.startswith("fourier")] == ["fourier_sin1", "fourier_cos1"]


def test_options_without_a_batched_estimator_fit_one_by_one_with_the_same_output():
    assert "negbin" not in BATCHED_FAMILIES
    table = _table("negbin", 6, seed=7)
    kwargs = {"family": "negbin", "offset": "population"}
    many = fit_its_many(table, by="area", time="month", outcome="events", start=START, **kwargs)
    assert many.specification["estimation"] == "one fit per series"
    assert _assert_same_as_fit_its(table, many, **kwargs) == 6
    gauss = _table("gaussian", 4, seed=8)
    kwargs = {"family": "gaussian", "autocorrelation": "ar1", "seasonality": "fourier"}
    many = fit_its_many(gauss, by="area", time="month", outcome="events", start=START, **kwargs)
    assert _assert_same_as_fit_its(gauss, many, **kwargs) == 4


def test_series_on_different_periods_are_fitted_in_separate_batches():
    a = _table("poisson", 4, seed=9)
    b = _table("poisson", 3, seed=10, n_points=48, first="2016-01").assign(area=lambda d: "late " + d["area"])
    table = pd.concat([a, b], ignore_index=True).sample(frac=1.0, random_state=0)  # any row order
    many = fit_its_many(table, by="area", time="month", outcome="events", start=START, offset="population")
    assert many.specification["n_series"] == 7
    assert _assert_same_as_fit_its(table, many, family="poisson", offset="population") == 7


def test_two_by_columns_key_every_table():
    table = _table("poisson", 6, seed=11)
    table["measure"] = np.where(table["area"] < "area 003", "falls", "admissions")
    many = fit_its_many(table, by=["measure", "area"], time="month", outcome="events", start=START)
    assert list(many.effects().columns[:2]) == ["measure", "area"]
    assert list(many.impact().columns[:2]) == ["measure", "area"]
    assert many.coefficients.index.names == ["measure", "area"]
    single = fit_its(table[table["area"] == "area 004"], "events", "month", START, family="poisson")
    row = many.coefficients.loc[("admissions", "area 004")]
    np.testing.assert_allclose(row.to_numpy(), single.coefficients.to_numpy(), **TOL)


def test_a_series_that_never_varies_is_skipped_with_the_reason():
    table = _table("poisson", 3, seed=12)
    table.loc[table["area"] == "area 001", "events"] = 0.0
    many = fit_its_many(table, by="area", time="month", outcome="events", start=START)
    assert many.skipped["area"].tolist() == ["area 001"]
    assert "no variation" in many.skipped["reason"].iloc[0] and "'events' was 0" in many.skipped["reason"].iloc[0]
    assert sorted(many.effects()["area"].unique()) == ["area 000", "area 002"]


def test_bad_data_is_refused_naming_the_series():
    table = _table("poisson", 3, seed=13)
    dup = pd.concat([table, table[(table["area"] == "area 002") & (table["month"] == START)]])
    with pytest.raises(DataValidationError, match="duplicate period .*area=area 002, time 2017-07"):
        fit_its_many(dup, by="area", time="month", outcome="events", start=START)
    gap = table.drop(table.index[(table["area"] == "area 001") & (table["month"] == START + 3)])
    with pytest.raises(DataValidationError, match="gap .*area=area 001"):
        fit_its_many(gap, by="area", time="month", outcome="events", start=START)
    neg = table.assign(events=np.where(table.index == 70, -1.0, table["events"]))
    with pytest.raises(DataValidationError, match="whole-number counts .*area=area 001") as info:
        fit_its_many(neg, by="area", time="month", outcome="events", start=START)
    assert info.value.column == "events"
    with pytest.raises(ParameterError, match="by"):
        fit_its_many(table, by="region", time="month", outcome="events", start=START)


def test_impact_horizons_are_checked():
    table = _table("poisson", 2, seed=14)
    many = fit_its_many(table, by="area", time="month", outcome="events", start=START)
    with pytest.raises(ParameterError, match="post-interruption period out of range"):
        many.impact(at=(31,))
    with pytest.raises(ParameterError, match="rates need an offset"):
        many.impact(per=1000)


def test_short_series_note_is_a_message():
    table = _table("poisson", 2, seed=15, n_points=36)  # 6 months from the start
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        many = fit_its_many(table, by="area", time="month", outcome="events", start=START)
    assert any("only 6 fitted points after" in m for m in many.messages)


def test_exported_from_methods():
    assert exported is fit_its_many


def test_warnings_of_one_by_one_fits_become_keyed_messages():
    table = _table("negbin", 2, seed=16, n_points=36)  # 6 months from the start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        many = fit_its_many(table, by="area", time="month", outcome="events", start=START, family="negbin")
    assert any(m.startswith("[area 001] only 6 fitted points after") for m in many.messages)
    assert many.specification["interruption"] == START and many.specification["time"] == "month"


@pytest.mark.parametrize(
    "autocorrelation",
    [
        {"type": "newey_west", "lags": 3, "small_sample": True},
        {"type": "newey_west", "lags": 1, "small_sample": False},
        "newey_west",  # the lags from the number of points (Newey & West 1994)
    ],
)
def test_newey_west_on_the_gaussian_family_is_batched_and_equals_fit_its(autocorrelation):
    table = _table("gaussian", 30, seed=17)
    kwargs = {"family": "gaussian", "seasonality": "fourier", "autocorrelation": autocorrelation}
    many = fit_its_many(table, by="area", time="month", outcome="events", start=START, **kwargs)
    assert many.specification["estimation"] == "batched"
    assert _assert_same_as_fit_its(table, many, **kwargs) == 30


def test_newey_west_across_phase_in_months_fits_one_by_one_with_the_same_output():
    # the months left out of the fit split the lags, as statsmodels' panels do: one fit per series
    table = _table("gaussian", 3, seed=18)
    kwargs = {"family": "gaussian", "autocorrelation": {"type": "newey_west", "lags": 2, "small_sample": True}}
    many = fit_its_many(table, by="area", time="month", outcome="events", start=START, phase_in=3, **kwargs)
    assert many.specification["estimation"] == "one fit per series"
    assert _assert_same_as_fit_its(table, many, phase_in=3, **kwargs) == 3


def test_points_before_and_since_the_start_per_series():
    a = _table("poisson", 2, seed=19)
    b = _table("poisson", 1, seed=20, n_points=48, first="2016-01").assign(area="late")
    many = fit_its_many(pd.concat([a, b]), by="area", time="month", outcome="events", start=START)
    points = many.points().set_index("area")
    assert points.loc["area 000"].tolist() == [30, 30]  # START is the 31st month of 60
    assert points.loc["late"].tolist() == [18, 30]
