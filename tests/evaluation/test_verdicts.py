"""Verdicts by the documented rules, on synthetic series with known effects and on the demo;
the dashboards' tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import DEMO_DATA, DEMO_PARAMS

from pss_analysis.config.loading import load_params
from pss_analysis.evaluation.dashboards import overview_table, within_year_table
from pss_analysis.evaluation.measures import evaluate_measures, points_before_and_since
from pss_analysis.evaluation.verdicts import (
    MIN_POINTS_FOR_VERDICT,
    contributions,
    evidence_table,
    money_scale,
    objective_status,
    perspective_summary,
    verdict,
)
from pss_analysis.inputs.tables import PERSPECTIVES, load_indicators, load_measures, summarise

START = "2018-04"


def _series(mid, level, step, n_before=36, n_after=24, seed=0, population=50_000):
    rng = np.random.default_rng(seed)
    periods = pd.period_range(end=pd.Period(START, "M") + n_after - 1, periods=n_before + n_after, freq="M")
    post = periods >= pd.Period(START, "M")
    mu = level * population / 1000 * np.where(post, 1 + step, 1.0)
    return pd.DataFrame(
        {
            "measure_id": mid,
            "period": periods,
            "numerator": rng.poisson(mu).astype(float),
            "denominator": float(population),
        }
    )


@pytest.fixture(scope="module")
def synthetic():
    catalogue = pd.DataFrame(
        {
            "measure_id": ["better", "worse", "same", "short"],
            "name": ["Admissions (falls 20%)", "Admissions (rises 20%)", "Admissions (no change)", "Too short"],
            "perspective": "strategic",
            "unit": "admissions per 1,000",
            "kind": "rate",
            "multiplier": 1000.0,
            "improvement_direction": "decrease",
            "target": np.nan,
            "unit_cost": [2500.0, np.nan, np.nan, np.nan],
            "description": "",
        }
    )
    data = pd.concat(
        [
            _series("better", 4.0, -0.20, seed=1),
            _series("worse", 4.0, 0.20, seed=2),
            _series("same", 4.0, 0.0, seed=3),
            _series("short", 4.0, -0.2, n_before=36, n_after=5, seed=4),
        ],
        ignore_index=True,
    )
    data["value"] = data["numerator"] / data["denominator"] * 1000
    params = load_params(DEMO_PARAMS)
    evaluations = evaluate_measures(data, catalogue, params.analysis, START)
    return catalogue, data, evaluation_table(catalogue, data, evaluations), evaluations


def evaluation_table(catalogue, data, evaluations):
    return evidence_table(catalogue, data, evaluations, impact_at=12).set_index("measure_id")


def test_verdicts_on_known_effects(synthetic):
    _, _, table, _ = synthetic
    assert table.loc["better", "verdict"] == "improved"
    assert table.loc["worse", "verdict"] == "deteriorated"
    assert table.loc["same", "verdict"] == "no evidence of change"
    assert table.loc["short", "verdict"] == "not enough data"
    assert table.loc["short", "points_after"] == 5 < MIN_POINTS_FOR_VERDICT
    # the 20% fall is recovered: the interval of the overall relative change covers -20%
    assert table.loc["better", "cumulative_relative_lower"] < -0.2 < table.loc["better", "cumulative_relative_upper"]


def test_money_is_the_impact_times_the_unit_cost(synthetic):
    _, _, table, _ = synthetic
    row = table.loc["better"]
    assert row["money"] == pytest.approx(row["cumulative_impact"] * 2500)
    assert row["money_lower"] == pytest.approx(row["cumulative_impact_lower"] * 2500)
    assert row["money_unit"] == "£" and pd.isna(table.loc["worse", "money"])
    # 24 months of 200 admissions a month, 20% fewer: about 24 * 200 * 0.25 = 1,200 averted (fitted vs expected)
    assert -1500 < row["cumulative_impact"] < -900


def test_verdict_rules_directly():
    row = {"relative_effect_lower": 0.02, "relative_effect_upper": 0.10}
    assert verdict(row, direction="increase", n_before=36, n_after=24)[0] == "improved"
    assert verdict(row, direction="decrease", n_before=36, n_after=24)[0] == "deteriorated"
    assert verdict(row, direction="neither", n_before=36, n_after=24)[0] == "changed"
    assert (
        verdict(
            {"relative_effect_lower": -0.01, "relative_effect_upper": 0.10},
            direction="increase",
            n_before=36,
            n_after=24,
        )[0]
        == "no evidence of change"
    )
    assert verdict(row, direction="increase", n_before=7, n_after=24)[0] == "not enough data"
    assert verdict(None, direction="increase", n_before=36, n_after=24)[0] == "not enough data"


def test_objective_status_and_contributions():
    assert objective_status(pd.Series(["improved", "no evidence of change"])) == "improved"
    assert objective_status(pd.Series(["improved", "deteriorated"])) == "mixed"
    assert objective_status(pd.Series(["not enough data"])) == "not enough data"
    assert objective_status(pd.Series(["no evidence of change"])) == "no change"
    links = pd.DataFrame(
        {"driver": ["a", "b", "c", "a"], "outcome": ["o", "o", "o", "p"], "expected_sign": ["+", "+", "+", "-"]}
    )
    out = contributions(links, {"a": "improved", "b": "deteriorated", "c": "no change", "o": "improved"})
    assert list(out["contribution"]) == ["positive", "negative", "none", "negative"]


def test_demo_verdicts_agree_with_the_generators_truth():
    params = load_params(DEMO_PARAMS)
    measures = load_measures(DEMO_DATA / "measures.csv")
    indicators = load_indicators(params.data.indicators, measures)
    evaluations = evaluate_measures(indicators, measures, params.analysis, params.programme.start)
    table = evidence_table(measures, indicators, evaluations, impact_at=12).set_index("measure_id")
    truth = pd.read_csv(DEMO_DATA / "true_effects.csv").set_index("measure_id")["effect"]
    expected = truth.map({"improves": "improved", "deteriorates": "deteriorated", "no_change": "no evidence of change"})
    assert table["verdict"].to_dict() == expected.to_dict()

    perspectives = pd.DataFrame(
        [{"perspective_id": k, "name": v[1], "tier": v[0], "order": i} for i, (k, v) in enumerate(PERSPECTIVES.items())]
    )
    summary = perspective_summary(table.reset_index(), perspectives)
    assert list(summary["perspective_id"]) == list(PERSPECTIVES)
    assert summary["improved"].sum() == (expected == "improved").sum()
    overview = overview_table(
        table.reset_index(), summarise(indicators, measures, params.programme.start), perspectives
    )
    assert len(overview) == len(measures)
    assert list(dict.fromkeys(overview["perspective"])) == list(PERSPECTIVES)
    monitoring = within_year_table(measures, evaluations)
    assert len(monitoring) == 12 * len(measures)
    su = monitoring[monitoring["measure_id"] == "su_satisfaction"]
    assert (su["target_met"] == (su["value"] >= 80)).all()  # 'increase' measure with target 80


def test_scorecard_overrides_and_change_log_interruptions(tmp_path):
    from pss_analysis.evaluation.study import prepare_study

    scorecard = (DEMO_DATA / "scorecard.yaml").read_text(encoding="utf-8")
    scorecard = scorecard.replace("use_as_interruption: false", "use_as_interruption: true", 1)
    (tmp_path / "scorecard.yaml").write_text(scorecard, encoding="utf-8")
    params = load_params(
        DEMO_PARAMS,
        [
            f"data.scorecard={tmp_path / 'scorecard.yaml'}",
            "analysis.change_log_interruptions=true",
            "report.measures=[acs_bed_nights, emergency_los]",
            "analysis.measures.emergency_los.its.family=gaussian",
        ],
    )
    study = prepare_study(params)
    extra = study.evaluations["acs_bed_nights"].its_options["interruptions"]
    assert [str(p) for p in extra] and "2018-04" not in [str(p) for p in extra]  # start is not repeated
    assert list(study.evidence["measure_id"]) == ["acs_bed_nights", "emergency_los"]
    assert study.annotations and all(isinstance(p, pd.Period) for p, _ in study.annotations)


def test_demo_computes_six_measures_from_the_records_and_they_match_the_table():
    from pss_analysis.evaluation.study import load_inputs

    inputs = load_inputs(load_params(DEMO_PARAMS))
    assert set(inputs.definitions["measure_id"]) == {
        "acs_admissions",
        "acs_bed_nights",
        "acs_spend",
        "acs_cost_per_admission",
        "emergency_los",
        "readmissions_30d",
    }
    assert inputs.data_quality.empty  # no disagreement between records and the aggregate table
    table = load_indicators(DEMO_DATA / "indicators.csv", load_measures(DEMO_DATA / "measures.csv"))
    merged = inputs.indicators.merge(table, on=["measure_id", "period"], suffixes=("", "_table"))
    assert len(merged) == len(table)
    assert (merged["numerator"] == merged["numerator_table"]).all()


def test_disagreeing_sources_are_a_data_quality_warning(tmp_path):
    from pss_analysis.evaluation.study import load_inputs

    text = (DEMO_DATA / "indicators.csv").read_text().splitlines()
    i = next(k for k, line in enumerate(text) if line.startswith("acs_admissions,2016-01,"))
    parts = text[i].split(",")
    parts[2] = str(int(parts[2]) + 5)
    text[i] = ",".join(parts)
    (tmp_path / "indicators.csv").write_text("\n".join(text) + "\n")
    inputs = load_inputs(load_params(DEMO_PARAMS, [f"data.indicators={tmp_path / 'indicators.csv'}"]))
    quality = inputs.data_quality
    assert list(quality["check"]) == ["sources_disagree"]
    assert "acs_admissions 2016-01" in quality["message"].iloc[0]


def test_points_are_counted_as_the_diagnostics_count_them(synthetic):
    _, _, table, evaluations = synthetic
    for mid, ev in evaluations.items():
        diagnostics = ev.its.diagnostics()
        assert points_before_and_since(ev.its) == (
            diagnostics["n_before"],
            diagnostics["n_after"] + diagnostics["n_excluded"],
        )
        assert (table.loc[mid, "points_before"], table.loc[mid, "points_after"]) == points_before_and_since(ev.its)


def test_evidence_reports_the_impact_at_the_month_asked(synthetic):
    catalogue, data, _, evaluations = synthetic
    at_24 = evidence_table(catalogue, data, evaluations, impact_at=24)
    assert "relative_impact_24" in at_24 and "relative_impact_12" not in at_24
    assert not any(
        c.startswith("relative_impact") for c in evidence_table(catalogue, data, evaluations, impact_at=None)
    )


def _amount_evidence(unit):
    """The evidence row of one amount measure (a 20% fall in spend) in ``unit``."""
    catalogue = pd.DataFrame(
        {
            "measure_id": ["spend"],
            "name": ["Spend"],
            "perspective": "financial",
            "unit": unit,
            "kind": "amount",
            "multiplier": 1.0,
            "improvement_direction": "decrease",
            "target": np.nan,
            "unit_cost": np.nan,
            "description": "",
        }
    )
    data = _series("spend", 4.0, -0.20, seed=5).assign(denominator=np.nan)
    data["value"] = data["numerator"]
    evaluations = evaluate_measures(data, catalogue, load_params(DEMO_PARAMS).analysis, START)
    return evaluation_table(catalogue, data, evaluations).loc["spend"]


@pytest.mark.parametrize(
    "unit, pounds", [("£", 1), ("£ thousand", 1e3), ("£000s", 1e3), ("£m", 1e6), ("£ million", 1e6)]
)
def test_a_measure_in_money_is_money_in_pounds(unit, pounds):
    """An amount in £, £ thousand or £ million is money in its own right, scaled to pounds, sign kept."""
    assert money_scale(unit) == pounds
    row = _amount_evidence(unit)
    assert row["money_unit"] == "£"
    assert row["money"] == pytest.approx(row["cumulative_impact"] * pounds)
    assert row["money_lower"] == pytest.approx(row["cumulative_impact_lower"] * pounds)
    assert row["money_lower"] <= row["money"] <= row["money_upper"] < 0  # a fall: saved


def test_an_amount_not_in_money_has_no_money():
    assert money_scale("bed-days") is None and money_scale("£ per admission") is None
    assert pd.isna(_amount_evidence("bed-days")["money"])


def test_a_perspective_outside_the_defaults_is_counted():
    """Every measure is counted in the summary, whatever perspective its catalogue gives it."""
    evidence = pd.DataFrame(
        {
            "measure_id": ["a", "b", "c"],
            "perspective": ["strategic", "volunteer_network", "strategic"],
            "verdict": ["improved", "no evidence of change", "deteriorated"],
        }
    )
    perspectives = pd.DataFrame(
        [{"perspective_id": k, "name": v[1], "tier": v[0], "order": i} for i, (k, v) in enumerate(PERSPECTIVES.items())]
    )
    summary = perspective_summary(evidence, perspectives).set_index("perspective_id")
    assert summary[["improved", "deteriorated", "no_evidence_of_change"]].to_numpy().sum() == 3
    assert summary.loc["volunteer_network", "perspective"] == "volunteer network"
    assert summary.loc["volunteer_network", "reading"] == "volunteer network: 1 no evidence of change."
    assert list(summary.index) == ["strategic", "volunteer_network"]
