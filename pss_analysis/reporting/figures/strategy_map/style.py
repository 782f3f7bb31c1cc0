"""Styles and geometry of the strategy map: tiers, statuses, colours and sizes (in inches and points)."""

from __future__ import annotations

from typing import Any

from pss_analysis.evaluation.balance import AGREES, DISAGREES, UNKNOWN
from pss_analysis.evaluation.verdicts import DETERIORATED, IMPROVED, MIXED, NO_CHANGE, NOT_ENOUGH_DATA

__all__ = [
    "TIERS",
    "TIER_LABELS",
    "NODE_STATUSES",
    "NO_STATUS",
    "LINK_STATUSES",
    "SIGN_STYLES",
    "SLOT_MAX_IN",
    "SLOT_MIN_IN",
    "MAP_WIDTH_TARGET_IN",
    "MAP_WIDTH_MIN_IN",
    "MAX_PER_ROW",
    "ROW_IN",
    "BOX_HEIGHT_IN",
    "BOX_WIDTH_FRACTION",
    "BOX_ROUNDING_IN",
    "GLYPH_COLUMN_IN",
    "BOX_TEXT_PAD_IN",
    "BAND_PAD_IN",
    "EMPTY_BAND_IN",
    "TIER_GAP_IN",
    "TIER_STRIP_IN",
    "PERSPECTIVE_LABEL_IN",
    "LABEL_COLUMN_IN",
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
    "MARGIN_IN",
    "TITLE_IN",
    "LEGEND_GAP_IN",
    "PERSPECTIVE_FONT_PT",
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
    AGREES: {"colour": "#009E73", "width": 1.8, "label": "Data agree with the expected direction"},
    # Okabe-Ito vermillion
    DISAGREES: {"colour": "#D55E00", "width": 1.8, "label": "Data go against the expected direction"},
    UNKNOWN: {"colour": "#8C8C8C", "width": 1.0, "label": "No clear evidence either way"},  # grey, thinner
}
"""Colour, line width and legend label of every link status (width differs too, not colour alone)."""
SIGN_STYLES: dict[str, Any] = {"+": "solid", "-": (0, (4, 2.5))}  # solid: expected increase; dashed: expected decrease

# --- geometry, in inches (1 data unit = 1 inch) ---------------------------------------------------
SLOT_MAX_IN = 1.9  # horizontal room per box on small maps
# ... and the least it shrinks to on wide maps (a box still holds ~18 characters a line at 6.5 pt)
SLOT_MIN_IN = 1.4
# node area width beyond which slots shrink (project choice: with labels, about landscape A3)
MAP_WIDTH_TARGET_IN = 15.0
MAP_WIDTH_MIN_IN = 8.0  # narrowest node area, so the legend fits under small maps
# boxes in one row of a band before it wraps into another row (project choice: 9 slots fill the target width)
MAX_PER_ROW = 9
ROW_IN = 0.92  # height of one row of boxes
BOX_HEIGHT_IN = 0.68  # box height (room for 4 lines of 8 pt text)
BOX_WIDTH_FRACTION = 0.86  # box width as a fraction of its slot; the rest is the gap between boxes
BOX_ROUNDING_IN = 0.07  # corner radius of a box
GLYPH_COLUMN_IN = 0.2  # strip at the left of a box for the status symbol
BOX_TEXT_PAD_IN = 0.05  # padding between text and the box edge
BAND_PAD_IN = 0.08  # vertical padding inside a band, above and below its rows
EMPTY_BAND_IN = 0.45  # height of a band with no objectives (still shown and labelled)
TIER_GAP_IN = 0.1  # white gap between tiers
TIER_STRIP_IN = 0.32  # width of the coloured tier label strip on the far left
PERSPECTIVE_LABEL_IN = 1.45  # width of the perspective label column
LABEL_COLUMN_IN = TIER_STRIP_IN + PERSPECTIVE_LABEL_IN
FONT_MAX_PT = 9.0  # node font on small maps
FONT_MIN_PT = 6.5  # smallest node font (still legible in print)
FONT_STEP_PT = 0.5  # font sizes tried between the two
TEXT_WIDTH_MARGIN = 1.06  # rendered text can be a few % wider than its outline at low dpi (hinting)
LINE_SPACING = 1.18  # line height as a multiple of the font size (matplotlib's default is 1.2)
CAP_CENTRE_EM = 0.36  # height of the middle of a capital above the baseline (DejaVu Sans cap height 0.73 em)
MAX_LINES = 4  # lines of a name in a box; longer names are cut with an ellipsis
SWEEPS = 4  # up-and-down barycentre sweeps (project choice; the best order seen is kept, Sugiyama et al. 1981)
SAME_ROW_DIP_IN = 0.17  # an arrow between non-adjacent boxes of one row runs this far below the row
ROUTE_CLEARANCE_IN = 0.04  # arrows keep this far from boxes they pass
CORNER_IN = 0.15  # radius-like length of a rounded bend in an arrow
ARROW_SHRINK_IN = 0.02  # gap between an arrow's ends and the box outlines
MARGIN_IN = 0.12  # white margin around the drawing
TITLE_IN = 0.45  # room for the title
LEGEND_GAP_IN = 0.3  # gap between legend blocks, and between the map and the legend
PERSPECTIVE_FONT_PT = 8.5  # perspective band labels

TIER_COLOURS = {  # (label strip, band tint A, band tint B): muted blue, green, brown; tints alternate
    "outcomes": ("#2F5D7C", "#E4EDF4", "#F0F5F9"),
    "processes": ("#3F7350", "#E4EFE6", "#F0F6F1"),
    "capability": ("#7A5A2B", "#F1E9DC", "#F8F3EB"),
}
EDGE_COLOUR = "#404040"  # box outline
TEXT_COLOUR = "#1A1A1A"
