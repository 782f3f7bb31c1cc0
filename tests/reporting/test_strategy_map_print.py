"""The strategy map reads on an A4 page (issue 12): text at least 7 pt as printed, names whole, nothing off the page.

The PDF and Word set every figure at the full text width of an A4 portrait page (17 cm), so a font of
f points prints at f times :func:`printed_scale`. Checked on the demo's scorecard and on a larger
synthetic one (30 objectives with long names, one crowded perspective).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from pss_analysis.inputs.scorecard.build import load_scorecard
from pss_analysis.reporting.figures import MIN_PRINTED_PT, PRINT_WIDTH_IN, printed_scale
from pss_analysis.reporting.figures.strategy_map import NODE_STATUSES, strategy_map_figure, strategy_map_layout
from pss_analysis.reporting.figures.strategy_map import text as sm_text
from pss_analysis.reporting.figures.style import agg_renderer

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "scorecard.yaml"
PAGE_HEIGHT_IN = (29.7 - 2.2 - 2.4) / 2.54 - 0.4  # A4 text height less a two-line caption
TITLE = "Strategy map, coloured by the evidence of each objective's measures"

PERSPECTIVES = pd.DataFrame(
    [
        ("service_user", "Service user and stakeholder outcomes", "outcomes", 1),
        ("strategic", "Strategic key performance outcomes", "outcomes", 2),
        ("financial", "Financial outcomes and value for money", "outcomes", 3),
        ("operational", "Service delivery and operational excellence", "processes", 4),
        ("innovation", "Innovation and learning", "capability", 5),
        ("leadership", "Leadership", "capability", 6),
        ("people", "People, partnerships and resources", "capability", 7),
    ],
    columns=["perspective_id", "name", "tier", "order"],
)
WORDS = (
    "Emergency admissions per 1,000 people aged 65+ delayed transfers of care bed-days staff turnover survey "
    "score readmissions within 30 days reablement at home satisfaction with the service partnership working"
).split()


def synthetic(n: int = 30, n_links: int = 45, seed: int = 12) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``n`` objectives with names of 3 to 9 words (a third of them in one perspective) and upward links."""
    rng = np.random.default_rng(seed)
    pids = list(PERSPECTIVES["perspective_id"])
    assign = rng.choice(pids, size=n, p=np.array([1, 1.5, 1, 3.3, 1, 1, 1.5]) / 10.3)
    names = [" ".join(rng.choice(WORDS, size=int(rng.integers(3, 10)))).capitalize() for _ in range(n)]
    ids = [f"o{i:02d}" for i in range(n)]
    objectives = pd.DataFrame({"objective_id": ids, "name": names, "perspective_id": assign})
    rank = {pid: int(r) for pid, r in zip(pids, PERSPECTIVES["order"], strict=True)}
    edges: set[tuple[int, int]] = set()
    while len(edges) < n_links:
        a, b = (int(v) for v in rng.choice(n, 2, replace=False))
        if rank[assign[a]] > rank[assign[b]]:  # a larger order is lower on the map: drivers below outcomes
            edges.add((a, b))
    links = pd.DataFrame(
        [(f"o{a:02d}", f"o{b:02d}", "+" if (a + b) % 3 else "-") for a, b in sorted(edges)],
        columns=["driver", "outcome", "expected_sign"],
    )
    return objectives, links


def _statuses(ids) -> dict[str, str | None]:
    """Every status in turn, and some objectives with none, so every symbol is drawn."""
    kinds: list[str | None] = [*NODE_STATUSES, None]
    return {o: kinds[i % len(kinds)] for i, o in enumerate(ids)}


@pytest.fixture(scope="module")
def maps():
    sc = load_scorecard(DEMO)
    objectives, links = synthetic()
    out = {
        "demo": (
            sc.objectives,
            sc.perspectives,
            strategy_map_figure(
                sc.objectives,
                sc.perspectives,
                sc.links,
                node_status=_statuses(sc.objectives["objective_id"]),
                title=TITLE,
            ),
        ),
        "30 objectives": (
            objectives,
            PERSPECTIVES,
            strategy_map_figure(
                objectives, PERSPECTIVES, links, node_status=_statuses(objectives["objective_id"]), title=TITLE
            ),
        ),
    }
    for *_, fig in out.values():
        fig.draw_without_rendering()  # lay out the legends, so every text is where it will be drawn
    return out


def _texts(fig) -> list[Text]:
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _joined(lines: list[str]) -> str:
    """Lines of a wrapped name back into the name (a word broken with a hyphen is joined up again)."""
    out = ""
    for line in lines:
        out = out[:-1] + line if out.endswith("-") and not out.endswith(" -") else f"{out} {line}".strip()
    return out


def test_the_synthetic_map_is_larger():
    objectives, links = synthetic()
    assert len(objectives) == 30 and len(links) == 45
    assert objectives["perspective_id"].value_counts().max() >= 9  # a crowded band that wraps into rows
    assert objectives["name"].str.len().max() >= 50


@pytest.mark.parametrize("which", ["demo", "30 objectives"])
def test_every_text_prints_at_7pt_or_more(maps, which):
    *_, fig = maps[which]
    assert printed_scale(fig) == pytest.approx(1.0)  # drawn at the printed width: 17 cm
    assert fig.get_figwidth() == pytest.approx(PRINT_WIDTH_IN)
    texts = _texts(fig)
    assert len(texts) > 40
    small = {t.get_text(): round(t.get_fontsize() * printed_scale(fig), 2) for t in texts}
    small = {k: v for k, v in small.items() if v < MIN_PRINTED_PT}
    assert not small, small


@pytest.mark.parametrize("which", ["demo", "30 objectives"])
def test_nothing_outside_the_figure(maps, which):
    *_, fig = maps[which]
    renderer = agg_renderer(fig)
    page = Bbox.from_bounds(0, 0, fig.bbox.width, fig.bbox.height).padded(0.5)
    for text in _texts(fig):
        box = text.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1, text.get_text()
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1 and page.y0 <= box.y0 and box.y1 <= page.y1


@pytest.mark.parametrize("which", ["demo", "30 objectives"])
def test_names_are_whole_and_inside_their_boxes(maps, which):
    objectives, perspectives, fig = maps[which]
    ax = fig.axes[0]
    renderer = agg_renderer(fig)
    boxes = [p for p in ax.patches if isinstance(p, FancyBboxPatch)]
    shown = {t.get_text() for t in _texts(fig)}
    assert not [t for t in shown if "…" in t or "..." in t]
    lines_in: dict[int, list[str]] = {i: [] for i in range(len(boxes))}
    extents = [b.get_window_extent(renderer) for b in boxes]
    for text in ax.texts:
        extent = text.get_window_extent(renderer)
        for i, box in enumerate(extents):
            if box.overlaps(extent):  # text on a box lies wholly inside it
                assert box.x0 < extent.x0 and extent.x1 < box.x1 and box.y0 < extent.y0 and extent.y1 < box.y1
                if text.get_text() not in {s["glyph"] for s in NODE_STATUSES.values()}:
                    lines_in[i].append(text.get_text())
    names = {_joined(lines) for lines in lines_in.values()}
    assert names == set(objectives["name"])  # every name whole, in one box each
    # every perspective name is written out in full on the left
    label_lines = [t.get_text() for t in ax.texts if t.get_position()[0] < 0]
    flat = " ".join(label_lines)
    for name in perspectives["name"]:
        assert name in flat, name
    assert TITLE in " ".join(t.get_text().replace("\n", " ") for t in fig.texts)


def test_the_demo_map_fits_a_portrait_page(maps):
    *_, fig = maps["demo"]
    assert fig.get_figheight() * printed_scale(fig) <= PAGE_HEIGHT_IN


@pytest.mark.parametrize("which", ["demo", "30 objectives"])
def test_arrows_keep_clear_of_the_labels_and_the_legend(maps, which):
    *_, fig = maps[which]
    ax = fig.axes[0]
    renderer = agg_renderer(fig)
    labels = [t.get_window_extent(renderer) for t in ax.texts if t.get_position()[0] < 0]
    legends = [lg.get_window_extent(renderer) for lg in fig.legends]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert arrows
    for arrow in arrows:
        extent = arrow.get_window_extent(renderer)
        for other in labels + legends:
            assert not extent.overlaps(other), arrow.get_gid()


def _one_crowded_band(names: list[str]) -> pd.DataFrame:
    rows = [(f"o{i}", name, "operational") for i, name in enumerate(names)]
    rows += [(f"x{j}", "Staff survey", p) for j, p in enumerate(PERSPECTIVES["perspective_id"]) if p != "operational"]
    return pd.DataFrame(rows, columns=["objective_id", "name", "perspective_id"])


def test_a_crowded_map_puts_more_boxes_in_a_row_only_while_words_fit():
    no_links = pd.DataFrame(columns=["driver", "outcome", "expected_sign"])
    short = strategy_map_layout(_one_crowded_band([f"Waiting time {i}" for i in range(20)]), PERSPECTIVES, no_links)
    long = strategy_map_layout(_one_crowded_band([f"Interdisciplinary {i}" for i in range(20)]), PERSPECTIVES, no_links)
    per_row = {k: int(m.groupby(["perspective_id", "row"]).size().max()) for k, m in (("short", short), ("long", long))}
    assert per_row == {"short": 5, "long": 4}  # 4 rows of 5 rather than 5 rows of 4 ...
    assert short["row"].max() + 1 == 4 and long["row"].max() + 1 == 5
    # ... but never by breaking a word: "Interdisciplinary" would not fit a narrower box even at 7 pt
    assert all(not line.endswith("-") for label in long["label"] for line in label.split("\n"))
    assert short.attrs["font_size"] >= MIN_PRINTED_PT and long.attrs["font_size"] >= MIN_PRINTED_PT


def test_long_words_break_at_their_own_hyphens_first():
    name = "A stable, well-supported workforce"
    assert sm_text._wrap(name, 7, 40) == ["A stable,", "well-", "supported", "workforce"]
    assert sm_text._wrap(name, 7, 200) == [name]
    broken = sm_text._wrap("Interdisciplinary", 7, 40)  # no hyphen of its own: broken with one, nothing lost
    assert len(broken) > 1 and broken[0].endswith("-") and "".join(b.rstrip("-") for b in broken) == "Interdisciplinary"
