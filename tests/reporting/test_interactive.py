"""The interactive chart specs (reporting/figures/interactive.py), the report's HTML tables and figures
(reporting/document.py) and the HTML renderer's contents and row links (publish/render/html.py), without
a browser (tests/publish/test_*_browser.py look at them in Chromium)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import DEMO_PARAMS
from matplotlib.figure import Figure

from pss_analysis.config.loading import load_params
from pss_analysis.methods.its import fit_its
from pss_analysis.methods.spc import evaluate_spc
from pss_analysis.publish.render.html import contents_nav, link_rows
from pss_analysis.publish.render.interactive import has_interactive, plotly_loader
from pss_analysis.reporting.document import Report, column_classes, figure_html, html_table
from pss_analysis.reporting.figures.interactive import (
    ASSURANCE_WORDS,
    PLOTLY_SYMBOLS,
    RULE_WORDS,
    VARIATION_WORDS,
    its_plotly,
    spc_plotly,
)
from pss_analysis.reporting.figures.spc import POINT_STYLES

MONTHS = pd.period_range("2019-01", periods=30, freq="M")


def _shifted_series() -> pd.DataFrame:
    """24 steady months around 50, then a run of 6 at 56 (above the centre line, inside the limits)."""
    rng = np.random.default_rng(7)
    values = np.r_[50 + rng.normal(0, 2, 24), np.full(6, 56.0)]
    return pd.DataFrame({"month": MONTHS, "value": values})


@pytest.fixture(scope="module")
def spc():
    return evaluate_spc(_shifted_series(), "value", x="month", chart="xmr", target=52)


def test_spc_hover_names_the_rule_of_each_special_cause_point(spc):
    spec = spc_plotly(spc, title="Waiting", fmt=lambda v: f"{v:.1f} days")
    json.dumps(spec, allow_nan=False)  # what the report embeds
    points = spc.points
    flagged = points[points["rule_shift"].astype(bool)]
    assert len(flagged) >= 6
    texts = [t for trace in spec["data"] if "text" in trace for t in trace["text"]]
    assert len(texts) == len(points)
    for month, value in zip(flagged["x"], flagged["value"], strict=True):
        (text,) = [t for t in texts if t.startswith(f"<b>{month.strftime('%b %Y')}</b>")]
        assert RULE_WORDS["rule_shift"] in text and "Special cause" in text
        assert f"Target 52.0 days: {'met' if value >= 52 else 'not met'}" in text  # higher is better
    quiet = points[~points["special_cause"].astype(bool)].iloc[0]
    (text,) = [t for t in texts if t.startswith(f"<b>{quiet['x'].strftime('%b %Y')}</b>")]
    assert "Common cause (no rule fired)" in text and f"Value: {quiet['value']:.1f} days" in text


def test_spc_points_look_as_in_the_static_chart(spc):
    spec = spc_plotly(spc)
    for trace in (t for t in spec["data"] if t.get("meta") in POINT_STYLES):
        style = POINT_STYLES[trace["meta"]]
        assert trace["marker"]["color"] == style["color"]
        assert trace["marker"]["symbol"].removesuffix("-open") == PLOTLY_SYMBOLS[style["marker"]]
        assert trace["name"].startswith(style["label"])
    names = {t["name"] for t in spec["data"] if t.get("showlegend", True)}
    assert {"Monthly values", "Centre line", "Process limits", "Target"} <= names


def test_spc_icons_say_what_they_mean(spc):
    spec = spc_plotly(spc)
    summary = spc.summary().iloc[-1]
    hovers = [a["hovertext"] for a in spec["layout"]["annotations"] if a.get("xref") == "paper"]
    assert VARIATION_WORDS[summary["variation_type"]] in hovers
    assert ASSURANCE_WORDS[summary["assurance_type"]] in hovers


def test_change_lines_say_the_change_and_close_labels_are_staggered(spc):
    changes = [(MONTHS[2], "C1"), (MONTHS[3], "C2 and a long label"), (MONTHS[4], "C3"), (MONTHS[20], "C4")]
    spec = spc_plotly(spc, annotations=changes, changes={"C1": "New clinic"})
    labels = {a["text"]: a["hovertext"] for a in spec["layout"]["annotations"] if a.get("xref") == "x"}
    assert labels["C1"] == "C1: New clinic" and labels["C3"] == "C3"  # no description: the label alone
    rows = {a["text"]: a["yshift"] for a in spec["layout"]["annotations"] if a.get("xref") == "x"}
    assert rows["C1"] == rows["C2 and a long label"] == rows["C4"]  # each starts clear of the one before
    assert rows["C3"] > rows["C1"]  # would run into the long label: a row up


def test_its_hover_gives_expected_with_interval_and_the_running_total():
    rng = np.random.default_rng(3)
    t = np.arange(36)
    y = 100 + 0.5 * t - 15 * (t >= 24) + rng.normal(0, 2, 36)
    data = pd.DataFrame({"month": pd.period_range("2018-01", periods=36, freq="M"), "y": y})
    result = fit_its(data, "y", "month", pd.Period("2020-01", "M"))
    spec = its_plotly(result, fmt=lambda v: f"{v:.2f}", annotations=[(pd.Period("2020-01", "M"), "C1")])
    json.dumps(spec, allow_nan=False)
    pred = result.predictions()
    post = pred[pred["phase"] != "pre"]
    (observed,) = [tr for tr in spec["data"] if tr.get("meta") == "observed"]
    last = observed["text"][-1]
    total = (post["fitted"] - post["counterfactual"]).sum()
    row = post.iloc[-1]
    assert f"Expected without the programme: {row['counterfactual']:.2f} (95% CI: " in last
    assert f"{row['counterfactual_lower']:.2f} to {row['counterfactual_upper']:.2f}" in last
    assert f"Total difference from expected over the 12 month(s) since the start: {total:.2f}" in last
    assert "Before the programme" in observed["text"][0]
    starts = [a for a in spec["layout"]["annotations"] if a["text"] == "C1"]
    assert starts and starts[0]["font"]["color"] == "#000000"  # the programme start's strong line


def test_html_tables_align_numbers_right_and_break_long_values():
    frame = pd.DataFrame(
        {
            "measure": ["A&E attendances", "Staff turnover"],
            "latest": ["31.5 per 1,000", "1.12%"],
            "effect": ["+10% (+7.0% to +14%)", "\u22121.5% (\u22125.2% to +2.3%)"],
            "month": ["2018-04", "2019-01"],
            "n": [3, 4],
            "sha256": ["0" * 64, "a" * 64],
        }
    )
    classes = column_classes(frame, frame.astype(str))
    assert classes == {"latest": "num", "effect": "num", "n": "num", "sha256": "token"}
    body = html_table(frame.astype(str), "Table 1: <x>", classes, explorable=True)
    assert '<td class="num">31.5 per 1,000</td>' in body and "<td>A&amp;E attendances</td>" in body
    assert "<caption>Table 1: &lt;x&gt;</caption>" in body and "pss-explorable" in body


def test_report_figure_is_interactive_only_when_asked(tmp_path):
    params = load_params(DEMO_PARAMS)
    fig = Figure(figsize=(2, 1))
    fig.add_subplot().plot([1, 2], [3, 4])
    spec = {"data": [{"type": "scatter", "x": [1, 2], "y": [3, 4]}], "layout": {"title": {"text": "</script>"}}}
    for interactive in (True, False):
        report = Report(
            params.model_copy(update={"report": params.report.model_copy(update={"interactive": interactive})}),
            tmp_path,
            {},
        )
        captured = []
        report._show = lambda bundle, metadata=None, out=captured: out.append((bundle, metadata))  # type: ignore[method-assign]
        report.figure(fig, "f", caption="A chart", alt="Alt text", interactive=spec, data=pd.DataFrame({"x": [1.5]}))
        bundle, metadata = captured[0]
        html = bundle["text/html"]
        assert has_interactive(html) is interactive
        assert ('aria-label="Alt text"' in html) is interactive
        assert 'class="pss-static"' in html and 'alt="Alt text"' in html  # the picture stays either way
        assert "<summary>Data behind Figure 1</summary>" in html and ">1.5</td>" in html
        assert metadata["pss"].get("interactive", False) is interactive
        assert html.count("</script>") == int(interactive)  # the spec's "</script>" cannot end its element


def test_figure_html_without_spec_or_data_is_the_static_figure():
    html = figure_html("f", "Figure 2: x", "alt", "AAAA")
    assert not has_interactive(html) and "<details" not in html and 'src="data:image/png;base64,AAAA"' in html


def test_plotly_is_packed_once_and_drawn_from_the_page_itself():
    loader = plotly_loader()
    assert loader.count('id="pss-plotly-js"') == 1
    assert "http" not in loader.split('id="pss-plotly-js">')[1].split("</script>")[1]  # the drawing script
    assert len(loader) < 2_200_000  # 4.8 MB of plotly.js, gzipped and base64-encoded


def test_contents_list_numbers_sections_and_nests_subsections():
    body = (
        '<h1 id="T">Title</h1><h2 id="A">Alpha</h2><h3 id="A1">One <a class="anchor-link" href="#A1"></a></h3>'
        '<h4 id="x">deep</h4><h3 id="A2">Two</h3><h2 id="B">Beta &amp; more</h2>'
    )
    nav = contents_nav(body)
    assert nav.count("<li>") == 4 and "Title" not in nav and "deep" not in nav
    assert '<a href="#A1"><span class="pss-toc-number">1.1</span>One</a>' in nav
    assert '<span class="pss-toc-number">1.2</span>Two' in nav and '<span class="pss-toc-number">2</span>Beta' in nav
    assert nav.count("<ol>") == nav.count("</ol>") and contents_nav("<p>none</p>") == ""


def test_explorable_rows_link_to_the_section_of_the_same_name():
    table = html_table(pd.DataFrame({"measure": ["A&E attendances", "Other"]}), "Table 1", {}, explorable=True)
    body = '<h4 id="AE">A&amp;E attendances<a class="anchor-link" href="#AE"></a></h4>' + table
    linked = link_rows(body)
    assert '<td><a href="#AE">A&amp;E attendances</a></td>' in linked and "<td>Other</td>" in linked
