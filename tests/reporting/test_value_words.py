"""The demo report counts the ACS activity once and gives the return on the programme's cost."""

from __future__ import annotations

import re

import pandas as pd
from test_board_words import visible_text


def test_demo_report_shows_the_group_once_and_the_return_per_pound(demo_run):
    text = visible_text((demo_run.run_dir / "report.html").read_text(encoding="utf-8"))
    summary = text[: text.index("Strategy map")]
    # the ACS spend stands for the ACS activity; admissions and bed-nights are named, not added
    assert re.search(
        r"Spend on emergency ACS admissions, 65\+: about £[\d.,]+ million saved over 24 months .*"
        r"The same activity is also measured by Emergency admissions for ambulatory care sensitive "
        r"conditions, 65\+; Emergency bed-nights for ambulatory care sensitive conditions, 65\+: "
        r"alternative views, not added\.",
        summary,
    ), summary
    assert "Emergency admissions for ambulatory care sensitive conditions, 65+: about" not in summary
    assert "Total of the 4 figures above (each activity counted once)" in summary
    assert "The programme cost £1.50 million a year, £3.00 million over the 24 months since the start" in summary
    assert re.search(r"For every £1 spent, about £\d+\.\d\d was saved \(counting each activity once; 95% CI", summary)
    assert "the cost is taken as known" in summary

    tables = demo_run.run_dir / "tables"
    vfm = pd.read_csv(tables / "value_for_money.csv")
    assert "acs_admissions" not in set(vfm["measure_id"]) and "acs_bed_nights" not in set(vfm["measure_id"])
    returns = pd.read_csv(tables / "return_on_cost.csv").set_index("name")
    total = returns.loc["Total"]
    saved = -vfm.loc[vfm["measure_id"].notna(), "money"].sum()
    assert total["cost"] == 3_000_000
    assert abs(total["return_per_pound"] - saved / 3_000_000) < 1e-9
    assert total["return_per_pound_lower"] < total["return_per_pound"] < total["return_per_pound_upper"]
