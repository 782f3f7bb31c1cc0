"""The PSS strategy map, coloured by evidence.

The Public Sector Scorecard draws its perspectives in three tiers (Moullin 2017): **capability** at
the bottom supports the **processes** in the middle, which deliver the **outcomes** on top. Each
perspective is a horizontal band inside its tier; each objective (measure) is a box in its band;
each link of the map is an arrow from a *driver* to the *outcome* it is expected to move.

* :func:`strategy_map_layout` places the boxes: a layered drawing in the manner of Sugiyama,
  Tagawa & Toda (1981), with the bands as layers and the order of boxes within a band chosen by a
  few up-and-down sweeps of the barycentre heuristic to reduce crossing arrows (the best order seen
  is kept, so sweeping never makes things worse). Long names are wrapped, one font size is chosen
  for the whole map (smaller when names are long or the map is wide), and bands with many boxes
  wrap into several rows. Deterministic: no randomness, ties keep the input order.
* :func:`strategy_map_figure` draws it on a :class:`matplotlib.figure.Figure` (never pyplot):
  shaded, labelled bands and tiers, boxes filled by the evidence on each measure (colour-blind-safe
  Okabe-Ito colours *and* a symbol in each box, so colour is never the only cue), arrows solid for
  an expected positive effect and dashed for an expected negative one, coloured by whether the data
  agree with the expected direction, and a legend in plain English. An arrow that would cut
  through another box bends through the nearest gap between boxes instead (rounded corners), so
  it never looks as if it started or ended at a box it only passes.
* :func:`count_crossings` counts crossing arrows of a layout (straight lines between box centres).

Coordinates are in inches of the figure :func:`strategy_map_figure` draws (1 data unit = 1 inch),
so box sizes and font sizes agree. Pure matplotlib: no graphviz or other system tools.

Inputs are plain DataFrames (as the scorecard loader produces them); ids are compared as text:

* ``perspectives``: ``perspective_id, name, tier`` (one of :data:`TIERS`), ``order`` (smaller is
  higher within its tier);
* ``objectives``: ``objective_id, name, perspective_id``;
* ``links``: ``driver, outcome`` (objective ids), ``expected_sign`` (``+`` or ``-``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch, Rectangle
from matplotlib.path import Path
from matplotlib.textpath import TextToPath

from pss_analysis.errors import DataValidationError, ParameterError

__all__ = [
    "TIERS",
    "NODE_STATUSES",
    "LINK_STATUSES",
    "strategy_map_layout",
    "strategy_map_figure",
    "count_crossings",
]

TIERS = ("capability", "processes", "outcomes")
"""The three PSS tiers, bottom to top (Moullin 2017: capability supports processes, which deliver outcomes)."""
TIER_LABELS = {"capability": "Capability", "processes": "Processes", "outcomes": "Outcomes"}

NODE_STATUSES: dict[str, dict[str, str]] = {
    "improved": {"colour": "#56B4E9", "glyph": "▲", "label": "Improved"},  # Okabe-Ito sky blue
    "deteriorated": {"colour": "#E69F00", "glyph": "▼", "label": "Deteriorated"},  # Okabe-Ito orange
    "no_change": {"colour": "#FFFFFF", "glyph": "=", "label": "No clear change"},  # white
    "mixed": {"colour": "#CC79A7", "glyph": "~", "label": "Mixed evidence"},  # Okabe-Ito reddish purple
    "not_enough_data": {"colour": "#EDEDED", "glyph": "?", "label": "Not enough data"},  # pale grey, dashed edge
}
"""Fill colour, symbol and legend label of every measure status (colour and symbol, for colour-blind readers)."""
NO_STATUS = {"colour": "#BDBDBD", "glyph": "", "label": "No status given"}  # neutral grey (brief)

LINK_STATUSES: dict[str, dict[str, Any]] = {
    "agrees": {"colour": "#009E73", "width": 1.8, "label": "Data agree with the expected direction"},  # Okabe-Ito bluish green
    "disagrees": {"colour": "#D55E00", "width": 1.8, "label": "Data go against the expected direction"},  # Okabe-Ito vermillion
    "unknown": {"colour": "#8C8C8C", "width": 1.0, "label": "No clear evidence either way"},  # grey, thinner
}
"""Colour, line width and legend label of every link status (width differs too, not colour alone)."""
SIGN_STYLES = {"+": "solid", "-": (0, (4, 2.5))}  # solid: expected increase; dashed: expected decrease

# --- geometry, in inches (1 data unit = 1 inch) ---------------------------------------------------
SLOT_MAX_IN = 1.9  # horizontal room per box on small maps
SLOT_MIN_IN = 1.4  # ... and the least it shrinks to on wide maps (a box still holds ~18 characters a line at 6.5 pt)
MAP_WIDTH_TARGET_IN = 15.0  # node area width beyond which slots shrink (project choice: with labels, about landscape A3)
MAP_WIDTH_MIN_IN = 8.0  # narrowest node area, so the legend fits under small maps
MAX_PER_ROW = 9  # boxes in one row of a band before it wraps into another row (project choice: 9 slots fill the target width)
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

_PERSPECTIVE_COLUMNS = ("perspective_id", "name", "tier", "order")
_OBJECTIVE_COLUMNS = ("objective_id", "name", "perspective_id")
_LINK_COLUMNS = ("driver", "outcome", "expected_sign")
_TEXT_TO_PATH = TextToPath()


# --- validation -------------------------------------------------------------------------------------


def _require_columns(frame: Any, what: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(f"{what} must be a pandas DataFrame", key=what, expected="a DataFrame",
                             found=type(frame).__name__)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(f"{what} lacks the column(s) {', '.join(missing)}", key=what,
                                  expected=f"columns {', '.join(columns)}", found=list(map(str, frame.columns)))
    return frame


def _unique_ids(values: pd.Series, what: str, column: str) -> list[str]:
    ids = [str(v) for v in values]
    seen: set[str] = set()
    for i, v in enumerate(ids):
        if v in seen:
            raise DataValidationError(f"{what} has the {column} '{v}' twice", key=what, row=i, column=column,
                                      expected="each id once", found=v)
        seen.add(v)
    return ids


@dataclass(frozen=True)
class _Inputs:
    perspectives: pd.DataFrame  # perspective_id (str), name, tier, order; sorted bottom band first
    objectives: pd.DataFrame  # objective_id (str), name, perspective_id (str)
    links: list[tuple[str, str, str]]  # (driver, outcome, expected_sign)


def _validate(objectives: Any, perspectives: Any, links: Any) -> _Inputs:
    p = _require_columns(perspectives, "perspectives", _PERSPECTIVE_COLUMNS)
    o = _require_columns(objectives, "objectives", _OBJECTIVE_COLUMNS)
    ln = _require_columns(links, "links", _LINK_COLUMNS)

    pids = _unique_ids(p["perspective_id"], "perspectives", "perspective_id")
    tiers = [str(t).strip().lower() for t in p["tier"]]
    for i, t in enumerate(tiers):
        if t not in TIERS:
            raise DataValidationError(f"perspective '{pids[i]}' has an unknown tier", key=pids[i], row=i,
                                      column="tier", expected=f"one of {', '.join(TIERS)}", found=p["tier"].iloc[i])
    order = pd.to_numeric(p["order"], errors="coerce")
    if order.isna().any():
        i = int(np.flatnonzero(order.isna().to_numpy())[0])
        raise DataValidationError(f"perspective '{pids[i]}' has no numeric order", key=pids[i], row=i,
                                  column="order", expected="a number", found=p["order"].iloc[i])
    persp = pd.DataFrame({
        "perspective_id": pids, "name": [str(v) for v in p["name"]], "tier": tiers,
        "order": order.to_numpy(dtype=float), "_input": np.arange(len(pids)),
    })
    persp["_tier_rank"] = persp["tier"].map({t: k for k, t in enumerate(TIERS)})
    # bottom band first: tiers bottom-up; inside a tier, larger order lower (smaller order on top)
    persp = persp.sort_values(["_tier_rank", "order", "_input"], ascending=[True, False, False], kind="stable")
    persp = persp.reset_index(drop=True)

    oids = _unique_ids(o["objective_id"], "objectives", "objective_id")
    if not oids:
        raise DataValidationError("there are no objectives to draw", key="objectives",
                                  expected="at least one objective", found=0)
    opids = [str(v) for v in o["perspective_id"]]
    known = set(pids)
    for i, (oid, pid) in enumerate(zip(oids, opids)):
        if pid not in known:
            raise DataValidationError(
                f"objective '{oid}' is in the unknown perspective '{pid}'", key=oid, row=i, column="perspective_id",
                expected=f"one of {', '.join(pids)}", found=pid,
            )
    obj = pd.DataFrame({"objective_id": oids, "name": [str(v) for v in o["name"]], "perspective_id": opids})

    objs = set(oids)
    edges: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for i, (d, t, s) in enumerate(zip(ln["driver"], ln["outcome"], ln["expected_sign"])):
        d, t, s = str(d), str(t), str(s).strip()
        for column, v in (("driver", d), ("outcome", t)):
            if v not in objs:
                raise DataValidationError(f"the link {d} -> {t} names the unknown objective '{v}'", key="links",
                                          row=i, column=column, expected="an objective_id of objectives", found=v)
        if s not in SIGN_STYLES:
            raise DataValidationError(f"the link {d} -> {t} has an unknown expected sign", key="links", row=i,
                                      column="expected_sign", expected="'+' or '-'", found=s)
        if d == t:
            raise DataValidationError(f"the link {d} -> {t} joins an objective to itself", key="links", row=i,
                                      column="outcome", expected="two different objectives", found=t)
        if (d, t) in seen:
            raise DataValidationError(f"the link {d} -> {t} appears twice", key="links", row=i, column="driver",
                                      expected="each driver -> outcome pair once", found=f"{d} -> {t}")
        seen.add((d, t))
        edges.append((d, t, s))
    return _Inputs(persp, obj, edges)


# --- text -------------------------------------------------------------------------------------------


def _text_width_pt(text: str, size: float) -> float:
    """Width of ``text`` in points, with a margin for hinting at screen resolutions."""
    width, _, _ = _TEXT_TO_PATH.get_text_width_height_descent(text, FontProperties(size=size), ismath=False)
    return float(width) * TEXT_WIDTH_MARGIN


def _wrap(text: str, size: float, width_pt: float) -> list[str]:
    """Greedy word wrap by measured width; words longer than a line are broken."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while _text_width_pt(word, size) > width_pt and len(word) > 1:  # break an over-long word
            cut = len(word) - 1
            while cut > 1 and _text_width_pt(word[:cut] + "-", size) > width_pt:
                cut -= 1
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:cut] + "-")
            word = word[cut:]
        trial = f"{current} {word}".strip()
        if current and _text_width_pt(trial, size) > width_pt:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines or [""]


def _fit_lines(size: float) -> int:
    usable = BOX_HEIGHT_IN * 72 - 2 * BOX_TEXT_PAD_IN * 72
    return max(1, min(MAX_LINES, int(usable // (size * LINE_SPACING))))


def _labels(names: list[str], box_width_in: float, font_max: float) -> tuple[list[str], float]:
    """Wrapped labels and the one font size (largest that fits every name, else the smallest, cut)."""
    width_pt = (box_width_in - GLYPH_COLUMN_IN - 2 * BOX_TEXT_PAD_IN) * 72
    size = font_max
    while True:
        wrapped = [_wrap(n, size, width_pt) for n in names]
        if all(len(w) <= _fit_lines(size) for w in wrapped) or size <= FONT_MIN_PT:
            break
        size = max(FONT_MIN_PT, size - FONT_STEP_PT)
    keep = _fit_lines(size)
    labels = []
    for lines in wrapped:
        if len(lines) > keep:
            lines = lines[:keep]
            last = lines[-1]
            while last and _text_width_pt(last + "…", size) > width_pt:
                last = last[:-1]
            lines[-1] = last.rstrip() + "…"
        labels.append("\n".join(lines))
    return labels, size


# --- layout -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    nodes: pd.DataFrame
    bands: pd.DataFrame  # one row per perspective: perspective_id, name, tier, band_bottom, band_top, shade
    tiers: pd.DataFrame  # tier, bottom, top
    width: float
    height: float
    font_size: float
    slot: float
    links: list[tuple[str, str, str]]


def _positions(orders: list[list[str]], per_row: list[int], slot: float, width: float) -> dict[str, tuple[float, int]]:
    """x and row of every node for the given within-band orders (rows centred, first row on top)."""
    out: dict[str, tuple[float, int]] = {}
    for order, k in zip(orders, per_row):
        n = len(order)
        for i, node in enumerate(order):
            row, j = divmod(i, k)
            in_row = min(k, n - row * k)
            out[node] = ((width - in_row * slot) / 2 + (j + 0.5) * slot, row)
    return out


def _segments_cross(p1, p2, p3, p4) -> bool:
    """Proper intersection of segments p1p2 and p3p4 (touching or collinear overlap not counted)."""
    def orient(a, b, c):
        v = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])
        return 0 if abs(v) < 1e-12 else (1 if v > 0 else -1)
    d1, d2 = orient(p3, p4, p1), orient(p3, p4, p2)
    d3, d4 = orient(p1, p2, p3), orient(p1, p2, p4)
    return d1 * d2 < 0 and d3 * d4 < 0


def _crossings(xy: Mapping[str, tuple[float, float]], links: list[tuple[str, str, str]]) -> int:
    segs = [(a, b) for a, b, _ in links if abs(xy[a][1] - xy[b][1]) > 1e-9]  # same-row arrows are arcs
    count = 0
    for i in range(len(segs)):
        a, b = segs[i]
        for c, d in segs[i + 1:]:
            if {a, b} & {c, d}:
                continue
            count += _segments_cross(xy[a], xy[b], xy[c], xy[d])
    return count


def count_crossings(layout: pd.DataFrame, links: pd.DataFrame) -> int:
    """Number of pairs of arrows that cross, drawn as straight lines between box centres.

    ``layout`` is a :func:`strategy_map_layout` frame; ``links`` has ``driver`` and ``outcome``.
    Arrows sharing a box, and arrows between two boxes of the same row (drawn as arcs), are not counted.
    """
    _require_columns(layout, "layout", ("objective_id", "x", "y"))
    _require_columns(links, "links", ("driver", "outcome"))
    xy = {str(o): (float(x), float(y)) for o, x, y in zip(layout["objective_id"], layout["x"], layout["y"])}
    edges = []
    for i, (d, t) in enumerate(zip(links["driver"], links["outcome"])):
        for column, v in (("driver", str(d)), ("outcome", str(t))):
            if v not in xy:
                raise DataValidationError(f"the link {d} -> {t} names '{v}', which is not in the layout",
                                          key="links", row=i, column=column, expected="an objective in the layout",
                                          found=v)
        edges.append((str(d), str(t), "+"))
    return _crossings(xy, edges)


def _build_layout(inputs: _Inputs, sweeps: int) -> _Layout:
    persp, obj, links = inputs.perspectives, inputs.objectives, inputs.links
    band_ids = list(persp["perspective_id"])  # bottom band first
    members = {pid: [] for pid in band_ids}
    for oid, pid in zip(obj["objective_id"], obj["perspective_id"]):
        members[pid].append(oid)
    counts = [len(members[pid]) for pid in band_ids]
    rows = [max(1, math.ceil(n / MAX_PER_ROW)) for n in counts]
    per_row = [max(1, math.ceil(n / r)) for n, r in zip(counts, rows)]
    columns = max(per_row)
    slot = min(SLOT_MAX_IN, max(SLOT_MIN_IN, MAP_WIDTH_TARGET_IN / columns))
    width = max(columns * slot, MAP_WIDTH_MIN_IN)

    # vertical bands, bottom-up
    band_rows, tier_rows = [], []
    y = 0.0
    previous_tier = None
    tier_start = 0.0
    shade = 0
    for pid, name, tier, n, r in zip(band_ids, persp["name"], persp["tier"], counts, rows):
        if tier != previous_tier:
            if previous_tier is not None:
                tier_rows.append({"tier": previous_tier, "bottom": tier_start, "top": y})
                y += TIER_GAP_IN
            tier_start, previous_tier, shade = y, tier, 0
        height = r * ROW_IN + 2 * BAND_PAD_IN if n else EMPTY_BAND_IN
        band_rows.append({"perspective_id": pid, "name": name, "tier": tier, "band_bottom": y,
                          "band_top": y + height, "rows": r, "shade": shade % 2})
        shade += 1
        y += height
    tier_rows.append({"tier": previous_tier, "bottom": tier_start, "top": y})
    total_height = y
    bands = pd.DataFrame(band_rows)
    band_of = {pid: k for k, pid in enumerate(band_ids)}

    def row_y(k: int, row: int) -> float:
        return float(bands["band_top"].iloc[k]) - BAND_PAD_IN - (row + 0.5) * ROW_IN

    def coordinates(orders: list[list[str]]) -> dict[str, tuple[float, float]]:
        pos = _positions(orders, per_row, slot, width)
        return {node: (x, row_y(band_of[pid], row)) for pid, order in zip(band_ids, orders)
                for node in order for x, row in [pos[node]]}

    # barycentre sweeps (Sugiyama, Tagawa & Toda 1981), generalised to arrows spanning several bands
    neighbours: dict[str, list[str]] = {o: [] for o in obj["objective_id"]}
    for d, t, _ in links:
        neighbours[d].append(t)
        neighbours[t].append(d)
    node_band = dict(zip(obj["objective_id"], (band_of[p] for p in obj["perspective_id"])))
    orders = [list(members[pid]) for pid in band_ids]
    xy = coordinates(orders)
    best_orders, best = [list(o) for o in orders], _crossings(xy, links)
    for _ in range(sweeps):
        for direction in (+1, -1):  # up: order each band by neighbours below it; down: by those above
            layer_seq = range(1, len(orders)) if direction > 0 else range(len(orders) - 2, -1, -1)
            for k in layer_seq:
                if len(orders[k]) < 2:
                    continue
                keys = []
                for i, node in enumerate(orders[k]):
                    xs = [xy[m][0] for m in neighbours[node] if (node_band[m] - k) * direction < 0]
                    keys.append((float(np.mean(xs)) if xs else xy[node][0], xy[node][0], i))
                orders[k] = [orders[k][i] for *_, i in sorted(keys)]
                xy = coordinates(orders)
            crossings = _crossings(xy, links)
            if crossings < best:
                best, best_orders = crossings, [list(o) for o in orders]
    xy = coordinates(best_orders)

    box_width = slot * BOX_WIDTH_FRACTION
    font_max = FONT_MAX_PT * min(1.0, slot / SLOT_MAX_IN)  # narrower slots, smaller type ...
    font_max = math.floor(font_max / FONT_STEP_PT) * FONT_STEP_PT  # ... in whole steps
    names = dict(zip(obj["objective_id"], obj["name"]))
    ordered = [o for order in best_orders for o in order]
    label_list, font = _labels([names[o] for o in ordered], box_width, max(FONT_MIN_PT, font_max))
    labels = dict(zip(ordered, label_list))
    position = {o: i for order in best_orders for i, o in enumerate(order)}
    pid_of = dict(zip(obj["objective_id"], obj["perspective_id"]))

    records = []
    for oid in obj["objective_id"]:  # input order
        k = band_of[pid_of[oid]]
        x, y = xy[oid]
        records.append({
            "objective_id": oid, "perspective_id": pid_of[oid], "tier": bands["tier"].iloc[k],
            "x": x, "y": y, "band_bottom": float(bands["band_bottom"].iloc[k]),
            "band_top": float(bands["band_top"].iloc[k]), "name": names[oid], "width": box_width,
            "height": BOX_HEIGHT_IN,
            "row": position[oid] // per_row[k], "position": position[oid], "label": labels[oid],
        })
    nodes = pd.DataFrame(records)
    return _Layout(nodes, bands, pd.DataFrame(tier_rows), width, total_height, font, slot, links)


def strategy_map_layout(objectives: pd.DataFrame, perspectives: pd.DataFrame, links: pd.DataFrame, *,
                        sweeps: int = SWEEPS) -> pd.DataFrame:
    """Where every objective's box goes on the strategy map: one row per objective, in input order.

    Columns: ``objective_id, perspective_id, tier, x, y, band_bottom, band_top`` (the brief's
    contract), plus ``name``, ``width`` and ``height`` (box size), ``row`` (0 = top row of its band),
    ``position`` (order within its band) and ``label`` (the wrapped name as drawn). Units are inches
    of the drawn figure; ``x`` runs from 0 to ``attrs["width"]`` and ``y`` from 0 (bottom) to
    ``attrs["height"]``. ``attrs`` also holds ``slot`` (horizontal room per box), ``font_size``
    (points) and ``crossings`` (:func:`count_crossings` of this layout).

    Tiers are stacked capability < processes < outcomes; within a tier, perspectives with a smaller
    ``order`` sit higher. Boxes start in input order; ``sweeps`` up-and-down barycentre sweeps then
    reorder each band to reduce crossing arrows (``sweeps=0`` keeps the input order).
    """
    if isinstance(sweeps, bool) or not isinstance(sweeps, (int, np.integer)) or sweeps < 0:
        raise ParameterError("sweeps must be a whole number of at least 0", key="sweeps",
                             expected="an integer >= 0", found=sweeps)
    layout = _build_layout(_validate(objectives, perspectives, links), int(sweeps))
    nodes = layout.nodes.copy()
    xy = {o: (x, y) for o, x, y in zip(nodes["objective_id"], nodes["x"], nodes["y"])}
    nodes.attrs.update({"width": layout.width, "height": layout.height, "font_size": layout.font_size,
                        "slot": layout.slot, "crossings": _crossings(xy, layout.links)})
    return nodes


# --- arrow routes -----------------------------------------------------------------------------------


def _boundary_point(cx: float, cy: float, w: float, h: float, px: float, py: float) -> tuple[float, float]:
    """Where the ray from a box centre towards (px, py) leaves the box, a little outside it."""
    dx, dy = px - cx, py - cy
    if dx == 0 and dy == 0:
        return cx, cy
    t = min(w / 2 / abs(dx) if dx else np.inf, h / 2 / abs(dy) if dy else np.inf)
    length = math.hypot(dx, dy)
    t += ARROW_SHRINK_IN / length
    return cx + t * dx, cy + t * dy


def _x_at(p: tuple[float, float], q: tuple[float, float], y: float) -> float:
    return p[0] if q[1] == p[1] else p[0] + (q[0] - p[0]) * (y - p[1]) / (q[1] - p[1])


def _route(nodes: pd.DataFrame, slot: float, driver: str, outcome: str) -> Path:
    """The path of the arrow from ``driver`` to ``outcome``, from box edge to box edge.

    The straight line, except in the rows of boxes it would cut through: there it passes through the
    gap between two boxes (or past the end of the row) nearest to the straight line, and in its own
    boxes' rows it leaves (enters) through the box's top or bottom. Each row is checked from where
    the arrow really enters it, so the bends never push it into another box; corners are rounded.
    Arrows within one row run just below the row unless the boxes are neighbours.
    """
    by_id = nodes.set_index("objective_id")
    a, b = by_id.loc[driver], by_id.loc[outcome]
    w, h = float(a["width"]), float(a["height"])
    c = ROUTE_CLEARANCE_IN
    start, end = (float(a["x"]), float(a["y"])), (float(b["x"]), float(b["y"]))
    others = nodes[~nodes["objective_id"].isin([driver, outcome])]
    points = [start]
    if abs(start[1] - end[1]) < 1e-9:  # same row
        row = others[np.isclose(others["y"], start[1])]
        lo, hi = sorted((start[0], end[0]))
        if ((row["x"] > lo) & (row["x"] < hi)).any():
            bottom = start[1] - h / 2 - ARROW_SHRINK_IN
            control = bottom - SAME_ROW_DIP_IN / 0.75  # a cubic Bézier reaches 3/4 of its controls' depth
            return Path([(start[0], bottom), (start[0], control), (end[0], control), (end[0], bottom)],
                        [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4])
    else:
        up = end[1] > start[1]
        rows = sorted({float(y) for y in others["y"]}, reverse=not up)
        rows = [y for y in rows if min(start[1], end[1]) - 1e-9 <= y <= max(start[1], end[1]) + 1e-9]
        current = start
        for y in rows:
            row = others[np.isclose(others["y"], y)]
            lo, hi = y - h / 2 - c, y + h / 2 + c
            near, far = (lo, hi) if up else (hi, lo)
            own_start, own_end = np.isclose(y, start[1]), np.isclose(y, end[1])
            if own_start:  # only the part of the row between the driver's centre and the row's edge
                near = y
            elif own_end:
                far = y
            x_near, x_far = _x_at(current, end, near), _x_at(current, end, far)
            span = sorted((x_near, x_far))
            hit = bool(((row["x"] + w / 2 + c > span[0]) & (row["x"] - w / 2 - c < span[1])).any())
            if own_start:
                exit_x = start[0] if hit else x_far  # straight up (down) out of the box
                current = (exit_x, far)
                points.append(current)
            elif own_end:
                if hit:
                    points.append((end[0], near))  # straight into the box from below (above)
            else:
                if hit:
                    x_mid = _x_at(current, end, y)
                    gaps = np.concatenate([row["x"].to_numpy() - slot / 2, row["x"].to_numpy() + slot / 2])
                    x_near = x_far = float(gaps[np.argmin(np.abs(gaps - x_mid))])
                current = (x_far, far)
                points += [(x_near, near), current]
    points.append(end)
    points = _drop_collinear(points)
    points[0] = _boundary_point(*start, w, h, *points[1])
    points[-1] = _boundary_point(*end, w, h, *points[-2])
    return _rounded_path(points)


def _drop_collinear(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = [points[0]]
    for p, q in zip(points[1:-1], points[2:]):
        o = out[-1]
        cross = (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])
        if abs(cross) > 1e-9 and p != o:
            out.append(p)
    out.append(points[-1])
    return out


def _rounded_path(points: list[tuple[float, float]]) -> Path:
    """A polyline through ``points`` whose corners are rounded off (quadratic Bézier fillets)."""
    p = np.asarray(points, dtype=float)
    vertices, codes = [p[0]], [Path.MOVETO]
    for i in range(1, len(p) - 1):
        before, after = p[i - 1] - p[i], p[i + 1] - p[i]
        cut_in = min(CORNER_IN, np.hypot(*before) / 2) / np.hypot(*before)
        cut_out = min(CORNER_IN, np.hypot(*after) / 2) / np.hypot(*after)
        vertices += [p[i] + before * cut_in, p[i], p[i] + after * cut_out]
        codes += [Path.LINETO, Path.CURVE3, Path.CURVE3]
    vertices.append(p[-1])
    codes.append(Path.LINETO)
    return Path(np.asarray(vertices), codes)


# --- figure -----------------------------------------------------------------------------------------


def _check_statuses(statuses: Mapping[Any, str] | None, known: dict, what: str, valid_keys: set) -> dict:
    if statuses is None:
        return {}
    if not isinstance(statuses, Mapping):
        raise ParameterError(f"{what} must be a mapping", key=what, expected="a dict", found=type(statuses).__name__)
    out = {}
    for key, value in statuses.items():
        k = (str(key[0]), str(key[1])) if isinstance(key, tuple) and len(key) == 2 else str(key)
        if k not in valid_keys:
            shown = f"{k[0]} -> {k[1]}" if isinstance(k, tuple) else k
            raise ParameterError(f"{what} names '{shown}', which is not on the map", key=what,
                                 expected="an objective id" if what == "node_status" else "a (driver, outcome) link",
                                 found=shown)
        if value is None:
            continue
        if value not in known:
            raise ParameterError(f"unknown {what} value for '{k}'", key=what,
                                 expected=f"one of {', '.join(known)}", found=value)
        out[k] = value
    return out


def strategy_map_figure(
    objectives: pd.DataFrame,
    perspectives: pd.DataFrame,
    links: pd.DataFrame,
    *,
    node_status: Mapping[str, str] | None = None,
    link_status: Mapping[tuple[str, str], str] | None = None,
    title: str | None = None,
) -> Figure:
    """The strategy map as a :class:`~matplotlib.figure.Figure`, coloured by evidence.

    ``node_status`` maps an objective id to one of :data:`NODE_STATUSES` (improved, deteriorated,
    no_change, mixed, not_enough_data); a missing or ``None`` status draws the box grey with no
    symbol. ``link_status`` maps ``(driver, outcome)`` to one of :data:`LINK_STATUSES` (agrees,
    disagrees, unknown; missing = unknown) — e.g. the ``status`` of
    :func:`pss_analysis.methods.linkage.link_evidence`. Unknown ids or values raise
    :class:`~pss_analysis.errors.ParameterError`.

    Every box is a :class:`~matplotlib.patches.FancyBboxPatch` with ``gid`` ``"node:<objective_id>"``
    and every arrow a :class:`~matplotlib.patches.FancyArrowPatch` with ``gid``
    ``"link:<driver>-><outcome>"``, so tests and SVG post-processing can find them.
    """
    inputs = _validate(objectives, perspectives, links)
    layout = _build_layout(inputs, SWEEPS)
    nodes = layout.nodes
    statuses = _check_statuses(node_status, NODE_STATUSES, "node_status", set(nodes["objective_id"]))
    link_statuses = _check_statuses(link_status, LINK_STATUSES, "link_status", {(d, t) for d, t, _ in inputs.links})

    fig_w = 2 * MARGIN_IN + LABEL_COLUMN_IN + layout.width
    fig = Figure(figsize=(fig_w, layout.height))  # height fixed below, once the legend is measured
    FigureCanvasAgg(fig)  # a canvas to measure the legend with; savefig still picks the format's backend
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(-LABEL_COLUMN_IN, layout.width)
    ax.set_ylim(0, layout.height)
    ax.axis("off")
    _draw_bands(ax, layout)
    _draw_boxes(ax, layout, statuses)
    for d, t, sign in inputs.links:
        style = LINK_STATUSES[link_statuses.get((d, t), "unknown")]
        route = _route(nodes, layout.slot, d, t)
        ax.add_patch(FancyArrowPatch(
            path=route, arrowstyle="-|>,head_length=0.45,head_width=0.22", mutation_scale=14,
            color=style["colour"], linewidth=style["width"], linestyle=SIGN_STYLES[sign], zorder=3,
            gid=f"link:{d}->{t}", capstyle="butt", joinstyle="round",
        ))

    # legend under the map, then the final figure size
    placed, legend_h = _legends(fig, fig_w - 2 * MARGIN_IN)
    top_in = TITLE_IN if title else MARGIN_IN
    fig_h = top_in + layout.height + LEGEND_GAP_IN + legend_h + MARGIN_IN
    fig.set_size_inches(fig_w, fig_h)
    ax.set_position((MARGIN_IN / fig_w, (fig_h - top_in - layout.height) / fig_h,
                     (LABEL_COLUMN_IN + layout.width) / fig_w, layout.height / fig_h))
    legend_top = MARGIN_IN + legend_h
    for legend, x_in, dy_in in placed:
        legend.set_bbox_to_anchor((x_in, legend_top - dy_in), transform=fig.dpi_scale_trans)
    if title:
        fig.text(MARGIN_IN, fig_h - 0.12, title, ha="left", va="top", fontsize=13, fontweight="bold",
                 color=TEXT_COLOUR, transform=fig.dpi_scale_trans)
    return fig


def _text_lines(ax: Any, x: float, y: float, lines: list[str], size: float, **kwargs: Any) -> None:
    """Lines of text centred on ``y`` with an even baseline-to-baseline spacing.

    One text per line: matplotlib spaces the lines of one multi-line text by each line's own ascent,
    so a line without ascenders ("emergency") sits unevenly.
    """
    step = size * LINE_SPACING / 72
    for i, line in enumerate(lines):
        centre = y + ((len(lines) - 1) / 2 - i) * step
        ax.text(x, centre - CAP_CENTRE_EM * size / 72, line, va="baseline", fontsize=size, **kwargs)


def _draw_bands(ax: Any, layout: _Layout) -> None:
    """Tier strips with their names, and shaded perspective bands labelled on the left."""
    for tier in layout.tiers.itertuples():
        strip = TIER_COLOURS[tier.tier][0]
        ax.add_patch(Rectangle((-LABEL_COLUMN_IN, tier.bottom), TIER_STRIP_IN, tier.top - tier.bottom,
                               facecolor=strip, edgecolor="none", zorder=0))
        ax.text(-LABEL_COLUMN_IN + TIER_STRIP_IN / 2, (tier.bottom + tier.top) / 2, TIER_LABELS[tier.tier].upper(),
                rotation=90, ha="center", va="center", color="white", fontsize=9, fontweight="bold", zorder=1)
    label_width_pt = (PERSPECTIVE_LABEL_IN - 0.16) * 72
    for band in layout.bands.itertuples():
        tint = TIER_COLOURS[band.tier][1 + band.shade]
        ax.add_patch(Rectangle((-PERSPECTIVE_LABEL_IN, band.band_bottom), PERSPECTIVE_LABEL_IN + layout.width,
                               band.band_top - band.band_bottom, facecolor=tint, edgecolor="none", zorder=0))
        size = PERSPECTIVE_FONT_PT
        lines = _wrap(band.name, size, label_width_pt)
        while len(lines) * size * LINE_SPACING > (band.band_top - band.band_bottom) * 72 and size > FONT_MIN_PT:
            size -= FONT_STEP_PT
            lines = _wrap(band.name, size, label_width_pt)
        _text_lines(ax, -PERSPECTIVE_LABEL_IN + 0.08, (band.band_bottom + band.band_top) / 2, lines, size,
                    ha="left", fontweight="bold", color=TIER_COLOURS[band.tier][0], zorder=1)


def _draw_boxes(ax: Any, layout: _Layout, statuses: Mapping[str, str]) -> dict[str, FancyBboxPatch]:
    """One rounded box per objective, filled by its status, with the status symbol and the wrapped name."""
    boxes: dict[str, FancyBboxPatch] = {}
    for node in layout.nodes.itertuples():
        status = statuses.get(node.objective_id)
        style = NODE_STATUSES[status] if status else NO_STATUS
        left, bottom = node.x - node.width / 2, node.y - node.height / 2
        box = FancyBboxPatch((left, bottom), node.width, node.height,
                             boxstyle=f"round,pad=0,rounding_size={BOX_ROUNDING_IN}",
                             facecolor=style["colour"], edgecolor=EDGE_COLOUR, linewidth=0.9,
                             linestyle="--" if status == "not_enough_data" else "-", zorder=4,
                             gid=f"node:{node.objective_id}")
        ax.add_patch(box)
        boxes[node.objective_id] = box
        if style["glyph"]:
            ax.text(left + BOX_TEXT_PAD_IN + GLYPH_COLUMN_IN / 2 - 0.02, node.y, style["glyph"], ha="center",
                    va="center", fontsize=layout.font_size + 1.5, fontweight="bold", color=TEXT_COLOUR, zorder=5)
        _text_lines(ax, left + GLYPH_COLUMN_IN + (node.width - GLYPH_COLUMN_IN) / 2, node.y,
                    node.label.split("\n"), layout.font_size, ha="center", color=TEXT_COLOUR, zorder=5)
    return boxes


def _legends(fig: Figure, available_in: float) -> tuple[list[tuple[Any, float, float]], float]:
    """Three legend blocks (boxes, arrow colour, arrow style), side by side while they fit, else wrapped.

    Returns each legend with its left edge and its top's distance below the legend area's top (inches),
    and the height of the legend area.
    """
    node_handles = [Patch(facecolor=s["colour"], edgecolor=EDGE_COLOUR, linewidth=0.8,
                          linestyle="--" if k == "not_enough_data" else "-") for k, s in NODE_STATUSES.items()]
    node_labels = [f"{s['glyph']}  {s['label']}" for s in NODE_STATUSES.values()]
    node_handles.append(Patch(facecolor=NO_STATUS["colour"], edgecolor=EDGE_COLOUR, linewidth=0.8))
    node_labels.append(f"     {NO_STATUS['label']}")
    link_handles = [Line2D([], [], color=s["colour"], linewidth=s["width"] + 0.4) for s in LINK_STATUSES.values()]
    link_labels = [s["label"] for s in LINK_STATUSES.values()]
    sign_handles = [Line2D([], [], color="#404040", linewidth=1.4, linestyle=SIGN_STYLES[s]) for s in ("+", "-")]
    sign_labels = ["Expected to raise the outcome (+)", "Expected to lower the outcome (−)"]
    blocks = [
        ("Box: change in the measure", node_handles, node_labels, 2),
        ("Arrow colour: what the data show", link_handles, link_labels, 1),
        ("Arrow style: driver → outcome", sign_handles, sign_labels, 1),
    ]
    renderer = fig.canvas.get_renderer()
    placed: list[tuple[Any, float, float]] = []
    x = row_top = row_height = 0.0
    for heading, handles, labels, ncol in blocks:
        legend = fig.legend(handles, labels, title=heading, loc="upper left", ncol=ncol, fontsize=8,
                            title_fontsize=8.5, frameon=False, alignment="left", handlelength=2.0,
                            columnspacing=1.0, borderaxespad=0, borderpad=0.2)
        legend.get_title().set_fontweight("bold")
        extent = legend.get_window_extent(renderer)
        w, h = extent.width / fig.dpi, extent.height / fig.dpi
        if x > 0 and x + w > available_in:  # wrap to a new row of legend blocks
            row_top += row_height + LEGEND_GAP_IN / 2
            x = row_height = 0.0
        placed.append((legend, MARGIN_IN + x, row_top))
        x += w + LEGEND_GAP_IN
        row_height = max(row_height, h)
    return placed, row_top + row_height
