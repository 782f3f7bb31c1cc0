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
    ChangeMark,
    agg_renderer,
    band_points,
    change_log_handles,
    draw_change_log,
    room_above,
)

__all__ = [
    "POINT_STYLES",
    "ICON_COLOURS",
    "spc_figure",
    "spc_small_multiples",
    "draw_variation_icon",
    "draw_assurance_icon",
    "icon_axes",
]

DPI = 100  # figure resolution
LINE_GREY = "#7B7D7D"  # data line and common-cause points (brief; MDC grey)
IMPROVEMENT_BLUE = "#00B0F0"  # MDC special cause improvement
CONCERN_ORANGE = "#E46C0A"  # MDC special cause concern
NEITHER_PURPLE = "#490092"  # MDC special cause, direction "neither"
CENTRE_COLOUR = "#231F20"  # centre line
LIMIT_COLOUR = "#5B5B5B"  # process limits
TARGET_COLOUR = "#C00000"  # target line (dash-dot, so not by colour alone)

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


def icon_axes(fig: Figure, rect: tuple[float, float, float, float]) -> Any:
    """A new empty square axes at ``rect`` (figure fractions) spanning -1.15..1.15, for one icon."""
    ax = fig.add_axes(rect)
    ax.set_xlim(-1.15, 1.15)
    ax.set_ylim(-1.15, 1.15)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax


def draw_variation_icon(
    ax: Any,
    variation_type: str | None,
    direction: str | None,
    *,
    fontsize: float = 14,
    at: tuple[float, float] = (0.0, 0.0),
    radius: float = 1.0,
) -> bool:
    """Draw the MDC variation icon on an empty square axes spanning about -1..1; False if there is none.

    Common cause: grey ring with a flat line of dots. Special cause: ring in
    the point type's colour with "H" (high) or "L" (low) and an arrow. ``at`` and ``radius`` place
    the icon elsewhere on an axes of equal aspect (many icons on one axes draw much faster than one
    axes each).
    """
    if variation_type not in ICON_COLOURS or variation_type in _ASSURANCE_LETTER:
        return False
    colour = ICON_COLOURS[variation_type]
    cx, cy = at

    def xy(x: Any, y: Any) -> tuple[Any, Any]:
        return cx + radius * np.asarray(x), cy + radius * np.asarray(y)

    ax.add_patch(Circle(at, radius, facecolor="white", edgecolor=colour, linewidth=2.2))
    if variation_type == "common_cause":
        xs, ys = xy(np.linspace(-0.6, 0.6, 5), np.zeros(5))
        ax.plot(xs, ys, color=colour, linewidth=1.5)
        ax.scatter(xs, ys, s=fontsize * 0.9, color=colour, zorder=3)
        return True
    letter = {"high": "H", "low": "L"}.get(direction or "", "")
    ax.text(*xy(0, -0.05), letter, ha="center", va="center", fontsize=fontsize, fontweight="bold", color=colour)
    if letter:
        dy = 0.55 if letter == "H" else -0.55
        ax.annotate(
            "",
            xy=xy(0.62, dy),
            xytext=xy(0.62, -dy * 0.3),
            arrowprops={"arrowstyle": "-|>", "color": colour, "linewidth": 1.2},
        )
    return True


def draw_assurance_icon(
    ax: Any,
    assurance_type: str | None,
    *,
    fontsize: float = 14,
    at: tuple[float, float] = (0.0, 0.0),
    radius: float = 1.0,
) -> bool:
    """Draw the MDC assurance icon (P pass, F fail, ? hit or miss) on an empty square axes; False if none.
    ``at`` and ``radius`` as in :func:`draw_variation_icon`."""
    if assurance_type not in _ASSURANCE_LETTER:
        return False
    colour = ICON_COLOURS[assurance_type]
    ax.add_patch(Circle(at, radius, facecolor="white", edgecolor=colour, linewidth=2.2))
    ax.text(
        at[0],
        at[1] - 0.05 * radius,
        _ASSURANCE_LETTER[assurance_type],
        ha="center",
        va="center",
        fontsize=fontsize,
        fontweight="bold",
        color=colour,
    )
    return True


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
        draw_assurance_icon(icon_axes(fig, (x_assure, top - h, w, h)), assurance, fontsize=fontsize)
    if variation in ICON_COLOURS:
        draw_variation_icon(icon_axes(fig, (x_var, top - h, w, h)), variation, direction, fontsize=fontsize)
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
    fig = Figure(figsize=(10, 5.2), dpi=DPI)
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
        if (points["point_type"] == k).any()
    ]
    marks = _change_marks(points, annotations)
    handles += _line_handles(points, summary) + change_log_handles(marks)
    fig.legend(handles=handles, loc="lower center", ncol=min(len(handles), 4), frameon=False, fontsize=8)
    icons_left, icons_bottom = _draw_icons(fig, summary, right=0.98, top=0.985, size=0.7, fontsize=13)
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


def spc_small_multiples(results: Any, *, ncols: int = 4) -> Figure:
    """A compact grid of SPC charts for dashboards, each panel with small icons.

    ``results`` maps panel titles to :class:`~pss_analysis.methods.spc.SpcResult`
    (an :class:`~pss_analysis.methods.spc.SpcManyResult` is accepted too, one panel
    per series).
    """
    if hasattr(results, "series") and hasattr(results, "keys") and not isinstance(results, Mapping):
        results = {
            " / ".join(map(str, k)) if isinstance(k, tuple) else str(k): results.series(k) for k in results.keys()
        }
    items = list(results.items())
    ncols = max(1, min(int(ncols), max(len(items), 1)))
    nrows = max(1, -(-len(items) // ncols))
    panel_w, panel_h = 3.0, 2.1
    fig = Figure(figsize=(panel_w * ncols, panel_h * nrows), dpi=DPI)
    width, height = fig.get_size_inches()
    for i, (name, res) in enumerate(items):
        r, c = divmod(i, ncols)
        left = c / ncols + 0.12 / ncols
        bottom = 1 - (r + 1) / nrows + 0.14 / nrows
        ax = fig.add_axes((left, bottom, 0.84 / ncols, 0.64 / nrows))
        summary = res.summary()
        _draw_series(ax, res.points, summary, compact=True)
        ax.tick_params(labelsize=6)
        ax.set_title(str(name), fontsize=8, loc="left")
        top = 1 - r / nrows - 0.01 / nrows
        right = (c + 1) / ncols - 0.02 / ncols
        _draw_icons(fig, summary, right=right, top=top, size=0.36, fontsize=6)
    return fig
