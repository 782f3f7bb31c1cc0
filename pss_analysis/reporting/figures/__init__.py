"""The report's figures, each a :class:`matplotlib.figure.Figure` built without pyplot.

Figures only read results (they never fit or recompute anything) and are drawn on
``Figure`` objects directly (the Agg canvas where one is needed to measure text), so no
global pyplot state, no windows, and they can be made in any thread.

* :mod:`.its` — :func:`its_figure`: an interrupted time series fit with its counterfactual.
* :mod:`.spc` — :func:`spc_figure` and :func:`spc_small_multiples`: SPC charts in the NHS
  Making Data Count style, with the variation and assurance icons.
* :mod:`.timeseries` — :func:`timeseries_figure`: a measure over time with the programme start.
* :mod:`.dashboards` — :func:`overview_figure` (before and since the programme, one row per
  measure) and :func:`within_year_figure` (small-multiple SPC charts).
* :mod:`.strategy_map` — :func:`strategy_map_figure`, :func:`strategy_map_layout` and
  :func:`count_crossings`: the PSS strategy map coloured by evidence.
* :mod:`.style` — colours and the single-chart figure factory :func:`new_figure`.
"""

from __future__ import annotations

from pss_analysis.reporting.figures.dashboards import VERDICT_STYLE, overview_figure, within_year_figure
from pss_analysis.reporting.figures.its import FIGURE_DPI, FIGURE_SIZE_INCHES, its_figure
from pss_analysis.reporting.figures.spc import (
    ICON_COLOURS,
    POINT_STYLES,
    draw_assurance_icon,
    draw_variation_icon,
    icon_axes,
    spc_figure,
    spc_small_multiples,
)
from pss_analysis.reporting.figures.strategy_map import (
    LINK_STATUSES,
    NODE_STATUSES,
    TIERS,
    count_crossings,
    strategy_map_figure,
    strategy_map_layout,
)
from pss_analysis.reporting.figures.style import COLOURS, FIGSIZE, new_figure
from pss_analysis.reporting.figures.timeseries import timeseries_figure
from pss_analysis.reporting.figures.units import funnel_figure, small_multiples_figure, units_icon_grid

__all__ = [
    "funnel_figure",
    "small_multiples_figure",
    "units_icon_grid",
    "its_figure",
    "FIGURE_SIZE_INCHES",
    "FIGURE_DPI",
    "spc_figure",
    "spc_small_multiples",
    "draw_variation_icon",
    "draw_assurance_icon",
    "icon_axes",
    "POINT_STYLES",
    "ICON_COLOURS",
    "timeseries_figure",
    "overview_figure",
    "within_year_figure",
    "VERDICT_STYLE",
    "strategy_map_figure",
    "strategy_map_layout",
    "count_crossings",
    "TIERS",
    "NODE_STATUSES",
    "LINK_STATUSES",
    "new_figure",
    "COLOURS",
    "FIGSIZE",
]
