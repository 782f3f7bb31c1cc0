"""Figures that print a confidence level take it from the analysis alpha (pss_analysis.reporting.figures)."""

from __future__ import annotations

import pandas as pd
import pytest

from pss_analysis.reporting.figures import overview_figure

ROW = {
    "perspective": "p1",
    "perspective_name": "Outcomes",
    "name": "A measure",
    "mean_before": 12.0,
    "mean_after": 10.0,
    "relative_change": -0.17,
    "cumulative_relative": -0.15,
    "cumulative_relative_lower": -0.2,
    "cumulative_relative_upper": -0.1,
    "variation_type": "common_cause",
    "variation_direction": None,
    "assurance_type": "pass",
    "verdict": "improved",
}


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize(
    ("alpha", "heading"), [(0.05, "Effect vs expected (95% CI)"), (0.1, "Effect vs expected (90% CI)")]
)
def test_overview_heading_follows_alpha(alpha, heading):
    texts = _texts(overview_figure(pd.DataFrame([ROW]), alpha=alpha))
    assert heading in texts
    assert not any("95%" in t for t in texts) or alpha == 0.05


def test_every_line_of_an_spc_chart_is_in_its_legend():
    import numpy as np

    from pss_analysis.methods.spc import evaluate_spc
    from pss_analysis.reporting.figures.spc import spc_figure

    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": range(40), "y": np.r_[rng.normal(100, 3, 20), rng.normal(92, 3, 20)]})
    result = evaluate_spc(frame, y="y", x="x", chart="xmr", recalculate_at=20, target=95.0)
    fig = spc_figure(result, title="Chart")
    labels = {t.get_text() for legend in fig.legends for t in legend.get_texts()}
    lines = {"Monthly values", "Centre line", "Process limits", "Two-sigma lines", "Limits recalculated", "Target"}
    assert lines <= labels
    # the chart draws data, centre, limits and two-sigma lines in each phase, and the phase break:
    styles = {(line.get_linestyle(), line.get_color()) for line in fig.axes[0].get_lines()}
    legend_styles = {(h.get_linestyle(), h.get_color()) for legend in fig.legends for h in legend.legend_handles}
    assert {s for s in styles if s[0] != "None"} <= legend_styles
