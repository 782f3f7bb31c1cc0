"""Which model and chart each measure gets, the demo's results against the generator's truth,
and the plain-English sentences."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import DEMO_DATA, DEMO_PARAMS

from pss_analysis.config.loading import load_params
from pss_analysis.evaluation.measures import (
    choose_spc_chart,
    evaluate_measures,
    its_options,
    newey_west_lags,
    spc_options,
)
from pss_analysis.inputs.tables import load_indicators, load_measures
from pss_analysis.reporting.formatting import confidence_label, money, number, percent
from pss_analysis.reporting.narrative import its_sentence, quantity, spc_sentence


@pytest.fixture(scope="module")
def demo():
    params = load_params(DEMO_PARAMS)
    measures = load_measures(DEMO_DATA / "measures.csv")
    indicators = load_indicators(params.data.indicators, measures)
    return params, measures, indicators


def _row(measures, mid):
    return measures.set_index("measure_id").loc[mid].to_dict() | {"measure_id": mid}


def test_newey_west_lag_rule():
    # floor(4 (n/100)^(2/9)): n=60 -> 3.57, n=100 -> 4, n=500 -> 5.72, n=5 -> 2.06 (Newey & West 1994)
    assert [newey_west_lags(n) for n in (60, 100, 500, 5)] == [3, 4, 5, 2]


def test_defaults_by_kind(demo):
    params, measures, _ = demo
    rate = its_options(_row(measures, "acs_bed_nights"), params.analysis, 60, "2018-04")
    assert rate["family"] == "quasipoisson" and rate["offset"] == "denominator" and rate["y"] == "numerator"
    assert rate["seasonality"] == {"type": "fourier", "k": 2, "period": 12}
    prop = its_options(_row(measures, "su_satisfaction"), params.analysis, 60, "2018-04")
    assert prop["family"] == "quasibinomial" and prop["denominator"] == "denominator" and "offset" not in prop
    cont = its_options(_row(measures, "emergency_los"), params.analysis, 60, "2018-04")
    assert cont["family"] == "gaussian" and cont["y"] == "value"
    assert cont["autocorrelation"] == {"type": "newey_west", "lags": 3, "small_sample": True}
    charts = {
        mid: spc_options(_row(measures, mid), params.analysis, "2018-04")["chart"]
        for mid in ("acs_bed_nights", "su_satisfaction", "intermediate_care_new", "emergency_los")
    }
    assert charts == {
        "acs_bed_nights": "u",
        "su_satisfaction": "p",
        "intermediate_care_new": "c",
        "emergency_los": "xmr",
    }
    assert spc_options(_row(measures, "acs_bed_nights"), params.analysis, "2018-04")["recalculate_at"] == pd.Period(
        "2018-04", freq="M"
    )


def test_parameter_file_overrides_one_measure(demo):
    _, measures, _ = demo
    params = load_params(
        DEMO_PARAMS,
        [
            "analysis.measures.acs_bed_nights.its.family=negbin",
            "analysis.measures.acs_bed_nights.spc.chart=up",
            "analysis.its.seasonality=month",
        ],
    )
    rate = its_options(_row(measures, "acs_bed_nights"), params.analysis, 60, "2018-04")
    other = its_options(_row(measures, "acs_admissions"), params.analysis, 60, "2018-04")
    assert rate["family"] == "negbin" and rate["seasonality"] == "month"
    assert other["family"] == "quasipoisson" and other["seasonality"] == "month"
    assert spc_options(_row(measures, "acs_bed_nights"), params.analysis, "2018-04")["chart"] == "up"


def test_an_over_dispersed_rate_gets_laneys_chart_unless_a_chart_is_named(demo):
    # The u/p defaults stand for a series the counts explain (test_defaults_by_kind asks without data);
    # with the data, acs_bed_nights' months vary ~3.7 times more than its counts explain -> u'.
    params, measures, indicators = demo
    series = indicators[indicators["measure_id"] == "acs_bed_nights"]
    choice = choose_spc_chart(_row(measures, "acs_bed_nights"), params.analysis, "2018-04", series)
    assert choice.chart == "up" and choice.reason == "overdispersed" and choice.sigma_z > 3
    calm = indicators[indicators["measure_id"] == "acs_admissions"]
    choice = choose_spc_chart(_row(measures, "acs_admissions"), params.analysis, "2018-04", calm)
    assert choice.chart == "u" and choice.reason == "kind" and choice.sigma_z < 1.5
    for key in ("analysis.measures.acs_bed_nights.spc.chart=u", "analysis.spc.chart=u"):
        named = load_params(DEMO_PARAMS, [key])
        choice = choose_spc_chart(_row(measures, "acs_bed_nights"), named.analysis, "2018-04", series)
        assert (choice.chart, choice.reason) == ("u", "chosen")


def test_demo_effects_agree_with_the_generators_truth(demo):
    params, measures, indicators = demo
    truth = pd.read_csv(DEMO_DATA / "true_effects.csv").set_index("measure_id")["effect"]
    results = evaluate_measures(indicators, measures, params.analysis, params.programme.start)
    for mid, ev in results.items():
        assert ev.its is not None and ev.spc is not None, (mid, ev.its_problem, ev.spc_problem)
        impact = ev.its.impact(at=[12])
        cumulative = impact[impact["cumulative"]].iloc[0]
        lo, hi = cumulative["relative_effect_lower"], cumulative["relative_effect_upper"]
        expected = truth[mid]
        direction = _row(measures, mid)["improvement_direction"]
        if expected == "no_change":
            assert lo <= 0 <= hi, mid
        else:
            went_up = lo > 0
            assert lo > 0 or hi < 0, mid
            better = went_up if direction == "increase" else not went_up
            assert better == (expected == "improves"), mid


def test_a_measure_the_model_cannot_fit_gets_a_reason_and_the_others_go_on(demo):
    """statsmodels fails on an absurd count ("NaN, inf or invalid value detected in weights"); the measure
    says so, named, and the next measure is still evaluated."""
    params, measures, indicators = demo
    chosen = measures[measures["measure_id"].isin(["intermediate_care_new", "staff_trained"])].reset_index(drop=True)
    data = indicators[indicators["measure_id"].isin(chosen["measure_id"])].copy()
    data.loc[
        (data["measure_id"] == "intermediate_care_new") & (data["period"] == pd.Period("2016-05", "M")), "numerator"
    ] = 1e300
    done = evaluate_measures(data, chosen, params.analysis, params.programme.start)
    failed, other = done["intermediate_care_new"], done["staff_trained"]
    assert failed.its is None
    assert failed.its_problem.startswith("the model failed on the data of intermediate_care_new (ValueError: ")
    assert other.its is not None and other.its_problem is None and other.spc is not None


def test_a_measure_with_the_same_value_every_month_says_so(demo):
    params, measures, indicators = demo
    chosen = measures[measures["measure_id"] == "intermediate_care_new"].reset_index(drop=True)
    data = indicators[indicators["measure_id"] == "intermediate_care_new"].assign(numerator=200.0, value=200.0)
    done = evaluate_measures(data, chosen, params.analysis, params.programme.start)["intermediate_care_new"]
    assert done.its is None and done.its_problem == "no variation to evaluate: 'numerator' was 200 in every month"
    assert done.spc is not None  # the control chart of a flat line is still drawn


def test_its_sentence_in_plain_english():
    measure = {
        "name": "Emergency bed-nights",
        "unit": "bed-nights per 1,000 people aged 65+",
        "kind": "rate",
        "improvement_direction": "decrease",
    }
    impact = pd.DataFrame(
        [
            {
                "horizon": pd.NA,
                "cumulative": True,
                "n_periods": 23,
                "relative_effect": -0.113,
                "relative_effect_lower": -0.162,
                "relative_effect_upper": -0.061,
                "absolute_effect": -2563.4,
                "absolute_effect_lower": -3710.0,
                "absolute_effect_upper": -1402.0,
            }
        ]
    )
    assert its_sentence(measure, impact) == (
        "Emergency bed-nights fell by 11% (95% CI 6.1% to 16%) relative to what the pre-programme trend "
        "predicted; about 2,560 bed-nights averted over 23 months (95% CI 1,400 to 3,710)."
    )
    assert "(90% CI 6.1% to 16%)" in its_sentence(measure, impact, alpha=0.1)
    impact.loc[0, ["relative_effect_lower", "relative_effect_upper"]] = [-0.05, 0.02]
    assert "not clearly different from no change" in its_sentence(measure, impact)


def test_number_wording():
    assert percent(0.113) == "11%" and percent(0.061) == "6.1%" and percent(-0.02, signed=True) == "−2.0%"
    assert quantity(2563.4) == "2,560" and quantity(0.01234) == "0.0123" and quantity(12.345) == "12.3"
    assert money(2115662) == "£2.12 million" and money(-845123) == "−£845,000"
    assert confidence_label(0.05) == "95%" and confidence_label(0.1) == "90%"


@pytest.mark.parametrize(
    "value, table, sentence, chart",
    [
        (2457.0, "2,457", "2,460", "2,457"),
        (12.345, "12.3", "12.3", "12.3"),
        (0.1, "0.1", "0.100", "0.10"),
        (-0.01234, "-0.0123", "-0.0123", "-0.01"),
    ],
)
def test_number_styles(value, table, sentence, chart):
    assert number(value) == table
    assert number(value, style="sentence") == sentence
    assert number(value, style="chart") == chart


def test_table_and_chart_numbers_leave_missing_values_blank():
    assert number(float("nan")) == "" and number(float("nan"), style="chart") == ""


def test_spc_sentence_reads_the_latest_phase():
    summary = pd.DataFrame(
        [
            {
                "limits_shown": True,
                "n_points": 36,
                "variation_type": "common_cause",
                "assurance_type": "none",
                "target": float("nan"),
            },
            {
                "limits_shown": True,
                "n_points": 24,
                "variation_type": "special_cause_improvement",
                "assurance_type": "fail",
                "target": 24.0,
            },
        ]
    )
    text = spc_sentence({"name": "x"}, summary)
    assert text.startswith(
        "Since the programme started the chart shows special-cause variation in the direction of improvement"
    )
    assert "target of 24" in text and "will not be met" in text
