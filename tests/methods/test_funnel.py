"""Funnel plot limits (Spiegelhalter 2005): exact limits with interpolation, and units placed against them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from pss_analysis.methods.funnel import funnel_limits, funnel_points


def test_binomial_limit_by_hand():
    """theta = 0.1, n = 100, upper 95%: r = 16 (F(16) = 0.9794 >= 0.975 > F(15) = 0.9601),
    a = (F(16) - 0.975) / (F(16) - F(15)) = 0.228, limit = (16 - 0.228) / 100 = 0.1577."""
    limits = funnel_limits(0.1, [100], kind="proportion")
    assert limits.loc[0, "upper_95"] == pytest.approx(0.15772, abs=5e-5)
    # the interpolation puts the limit between the two counts, where the tail probability is met
    assert 0.15 < limits.loc[0, "upper_95"] < 0.16


def test_limits_approach_the_normal_approximation_for_large_units():
    """For large n the exact limits tend to theta +/- z sqrt(theta (1 - theta) / n) (Spiegelhalter 2005, A.1.1)."""
    n = np.array([10_000.0, 100_000.0])
    theta = 0.2
    limits = funnel_limits(theta, n, kind="proportion")
    for level, z in (("95", stats.norm.ppf(0.975)), ("99_8", stats.norm.ppf(0.999))):
        half = z * np.sqrt(theta * (1 - theta) / n)
        np.testing.assert_allclose(limits[f"upper_{level}"], theta + half, rtol=2e-3)
        np.testing.assert_allclose(limits[f"lower_{level}"], theta - half, rtol=2e-3)
    rates = funnel_limits(0.004, n, kind="rate")
    half = stats.norm.ppf(0.975) * np.sqrt(0.004 / n)
    np.testing.assert_allclose(rates["upper_95"], 0.004 + half, rtol=5e-3)


def test_the_99_8_limits_are_wider_and_the_funnel_narrows():
    limits = funnel_limits(0.05, [200, 2000, 20000], kind="proportion")
    assert (limits["upper_99_8"] > limits["upper_95"]).all()
    assert (limits["lower_99_8"] <= limits["lower_95"]).all()
    assert limits["upper_95"].is_monotonic_decreasing


def test_units_are_placed_by_the_outermost_limit_they_cross():
    units = pd.DataFrame(
        {"unit": ["a", "b", "c", "d"], "numerator": [100, 150, 40, 100], "denominator": [1000, 1000, 1000, 1000]}
    )
    points = funnel_points(units, kind="proportion", target=0.1)
    assert list(points["position"]) == ["within", "above 99.8%", "below 99.8%", "within"]
    pooled = funnel_points(units, kind="proportion")
    assert pooled["target"].iloc[0] == pytest.approx(390 / 4000)
