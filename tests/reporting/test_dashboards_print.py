"""The dashboards read on an A4 page and by everyone (pss_analysis.reporting.figures.dashboards, .spc).

Printed sizes are worked out from each figure's width against the width the PDF sets it at (the A4
text width); contrast by the WCAG 2.2 relative-luminance formula; colour-blind safety by simulating
protanopia, deuteranopia and tritanopia with the matrices of Machado, Oliveira and Fernandes (2009).
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb
from matplotlib.patches import Circle
from matplotlib.text import Text

from pss_analysis.evaluation.dashboards import overview_table, within_year_results
from pss_analysis.methods.spc import evaluate_spc
from pss_analysis.reporting.figures import (
    ICON_COLOURS,
    ICON_LEGEND,
    MAX_PER_FIGURE,
    MIN_PRINTED_PT,
    POINT_STYLES,
    PRINT_WIDTH_IN,
    VERDICT_STYLE,
    icon_layer,
    overview_figures,
    overview_parts,
    printed_scale,
    spc_figure,
    within_year_figure,
    within_year_parts,
)
from pss_analysis.reporting.figures.dashboards import OVERVIEW_FONTSIZE
from pss_analysis.reporting.figures.style import agg_renderer
from pss_analysis.reporting.formatting import in_units
from pss_analysis.reporting.sections.dashboards import overview_alt, within_year_alt

PAGE_HEIGHT_IN = (29.7 - 2.2 - 2.4) / 2.54 - 0.4  # A4 text height less a two-line caption

# --- colour science, written out here -------------------------------------------------------------


def _linear(colour: str) -> np.ndarray:
    """sRGB to linear RGB (IEC 61966-2-1, as WCAG 2.2 uses it; WCAG's 0.03928 and this 0.04045 agree)."""
    c = np.array(to_rgb(colour))
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def contrast(foreground: str, background: str = "#FFFFFF") -> float:
    """WCAG 2.2 contrast ratio (L1 + 0.05) / (L2 + 0.05) of the relative luminances."""
    lum = sorted(float(_linear(c) @ [0.2126, 0.7152, 0.0722]) for c in (foreground, background))
    return (lum[1] + 0.05) / (lum[0] + 0.05)


# Machado, Oliveira & Fernandes (2009), IEEE TVCG 15(6), severity 1.0, on linear RGB.
MACHADO = {
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
}


def _lab(linear: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a linear-RGB colour."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(
        linear, 0, 1
    )
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 216 / 24389, np.cbrt(t), (24389 / 27 * t + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: str | None = None) -> float:
    """CIE76 colour difference of ``a`` and ``b`` as seen with ``vision`` (None: normal)."""
    la, lb = _linear(a), _linear(b)
    if vision:
        la, lb = np.array(MACHADO[vision]) @ la, np.array(MACHADO[vision]) @ lb
    return float(np.linalg.norm(_lab(la) - _lab(lb)))


def test_colour_science_matches_published_values():
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)  # the darkest AA grey on white
    # a simulated dichromat cannot tell red from green apart as a normal viewer does
    assert delta_e("#FF0000", "#00FF00") > 100 > 3 * delta_e("#FF0000", "#00FF00", "deuteranopia") / 2


# --- the demo's dashboards ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def study():
    from conftest import DEMO_PARAMS

    from pss_analysis.config.loading import load_params
    from pss_analysis.evaluation.study import prepare_study

    return prepare_study(load_params(DEMO_PARAMS))


@pytest.fixture(scope="module")
def overview(study):
    return overview_table(study.evidence, study.summary, study.perspectives, study.measures)


@pytest.fixture(scope="module")
def figures(study, overview):
    names = dict(zip(study.measures["measure_id"], study.measures["name"], strict=True))
    results = within_year_results(study.evaluations)
    within = [within_year_figure(part, names) for part in within_year_parts(results)]
    return {"overview": overview_figures(overview), "within_year": within}


def _all(figures) -> list:
    return [fig for figs in figures.values() for fig in figs]


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_every_text_prints_at_least_7pt_and_every_figure_fits_a_page(figures):
    for fig in _all(figures):
        scale = printed_scale(fig)
        agg_renderer(fig)  # tick labels exist once drawn
        fig.canvas.draw()
        sizes = {_flat(t.get_text()): t.get_fontsize() * scale for t in _texts(fig)}
        small = {text: round(size, 2) for text, size in sizes.items() if size < MIN_PRINTED_PT}
        assert not small, small
        assert fig.get_figheight() * scale <= PAGE_HEIGHT_IN
    assert printed_scale(figures["overview"][0]) == pytest.approx(1.0)  # drawn at the printed size


def test_names_wrap_and_are_never_cut(figures, study):
    for key, figs in figures.items():
        shown = " | ".join(_flat(t.get_text()) for fig in figs for t in _texts(fig))
        assert "…" not in shown and "..." not in shown
        for name in study.measures["name"]:
            assert name in shown, (key, name)
    wrapped = [t.get_text() for fig in figures["overview"] for t in _texts(fig) if "\n" in t.get_text()]
    assert any("ambulatory care" in t for t in wrapped)  # the long names take two lines or more


def test_before_and_since_are_in_the_measure_units(figures, overview):
    shown = {_flat(t.get_text()) for fig in figures["overview"] for t in _texts(fig)}
    for row in overview.to_dict("records"):
        for column in ("mean_before", "mean_after"):
            text = in_units(row[column], row)
            assert text in shown, (row["name"], text)
            if row["kind"] in ("proportion", "rate") or str(row["unit"]).startswith("£"):
                assert re.search(r"%|per [\d,]+|£", text), text
    assert "4.04 per 1,000" in shown and "73.8%" in shown  # ACS admissions per 1,000 65+; satisfaction
    assert any(re.fullmatch(r"£[\d,]+ per admission", t) for t in shown)  # cost per ACS admission


def test_the_text_of_an_overview_row_does_not_overlap(figures):
    fig = figures["overview"][0]
    renderer = agg_renderer(fig)
    boxes = [t.get_window_extent(renderer) for t in fig.axes[0].texts]
    overlaps = [(a, b) for a, b in itertools.combinations(range(len(boxes)), 2) if boxes[a].overlaps(boxes[b])]
    assert not overlaps, [(fig.axes[0].texts[a].get_text(), fig.axes[0].texts[b].get_text()) for a, b in overlaps]
    for t in fig.axes[0].texts:  # and all of it on the figure
        assert 0 <= t.get_window_extent(renderer).x0 and t.get_window_extent(renderer).x1 <= fig.bbox.x1


def test_twenty_measures_are_split_into_figures_of_at_most_twelve(overview):
    extra = overview.tail(2).assign(measure_id=["x1", "x2"], name=["Extra measure one", "Extra measure two"])
    twenty = pd.concat([overview, extra], ignore_index=True)
    assert len(twenty) == 20
    parts = overview_parts(twenty)
    assert [len(p) for p in parts] and max(len(p) for p in parts) <= MAX_PER_FIGURE
    assert pd.concat(parts)["measure_id"].tolist() == twenty["measure_id"].tolist()  # each once, in order
    figs = overview_figures(twenty)
    assert len(figs) == len(parts) >= 2
    for fig, part in zip(figs, parts, strict=True):
        rows = [t for t in fig.axes[0].texts if t.get_gid() == "measure-name"]
        assert len(rows) == len(part) <= MAX_PER_FIGURE
        assert fig.get_figheight() <= PAGE_HEIGHT_IN
        assert f"of {len(parts)})" in fig.axes[0].texts[0].get_text()
    sizes = {t.get_fontsize() for fig in figs for t in fig.axes[0].texts if t.get_gid() == "measure-name"}
    assert sizes == {OVERVIEW_FONTSIZE}  # split, not shrunk
    assert [len(p) for p in within_year_parts({str(k): k for k in range(20)})] == [12, 8]


def test_within_year_titles_clear_of_the_icons_and_legend_below(figures):
    fig = figures["within_year"][0]
    renderer = agg_renderer(fig)
    icons = [p.get_window_extent(renderer) for ax in fig.axes for p in ax.patches if isinstance(p, Circle)]
    assert len(icons) >= MAX_PER_FIGURE
    titles = [
        t
        for ax in fig.axes
        if ax.get_title(loc="left")
        for t in ax.findobj(Text)
        if t.get_text() == ax.get_title(loc="left")
    ]
    assert len(titles) == MAX_PER_FIGURE  # the demo's first twelve measures
    for title in titles:
        box = title.get_window_extent(renderer)
        assert not any(box.overlaps(icon) for icon in icons), title.get_text()
    labels = {t.get_text() for legend in fig.legends for t in legend.get_texts()}
    assert {"Centre line", "Process limits", "Target", "Common cause"} <= labels
    texts = {_flat(t.get_text()) for t in _texts(fig)}
    assert all(_flat(label) in texts for _, label in ICON_LEGEND)


def test_every_colour_and_symbol_has_a_legend(figures):
    assert {kind for (kind, _), _ in ICON_LEGEND} == set(ICON_COLOURS)
    for fig in figures["overview"]:
        texts = {_flat(t.get_text()) for t in _texts(fig)}
        assert {label for _, label in VERDICT_STYLE.values()} <= texts
        assert all(_flat(label) in texts for _, label in ICON_LEGEND)


def test_icons_are_rings_with_a_legible_letter_inside(figures):
    fig = figures["overview"][0]
    renderer = agg_renderer(fig)
    letters = 0
    layer = icon_layer(fig)
    rings = [p.get_window_extent(renderer) for p in layer.patches if isinstance(p, Circle)]
    for t in layer.texts:
        box = t.get_window_extent(renderer)
        inside = [r for r in rings if r.x0 < box.x0 and box.x1 < r.x1 and r.y0 < box.y0 and box.y1 < r.y1]
        assert len(inside) == 1, t.get_text()  # inside its own ring, and no other
        assert t.get_fontsize() * printed_scale(fig) >= MIN_PRINTED_PT
        letters += 1
    assert letters >= 10  # assurance letters of the demo and the legend's H, L, P, F, ?


# --- accessible colours and markers ---------------------------------------------------------------


def test_text_colours_meet_wcag_aa(figures):
    for fig in _all(figures):
        for t in _texts(fig):
            assert contrast(t.get_color()) >= 4.5, (t.get_text(), t.get_color())


def test_graphical_colours_meet_wcag_non_text_contrast():
    from pss_analysis.reporting.figures import spc

    colours = [s["color"] for s in POINT_STYLES.values()] + list(ICON_COLOURS.values())
    colours += [spc.CENTRE_COLOUR, spc.LIMIT_COLOUR, spc.TARGET_COLOUR] + [c for c, _ in VERDICT_STYLE.values()]
    for colour in colours:
        assert contrast(colour) >= 3.0, colour
    for colour in list(ICON_COLOURS.values()) + [c for c, _ in VERDICT_STYLE.values()]:
        assert contrast(colour) >= 4.5, colour  # the icons' letters and the verdicts are text


def test_key_colours_stay_apart_with_colour_blindness():
    key = {k: s["color"] for k, s in POINT_STYLES.items()}
    key |= {f"verdict {v}": c for v, (c, _) in VERDICT_STYLE.items() if v in ("improved", "deteriorated")}
    for vision in (None, *MACHADO):
        for (a, ca), (b, cb) in itertools.combinations(key.items(), 2):
            if ca != cb:
                assert delta_e(ca, cb, vision) >= 20, (vision, a, b)


def _result():
    rng = np.random.default_rng(7)
    y = np.r_[
        rng.normal(100, 3, 24), rng.normal(100, 3, 6), [120, 121, 119, 122, 123, 124, 125, 126], rng.normal(80, 2, 8)
    ]
    frame = pd.DataFrame({"x": pd.period_range("2021-01", periods=len(y), freq="M"), "y": y})
    return evaluate_spc(frame, y="y", x="x", chart="xmr", improvement_direction="increase")


def test_special_cause_markers_differ_in_shape_not_only_colour():
    markers = [s["marker"] for s in POINT_STYLES.values()]
    assert len(set(markers)) == len(markers)
    result = _result()
    kinds = set(result.points["point_type"])
    assert {"special_cause_improvement", "special_cause_concern", "common_cause"} <= kinds
    fig = spc_figure(result, title="Shapes")
    shapes = {}
    for coll in fig.axes[0].collections:
        if isinstance(coll, PathCollection) and len(coll.get_offsets()):
            shapes[tuple(np.round(coll.get_edgecolor()[0], 3))] = coll.get_paths()[0].vertices.round(3).tobytes()
    assert len(set(shapes.values())) == len(shapes) >= 3  # each kind its own shape


def test_alt_texts_say_what_the_figures_show(study, overview):
    part = overview_parts(overview)[0]
    alt = overview_alt(part)
    assert f"{len(part)} measures" in alt and "Verdicts:" in alt
    counts = part["verdict"].value_counts()
    assert all(f"{n} {v}" in alt for v, n in counts.items())
    names = dict(zip(study.measures["measure_id"], study.measures["name"], strict=True))
    results = within_year_results(study.evaluations)
    first = within_year_parts(results)[0]
    text = within_year_alt(first, names)
    assert f"{len(first)} measures" in text and "12 months" in text
    assert "none" not in text and "hit or miss" in text  # the demo's targets; no word for "no target"
    special = [names[k] for k, r in first.items() if r.summary()["variation_type"].iloc[-1] != "common_cause"]
    assert all(name in text for name in special)


def test_dashboards_are_drawn_at_the_printed_width(figures):
    assert {round(fig.get_figwidth(), 3) for fig in _all(figures)} == {round(PRINT_WIDTH_IN, 3)}


def test_every_chart_of_a_measure_prints_text_of_7pt_at_aa_contrast(study):
    from pss_analysis.reporting.figures import its_figure, timeseries_figure

    mid = "acs_admissions"
    ev, measure = study.evaluations[mid], study.measures.set_index("measure_id").loc[mid]
    series = study.indicators[study.indicators["measure_id"] == mid]
    title = f"{measure['name']} (XMR chart)"
    changes = {pd.Period("2017-06", "M"): "C1 Integrated teams", pd.Period("2018-03", "M"): "C2 Digital referrals"}
    charts = [
        its_figure(ev.its, title=measure["name"], ylabel=measure["unit"], annotations=changes),
        spc_figure(ev.spc, title=title, ylabel=measure["unit"], annotations=changes),
        timeseries_figure(series, start="2017-04", title=measure["name"], ylabel=measure["unit"], target=3.0),
    ]
    for fig in charts:
        agg_renderer(fig)
        fig.canvas.draw()  # tick labels exist once drawn
        scale = printed_scale(fig)
        for t in _texts(fig):
            assert t.get_fontsize() * scale >= MIN_PRINTED_PT, (t.get_text(), t.get_fontsize() * scale)
            assert contrast(t.get_color()) >= 4.5, (t.get_text(), t.get_color())


def test_a_value_the_published_table_hides_is_hidden_in_the_figure(overview):
    from pss_analysis.reporting.figures import overview_figure

    row = overview[overview["kind"] == "count"].head(1).copy()
    shown = row.astype({"mean_after": object, "relative_change": object})
    shown.loc[:, ["mean_after", "relative_change"]] = "*"
    texts = {_flat(t.get_text()) for t in _texts(overview_figure(shown))}
    assert "*" in texts and any(t.startswith("* a value hidden to protect small numbers") for t in texts)
    assert in_units(row["mean_after"].iloc[0], row.iloc[0].to_dict()) not in texts
    assert in_units(row["mean_before"].iloc[0], row.iloc[0].to_dict()) in texts  # the other mean stays
    assert not any("hidden" in t for t in (_flat(x.get_text()) for x in _texts(overview_figure(row))))
