"""Value for money counts each activity once, and the return on the programme's cost is hand-checked."""

from __future__ import annotations

import pandas as pd
import pytest

from pss_analysis.config.params import ProgrammeCost
from pss_analysis.evaluation.value import value_for_money
from pss_analysis.reporting.sections.summary import _return_lines, _value_for_money


def _evidence() -> pd.DataFrame:
    """Six costed measures: ACS spend, admissions and bed-nights (one activity), two visit measures
    (one activity, no money measure), and a care-home measure on its own; one measure without money."""
    rows = [
        ("acs_admissions", "ACS admissions", "per 1,000", "improved", -2_100_000, -2_900_000, -1_300_000),
        ("acs_bed_nights", "ACS bed-nights", "per 1,000", "improved", -2_800_000, -3_900_000, -1_700_000),
        ("acs_spend", "ACS spend", "£ thousand", "improved", -1_500_000, -2_500_000, -500_000),
        ("visits", "Home visits", "visits", "no evidence of change", 100_000, -50_000, 250_000),
        ("visit_hours", "Home visit hours", "hours", "no evidence of change", 90_000, -60_000, 240_000),
        ("care_homes", "Care-home admissions", "per 100,000", "improved", -500_000, -700_000, -300_000),
    ]
    frame = pd.DataFrame(
        rows, columns=["measure_id", "name", "unit", "verdict", "money", "money_lower", "money_upper"]
    ).assign(cumulative_months=24, money_unit="£")
    no_money = {"measure_id": "los", "name": "Length of stay", "unit": "days", "verdict": "improved"}
    return pd.concat([frame, pd.DataFrame([no_money])], ignore_index=True)


def _groups() -> pd.DataFrame:
    """The scorecard's measures: the ACS lead is the admissions (the spend, in money, wins anyway);
    the visits' lead is the hours."""
    return pd.DataFrame(
        {
            "measure_id": ["acs_admissions", "acs_bed_nights", "acs_spend", "visits", "visit_hours", "care_homes"],
            "value_group": ["acs", "acs", "acs", "home_visits", "home_visits", ""],
            "value_group_lead": [True, False, False, False, True, False],
        }
    )


def test_one_figure_per_group_money_first_then_the_lead_others_named():
    value = value_for_money(_evidence(), _groups())
    figures = value.figures.set_index("value_group")
    assert list(figures.index) == ["acs", "home_visits", "care_homes"]
    assert figures.loc["acs", "measure_id"] == "acs_spend"  # measured in money, whatever the lead says
    assert figures.loc["acs", "alternatives"] == ["ACS admissions", "ACS bed-nights"]
    assert figures.loc["home_visits", "measure_id"] == "visit_hours"  # no money measure: the lead
    assert figures.loc["home_visits", "alternatives"] == ["Home visits"]
    assert figures.loc["care_homes", "alternatives"] == []  # ungrouped: its own group


def test_the_total_adds_one_figure_per_group_never_the_alternatives():
    total = value_for_money(_evidence(), _groups()).total
    assert total is not None and total["groups"] == 3
    assert total["money"] == pytest.approx(-1_500_000 + 90_000 - 500_000)
    assert total["money_lower"] == pytest.approx(-2_500_000 - 60_000 - 700_000)
    assert total["money_upper"] == pytest.approx(-500_000 + 240_000 - 300_000)


def test_the_value_for_money_table_shows_one_row_per_group_and_a_total():
    table = _value_for_money(_evidence(), value_for_money(_evidence(), _groups()))
    assert list(table["name"]) == [
        "ACS spend",
        "Home visit hours",
        "Care-home admissions",
        "Total of the 3 figures above (each activity counted once)",
    ]
    assert table.loc[0, "alternatives"] == "ACS admissions; ACS bed-nights"
    assert table.loc[1, "value_for_money"] == "no reliable change"
    assert table.loc[3, "value_for_money"] == "£1.91 million saved"
    assert table.loc[3, "interval"] == "£560,000 to £3.26 million saved"


def test_without_groups_every_measure_is_its_own_group():
    value = value_for_money(_evidence())
    assert len(value.figures) == 6 and value.total is not None and value.total["groups"] == 6


def test_one_group_gives_no_total():
    only_acs = _evidence().head(3)
    value = value_for_money(only_acs, _groups())
    assert len(value.figures) == 1 and value.total is None
    assert list(_value_for_money(only_acs, value)["name"]) == ["ACS spend"]


def test_return_per_pound_and_net_benefit_hand_checked():
    # ACS spend saved £1.5m (£0.5m to £2.5m) over 24 months; cost £400,000 a year -> £800,000.
    value = value_for_money(_evidence().head(3), _groups(), ProgrammeCost(per_year=400_000))
    r = value.returns.iloc[0]
    assert r["months"] == 24 and r["cost"] == pytest.approx(800_000)
    assert (r["saved"], r["saved_lower"], r["saved_upper"]) == pytest.approx((1_500_000, 500_000, 2_500_000))
    assert r["net_benefit"] == pytest.approx(700_000)
    assert (r["net_benefit_lower"], r["net_benefit_upper"]) == pytest.approx((-300_000, 1_700_000))
    assert r["return_per_pound"] == pytest.approx(1.875)
    assert (r["return_per_pound_lower"], r["return_per_pound_upper"]) == pytest.approx((0.625, 3.125))
    (line,) = _return_lines(value, "95%")
    assert "£400,000 a year, £800,000 over the 24 months since the start (£400,000 × 24 / 12)" in line
    assert "For every £1 spent, about £1.88 was saved (from ACS spend; 95% CI £0.63 to £3.13)" in line
    assert "a net benefit of about £700,000 (95% CI −£300,000 to £1.70 million)" in line
    assert "the cost is taken as known" in line


def test_return_on_a_total_cost_per_group_and_in_total():
    value = value_for_money(_evidence(), _groups(), ProgrammeCost(total=1_000_000))
    returns = value.returns.set_index("name")
    assert list(returns.index) == ["ACS spend", "Home visit hours", "Care-home admissions", "Total"]
    assert (returns["cost"] == 1_000_000).all()  # a total cost is the cost over the period, whatever its length
    total = returns.loc["Total"]
    assert total["return_per_pound"] == pytest.approx(1.91)
    assert (total["return_per_pound_lower"], total["return_per_pound_upper"]) == pytest.approx((0.56, 3.26))
    assert total["net_benefit"] == pytest.approx(910_000)
    (line,) = _return_lines(value, "95%")
    assert "For every £1 spent, about £1.91 was saved (counting each activity once; 95% CI £0.56 to £3.26)" in line


def test_a_return_whose_interval_includes_no_saving_says_so():
    value = value_for_money(_evidence().iloc[[3]], None, ProgrammeCost(total=100_000))
    (line,) = _return_lines(value, "95%")
    assert "about £1.00 of extra cost arose" in line
    assert "The interval includes no saving, so a return is not shown reliably." in line


def test_no_cost_no_returns():
    assert value_for_money(_evidence(), _groups()).returns.empty
