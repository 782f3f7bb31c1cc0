"""The PSS strategy map, coloured by evidence.

The Public Sector Scorecard draws its perspectives in three tiers (Moullin 2017): **capability** at
the bottom supports the **processes** in the middle, which deliver the **outcomes** on top. Each
perspective is a horizontal band inside its tier; each objective (measure) is a box in its band;
each link of the map is an arrow from a *driver* to the *outcome* it is expected to move.

* :func:`strategy_map_layout` (:mod:`.layout`) places the boxes: a layered drawing in the manner of Sugiyama,
  Tagawa & Toda (1981), with the bands as layers and the order of boxes within a band chosen by a
  few up-and-down sweeps of the barycentre heuristic to reduce crossing arrows (the best order seen
  is kept, so sweeping never makes things worse). The map is laid out at the size it prints at
  (the text width of an A4 portrait page), so no text prints below 7 pt: long names are wrapped,
  never cut (one font size for the whole map, 8.5 pt down to 7 pt, then taller boxes), and bands
  with many boxes wrap into several rows (4 to 6 boxes a row, the widest boxes whose map fits the
  page's height). Deterministic: no randomness, ties keep the input order.
* :func:`strategy_map_figure` (:mod:`.drawing`) draws it on a :class:`matplotlib.figure.Figure` (never pyplot):
  shaded, labelled bands and tiers, boxes filled by the evidence on each measure (colour-blind-safe
  Okabe-Ito colours *and* a symbol in each box, so colour is never the only cue), arrows solid for
  an expected positive effect and dashed for an expected negative one, coloured by whether the data
  agree with the expected direction, and a legend in plain English. An arrow that would cut
  through another box bends through the nearest gap between boxes instead (rounded corners), so
  it never looks as if it started or ended at a box it only passes.
* :func:`count_crossings` (:mod:`.layout`) counts crossing arrows of a layout (straight lines between box centres).

Coordinates are in inches of the figure :func:`strategy_map_figure` draws (1 data unit = 1 inch),
so box sizes and font sizes agree. Pure matplotlib: no graphviz or other system tools.

Inputs are plain DataFrames (as the scorecard loader produces them); ids are compared as text:

* ``perspectives``: ``perspective_id, name, tier`` (one of :data:`TIERS`), ``order`` (smaller is
  higher within its tier);
* ``objectives``: ``objective_id, name, perspective_id``;
* ``links``: ``driver, outcome`` (objective ids), ``expected_sign`` (``+`` or ``-``).
"""

from __future__ import annotations

from pss_analysis.reporting.figures.strategy_map.drawing import strategy_map_figure
from pss_analysis.reporting.figures.strategy_map.layout import count_crossings, strategy_map_layout
from pss_analysis.reporting.figures.strategy_map.style import LINK_STATUSES, NODE_STATUSES, TIERS

__all__ = [
    "TIERS",
    "NODE_STATUSES",
    "LINK_STATUSES",
    "strategy_map_layout",
    "strategy_map_figure",
    "count_crossings",
]
