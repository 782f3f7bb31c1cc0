"""Controlled interrupted time series with many comparison series (a stacked panel).

Reference numbers: Linden's California Proposition 99 analysis (``itsa cigsale, treatid(3)
trperiod(1989) lag(1) posttrend`` on all 38 other states), whose coefficients the help file of his
``power itsa`` command prints (control intercept 135.4995, pre-trend -0.5477701, level change
-17.25168, post-trend -1.051279; treated intercept 132.2258, pre-trend -1.779474, level change
-20.0581, post-trend -3.274126) and whose P values it quotes (0.631 for the treated-minus-control
level change, 0.136 for the slope change). Standard errors are checked against Stata's ``newey``
formula written out here by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import reference
from scipy import stats

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.methods.its import fit_its

NW1 = {"type": "newey_west", "lags": 1}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return pd.read_csv(reference("its", "prop99", "cigsales_abadie2010_smoking.csv"))


@pytest.fixture(scope="module")
def linden(panel):
    treated = panel[panel["state_id"] == 3]
    others = panel[panel["state_id"] != 3]
    return fit_its(
        treated,
        "cigsale",
        "year",
        1989,
        control=others,
        control_unit="state_name",
        autocorrelation=NW1,
        time_since="itsa",
    )


def _effect(result, group: str, term: str) -> pd.Series:
    eff = result.effects()
    return eff[(eff["group"] == group) & (eff["term"] == term)].iloc[0]


def test_linden_multiple_group_coefficients(linden):
    published = {
        ("control", "baseline_level"): 135.4995,
        ("control", "pre_trend"): -0.5477701,
        ("control", "level_change"): -17.25168,
        ("control", "post_trend"): -1.051279,
        ("difference", "level_change"): -2.806417,
        ("treated", "baseline_level"): 132.2258,
        ("treated", "pre_trend"): -1.779474,
        ("treated", "level_change"): -20.0581,
        ("treated", "post_trend"): -3.274126,
    }
    for (group, term), value in published.items():
        coef = _effect(linden, group, term)["coef"]
        digits = len(str(abs(value)).replace(".", "").lstrip("0"))
        assert float(f"{coef:.{digits}g}") == value, (group, term, coef)
    spec = linden.specification
    assert spec["n"] == 39 * 31 and spec["df_resid"] == 39 * 31 - 8
    assert len(spec["comparison_units"]) == 38 and "California" not in spec["comparison_units"]
    assert spec["comparison_units"][:2] == ["Alabama", "Arkansas"]


def _stata_newey(x: np.ndarray, e: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Stata's newey, lag(1): (X'X)^-1 X'WX (X'X)^-1 with X'WX = n/(n-k) [sum e_i^2 x_i x_i' +
    (1 - 1/2) sum over the lag-1 pairs (i, j) of e_i e_j (x_i x_j' + x_j x_i')]."""
    n, k = x.shape
    s = x * e[:, None]
    meat = s.T @ s
    cross = s[pairs[:, 0]].T @ s[pairs[:, 1]]
    meat = (meat + 0.5 * (cross + cross.T)) * n / (n - k)
    bread = np.linalg.inv(x.T @ x)
    return bread @ meat @ bread


def _itsa_design(panel: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """itsa's variables for treatid(3) trperiod(1989): _t _z _z_t _x _x_t _z_x _z_x_t (and _cons)."""
    t = panel["year"].to_numpy() - 1970.0
    x = (panel["year"].to_numpy() >= 1989).astype(float)
    z = (panel["state_id"].to_numpy() == 3).astype(float)
    since = x * (panel["year"].to_numpy() - 1989.0)
    design = np.column_stack([np.ones(len(t)), t, z, z * t, x, since, z * x, z * since])
    return design, panel["cigsale"].to_numpy(dtype=float)


def test_newey_west_within_each_state_with_stata_small_sample_factor(panel, linden):
    """Lag products pair years of the same state only; X'WX has n/(n-k); t tests on N - k df."""
    data = panel.sort_values(["state_id", "year"]).reset_index(drop=True)
    x, y = _itsa_design(data)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    same_state = np.flatnonzero(data["state_id"].to_numpy()[1:] == data["state_id"].to_numpy()[:-1])
    cov = _stata_newey(x, y - x @ beta, np.column_stack([same_state + 1, same_state]))
    se = np.sqrt(np.diag(cov))
    df = len(y) - x.shape[1]
    for (group, term), j in {("difference", "level_change"): 6, ("difference", "slope_change"): 7}.items():
        row = _effect(linden, group, term)
        assert row["coef"] == pytest.approx(beta[j], rel=1e-9)
        assert row["std_error"] == pytest.approx(se[j], rel=1e-9)
        assert row["p_value"] == pytest.approx(2 * stats.t.sf(abs(beta[j] / se[j]), df), rel=1e-9)
        lower = beta[j] - stats.t.ppf(0.975, df) * se[j]
        assert row["estimate_lower"] == pytest.approx(lower, rel=1e-9)
    assert f"{_effect(linden, 'difference', 'level_change')['p_value']:.3f}" == "0.631"  # as Linden's P


def test_stata_force_pairs_neighbouring_states_which_explains_the_third_decimal(panel, linden):
    """``newey ..., force`` on the stacked panel (itsa's call) pairs each state's last year with the
    next state's first, in Stata's sort order: that reproduces both P values Linden quotes (0.631,
    0.136); within states (ours) the slope difference has P = 0.137."""
    data = panel.sort_values(["state_id", "year"]).reset_index(drop=True)
    x, y = _itsa_design(data)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    every = np.arange(1, len(y))
    cov = _stata_newey(x, y - x @ beta, np.column_stack([every, every - 1]))
    p = 2 * stats.t.sf(np.abs(beta / np.sqrt(np.diag(cov))), len(y) - x.shape[1])
    assert (f"{p[6]:.3f}", f"{p[7]:.3f}") == ("0.631", "0.136")
    assert f"{_effect(linden, 'difference', 'slope_change')['p_value']:.3f}" == "0.137"


def test_long_table_list_and_mapping_give_the_same_fit(panel, linden):
    others = panel[panel["state_id"] != 3]
    parts = {name: part for name, part in others.groupby("state_name", sort=False)}
    treated = panel[panel["state_id"] == 3]
    kwargs = {"autocorrelation": NW1, "time_since": "itsa"}
    by_name = fit_its(treated, "cigsale", "year", 1989, control=parts, **kwargs)
    by_list = fit_its(treated, "cigsale", "year", 1989, control=list(parts.values()), **kwargs)
    for result in (by_name, by_list):
        np.testing.assert_allclose(result.covariance.to_numpy(), linden.covariance.to_numpy(), rtol=1e-10)
    assert by_name.specification["comparison_units"] == linden.specification["comparison_units"]
    assert by_list.specification["comparison_units"][:2] == ["comparison 1", "comparison 2"]
    pred = linden.predictions()
    assert set(pred.loc[pred["group"] == "control", "unit"]) == set(parts)
    assert (pred.loc[pred["group"] == "treated", "unit"] == "treated").all()


def test_diagnostics_pair_years_within_each_state(linden):
    """Durbin-Watson uses the 39 x 30 consecutive pairs within states, none across two states."""
    resid = linden._diag_inputs["resid"]
    panel_of = linden._diag_inputs["group"]
    t = linden._diag_inputs["t"]
    num = sum(
        float(np.sum(np.diff(resid[(panel_of == p)][np.argsort(t[panel_of == p])]) ** 2)) for p in np.unique(panel_of)
    )
    assert len(np.unique(panel_of)) == 39
    assert linden.diagnostics()["durbin_watson"] == pytest.approx(num / float(resid @ resid), rel=1e-12)


def test_poisson_pools_the_comparison_areas_as_their_total():
    """Poisson with a log offset: stacking the areas gives exactly the fit to their summed counts and
    populations (the score equations and the Fisher information sum over areas), model-based errors."""
    rng = np.random.default_rng(7)
    months = pd.period_range("2019-01", periods=36, freq="M")
    t = np.arange(1, 37)
    after = (t >= 19).astype(float)

    def area(pop: float, rate: float) -> pd.DataFrame:
        mean = pop * rate * np.exp(0.01 * t - 0.2 * after)
        return pd.DataFrame({"month": months, "events": rng.poisson(mean), "pop": np.full(36, pop)})

    treated = area(50_000, 0.002)
    areas = {"North": area(20_000, 0.0025), "South": area(35_000, 0.0018), "West": area(10_000, 0.003)}
    long = pd.concat([a.assign(area=name) for name, a in areas.items()], ignore_index=True)
    total = long.groupby("month", as_index=False)[["events", "pop"]].sum()
    kwargs = {"family": "poisson", "offset": "pop"}
    pooled = fit_its(treated, "events", "month", "2020-07", control=long, control_unit="area", **kwargs)
    summed = fit_its(treated, "events", "month", "2020-07", control=total, **kwargs)
    np.testing.assert_allclose(pooled.coefficients, summed.coefficients, rtol=1e-7)
    np.testing.assert_allclose(pooled.covariance, summed.covariance, rtol=1e-6)
    assert pooled.specification["comparison_units"] == ["North", "South", "West"]
    quasi = fit_its(
        treated, "events", "month", "2020-07", control=long, control_unit="area", family="quasipoisson", offset="pop"
    )
    dispersion = quasi.diagnostics()["dispersion"]
    assert quasi.specification["df_resid"] == 4 * 36 - 8
    np.testing.assert_allclose(quasi.covariance, pooled.covariance * dispersion, rtol=1e-6)


def test_a_long_control_table_without_its_unit_column_says_how_to_name_it(panel):
    treated = panel[panel["state_id"] == 3]
    with pytest.raises(DataValidationError, match=r"duplicate period .* control_unit="):
        fit_its(treated, "cigsale", "year", 1989, control=panel[panel["state_id"] != 3])
    with pytest.raises(ParameterError, match="control_unit"):
        fit_its(treated, "cigsale", "year", 1989, control=panel[panel["state_id"] != 3], control_unit="region")


def test_a_comparison_area_with_other_periods_is_named(panel):
    treated = panel[panel["state_id"] == 3]
    others = panel[(panel["state_id"] != 3) & ~((panel["state_name"] == "Utah") & (panel["year"] == 2000))]
    with pytest.raises(DataValidationError, match=r"control \('Utah'\) series must cover exactly"):
        fit_its(treated, "cigsale", "year", 1989, control=others, control_unit="state_name")
    blank = panel[panel["state_id"] != 3].assign(state_name=lambda f: f["state_name"].where(f["year"] != 1975))
    with pytest.raises(DataValidationError, match="missing unit"):
        fit_its(treated, "cigsale", "year", 1989, control=blank, control_unit="state_name")
    with pytest.raises(ParameterError, match="no control is given"):
        fit_its(treated, "cigsale", "year", 1989, control_unit="state_name")


def test_the_figure_shows_the_comparison_areas_average(panel, linden):
    """As itsa's "Controls average": one hollow point per year, the mean of the 38 states."""
    from pss_analysis.reporting.figures.its import its_figure

    fig = its_figure(linden, ylabel="Packs per head")
    ax = fig.axes[0]
    points = next(c for c in ax.collections if c.get_label() == "Observed (comparison average)")
    means = panel[panel["state_id"] != 3].groupby("year")["cigsale"].mean().to_numpy()
    np.testing.assert_allclose(np.sort(points.get_offsets()[:, 1]), np.sort(means), rtol=1e-12)
    line = next(li for li in ax.get_lines() if li.get_label() == "Model fit (comparison average)")
    assert len(line.get_xdata()) == 31
