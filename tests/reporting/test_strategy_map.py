"""Strategy-map layout and figure (pss_analysis.reporting.figures.strategy_map)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.reporting.figures import strategy_map as sm
from pss_analysis.reporting.figures.strategy_map import count_crossings, strategy_map_figure, strategy_map_layout
from pss_analysis.reporting.figures.strategy_map import routes as sm_routes
from pss_analysis.reporting.figures.strategy_map import style as sm_style
from pss_analysis.reporting.figures.strategy_map import text as sm_text

TIER_RANK = {"capability": 0, "processes": 1, "outcomes": 2}

PERSPECTIVES = pd.DataFrame(
    [
        ("service_user", "Service user / stakeholder outcomes", "outcomes", 1),
        ("strategic", "Strategic key performance outcomes", "outcomes", 2),
        ("financial", "Financial outcomes, value for money", "outcomes", 3),
        ("operational", "Service delivery / operational excellence", "processes", 4),
        ("innovation", "Innovation and learning", "capability", 5),
        ("leadership", "Leadership", "capability", 6),
        ("people", "People, partnerships and resources", "capability", 7),
    ],
    columns=["perspective_id", "name", "tier", "order"],
)

OBJECTIVES = pd.DataFrame(
    [
        ("su_home", "Older people still at home 91 days after discharge into reablement", "service_user"),
        ("su_satisfaction", "Service user and carer satisfaction", "service_user"),
        ("st_acs", "Emergency bed-nights for ambulatory care sensitive admissions per 1,000 aged 65+", "strategic"),
        ("st_readmit", "30-day emergency readmissions", "strategic"),
        ("fi_spend", "Spend on preventable emergency admissions", "financial"),
        ("op_ic", "Intermediate-care new patients", "operational"),
        ("op_dtoc", "Delayed transfers of care bed-days", "operational"),
        ("op_los", "Length of stay", "operational"),
        ("in_plans", "Shared care plans in place", "innovation"),
        ("le_partnership", "Partnership survey score", "leadership"),
        ("pe_training", "Staff training", "people"),
        ("pe_vacancy", "Vacancy rate", "people"),
    ],
    columns=["objective_id", "name", "perspective_id"],
)

LINKS = pd.DataFrame(
    [
        ("op_ic", "st_acs", "-"),
        ("op_dtoc", "op_los", "+"),
        ("op_los", "fi_spend", "+"),
        ("st_acs", "fi_spend", "+"),
        ("in_plans", "op_ic", "+"),
        ("le_partnership", "in_plans", "+"),
        ("pe_training", "op_ic", "+"),
        ("pe_vacancy", "op_dtoc", "+"),
        ("op_ic", "su_home", "+"),
        ("in_plans", "st_readmit", "-"),
    ],
    columns=["driver", "outcome", "expected_sign"],
)


def random_map(seed: int = 36, n: int = 36, n_links: int = 50):
    """A seeded random map: ``n`` objectives over the seven perspectives (one crowded), ``n_links`` upward links."""
    rng = np.random.default_rng(seed)
    pids = list(PERSPECTIVES["perspective_id"])
    weights = np.array([0.1, 0.1, 0.08, 0.35, 0.12, 0.1, 0.15])
    assign = rng.choice(pids, size=n, p=weights / weights.sum())
    words = [
        "Emergency",
        "admissions",
        "per 1,000",
        "aged 65+",
        "delayed",
        "transfers",
        "bed-days",
        "staff",
        "turnover",
        "survey",
        "score",
        "readmissions",
        "reablement",
    ]
    objectives = pd.DataFrame(
        {
            "objective_id": [f"m{i:02d}" for i in range(n)],
            "name": [" ".join(rng.choice(words, size=rng.integers(1, 7))) for _ in range(n)],
            "perspective_id": assign,
        }
    )
    tier = dict(zip(PERSPECTIVES["perspective_id"], PERSPECTIVES["tier"], strict=True))
    edges: set[tuple[int, int]] = set()
    while len(edges) < n_links:
        a, b = (int(v) for v in rng.choice(n, 2, replace=False))
        ra, rb = TIER_RANK[tier[assign[a]]], TIER_RANK[tier[assign[b]]]
        if ra < rb or (ra == rb and a < b):
            edges.add((a, b))
    links = pd.DataFrame(
        [(f"m{a:02d}", f"m{b:02d}", "+" if (a + b) % 3 else "-") for a, b in sorted(edges)],
        columns=["driver", "outcome", "expected_sign"],
    )
    return objectives, links


def assert_well_placed(layout: pd.DataFrame) -> None:
    """Nodes inside their bands and the drawing area, tiers in order, no two boxes overlapping."""
    x, y, w, h = (layout[c].to_numpy() for c in ("x", "y", "width", "height"))
    assert ((layout["band_bottom"] < y - h / 2) & (y + h / 2 < layout["band_top"])).all()
    assert ((x - w / 2 >= 0) & (x + w / 2 <= layout.attrs["width"])).all()
    assert ((y - h / 2 >= 0) & (y + h / 2 <= layout.attrs["height"])).all()
    # tiers: every capability box below every process box, below every outcome box
    by_tier = {t: layout.loc[layout["tier"] == t] for t in TIER_RANK}
    for low, high in [("capability", "processes"), ("processes", "outcomes")]:
        if len(by_tier[low]) and len(by_tier[high]):
            assert by_tier[low]["band_top"].max() <= by_tier[high]["band_bottom"].min()
            assert by_tier[low]["y"].max() < by_tier[high]["y"].min()
    for i, j in itertools.combinations(range(len(layout)), 2):
        apart_x = abs(x[i] - x[j]) >= (w[i] + w[j]) / 2
        apart_y = abs(y[i] - y[j]) >= (h[i] + h[j]) / 2
        assert apart_x or apart_y, (layout["objective_id"].iloc[i], layout["objective_id"].iloc[j])


# --- layout -----------------------------------------------------------------------------------------


def test_public_names():
    assert set(sm.__all__) >= {"strategy_map_layout", "strategy_map_figure", "count_crossings"}
    for name in ("strategy_map_layout", "strategy_map_figure", "count_crossings"):
        assert getattr(sm, name).__doc__


def test_layout_columns_and_placement():
    layout = strategy_map_layout(OBJECTIVES, PERSPECTIVES, LINKS)
    assert list(layout.columns[:7]) == ["objective_id", "perspective_id", "tier", "x", "y", "band_bottom", "band_top"]
    assert list(layout["objective_id"]) == list(OBJECTIVES["objective_id"])  # input order
    assert_well_placed(layout)
    # nodes of one perspective share its band; within a tier, smaller `order` is higher
    bands = layout.groupby("perspective_id")[["band_bottom", "band_top"]].nunique()
    assert (bands == 1).all().all()
    top = layout.groupby("perspective_id")["band_top"].first()
    assert top["service_user"] > top["strategic"] > top["financial"] > top["operational"]
    assert top["innovation"] > top["leadership"] > top["people"]


def test_layout_is_deterministic():
    a = strategy_map_layout(OBJECTIVES, PERSPECTIVES, LINKS)
    b = strategy_map_layout(OBJECTIVES.copy(), PERSPECTIVES.copy(), LINKS.copy())
    pd.testing.assert_frame_equal(a, b)


def test_a_36_node_random_map_lays_out_without_overlap():
    objectives, links = random_map()
    layout = strategy_map_layout(objectives, PERSPECTIVES, links)
    assert len(layout) == 36
    assert_well_placed(layout)
    assert layout["row"].max() >= 1  # the crowded band wraps into a second row
    assert sm_style.FONT_MIN_PT <= layout.attrs["font_size"] <= sm_style.FONT_MAX_PT
    assert layout.attrs["crossings"] < strategy_map_layout(objectives, PERSPECTIVES, links, sweeps=0).attrs["crossings"]
    # wrapped names fit their boxes, across and down
    size = layout.attrs["font_size"]
    for label, width, height in zip(layout["label"], layout["width"], layout["height"], strict=True):
        lines = label.split("\n")
        assert len(lines) * size * sm_style.LINE_SPACING / 72 <= height - 2 * sm_style.BOX_TEXT_PAD_IN
        for line in lines:
            assert sm_text._text_width_pt(line, size) <= (width - sm_style.GLYPH_COLUMN_IN) * 72


def test_long_names_are_wrapped_never_cut():
    long = OBJECTIVES.copy()
    long.loc[0, "name"] = ("A very long objective name " * 6).strip()
    short = strategy_map_layout(OBJECTIVES, PERSPECTIVES, LINKS)
    layout = strategy_map_layout(long, PERSPECTIVES, LINKS)
    label = layout["label"].iloc[0]
    assert len(label.split("\n")) > sm_style.MAX_LINES  # at the smallest font the box grows instead of cutting
    assert label.replace("\n", " ") == long.loc[0, "name"] and "…" not in label
    assert layout.attrs["font_size"] == sm_style.FONT_MIN_PT
    assert layout["height"].iloc[0] > short["height"].iloc[0]  # every box grows alike, so rows stay even
    assert layout["height"].nunique() == 1
    assert_well_placed(layout)


def test_barycentre_sweeps_remove_a_known_crossing():
    perspectives = pd.DataFrame(
        [("cap", "Capability", "capability", 2), ("out", "Outcomes", "outcomes", 1)],
        columns=["perspective_id", "name", "tier", "order"],
    )
    objectives = pd.DataFrame(
        [
            ("a1", "A1", "cap"),
            ("a2", "A2", "cap"),
            ("a3", "A3", "cap"),
            ("b1", "B1", "out"),
            ("b2", "B2", "out"),
            ("b3", "B3", "out"),
        ],
        columns=["objective_id", "name", "perspective_id"],
    )
    # a1 -> b3, a2 -> b2, a3 -> b1 in input order: every pair of arrows crosses (3 crossings)
    links = pd.DataFrame(
        [("a1", "b3", "+"), ("a2", "b2", "+"), ("a3", "b1", "-")], columns=["driver", "outcome", "expected_sign"]
    )
    before = strategy_map_layout(objectives, perspectives, links, sweeps=0)
    after = strategy_map_layout(objectives, perspectives, links)
    assert count_crossings(before, links) == before.attrs["crossings"] == 3
    assert count_crossings(after, links) == after.attrs["crossings"] == 0
    assert_well_placed(after)


def test_count_crossings_by_hand():
    layout = pd.DataFrame({"objective_id": ["a", "b", "c", "d"], "x": [0.0, 1.0, 0.0, 1.0], "y": [0.0, 0.0, 1.0, 1.0]})
    crossing = pd.DataFrame({"driver": ["a", "b"], "outcome": ["d", "c"]})  # an X
    parallel = pd.DataFrame({"driver": ["a", "b"], "outcome": ["c", "d"]})  # ||
    shared = pd.DataFrame({"driver": ["a", "a"], "outcome": ["c", "d"]})  # a shared box is not a crossing
    assert count_crossings(layout, crossing) == 1
    assert count_crossings(layout, parallel) == 0
    assert count_crossings(layout, shared) == 0


def test_empty_perspective_still_gets_a_band():
    layout = strategy_map_layout(
        OBJECTIVES[OBJECTIVES["perspective_id"] != "leadership"],
        PERSPECTIVES,
        LINKS[~LINKS["driver"].str.startswith("le_")],
    )
    assert "leadership" not in set(layout["perspective_id"])
    assert_well_placed(layout)


# --- errors -----------------------------------------------------------------------------------------


def test_unknown_perspective_is_named():
    bad = OBJECTIVES.copy()
    bad.loc[3, "perspective_id"] = "wellbeing"
    with pytest.raises(DataValidationError, match="wellbeing") as info:
        strategy_map_layout(bad, PERSPECTIVES, LINKS)
    assert "st_readmit" in str(info.value)
    assert info.value.found == "wellbeing"


def test_unknown_link_endpoint_is_named():
    bad = pd.concat([LINKS, pd.DataFrame([("op_ic", "ghost_measure", "+")], columns=LINKS.columns)])
    with pytest.raises(DataValidationError, match="ghost_measure"):
        strategy_map_layout(OBJECTIVES, PERSPECTIVES, bad)
    with pytest.raises(DataValidationError, match="ghost_measure"):
        strategy_map_figure(OBJECTIVES, PERSPECTIVES, bad)


def test_other_input_errors():
    bad_tier = PERSPECTIVES.copy()
    bad_tier.loc[0, "tier"] = "results"
    with pytest.raises(DataValidationError, match="service_user.*tier"):
        strategy_map_layout(OBJECTIVES, bad_tier, LINKS)
    with pytest.raises(DataValidationError, match="expected_sign"):
        strategy_map_layout(OBJECTIVES, PERSPECTIVES, LINKS.assign(expected_sign="up"))
    with pytest.raises(DataValidationError, match="objective_id"):
        strategy_map_layout(OBJECTIVES.drop(columns="objective_id"), PERSPECTIVES, LINKS)
    with pytest.raises(DataValidationError, match="op_ic.*twice"):
        strategy_map_layout(pd.concat([OBJECTIVES, OBJECTIVES.iloc[[5]]]), PERSPECTIVES, LINKS)
    with pytest.raises(ParameterError, match="node_status"):
        strategy_map_figure(OBJECTIVES, PERSPECTIVES, LINKS, node_status={"op_ic": "better"})
    with pytest.raises(ParameterError, match="nobody"):
        strategy_map_figure(OBJECTIVES, PERSPECTIVES, LINKS, node_status={"nobody": "improved"})
    with pytest.raises(ParameterError, match="op_los -> op_ic"):
        strategy_map_figure(OBJECTIVES, PERSPECTIVES, LINKS, link_status={("op_los", "op_ic"): "agrees"})


# --- figure -----------------------------------------------------------------------------------------


def node_patches(fig) -> list[FancyBboxPatch]:
    ax = fig.axes[0]
    return [p for p in ax.patches if str(p.get_gid() or "").startswith("node:")]


def test_figure_renders_to_png_and_svg(tmp_path):
    statuses = ["improved", "deteriorated", "no change", "mixed", "not enough data"]
    node_status = {o: statuses[i % 6] if i % 6 < 5 else None for i, o in enumerate(OBJECTIVES["objective_id"])}
    link_status = {
        ("op_ic", "st_acs"): "agrees",
        ("pe_vacancy", "op_dtoc"): "disagrees",
        ("op_los", "fi_spend"): "unknown",
    }
    fig = strategy_map_figure(
        OBJECTIVES, PERSPECTIVES, LINKS, node_status=node_status, link_status=link_status, title="Right First Time"
    )
    nodes = node_patches(fig)
    assert len(nodes) == len(OBJECTIVES)
    assert sorted(p.get_gid() for p in nodes) == sorted(f"node:{o}" for o in OBJECTIVES["objective_id"])
    arrows = [p for p in fig.axes[0].patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(LINKS)
    # fill colours follow the statuses; a missing status is neutral grey
    colour = {p.get_gid()[5:]: p.get_facecolor() for p in nodes}
    from matplotlib.colors import to_rgba

    assert colour["su_home"] == to_rgba(sm_style.NODE_STATUSES["improved"]["colour"])
    assert colour["op_ic"] == to_rgba(sm_style.NO_STATUS["colour"])
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"▲", "▼", "=", "~", "?"} <= texts  # a symbol as well as a colour
    # dashed arrows for expected "-", solid for "+"
    style = {p.get_gid(): p.get_linestyle() for p in arrows}
    assert style["link:op_ic->st_acs"] != "-" and style["link:op_los->fi_spend"] in ("-", "solid")

    png, svg = tmp_path / "map.png", tmp_path / "map.svg"
    fig.savefig(png, dpi=80)
    fig.savefig(svg)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and 'id="node:st_acs"' in text


def test_figure_nodes_lie_inside_the_axes():
    objectives, links = random_map()
    fig = strategy_map_figure(objectives, PERSPECTIVES, links)
    ax = fig.axes[0]
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    nodes = node_patches(fig)
    assert len(nodes) == 36
    for p in nodes:
        assert x0 <= p.get_x() and p.get_x() + p.get_width() <= x1
        assert y0 <= p.get_y() and p.get_y() + p.get_height() <= y1
    # the axes fill the figure (nothing drawn off the page) and data units are inches
    pos = ax.get_position()
    assert 0 <= pos.x0 < pos.x1 <= 1 and 0 <= pos.y0 < pos.y1 <= 1
    width_in = pos.width * fig.get_figwidth()
    assert width_in == pytest.approx(x1 - x0)


def points_on(path) -> np.ndarray:
    """Points along every straight or Bézier piece of a path (curves evaluated, not their control points)."""
    t = np.linspace(0, 1, 25)
    return np.vstack([np.atleast_2d(curve(t)) for curve, _ in path.iter_bezier()])


@pytest.mark.parametrize("seed", [None, *range(8)])
def test_arrows_do_not_pass_through_other_boxes(seed):
    objectives, links = (OBJECTIVES, LINKS) if seed is None else random_map(seed)
    layout = strategy_map_layout(objectives, PERSPECTIVES, links)
    for d, t in zip(links["driver"], links["outcome"], strict=True):
        points = points_on(sm_routes._route(layout, layout.attrs["slot"], d, t))
        for node in layout.itertuples():
            if node.objective_id in (d, t):
                continue
            inside = (np.abs(points[:, 0] - node.x) < node.width / 2) & (
                np.abs(points[:, 1] - node.y) < node.height / 2
            )
            assert not inside.any(), (d, t, node.objective_id)
