"""Where the boxes of the strategy map go: bands stacked by tier, boxes ordered to reduce crossing arrows."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.reporting.figures.strategy_map.inputs import _Inputs, _require_columns, _validate
from pss_analysis.reporting.figures.strategy_map.style import (
    BAND_PAD_IN,
    BOX_WIDTH_FRACTION,
    EMPTY_BAND_IN,
    MAP_HEIGHT_MAX_IN,
    MAP_WIDTH_IN,
    PER_ROW_CHOICES,
    PERSPECTIVE_FONT_PT,
    PERSPECTIVE_LABEL_IN,
    ROW_GAP_IN,
    SLOT_MAX_IN,
    SWEEPS,
    TIER_GAP_IN,
)
from pss_analysis.reporting.figures.strategy_map.text import _breaks_a_word, _labels, _lines_height_in, _wrap

__all__ = ["strategy_map_layout", "count_crossings"]


@dataclass(frozen=True)
class _Layout:
    nodes: pd.DataFrame
    bands: pd.DataFrame  # one row per perspective: perspective_id, name, tier, band_bottom, band_top, shade, label
    tiers: pd.DataFrame  # tier, bottom, top
    width: float
    height: float
    font_size: float
    slot: float
    box_height: float
    links: list[tuple[str, str, str]]


def _positions(orders: list[list[str]], per_row: list[int], slot: float, width: float) -> dict[str, tuple[float, int]]:
    """x and row of every node for the given within-band orders (rows centred, first row on top)."""
    out: dict[str, tuple[float, int]] = {}
    for order, k in zip(orders, per_row, strict=True):
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
        for c, d in segs[i + 1 :]:
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
    xy = {
        str(o): (float(x), float(y)) for o, x, y in zip(layout["objective_id"], layout["x"], layout["y"], strict=True)
    }
    edges = []
    for i, (d, t) in enumerate(zip(links["driver"], links["outcome"], strict=True)):
        for column, v in (("driver", str(d)), ("outcome", str(t))):
            if v not in xy:
                raise DataValidationError(
                    f"the link {d} -> {t} names '{v}', which is not in the layout",
                    key="links",
                    row=i,
                    column=column,
                    expected="an objective in the layout",
                    found=v,
                )
        edges.append((str(d), str(t), "+"))
    return _crossings(xy, edges)


@dataclass(frozen=True)
class _Rows:
    """How the boxes are set out with at most ``per_row_max`` boxes a row: rows, room and text of the boxes."""

    rows: list[int]
    per_row: list[int]
    slot: float
    labels: dict[str, str]
    font: float
    box_height: float
    bands: pd.DataFrame
    tiers: pd.DataFrame
    height: float


def _set_out(inputs: _Inputs, counts: list[int], per_row_max: int) -> _Rows:
    """Rows per band, room per box, wrapped names and the stacked bands for at most ``per_row_max`` boxes a row."""
    rows = [max(1, math.ceil(n / per_row_max)) for n in counts]
    per_row = [max(1, math.ceil(n / r)) for n, r in zip(counts, rows, strict=True)]
    slot = min(SLOT_MAX_IN, MAP_WIDTH_IN / max(per_row))
    names = dict(zip(inputs.objectives["objective_id"], inputs.objectives["name"], strict=True))
    label_list, font, box_height = _labels(list(names.values()), slot * BOX_WIDTH_FRACTION)
    bands, tiers, height = _stack_bands(inputs.perspectives, counts, rows, box_height + ROW_GAP_IN)
    labels = dict(zip(names, label_list, strict=True))
    return _Rows(rows, per_row, slot, labels, font, box_height, bands, tiers, height)


def _choose_rows(inputs: _Inputs, counts: list[int]) -> _Rows:
    """The widest boxes whose map fits the page's height (:data:`MAP_HEIGHT_MAX_IN`); else the lowest map.

    More boxes a row make a band use fewer rows, but narrower boxes need more lines of text; more boxes a
    row are only tried while every word still fits on a line.
    """
    options = [_set_out(inputs, counts, k) for k in PER_ROW_CHOICES]
    names = dict(zip(inputs.objectives["objective_id"], inputs.objectives["name"], strict=True))
    options = options[:1] + [
        o for o in options[1:] if not any(_breaks_a_word(o.labels[k].split("\n"), n) for k, n in names.items())
    ]
    fitting = [o for o in options if o.height <= MAP_HEIGHT_MAX_IN]
    return fitting[0] if fitting else min(options, key=lambda o: o.height)


def _build_layout(inputs: _Inputs, sweeps: int) -> _Layout:
    """The layout, step by step: boxes per row, box text, bands stacked, order in bands, boxes placed.

    The node area is always :data:`MAP_WIDTH_IN` wide, so the figure is drawn at its printed width.
    """
    members = _band_members(inputs)
    setout = _choose_rows(inputs, [len(m) for m in members])
    row_in = setout.box_height + ROW_GAP_IN
    row_tops = [(b.band_bottom + b.band_top + b.rows * row_in) / 2 for b in setout.bands.itertuples()]
    grid = _Grid(setout.per_row, setout.slot, MAP_WIDTH_IN, row_tops, row_in)
    orders = _reduce_crossings(inputs, members, grid, sweeps)
    nodes = _place_nodes(inputs, orders, grid, setout.bands, setout.labels, setout.box_height)
    return _Layout(
        nodes,
        setout.bands,
        setout.tiers,
        MAP_WIDTH_IN,
        setout.height,
        setout.font,
        setout.slot,
        setout.box_height,
        inputs.links,
    )


def _band_members(inputs: _Inputs) -> list[list[str]]:
    """The objectives of every band (bottom band first), in input order."""
    members: dict[str, list[str]] = {pid: [] for pid in inputs.perspectives["perspective_id"]}
    for oid, pid in zip(inputs.objectives["objective_id"], inputs.objectives["perspective_id"], strict=True):
        members[pid].append(oid)
    return list(members.values())


def _band_label(name: str) -> tuple[str, float]:
    """A perspective's name wrapped to the label column, and the height (inches) of a band that holds it."""
    lines = _wrap(name, PERSPECTIVE_FONT_PT, (PERSPECTIVE_LABEL_IN - 0.1) * 72, bold=True)
    return "\n".join(lines), _lines_height_in(len(lines), PERSPECTIVE_FONT_PT) + 2 * BAND_PAD_IN


def _stack_bands(
    persp: pd.DataFrame, counts: list[int], rows: list[int], row_in: float
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Perspective bands stacked bottom-up, with a gap between tiers: the bands, the tiers and the total height.

    A band is tall enough for its rows of boxes (``row_in`` each) and for its wrapped label.
    """
    band_rows, tier_rows = [], []
    y = 0.0
    previous_tier = None
    tier_start = 0.0
    shade = 0
    for pid, name, tier, n, r in zip(persp["perspective_id"], persp["name"], persp["tier"], counts, rows, strict=True):
        if tier != previous_tier:
            if previous_tier is not None:
                tier_rows.append({"tier": previous_tier, "bottom": tier_start, "top": y})
                y += TIER_GAP_IN
            tier_start, previous_tier, shade = y, tier, 0
        label, label_height = _band_label(str(name))
        height = max(r * row_in + 2 * BAND_PAD_IN if n else EMPTY_BAND_IN, label_height)
        band_rows.append(
            {
                "perspective_id": pid,
                "name": name,
                "tier": tier,
                "band_bottom": y,
                "band_top": y + height,
                "rows": r,
                "shade": shade % 2,
                "label": label,
            }
        )
        shade += 1
        y += height
    tier_rows.append({"tier": previous_tier, "bottom": tier_start, "top": y})
    return pd.DataFrame(band_rows), pd.DataFrame(tier_rows), y


@dataclass(frozen=True)
class _Grid:
    """Room per box and where every band's rows start (bottom band first): turns within-band orders into box centres."""

    per_row: list[int]
    slot: float
    width: float
    row_tops: list[float]  # the top of every band's first row: its rows are centred in the band
    row_in: float

    def coordinates(self, orders: list[list[str]]) -> dict[str, tuple[float, float]]:
        pos = _positions(orders, self.per_row, self.slot, self.width)
        return {
            node: (x, self.row_tops[k] - (row + 0.5) * self.row_in)
            for k, order in enumerate(orders)
            for node in order
            for x, row in [pos[node]]
        }


def _reduce_crossings(inputs: _Inputs, members: list[list[str]], grid: _Grid, sweeps: int) -> list[list[str]]:
    """The order of boxes within every band with the fewest crossings seen over ``sweeps`` barycentre sweeps.

    Sugiyama, Tagawa & Toda (1981), generalised to arrows spanning several bands.
    """
    obj, links = inputs.objectives, inputs.links
    band_of = {pid: k for k, pid in enumerate(inputs.perspectives["perspective_id"])}
    neighbours: dict[str, list[str]] = {o: [] for o in obj["objective_id"]}
    for d, t, _ in links:
        neighbours[d].append(t)
        neighbours[t].append(d)
    node_band = {o: band_of[p] for o, p in zip(obj["objective_id"], obj["perspective_id"], strict=True)}
    orders = [list(m) for m in members]
    xy = grid.coordinates(orders)
    best_orders, best = [list(o) for o in orders], _crossings(xy, links)
    for _ in range(sweeps):
        for direction in (+1, -1):  # up: order each band by neighbours below it; down: by those above
            layer_seq = range(1, len(orders)) if direction > 0 else range(len(orders) - 2, -1, -1)
            for k in layer_seq:
                if len(orders[k]) < 2:
                    continue
                orders[k] = _barycentre_order(orders[k], k, direction, xy, neighbours, node_band)
                xy = grid.coordinates(orders)
            crossings = _crossings(xy, links)
            if crossings < best:
                best, best_orders = crossings, [list(o) for o in orders]
    return best_orders


def _barycentre_order(
    order: list[str],
    k: int,
    direction: int,
    xy: Mapping[str, tuple[float, float]],
    neighbours: Mapping[str, list[str]],
    node_band: Mapping[str, int],
) -> list[str]:
    """Band ``k`` sorted by the mean x of each box's neighbours below it (direction +1) or above it (-1).

    A box without such neighbours keeps its own x; ties keep the current order.
    """
    keys = []
    for i, node in enumerate(order):
        xs = [xy[m][0] for m in neighbours[node] if (node_band[m] - k) * direction < 0]
        keys.append((float(np.mean(xs)) if xs else xy[node][0], xy[node][0], i))
    return [order[i] for *_, i in sorted(keys)]


def _place_nodes(
    inputs: _Inputs,
    orders: list[list[str]],
    grid: _Grid,
    bands: pd.DataFrame,
    labels: Mapping[str, str],
    box_height: float,
) -> pd.DataFrame:
    """One row per objective (input order) with its box centre, size and wrapped label."""
    obj = inputs.objectives
    xy = grid.coordinates(orders)
    band_of = {pid: k for k, pid in enumerate(bands["perspective_id"])}
    position = {o: i for order in orders for i, o in enumerate(order)}
    records = []
    for oid, name, pid in zip(obj["objective_id"], obj["name"], obj["perspective_id"], strict=True):  # input order
        k = band_of[pid]
        x, y = xy[oid]
        records.append(
            {
                "objective_id": oid,
                "perspective_id": pid,
                "tier": bands["tier"].iloc[k],
                "x": x,
                "y": y,
                "band_bottom": float(bands["band_bottom"].iloc[k]),
                "band_top": float(bands["band_top"].iloc[k]),
                "name": name,
                "width": grid.slot * BOX_WIDTH_FRACTION,
                "height": box_height,
                "row": position[oid] // grid.per_row[k],
                "position": position[oid],
                "label": labels[oid],
            }
        )
    return pd.DataFrame(records)


def strategy_map_layout(
    objectives: pd.DataFrame, perspectives: pd.DataFrame, links: pd.DataFrame, *, sweeps: int = SWEEPS
) -> pd.DataFrame:
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
        raise ParameterError(
            "sweeps must be a whole number of at least 0", key="sweeps", expected="an integer >= 0", found=sweeps
        )
    layout = _build_layout(_validate(objectives, perspectives, links), int(sweeps))
    nodes = layout.nodes.copy()
    xy = {o: (x, y) for o, x, y in zip(nodes["objective_id"], nodes["x"], nodes["y"], strict=True)}
    nodes.attrs.update(
        {
            "width": layout.width,
            "height": layout.height,
            "font_size": layout.font_size,
            "slot": layout.slot,
            "crossings": _crossings(xy, layout.links),
        }
    )
    return nodes
