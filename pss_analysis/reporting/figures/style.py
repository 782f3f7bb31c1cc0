"""Shared figure style: colours and the figure factory used by every chart.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot
global state), so they can be made in any thread and never pop up windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.text import Annotation
from matplotlib.textpath import TextToPath

__all__ = [
    "COLOURS",
    "FIGSIZE",
    "new_figure",
    "ChangeMark",
    "draw_change_log",
    "change_log_handles",
    "band_points",
    "room_above",
    "agg_renderer",
    "PRINT_WIDTH_IN",
    "MIN_PRINTED_PT",
    "printed_scale",
    "text_width",
    "fit_lines",
    "HIDDEN_LABEL",
    "HIDDEN_COLOUR",
    "draw_hidden_months",
    "hidden_handle",
]

#: Colours used across charts (Okabe-Ito based, distinguishable with colour-blindness).
COLOURS = {
    "observed": "#404040",
    "mean_before": "#0072B2",
    "mean_after": "#D55E00",
    "interruption": "#000000",
    "target": "#009E73",
}
#: Default size of a single chart in inches (width, height).
FIGSIZE = (8.0, 3.6)

PRINT_WIDTH_IN = 17.0 / 2.54
"""The width (inches) a figure is printed at: the text width of the PDF's A4 portrait page (21 cm less two
2 cm margins, ``publish/templates/typst/pss_report.typ``), where every figure is set at 100% of it."""

MIN_PRINTED_PT = 7.0
"""The smallest text size (points) a figure may print at (GOV.UK and ONS chart guidance)."""


def printed_scale(fig: Figure, width: float = PRINT_WIDTH_IN) -> float:
    """How much ``fig`` is scaled when printed ``width`` inches wide: a font of f points prints at f times this."""
    return width / float(fig.get_figwidth())


def new_figure(figsize: tuple[float, float] = FIGSIZE) -> tuple[Figure, Axes]:
    """A new figure with one axes, in the package's house style, room for a legend on the right.

    Fixed margins rather than a layout engine: a constrained layout costs twice
    the drawing time, and a report draws dozens of these.
    """
    fig = Figure(figsize=figsize)
    fig.subplots_adjust(left=0.09, right=0.74, top=0.89, bottom=0.11)
    ax = fig.add_subplot()
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    return fig, ax


_TEXT_PATH = TextToPath()


def text_width(text: str, fontsize: float, *, bold: bool = False) -> float:
    """The width in points of ``text`` set in the charts' font at ``fontsize`` (its longest line)."""
    prop = FontProperties(size=fontsize, weight="bold" if bold else "normal")
    return max(
        (_TEXT_PATH.get_text_width_height_descent(line, prop, ismath=False)[0] for line in text.split("\n")),
        default=0.0,
    )


def fit_lines(text: str, width: float, fontsize: float, *, bold: bool = False) -> str:
    """``text`` wrapped at spaces into lines no wider than ``width`` points (a word longer than that
    keeps a line of its own; line breaks in ``text`` are kept): whole words, nothing cut or elided."""
    lines: list[str] = []
    for paragraph in str(text).split("\n"):  # a line break given is kept
        start = len(lines)
        for word in paragraph.split():
            trial = f"{lines[-1]} {word}" if len(lines) > start else word
            if len(lines) > start and text_width(trial, fontsize, bold=bold) * 1.04 <= width:
                lines[-1] = trial
            else:
                lines.append(word)
    return "\n".join(lines)


# --- the change log on every chart -------------------------------------------------------------------

CHANGE_FONTSIZE = 8.5
"""Font size of the change-log labels above a chart (7.1 pt when an 8-inch chart is printed on A4)."""

CHANGE_ROW_POINTS = CHANGE_FONTSIZE * 1.45
"""Height of one row of change-log labels, in points."""

_START_STYLE: dict[str, Any] = {"color": "#000000", "linewidth": 1.6, "linestyle": "-", "alpha": 0.9}
_CHANGE_STYLE: dict[str, Any] = {"color": "#555555", "linewidth": 0.8, "linestyle": "-", "alpha": 0.8}
START_LABEL = "Programme start"
CHANGE_LABEL = "Change (see the change log)"


@dataclass(frozen=True)
class ChangeMark:
    """One dated change to mark on a chart: ``x`` in the axes' data units, ``label`` (may be empty),
    ``strong`` for the programme start."""

    x: Any
    label: str
    strong: bool = False


def change_log_handles(marks: Sequence[ChangeMark]) -> list[Line2D]:
    """Legend entries for the kinds of change line :func:`draw_change_log` draws for ``marks``."""
    handles = []
    if any(m.strong for m in marks):
        handles.append(Line2D([], [], label=START_LABEL, **_START_STYLE))
    if any(not m.strong for m in marks):
        handles.append(Line2D([], [], label=CHANGE_LABEL, **_CHANGE_STYLE))
    return handles


def band_points(rows: int) -> float:
    """Height in points of ``rows`` rows of change-log labels above the axes (0 without labels)."""
    return 0.0 if rows <= 0 else 2.0 + rows * CHANGE_ROW_POINTS


def draw_change_log(ax: Axes, marks: Sequence[ChangeMark], *, legend: bool = False) -> int:
    """Draw each change as a thin vertical line (the programme start stronger) with its label in a
    band above the axes, staggered so that no two labels overlap; returns the number of label rows.

    Labels start at their line and run right (at the figure's right edge they end at it); they are
    placed from the right-most change leftwards, each in the lowest row where it clears every label
    of that row and every line that rises higher, so no line crosses a label. Marks at the same x
    share one label. Call it once the axes' width and x limits are final (the rows are worked out in
    display units); the figure must then leave
    :func:`band_points` of room above the axes. ``legend`` labels the first line of each kind.
    """
    merged = _merge(marks)
    if not merged:
        return 0
    ax.get_xlim()  # settle the autoscaled limits before measuring
    fig = _figure(ax)
    renderer = agg_renderer(fig)
    gap = 3.0 * fig.dpi / 72.0
    frontier: list[float] = []  # per row: left-most x (pixels) of the labels and lines at or above it
    seen: set[bool] = set()
    for mark in sorted(merged, key=lambda m: _sort_key(m.x), reverse=True):
        style = _START_STYLE if mark.strong else _CHANGE_STYLE
        ax.axvline(mark.x, zorder=0, label=_legend_label(mark.strong, seen) if legend else None, **style)
        if not mark.label:
            continue
        text = _label(ax, mark, style, 0, "left")
        box = text.get_window_extent(renderer)
        ha: Literal["left", "right"] = "right" if box.x1 > fig.bbox.x1 - gap else "left"  # at the edge: end at the line
        if ha == "right":
            text.set_horizontalalignment("right")
            box = text.get_window_extent(renderer)
        row = next((r for r, left in enumerate(frontier) if box.x1 + gap <= left), len(frontier))
        frontier += [np.inf] * (row + 1 - len(frontier))
        for r in range(row + 1):
            frontier[r] = min(frontier[r], box.x0)
        if row:
            text.remove()
            _label(ax, mark, style, row, ha)
    return len(frontier)


def _label(ax: Axes, mark: ChangeMark, style: dict[str, Any], row: int, ha: Literal["left", "right"]) -> Annotation:
    """The label of ``mark`` in label row ``row`` above the axes, joined to the axes top by a thin
    line when it is above the first row."""
    arrow = {"arrowstyle": "-", "relpos": (0 if ha == "left" else 1, 0), "shrinkA": 0, "shrinkB": 0}
    arrow.update(color=style["color"], linewidth=style["linewidth"] * 0.75, alpha=style["alpha"])
    return ax.annotate(
        mark.label,
        xy=(mark.x, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 2 + row * CHANGE_ROW_POINTS),
        textcoords="offset points",
        ha=ha,
        va="bottom",
        fontsize=CHANGE_FONTSIZE,
        fontweight="bold" if mark.strong else "normal",
        color=style["color"],
        annotation_clip=False,
        arrowprops=arrow if row else None,
    )


def _merge(marks: Sequence[ChangeMark]) -> list[ChangeMark]:
    """One mark per x: labels joined with commas, strong if any is."""
    merged: dict[Any, ChangeMark] = {}
    for mark in marks:
        key = _sort_key(mark.x)
        old = merged.get(key)
        text = ", ".join(t for t in (old.label if old else "", mark.label) if t)
        merged[key] = ChangeMark(mark.x, text, mark.strong or bool(old and old.strong))
    return list(merged.values())


def _sort_key(x: Any) -> float:
    if isinstance(x, (np.datetime64, pd.Timestamp)):
        return float(pd.Timestamp(x).value)
    return float(x)


def _figure(ax: Axes) -> Figure:
    fig = ax.get_figure(root=True)
    assert isinstance(fig, Figure)
    return fig


def _legend_label(strong: bool, seen: set[bool]) -> str | None:
    if strong in seen:
        return None
    seen.add(strong)
    return START_LABEL if strong else CHANGE_LABEL


def agg_renderer(fig: Figure) -> Any:
    """The figure's renderer, on the Agg canvas (attached if the figure has none)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    return canvas.get_renderer()


def room_above(ax: Axes, points: float) -> None:
    """Lower the top of ``ax`` (never raise it) so that ``points`` of the figure are left above it."""
    fig = _figure(ax)
    top = 1.0 - points / (fig.get_figheight() * 72.0)
    pos = ax.get_position()
    if pos.y1 > top:
        ax.set_position((pos.x0, pos.y0, pos.width, top - pos.y0))


# --- months whose value is not published (small numbers) ----------------------------------------------

HIDDEN_LABEL = "Month not shown (small number)"
"""The legend's words for a month whose value a chart leaves out because the report's tables hide it
(small-number suppression): the chart leaves a gap there and a tick on the time axis."""

HIDDEN_COLOUR = "#767676"
"""The colour of the tick that marks a month not shown (grey, 4.5:1 on white)."""
_HIDDEN_MARKER: dict[str, Any] = {"marker": 2, "color": HIDDEN_COLOUR, "linestyle": "none", "markeredgewidth": 1.4}


def draw_hidden_months(ax: Axes, xs: Any, *, compact: bool = False) -> None:
    """A short upward tick on the time axis at each of ``xs`` (data x values): months whose value is not
    shown. Nothing is drawn where the value would have been (the axes' height says nothing of it)."""
    xs = np.asarray(xs)
    if xs.size:
        ax.plot(
            xs,
            np.zeros(xs.size),
            transform=ax.get_xaxis_transform(),
            markersize=4 if compact else 7,
            clip_on=False,
            zorder=4,
            **_HIDDEN_MARKER,
        )


def hidden_handle(*, compact: bool = False) -> Line2D:
    """The legend entry of :func:`draw_hidden_months`."""
    return Line2D([], [], markersize=4 if compact else 7, label=HIDDEN_LABEL, **_HIDDEN_MARKER)
