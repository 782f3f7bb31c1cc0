"""Drawing the strategy map on a matplotlib Figure: bands, boxes, arrows and the legend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle

from pss_analysis.errors import ParameterError
from pss_analysis.evaluation.balance import UNKNOWN
from pss_analysis.evaluation.verdicts import NOT_ENOUGH_DATA
from pss_analysis.reporting.figures.strategy_map.inputs import _validate
from pss_analysis.reporting.figures.strategy_map.layout import _build_layout, _Layout
from pss_analysis.reporting.figures.strategy_map.routes import _route
from pss_analysis.reporting.figures.strategy_map.style import (
    BOX_ROUNDING_IN,
    BOX_TEXT_PAD_IN,
    CAP_CENTRE_EM,
    EDGE_COLOUR,
    GLYPH_COLUMN_IN,
    LABEL_COLUMN_IN,
    LEGEND_FONT_PT,
    LEGEND_GAP_IN,
    LEGEND_TITLE_PT,
    LINE_SPACING,
    LINK_STATUSES,
    MARGIN_IN,
    NO_STATUS,
    NODE_STATUSES,
    PERSPECTIVE_FONT_PT,
    PERSPECTIVE_LABEL_IN,
    SIGN_STYLES,
    SWEEPS,
    TEXT_COLOUR,
    TIER_COLOURS,
    TIER_FONT_PT,
    TIER_LABELS,
    TIER_STRIP_IN,
    TITLE_FONT_PT,
    TITLE_GAP_IN,
)
from pss_analysis.reporting.figures.strategy_map.text import _lines_height_in, _wrap

__all__ = ["strategy_map_figure"]


def _check_statuses(statuses: Mapping[Any, str] | None, known: dict, what: str, valid_keys: set) -> dict:
    if statuses is None:
        return {}
    if not isinstance(statuses, Mapping):
        raise ParameterError(f"{what} must be a mapping", key=what, expected="a dict", found=type(statuses).__name__)
    out = {}
    for key, value in statuses.items():
        k = (str(key[0]), str(key[1])) if isinstance(key, tuple) and len(key) == 2 else str(key)
        if k not in valid_keys:
            shown = f"{k[0]} -> {k[1]}" if isinstance(k, tuple) else k
            raise ParameterError(
                f"{what} names '{shown}', which is not on the map",
                key=what,
                expected="an objective id" if what == "node_status" else "a (driver, outcome) link",
                found=shown,
            )
        if value is None:
            continue
        if value not in known:
            raise ParameterError(
                f"unknown {what} value for '{k}'", key=what, expected=f"one of {', '.join(known)}", found=value
            )
        out[k] = value
    return out


def strategy_map_figure(
    objectives: pd.DataFrame,
    perspectives: pd.DataFrame,
    links: pd.DataFrame,
    *,
    node_status: Mapping[str, str] | None = None,
    link_status: Mapping[tuple[str, str], str] | None = None,
    title: str | None = None,
) -> Figure:
    """The strategy map as a :class:`~matplotlib.figure.Figure`, coloured by evidence.

    ``node_status`` maps an objective id to one of :data:`NODE_STATUSES` (improved, deteriorated,
    no change, mixed, not enough data); a missing or ``None`` status draws the box grey with no
    symbol. ``link_status`` maps ``(driver, outcome)`` to one of :data:`LINK_STATUSES` (agrees,
    disagrees, unknown; missing = unknown) — e.g. the ``status`` of
    :func:`pss_analysis.methods.linkage.link_evidence`. Unknown ids or values raise
    :class:`~pss_analysis.errors.ParameterError`.

    Every box is a :class:`~matplotlib.patches.FancyBboxPatch` with ``gid`` ``"node:<objective_id>"``
    and every arrow a :class:`~matplotlib.patches.FancyArrowPatch` with ``gid``
    ``"link:<driver>-><outcome>"``, so tests and SVG post-processing can find them.
    """
    inputs = _validate(objectives, perspectives, links)
    layout = _build_layout(inputs, SWEEPS)
    nodes = layout.nodes
    statuses = _check_statuses(node_status, NODE_STATUSES, "node_status", set(nodes["objective_id"]))
    link_statuses = _check_statuses(link_status, LINK_STATUSES, "link_status", {(d, t) for d, t, _ in inputs.links})

    fig_w = 2 * MARGIN_IN + LABEL_COLUMN_IN + layout.width
    fig = Figure(figsize=(fig_w, layout.height))  # height fixed below, once the legend is measured
    canvas = FigureCanvasAgg(fig)  # a canvas to measure the legend with; savefig still picks the format's backend
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-LABEL_COLUMN_IN, layout.width)
    ax.set_ylim(0, layout.height)
    ax.axis("off")
    _draw_bands(ax, layout)
    _draw_boxes(ax, layout, statuses)
    _draw_arrows(ax, layout, link_statuses)
    placed, legend_h = _legends(fig, canvas.get_renderer(), fig_w - 2 * MARGIN_IN)
    _fit_figure(fig, ax, layout, placed, legend_h, title)
    return fig


def _draw_arrows(ax: Any, layout: _Layout, link_statuses: Mapping[tuple[str, str], str]) -> None:
    """One arrow per link, coloured by its status and solid or dashed by its expected sign."""
    for d, t, sign in layout.links:
        style = LINK_STATUSES[link_statuses.get((d, t), UNKNOWN)]
        route = _route(layout.nodes, layout.slot, d, t)
        ax.add_patch(
            FancyArrowPatch(
                path=route,
                arrowstyle="-|>,head_length=0.45,head_width=0.22",
                mutation_scale=10,
                color=style["colour"],
                linewidth=style["width"],
                linestyle=SIGN_STYLES[sign],
                zorder=3,
                gid=f"link:{d}->{t}",
                capstyle="butt",
                joinstyle="round",
            )
        )


def _fit_figure(
    fig: Figure, ax: Any, layout: _Layout, placed: list[tuple[Any, float, float]], legend_h: float, title: str | None
) -> None:
    """The final figure size (title, map, legend under it), the map's axes and legends placed, the title.

    The title is wrapped to the printed width rather than cut or shrunk.
    """
    fig_w = fig.get_size_inches()[0]
    lines = _wrap(title, TITLE_FONT_PT, (fig_w - 2 * MARGIN_IN) * 72, bold=True) if title else []
    top_in = MARGIN_IN + (_lines_height_in(len(lines), TITLE_FONT_PT) + TITLE_GAP_IN if lines else 0.0)
    fig_h = top_in + layout.height + LEGEND_GAP_IN + legend_h + MARGIN_IN
    fig.set_size_inches(fig_w, fig_h)
    ax.set_position(
        (
            MARGIN_IN / fig_w,
            (fig_h - top_in - layout.height) / fig_h,
            (LABEL_COLUMN_IN + layout.width) / fig_w,
            layout.height / fig_h,
        )
    )
    legend_top = MARGIN_IN + legend_h
    for legend, x_in, dy_in in placed:
        legend.set_bbox_to_anchor((x_in, legend_top - dy_in), transform=fig.dpi_scale_trans)
    if lines:
        fig.text(
            MARGIN_IN,
            fig_h - MARGIN_IN,
            "\n".join(lines),
            ha="left",
            va="top",
            linespacing=LINE_SPACING,
            fontsize=TITLE_FONT_PT,
            fontweight="bold",
            color=TEXT_COLOUR,
            transform=fig.dpi_scale_trans,
        )


def _text_lines(ax: Any, x: float, y: float, lines: list[str], size: float, **kwargs: Any) -> None:
    """Lines of text centred on ``y`` with an even baseline-to-baseline spacing.

    One text per line: matplotlib spaces the lines of one multi-line text by each line's own ascent,
    so a line without ascenders ("emergency") sits unevenly.
    """
    step = size * LINE_SPACING / 72
    for i, line in enumerate(lines):
        centre = y + ((len(lines) - 1) / 2 - i) * step
        ax.text(x, centre - CAP_CENTRE_EM * size / 72, line, va="baseline", fontsize=size, **kwargs)


def _draw_bands(ax: Any, layout: _Layout) -> None:
    """Tier strips with their names, and shaded perspective bands labelled on the left."""
    for tier in layout.tiers.itertuples():
        strip = TIER_COLOURS[tier.tier][0]
        ax.add_patch(
            Rectangle(
                (-LABEL_COLUMN_IN, tier.bottom),
                TIER_STRIP_IN,
                tier.top - tier.bottom,
                facecolor=strip,
                edgecolor="none",
                zorder=0,
            )
        )
        ax.text(
            -LABEL_COLUMN_IN + TIER_STRIP_IN / 2,
            (tier.bottom + tier.top) / 2,
            TIER_LABELS[tier.tier].upper(),
            rotation=90,
            ha="center",
            va="center",
            color="white",
            fontsize=TIER_FONT_PT,
            fontweight="bold",
            zorder=1,
        )
    for band in layout.bands.itertuples():
        tint = TIER_COLOURS[band.tier][1 + band.shade]
        ax.add_patch(
            Rectangle(
                (-PERSPECTIVE_LABEL_IN, band.band_bottom),
                PERSPECTIVE_LABEL_IN + layout.width,
                band.band_top - band.band_bottom,
                facecolor=tint,
                edgecolor="none",
                zorder=0,
            )
        )
        _text_lines(
            ax,
            -PERSPECTIVE_LABEL_IN + 0.06,
            (band.band_bottom + band.band_top) / 2,
            band.label.split("\n"),
            PERSPECTIVE_FONT_PT,
            ha="left",
            fontweight="bold",
            color=TIER_COLOURS[band.tier][0],
            zorder=1,
        )


def _draw_boxes(ax: Any, layout: _Layout, statuses: Mapping[str, str]) -> dict[str, FancyBboxPatch]:
    """One rounded box per objective, filled by its status, with the status symbol and the wrapped name."""
    boxes: dict[str, FancyBboxPatch] = {}
    for node in layout.nodes.itertuples():
        status = statuses.get(node.objective_id)
        style = NODE_STATUSES[status] if status else NO_STATUS
        left, bottom = node.x - node.width / 2, node.y - node.height / 2
        box = FancyBboxPatch(
            (left, bottom),
            node.width,
            node.height,
            boxstyle=f"round,pad=0,rounding_size={BOX_ROUNDING_IN}",
            facecolor=style["colour"],
            edgecolor=EDGE_COLOUR,
            linewidth=0.9,
            linestyle="--" if status == NOT_ENOUGH_DATA else "-",
            zorder=4,
            gid=f"node:{node.objective_id}",
        )
        ax.add_patch(box)
        boxes[node.objective_id] = box
        if style["glyph"]:
            ax.text(
                left + BOX_TEXT_PAD_IN + GLYPH_COLUMN_IN / 2 - 0.02,
                node.y,
                style["glyph"],
                ha="center",
                va="center",
                fontsize=layout.font_size + 1.5,
                fontweight="bold",
                color=TEXT_COLOUR,
                zorder=5,
            )
        _text_lines(
            ax,
            left + GLYPH_COLUMN_IN + (node.width - GLYPH_COLUMN_IN) / 2,
            node.y,
            node.label.split("\n"),
            layout.font_size,
            ha="center",
            color=TEXT_COLOUR,
            zorder=5,
        )
    return boxes


def _legends(fig: Figure, renderer: RendererAgg, available_in: float) -> tuple[list[tuple[Any, float, float]], float]:
    """Three legend blocks (boxes, arrow colour, arrow style), side by side while they fit, else wrapped.

    Returns each legend with its left edge and its top's distance below the legend area's top (inches),
    and the height of the legend area.
    """
    node_handles = [
        Patch(
            facecolor=s["colour"], edgecolor=EDGE_COLOUR, linewidth=0.8, linestyle="--" if k == NOT_ENOUGH_DATA else "-"
        )
        for k, s in NODE_STATUSES.items()
    ]
    node_labels = [f"{s['glyph']}  {s['label']}" for s in NODE_STATUSES.values()]
    node_handles.append(Patch(facecolor=NO_STATUS["colour"], edgecolor=EDGE_COLOUR, linewidth=0.8))
    node_labels.append(f"     {NO_STATUS['label']}")
    link_handles = [Line2D([], [], color=s["colour"], linewidth=s["width"] + 0.4) for s in LINK_STATUSES.values()]
    link_labels = [s["label"] for s in LINK_STATUSES.values()]
    sign_handles = [Line2D([], [], color="#404040", linewidth=1.4, linestyle=SIGN_STYLES[s]) for s in ("+", "-")]
    sign_labels = ["Expected to raise the outcome (+)", "Expected to lower the outcome (−)"]
    blocks: list[tuple[str, Sequence[Artist], list[str], int]] = [
        ("Box: change in the measure", node_handles, node_labels, 2),
        ("Arrow colour: what the data show", link_handles, link_labels, 1),
        ("Arrow style: driver → outcome", sign_handles, sign_labels, 1),
    ]
    placed: list[tuple[Any, float, float]] = []
    x = row_top = row_height = 0.0
    for heading, handles, labels, ncol in blocks:
        legend = fig.legend(
            handles,
            labels,
            title=heading,
            loc="upper left",
            ncol=ncol,
            fontsize=LEGEND_FONT_PT,
            title_fontsize=LEGEND_TITLE_PT,
            frameon=False,
            alignment="left",
            handlelength=2.0,
            handletextpad=0.5,
            columnspacing=0.8,
            labelspacing=0.3,
            borderaxespad=0,
            borderpad=0.2,
        )
        legend.get_title().set_fontweight("bold")
        extent = legend.get_window_extent(renderer)
        w, h = extent.width / fig.dpi, extent.height / fig.dpi
        if x > 0 and x + w > available_in:  # wrap to a new row of legend blocks
            row_top += row_height + LEGEND_GAP_IN / 2
            x = row_height = 0.0
        placed.append((legend, MARGIN_IN + x, row_top))
        x += w + LEGEND_GAP_IN
        row_height = max(row_height, h)
    return placed, row_top + row_height
