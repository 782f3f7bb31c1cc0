"""SPC figures in the NHS Making Data Count style.

:func:`spc_figure` draws one :class:`~pss_analysis.methods.spc.SpcResult`;
:func:`spc_small_multiples` draws a compact grid of many for dashboards.
Both only read ``result.points`` and ``result.summary()`` (never recompute)
and build a :class:`matplotlib.figure.Figure` directly, without pyplot's
global state. Point types are told apart by colour *and* marker shape, and
the variation and assurance icons are drawn with patches and text.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from pss_analysis.reporting.figures.style import (
    PRINT_WIDTH_IN,
    ChangeMark,
    agg_renderer,
    band_points,
    change_log_handles,
    draw_change_log,
    draw_hidden_months,
    fit_lines,
    hidden_handle,
    room_above,
)

__all__ = [
    "POINT_STYLES",
    "ICON_COLOURS",
    "spc_figure",
    "spc_small_multiples",
    "draw_variation_icon",
    "draw_assurance_icon",
    "icon_layer",
    "icon_spot",
    "draw_icon_legend",
    "icon_legend_height",
    "ICON_LEGEND",
    "PANEL_HEIGHT_IN",
    "SMALL_FONTSIZE",
]

DPI = 100  # figure resolution
SPC_FIGSIZE = (8.0, 4.6)  # one chart (inches): 0.84 of it when printed on A4, so 8.5 pt text prints at 7.1 pt
# The Making Data Count colours (grey, blue, orange, purple) in shades that keep WCAG 2.2 AA contrast on
# white (4.5:1, so the icons' letters read as text) and stay apart under simulated protanopia,
# deuteranopia and tritanopia (Machado et al. 2009); blue and orange are Okabe-Ito's, the orange darkened.
LINE_GREY = "#6B6B6B"  # data line and common-cause points (MDC grey #7B7D7D, darkened: 5.3:1)
IMPROVEMENT_BLUE = "#0072B2"  # special cause improvement (Okabe-Ito blue, 5.2:1; MDC #00B0F0 is 2.5:1)
CONCERN_ORANGE = "#B84E00"  # special cause concern (Okabe-Ito vermillion darkened, 5.1:1; MDC #E46C0A 3.3:1)
NEITHER_PURPLE = "#490092"  # special cause, direction "neither" (MDC purple, 12.4:1)
CENTRE_COLOUR = "#231F20"  # centre line
LIMIT_COLOUR = "#5B5B5B"  # process limits
TARGET_COLOUR = "#C00000"  # target line (dash-dot, so not by colour alone)
TEXT_COLOUR = "#1A1A1A"  # text of titles and legends

POINT_STYLES: dict[str, dict[str, Any]] = {
    "common_cause": {"color": LINE_GREY, "marker": "o", "size": 28, "label": "Common cause"},
    "special_cause_improvement": {
        "color": IMPROVEMENT_BLUE,
        "marker": "s",
        "size": 40,
        "label": "Special cause: improvement",
    },
    "special_cause_concern": {"color": CONCERN_ORANGE, "marker": "X", "size": 52, "label": "Special cause: concern"},
    "special_cause_neither": {"color": NEITHER_PURPLE, "marker": "D", "size": 36, "label": "Special cause: neither"},
}
"""Colour, marker and label of every point type (colour and shape, for colour-blind readers)."""

ICON_COLOURS = {
    "common_cause": LINE_GREY,
    "special_cause_improvement": IMPROVEMENT_BLUE,
    "special_cause_concern": CONCERN_ORANGE,
    "special_cause_neither": NEITHER_PURPLE,
    "pass": IMPROVEMENT_BLUE,
    "fail": CONCERN_ORANGE,
    "hit_or_miss": LINE_GREY,
}
"""Ring colour of the variation and assurance icons."""

_ASSURANCE_LETTER = {"pass": "P", "fail": "F", "hit_or_miss": "?"}


# --- helpers ---------------------------------------------------------------------------------------


def _x_positions(points: pd.DataFrame) -> tuple[Any, list[str] | None]:
    """x values matplotlib can place; for text x, positions and their labels."""
    x = points["x"]
    if pd.api.types.is_numeric_dtype(x.dtype) or pd.api.types.is_datetime64_any_dtype(x.dtype):
        return x.to_numpy(), None
    if isinstance(x.dtype, pd.PeriodDtype):
        return x.dt.to_timestamp().to_numpy(), None
    return np.arange(len(x)), [str(v) for v in x]


def _phase_slices(points: pd.DataFrame) -> list[np.ndarray]:
    phase = points["phase"].to_numpy()
    if phase.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(phase)) + 1
    return np.split(np.arange(phase.size), cuts)


_LIMIT_LINES = (
    ("centre_line", {"linestyle": "-", "color": CENTRE_COLOUR, "linewidth": 1.1}),
    ("ucl", {"linestyle": "--", "color": LIMIT_COLOUR, "linewidth": 1.0}),
    ("lcl", {"linestyle": "--", "color": LIMIT_COLOUR, "linewidth": 1.0}),
)
"""Centre line and process limits: column of ``result.points`` and line style."""


def _draw_series(ax: Any, points: pd.DataFrame, summary: pd.DataFrame, *, compact: bool) -> None:
    """One SPC chart on ``ax``: data line, limits per phase, points by type, target and axis ticks."""
    xs, labels = _x_positions(points)
    value = points["value"].to_numpy(dtype=float)
    ax.plot(xs, value, color=LINE_GREY, linewidth=1.0 if compact else 1.4, zorder=2)
    for k, idx in enumerate(_phase_slices(points)):
        _draw_phase_lines(ax, points, xs[idx], idx, compact=compact)
        if k > 0:
            _draw_phase_break(ax, xs[idx][0])
    _draw_points(ax, points, xs, value, compact=compact)
    draw_hidden_months(ax, xs[_hidden(points)], compact=compact)
    target = _target(summary)
    if target is not None:
        ax.axhline(target, color=TARGET_COLOUR, linestyle="-.", linewidth=1.1, zorder=1)
    _format_x_axis(ax, xs, labels, compact=compact)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _draw_phase_lines(ax: Any, points: pd.DataFrame, px: np.ndarray, idx: np.ndarray, *, compact: bool) -> None:
    """Centre line and process limits of one phase (stepped where they vary), and its 2-sigma lines."""
    for column, style in _LIMIT_LINES:
        line = points[column].to_numpy(dtype=float)[idx]
        if np.isfinite(line).any():
            varying = np.nanmax(line) - np.nanmin(line) > 0
            ax.plot(px, line, drawstyle="steps-mid" if varying else "default", zorder=1, **style)
    if compact:
        return
    for column in ("lower_2sigma", "upper_2sigma"):
        line = points[column].to_numpy(dtype=float)[idx]
        if np.isfinite(line).any():
            ax.plot(
                px, line, linestyle=":", color=LIMIT_COLOUR, linewidth=0.7, alpha=0.6, zorder=1, drawstyle="steps-mid"
            )


def _draw_phase_break(ax: Any, boundary: Any) -> None:
    """A dotted vertical line where a new phase starts (the limits are recalculated)."""
    ax.axvline(boundary, color=LIMIT_COLOUR, linestyle=(0, (1, 3)), linewidth=0.9, zorder=1)


def _draw_points(ax: Any, points: pd.DataFrame, xs: np.ndarray, value: np.ndarray, *, compact: bool) -> None:
    """Points coloured and shaped by point type; hollow when excluded from the calculations."""
    excluded = points["excluded"].to_numpy(dtype=bool) if "excluded" in points else np.zeros(len(points), bool)
    kinds = points["point_type"].to_numpy()
    for kind, style in POINT_STYLES.items():
        for hollow in (False, True):
            sel = (kinds == kind) & (excluded == hollow) & np.isfinite(value)
            if not sel.any():
                continue
            ax.scatter(
                xs[sel],
                value[sel],
                marker=style["marker"],
                s=float(style["size"]) * (0.45 if compact else 1.0),
                facecolors="white" if hollow else style["color"],
                edgecolors=style["color"],
                linewidths=1.0,
                zorder=3,
            )


def _format_x_axis(ax: Any, xs: np.ndarray, labels: list[str] | None, *, compact: bool) -> None:
    """Concise date ticks for dates; every n-th label for text x values."""
    if pd.api.types.is_datetime64_any_dtype(np.asarray(xs).dtype):
        locator = AutoDateLocator(minticks=3, maxticks=7 if compact else 11)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    if labels is not None:
        step = max(1, len(labels) // (4 if compact else 12))
        ax.set_xticks(xs[::step])
        ax.set_xticklabels(labels[::step], rotation=30 if compact else 0, ha="right" if compact else "center")


def _hidden(points: pd.DataFrame) -> np.ndarray:
    """Which points' values are not shown (the ``hidden`` column a report adds for small numbers)."""
    if "hidden" not in points:
        return np.zeros(len(points), dtype=bool)
    return points["hidden"].to_numpy(dtype=bool)


def _shown_kinds(points: pd.DataFrame) -> set[Any]:
    """The point types of the points drawn (a point whose value is not shown has no symbol)."""
    return set(points["point_type"][np.isfinite(points["value"].to_numpy(dtype=float))])


def _target(summary: pd.DataFrame) -> float | None:
    if "target" not in summary:
        return None
    t = pd.to_numeric(summary["target"], errors="coerce").dropna()
    return float(t.iloc[-1]) if len(t) else None


def _latest(summary: pd.DataFrame, column: str) -> Any:
    if summary.empty or column not in summary:
        return None
    return summary[column].iloc[-1]


# --- icons -----------------------------------------------------------------------------------------


#: The label of the axes that holds a figure's icons (:func:`icon_layer`).
ICON_LAYER = "icons"


def icon_layer(fig: Figure) -> Any:
    """The figure's icon layer: one invisible axes over the whole figure, in inches from its bottom-left
    corner (so of equal aspect), made on first use. Every icon of a figure is drawn on it: one axes per
    icon cost a report about a second and a half."""
    for ax in fig.axes:
        if ax.get_label() == ICON_LAYER:
            return ax
    width, height = fig.get_size_inches()
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0), label=ICON_LAYER)
    ax.set_xlim(0.0, width)
    ax.set_ylim(0.0, height)
    ax.axis("off")
    return ax


def icon_spot(fig: Figure, rect: tuple[float, float, float, float]) -> dict[str, Any]:
    """Where to draw one icon filling the square ``rect`` (figure fractions): the keyword arguments
    ``ax``, ``at`` and ``radius`` of :func:`draw_variation_icon` and :func:`draw_assurance_icon`."""
    x, y, w, h = rect
    width, height = fig.get_size_inches()
    size = min(w * width, h * height)
    return {"ax": icon_layer(fig), "at": ((x + w / 2) * width, (y + h / 2) * height), "radius": size / 2.3}


def _icon_points(ax: Any, radius: float = 1.0) -> float:
    """The diameter of an icon of ``radius`` (data units) drawn on ``ax``, in points of the figure."""
    fig = ax.get_figure(root=True)
    pos = ax.get_position()
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    inches_per_unit = min(
        pos.width * fig.get_figwidth() / abs(x1 - x0), pos.height * fig.get_figheight() / abs(y1 - y0)
    )
    return float(2.0 * radius * inches_per_unit * 72.0)


def _ring(ax: Any, colour: str, at: tuple[float, float], radius: float) -> float:
    """The icon's white disc with a ring in ``colour``; returns the icon's diameter in points."""
    diameter = _icon_points(ax, radius)
    ax.add_patch(Circle(at, radius, facecolor="white", edgecolor=colour, linewidth=max(1.0, diameter * 0.07)))
    return diameter


#: The last points of the small run of dots inside a special-cause variation icon: rising for "high",
#: falling for "low", as Making Data Count draws them; the dots before are grey (common cause).
_RUN_X = np.linspace(-0.6, 0.6, 7)
_RUN_Y = {
    "": np.array([0.1, -0.1, 0.05, -0.15, 0.1, -0.05, 0.05]),  # common cause: about level
    "H": np.array([-0.5, -0.4, -0.55, -0.45, -0.25, -0.05, 0.1]),  # rising, below the "H"
    "L": np.array([0.5, 0.4, 0.55, 0.45, 0.25, 0.05, -0.1]),  # falling, above the "L"
}


def draw_variation_icon(
    ax: Any,
    variation_type: str | None,
    direction: str | None,
    *,
    fontsize: float = 14,
    at: tuple[float, float] = (0.0, 0.0),
    radius: float = 1.0,
) -> bool:
    """Draw the Making Data Count variation icon on ``ax``, an axes of equal aspect; False if none.

    As NHS England's Making Data Count draws it: a ring with a small run of dots inside. Common cause:
    grey ring, grey dots. Special cause: ring in the point type's colour (blue improvement, orange
    concern, purple neither), the last dots in that colour rising or falling, and the letter "H"
    (high) above them or "L" (low) below. ``fontsize`` is the letter's size in points. ``at`` and
    ``radius`` place it (in ``ax``'s data units): :func:`icon_spot` gives ``ax`` (the figure's
    :func:`icon_layer`), ``at`` and ``radius`` for a square of the figure.
    """
    if variation_type not in ICON_COLOURS or variation_type in _ASSURANCE_LETTER:
        return False
    colour = ICON_COLOURS[variation_type]
    diameter = _ring(ax, colour, at, radius)
    letter = "" if variation_type == "common_cause" else {"high": "H", "low": "L"}.get(direction or "", "")
    tail = LINE_GREY if variation_type == "common_cause" else colour
    dot = (diameter * 0.085) ** 2
    xs, ys = at[0] + radius * _RUN_X, at[1] + radius * _RUN_Y[letter]
    ax.plot(xs, ys, color=LINE_GREY, linewidth=max(0.5, diameter * 0.025), zorder=2)
    ax.scatter(xs, ys, s=dot, c=[LINE_GREY] * 4 + [tail] * 3, linewidths=0, zorder=3)
    if letter:
        y = at[1] + radius * (0.45 if letter == "H" else -0.5)
        ax.text(at[0], y, letter, ha="center", va="center", fontsize=fontsize, fontweight="bold", color=colour)
    return True


def draw_assurance_icon(
    ax: Any,
    assurance_type: str | None,
    *,
    fontsize: float = 14,
    at: tuple[float, float] = (0.0, 0.0),
    radius: float = 1.0,
) -> bool:
    """Draw the Making Data Count assurance icon on ``ax``, an axes of equal aspect; False if none.

    A ring with the letter "P" (blue: the process limits say the target will be met every time), "F"
    (orange: it will be missed every time) or "?" (grey: hit or miss), above a dashed target line.
    ``at`` and ``radius`` as for :func:`draw_variation_icon`.
    """
    if assurance_type not in _ASSURANCE_LETTER:
        return False
    colour = ICON_COLOURS[assurance_type]
    diameter = _ring(ax, colour, at, radius)
    x, y = at
    ax.plot(
        [x - 0.62 * radius, x + 0.62 * radius],
        [y - 0.52 * radius] * 2,
        color=colour,
        linewidth=max(0.8, diameter * 0.05),
        linestyle=(0, (2, 1)),
    )
    letter = _ASSURANCE_LETTER[assurance_type]
    ax.text(x, y + 0.12 * radius, letter, ha="center", va="center", fontsize=fontsize, fontweight="bold", color=colour)
    return True


#: The entries of the icon legend: (variation type and direction, or assurance type), label.
ICON_LEGEND: tuple[tuple[tuple[str, str | None], str], ...] = (
    (("special_cause_improvement", "high"), "Improvement: special cause (H high, L low)"),
    (("special_cause_concern", "low"), "Concern: special cause (H high, L low)"),
    (("special_cause_neither", "high"), "Special cause, neither better nor worse"),
    (("common_cause", None), "Common cause: no significant change"),
    (("pass", None), "P: the target is met consistently"),
    (("fail", None), "F: the target is missed consistently"),
    (("hit_or_miss", None), "?: the target is hit and missed at random"),
)
_LEGEND_ICON_IN = 0.26  # diameter of a legend icon (inches)
_LEGEND_ROW_IN = 0.36  # height of one row of the icon legend (inches)


def icon_legend_height(ncols: int = 4) -> float:
    """Height in inches that :func:`draw_icon_legend` takes with ``ncols`` columns."""
    return _LEGEND_ROW_IN * -(-len(ICON_LEGEND) // ncols) + 0.05


def draw_icon_legend(fig: Figure, *, left: float, top: float, width: float, fontsize: float, ncols: int = 4) -> None:
    """A legend of every variation and assurance icon with what it means, in ``ncols`` columns.

    ``left``, ``top`` and ``width`` are in inches from the figure's bottom-left corner; it takes
    :func:`icon_legend_height` inches below ``top``. Labels wrap to fit their column.
    """
    fig_w, fig_h = fig.get_size_inches()
    col_w = width / ncols
    chars = max(12, int((col_w - _LEGEND_ICON_IN - 0.08) * 72 / (fontsize * 0.6)))
    for k, ((kind, direction), label) in enumerate(ICON_LEGEND):
        row, col = divmod(k, ncols)
        x = left + col * col_w
        y = top - row * _LEGEND_ROW_IN - (_LEGEND_ROW_IN + _LEGEND_ICON_IN) / 2
        spot = icon_spot(fig, (x / fig_w, y / fig_h, _LEGEND_ICON_IN / fig_w, _LEGEND_ICON_IN / fig_h))
        if kind in _ASSURANCE_LETTER:
            draw_assurance_icon(assurance_type=kind, fontsize=fontsize, **spot)
        else:
            draw_variation_icon(variation_type=kind, direction=direction, fontsize=fontsize, **spot)
        fig.text(
            (x + _LEGEND_ICON_IN + 0.06) / fig_w,
            (y + _LEGEND_ICON_IN / 2) / fig_h,
            textwrap.fill(label, chars),
            fontsize=fontsize,
            va="center",
            color=TEXT_COLOUR,
            linespacing=1.1,
        )


def _draw_icons(
    fig: Figure, summary: pd.DataFrame, right: float, top: float, size: float, fontsize: float
) -> tuple[float, float]:
    """The variation and assurance icons of the latest phase, ending at ``right`` and hanging from
    ``top``; returns the left and bottom edges they take (figure fractions; ``right, top`` if none)."""
    variation = _latest(summary, "variation_type")
    direction = _latest(summary, "variation_direction")
    assurance = _latest(summary, "assurance_type")
    width, height = fig.get_size_inches()
    w = size / width
    h = size / height
    gap = 0.15 * size / width
    x_assure = right - w
    x_var = x_assure - gap - w if assurance in _ASSURANCE_LETTER else x_assure
    if assurance in _ASSURANCE_LETTER:
        draw_assurance_icon(assurance_type=assurance, fontsize=fontsize, **icon_spot(fig, (x_assure, top - h, w, h)))
    if variation in ICON_COLOURS:
        spot = icon_spot(fig, (x_var, top - h, w, h))
        draw_variation_icon(variation_type=variation, direction=direction, fontsize=fontsize, **spot)
        return x_var, top - h
    if assurance in _ASSURANCE_LETTER:
        return x_assure, top - h
    return right, top


# --- public figures ----------------------------------------------------------------------------------


def spc_figure(
    result: Any,
    *,
    title: str | None = None,
    ylabel: str | None = None,
    annotations: Mapping[Any, str] | Iterable[tuple[Any, str]] | None = None,
) -> Figure:
    """Draw one SPC chart in the Making Data Count style.

    Grey data line; points coloured and shaped by ``point_type`` (hollow when
    excluded from the calculations); solid centre line, dashed process
    limits, dotted 2-sigma lines, dash-dot target; dotted vertical lines at
    phase breaks; the variation and assurance icons of the latest phase in the
    top-right corner, the title wrapped to end before them. Phase breaks are
    labelled "Phase n" above the plot, the first drawn as the programme start; ``annotations`` (``{x: label}`` or
    ``(x, label)`` pairs, the scorecard's change log) are thin vertical lines
    with staggered labels in a band above the plot (:func:`~.style.draw_change_log`).
    """
    points = result.points
    summary = result.summary()
    kinds = _shown_kinds(points)
    fig = Figure(figsize=SPC_FIGSIZE, dpi=DPI)
    ax = fig.add_axes((0.08, 0.2, 0.9, 0.62))
    _draw_series(ax, points, summary, compact=False)
    if ylabel:
        ax.set_ylabel(ylabel)
    handles = [
        Line2D(
            [],
            [],
            linestyle="none",
            marker=s["marker"],
            markersize=7,
            markerfacecolor=s["color"],
            markeredgecolor=s["color"],
            label=s["label"],
        )
        for k, s in POINT_STYLES.items()
        if k in kinds
    ]
    marks = _change_marks(points, annotations)
    handles += _line_handles(points, summary) + change_log_handles(marks)
    if _hidden(points).any():
        handles.append(hidden_handle())
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), frameon=False, fontsize=8.5)
    icons_left, icons_bottom = _draw_icons(fig, summary, right=0.98, top=0.985, size=0.62, fontsize=12)
    floor = min(icons_bottom, _draw_title(fig, title, right=icons_left - 0.01) if title else 1.0)
    band = band_points(draw_change_log(ax, marks))
    room_above(ax, (1.0 - floor) * fig.get_figheight() * 72.0 + band + 4)
    return fig


def _change_marks(points: pd.DataFrame, annotations: Any) -> list[ChangeMark]:
    """A labelled mark at each annotated x value found in the chart and at each phase break, the first
    drawn as the programme start (the report recalculates the limits there)."""
    xs, _ = _x_positions(points)
    marks = []
    items = annotations.items() if isinstance(annotations, Mapping) else (annotations or [])
    for key, text in items:
        hit = np.flatnonzero((points["x"] == key).to_numpy())
        if hit.size:
            marks.append(ChangeMark(xs[hit[0]], str(text)))
    for k, idx in enumerate(_phase_slices(points)[1:]):
        marks.append(ChangeMark(xs[idx[0]], f"Phase {points['phase'].iloc[idx[0]]}", strong=k == 0))
    return marks


def _draw_title(fig: Figure, title: str, *, right: float) -> float:
    """The title at the top left, wrapped so that it ends left of ``right`` (a figure fraction, where
    the icons start); returns the figure fraction of its bottom."""
    text = fig.text(0.08, 0.95, title, fontsize=13, fontweight="bold", va="top")
    renderer = agg_renderer(fig)
    name, bracket, chart = title.rpartition(" (")
    tries = ([f"{name}\n({chart}"] if bracket else []) + [textwrap.fill(title, w) for w in range(len(title), 12, -2)]
    for attempt in tries:  # the chart type on a line of its own if that is enough, else wrapped
        if text.get_window_extent(renderer).x1 <= right * fig.bbox.width:
            break
        text.set_text(attempt)
    return float(text.get_window_extent(renderer).y0 / fig.bbox.height)


def _line_handles(points: pd.DataFrame, summary: pd.DataFrame) -> list[Line2D]:
    """A legend entry for every line the full-size chart draws: the data line, centre line, limits,
    two-sigma lines, phase breaks and target."""
    handles = [
        Line2D([], [], color=LINE_GREY, linestyle="-", linewidth=1.4, label="Monthly values"),
        Line2D([], [], color=CENTRE_COLOUR, linestyle="-", label="Centre line"),
        Line2D([], [], color=LIMIT_COLOUR, linestyle="--", label="Process limits"),
    ]
    if any(c in points and points[c].notna().any() for c in ("lower_2sigma", "upper_2sigma")):
        handles.append(
            Line2D([], [], color=LIMIT_COLOUR, linestyle=":", linewidth=0.7, alpha=0.6, label="Two-sigma lines")
        )
    if points["phase"].nunique() > 1:
        handles.append(
            Line2D([], [], color=LIMIT_COLOUR, linestyle=(0, (1, 3)), linewidth=0.9, label="Limits recalculated")
        )
    if _target(summary) is not None:
        handles.append(Line2D([], [], color=TARGET_COLOUR, linestyle="-.", label="Target"))
    return handles


PANEL_HEIGHT_IN = 1.9
"""Height of one panel of :func:`spc_small_multiples` (inches)."""

SMALL_FONTSIZE = 7.5
"""Font size (points) of every text of :func:`spc_small_multiples`; printed at full size when the figure
is :data:`~.style.PRINT_WIDTH_IN` wide, as it is by default."""

_SMALL_ICON_IN = 0.32  # icon diameter in a panel (inches)
_LEGEND_LINE_IN = 0.19  # one row of the point and line legend (inches)


def _panels(results: Any) -> list[tuple[str, Any]]:
    """(title, SpcResult) of every panel; an SpcManyResult gives one panel per series."""
    if hasattr(results, "series") and hasattr(results, "keys") and not isinstance(results, Mapping):
        return [
            (" / ".join(map(str, k)) if isinstance(k, tuple) else str(k), results.series(k)) for k in results.keys()
        ]
    return [(str(k), v) for k, v in results.items()]


def spc_small_multiples(
    results: Any, *, ncols: int = 3, width: float = PRINT_WIDTH_IN, legend: bool = True, title: str | None = None
) -> Figure:
    """A compact grid of SPC charts for dashboards, each panel with its icons, and a legend below.

    ``results`` maps panel titles to :class:`~pss_analysis.methods.spc.SpcResult` (an
    :class:`~pss_analysis.methods.spc.SpcManyResult` is accepted too, one panel per series). The figure
    is ``width`` inches wide (the printed text width of an A4 page by default, so its text prints at
    :data:`SMALL_FONTSIZE`); a panel's title wraps to end before its icons, never cut. ``legend`` adds
    a key to every point type and line drawn and to the icons; ``title`` a heading above the grid.
    """
    items = _panels(results)
    ncols = max(1, min(int(ncols), max(len(items), 1)))
    nrows = max(1, -(-len(items) // ncols))
    handles = _small_handles(items) if legend else []
    legend_h = _LEGEND_LINE_IN * -(-len(handles) // 4) + icon_legend_height() + 0.1 if legend else 0.0
    head = 0.3 if title else 0.0
    height = head + nrows * PANEL_HEIGHT_IN + legend_h
    fig = Figure(figsize=(width, height), dpi=DPI)
    if title:
        fig.text(0.04 / width, 1 - 0.06 / height, title, fontsize=9, fontweight="bold", va="top", color=TEXT_COLOUR)
    panel_w = width / ncols
    for i, (name, res) in enumerate(items):
        r, c = divmod(i, ncols)
        _small_panel(fig, name, res, left=c * panel_w, top=height - head - r * PANEL_HEIGHT_IN, width=panel_w)
    if legend:
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.0, legend_h / height),
            ncol=4,
            fontsize=SMALL_FONTSIZE,
            frameon=False,
            handlelength=2.2,
            columnspacing=1.0,
            borderaxespad=0.2,
        )
        top = legend_h - _LEGEND_LINE_IN * -(-len(handles) // 4) - 0.05
        draw_icon_legend(fig, left=0.04, top=top, width=width - 0.08, fontsize=SMALL_FONTSIZE)
    return fig


def _small_panel(fig: Figure, name: str, res: Any, *, left: float, top: float, width: float) -> None:
    """One panel of the small multiples, its top-left corner at ``left, top`` (inches): icons at the
    top right, the title (the axes' left title) wrapped to end before them, the chart below both."""
    fig_w, fig_h = fig.get_size_inches()
    summary = res.summary()
    icons_left, icons_bottom = _draw_icons(
        fig,
        summary,
        right=(left + width - 0.06) / fig_w,
        top=(top - 0.04) / fig_h,
        size=_SMALL_ICON_IN,
        fontsize=SMALL_FONTSIZE,
    )
    title = fit_lines(name, (icons_left * fig_w - left - 0.14) * 72, SMALL_FONTSIZE, bold=True)
    title_h = (title.count("\n") + 1) * SMALL_FONTSIZE * 1.2 / 72
    axes_top = min(icons_bottom * fig_h, top - 0.04 - title_h) - 0.08
    axes_left = left + 0.46
    bottom = top - PANEL_HEIGHT_IN + 0.34
    ax = fig.add_axes((axes_left / fig_w, bottom / fig_h, (width - 0.56) / fig_w, max(axes_top - bottom, 0.3) / fig_h))
    _draw_series(ax, res.points, summary, compact=True)
    ax.set_title(
        title,
        loc="left",
        x=(left + 0.06 - axes_left) / (width - 0.56),
        y=1.0,
        pad=(top - 0.04 - title_h - axes_top) * 72,
        fontsize=SMALL_FONTSIZE,
        fontweight="bold",
        color=TEXT_COLOUR,
        linespacing=1.1,
    )
    ax.tick_params(labelsize=SMALL_FONTSIZE, length=2.5, pad=1.5)
    ax.xaxis.get_offset_text().set_fontsize(SMALL_FONTSIZE)
    ax.yaxis.get_offset_text().set_fontsize(SMALL_FONTSIZE)


def _small_handles(items: list[tuple[str, Any]]) -> list[Line2D]:
    """Legend entries for what the panels draw: the point types present, the lines, the target."""
    kinds = set().union(*(_shown_kinds(res.points) for _, res in items)) if items else set()
    handles = [
        Line2D([], [], linestyle="none", marker=s["marker"], markersize=6, color=s["color"], label=s["label"])
        for k, s in POINT_STYLES.items()
        if k in kinds
    ]
    handles += [
        Line2D([], [], color=LINE_GREY, linestyle="-", linewidth=1.0, label="Monthly values"),
        Line2D([], [], color=CENTRE_COLOUR, linestyle="-", linewidth=1.1, label="Centre line"),
        Line2D([], [], color=LIMIT_COLOUR, linestyle="--", linewidth=1.0, label="Process limits"),
    ]
    if any(_target(res.summary()) is not None for _, res in items):
        handles.append(Line2D([], [], color=TARGET_COLOUR, linestyle="-.", linewidth=1.1, label="Target"))
    if any(res.points["phase"].nunique() > 1 for _, res in items):
        handles.append(
            Line2D([], [], color=LIMIT_COLOUR, linestyle=(0, (1, 3)), linewidth=0.9, label="Limits recalculated")
        )
    if any(_hidden(res.points).any() for _, res in items):
        handles.append(hidden_handle(compact=True))
    return handles
