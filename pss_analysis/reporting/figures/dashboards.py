"""Dashboard figures: the overview (pre vs post commencement) and within-year monitoring.

They only read the tables of :mod:`pss_analysis.evaluation.dashboards` and the SPC results; nothing is
recomputed here. Both are drawn for an A4 page: :data:`~.style.PRINT_WIDTH_IN` wide, so their text
prints at its own size (never below :data:`~.style.MIN_PRINTED_PT`), long names wrap rather than being
cut, and more than :data:`MAX_PER_FIGURE` measures are split over several figures rather than shrunk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pss_analysis.evaluation.verdicts import CHANGED, DETERIORATED, IMPROVED, NO_EVIDENCE, NOT_ENOUGH_DATA
from pss_analysis.reporting.figures.spc import (
    TEXT_COLOUR,
    draw_assurance_icon,
    draw_icon_legend,
    draw_variation_icon,
    icon_legend_height,
    icon_spot,
    spc_small_multiples,
)
from pss_analysis.reporting.figures.style import PRINT_WIDTH_IN, fit_lines, text_width
from pss_analysis.reporting.formatting import confidence_label, in_units

__all__ = [
    "VERDICT_STYLE",
    "MAX_PER_FIGURE",
    "OVERVIEW_FONTSIZE",
    "overview_figure",
    "overview_figures",
    "overview_parts",
    "within_year_figure",
    "within_year_parts",
]

#: Colour and symbol of each verdict: never colour alone (the symbol and the word say it too). Okabe-Ito
#: based, every colour at least 4.5:1 against white (WCAG 2.2 AA for text).
VERDICT_STYLE = {
    IMPROVED: ("#0072B2", "▲ improved"),
    DETERIORATED: ("#B84E00", "▼ deteriorated"),
    CHANGED: ("#882255", "◆ changed"),
    NO_EVIDENCE: ("#555555", "= no evidence of change"),
    NOT_ENOUGH_DATA: ("#707070", "? not enough data"),
}

MAX_PER_FIGURE = 12
"""The most measures one dashboard figure shows; more are split over several figures (pages)."""

OVERVIEW_FONTSIZE = 7.5
"""Font size (points) of the overview's rows; it prints at this size (the figure is the page's text width)."""

_HEAD_COLOUR = "#1F3B57"  # perspective headings (11.5:1 on white)
_UNIT_COLOUR = "#595959"  # the unit under a measure's name (7:1 on white)
_ICON_IN = 0.3  # icon diameter (inches)
_LINE_IN = OVERVIEW_FONTSIZE * 1.22 / 72  # one line of text (inches)
_TITLE_IN, _HEADER_IN, _GROUP_IN = 0.3, 0.36, 0.26  # title, column header and perspective rows (inches)


@dataclass(frozen=True)
class _Column:
    """One overview column: header, x of its anchor (inches), alignment, the width its text may take."""

    header: str
    x: float
    align: str
    width: float


def _columns(alpha: float) -> dict[str, _Column]:
    """The overview's columns, laid out on the printed text width (inches)."""
    return {
        "name": _Column("Measure", 0.04, "left", 1.62),
        "before": _Column("Before", 2.46, "right", 0.7),
        "after": _Column("Since", 3.22, "right", 0.7),
        "change": _Column("Change", 3.74, "right", 0.46),
        "effect": _Column(f"Effect vs\nexpected\n({confidence_label(alpha)} CI)", 3.86, "left", 0.92),
        "icons": _Column("Variation / assurance", 5.19, "center", 0.8),
        "verdict": _Column("Verdict", 5.66, "left", 0.98),
    }


_VARIATION_X, _ASSURANCE_X = 5.0, 5.38  # icon centres (inches)


def _percent(value: Any) -> str:
    if isinstance(value, str):  # a suppression marker
        return value
    return "" if value is None or pd.isna(value) else f"{value * 100:+.0f}%".replace("-", "−")


def _in_units(value: Any, units: Mapping[str, Any]) -> str:
    return value if isinstance(value, str) else in_units(value, units)


def _known(value: Any) -> Any:
    return None if value is None or pd.isna(value) else value


def _cells(r: Mapping[str, Any], columns: Mapping[str, _Column]) -> dict[str, str]:
    """The text of each column of one measure's row, wrapped to its column (the name with its unit)."""
    fit = {k: c.width * 72 for k, c in columns.items()}
    effect = ""
    if not pd.isna(r.get("cumulative_relative")):
        effect = (
            f"{_percent(r['cumulative_relative'])}\n({_percent(r['cumulative_relative_lower'])}"
            f" to {_percent(r['cumulative_relative_upper'])})"
        )
    verdict = VERDICT_STYLE.get(r["verdict"], ("", str(r["verdict"])))[1]
    units = {"kind": r.get("kind"), "unit": r.get("unit"), "multiplier": _known(r.get("multiplier"))}
    return {
        "name": fit_lines(str(r["name"]), fit["name"], OVERVIEW_FONTSIZE),
        "unit": fit_lines(str(r.get("unit") or ""), fit["name"], OVERVIEW_FONTSIZE),
        "before": fit_lines(_in_units(r["mean_before"], units), fit["before"], OVERVIEW_FONTSIZE),
        "after": fit_lines(_in_units(r["mean_after"], units), fit["after"], OVERVIEW_FONTSIZE),
        "change": _percent(r["relative_change"]),
        "effect": effect,
        "verdict": fit_lines(verdict, fit["verdict"], OVERVIEW_FONTSIZE, bold=True),
    }


def _row_height(cells: Mapping[str, str]) -> float:
    """Height (inches) of a row: its tallest cell (the name and unit stacked), or an icon."""
    name_lines = cells["name"].count("\n") + 1 + (cells["unit"].count("\n") + 1 if cells["unit"] else 0)
    lines = max(name_lines, *(cells[k].count("\n") + 1 for k in ("before", "after", "effect", "verdict")))
    return max(lines * _LINE_IN, _ICON_IN) + 0.1


def overview_parts(overview: pd.DataFrame, max_measures: int = MAX_PER_FIGURE) -> list[pd.DataFrame]:
    """The overview's rows split into parts of at most ``max_measures``, whole perspectives kept
    together where they fit (a perspective larger than a part is split across parts)."""
    parts: list[pd.DataFrame] = []
    current: list[pd.DataFrame] = []
    size = 0
    for _, group in overview.groupby("perspective", sort=False):
        for start in range(0, len(group), max_measures):
            piece = group.iloc[start : start + max_measures]
            if size and size + len(piece) > max_measures:
                parts.append(pd.concat(current))
                current, size = [], 0
            current.append(piece)
            size += len(piece)
    if current:
        parts.append(pd.concat(current))
    return parts


def overview_figures(
    overview: pd.DataFrame,
    *,
    title: str = "Overview: before and since the programme started",
    alpha: float = 0.05,
    max_measures: int = MAX_PER_FIGURE,
) -> list[Figure]:
    """The overview dashboard as one figure per part of at most ``max_measures`` measures
    (:func:`overview_parts`), each titled "(part i of n)" when there is more than one."""
    parts = overview_parts(overview, max_measures)
    n = len(parts)
    return [
        overview_figure(part, title=f"{title} (part {i} of {n})" if n > 1 else title, alpha=alpha)
        for i, part in enumerate(parts, start=1)
    ]


def overview_figure(
    overview: pd.DataFrame, *, title: str = "Overview: before and since the programme started", alpha: float = 0.05
) -> Figure:
    """The overview dashboard as one figure: a row per measure, grouped by perspective, with a legend.

    Columns: the measure (its name wrapped, its unit below), the means before and since the programme
    in the measure's units, the relative change, the effect against expected with its interval
    (``alpha`` is the analysis alpha: headed with its confidence level, 0.05: "95% CI"), the
    variation and assurance icons and the verdict (symbol, word and colour). A mean or change given as
    text (the suppression marker of the published table, "*") is printed as it is, with a note. Draws
    every row it is given: split a long overview with :func:`overview_figures` first.
    """
    columns = _columns(alpha)
    groups = list(overview.groupby("perspective", sort=False))
    rows = [[_cells(r, columns) for r in group.to_dict("records")] for _, group in groups]
    body = sum(_GROUP_IN + sum(_row_height(c) for c in cells) for cells in rows)
    hidden = _hidden_marker(overview)
    legend = 0.3 + (0.22 if hidden else 0.0) + icon_legend_height() + 0.1
    height = _TITLE_IN + _HEADER_IN + body + legend
    fig = Figure(figsize=(PRINT_WIDTH_IN, height), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, PRINT_WIDTH_IN)
    ax.set_ylim(height, 0)  # inches from the top
    ax.axis("off")
    ax.text(0.04, 0.16, title, fontsize=9, fontweight="bold", va="center", color=TEXT_COLOUR)
    y = _TITLE_IN
    for column in columns.values():
        header = fit_lines(column.header, column.width * 72, OVERVIEW_FONTSIZE, bold=True)
        ax.text(column.x, y + _HEADER_IN - 0.05, header, fontsize=OVERVIEW_FONTSIZE, fontweight="bold")
        ax.texts[-1].set(ha=column.align, va="bottom", color=TEXT_COLOUR, linespacing=1.1)
    y += _HEADER_IN
    ax.axhline(y, color="#333333", linewidth=0.8)
    for (_, group), cells in zip(groups, rows, strict=True):
        ax.text(0.04, y + _GROUP_IN / 2, group["perspective_name"].iloc[0], fontsize=8, fontweight="bold")
        ax.texts[-1].set(va="center", color=_HEAD_COLOUR)
        y += _GROUP_IN
        for r, row in zip(group.to_dict("records"), cells, strict=True):
            h = _row_height(row)
            _draw_row(ax, columns, row, r, top=y + 0.05)
            _draw_row_icons(fig, r, top=height - y - 0.05, height=height)
            y += h
            ax.axhline(y, color="#D9D9D9", linewidth=0.5)
    _draw_verdict_legend(ax, y + 0.1)
    if hidden:
        note = f"{hidden} a value hidden to protect small numbers (it, or the change worked out from it, "
        ax.text(0.04, y + 0.32, note + "would give a small count back)", fontsize=OVERVIEW_FONTSIZE, va="top")
        y += 0.22
    draw_icon_legend(fig, left=0.04, top=height - y - 0.4, width=PRINT_WIDTH_IN - 0.08, fontsize=OVERVIEW_FONTSIZE)
    return fig


def _draw_row(
    ax: Axes, columns: Mapping[str, _Column], cells: Mapping[str, str], r: Mapping[str, Any], top: float
) -> None:
    """The text of one measure's row, each cell hanging from ``top`` (inches from the figure's top)."""
    style: dict[str, Any] = {"fontsize": OVERVIEW_FONTSIZE, "va": "top", "linespacing": 1.1}
    name = ax.text(0.1, top, cells["name"], color=TEXT_COLOUR, **style)
    if cells["unit"]:
        lines = cells["name"].count("\n") + 1
        ax.text(0.1, top + lines * _LINE_IN, cells["unit"], color=_UNIT_COLOUR, **style)
    name.set_gid("measure-name")
    for key in ("before", "after", "change", "effect"):
        column = columns[key]
        ax.text(column.x, top, cells[key], ha=column.align, color=TEXT_COLOUR, **style)
    colour = VERDICT_STYLE.get(r["verdict"], ("#555555", ""))[0]
    ax.text(columns["verdict"].x, top, cells["verdict"], color=colour, fontweight="bold", **style)


def _draw_row_icons(fig: Figure, r: Mapping[str, Any], *, top: float, height: float) -> None:
    """The variation and assurance icons of one measure's row, their tops ``top`` inches from the bottom."""
    w, h = _ICON_IN / PRINT_WIDTH_IN, _ICON_IN / height
    bottom = (top - _ICON_IN) / height
    variation = icon_spot(fig, (_VARIATION_X / PRINT_WIDTH_IN - w / 2, bottom, w, h))
    draw_variation_icon(
        variation_type=r["variation_type"], direction=r["variation_direction"], fontsize=OVERVIEW_FONTSIZE, **variation
    )
    assurance = icon_spot(fig, (_ASSURANCE_X / PRINT_WIDTH_IN - w / 2, bottom, w, h))
    draw_assurance_icon(assurance_type=r["assurance_type"], fontsize=OVERVIEW_FONTSIZE, **assurance)


def _hidden_marker(overview: pd.DataFrame) -> str:
    """The suppression marker the overview holds in place of a hidden value ('' if none is hidden)."""
    columns = [c for c in ("mean_before", "mean_after", "relative_change") if c in overview]
    found = {v for c in columns for v in overview[c] if isinstance(v, str)}
    return sorted(found)[0] if found else ""


def _draw_verdict_legend(ax: Axes, top: float) -> None:
    """One line naming every verdict in its colour with its symbol."""
    x = 0.04
    ax.text(x, top, "Verdicts:", fontsize=OVERVIEW_FONTSIZE, fontweight="bold", va="top", color=TEXT_COLOUR)
    x += text_width("Verdicts:", OVERVIEW_FONTSIZE, bold=True) / 72 + 0.12
    for colour, label in VERDICT_STYLE.values():
        ax.text(x, top, label, fontsize=OVERVIEW_FONTSIZE, fontweight="bold", va="top", color=colour)
        x += text_width(label, OVERVIEW_FONTSIZE, bold=True) * 1.08 / 72 + 0.16


def within_year_parts(results: Mapping[str, Any], max_measures: int = MAX_PER_FIGURE) -> list[dict[str, Any]]:
    """The within-year results split, in order, into parts of at most ``max_measures`` (one figure each)."""
    items = list(results.items())
    return [dict(items[i : i + max_measures]) for i in range(0, len(items), max_measures)]


def within_year_figure(results: Mapping[str, Any], names: Mapping[str, str], *, ncols: int = 3) -> Figure:
    """Small-multiple SPC charts of the latest months of the given measures (``names`` maps their ids to
    their names, which wrap and are never cut), with the icons and a legend; give it at most
    :data:`MAX_PER_FIGURE` measures a figure, so that it fits an A4 page at full size."""
    return spc_small_multiples({names.get(k, k): v for k, v in results.items()}, ncols=ncols)
