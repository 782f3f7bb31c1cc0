"""Charts leave out the months whose values the published tables hide (small-number suppression):
no point, no value in the interactive chart's data or hover, a tick on the time axis and a legend entry."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pss_analysis.methods.its import fit_its
from pss_analysis.methods.spc import evaluate_spc
from pss_analysis.reporting.figures import its_figure, its_plotly, spc_figure, spc_plotly
from pss_analysis.reporting.figures.style import HIDDEN_LABEL
from pss_analysis.reporting.sections.counts import published_spc

MONTHS = pd.period_range("2019-01", periods=36, freq="M")
HIDDEN = "2019-05"


@pytest.fixture(scope="module")
def p_chart():
    rng = np.random.default_rng(7)
    n = rng.integers(300, 400, MONTHS.size)
    y = rng.binomial(n, 0.03)
    y[4] = 3  # May 2019: a small count
    frame = pd.DataFrame({"month": MONTHS, "y": y, "n": n})
    return evaluate_spc(frame, y="y", n="n", x="month", chart="p", multiply=100, recalculate_at=pd.Period("2020-07"))


def _legend_labels(fig) -> set[str]:
    legends = [*fig.legends, *(ax.get_legend() for ax in fig.axes if ax.get_legend() is not None)]
    return {t.get_text() for legend in legends for t in legend.get_texts()}


def test_published_spc_hides_a_value_limits_and_a_whole_phase_centre_line(p_chart):
    first_phase = {str(m) for m in MONTHS[:18]}
    shown = published_spc(p_chart, value={HIDDEN}, limits={"2019-09"}, centre=first_phase)
    points, month = shown.points, shown.points["x"].astype(str)
    assert points["hidden"].tolist() == (month == HIDDEN).tolist()
    assert points.loc[month == HIDDEN, "value"].isna().all()
    assert points.loc[month != HIDDEN, "value"].notna().all()
    assert points.loc[month == "2019-09", ["lcl", "ucl"]].isna().all(axis=None)
    assert points.loc[month.isin(first_phase), ["centre_line", "lcl", "ucl"]].isna().all(axis=None)
    later = points[~month.isin(first_phase)]
    assert later[["centre_line", "lcl", "ucl"]].notna().all(axis=None)
    phases = shown.summary()
    assert phases["centre_line"].isna().tolist() == [True, False]
    # the result evaluated is untouched: computations use the true values
    assert p_chart.points["value"].notna().all() and "hidden" not in p_chart.points
    assert p_chart.summary()["centre_line"].notna().all()


def test_static_control_chart_leaves_a_gap_and_marks_the_month(p_chart):
    true = float(p_chart.points.loc[p_chart.points["x"].astype(str) == HIDDEN, "value"].iloc[0])
    fig = spc_figure(published_spc(p_chart, value={HIDDEN}), title="Chart")
    ax = fig.axes[0]
    x_hidden = pd.Period(HIDDEN, freq="M").to_timestamp().to_datetime64()
    data_line = ax.get_lines()[0]  # the grey line through the months
    at = np.flatnonzero(np.asarray(data_line.get_xdata()) == x_hidden)
    assert at.size == 1 and np.isnan(np.asarray(data_line.get_ydata(), dtype=float)[at[0]])
    plotted = np.concatenate([c.get_offsets()[:, 1] for c in ax.collections if len(c.get_offsets())])
    assert not np.isclose(plotted, true).any()
    ticks = [line for line in ax.get_lines() if line.get_marker() == 2]  # the tick on the time axis
    assert len(ticks) == 1 and list(ticks[0].get_xdata()) == [x_hidden]
    assert HIDDEN_LABEL in _legend_labels(fig)
    assert HIDDEN_LABEL not in _legend_labels(spc_figure(p_chart, title="Chart"))


def test_interactive_control_chart_has_no_trace_of_the_value(p_chart):
    true = float(p_chart.points.loc[p_chart.points["x"].astype(str) == HIDDEN, "value"].iloc[0])
    spec = spc_plotly(published_spc(p_chart, value={HIDDEN}), title="Chart", fmt=lambda v: f"{v:.6g}%")
    text = json.dumps(spec)
    assert f"{true:.6g}" not in text
    (ticks,) = [t for t in spec["data"] if t.get("meta") == "hidden"]
    assert ticks["x"] == ["2019-05-01"] and ticks["yaxis"] == "y2" and ticks["name"] == HIDDEN_LABEL
    assert "<b>May 2019</b><br>Value: not shown (small number)" in ticks["text"][0]
    assert spec["layout"]["yaxis2"]["overlaying"] == "y"
    full = spc_plotly(p_chart, title="Chart", fmt=lambda v: f"{v:.6g}%")
    assert f"{true:.6g}" in json.dumps(full) and not any(t.get("meta") == "hidden" for t in full["data"])


@pytest.fixture(scope="module")
def its_result():
    rng = np.random.default_rng(3)
    t = np.arange(MONTHS.size)
    y = rng.poisson(20 + 0.2 * t - 6 * (t >= 18))
    y[4] = 5
    frame = pd.DataFrame({"month": MONTHS, "y": y})
    return fit_its(frame, "y", "month", pd.Period("2020-07", freq="M"), family="poisson")


def test_time_series_charts_leave_out_a_hidden_month(its_result):
    fig = its_figure(its_result, title="Counts", hidden={HIDDEN})
    ax = fig.axes[0]
    x_hidden = pd.Period(HIDDEN, freq="M").to_timestamp().to_datetime64()
    observed = next(c for c in ax.collections if c.get_label() == "Observed")
    ys = np.ma.masked_invalid(observed.get_offsets()[:, 1])
    assert ys.count() == MONTHS.size - 1 and ys.mask[4] and 5.0 not in ys.compressed()
    assert HIDDEN_LABEL in _legend_labels(fig)
    assert any(line.get_marker() == 2 and list(line.get_xdata()) == [x_hidden] for line in ax.get_lines())

    spec = its_plotly(its_result, title="Counts", hidden={HIDDEN})
    (points,) = [t for t in spec["data"] if t.get("meta") == "observed"]
    assert points["y"][4] is None and 5.0 not in points["y"]
    assert "Observed: not shown (small number)" in points["text"][4]
    (ticks,) = [t for t in spec["data"] if t.get("meta") == "hidden"]
    assert ticks["x"] == ["2019-05-01"]
    plain = its_plotly(its_result, title="Counts")
    assert next(t for t in plain["data"] if t.get("meta") == "observed")["y"][4] == 5.0
