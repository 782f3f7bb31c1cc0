"""Styles and geometry of the strategy map: tiers, statuses, colours and sizes (in inches and points)."""

from __future__ import annotations

from typing import Any

from pss_analysis.evaluation.balance import AGREES, DISAGREES, UNKNOWN
from pss_analysis.evaluation.verdicts import DETERIORATED, IMPROVED, MIXED, NO_CHANGE, NOT_ENOUGH_DATA
from pss_analysis.reporting.figures.style import MIN_PRINTED_PT, PRINT_WIDTH_IN

__all__ = [
    "TIERS",
    "TIER_LABELS",
    "NODE_STATUSES",
    "NO_STATUS",
    "LINK_STATUSES",
    "SIGN_STYLES",
    "MARGIN_IN",
    "TIER_STRIP_IN",
    "PERSPECTIVE_LABEL_IN",
    "LABEL_COLUMN_IN",
    "MAP_WIDTH_IN",
    "SLOT_MAX_IN",
    "PER_ROW_CHOICES",
    "MAP_HEIGHT_MAX_IN",
    "ROW_GAP_IN",
    "BOX_WIDTH_FRACTION",
    "BOX_ROUNDING_IN",
    "GLYPH_COLUMN_IN",
    "BOX_TEXT_PAD_IN",
    "MIN_BOX_LINES",
    "BAND_PAD_IN",
    "EMPTY_BAND_IN",
    "TIER_GAP_IN",
    "FONT_MAX_PT",
    "FONT_MIN_PT",
    "FONT_STEP_PT",
    "TEXT_WIDTH_MARGIN",
    "LINE_SPACING",
    "CAP_CENTRE_EM",
    "MAX_LINES",
    "SWEEPS",
    "SAME_ROW_DIP_IN",
    "ROUTE_CLEARANCE_IN",
    "CORNER_IN",
    "ARROW_SHRINK_IN",
    "TITLE_FONT_PT",
    "TITLE_GAP_IN",
    "LEGEND_GAP_IN",
    "LEGEND_FONT_PT",
    "LEGEND_TITLE_PT",
    "PERSPECTIVE_FONT_PT",
    "TIER_FONT_PT",
    "TIER_COLOURS",
    "EDGE_COLOUR",
    "TEXT_COLOUR",
]

TIERS = ("capability", "processes", "outcomes")
"""The three PSS tiers, bottom to top (Moullin 2017: capability supports processes, which deliver outcomes)."""
TIER_LABELS = {"capability": "Capability", "processes": "Processes", "outcomes": "Outcomes"}

NODE_STATUSES: dict[str, dict[str, str]] = {
    IMPROVED: {"colour": "#56B4E9", "glyph": "▲", "label": "Improved"},  # Okabe-Ito sky blue
    DETERIORATED: {"colour": "#E69F00", "glyph": "▼", "label": "Deteriorated"},  # Okabe-Ito orange
    NO_CHANGE: {"colour": "#FFFFFF", "glyph": "=", "label": "No clear change"},  # white
    MIXED: {"colour": "#CC79A7", "glyph": "~", "label": "Mixed evidence"},  # Okabe-Ito reddish purple
    NOT_ENOUGH_DATA: {"colour": "#EDEDED", "glyph": "?", "label": "Not enough data"},  # pale grey, dashed edge
}
"""Fill colour, symbol and legend label of every measure status (colour and symbol, for colour-blind readers)."""
NO_STATUS = {"colour": "#BDBDBD", "glyph": "", "label": "No status given"}  # neutral grey (brief)

LINK_STATUSES: dict[str, dict[str, Any]] = {
    # Okabe-Ito bluish green
    AGREES: {"colour": "#009E73", "width": 1.4, "label": "Data agree with the expected direction"},
    # Okabe-Ito vermillion
    DISAGREES: {"colour": "#D55E00", "width": 1.4, "label": "Data go against the expected direction"},
    UNKNOWN: {"colour": "#8C8C8C", "width": 0.8, "label": "No clear evidence either way"},  # grey, thinner
}
"""Colour, line width and legend label of every link status (width differs too, not colour alone)."""
SIGN_STYLES: dict[str, Any] = {"+": "solid", "-": (0, (4, 2.5))}  # solid: expected increase; dashed: expected decrease

# --- geometry, in inches (1 data unit = 1 inch) ---------------------------------------------------
# The map is drawn at the size it prints at: the full text width of an A4 portrait page (PRINT_WIDTH_IN),
# so a font of f points in the figure prints at f points (never below MIN_PRINTED_PT).
MARGIN_IN = 0.08  # white margin around the drawing
TIER_STRIP_IN = 0.24  # width of the coloured tier label strip on the far left
PERSPECTIVE_LABEL_IN = 1.02  # width of the perspective label column
LABEL_COLUMN_IN = TIER_STRIP_IN + PERSPECTIVE_LABEL_IN
MAP_WIDTH_IN = PRINT_WIDTH_IN - 2 * MARGIN_IN - LABEL_COLUMN_IN  # the node area: what is left of the printed width
SLOT_MAX_IN = 1.9  # horizontal room per box on small maps (fewer boxes do not stretch wider)
# Most boxes in one row of a band before it wraps into another row, tried in turn: the first whose map fits the
# page's height is used (4 a row leaves ~17 characters a line at 7 pt; 6 a row ~9, long words then break).
PER_ROW_CHOICES = (4, 5, 6)
# the most height the map itself may take to fit an A4 portrait page with its title, legend and caption
# (A4 text height 25.1 cm = 9.9 in, less ~0.4 in of caption, ~0.3 in of title and ~1.5 in of legend)
MAP_HEIGHT_MAX_IN = 7.6
ROW_GAP_IN = 0.24  # vertical room between rows of boxes, for the arrows (and same-row arcs) between them
BOX_WIDTH_FRACTION = 0.88  # box width as a fraction of its slot; the rest is the gap between boxes
BOX_ROUNDING_IN = 0.06  # corner radius of a box
GLYPH_COLUMN_IN = 0.19  # strip at the left of a box for the status symbol
BOX_TEXT_PAD_IN = 0.05  # padding between text and the box edge
MIN_BOX_LINES = 3  # boxes are at least this many lines of text high, so short names do not give slivers
BAND_PAD_IN = 0.06  # vertical padding inside a band, above and below its rows (and its label)
EMPTY_BAND_IN = 0.4  # height of a band with no objectives (still shown and labelled)
TIER_GAP_IN = 0.08  # white gap between tiers
FONT_MAX_PT = 8.5  # node font on maps whose names are short enough
FONT_MIN_PT = MIN_PRINTED_PT  # smallest node font: the least a figure may print at (7 pt)
FONT_STEP_PT = 0.5  # font sizes tried between the two
TEXT_WIDTH_MARGIN = 1.06  # rendered text can be a few % wider than its outline at low dpi (hinting)
LINE_SPACING = 1.18  # line height as a multiple of the font size (matplotlib's default is 1.2)
CAP_CENTRE_EM = 0.36  # height of the middle of a capital above the baseline (DejaVu Sans cap height 0.73 em)
MAX_LINES = 4  # lines of a name in a box before the font is made smaller; at the smallest font, boxes grow instead
SWEEPS = 4  # up-and-down barycentre sweeps (project choice; the best order seen is kept, Sugiyama et al. 1981)
SAME_ROW_DIP_IN = 0.15  # an arrow between non-adjacent boxes of one row runs this far below the row
ROUTE_CLEARANCE_IN = 0.04  # arrows keep this far from boxes they pass
CORNER_IN = 0.12  # radius-like length of a rounded bend in an arrow
ARROW_SHRINK_IN = 0.02  # gap between an arrow's ends and the box outlines
TITLE_FONT_PT = 10.0  # the title (wrapped to the printed width)
TITLE_GAP_IN = 0.1  # between the title and the map
LEGEND_GAP_IN = 0.25  # gap between legend blocks, and between the map and the legend
LEGEND_FONT_PT = 7.5  # legend entries
LEGEND_TITLE_PT = 8.0  # legend headings
PERSPECTIVE_FONT_PT = 7.5  # perspective band labels (bands grow to hold their wrapped label)
TIER_FONT_PT = 8.0  # tier names, upright in the tier strip

TIER_COLOURS = {  # (label strip, band tint A, band tint B): muted blue, green, brown; tints alternate
    "outcomes": ("#2F5D7C", "#E4EDF4", "#F0F5F9"),
    "processes": ("#3F7350", "#E4EFE6", "#F0F6F1"),
    "capability": ("#7A5A2B", "#F1E9DC", "#F8F3EB"),
}
EDGE_COLOUR = "#404040"  # box outline
TEXT_COLOUR = "#1A1A1A"
