"""Time-series charts of a measure, with the programme start marked."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from pss_analysis.reporting.figures.style import COLOURS, new_figure

__all__ = ["timeseries_figure"]


def timeseries_figure(
    series: pd.DataFrame, *, start: str, title: str, ylabel: str, target: float | None = None
) -> Figure:
    """Line chart of one measure: ``series`` has columns ``period`` (monthly Period) and ``value``.

    The programme start (``YYYY-MM``) is a dashed vertical line, the target (if
    any) a dotted horizontal line; the mean before and after the start are drawn
    as short horizontal segments so the change is visible at a glance.
    """
    fig, ax = new_figure()
    x = series["period"].dt.to_timestamp()
    ax.plot(
        x, series["value"], color=COLOURS["observed"], marker="o", markersize=3, linewidth=1.2, label="Monthly value"
    )
    start_ts = pd.Period(start, freq="M").to_timestamp()
    before = series["period"] < pd.Period(start, freq="M")
    for mask, label, colour in (
        (before, "Mean before the programme", COLOURS["mean_before"]),
        (~before, "Mean since the programme", COLOURS["mean_after"]),
    ):
        if mask.any():
            ax.hlines(
                series.loc[mask, "value"].mean(), x[mask].min(), x[mask].max(), colors=colour, linewidth=2, label=label
            )
    ax.axvline(start_ts, color=COLOURS["interruption"], linestyle="--", linewidth=1.2, label="Programme start")
    if target is not None and pd.notna(target):
        ax.axhline(target, color=COLOURS["target"], linestyle=":", linewidth=1.2, label="Target")
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    return fig
