"""The report's figures, each a :class:`matplotlib.figure.Figure` built without pyplot.

Figures only read results (they never fit or recompute anything) and are drawn on
``Figure`` objects directly (the Agg canvas where one is needed to measure text), so no
global pyplot state, no windows, and they can be made in any thread.

* :mod:`.its` — :func:`its_figure`: an interrupted time series fit with its counterfactual.
* :mod:`.spc` — :func:`spc_figure` and :func:`spc_small_multiples`: SPC charts in the NHS
  Making Data Count style, with the variation and assurance icons.
* :mod:`.robustness` — :func:`placebo_figure`: a measure's change at the real start against pretend starts.
* :mod:`.timeseries` — :func:`timeseries_figure`: a measure over time with the programme start.
* :mod:`.dashboards` — :func:`overview_figures` (before and since the programme, one row per
  measure, split by :func:`overview_parts` into figures of at most :data:`MAX_PER_FIGURE`) and
  :func:`within_year_figure` (small-multiple SPC charts; :func:`within_year_parts` splits them), drawn
  for an A4 page (:data:`PRINT_WIDTH_IN`, text never below :data:`MIN_PRINTED_PT`).
* :mod:`.strategy_map` — :func:`strategy_map_figure`, :func:`strategy_map_layout` and
  :func:`count_crossings`: the PSS strategy map coloured by evidence.
* :mod:`.style` — colours and the single-chart figure factory :func:`new_figure`.
* :mod:`.interactive` — :func:`spc_plotly` and :func:`its_plotly`: the ITS and SPC charts as plotly
  specs (plain dicts) for the interactive HTML, with hover in words.
"""

from __future__ import annotations

from pss_analysis.reporting.figures.dashboards import (
    MAX_PER_FIGURE,
    VERDICT_STYLE,
    overview_figure,
    overview_figures,
    overview_parts,
    within_year_figure,
    within_year_parts,
)
from pss_analysis.reporting.figures.interactive import its_plotly, spc_plotly
from pss_analysis.reporting.figures.its import FIGURE_DPI, FIGURE_SIZE_INCHES, its_figure
from pss_analysis.reporting.figures.robustness import PLACEBO_FIGSIZE, placebo_figure
from pss_analysis.reporting.figures.spc import (
    ICON_COLOURS,
    ICON_LEGEND,
    POINT_STYLES,
    draw_assurance_icon,
    draw_icon_legend,
    draw_variation_icon,
    icon_layer,
    icon_spot,
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
from pss_analysis.reporting.figures.style import (
    COLOURS,
    FIGSIZE,
    MIN_PRINTED_PT,
    PRINT_WIDTH_IN,
    new_figure,
    printed_scale,
)
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
    "icon_layer",
    "icon_spot",
    "POINT_STYLES",
    "ICON_COLOURS",
    "timeseries_figure",
    "placebo_figure",
    "PLACEBO_FIGSIZE",
    "overview_figure",
    "overview_figures",
    "overview_parts",
    "within_year_figure",
    "within_year_parts",
    "MAX_PER_FIGURE",
    "draw_icon_legend",
    "ICON_LEGEND",
    "PRINT_WIDTH_IN",
    "MIN_PRINTED_PT",
    "printed_scale",
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
    "its_plotly",
    "spc_plotly",
]
