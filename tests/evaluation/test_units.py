"""Tests for pss_analysis.evaluation.units: many units evaluated together (:func:`units_evidence`,
the summary-only batch) give every unit the tables one evaluation per unit gives
(:func:`unit_evidence`), to 1e-7, on the demo localities (18 measures: rates, proportions, counts,
means and amounts; quasi-Poisson and quasi-binomial fitted together, OLS with Newey-West fitted
together, u/p/c/XmR and Laney charts); a unit with months missing, one too short for a model and
one with bad inputs each get what a report would give them, and the others are not disturbed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from pss_analysis.config.loading import load_params
from pss_analysis.errors import DataValidationError
from pss_analysis.evaluation.study import load_inputs, load_inputs_many
from pss_analysis.evaluation.units import latest_year, unit_evidence, units_evidence
from pss_analysis.evaluation.verdicts import NOT_ENOUGH_DATA

LOCALITIES = ROOT / "data" / "demo_localities"
PARAMS = ROOT / "params" / "demo_localities.yaml"
NO_ROBUSTNESS = "analysis.its.robustness={enabled: false}"


def _units(folder, tables: dict[str, pd.DataFrame]) -> dict:
    units = {}
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        table.to_csv(path, index=False)
        units[name] = load_params(PARAMS, [f"data.indicators={path}", NO_ROBUSTNESS])
    return units


def _assert_same(one, together) -> None:
    for name in ("evidence", "series", "latest_year", "value"):
        pd.testing.assert_frame_equal(
            getattr(together, name), getattr(one, name), check_exact=False, rtol=1e-7, atol=1e-9
        )


@pytest.fixture(scope="module")
def localities() -> dict[str, pd.DataFrame]:
    table = pd.read_csv(LOCALITIES / "indicators.csv")
    return {place: rows.drop(columns="locality") for place, rows in table.groupby("locality")}


def test_units_evaluated_together_equal_one_evaluation_per_unit(tmp_path, localities):
    units = _units(tmp_path, localities)
    together = units_evidence(units)
    assert list(together) == list(units)
    verdicts = set()
    for name, params in units.items():
        one = unit_evidence(params)
        _assert_same(one, together[name])
        verdicts |= set(one.evidence["verdict"])
    assert len(verdicts) >= 3  # the localities differ: improved, no evidence, ... (Northfield did nothing)


def test_missing_months_a_short_series_and_bad_inputs_are_each_treated_as_a_report_would(tmp_path, localities):
    names = sorted(localities)
    gappy = localities[names[0]].copy()
    gap = gappy.index[(gappy["measure_id"] == "acs_admissions") & (gappy["period"] == "2016-06")]
    gappy = gappy.drop(gap)  # one month of one measure missing: that model is fitted alone, and refuses
    short = localities[names[1]].copy()
    short = short[short["period"] >= "2017-11"]  # five months before the start: not enough for a verdict
    bad = localities[names[2]].copy()
    bad.loc[bad.index[3], "numerator"] = -5  # a negative count
    units = _units(tmp_path, {"gappy": gappy, "short": short, "bad": bad, "whole": localities[names[3]]})
    together = units_evidence(units)
    assert isinstance(together["bad"], DataValidationError)
    assert "bad.csv" in str(together["bad"])
    with pytest.raises(DataValidationError):
        unit_evidence(units["bad"])
    for name in ("gappy", "short", "whole"):
        _assert_same(unit_evidence(units[name]), together[name])
    evidence = together["gappy"].evidence.set_index("measure_id")
    assert evidence.at["acs_admissions", "verdict"] == NOT_ENOUGH_DATA
    assert "gap in the time column" in evidence.at["acs_admissions", "verdict_reason"]
    assert evidence.drop(index="acs_admissions")["points_before"].gt(0).all()
    assert (together["short"].evidence["verdict"] == NOT_ENOUGH_DATA).all()


def test_inputs_loaded_together_equal_one_load_per_unit_and_problems_name_the_units_own_file(tmp_path, localities):
    names = sorted(localities)
    tables = {n: localities[n] for n in names[:3]}
    gappy = localities[names[3]].copy()  # a month missing: a warning, which only this unit's inputs record
    month = (gappy["measure_id"] == "acs_admissions") & (gappy["period"] == "2016-06")
    tables["gappy"] = gappy.drop(gappy.index[month])
    bad = localities[names[4]].copy()
    bad.loc[bad.index[7], "period"] = "2016-13"
    tables["bad"] = bad
    tables["reordered"] = localities[names[5]][["period", "measure_id", "denominator", "numerator"]]
    units = _units(tmp_path, tables)
    together = load_inputs_many(units)
    assert list(together) == list(units)
    assert isinstance(together["bad"], DataValidationError)
    with pytest.raises(DataValidationError) as alone:
        load_inputs(units["bad"])
    assert str(together["bad"]) == str(alone.value)
    assert "bad.csv" in str(alone.value) and "row 9" in str(alone.value)
    for name in (n for n in units if n != "bad"):
        one, many = load_inputs(units[name]), together[name]
        for table in ("indicators", "measures", "perspectives", "data_quality", "definitions"):
            pd.testing.assert_frame_equal(getattr(many, table), getattr(one, table))
        assert many.analysis == one.analysis
    assert together["gappy"].data_quality["check"].tolist() == ["period_gap"]
    assert together[names[0]].data_quality.empty
    # the clean units were checked together (they share one data-quality table); the gappy unit and the one
    # whose columns are in another order were loaded alone
    shared = together[names[0]].data_quality
    assert together[names[1]].data_quality is shared and together[names[2]].data_quality is shared
    assert together["gappy"].data_quality is not shared and together["reordered"].data_quality is not shared


def test_latest_year_sums_the_last_twelve_months_of_rates_and_proportions():
    measures = pd.DataFrame({"measure_id": ["r", "c"], "kind": ["rate", "count"], "multiplier": [1000, 1]})
    periods = pd.period_range("2020-01", periods=15, freq="M")
    rows = pd.DataFrame(
        {
            "measure_id": ["r"] * 15 + ["c"] * 15,
            "period": list(periods) * 2,
            "numerator": [1.0] * 14 + [np.nan] + [5.0] * 15,
            "denominator": [100.0] * 30,
        }
    )
    out = latest_year(rows, measures)
    assert out.to_dict("records") == [
        {
            "measure_id": "r",
            "kind": "rate",
            "multiplier": 1000.0,
            "months": 11,
            "numerator": 11.0,
            "denominator": 1100.0,
        }
    ]
