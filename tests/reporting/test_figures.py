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
