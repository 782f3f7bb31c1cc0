"""Figures of the summary across units: the icon grid, small multiples and funnel plots.

Every figure is a bare :class:`matplotlib.figure.Figure` (no pyplot). The small multiples are
drawn by ``seaborn.objects``: ``Plot(...).facet(...).on(figure)`` draws the facets onto the
Figure made here (seaborn's ``FacetGrid`` would make its figure through pyplot).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pss_analysis.reporting.figures.dashboards import VERDICT_STYLE
from pss_analysis.reporting.figures.spc import draw_assurance_icon, draw_variation_icon, icon_axes
from pss_analysis.reporting.figures.style import COLOURS

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
    Making Data Count variation and assurance icons. ``measures`` is ``(measure_id, name)`` pairs."""
    n_rows, n_cols = len(measures), len(units)
    cell_w, cell_h, label_w = 1.45, 0.85, 3.2
    fig = Figure(figsize=(label_w + cell_w * n_cols, 0.6 + cell_h * n_rows), layout=None)
    width, height = fig.get_size_inches()
    by_key = evidence.set_index(["measure_id", "unit"])
    for j, unit in enumerate(units):
        fig.text((label_w + cell_w * (j + 0.5)) / width, 1 - 0.3 / height, unit, ha="center", va="center", fontsize=8)
    for i, (measure_id, name) in enumerate(measures):
        top = 1 - (0.6 + cell_h * i) / height
        label = "\n".join(textwrap.wrap(str(name), 40)[:3])
        fig.text(0.1 / width, top - cell_h / 2 / height, label, ha="left", va="center", fontsize=7.5)
        for j, unit in enumerate(units):
            if (measure_id, unit) not in by_key.index:
                continue
            row = by_key.loc[(measure_id, unit)]
            _cell(fig, row, left=(label_w + cell_w * j) / width, top=top, w=cell_w / width, h=cell_h / height)
    return fig


def _cell(fig: Figure, row: pd.Series, *, left: float, top: float, w: float, h: float) -> None:
    verdict = str(row.get("verdict", ""))
    background = fig.add_axes((left + 0.02 * w, top - 0.95 * h, 0.96 * w, 0.9 * h))
    background.set_facecolor(_VERDICT_COLOURS.get(verdict, "#ffffff"))
    background.set_xticks([])
    background.set_yticks([])
    for spine in background.spines.values():
        spine.set_visible(False)
    background.text(
        0.5,
        0.82,
        VERDICT_STYLE.get(verdict, ("", verdict))[1],
        fontsize=6.5,
        ha="center",
        va="center",
        transform=background.transAxes,
    )
    size = 0.55 * h
    aspect = fig.get_size_inches()[1] / fig.get_size_inches()[0]
    icon_w = size * aspect
    middle = left + w / 2
    bottom = top - 0.9 * h
    variation = _text_or_none(row.get("variation_type"))
    direction = _text_or_none(row.get("variation_direction"))
    draw_variation_icon(icon_axes(fig, (middle - 1.1 * icon_w, bottom, icon_w, size)), variation, direction, fontsize=6)
    assurance = _text_or_none(row.get("assurance_type"))
    draw_assurance_icon(icon_axes(fig, (middle + 0.1 * icon_w, bottom, icon_w, size)), assurance, fontsize=6)


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
    """One measure across units: a panel per unit (``series``: ``unit, period, value``), the start marked."""
    import seaborn.objects as so

    frame = series.assign(month=pd.PeriodIndex(series["period"], freq="M").to_timestamp())
    n = frame["unit"].nunique()
    cols = min(4, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(9.0, 1.9 * rows + 0.6), layout="constrained")
    (
        so.Plot(frame, x="month", y="value")
        .facet(col="unit", wrap=cols)
        .add(so.Line(color=COLOURS.get("observed", "#1f4e79"), linewidth=1.1))
        .label(x="", y=ylabel, title="{}".format)
        .share(y=True)
        .theme(_THEME)
        .on(fig)
        .plot()
    )
    marker = pd.Period(start, freq="M").to_timestamp()
    for ax in fig.axes:
        ax.axvline(marker, color="#777777", linestyle=":", linewidth=1.0)
        ax.tick_params(labelsize=7)
        ax.title.set_fontsize(8)
    fig.suptitle(title, fontsize=10)
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
