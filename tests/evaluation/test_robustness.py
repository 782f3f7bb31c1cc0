"""Robustness per measure: the options merge (analysis.its.robustness, per measure), the checks run by
evaluate_measures, the evidence table's columns and the verdict's robustness qualifier, on synthetic
measures with known effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import DEMO_PARAMS

from pss_analysis.config.loading import load_params
from pss_analysis.config.params import Analysis
from pss_analysis.evaluation.measures import evaluate_measures
from pss_analysis.evaluation.options import ROBUSTNESS_DEFAULTS, robustness_options
from pss_analysis.evaluation.verdicts import (
    DETERIORATED,
    IMPROVED,
    NO_EVIDENCE,
    NOT_ENOUGH_DATA,
    evidence_table,
    robustness_qualifier,
    verdict,
)
from pss_analysis.methods.its import change_direction

START = "2018-04"


def _series(mid: str, step: float, seed: int, *, dispersion: float | None = None) -> pd.DataFrame:
    """36 months before the start and 24 since; a level step of ``step`` (relative) at the start."""
    rng = np.random.default_rng(seed)
    periods = pd.period_range(end=pd.Period(START, "M") + 23, periods=60, freq="M")
    mu = 200.0 * np.where(periods >= pd.Period(START, "M"), 1 + step, 1.0)
    if dispersion is not None:  # gamma-Poisson: far more variation than the counts alone explain
        mu = rng.gamma(dispersion, mu / dispersion)
    return pd.DataFrame(
        {"measure_id": mid, "period": periods, "numerator": rng.poisson(mu).astype(float), "denominator": 50_000.0}
    )


@pytest.fixture(scope="module")
def synthetic():
    catalogue = pd.DataFrame(
        {
            "measure_id": ["falls", "noisy", "off"],
            "name": ["Admissions (fall 20%)", "Admissions (over-dispersed, fall 8%)", "Admissions (checks off)"],
            "perspective": "strategic",
            "unit": "admissions per 1,000",
            "kind": "count",
            "multiplier": 1.0,
            "improvement_direction": "decrease",
            "target": np.nan,
            "unit_cost": np.nan,
            "description": "",
        }
    )
    data = pd.concat(
        [_series("falls", -0.2, 1), _series("noisy", -0.08, 11, dispersion=12), _series("off", -0.2, 2)],
        ignore_index=True,
    )
    data["value"] = data["numerator"]
    base = load_params(DEMO_PARAMS).analysis
    analysis = Analysis.model_validate(
        {
            **base.model_dump(exclude={"measures", "its"}),
            "its": {"robustness": {"max_specifications": 100}},
            # the noisy measure under Poisson, whose intervals ignore the over-dispersion
            "measures": {"noisy": {"its": {"family": "poisson"}}, "off": {"its": {"robustness": {"enabled": False}}}},
        }
    )
    evaluations = evaluate_measures(data, catalogue, analysis, START)
    table = evidence_table(catalogue, data, evaluations, impact_at=12).set_index("measure_id")
    return analysis, evaluations, table


def test_robustness_options_merge_layer_by_layer():
    assert robustness_options(Analysis(), "m") == {k: v for k, v in ROBUSTNESS_DEFAULTS.items() if v is not None}
    analysis = Analysis.model_validate(
        {
            "its": {"robustness": {"placebo": False, "max_specifications": 2}},
            "measures": {"m": {"its": {"robustness": {"enabled": False}}}},
        }
    )
    other = robustness_options(analysis, "other")
    assert other["placebo"] is False and other["max_specifications"] == 2 and other["enabled"] is True
    mine = robustness_options(analysis, "m")  # the measure's own setting over the analysis-wide ones
    assert mine["enabled"] is False and mine["placebo"] is False and mine["max_specifications"] == 2


def test_evaluate_measures_runs_the_checks_per_measure(synthetic):
    _, evaluations, _ = synthetic
    assert evaluations["off"].robustness is None and evaluations["off"].robustness_problem is None
    rob = evaluations["falls"].robustness
    assert rob is not None
    # 35 months before the start are fitted: 8 before each pretend start and 8 from it to the real start
    assert rob.n_placebos == 36 - 16 + 1
    assert rob.placebo_rank == 1 and rob.n_specs == 17 and rob.n_holds == 17 and rob.holds
    # the headline is the measure's own fitted model, not a refit
    cumulative = evaluations["falls"].its.impact(at=[]).iloc[-1]
    assert rob.headline["relative_effect"] == cumulative["relative_effect"]


def test_evidence_columns_and_a_robust_verdict_without_qualifier(synthetic):
    _, _, table = synthetic
    row = table.loc["falls"]
    assert row["verdict"] == IMPROVED
    assert bool(row["robust"]) and row["placebo_rank"] == 1 and row["placebo_count"] == 21
    assert row["placebo_p_value"] == pytest.approx(1 / 22)
    assert row["specifications_holding"] == row["specifications_fitted"] == 17
    assert pd.isna(row["verdict_qualifier"])
    assert pd.isna(table.loc["off", "robust"])


def test_a_verdict_that_does_not_hold_gets_the_qualifier(synthetic):
    _, evaluations, table = synthetic
    row = table.loc["noisy"]
    rob = evaluations["noisy"].robustness
    assert row["verdict"] == IMPROVED  # Poisson's intervals are too narrow for these counts
    assert not row["robust"] and row["specifications_holding"] < row["specifications_fitted"]
    assert row["verdict_qualifier"].startswith("improved, but not robust: the change holds under ")
    assert f"{rob.n_holds} of {rob.n_specs} other models" in row["verdict_qualifier"]


def test_the_direction_of_change_is_the_verdicts_rule(synthetic):
    _, evaluations, table = synthetic
    for mid in ("falls", "noisy"):
        rob = evaluations[mid].robustness
        lo, hi = rob.headline["relative_effect_lower"], rob.headline["relative_effect_upper"]
        by_verdict = {IMPROVED: -1, DETERIORATED: 1, NO_EVIDENCE: 0}[table.loc[mid, "verdict"]]  # lower is better
        assert change_direction(lo, hi) == rob.headline["direction"] == by_verdict
        cumulative = {"relative_effect_lower": lo, "relative_effect_upper": hi}
        assert verdict(cumulative, direction="decrease", n_before=36, n_after=24)[0] == table.loc[mid, "verdict"]


def test_robustness_qualifier_words(synthetic):
    _, evaluations, _ = synthetic
    assert robustness_qualifier(IMPROVED, None) is None
    assert robustness_qualifier(IMPROVED, evaluations["falls"].robustness) is None
    noisy = evaluations["noisy"].robustness
    assert robustness_qualifier(NOT_ENOUGH_DATA, noisy) is None
    assert robustness_qualifier(DETERIORATED, noisy).startswith("deteriorated, but not robust: the change holds under")


def test_no_evidence_qualifier_counts_the_models_that_find_a_change():
    from pss_analysis.methods.its import Robustness

    specs = pd.DataFrame(
        {"headline": [True, False, False, False], "direction": [0, 0, -1, -1], "holds": [True, True, False, False]}
    )
    empty = pd.DataFrame(columns=["headline", "direction", "holds", "standardised_change", "larger_than_real"])
    rob = Robustness({"direction": 0, "standardised_change": 0.3}, empty, specs, empty)
    assert rob.n_specs == 3 and rob.n_holds == 1 and not rob.holds
    assert robustness_qualifier(NO_EVIDENCE, rob) == "no evidence of change, though 2 of 3 other models find a change"
