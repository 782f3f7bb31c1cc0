"""Time-series charts of a measure, with the programme start marked."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from pss_analysis.reporting.figures.style import (
    COLOURS,
    ChangeMark,
    band_points,
    draw_change_log,
    draw_hidden_months,
    hidden_handle,
    new_figure,
    room_above,
)

__all__ = ["timeseries_figure"]


def timeseries_figure(
    series: pd.DataFrame,
    *,
    start: str,
    title: str,
    ylabel: str,
    target: float | None = None,
    annotations: Sequence[tuple[Any, str]] | None = None,
    hidden: Collection[str] = (),
) -> Figure:
    """Line chart of one measure: ``series`` has columns ``period`` (monthly Period) and ``value``.

    The programme start (``YYYY-MM``) is a strong vertical line and each change in ``annotations``
    (``(month, label)`` pairs, the scorecard's change log) a thin one, labelled above the chart; the target (if
    any) a dotted horizontal line; the mean before and after the start are drawn
    as short horizontal segments so the change is visible at a glance. The months of ``hidden`` (as text:
    a report's small numbers) have no point, a tick on the time axis instead.
    """
    fig, ax = new_figure()
    x = series["period"].dt.to_timestamp()
    masked = series["period"].astype(str).isin(set(hidden))
    ax.plot(
        x,
        series["value"].mask(masked),
        color=COLOURS["observed"],
        marker="o",
        markersize=3,
        linewidth=1.2,
        label="Monthly value",
    )
    draw_hidden_months(ax, x[masked].to_numpy())
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
    if target is not None and pd.notna(target):
        ax.axhline(target, color=COLOURS["target"], linestyle=":", linewidth=1.2, label="Target")
    marks = [ChangeMark(start_ts, "", strong=True)]
    marks += [ChangeMark(pd.Period(when, freq="M").to_timestamp(), str(text)) for when, text in annotations or []]
    band = band_points(draw_change_log(ax, marks, legend=True))
    ax.set_title(title, loc="left", fontsize=11, pad=band + 6)
    room_above(ax, band + 6 + 11 * 1.3 + 4)
    ax.set_ylabel(ylabel)
    handles, _ = ax.get_legend_handles_labels()
    if masked.any():
        handles.append(hidden_handle())
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False)
    return fig
