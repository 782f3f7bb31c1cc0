"""Figures of the summary across units: what a reader sees is drawn, for every unit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import Circle

from pss_analysis.methods.funnel import funnel_limits, funnel_points
from pss_analysis.reporting.figures.units import funnel_figure, small_multiples_figure, units_icon_grid


def test_icon_grid_has_a_cell_and_the_icons_for_every_unit_and_measure():
    evidence = pd.DataFrame(
        {
            "measure_id": ["a", "a", "b", "b"],
            "unit": ["North", "South", "North", "South"],
            "verdict": ["improved", "no evidence of change", "deteriorated", "not enough data"],
            "variation_type": ["special_cause_improvement", "common_cause", "common_cause", None],
            "variation_direction": ["high", None, None, None],
            "assurance_type": ["pass", "fail", None, None],
        }
    )
    fig = units_icon_grid(evidence, ["North", "South"], [("a", "Measure A"), ("b", "Measure B")])
    ax = fig.axes[0]
    circles = [p for p in ax.patches if isinstance(p, Circle)]
    assert len(circles) == 5  # variation icons in three cells, assurance icons in two
    texts = [t.get_text() for t in ax.texts]
    assert {"North", "South", "Measure A", "Measure B", "▲ improved", "▼ deteriorated", "H", "P", "F"} <= set(texts)


def test_small_multiples_draw_one_panel_per_unit():
    periods = [str(p) for p in pd.period_range("2017-01", periods=24, freq="M")]
    series = pd.DataFrame(
        [(u, p, float(k)) for u in ("North", "South", "East") for k, p in enumerate(periods)],
        columns=["unit", "period", "value"],
    )
    fig = small_multiples_figure(series, title="A measure", start="2018-01", ylabel="per 1,000")
    titles = sorted(ax.get_title() for ax in fig.axes)
    assert titles == ["East", "North", "South"]
    assert all(len(ax.lines) == 2 for ax in fig.axes)  # the series and the programme start


def test_small_multiples_break_the_line_at_a_month_not_shown_and_mark_it():
    from pss_analysis.reporting.figures.style import HIDDEN_LABEL

    periods = [str(p) for p in pd.period_range("2017-01", periods=24, freq="M")]
    series = pd.DataFrame(
        [(u, p, float(k), u == "North" and k in (5, 6)) for u in ("North", "South") for k, p in enumerate(periods)],
        columns=["unit", "period", "value", "hidden"],
    )
    fig = small_multiples_figure(series, title="A measure", start="2018-01", ylabel="per 1,000")
    north = next(ax for ax in fig.axes if ax.get_title() == "North")
    south = next(ax for ax in fig.axes if ax.get_title() == "South")
    hidden_x = pd.PeriodIndex(periods[5:7], freq="M").to_timestamp().to_numpy()
    data = [line for line in north.lines if line.get_marker() != 2 and line.get_linestyle() != ":"]  # not the start
    assert sorted(len(line.get_xdata()) for line in data) == [5, 17]  # a gap where the two months are
    ticks = [line for line in north.lines if line.get_marker() == 2]
    assert len(ticks) == 1 and list(ticks[0].get_xdata()) == list(hidden_x)
    assert not any(line.get_marker() == 2 for line in south.lines)
    assert [t.get_text() for legend in fig.legends for t in legend.get_texts()] == [HIDDEN_LABEL]


def test_funnel_figure_marks_the_units_outside_the_limits():
    units = pd.DataFrame({"unit": list("abcd"), "numerator": [100, 150, 95, 105], "denominator": [1000] * 4})
    points = funnel_points(units, kind="proportion", target=0.1)
    limits = funnel_limits(0.1, np.geomspace(500, 2000, 50), kind="proportion")
    fig = funnel_figure(points, limits, title="A proportion", ylabel="per cent", multiplier=100)
    ax = fig.axes[0]
    outside = [c for c in ax.collections if c.get_label() == "Unit outside the 95% limits"][0]
    assert outside.get_offsets().shape[0] == 1
    np.testing.assert_allclose(outside.get_offsets()[0], [1000, 15.0])
    assert len(ax.lines) == 5  # the target and two pairs of limits


def test_with_many_units_the_value_table_shows_those_that_saved_most_and_least_and_writes_every_unit(tmp_path):
    from conftest import DEMO_PARAMS

    from pss_analysis.evaluation.units import WHOLE_SYSTEM
    from pss_analysis.reporting import Report
    from pss_analysis.reporting.sections.units import MAX_VALUE_UNITS, UnitsData, units_value_section

    n = MAX_VALUE_UNITS + 5
    money = [-1000.0 * (k % 7) + 50.0 * k for k in range(n)]  # a mix of savings and extra costs
    value = pd.DataFrame(
        {
            "unit": [f"Unit {k:02d}" for k in range(n)] + [WHOLE_SYSTEM],
            "money": [*money, -5000.0],
            "money_lower": [m - 500 for m in money] + [-9000.0],
            "money_upper": [m + 500 for m in money] + [-1000.0],
        }
    )
    empty = pd.DataFrame(columns=["unit"])
    data = UnitsData(pd.DataFrame({"unit": value["unit"], "status": "ok"}), empty, empty, empty, value)
    rep = Report.open(DEMO_PARAMS, tmp_path)
    units_value_section(rep, data)
    every = pd.read_csv(tmp_path / "tables" / "units_value_for_money.csv")
    assert len(every) == n + 2  # every unit, the whole system and the sum of the units
    assert every["money"].iloc[-1] == pytest.approx(sum(money))
    shown = pd.read_csv(tmp_path / "tables" / "units_value_for_money_shown.csv")
    half = MAX_VALUE_UNITS // 2
    order = sorted(range(n), key=lambda k: money[k])
    expected = [f"Unit {k:02d}" for k in order[:half] + order[-half:]] + [WHOLE_SYSTEM, "Sum of the units"]
    assert shown["unit"].tolist() == expected
    assert shown["value for money"].iloc[0] == "£5,700 saved"  # the unit that saved most comes first
    assert shown["value for money"].iloc[half * 2 - 1] == "£1,050 extra cost"  # the one that cost most, last


def test_a_unit_whose_year_is_a_small_number_is_hidden_in_the_table_and_left_out_of_the_funnel(tmp_path, capsys):
    """The batch publishes a unit's latest-year numerator and denominator with its small ones hidden; the
    funnel plot then leaves that unit out (its rate would give the count back) and its caption says so."""
    from conftest import DEMO_PARAMS

    from pss_analysis.evaluation.units import UnitEvidence
    from pss_analysis.reporting import Report
    from pss_analysis.reporting.sections.units import UnitsData, units_funnel_section
    from pss_analysis.run.unit_task import published_tables

    rep = Report.open(DEMO_PARAMS, tmp_path)
    years = {"North": (120, 1000), "South": (5, 800), "East": (90, 900), "West": (150, 1100)}
    latest = []
    for unit, (numerator, denominator) in years.items():
        row = pd.DataFrame(
            [{"measure_id": "readmissions", "kind": "proportion", "multiplier": 100.0, "months": 12}]
        ).assign(numerator=float(numerator), denominator=float(denominator))
        empty = pd.DataFrame(columns=["measure_id", "period", "value"])
        published = published_tables(UnitEvidence(empty, empty, row, empty), rep.params.report.suppression)
        latest.append(published["latest_year"].assign(unit=unit))
    table = pd.concat(latest, ignore_index=True)
    assert table.loc[table["unit"] == "South", "numerator"].tolist() == ["*"]
    assert table.loc[table["unit"] != "South", "numerator"].tolist() == [120.0, 90.0, 150.0]
    evidence = pd.DataFrame({"measure_id": ["readmissions"], "name": ["Readmissions"]})
    units = pd.DataFrame({"unit": list(years), "status": "ok"})
    empty = pd.DataFrame(columns=["unit"])
    capsys.readouterr()
    units_funnel_section(rep, UnitsData(units, evidence, empty, table, empty))
    shown = capsys.readouterr().out  # outside a notebook, the report's displays print their text
    assert "against all units, with 95% and 99.8% limits (1 unit with a small number not shown)" in shown
    assert "A funnel plot of 3 units" in shown
    assert (tmp_path / "figures" / "units_funnel_readmissions.png").is_file()
