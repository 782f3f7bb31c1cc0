"""Tests of the SPC module (pss_analysis.methods.spc) and its figures.

Reference data are read from ``../shared/reference/spc`` relative to the
repository root and never copied into the repository; tests that need a
missing file are skipped with the path in the reason.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE  # ../shared/reference beside the checkout

from pss_analysis.errors import DataValidationError, InsufficientDataError, ParameterError
from pss_analysis.methods.spc import (
    CHARTS,
    RULE_SETS,
    SpcResult,
    anhoej_crossings_limit,
    anhoej_longest_run_limit,
    evaluate_spc,
    evaluate_spc_many,
)
from pss_analysis.methods.spc import rules as spc_rules
from pss_analysis.methods.spc.constants import MR_TO_SIGMA, XMR_LIMIT_FACTOR

SPC_REF = REFERENCE / "spc"
MDC_JSON = SPC_REF / "mdc" / "mdc_single_chart_tool_v5_test_data.grouped.json"
QIC = SPC_REF / "qicharts2-data"

MDC_COLOURS = {
    "#A6A6A6": "common_cause",
    "#00B0F0": "special_cause_improvement",
    "#E46C0A": "special_cause_concern",
    "#490092": "special_cause_neither",
}
MDC_DIRECTION = {"": "increase", "up": "increase", "down": "decrease", "neither": "neither"}
MDC_RECALCULATED = {  # spc README: recalculation starting at point 16
    "Recalculations - Recalculated",
    "Baselines - Recalculated",
    "Special cause crossing recalculations - shift",
    "Special cause crossing recalculations - trend",
    "Special cause crossing recalculations - two-sigma",
}
SHORT = {
    "common_cause": ".",
    "special_cause_improvement": "B",
    "special_cause_concern": "O",
    "special_cause_neither": "P",
}


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference file missing: {path}")
    return path


def _read_qic(name: str) -> pd.DataFrame:
    return pd.read_csv(_need(QIC / name))


def _mdc_cases() -> list:
    if not MDC_JSON.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"reference file missing: {MDC_JSON}"), id="missing")]
    with MDC_JSON.open(encoding="utf-8") as fh:
        cases = json.load(fh)
    return [pytest.param(case, id=case["metric"]) for case in cases]


def _mdc_frame(case: dict) -> pd.DataFrame:
    frame = pd.DataFrame(case["data"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _codes(point_types) -> str:
    return "".join(SHORT[t] for t in point_types)


def _simple(values, **columns) -> pd.DataFrame:
    return pd.DataFrame({"y": np.asarray(values, dtype=float), **columns})


# --- Making Data Count test cases ---------------------------------------------------------------------


@pytest.mark.parametrize("case", _mdc_cases())
def test_mdc_case_reproduces_every_point_colour(case):
    frame = _mdc_frame(case)
    recalc = frame["date"].iloc[15] if case["metric"] in MDC_RECALCULATED else None
    result = evaluate_spc(
        frame, "value", x="date", improvement_direction=MDC_DIRECTION[case["improvement"]], recalculate_at=recalc
    )
    expected = [MDC_COLOURS[p["colour"]] for p in case["data"]]
    assert _codes(result.points["point_type"]) == _codes(expected)


def _mdc_case(metric: str) -> dict:
    with _need(MDC_JSON).open(encoding="utf-8") as fh:
        return {c["metric"]: c for c in json.load(fh)}[metric]


def test_mdc_process_limits_match_the_document():
    # "Process limits": mean 23.20, upper 37.64, lower 8.76 (2.66 x mean moving range 5.43)
    result = evaluate_spc(_mdc_frame(_mdc_case("Process limits - 15")), "value", x="date")
    row = result.summary().iloc[0]
    assert row["centre_line"] == pytest.approx(23.20, abs=0.005)
    assert row["ucl"] == pytest.approx(37.64, abs=0.005)
    assert row["lcl"] == pytest.approx(8.76, abs=0.005)
    assert result.points["upper_2sigma"].iloc[0] == pytest.approx(23.2 + 2 / 3 * (37.64 - 23.2), abs=0.01)


def test_mdc_too_few_points_has_no_limits_and_says_so():
    result = evaluate_spc(_mdc_frame(_mdc_case("Number of points - 12")), "value", x="date")
    assert result.points["ucl"].isna().all() and result.points["lcl"].isna().all()
    assert result.points["centre_line"].notna().all()
    assert not result.points["special_cause"].any()
    summary = result.summary().iloc[0]
    assert summary["variation_type"] == "none" and summary["assurance_type"] == "none"
    assert not summary["limits_shown"]
    assert any("12 points" in m and "13" in m for m in result.messages)
    thirteen = evaluate_spc(_mdc_frame(_mdc_case("Number of points - 13")), "value", x="date")
    assert thirteen.points["ucl"].notna().all()


@pytest.mark.parametrize(
    "metric, variation, direction",
    [
        ("Summary icons - variation - High is good", "special_cause_improvement", "high"),
        ("Summary icons - variation - Low is good", "special_cause_concern", "high"),
        ("Summary icons - variation - High is good 2", "common_cause", None),
        ("Summary icons - variation - High is good 3", "special_cause_concern", "low"),
        ("Summary icons - variation - Low is good 3", "special_cause_improvement", "low"),
        ("Summary icons - variation - Neither", "special_cause_neither", "high"),
        ("Summary icons - variation - Neither 2", "common_cause", None),
        ("Summary icons - variation - Too few points", "none", None),
    ],
)
def test_mdc_variation_icon_comes_from_the_last_point(metric, variation, direction):
    case = _mdc_case(metric)
    result = evaluate_spc(_mdc_frame(case), "value", x="date", improvement_direction=MDC_DIRECTION[case["improvement"]])
    row = result.summary().iloc[-1]
    assert row["variation_type"] == variation
    assert row["variation_direction"] == direction


@pytest.mark.parametrize(
    "direction, target, expected",
    [
        ("increase", 40, "fail"),
        ("increase", 30, "hit_or_miss"),
        ("increase", 10, "pass"),
        ("decrease", 40, "pass"),
        ("decrease", 30, "hit_or_miss"),
        ("decrease", 10, "fail"),
        ("neither", 10, "none"),
        ("increase", None, "none"),
    ],
)
def test_mdc_assurance_icon(direction, target, expected):
    # limits of this case are 13.33 and 37.00
    frame = _mdc_frame(_mdc_case("Summary icons - assurance - high is good"))
    result = evaluate_spc(frame, "value", x="date", improvement_direction=direction, target=target)
    assert result.summary()["assurance_type"].iloc[-1] == expected


def test_mdc_assurance_uses_the_latest_limits_after_a_recalculation():
    frame = _mdc_frame(_mdc_case("Summary icons - assurance - high is good"))
    result = evaluate_spc(frame, "value", x="date", target=36, recalculate_at=frame["date"].iloc[15])
    summary = result.summary()
    assert list(summary["phase"]) == [1, 2]
    assert summary["assurance_type"].tolist() == ["fail", "hit_or_miss"]  # UCL 31.59, then 40.21


def test_mdc_conflict_policies():
    frame = _mdc_frame(_mdc_case("Special cause conflict - High is good"))
    got = {
        policy: _codes(evaluate_spc(frame, "value", x="date", conflict=policy).points["point_type"])
        for policy in ("improvement", "concern", "hierarchy", "nhsrplotthedots", "side_of_mean")
    }
    assert got["improvement"] == "BBBBOOOBBBBBBB......"  # the Excel tool
    assert got["concern"] == "OOOOOOOOOOOBBB......"
    assert got["hierarchy"] == "OOOOOOOBBBBBBB......"  # trend first; the turning point falls back to improvement
    # NHSRplotthedots >= 0.2: single point, then trend (turning point: next step), two of three, shift
    assert got["nhsrplotthedots"] == "BBOOOOOBBBBBBB......"
    assert got["side_of_mean"] == "BBBBBOOOOOOBBB......"  # older NHSRplotthedots: by side of the mean


def test_rules_within_phases_only():
    frame = _mdc_frame(_mdc_case("Special cause crossing recalculations - shift"))
    crossing = evaluate_spc(frame, "value", x="date", recalculate_at=frame["date"].iloc[15])
    within = evaluate_spc(frame, "value", x="date", recalculate_at=frame["date"].iloc[15], rules_across_phases=False)
    assert crossing.points["rule_shift"].sum() == 6
    assert within.points["rule_shift"].sum() == 0


# --- textbook limits -----------------------------------------------------------------------------------


def test_montgomery_p_chart_and_revised_limits():
    data = _read_qic("input_montgomery_tbl_07.03.csv")
    first30 = data[data["sample"] <= 30]
    result = evaluate_spc(first30, "count", n="size", x="sample", chart="p", rules="anhoej")
    row = result.summary().iloc[0]
    assert row["centre_line"] == pytest.approx(0.2313, abs=5e-5)
    assert row["ucl"] == pytest.approx(0.4102, abs=5e-5)
    assert row["lcl"] == pytest.approx(0.0524, abs=5e-5)
    assert result.points.loc[result.points["rule_outside_limits"], "x"].tolist() == [15, 23]

    revised = evaluate_spc(first30, "count", n="size", x="sample", chart="p", rules="anhoej", exclude=[15, 23])
    row = revised.summary().iloc[0]
    assert row["centre_line"] == pytest.approx(0.2150, abs=5e-5)
    assert row["lcl"] == pytest.approx(0.0407, abs=5e-5)
    assert row["ucl"] == pytest.approx(0.3893, abs=5e-5)
    assert row["n_excluded"] == 2 and row["n_used_for_limits"] == 28
    # excluded points are still plotted and still flagged
    excluded = revised.points[revised.points["excluded"]]
    assert excluded["x"].tolist() == [15, 23] and excluded["rule_outside_limits"].all()


def test_montgomery_p_chart_phases_as_qicharts2_part_30():
    data = _read_qic("input_montgomery_tbl_07.03.csv")
    result = evaluate_spc(
        data, "count", n="size", x="sample", chart="p", rules="anhoej", exclude=[15, 23], recalculate_at=31
    )
    summary = result.summary()
    assert summary["phase"].tolist() == [1, 2]
    assert summary["centre_line"].iloc[0] == pytest.approx(0.2150, abs=5e-5)
    phase2 = data[data["sample"] >= 31]
    assert summary["centre_line"].iloc[1] == pytest.approx(phase2["count"].sum() / phase2["size"].sum())


def test_montgomery_example_6_5_individuals_chart_with_20_week_baseline():
    data = _read_qic("input_montgomery_tbl_06.07.csv")
    result = evaluate_spc(data, "cost", x="weeks", chart="i", baseline=20, rules="anhoej")
    row = result.summary().iloc[0]
    assert row["centre_line"] == pytest.approx(300.5, abs=0.005)
    assert row["lcl"] == pytest.approx(279.78, abs=0.005)
    assert row["ucl"] == pytest.approx(321.22, abs=0.005)
    assert row["n_used_for_limits"] == 20
    # the limits are extended to weeks 21-40, where weeks 39 and 40 are beyond the UCL
    assert result.points.loc[result.points["rule_outside_limits"], "x"].tolist() == [39, 40]

    mr = evaluate_spc(data, "cost", x="weeks", chart="mr", baseline=20, rules="anhoej")
    row = mr.summary().iloc[0]
    assert row["centre_line"] == pytest.approx(7.79, abs=0.005)  # Montgomery: MR-bar = 7.79
    assert row["ucl"] == pytest.approx(3.267 * 148 / 19)
    assert row["lcl"] == 0
    assert np.isnan(mr.points["value"].iloc[0])


def test_montgomery_example_7_3_c_chart_and_revised_limits():
    data = _read_qic("input_montgomery_tbl_07.08.csv")
    first26 = data[data["sample"] <= 26]
    # the book computes the limits from the rounded centre line, hence the 0.01 tolerance
    row = evaluate_spc(first26, "count", x="sample", chart="c", rules="anhoej").summary().iloc[0]
    assert (row["centre_line"], row["ucl"], row["lcl"]) == pytest.approx((19.85, 33.22, 6.48), abs=0.01)
    assert row["ucl"] == pytest.approx(row["centre_line"] + 3 * math.sqrt(row["centre_line"]))
    row = evaluate_spc(first26, "count", x="sample", chart="c", rules="anhoej", exclude=[6, 20]).summary().iloc[0]
    assert (row["centre_line"], row["ucl"], row["lcl"]) == pytest.approx((19.67, 32.97, 6.36), abs=0.01)


def test_montgomery_example_6_3_xbar_and_s_charts():
    data = _read_qic("input_montgomery_tbl_06.03.csv")
    xbar = evaluate_spc(data, "obs", x="sample", chart="xbar", rules="anhoej").summary().iloc[0]
    assert (xbar["centre_line"], xbar["ucl"], xbar["lcl"]) == pytest.approx((74.001, 74.014, 73.988), abs=6e-4)
    s = evaluate_spc(data, "obs", x="sample", chart="s", rules="anhoej").summary().iloc[0]
    assert (s["centre_line"], s["ucl"], s["lcl"]) == pytest.approx((0.0094, 0.0196, 0.0), abs=6e-5)


def _c4(n: int) -> float:
    return math.sqrt(2 / (n - 1)) * math.gamma(n / 2) / math.gamma((n - 1) / 2)


def test_montgomery_example_6_4_variable_subgroup_sizes_against_formulas():
    data = _read_qic("input_montgomery_tbl_06.04.csv")
    groups = data.groupby("sample")["obs"]
    size, mean, sd = groups.count(), groups.mean(), groups.std()
    grand = (size * mean).sum() / size.sum()
    pooled = math.sqrt(((size - 1) * sd**2).sum() / (size - 1).sum())
    assert grand == pytest.approx(74.001, abs=6e-4) and pooled == pytest.approx(0.0103, abs=6e-5)  # Montgomery

    xbar = evaluate_spc(data, "obs", x="sample", chart="xbar", rules="anhoej").points
    s = evaluate_spc(data, "obs", x="sample", chart="s", rules="anhoej").points
    for row_x, row_s in zip(xbar.itertuples(), s.itertuples(), strict=False):
        n = int(row_x.n)
        c4 = _c4(n)
        c5 = math.sqrt(1 - c4**2)
        assert row_x.value == pytest.approx(mean[row_x.x])
        assert row_x.centre_line == pytest.approx(grand)
        assert row_x.ucl == pytest.approx(grand + 3 * pooled / (c4 * math.sqrt(n)))
        assert row_x.lower_2sigma == pytest.approx(grand - 2 * pooled / (c4 * math.sqrt(n)))
        assert row_s.value == pytest.approx(sd[row_s.x])
        assert row_s.centre_line == pytest.approx(pooled)
        assert row_s.ucl == pytest.approx(pooled * (1 + 3 * c5 / c4))
        assert row_s.lcl == pytest.approx(pooled * max(0.0, 1 - 3 * c5 / c4))


def test_xbar_skips_missing_observations_and_says_so():
    data = _read_qic("input_montgomery_NA_test.csv")
    result = evaluate_spc(data, "obs", x="sample", chart="xbar", rules="anhoej")
    clean = data.dropna()
    assert len(result.points) == clean["sample"].nunique()
    assert result.points["n"].sum() == len(clean)
    assert any("missing observation" in m for m in result.messages)
    assert any("missing 'sample'" in m for m in result.messages)


# --- Anhoej runs analysis ---------------------------------------------------------------------------------


def test_anhoej_limits_reproduce_the_critical_value_table():
    table = pd.read_csv(_need(SPC_REF / "anhoej_critical_values_10_100.csv"))
    n = table["n.useful"].to_numpy()
    assert np.array_equal(anhoej_longest_run_limit(n), table["longest.run.max"].to_numpy())
    assert np.array_equal(anhoej_crossings_limit(n), table["n.crossings.min"].to_numpy())


def test_anhoej_summary_uses_the_same_limits_and_ignores_points_on_the_centre_line():
    # 22 points with mean 0; the point on the mean is ignored, so 21 useful points
    values = [2, 2, 2, -2, -2, -2] * 3 + [-2, 0, -2, 4]
    result = evaluate_spc(_simple(values), "y", chart="i", rules="anhoej")
    row = result.summary().iloc[0]
    assert row["centre_line"] == 0
    assert row["n_useful"] == 21
    assert row["longest_run"] == 5  # -2 -2 -2 -2 [0 ignored] -2
    assert row["longest_run_limit"] == anhoej_longest_run_limit(21) == 7
    assert row["crossings"] == 6
    assert row["crossings_limit"] == anhoej_crossings_limit(21) == 6
    assert not row["runs_signal"]


def test_anhoej_long_run_and_few_crossings():
    long_run = [1.0, -1.0] * 6 + [2.0] * 8  # 20 useful points, limit 7, run of 8
    r = evaluate_spc(_simple(long_run), "y", chart="run", rules="anhoej")
    assert r.points["rule_long_run"].tolist() == [False] * 12 + [True] * 8
    assert r.summary()["runs_signal"].iloc[0]
    assert (r.points.loc[r.points["rule_long_run"], "point_type"] == "special_cause_improvement").all()

    few = [1.0] * 10 + [-1.0] * 10  # one crossing, limit qbinom(0.05, 19, 0.5) = 6
    r = evaluate_spc(_simple(few), "y", chart="run", rules="anhoej")
    assert r.points["rule_few_crossings"].all()
    row = r.summary().iloc[0]
    assert row["crossings"] == 1 and row["crossings_limit"] == 6 and row["runs_signal"]


# --- rules on tiny hand-made vectors ------------------------------------------------------------------------


def _rule_input(values, *, shift_length=6, trend_length=6, segment=None, included=None) -> spc_rules.RuleInput:
    """Centre line 0 and sigma 1: lines at +/-1, +/-2, +/-3."""
    v = np.asarray(values, dtype=float)
    one = np.ones_like(v)
    return spc_rules.RuleInput(
        v,
        0 * one,
        -3 * one,
        3 * one,
        -1 * one,
        1 * one,
        -2 * one,
        2 * one,
        np.zeros(v.size, int) if segment is None else np.asarray(segment),
        np.zeros(v.size, int),
        1,
        np.ones(v.size, bool) if included is None else np.asarray(included),
        shift_length,
        trend_length,
    )


def _flags(rule, values, **kw):
    bits = rule(_rule_input(values, **kw))
    return np.flatnonzero(bits).tolist(), bits


def test_rule_outside_limits():
    idx, bits = _flags(spc_rules.rule_outside_limits, [0, 0.5, 3.5, -0.2, -3.2, 3.0])
    assert idx == [2, 4]  # a point exactly on the limit is not beyond it
    assert bits[2] == spc_rules.HIGH and bits[4] == spc_rules.LOW


def test_rule_shift():
    assert _flags(spc_rules.rule_shift, [0.5] * 6 + [-0.5])[0] == [0, 1, 2, 3, 4, 5]
    assert _flags(spc_rules.rule_shift, [0.5] * 5 + [-0.5])[0] == []
    assert _flags(spc_rules.rule_shift, [-0.5] * 6, shift_length=7)[0] == []
    assert _flags(spc_rules.rule_shift, [0.5] * 3 + [0.0] + [0.5] * 3)[0] == []  # a point on the mean breaks it
    assert _flags(spc_rules.rule_shift, [0.5] * 6, segment=[0, 0, 0, 1, 1, 1])[0] == []  # never across segments


def test_rule_trend():
    idx, bits = _flags(spc_rules.rule_trend, [1, 2, 3, 4, 5, 6, 0])
    assert idx == [0, 1, 2, 3, 4, 5] and (bits[:6] == spc_rules.HIGH).all()
    assert _flags(spc_rules.rule_trend, [1, 2, 3, 4, 5])[0] == []
    assert _flags(spc_rules.rule_trend, [1, 2, 3, 3, 4, 5, 6])[0] == []  # no pauses
    idx, bits = _flags(spc_rules.rule_trend, [6, 5, 4, 3, 2, 1, 2, 3, 4, 5, 6])
    assert idx == list(range(11)) and bits[5] == spc_rules.HIGH | spc_rules.LOW  # the turning point


def test_rule_two_of_three():
    assert _flags(spc_rules.rule_two_of_three, [2.5, 0.5, 2.5, 0.0, 0.0])[0] == [0, 2]
    assert _flags(spc_rules.rule_two_of_three, [2.5, -0.5, 2.5])[0] == []  # all three on one side
    assert _flags(spc_rules.rule_two_of_three, [2.5, 3.5, 0.5])[0] == []  # beyond the limit does not count
    idx, bits = _flags(spc_rules.rule_two_of_three, [-2.5, -2.5, -2.5])
    assert idx == [0, 1, 2] and (bits == spc_rules.LOW).all()


def test_mdc_rules_end_to_end_on_tiny_vectors():
    flat = [12.0, 10.0] * 5
    r = evaluate_spc(_simple(flat + [11.5] * 6), "y", min_points=0)
    assert r.points["rule_shift"].tolist() == [False] * 10 + [True] * 6
    r = evaluate_spc(_simple(flat + [8, 9, 10, 11, 12, 13]), "y", min_points=0, improvement_direction="decrease")
    assert r.points["rule_trend"].tolist()[-6:] == [True] * 6
    assert r.points["point_type"].iloc[-1] == "special_cause_concern"


def test_western_electric_rules():
    assert _flags(spc_rules.rule_two_of_three_beyond_2sigma, [2.5, 0.0, 3.5, 0.0])[0] == [0, 2]
    assert _flags(spc_rules.rule_two_of_three_beyond_2sigma, [2.5, 0.0, 0.0, 2.5])[0] == []
    assert _flags(spc_rules.rule_four_of_five_beyond_1sigma, [1.5, 1.5, 0.0, 1.5, 1.5])[0] == [0, 1, 3, 4]
    assert _flags(spc_rules.rule_four_of_five_beyond_1sigma, [1.5, 1.5, 0.0, 0.0, 1.5, 1.5])[0] == []
    assert _flags(spc_rules.rule_eight_same_side, [0.1] * 8)[0] == list(range(8))
    assert _flags(spc_rules.rule_eight_same_side, [0.1] * 7)[0] == []


def test_nelson_rules():
    assert _flags(spc_rules.rule_nine_same_side, [-0.3] * 9 + [0.3])[0] == list(range(9))
    assert _flags(spc_rules.rule_nine_same_side, [-0.3] * 8)[0] == []
    assert _flags(spc_rules.rule_six_trend, [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])[0] == list(range(6))
    alternating = [0.1, -0.1] * 7
    idx, bits = _flags(spc_rules.rule_fourteen_alternating, alternating + [-0.2])
    assert idx == list(range(14)) and (bits[:14] == spc_rules.UNDIRECTED).all()
    assert _flags(spc_rules.rule_fourteen_alternating, alternating[:13])[0] == []
    within = [0.5, -0.5, 0.2, 0.9, -0.9] * 3
    assert _flags(spc_rules.rule_fifteen_within_1sigma, within)[0] == list(range(15))
    assert _flags(spc_rules.rule_fifteen_within_1sigma, within[:14])[0] == []
    mixture = [1.5, -1.5, 1.5, 1.5, -1.5, 1.5, -1.5, 1.5]
    assert _flags(spc_rules.rule_eight_beyond_1sigma, mixture)[0] == list(range(8))
    assert _flags(spc_rules.rule_eight_beyond_1sigma, [1.5] * 8)[0] == []  # needs both sides
    assert _flags(spc_rules.rule_eight_beyond_1sigma, mixture[:4] + [0.5] + mixture[4:])[0] == []


def test_nelson_rule_set_end_to_end_has_one_column_per_rule():
    values = [0.1, -0.1] * 7 + [-0.2]
    r = evaluate_spc(_simple(values), "y", chart="i", rules="nelson")
    rule_columns = [c for c in r.points.columns if c.startswith("rule_")]
    assert rule_columns == list(RULE_SETS["nelson"].rules)
    assert r.points["rule_fourteen_alternating"].sum() == 14
    assert set(r.points.loc[r.points["rule_fourteen_alternating"], "point_type"]) == {"special_cause_neither"}
    assert {"lower_1sigma", "upper_1sigma"} <= set(r.points.columns)


# --- charts against hand-computed formulas ---------------------------------------------------------------------


COUNTS = [12, 15, 8, 10, 4, 7, 16, 9, 13, 11]
SIZES = [50, 60, 40, 55, 45, 50, 65, 52, 58, 47]


def test_p_chart_per_point_limits():
    r = evaluate_spc(_simple(COUNTS, n=SIZES), "y", n="n", chart="p", rules="anhoej")
    pbar = sum(COUNTS) / sum(SIZES)
    for row, n in zip(r.points.itertuples(), SIZES, strict=False):
        s = math.sqrt(pbar * (1 - pbar) / n)
        assert row.centre_line == pytest.approx(pbar)
        assert row.ucl == pytest.approx(min(1.0, pbar + 3 * s))
        assert row.lcl == pytest.approx(max(0.0, pbar - 3 * s))
        assert row.upper_2sigma == pytest.approx(pbar + 2 * s)


def _laney_sigma_z(values, centre, sigmas):
    z = [(v - centre) / s for v, s in zip(values, sigmas, strict=False)]
    mr = [abs(b - a) for a, b in zip(z, z[1:], strict=False)]
    return sum(mr) / len(mr) / 1.128


def test_laney_p_prime_chart():
    r = evaluate_spc(_simple(COUNTS, n=SIZES), "y", n="n", chart="pp", rules="anhoej")
    pbar = sum(COUNTS) / sum(SIZES)
    sig = [math.sqrt(pbar * (1 - pbar) / n) for n in SIZES]
    sz = _laney_sigma_z([c / n for c, n in zip(COUNTS, SIZES, strict=False)], pbar, sig)
    for row, s in zip(r.points.itertuples(), sig, strict=False):
        assert row.ucl == pytest.approx(min(1.0, pbar + 3 * s * sz))
        assert row.lcl == pytest.approx(max(0.0, pbar - 3 * s * sz))


def test_laney_u_prime_chart():
    r = evaluate_spc(_simple(COUNTS, n=SIZES), "y", n="n", chart="up", rules="anhoej", multiply=100)
    ubar = sum(COUNTS) / sum(SIZES)
    sig = [math.sqrt(ubar / n) for n in SIZES]
    sz = _laney_sigma_z([c / n for c, n in zip(COUNTS, SIZES, strict=False)], ubar, sig)
    for row, s, c, n in zip(r.points.itertuples(), sig, COUNTS, SIZES, strict=False):
        assert row.value == pytest.approx(100 * c / n)
        assert row.centre_line == pytest.approx(100 * ubar)
        assert row.ucl == pytest.approx(100 * (ubar + 3 * s * sz))
        assert row.lcl == pytest.approx(100 * max(0.0, ubar - 3 * s * sz))


def test_laney_u_prime_with_screened_moving_ranges():
    counts = COUNTS[:5] + [60] + COUNTS[6:]
    plain = evaluate_spc(_simple(counts, n=SIZES), "y", n="n", chart="up", rules="anhoej")
    screened = evaluate_spc(_simple(counts, n=SIZES), "y", n="n", chart="up", rules="anhoej", screen_outliers=True)
    ubar = sum(counts) / sum(SIZES)
    sig = [math.sqrt(ubar / n) for n in SIZES]
    z = [(c / n - ubar) / s for c, n, s in zip(counts, SIZES, sig, strict=False)]
    mr = [abs(b - a) for a, b in zip(z, z[1:], strict=False)]
    kept = [m for m in mr if m < 3.267 * sum(mr) / len(mr)]
    sz = sum(kept) / len(kept) / 1.128
    assert screened.points["ucl"].iloc[0] == pytest.approx(ubar + 3 * sig[0] * sz)
    assert screened.points["ucl"].iloc[0] < plain.points["ucl"].iloc[0]
    assert any("screened out" in m for m in screened.messages)


def test_c_chart():
    counts = [3, 5, 2, 7, 4, 6, 1, 3]
    r = evaluate_spc(_simple(counts), "y", chart="c", rules="anhoej")
    cbar = sum(counts) / len(counts)
    row = r.summary().iloc[0]
    assert (row["centre_line"], row["ucl"], row["lcl"]) == pytest.approx(
        (cbar, cbar + 3 * math.sqrt(cbar), max(0.0, cbar - 3 * math.sqrt(cbar)))
    )


def test_g_chart_median_centre_line_and_mean_based_limits():
    gaps = [10, 25, 3, 40, 12, 7, 30]
    r = evaluate_spc(_simple(gaps), "y", chart="g", rules="anhoej")
    m = sum(gaps) / len(gaps)
    row = r.summary().iloc[0]
    assert row["centre_line"] == pytest.approx(12)  # the median
    assert row["ucl"] == pytest.approx(m + 3 * math.sqrt(m * (m + 1)))
    assert row["lcl"] == 0
    assert row["upper_2sigma"] == pytest.approx(m + 2 * math.sqrt(m * (m + 1)))


def test_t_chart_on_montgomery_table_7_14():
    data = _read_qic("input_montgomery_tbl_07.14.csv")
    r = evaluate_spc(data, "hours", x="failure", chart="t", rules="anhoej")
    t = [h ** (1 / 3.6) for h in data["hours"]]
    m = sum(t) / len(t)
    amr = sum(abs(b - a) for a, b in zip(t, t[1:], strict=False)) / (len(t) - 1)
    row = r.summary().iloc[0]
    assert row["centre_line"] == pytest.approx(m**3.6)
    assert row["ucl"] == pytest.approx((m + 3 * amr / 1.128) ** 3.6)
    lower = m - 3 * amr / 1.128
    assert row["lcl"] == pytest.approx(lower**3.6 if lower > 0 else 0.0)
    assert r.points["value"].tolist() == pytest.approx(data["hours"].tolist())


def test_i_chart_with_and_without_moving_range_screening():
    data = _read_qic("input_rnorm24_seed2_outlier12.csv")
    y = data["y"].tolist()
    mr = [abs(b - a) for a, b in zip(y, y[1:], strict=False)]
    amr = sum(mr) / len(mr)
    kept = [v for v in mr if v < 3.267 * amr]
    mean = sum(y) / len(y)
    plain = evaluate_spc(data, "y", x="i", chart="i", rules="anhoej", screen_outliers=False).summary().iloc[0]
    assert plain["ucl"] == pytest.approx(mean + 3 * amr / MR_TO_SIGMA)
    screened = evaluate_spc(data, "y", x="i", chart="i", rules="anhoej", screen_outliers=True)
    assert screened.summary()["ucl"].iloc[0] == pytest.approx(mean + 3 * (sum(kept) / len(kept)) / MR_TO_SIGMA)
    # qicharts2's qic.i always screens (Nelson 1982), so the I chart does by default; MDC's XmR does not
    default = evaluate_spc(data, "y", x="i", chart="i", rules="anhoej")
    assert default.summary()["ucl"].iloc[0] == screened.summary()["ucl"].iloc[0]
    assert len(kept) == len(mr) - 2
    xmr = evaluate_spc(data, "y", x="i", chart="xmr", rules="anhoej").summary().iloc[0]
    assert xmr["ucl"] == pytest.approx(mean + XMR_LIMIT_FACTOR * amr)


def test_mr_and_run_charts():
    values = [5.0, 7.0, 6.0, 9.0, 4.0, 8.0]
    mr = evaluate_spc(_simple(values), "y", chart="mr", rules="anhoej")
    ranges = [2, 1, 3, 5, 4]
    assert mr.points["value"].tolist()[1:] == ranges
    assert mr.summary()["centre_line"].iloc[0] == pytest.approx(3.0)
    assert mr.summary()["ucl"].iloc[0] == pytest.approx(3.267 * 3.0)
    run = evaluate_spc(_simple(values), "y", chart="run", rules="anhoej")
    assert run.summary()["centre_line"].iloc[0] == pytest.approx(6.5)
    assert run.points["ucl"].isna().all()


def test_u_chart_on_qicharts2_cdi_with_a_recalculation():
    data = _read_qic("input_dataset_cdi.csv")
    data["month"] = pd.to_datetime(data["month"])
    start = data.loc[data["period"] == "post", "month"].min()
    r = evaluate_spc(data, "n", n="days", x="month", chart="u", multiply=10_000, recalculate_at=start, rules="anhoej")
    for phase, part in zip((1, 2), (data[data["month"] < start], data[data["month"] >= start]), strict=False):
        ubar = part["n"].sum() / part["days"].sum()
        got = r.points[r.points["phase"] == phase]
        assert got["centre_line"].to_numpy() == pytest.approx(10_000 * ubar)
        expected_ucl = 10_000 * (ubar + 3 * np.sqrt(ubar / part["days"].to_numpy()))
        expected_lcl = 10_000 * np.maximum(0, ubar - 3 * np.sqrt(ubar / part["days"].to_numpy()))
        assert got["ucl"].to_numpy() == pytest.approx(expected_ucl)
        assert got["lcl"].to_numpy() == pytest.approx(expected_lcl)


def test_laney_p_prime_on_qicharts2_nhs_accidents():
    data = _read_qic("input_dataset_nhs_accidents.csv")
    p = evaluate_spc(data, "r", n="n", x="i", chart="p", rules="anhoej")
    pp = evaluate_spc(data, "r", n="n", x="i", chart="pp", rules="anhoej")
    # huge denominators: the p chart flags most points, Laney's p' chart does not
    assert p.summary()["n_outside_limits"].iloc[0] > 10
    pbar = data["r"].sum() / data["n"].sum()
    sig = np.sqrt(pbar * (1 - pbar) / data["n"].to_numpy())
    sz = _laney_sigma_z((data["r"] / data["n"]).tolist(), pbar, sig.tolist())
    assert pp.points["ucl"].to_numpy() == pytest.approx(pbar + 3 * sig * sz)


# --- options -------------------------------------------------------------------------------------------------


def test_baseline_applies_to_each_phase():
    values = [10, 12, 11, 13, 12, 30, 31, 29, 32, 28, 50, 52]
    r = evaluate_spc(_simple(values), "y", chart="i", rules="anhoej", baseline=3, recalculate_at=6)
    s = r.summary()
    assert s["centre_line"].tolist() == pytest.approx([11.0, 30.0])
    assert s["n_used_for_limits"].tolist() == [3, 3]
    assert r.points["used_for_limits"].tolist() == [True] * 3 + [False] * 2 + [True] * 3 + [False] * 4


def test_multiple_recalculations_and_recalculation_before_the_start():
    values = list(range(1, 31))
    r = evaluate_spc(_simple(values), "y", chart="i", rules="anhoej", recalculate_at=[11, 21])
    assert r.points["phase"].tolist() == [1] * 10 + [2] * 10 + [3] * 10
    r = evaluate_spc(_simple(values), "y", chart="i", rules="anhoej", recalculate_at=0)
    assert r.points["phase"].eq(1).all()
    assert any("starts no new phase" in m for m in r.messages)


def test_dates_are_sorted_and_recalculation_takes_the_first_date_on_or_after():
    dates = pd.date_range("2024-01-01", periods=20, freq="MS")
    frame = pd.DataFrame({"month": dates, "y": np.arange(20.0)}).iloc[::-1]
    r = evaluate_spc(frame, "y", x="month", chart="i", rules="anhoej", recalculate_at="2024-06-15")
    assert r.points["x"].is_monotonic_increasing
    assert r.points.loc[r.points["phase"] == 2, "x"].iloc[0] == pd.Timestamp("2024-07-01")
    assert any("sorted" in m for m in r.messages)


def test_missing_values_are_skipped_counted_and_reported():
    values = [5.0, np.nan, 6.0, 7.0, np.nan, 6.5, 5.5, 6.0, 7.5, 5.0, 6.0, 6.5, 7.0, 5.5, 6.0]
    frame = _simple(values, month=pd.date_range("2024-01-01", periods=15, freq="MS"))
    r = evaluate_spc(frame, "y", x="month")
    assert len(r.points) == 13
    assert any("2 missing values" in m and "2024-02-01" in m for m in r.messages)
    # moving ranges next to a gap are undefined (qicharts2, NHSRplotthedots) unless mr_across_gaps
    v = np.array(values)
    mr = np.abs(np.diff(v))
    amr = np.nanmean(mr)
    assert r.summary()["ucl"].iloc[0] == pytest.approx(np.nanmean(v) + XMR_LIMIT_FACTOR * amr)
    bridged = evaluate_spc(frame, "y", x="month", mr_across_gaps=True)
    kept = v[~np.isnan(v)]
    assert bridged.summary()["ucl"].iloc[0] == pytest.approx(
        kept.mean() + XMR_LIMIT_FACTOR * np.abs(np.diff(kept)).mean()
    )


def test_exclude_by_position_when_there_is_no_x_column():
    values = [10, 11, 10, 50, 11, 10, 12, 11]
    r = evaluate_spc(_simple(values), "y", chart="i", rules="anhoej", exclude=4)
    kept = [10, 11, 10, 11, 10, 12, 11]
    assert r.summary()["centre_line"].iloc[0] == pytest.approx(sum(kept) / len(kept))
    assert r.points["excluded"].tolist() == [False, False, False, True] + [False] * 4
    assert r.points["rule_outside_limits"].iloc[3]


def test_integers_are_positions_when_x_is_dates():
    frame = pd.DataFrame({"d": pd.date_range("2024-01-01", periods=20, freq="MS"), "y": np.arange(20.0)})
    r = evaluate_spc(frame, "y", x="d", chart="i", rules="anhoej", exclude=[3, "2024-05-01"], recalculate_at=11)
    assert r.points.loc[r.points["excluded"], "x"].tolist() == [pd.Timestamp("2024-03-01"), pd.Timestamp("2024-05-01")]
    assert r.points.loc[r.points["phase"] == 2, "x"].iloc[0] == pd.Timestamp("2024-11-01")


def test_specification_and_result_shape():
    r = evaluate_spc(_simple([1.0, 2.0, 3.0]), "y", chart="i", rules="anhoej", target=2.5)
    assert isinstance(r, SpcResult)
    assert r.specification["chart"] == "i" and r.specification["rules"] == "anhoej"
    assert r.specification["target"] == 2.5 and r.specification["y"] == "y"
    expected_points = [
        "x",
        "y",
        "n",
        "value",
        "phase",
        "centre_line",
        "lcl",
        "ucl",
        "lower_2sigma",
        "upper_2sigma",
        "excluded",
        "used_for_limits",
        "rule_outside_limits",
        "rule_long_run",
        "rule_few_crossings",
        "special_cause",
        "point_type",
    ]
    assert list(r.points.columns) == expected_points
    for column in (
        "phase",
        "n_points",
        "n_useful",
        "centre_line",
        "lcl",
        "ucl",
        "longest_run",
        "longest_run_limit",
        "crossings",
        "crossings_limit",
        "runs_signal",
        "variation_type",
        "assurance_type",
    ):
        assert column in r.summary().columns
    assert r.points["x"].tolist() == [1, 2, 3]


def test_improvement_direction_neither_gives_purple():
    values = [10.0, 12.0] * 5 + [30.0]
    r = evaluate_spc(_simple(values), "y", chart="i", rules="anhoej", improvement_direction="neither")
    assert r.points["point_type"].iloc[-1] == "special_cause_neither"
    assert r.summary()["variation_direction"].iloc[0] == "high"


# --- bad input ----------------------------------------------------------------------------------------------


def test_unknown_chart_and_rule_names_list_the_known_names():
    with pytest.raises(ParameterError) as err:
        evaluate_spc(_simple([1, 2, 3]), "y", chart="xyz")
    for name in CHARTS:
        assert name in str(err.value)
    with pytest.raises(ParameterError) as err:
        evaluate_spc(_simple([1, 2, 3]), "y", rules="westgard")
    for name in RULE_SETS:
        assert name in str(err.value)
    with pytest.raises(ParameterError, match="improvement_direction"):
        evaluate_spc(_simple([1, 2, 3]), "y", improvement_direction="up")
    with pytest.raises(ParameterError, match="conflict"):
        evaluate_spc(_simple([1, 2, 3]), "y", conflict="blue")


def test_missing_columns_and_chart_denominator_rules():
    with pytest.raises(ParameterError, match="column 'z'"):
        evaluate_spc(_simple([1, 2, 3]), "z")
    with pytest.raises(ParameterError, match="needs a denominator"):
        evaluate_spc(_simple([1, 2, 3]), "y", chart="p")
    with pytest.raises(ParameterError, match="takes no denominator"):
        evaluate_spc(_simple([1, 2, 3], n=[5, 5, 5]), "y", n="n", chart="c")


def test_negative_count_names_column_and_row():
    frame = _simple([3, 4, -1, 2], n=[10, 10, 10, 10])
    with pytest.raises(DataValidationError) as err:
        evaluate_spc(frame, "y", n="n", chart="u")
    assert err.value.column == "y" and err.value.row == 2
    assert "row 2" in str(err.value) and "column 'y'" in str(err.value) and "negative" in str(err.value)


def test_numerator_above_denominator_for_p_charts():
    frame = _simple([3, 12, 1], n=[10, 10, 10], month=pd.date_range("2024-01-01", periods=3, freq="MS"))
    with pytest.raises(DataValidationError) as err:
        evaluate_spc(frame, "y", n="n", x="month", chart="pp")
    assert err.value.row == 1 and "2024-02-01" in str(err.value) and "larger than its denominator" in str(err.value)


def test_zero_denominator_is_an_error_and_missing_denominator_is_skipped():
    with pytest.raises(DataValidationError) as err:
        evaluate_spc(_simple([1, 2, 3], n=[5, 0, 5]), "y", n="n", chart="p")
    assert err.value.column == "n" and err.value.row == 1 and "zero" in str(err.value)
    r = evaluate_spc(_simple([1, 2, 3], n=[5, np.nan, 5]), "y", n="n", chart="p", rules="anhoej")
    assert len(r.points) == 2 and any("missing value" in m for m in r.messages)


def test_duplicated_x_names_the_value():
    frame = pd.DataFrame({"week": [1, 2, 2, 3], "y": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(DataValidationError) as err:
        evaluate_spc(frame, "y", x="week")
    assert "x value 2 appears 2 times" in str(err.value) and err.value.column == "week"


def test_non_numeric_values_and_non_positive_times():
    with pytest.raises(DataValidationError, match="not a number"):
        evaluate_spc(pd.DataFrame({"y": ["1", "two", "3"]}), "y")
    with pytest.raises(DataValidationError, match="not positive"):
        evaluate_spc(_simple([5, 0, 3]), "y", chart="t")


def test_no_points_at_all():
    with pytest.raises(InsufficientDataError):
        evaluate_spc(_simple([np.nan, np.nan]), "y")


def test_bad_option_values():
    with pytest.raises(ParameterError, match="exclude"):
        evaluate_spc(_simple([1, 2, 3]), "y", exclude=[7])
    with pytest.raises(ParameterError, match="recalculate_at"):
        evaluate_spc(_simple([1, 2, 3]), "y", recalculate_at=9)
    with pytest.raises(ParameterError, match="shift_length"):
        evaluate_spc(_simple([1, 2, 3]), "y", shift_length=0)
    with pytest.raises(ParameterError, match="multiply"):
        evaluate_spc(_simple([1, 2, 3]), "y", multiply=-1)


# --- many series ------------------------------------------------------------------------------------------------


def _assert_same(many_result, key, single):
    got = many_result.series(key)
    pd.testing.assert_frame_equal(got.points, single.points)
    pd.testing.assert_frame_equal(got.summary(), single.summary())
    assert got.messages == single.messages


def test_evaluate_spc_many_equals_evaluate_spc_per_series_on_hospital_infections():
    data = _read_qic("input_dataset_hospital_infections.csv")
    data["month"] = pd.to_datetime(data["month"])
    options = dict(chart="u", multiply=10_000, target=5.0, recalculate_at="2016-01-01")
    many = evaluate_spc_many(data, "n", n="days", x="month", by=["hospital", "infection"], **options)
    assert len(many) == data.groupby(["hospital", "infection"]).ngroups
    for key in many.keys():
        part = data[(data["hospital"] == key[0]) & (data["infection"] == key[1])]
        _assert_same(many, key, evaluate_spc(part, "n", n="days", x="month", **options))


@pytest.mark.parametrize("rules", sorted(RULE_SETS))
def test_evaluate_spc_many_equals_evaluate_spc_with_per_series_options(rules):
    rng = np.random.default_rng(7)
    frames = []
    for k, size in enumerate([30, 12, 25, 40]):
        values = rng.normal(50, 5, size).round(1)
        values[rng.integers(0, size)] = np.nan
        frames.append(pd.DataFrame({"unit": f"u{k}", "t": np.arange(1, size + 1), "y": values}))
    data = pd.concat(frames, ignore_index=True).sample(frac=1, random_state=1)
    recalc = {"u0": 16, "u3": [10, 30]}
    exclude = {"u2": [3, 4]}
    target = {"u0": 45.0, "u1": 60.0}
    many = evaluate_spc_many(
        data,
        "y",
        by="unit",
        x="t",
        rules=rules,
        recalculate_at=recalc,
        exclude=exclude,
        target=target,
        screen_outliers=True,
    )
    for key in many.keys():
        part = data[data["unit"] == key]
        single = evaluate_spc(
            part,
            "y",
            x="t",
            rules=rules,
            recalculate_at=recalc.get(key),
            exclude=exclude.get(key),
            target=target.get(key),
            screen_outliers=True,
        )
        _assert_same(many, key, single)
    assert any(m.startswith("[u1]") for m in many.messages)


def test_evaluate_spc_many_needs_by_and_rejects_unknown_options():
    data = pd.DataFrame({"g": ["a", "a"], "y": [1.0, 2.0]})
    with pytest.raises(ParameterError):
        evaluate_spc_many(data, "y", by=[])
    with pytest.raises(ParameterError, match="unknown option"):
        evaluate_spc_many(data, "y", by="g", colour="red")


def test_evaluate_spc_many_uses_the_defaults_of_evaluate_spc():
    data = pd.DataFrame({"g": ["a"] * 15, "y": np.arange(15.0) % 4})
    many = evaluate_spc_many(data, "y", by="g").specification
    single = evaluate_spc(data, "y").specification
    assert {k: v for k, v in many.items() if k != "by"} == dict(single)


def test_improvement_directions_are_the_shared_vocabulary():
    from pss_analysis import vocabulary
    from pss_analysis.methods.spc import IMPROVEMENT_DIRECTIONS

    assert IMPROVEMENT_DIRECTIONS is vocabulary.IMPROVEMENT_DIRECTIONS
    for direction in IMPROVEMENT_DIRECTIONS:
        r = evaluate_spc(_simple([1, 2, 3]), "y", improvement_direction=direction)
        assert r.specification["improvement_direction"] == direction


# --- figures -------------------------------------------------------------------------------------------------------


def _texts(fig) -> set[str]:
    return {t.get_text() for ax in fig.axes for t in ax.texts} | {t.get_text() for t in fig.texts}


def test_spc_figure_draws_points_lines_and_icons():
    from matplotlib.figure import Figure

    from pss_analysis.reporting.figures.spc import spc_figure

    frame = _mdc_frame(_mdc_case("Summary icons - assurance - high is good"))
    result = evaluate_spc(frame, "value", x="date", target=10, recalculate_at=frame["date"].iloc[15])
    assert result.summary()["assurance_type"].iloc[-1] == "pass"
    fig = spc_figure(result, title="Test chart", ylabel="Count", annotations={frame["date"].iloc[3]: "note"})
    assert isinstance(fig, Figure) and fig.dpi == 100
    texts = _texts(fig)
    assert {"Test chart", "note", "Phase 2"} <= texts
    summary = result.summary().iloc[-1]
    letter = {"high": "H", "low": "L"}.get(summary["variation_direction"])
    if letter:
        assert letter in texts
    assert {"pass": "P", "fail": "F", "hit_or_miss": "?"}[summary["assurance_type"]] in texts
    fig.savefig(io.BytesIO(), format="png")


def test_spc_small_multiples_grid():
    from pss_analysis.reporting.figures.spc import spc_small_multiples

    rng = np.random.default_rng(3)
    data = pd.DataFrame({"g": np.repeat(list("abcde"), 20), "y": rng.normal(10, 1, 100)})
    many = evaluate_spc_many(data, "y", by="g", target=9.0)
    fig = spc_small_multiples({k: many.series(k) for k in many.keys()}, ncols=3)
    titles = {ax.get_title(loc="left") for ax in fig.axes}
    assert set("abcde") <= titles
    fig_many = spc_small_multiples(many, ncols=2)
    assert {ax.get_title(loc="left") for ax in fig_many.axes} >= set("abcde")
    fig.savefig(io.BytesIO(), format="png")
