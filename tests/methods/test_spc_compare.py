"""The months since a recalculation against the first phase carried forward, and Laney's sigma_z."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pss_analysis.methods.spc import compare_with_first_phase, evaluate_spc, laney_sigma_z
from pss_analysis.methods.spc.constants import LANEY_OVERDISPERSION_LIMIT, MDC_SHIFT_LENGTH


def _series(before: list[float], after: list[float]) -> pd.DataFrame:
    values = before + after
    return pd.DataFrame({"x": range(len(values)), "y": values})


def test_a_step_absorbed_by_the_new_limits_is_a_shift_against_the_old_process():
    rng = np.random.default_rng(3)
    before = list(100 + rng.normal(0, 2, 24))
    after = list(90 + rng.normal(0, 2, 24))
    result = evaluate_spc(_series(before, after), y="y", x="x", chart="xmr", recalculate_at=24)
    assert result.summary()["variation_type"].iloc[-1] == "common_cause"  # the new limits absorb the step
    c = compare_with_first_phase(result)
    assert c is not None and c.n_points == 24 and c.n_below == 24 and c.n_above == 0
    assert c.shift == "low" and c.longest_run_below == 24 and c.shift_length == MDC_SHIFT_LENGTH
    assert c.n_below_lcl == int((np.array(after) < c.lcl).sum()) > 0
    assert c.centre_line == pytest.approx(np.mean(before))


def test_no_shift_when_the_later_months_straddle_the_old_centre():
    after = [101, 99, 102, 98, 100.5, 99.5] * 4
    before = [100, 101, 99, 102, 98, 100.5, 99.5, 101, 99, 100, 102, 98, 100, 101]
    result = evaluate_spc(_series(before, after), y="y", x="x", chart="xmr", recalculate_at=len(before))
    c = compare_with_first_phase(result)
    assert c is not None and c.shift is None and c.n_above + c.n_below == 24
    assert c.n_above_ucl == c.n_below_lcl == 0


def test_the_shift_rule_counts_a_run_not_a_total():
    # 5 below, 1 above, 5 below: 10 of 11 below but no run of 6 (MDC shift rule)
    before = [100, 101, 99, 102, 98, 100.5, 99.5, 101, 99, 100, 102, 98, 100, 101]
    after = [99, 98, 97, 99, 98, 101, 99, 98, 97, 99, 98]
    result = evaluate_spc(_series(before, after), y="y", x="x", chart="xmr", recalculate_at=len(before))
    c = compare_with_first_phase(result)
    assert c is not None and c.n_below == 10 and c.longest_run_below == 5 and c.shift is None
    assert compare_with_first_phase(result, shift_length=5).shift == "low"


def test_one_phase_has_nothing_to_compare():
    result = evaluate_spc(_series([100.0, 101, 99, 102] * 4, []), y="y", x="x", chart="xmr")
    assert compare_with_first_phase(result) is None


def test_carried_limits_of_a_u_chart_follow_the_later_denominators():
    # u chart: ubar +/- 3 sqrt(ubar / n): a later month with 4x the denominator has half the width
    n = [1000.0] * 20 + [4000.0] * 20
    y = [50.0] * 20 + [200.0] * 19 + [260.0]
    frame = pd.DataFrame({"x": range(40), "y": y, "n": n})
    result = evaluate_spc(frame, y="y", n="n", x="x", chart="u", recalculate_at=20)
    c = compare_with_first_phase(result)
    upper_later = 0.05 + 3 * np.sqrt(0.05 / 4000)
    assert 260 / 4000 > upper_later and c is not None and c.n_above_ucl == 1


def test_sigma_z_is_one_when_the_counts_explain_the_variation_and_large_when_they_do_not():
    rng = np.random.default_rng(11)
    n = np.full(36, 100_000.0)
    poisson = rng.poisson(5_000, 36).astype(float)
    # sampling noise of sigma_z from 36 points (the margin behind LANEY_OVERDISPERSION_LIMIT)
    draws = [
        laney_sigma_z(rng.poisson(500, 36).astype(float), np.full(36, 1000.0), proportion=False) for _ in range(2000)
    ]
    assert np.std(draws) == pytest.approx(0.15, abs=0.02)
    assert np.quantile(draws, 0.999) < LANEY_OVERDISPERSION_LIMIT + 0.15
    assert np.mean(draws) == pytest.approx(1, abs=0.02)
    extra = poisson * rng.lognormal(0, 0.05, 36)  # 5% month-to-month variation on 5,000 events
    assert laney_sigma_z(extra, n, proportion=False) > LANEY_OVERDISPERSION_LIMIT


def test_sigma_z_matches_the_laney_chart_limits():
    # the u' chart's limits are the u chart's times sigma_z (Laney 2002; qicharts2 qic.up)
    rng = np.random.default_rng(5)
    n = rng.integers(20_000, 30_000, 30).astype(float)
    y = rng.poisson(n * 0.01 * rng.lognormal(0, 0.1, 30)).astype(float)
    frame = pd.DataFrame({"x": range(30), "y": y, "n": n})
    u = evaluate_spc(frame, y="y", n="n", x="x", chart="u").points
    up = evaluate_spc(frame, y="y", n="n", x="x", chart="up", screen_outliers=False).points
    ratio = ((up["ucl"] - up["centre_line"]) / (u["ucl"] - u["centre_line"])).to_numpy()
    assert ratio == pytest.approx(np.full(30, laney_sigma_z(y, n, proportion=False)))
