"""Arrow routes of the strategy map: straight where they can be, bent through gaps between boxes where not."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.path import Path

from pss_analysis.reporting.figures.strategy_map.style import (
    ARROW_SHRINK_IN,
    CORNER_IN,
    ROUTE_CLEARANCE_IN,
    SAME_ROW_DIP_IN,
)

__all__: list[str] = []


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
    start, end = (float(a["x"]), float(a["y"])), (float(b["x"]), float(b["y"]))
    others = nodes[~nodes["objective_id"].isin([driver, outcome])]
    if abs(start[1] - end[1]) < 1e-9:  # same row
        arc = _same_row_arc(others, start, end, h)
        if arc is not None:
            return arc
        points = [start, end]
    else:
        points = _through_rows(others, slot, start, end, w, h)
    points = _drop_collinear(points)
    points[0] = _boundary_point(*start, w, h, *points[1])
    points[-1] = _boundary_point(*end, w, h, *points[-2])
    return _rounded_path(points)


def _same_row_arc(others: pd.DataFrame, start: tuple[float, float], end: tuple[float, float], h: float) -> Path | None:
    """An arc just below the row between two boxes of one row with boxes between them; None for neighbours."""
    row = others[np.isclose(others["y"], start[1])]
    lo, hi = sorted((start[0], end[0]))
    if not ((row["x"] > lo) & (row["x"] < hi)).any():
        return None
    bottom = start[1] - h / 2 - ARROW_SHRINK_IN
    control = bottom - SAME_ROW_DIP_IN / 0.75  # a cubic Bézier reaches 3/4 of its controls' depth
    return Path(
        [(start[0], bottom), (start[0], control), (end[0], control), (end[0], bottom)],
        [Path.MOVETO, Path.CURVE4, Path.CURVE4, Path.CURVE4],
    )


def _through_rows(
    others: pd.DataFrame, slot: float, start: tuple[float, float], end: tuple[float, float], w: float, h: float
) -> list[tuple[float, float]]:
    """Corner points from ``start`` to ``end`` (box centres in different rows), passing boxes in between."""
    c = ROUTE_CLEARANCE_IN
    points = [start]
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
    return points


def _drop_collinear(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = [points[0]]
    for p, q in zip(points[1:-1], points[2:], strict=True):
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
