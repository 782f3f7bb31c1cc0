"""Figures of the summary across units: the icon grid, small multiples and funnel plots.

Every figure is a bare :class:`matplotlib.figure.Figure` (no pyplot). The small multiples are
drawn by ``seaborn.objects``: ``Plot(...).facet(...).on(figure)`` draws the facets onto the
Figure made here (seaborn's ``FacetGrid`` would make its figure through pyplot).
"""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from pss_analysis.reporting.figures.dashboards import VERDICT_STYLE
from pss_analysis.reporting.figures.spc import draw_assurance_icon, draw_variation_icon
from pss_analysis.reporting.figures.style import COLOURS, draw_hidden_months, hidden_handle

__all__ = ["units_icon_grid", "small_multiples_figure", "funnel_figure", "MAX_FACETS", "FUNNEL_STYLES"]

#: Units beyond this many are not drawn as small multiples (the panels would be too small to read).
MAX_FACETS = 16
#: Line style of each pair of funnel limits, by level.
FUNNEL_STYLES: dict[str, dict[str, Any]] = {
    "95": {"linestyle": "--", "linewidth": 1.0},
    "99_8": {"linestyle": "-", "linewidth": 1.0},
}
_VERDICT_COLOURS = {
    "improved": "#cfe2f3",
    "deteriorated": "#fce5cd",
    "changed": "#e6e0f0",
    "no evidence of change": "#f2f2f2",
    "not enough data": "#ffffff",
}


def units_icon_grid(evidence: pd.DataFrame, units: Sequence[str], measures: Sequence[tuple[str, str]]) -> Figure:
    """Measures (rows) by units (columns): the verdict as the cell's colour and words, with the
    Making Data Count variation and assurance icons. ``measures`` is ``(measure_id, name)`` pairs.

    One axes in inches (equal aspect) holds every cell and icon: one axes per icon would take
    seconds per row."""
    cell_w, cell_h, label_w, head_h = 1.45, 0.85, 3.2, 0.6
    width, height = label_w + cell_w * len(units), head_h + cell_h * len(measures)
    fig = Figure(figsize=(width, height), layout=None)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(0, height)
    ax.axis("off")
    by_key = evidence.set_index(["measure_id", "unit"])
    for j, unit in enumerate(units):
        ax.text(label_w + cell_w * (j + 0.5), height - head_h / 2, unit, ha="center", va="center", fontsize=8)
    for i, (measure_id, name) in enumerate(measures):
        top = height - head_h - cell_h * i
        label = "\n".join(textwrap.wrap(str(name), 40)[:3])
        ax.text(0.1, top - cell_h / 2, label, ha="left", va="center", fontsize=7.5)
        for j, unit in enumerate(units):
            if (measure_id, unit) in by_key.index:
                _cell(ax, by_key.loc[(measure_id, unit)], left=label_w + cell_w * j, top=top, w=cell_w, h=cell_h)
    return fig


def _cell(ax: Any, row: pd.Series, *, left: float, top: float, w: float, h: float) -> None:
    """One cell: the verdict's colour and words, the variation icon and the assurance icon below."""
    verdict = str(row.get("verdict", ""))
    colour = _VERDICT_COLOURS.get(verdict, "#ffffff")
    ax.add_patch(Rectangle((left + 0.02 * w, top - 0.95 * h), 0.96 * w, 0.9 * h, facecolor=colour, edgecolor="none"))
    words = VERDICT_STYLE.get(verdict, ("", verdict))[1]
    ax.text(left + w / 2, top - 0.22 * h, words, fontsize=6.5, ha="center", va="center")
    radius = 0.24 * h
    centre_y = top - 0.62 * h
    variation = _text_or_none(row.get("variation_type"))
    direction = _text_or_none(row.get("variation_direction"))
    at = (left + w / 2 - 1.15 * radius, centre_y)
    draw_variation_icon(ax, variation, direction, fontsize=6, at=at, radius=radius)
    at = (left + w / 2 + 1.15 * radius, centre_y)
    draw_assurance_icon(ax, _text_or_none(row.get("assurance_type")), fontsize=6, at=at, radius=radius)


def _text_or_none(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


_THEME = {
    "axes.facecolor": "white",
    "axes.edgecolor": "#bbbbbb",
    "axes.grid": True,
    "grid.color": "#eeeeee",
    "axes.labelsize": 8,
}


def small_multiples_figure(series: pd.DataFrame, *, title: str, start: str, ylabel: str) -> Figure:
    """One measure across units: a panel per unit (``series``: ``unit, period, value``), the start marked.

    With a ``hidden`` column (True for a month whose value is not shown: a small number), the line
    breaks there and a tick on the time axis marks the month, explained under the panels."""
    import seaborn.objects as so

    frame = series.assign(month=pd.PeriodIndex(series["period"], freq="M").to_timestamp())
    hidden = frame["hidden"].astype(bool) if "hidden" in frame else pd.Series(False, index=frame.index)
    # each run of shown months is a line of its own: a hidden month is a gap, not a straight join
    frame = frame.assign(run=hidden.groupby(frame["unit"], sort=False).cumsum())
    shown, gone = frame[~hidden], frame[hidden]
    n = frame["unit"].nunique()
    cols = min(4, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(9.0, 1.9 * rows + 0.6), layout="constrained")
    with warnings.catch_warnings():  # seaborn 0.13 passes pandas 3 a deprecated keyword; nothing for a reader
        warnings.filterwarnings("ignore", message="The copy keyword is deprecated")
        (
            so.Plot(shown, x="month", y="value")
            .facet(col="unit", wrap=cols, order=list(pd.unique(frame["unit"])))
            .add(so.Line(color=COLOURS.get("observed", "#1f4e79"), linewidth=1.1), group="run")
            .label(x="", y=ylabel, title="{}".format)
            .share(y=True)
            .theme(_THEME)
            .on(fig)
            .plot()
        )
    marker = pd.Period(start, freq="M").to_timestamp()
    months = {unit: rows["month"].to_numpy() for unit, rows in gone.groupby("unit", sort=False)}
    for ax in fig.axes:
        ax.axvline(marker, color="#777777", linestyle=":", linewidth=1.0)
        draw_hidden_months(ax, months.get(ax.get_title(), []), compact=True)
        ax.tick_params(labelsize=7)
        ax.title.set_fontsize(8)
    fig.suptitle(title, fontsize=10)
    if len(gone):
        fig.legend(handles=[hidden_handle(compact=True)], loc="outside lower left", fontsize=7, frameon=False)
    return fig


def funnel_figure(points: pd.DataFrame, limits: pd.DataFrame, *, title: str, ylabel: str, multiplier: float) -> Figure:
    """A funnel plot: each unit's value against its size, the target and the 95% and 99.8% limits.

    ``points``: :func:`~pss_analysis.methods.funnel.funnel_points`; ``limits``:
    :func:`~pss_analysis.methods.funnel.funnel_limits` on a grid of sizes. Values are shown times
    ``multiplier`` (per 1,000, per cent).
    """
    fig = Figure(figsize=(8.0, 4.2), layout="constrained")
    ax = fig.add_subplot()
    x = limits["size"].to_numpy()
    ax.axhline(points["target"].iloc[0] * multiplier, color="#333333", linewidth=1.0, label="All units")
    for level, style in FUNNEL_STYLES.items():
        shown = level.replace("_", ".")
        ax.plot(x, limits[f"upper_{level}"] * multiplier, color="#777777", label=f"{shown}% limits", **style)
        ax.plot(x, limits[f"lower_{level}"] * multiplier, color="#777777", **style)
    outside = points["position"] != "within"
    ax.scatter(
        points.loc[~outside, "denominator"],
        points.loc[~outside, "value"] * multiplier,
        color="#1f4e79",
        s=28,
        zorder=3,
        label="Unit within the 95% limits",
    )
    ax.scatter(
        points.loc[outside, "denominator"],
        points.loc[outside, "value"] * multiplier,
        color="#d55e00",
        marker="D",
        s=34,
        zorder=3,
        label="Unit outside the 95% limits",
    )
    if len(points) <= 20:
        for row in points.itertuples():
            ax.annotate(
                str(row.unit),
                (row.denominator, row.value * multiplier),
                fontsize=7,
                xytext=(4, 3),
                textcoords="offset points",
            )
    ax.set_xlabel("Size of the unit (denominator over the latest year)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, loc="best")
    return fig
