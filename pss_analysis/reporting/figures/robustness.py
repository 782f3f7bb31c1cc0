"""Figure of the placebo-in-time check of a measure's headline change.

The figure reads only a :class:`~pss_analysis.methods.its.Robustness` (it never refits): the
standardised change at every pretend start before the programme (grey), and the real change at
the real start (coloured), against a band from -1 to 1 inside which a change's confidence
interval includes no change.
"""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from pss_analysis.methods.its import Robustness
from pss_analysis.reporting.figures.style import COLOURS, new_figure

__all__ = ["placebo_figure", "PLACEBO_FIGSIZE"]

#: A small figure: the placebo check sits under the measure's larger charts.
PLACEBO_FIGSIZE = (8.0, 2.6)

_REAL_COLOUR = "#D55E00"  # Okabe-Ito vermillion
_PLACEBO_COLOUR = "#8c8c8c"
_FONT_PT = 8.5  # drawn at 8 in, printed at the 17 cm text width (x 0.84): 7.1 pt, legible on A4


def _x(values: Any) -> np.ndarray:
    """Plot positions: timestamps for months, numbers otherwise."""
    items = list(values)
    if items and all(isinstance(v, pd.Period) for v in items):
        return pd.PeriodIndex(items).to_timestamp().to_numpy()
    if items and all(isinstance(v, (pd.Timestamp, np.datetime64)) for v in items):
        return pd.to_datetime(items).to_numpy()
    return np.asarray(items, dtype=float)


def placebo_figure(rob: Robustness, *, real_start: Any, title: str) -> Figure:
    """Standardised change at each pretend start (grey dots) and at the real start (a larger dot).

    ``real_start`` is the programme's first month (a :class:`pandas.Period` like the pretend starts,
    or a value of the same kind). Between -1 and 1 (shaded) a change's interval includes no change.
    """
    fig, ax = new_figure(PLACEBO_FIGSIZE)
    fig.subplots_adjust(bottom=0.16, top=0.84)
    placebo = rob.placebo[rob.placebo["standardised_change"].notna()]
    x = _x(list(placebo["start"]) + [real_start])
    ax.axhspan(-1, 1, color="#eeeeee", zorder=0, label="No clear change")
    ax.axhline(0, color=COLOURS["interruption"], linewidth=0.6)
    ax.scatter(
        x[:-1],
        placebo["standardised_change"],
        s=18,
        color=_PLACEBO_COLOUR,
        label="Pretend starts",
        zorder=2,
    )
    ax.scatter(
        x[-1:],
        [rob.headline["standardised_change"]],
        s=60,
        marker="D",
        color=_REAL_COLOUR,
        edgecolor="black",
        linewidth=0.6,
        label="Real start",
        zorder=3,
    )
    if np.issubdtype(x.dtype, np.datetime64):  # a few readable dates, not one label per pretend start
        locator = mdates.AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel("strength of change\n(change \u00f7 margin of error)", fontsize=_FONT_PT)
    ax.tick_params(labelsize=_FONT_PT)
    ax.set_title(title, loc="left", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=_FONT_PT, frameon=False)
    return fig
