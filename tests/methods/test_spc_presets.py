"""SPC presets (``evaluate_spc(preset=...)``): each one reproduces its tool with no other option.

- ``mdc_excel``: the 35 Making Data Count test cases (``../shared/reference/spc/mdc``), every point's colour.
- ``nhsrplotthedots``: NHSRplotthedots 0.2.x, whose R code (``ptd_spc_standard``, ``ptd_special_cause_type``,
  ``ptd_point_type``) is written out line by line in :func:`_nhsr_point_types` below and run on the same
  35 data sets; plus the 7-point rules, screened moving ranges, phases judged on their own and limits for
  fewer than 13 points.
- ``qicharts2``: qicharts2 0.8.1 after ``library(qicharts2)`` (``qic.screenedmr = TRUE``), on its own data
  sets (``../shared/reference/spc/qicharts2-data``): the I chart, Laney's P' and U' charts with screened
  moving ranges, and the runs analysis within each phase.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import REFERENCE

from pss_analysis.errors import ParameterError
from pss_analysis.methods.spc import evaluate_spc, evaluate_spc_many
from pss_analysis.methods.spc.options import PRESETS

SPC_REF = REFERENCE / "spc"
MDC_JSON = SPC_REF / "mdc" / "mdc_single_chart_tool_v5_test_data.grouped.json"
QIC = SPC_REF / "qicharts2-data"
MDC_COLOURS = {"#A6A6A6": ".", "#00B0F0": "B", "#E46C0A": "O", "#490092": "P"}
SHORT = {"common_cause": ".", "special_cause_improvement": "B", "special_cause_concern": "O"}
SHORT.update(special_cause_neither="P")
MDC_DIRECTION = {"": "increase", "up": "increase", "down": "decrease", "neither": "neither"}
MDC_RECALCULATED = {  # spc README: recalculation starting at point 16
    "Recalculations - Recalculated",
    "Baselines - Recalculated",
    "Special cause crossing recalculations - shift",
    "Special cause crossing recalculations - trend",
    "Special cause crossing recalculations - two-sigma",
}


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"reference file missing: {path}")
    return path


def _mdc_cases() -> list:
    if not MDC_JSON.exists():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"reference file missing: {MDC_JSON}"), id="missing")]
    with MDC_JSON.open(encoding="utf-8") as fh:
        return [pytest.param(case, id=case["metric"]) for case in json.load(fh)]


def _mdc_case(metric: str) -> dict:
    with _need(MDC_JSON).open(encoding="utf-8") as fh:
        return {c["metric"]: c for c in json.load(fh)}[metric]


def _frame(case: dict) -> pd.DataFrame:
    frame = pd.DataFrame(case["data"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _recalc(case: dict, frame: pd.DataFrame):
    return frame["date"].iloc[15] if case["metric"] in MDC_RECALCULATED else None


def _codes(point_types) -> str:
    return "".join(SHORT[t] for t in point_types)


# --- Making Data Count's Excel tool ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", _mdc_cases())
def test_mdc_excel_preset_reproduces_every_point_colour(case):
    frame = _frame(case)
    result = evaluate_spc(
        frame,
        "value",
        x="date",
        preset="mdc_excel",
        improvement_direction=MDC_DIRECTION[case["improvement"]],
        recalculate_at=_recalc(case, frame),
    )
    assert _codes(result.points["point_type"]) == "".join(MDC_COLOURS[p["colour"]] for p in case["data"])


def test_mdc_excel_preset_hides_limits_below_13_points_and_does_not_screen():
    short = evaluate_spc(_frame(_mdc_case("Number of points - 12")), "value", x="date", preset="mdc_excel")
    assert short.points["ucl"].isna().all()
    data = pd.read_csv(_need(QIC / "input_rnorm24_seed2_outlier12.csv"))
    y = data["y"].to_numpy()
    amr = np.abs(np.diff(y)).mean()
    ucl = evaluate_spc(data, "y", x="i", chart="i", preset="mdc_excel").summary()["ucl"].iloc[0]
    assert ucl == pytest.approx(y.mean() + 3 * amr / 1.128)  # every moving range, the outliers' too


# --- NHSRplotthedots 0.2.x ------------------------------------------------------------------------------------


def _nhsr_group(y: np.ndarray) -> dict[str, np.ndarray]:
    """``ptd_spc_standard`` for one rebase group, ``screen_outliers = TRUE``."""
    mean = y.mean()
    mr = np.abs(np.diff(y))
    amr = mr.mean()
    amr = mr[mr < 3.267 * amr].mean()
    lpl, upl = mean - 2.66 * amr, mean + 2.66 * amr
    nlpl, nupl = mean - 2 * (2.66 / 3) * amr, mean + 2 * (2.66 / 3) * amr
    outside = (y > upl) | (y < lpl)
    return {"outside": outside, "rtm": np.sign(y - mean), "close": ~outside & ((y < nlpl) | (y > nupl))}


def _part_of_seven(v: np.ndarray) -> np.ndarray:
    vp = np.concatenate([v, np.zeros(6)])
    return np.array([np.any(np.abs(vp[i : i + 7]) == 1) for i in range(v.size)])


def _seven_one_side(rtm: np.ndarray) -> np.ndarray:
    vp = np.concatenate([np.zeros(6), rtm])
    return np.array([float(np.all(vp[i] == vp[i - 6 : i]) and vp[i] != 0) for i in range(6, vp.size)])


def _seven_trend(y: np.ndarray) -> np.ndarray:
    out = np.zeros(y.size)
    for i in range(6, y.size):
        d = np.sign(np.diff(y[i - 6 : i + 1]))
        out[i] = 1 if np.all(d == 1) else (-1 if np.all(d == -1) else 0)
    return out


def _two_in_three(close: np.ndarray, rtm: np.ndarray) -> np.ndarray:
    vp = np.concatenate([[0, 0], close.astype(float), [0, 0]])
    rp = np.concatenate([[0, 0], rtm, [0, 0]])
    hit = [
        any(vp[i + k : i + k + 3].sum() >= 2 and abs(rp[i + k : i + k + 3].sum()) == 3 for k in range(3))
        for i in range(close.size)
    ]
    return np.array(hit) & close


def _nhsr_point_types(y: np.ndarray, direction: int) -> str:
    """``ptd_special_cause_type`` then ``ptd_point_type`` of one rebase group (NHSRplotthedots 0.2.2)."""
    g = _nhsr_group(y)
    trend = _part_of_seven(_seven_trend(y))
    two = _two_in_three(g["close"], g["rtm"])
    shift = _part_of_seven(_seven_one_side(g["rtm"]))
    sdy = np.sign(np.diff(y))
    right = np.concatenate([trend[1:], [False]]) & trend
    sdy = np.where(right, np.concatenate([sdy, sdy[-1:]]), np.concatenate([[0], sdy]))
    codes = []
    for i in range(y.size):
        if g["outside"][i]:  # case_when: "Above UCL" / "Below LCL" first
            v = g["rtm"][i]
        elif trend[i]:  # then "7 Point Trend (In/Decreasing)"
            v = 1 if sdy[i] == 1 else -1
        elif two[i] or shift[i]:  # then "2 in 3 Above/Below CL", then "7 Points Above/Below CL"
            v = g["rtm"][i]
        else:
            v = 0
        v = v if direction == 0 else v * direction
        codes.append("." if v == 0 else ("P" if direction == 0 else ("B" if v > 0 else "O")))
    return "".join(codes)


@pytest.mark.parametrize("case", _mdc_cases())
def test_nhsrplotthedots_preset_reproduces_its_point_types_on_every_mdc_data_set(case):
    frame = _frame(case)
    direction = MDC_DIRECTION[case["improvement"]]
    recalc = _recalc(case, frame)
    result = evaluate_spc(
        frame, "value", x="date", preset="nhsrplotthedots", improvement_direction=direction, recalculate_at=recalc
    )
    sign = {"increase": 1, "decrease": -1, "neither": 0}[direction]
    y = frame["value"].to_numpy(dtype=float)
    groups = [y[:15], y[15:]] if recalc is not None else [y]
    expected = "".join(_nhsr_point_types(part, sign) for part in groups)  # every rebase group on its own
    assert _codes(result.points["point_type"]) == expected


def test_nhsrplotthedots_preset_needs_seven_points_for_a_shift_and_a_trend():
    base = [10.0, 12, 9, 11, 13, 8, 10, 12, 9, 11, 10, 12, 9, 11]
    six = pd.DataFrame({"y": base + [13.0] * 6 + [10, 12, 9]})
    seven = pd.DataFrame({"y": base + [13.0] * 7 + [10, 12]})
    assert not evaluate_spc(six, "y", preset="nhsrplotthedots").points["rule_shift"].any()
    assert evaluate_spc(six, "y", preset="mdc_excel").points["rule_shift"].sum() == 6
    assert evaluate_spc(seven, "y", preset="nhsrplotthedots").points["rule_shift"].sum() == 7
    rising6 = pd.DataFrame({"y": base + [9.0, 9.5, 10, 10.5, 11, 11.5] + [10, 12, 9]})
    assert not evaluate_spc(rising6, "y", preset="nhsrplotthedots").points["rule_trend"].any()
    assert evaluate_spc(rising6, "y", preset="mdc_excel").points["rule_trend"].sum() == 6


def test_nhsrplotthedots_preset_gives_limits_below_13_points_with_a_note():
    frame = _frame(_mdc_case("Number of points - 12"))
    result = evaluate_spc(frame, "value", x="date", preset="nhsrplotthedots")
    assert result.points["ucl"].notna().all()
    assert any("trial limits" in m and "12 points" in m for m in result.messages)
    y = frame["value"].to_numpy(dtype=float)
    mr = np.abs(np.diff(y))
    assert result.summary()["ucl"].iloc[0] == pytest.approx(y.mean() + 2.66 * mr[mr < 3.267 * mr.mean()].mean())


def test_nhsrplotthedots_preset_judges_every_phase_on_its_own():
    frame = _frame(_mdc_case("Special cause crossing recalculations - shift"))
    recalc = frame["date"].iloc[15]
    # a 6-point shift across the recalculation: the Excel tool sees it; NHSRplotthedots (even with 6-point
    # rules) judges the phases apart, so no run of 6 on one side of either phase's mean
    across = evaluate_spc(frame, "value", x="date", recalculate_at=recalc, preset="mdc_excel")
    nhsr = evaluate_spc(frame, "value", x="date", recalculate_at=recalc, preset="nhsrplotthedots", shift_length=6)
    assert across.points["rule_shift"].sum() == 6
    assert nhsr.points["rule_shift"].sum() == 0


# --- qicharts2 0.8.1 ------------------------------------------------------------------------------------------


def _screened_mean(mr: np.ndarray) -> float:
    """qicharts2 0.8.1 under qic.screenedmr: drop moving ranges >= 3.267 x their mean, once."""
    mr = mr[np.isfinite(mr)]
    return float(mr[mr < 3.267 * mr.mean()].mean())


def test_qicharts2_preset_i_chart_screens_moving_ranges():
    data = pd.read_csv(_need(QIC / "input_rnorm24_seed2_outlier12.csv"))
    y = data["y"].to_numpy()
    result = evaluate_spc(data, "y", x="i", chart="i", preset="qicharts2")
    row = result.summary().iloc[0]
    assert row["ucl"] == pytest.approx(y.mean() + 3 * _screened_mean(np.abs(np.diff(y))) / 1.128)
    assert row["lcl"] == pytest.approx(y.mean() - 3 * _screened_mean(np.abs(np.diff(y))) / 1.128)
    assert list(result.points.columns[result.points.columns.str.startswith("rule_")]) == [
        "rule_outside_limits",
        "rule_long_run",
        "rule_few_crossings",
    ]


def test_qicharts2_preset_laney_p_prime_screens_the_z_moving_ranges():
    data = pd.read_csv(_need(QIC / "input_dataset_nhs_accidents.csv"))
    result = evaluate_spc(data, "r", n="n", x="i", chart="pp", preset="qicharts2")
    pbar = data["r"].sum() / data["n"].sum()
    sd = np.sqrt(pbar * (1 - pbar) / data["n"].to_numpy())
    z = (data["r"] / data["n"]).to_numpy() - pbar
    sigma_z = _screened_mean(np.abs(np.diff(z / sd))) / 1.128
    assert result.points["ucl"].to_numpy() == pytest.approx(np.minimum(1, pbar + 3 * sd * sigma_z))
    assert result.points["lcl"].to_numpy() == pytest.approx(np.maximum(0, pbar - 3 * sd * sigma_z))


def test_qicharts2_preset_laney_u_prime_on_cdi_with_a_recalculation():
    data = pd.read_csv(_need(QIC / "input_dataset_cdi.csv"))
    data["month"] = pd.to_datetime(data["month"])
    start = data.loc[data["period"] == "post", "month"].min()
    result = evaluate_spc(
        data, "n", n="days", x="month", chart="up", multiply=10_000, recalculate_at=start, preset="qicharts2"
    )
    for phase, part in zip((1, 2), (data[data["month"] < start], data[data["month"] >= start]), strict=True):
        ubar = part["n"].sum() / part["days"].sum()
        sd = np.sqrt(ubar / part["days"].to_numpy())
        sigma_z = _screened_mean(np.abs(np.diff((part["n"] / part["days"] - ubar).to_numpy() / sd))) / 1.128
        got = result.points[result.points["phase"] == phase]
        assert got["ucl"].to_numpy() == pytest.approx(10_000 * (ubar + 3 * sd * sigma_z))
        assert got["lcl"].to_numpy() == pytest.approx(10_000 * np.maximum(0, ubar - 3 * sd * sigma_z))


def test_qicharts2_preset_runs_analysis_within_each_phase():
    data = pd.read_csv(_need(QIC / "input_dataset_cdi.csv"))
    data["month"] = pd.to_datetime(data["month"])
    start = data.loc[data["period"] == "post", "month"].min()
    result = evaluate_spc(data, "n", n="days", x="month", chart="u", recalculate_at=start, preset="qicharts2")
    summary = result.summary()
    for phase, part in zip((1, 2), (data[data["month"] < start], data[data["month"] >= start]), strict=True):
        u = (part["n"] / part["days"]).to_numpy()
        side = np.sign(u - part["n"].sum() / part["days"].sum())
        side = side[side != 0]
        runs = np.split(side, np.flatnonzero(np.diff(side)) + 1)
        row = summary[summary["phase"] == phase].iloc[0]
        assert row["n_useful"] == side.size
        assert row["longest_run"] == max(len(r) for r in runs)
        assert row["crossings"] == len(runs) - 1


def test_qicharts2_preset_on_montgomery_p_chart():
    data = pd.read_csv(_need(QIC / "input_montgomery_tbl_07.03.csv"))
    first30 = data[data["sample"] <= 30]
    result = evaluate_spc(first30, "count", n="size", x="sample", chart="p", preset="qicharts2")
    row = result.summary().iloc[0]
    assert (row["centre_line"], row["ucl"], row["lcl"]) == pytest.approx((0.2313, 0.4102, 0.0524), abs=5e-5)
    assert result.points.loc[result.points["rule_outside_limits"], "x"].tolist() == [15, 23]


# --- the presets equal their explicit options -----------------------------------------------------------------


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_preset_equals_its_explicit_options_and_an_explicit_option_wins(preset):
    frame = _frame(_mdc_case("Special cause conflict - High is good"))
    by_preset = evaluate_spc(frame, "value", x="date", preset=preset)
    explicit = evaluate_spc(frame, "value", x="date", **PRESETS[preset])
    pd.testing.assert_frame_equal(by_preset.points, explicit.points)
    assert by_preset.specification["preset"] == preset
    assert {k: by_preset.specification[k] for k in PRESETS[preset]} == PRESETS[preset]
    assert evaluate_spc(frame, "value", x="date", preset=preset, shift_length=8).specification["shift_length"] == 8


def test_presets_in_evaluate_spc_many_and_unknown_preset():
    frame = _frame(_mdc_case("Special cause conflict - High is good")).assign(g="a")
    many = evaluate_spc_many(frame, "value", x="date", by="g", preset="nhsrplotthedots")
    single = evaluate_spc(frame, "value", x="date", preset="nhsrplotthedots")
    assert many.points["point_type"].tolist() == single.points["point_type"].tolist()
    with pytest.raises(ParameterError, match="preset") as err:
        evaluate_spc(frame, "value", x="date", preset="minitab")
    assert "mdc_excel, nhsrplotthedots, qicharts2" in str(err.value)


def test_preset_through_the_parameter_file_options():
    from pss_analysis.config.params import Analysis
    from pss_analysis.evaluation.measures import spc_options

    measure = {"measure_id": "m1", "kind": "mean", "improvement_direction": "increase", "multiplier": 1}
    analysis = Analysis.model_validate({"spc": {"preset": "nhsrplotthedots"}})
    options = spc_options(measure, analysis, "2020-01")
    assert options["preset"] == "nhsrplotthedots"
    assert "shift_length" not in options and "rules" not in options  # the preset decides
    fixed = Analysis.model_validate({"spc": {"preset": "nhsrplotthedots"}, "shift_length": 6})
    assert spc_options(measure, fixed, "2020-01")["shift_length"] == 6  # named in the file: it wins
    assert spc_options(measure, Analysis(), "2020-01")["shift_length"] == 6
