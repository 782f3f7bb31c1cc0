"""Dashboard figures: the overview (pre vs post commencement) and within-year monitoring.

They only read the tables of :mod:`pss_analysis.evaluation.dashboards` and the SPC results; nothing is
recomputed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pss_analysis.evaluation.verdicts import CHANGED, DETERIORATED, IMPROVED, NO_EVIDENCE, NOT_ENOUGH_DATA
from pss_analysis.reporting.figures.spc import (
    draw_assurance_icon,
    draw_variation_icon,
    icon_axes,
    spc_small_multiples,
)
from pss_analysis.reporting.formatting import confidence_label, number

__all__ = ["VERDICT_STYLE", "overview_figure", "within_year_figure"]

#: Colour (Okabe-Ito, colour-blind safe) and symbol of each verdict: never colour alone.
VERDICT_STYLE = {
    IMPROVED: ("#0072B2", "▲ improved"),
    DETERIORATED: ("#D55E00", "▼ deteriorated"),
    CHANGED: ("#CC79A7", "◆ changed"),
    NO_EVIDENCE: ("#555555", "= no evidence of change"),
    NOT_ENOUGH_DATA: ("#999999", "? not enough data"),
}
_ROW_IN = 0.32  # height of one row (inches)
_WIDTH_IN = 13.0  # width of the overview figure (inches)


def _columns(alpha: float) -> list[tuple[str, float, str]]:
    """(header, x position as a fraction of the width, alignment) of each overview column."""
    return [
        ("Measure", 0.005, "left"),
        ("Before", 0.43, "right"),
        ("Since", 0.5, "right"),
        ("Change", 0.565, "right"),
        (f"Effect vs expected ({confidence_label(alpha)} CI)", 0.585, "left"),
        ("Variation", 0.785, "center"),
        ("Assurance", 0.845, "center"),
        ("Verdict", 0.88, "left"),
    ]


def _percent(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{value * 100:+.0f}%"


def _truncate(text: str, width: int = 58) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def overview_figure(
    overview: pd.DataFrame, *, title: str = "Overview: before and since the programme started", alpha: float = 0.05
) -> Figure:
    """The overview dashboard as a figure: one row per measure, grouped by perspective.

    ``alpha`` is the analysis alpha: the effect column is headed with its confidence level (0.05: "95% CI").
    """
    groups = list(overview.groupby("perspective", sort=False))
    n_rows = len(overview) + len(groups) + 1
    height = _ROW_IN * (n_rows + 1.5)
    fig = Figure(figsize=(_WIDTH_IN, height), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, n_rows + 1.5)
    ax.axis("off")
    ax.invert_yaxis()
    ax.text(0.005, 0.6, title, fontsize=12, fontweight="bold", va="center")
    y = 1.5
    for header, x, align in _columns(alpha):
        ax.text(x, y, header, fontsize=8.5, fontweight="bold", ha=align, va="center")
    ax.axhline(y + 0.5, color="#333333", linewidth=0.8)
    row_h = 1 / (n_rows + 1.5)
    for _, group in groups:
        y += 1
        ax.text(
            0.005, y, group["perspective_name"].iloc[0], fontsize=9, fontweight="bold", va="center", color="#1f3b57"
        )
        for r in group.to_dict("records"):
            y += 1
            _draw_row(ax, r, y)
            _draw_row_icons(fig, r, bottom=1 - (y + 0.4) * row_h, height=height)
        ax.axhline(y + 0.5, color="#dddddd", linewidth=0.6)
    return fig


def _draw_row(ax: Axes, r: Mapping[str, Any], y: float) -> None:
    """The text of one measure's row: name, means, change, effect with its interval, verdict."""
    ax.text(0.015, y, _truncate(str(r["name"])), fontsize=8, va="center")
    ax.text(0.43, y, number(r["mean_before"], style="chart"), fontsize=8, va="center", ha="right")
    ax.text(0.5, y, number(r["mean_after"], style="chart"), fontsize=8, va="center", ha="right")
    ax.text(0.565, y, _percent(r["relative_change"]), fontsize=8, va="center", ha="right")
    if not pd.isna(r["cumulative_relative"]):
        ax.text(
            0.585,
            y,
            f"{_percent(r['cumulative_relative'])} ({_percent(r['cumulative_relative_lower'])}"
            f" to {_percent(r['cumulative_relative_upper'])})",
            fontsize=8,
            va="center",
        )
    colour, label = VERDICT_STYLE.get(r["verdict"], ("#555555", str(r["verdict"])))
    ax.text(0.88, y, label, fontsize=8, va="center", color=colour, fontweight="bold")


def _draw_row_icons(fig: Figure, r: Mapping[str, Any], *, bottom: float, height: float) -> None:
    """The variation and assurance icons of one measure's row, each on its own small square axes."""
    icon = _ROW_IN * 0.8
    w, h = icon / _WIDTH_IN, icon / height
    draw_variation_icon(
        icon_axes(fig, (0.785 - w / 2, bottom, w, h)), r["variation_type"], r["variation_direction"], fontsize=6
    )
    draw_assurance_icon(icon_axes(fig, (0.845 - w / 2, bottom, w, h)), r["assurance_type"], fontsize=6)


def within_year_figure(results: Mapping[str, Any], names: Mapping[str, str], *, ncols: int = 4) -> Figure:
    """Small-multiple SPC charts of the latest months of every measure, with the icons."""
    return spc_small_multiples({_truncate(names.get(k, k), 40): v for k, v in results.items()}, ncols=ncols)
