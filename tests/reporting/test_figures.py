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


def _rings(fig) -> list:
    """The icons' rings (their extents are the icons')."""
    from matplotlib.patches import Circle

    return [p for ax in fig.axes for p in ax.patches if isinstance(p, Circle)]


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.parametrize(
    ("alpha", "heading"), [(0.05, "Effect vs expected (95% CI)"), (0.1, "Effect vs expected (90% CI)")]
)
def test_overview_heading_follows_alpha(alpha, heading):
    texts = _texts(overview_figure(pd.DataFrame([ROW]), alpha=alpha))
    assert heading in [" ".join(t.split()) for t in texts]
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


# --- the change log on every chart -------------------------------------------------------------------


def _boxes_apart(boxes) -> bool:
    """No two of the window extents overlap."""
    return not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def _check_readable(fig, ax, n_labels: int) -> None:
    """Every change label is drawn, above the plotting area, clear of the other labels, the title and the
    icons (extents measured on the Agg canvas the way the saved image is drawn)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    # the text of each label (Text's own extent: an Annotation's adds the line joining it to the axes)
    labels = [Text.get_window_extent(t, renderer) for t in ax.texts]
    assert len(labels) == n_labels
    assert _boxes_apart(labels)
    assert all(0 <= box.x0 and box.x1 <= fig.bbox.x1 for box in labels), "a change label runs off the figure"
    joins = [(i, t.arrow_patch.get_window_extent(renderer)) for i, t in enumerate(ax.texts) if t.arrow_patch]
    assert not any(join.overlaps(box) for i, join in joins for k, box in enumerate(labels) if k != i)
    plot = ax.get_window_extent(renderer)
    assert all(box.y0 >= plot.y1 for box in labels), "a change label sits inside the plotting area"
    own_titles = [c for c in ax.get_children() if isinstance(c, Text) and c not in ax.texts]
    titles = [t.get_window_extent(renderer) for t in [*fig.texts, *own_titles] if t.get_text()]
    icons = [ring.get_window_extent(renderer) for ring in _rings(fig)]
    assert titles
    for box in titles:
        assert not any(box.overlaps(other) for other in labels + icons), "the title runs under a label or an icon"


@pytest.fixture(scope="module")
def demo_study():
    from conftest import DEMO_PARAMS

    from pss_analysis.config.loading import load_params
    from pss_analysis.evaluation.study import prepare_study

    return prepare_study(load_params(DEMO_PARAMS))


def test_change_log_is_readable_on_the_demo_charts(demo_study):
    from pss_analysis.reporting.figures import its_figure, spc_figure, timeseries_figure

    changes = demo_study.annotations
    assert [label for _, label in changes] == ["C1", "C2", "C3", "C4", "C5"]
    start = str(demo_study.params.programme.start)
    for m in demo_study.measures.to_dict("records"):
        evaluation = demo_study.evaluations[m["measure_id"]]
        if evaluation.its is not None:
            fig = its_figure(evaluation.its, title=m["name"], ylabel=m["unit"], annotations=changes)
            _check_readable(fig, fig.axes[0], len(changes))
        if evaluation.spc is not None:
            chart = evaluation.spc_options["chart"].upper()
            fig = spc_figure(
                evaluation.spc, title=f"{m['name']} ({chart} chart)", ylabel=m["unit"], annotations=changes
            )
            _check_readable(fig, fig.axes[0], len(changes))
            assert _rings(fig)  # its icons
        series = demo_study.indicators[demo_study.indicators["measure_id"] == m["measure_id"]]
        fig = timeseries_figure(series, start=start, title=m["name"], ylabel=m["unit"], annotations=changes)
        _check_readable(fig, fig.axes[0], len(changes))


def test_crowded_change_log_is_staggered_with_a_line_for_each_change():
    import numpy as np

    from pss_analysis.methods.spc import evaluate_spc
    from pss_analysis.reporting.figures.spc import spc_figure

    months = pd.period_range("2017-01", periods=40, freq="M")
    frame = pd.DataFrame({"x": months, "y": np.r_[np.full(20, 100.0), np.full(20, 90.0)] + np.arange(40) % 3})
    result = evaluate_spc(frame, y="y", x="x", chart="xmr", recalculate_at=20, target=95.0)
    changes = [(months[i], f"Change {i}") for i in (19, 20, 21, 22, 30, 39)]
    title = "A very long measure name that would run right across the chart and under the icons (XMR chart)"
    fig = spc_figure(result, title=title, annotations=changes)
    _check_readable(fig, fig.axes[0], len(changes))
    assert "\n" in fig.texts[0].get_text()  # wrapped to stay clear of the icons
    # a line for every change: the programme start (the phase break) strong, the others thin, all in the legend
    ax = fig.axes[0]
    widths = sorted({line.get_linewidth() for line in ax.get_lines() if line.get_xdata()[0] == line.get_xdata()[-1]})
    assert widths[-1] > 1.2 and min(widths) < 1.0
    labels = {t.get_text() for legend in fig.legends for t in legend.get_texts()}
    assert {"Programme start", "Change (see the change log)"} <= labels
