"""Shared figure style: colours and the figure factory used by every chart.

Figures are built on :class:`matplotlib.figure.Figure` directly (no pyplot
global state), so they can be made in any thread and never pop up windows.
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["COLOURS", "FIGSIZE", "new_figure"]

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
