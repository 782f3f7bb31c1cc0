"""Interactive versions of the ITS and SPC charts, as plotly figure specifications (plain dicts).

:func:`spc_plotly` and :func:`its_plotly` read the same results as :func:`~.spc.spc_figure` and
:func:`~.its.its_figure` (never refit or recompute a model) and return ``{"data": [...], "layout":
{...}}``, the JSON that plotly.js draws; the HTML report embeds plotly.js once and draws each spec
beside its static picture (:mod:`pss_analysis.publish.render.interactive`). The look is the static
figures': the same colours, markers, line styles and legend entries. Hovering says, in words, what
the reader sees at each point: on an SPC chart the month, the value in the measure's units, the centre
line and limits, the rule(s) that made the point special cause and the point against the target; on
an ITS chart the observed, fitted and expected-without-the-programme values with its interval and
the difference from expected since the programme start; on the icons what they mean; on a change
line what the change was. The specs are built as plain dicts, so plotly's Python package is not
needed to make them.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.reporting.figures.its import _COLOURS as ITS_COLOURS
from pss_analysis.reporting.figures.its import shown_observed
from pss_analysis.reporting.figures.spc import (
    CENTRE_COLOUR,
    ICON_COLOURS,
    LIMIT_COLOUR,
    LINE_GREY,
    POINT_STYLES,
    TARGET_COLOUR,
)
from pss_analysis.reporting.figures.style import (
    CHANGE_LABEL,
    HIDDEN_COLOUR,
    HIDDEN_LABEL,
    START_LABEL,
    agg_renderer,
)

__all__ = [
    "figure_regions",
    "spc_plotly",
    "its_plotly",
    "RULE_WORDS",
    "POINT_WORDS",
    "VARIATION_WORDS",
    "ASSURANCE_WORDS",
    "PLOTLY_SYMBOLS",
]

Formatter = Callable[[float], str]

RULE_WORDS = {
    "rule_outside_limits": "a point beyond a process limit",
    "rule_shift": "a run of points all on one side of the centre line (shift)",
    "rule_trend": "a run of points all rising or all falling (trend)",
    "rule_two_of_three": "two of three points beyond the two-sigma line on one side",
    "rule_long_run": "an unusually long run on one side of the centre line (Anhøj)",
    "rule_few_crossings": "too few crossings of the centre line (Anhøj)",
    "rule_two_of_three_beyond_2sigma": "two of three points beyond two sigma on one side",
    "rule_four_of_five_beyond_1sigma": "four of five points beyond one sigma on one side",
    "rule_eight_same_side": "eight points in a row on one side of the centre line",
    "rule_nine_same_side": "nine points in a row on one side of the centre line",
    "rule_six_trend": "six points in a row rising or falling",
    "rule_fourteen_alternating": "fourteen points in a row alternating up and down",
    "rule_fifteen_within_1sigma": "fifteen points in a row within one sigma of the centre line",
    "rule_eight_beyond_1sigma": "eight points in a row beyond one sigma, on both sides",
}
"""Each special-cause rule (a boolean column of ``SpcResult.points``) in plain words."""

POINT_WORDS = {kind: str(style["label"]) for kind, style in POINT_STYLES.items()}
"""Each point type as the legend says it."""

VARIATION_WORDS = {
    "common_cause": "Common cause variation: the latest months vary only as the process always has; no signal.",
    "special_cause_improvement": "Special cause variation, improving: the latest months show a signal in the "
    "better direction.",
    "special_cause_concern": "Special cause variation, of concern: the latest months show a signal in the "
    "worse direction.",
    "special_cause_neither": "Special cause variation: the latest months show a signal (no better or worse "
    "direction is set).",
}
"""What the variation icon (of the latest phase) means."""

ASSURANCE_WORDS = {
    "pass": "Assurance: the process will consistently meet the target (it lies beyond the process limits "
    "on the good side).",
    "fail": "Assurance: the process will consistently miss the target (it lies beyond the process limits "
    "on the bad side) unless something changes.",
    "hit_or_miss": "Assurance: the target lies within the process limits, so it will be met in some months "
    "and missed in others (hit or miss).",
}
"""What the assurance icon means."""

PLOTLY_SYMBOLS = {"o": "circle", "s": "square", "X": "x", "D": "diamond"}
"""matplotlib marker -> plotly marker symbol (the static charts' shapes)."""

_DASH = {"--": "dash", ":": "dot", "-.": "dashdot", "-": "solid"}
LABEL_CHAR = 1 / 85
"""Width of one character of a change-log label, as a share of the chart's width (7 px of a 600 px plot)."""
LABEL_GAP = 0.01
"""Space kept after a change-log label before the next in its row, as a share of the chart's width."""
_LINES = ("centre_line", "lcl", "ucl")
_PHASE_WORDS = {"Phase": "the process limits are recalculated from this month"}
_BAND_ALPHA = 0.15  # the static chart's interval band


def _rgba(colour: str, alpha: float) -> str:
    """'#rrggbb' as a plotly 'rgba(r,g,b,alpha)'."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


_BAND_FILL = _rgba(ITS_COLOURS["counterfactual"], _BAND_ALPHA)  # the counterfactual colour, as the static band
_FONT = {"family": "Segoe UI, Arial, Helvetica, sans-serif", "size": 12, "color": "#222222"}


def _num(value: Any) -> float | None:
    """A JSON-ready number (6 significant figures; None for missing)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return float(f"{v:.6g}") if math.isfinite(v) else None


def _text(value: Any) -> str:
    """User text (names, units, change descriptions) for a plotly label: plotly.js reads a few HTML tags
    in labels, so ``<``, ``>`` and ``&`` are escaped and the text shows as typed."""
    return html.escape(str(value or ""), quote=False)


def _escaped(fmt: Formatter) -> Formatter:
    """``fmt`` with its words (the measure's units) escaped for a plotly label."""
    return lambda value: _text(fmt(value))


def _three_figures(value: Any) -> str:
    """The default hover format: 3 significant figures (blank for missing)."""
    v = _num(value)
    return "" if v is None else f"{v:,.3g}"


def _nums(values: Any) -> list[float | None]:
    return [_num(v) for v in np.asarray(values, dtype=float)]


def _months(values: Sequence[Any]) -> tuple[list[str], list[str]]:
    """(ISO dates plotly places, month labels for the hover) of time values (periods, dates or numbers)."""
    iso, label = [], []
    for v in values:
        if isinstance(v, pd.Period):
            v = v.to_timestamp()
        if isinstance(v, (pd.Timestamp, np.datetime64)):
            ts = pd.Timestamp(v)
            iso.append(ts.strftime("%Y-%m-%d"))
            label.append(ts.strftime("%b %Y"))
        else:
            iso.append(str(v))
            label.append(str(v))
    return iso, label


def _line(
    x: list[Any], y: list[Any], name: str, colour: str, *, dash: str = "solid", width: float = 1.4, **extra: Any
) -> dict[str, Any]:
    trace = {
        "type": "scatter",
        "mode": "lines",
        "x": x,
        "y": y,
        "name": name,
        "line": {"color": colour, "dash": dash, "width": width},
        "hoverinfo": "skip",
    }
    trace.update(extra)
    return trace


def _layout(title: str | None, ylabel: str | None, *, top: int) -> dict[str, Any]:
    return {
        "title": {"text": _text(title), "x": 0.01, "xanchor": "left", "font": {"size": 16}},
        "font": _FONT,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 64, "r": 24, "t": top, "b": 40},
        "height": 460,
        "xaxis": {"type": "date", "showgrid": False, "linecolor": "#444444", "ticks": "outside"},
        "yaxis": {"title": {"text": _text(ylabel)}, "gridcolor": "#e5e5e5", "zeroline": False, "linecolor": "#444444"},
        "legend": {"orientation": "h", "y": -0.14, "yanchor": "top", "x": 0, "font": {"size": 11}},
        "hovermode": "closest",
        "hoverlabel": {"bgcolor": "#ffffff", "font": {"size": 12}, "align": "left"},
        "shapes": [],
        "annotations": [],
    }


def _change_log(
    layout: dict[str, Any], marks: Sequence[tuple[str, str, bool]], changes: Mapping[str, str], span: Sequence[str]
) -> list[dict[str, Any]]:
    """Each change (``(iso date, label, is the programme start)``) as a vertical line with its label above
    the plot (labels of one month joined, close labels staggered in rows), whose hover says what the
    change was; ``span`` is the chart's x values. Returns the legend entries for the two kinds of line."""
    merged: dict[str, tuple[list[str], bool]] = {}
    for x, label, strong in marks:
        texts, was_strong = merged.get(x, ([], False))
        merged[x] = ([*texts, label] if label else texts, was_strong or strong)
    rows = _label_rows({x: ", ".join(texts) or "start" for x, (texts, _) in merged.items()}, span)
    for x in sorted(merged):
        texts, strong = merged[x]
        colour, width = ("#000000", 1.6) if strong else ("#555555", 0.8)
        line = {"color": colour, "width": width}
        layout["shapes"].append(
            {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1, "line": line}
        )
        described = [_text(_change_words(part, changes)) for part in texts]
        layout["annotations"].append(
            {
                "x": x,
                "xref": "x",
                "y": 1.0,
                "yref": "paper",
                "yanchor": "bottom",
                "xanchor": "left",
                "yshift": 2 + 15 * rows[x],
                "text": _text(", ".join(texts)) or (START_LABEL if strong else ""),
                "showarrow": False,
                "font": {"size": 11, "color": colour},
                "hovertext": "<br>".join(described) or (START_LABEL if strong else CHANGE_LABEL),
                "captureevents": True,
            }
        )
    kinds = sorted({strong for _, strong in merged.values()}, reverse=True)
    return [
        _line(
            [None], [None], START_LABEL if k else CHANGE_LABEL, "#000000" if k else "#555555", width=1.6 if k else 0.8
        )
        for k in kinds
    ]


def _change_words(label: str, changes: Mapping[str, str]) -> str:
    """What a change-log label stands for: 'C2: what changed (where, month)', 'Phase 2: the limits are
    recalculated from this month', or the label itself when nothing more is known."""
    words = changes.get(label) or _PHASE_WORDS.get(label.split(" ")[0])
    return f"{label}: {words}" if words else label


def _label_rows(labels: Mapping[str, str], span: Sequence[str]) -> dict[str, int]:
    """A label row for each change month (``labels``: month -> its label text): the lowest row where the
    label starts right of the end of the row's last label, a label's length taken as :data:`LABEL_CHAR`
    of the chart's width a character plus :data:`LABEL_GAP` (a plot ~600 px wide, an 800 px window)."""
    try:
        times = pd.to_datetime(list(span))
        width = (times.max() - times.min()) or pd.Timedelta(days=1)
        at = {x: pd.Timestamp(x) for x in labels}
    except (TypeError, ValueError):
        return {x: k % 2 for k, x in enumerate(labels)}
    ends: list[pd.Timestamp] = []
    rows = {}
    for x in sorted(labels, key=lambda v: at[v]):
        row = next((r for r, end in enumerate(ends) if at[x] > end), len(ends))
        end = at[x] + width * (len(labels[x]) * LABEL_CHAR + LABEL_GAP)
        if row == len(ends):
            ends.append(end)
        else:
            ends[row] = end
        rows[x] = row
    return rows


# --- SPC ---------------------------------------------------------------------------------------------


def _spc_hover(
    points: pd.DataFrame, labels: list[str], fmt: Formatter, target: float | None, direction: int
) -> list[str]:
    """The hover text of every point: month, value, lines, rules that fired, against the target."""
    rules = [c for c in points.columns if c.startswith("rule_")]
    texts = []
    columns = [c for c in ("value", "point_type", "excluded", "hidden", *_LINES, *rules) if c in points]
    for i, r in enumerate(points[columns].to_dict("records")):
        hidden = bool(r.get("hidden", False))
        lines = [f"<b>{labels[i]}</b>", f"Value: {_NOT_SHOWN if hidden else fmt(r['value'])}"]
        if _num(r.get("centre_line")) is not None:
            limits = ""
            if _num(r.get("lcl")) is not None or _num(r.get("ucl")) is not None:
                limits = f"; process limits {fmt(r.get('lcl'))} to {fmt(r.get('ucl'))}".replace(" to ;", ";")
            lines.append(f"Centre line {fmt(r['centre_line'])}{limits}")
        fired = [RULE_WORDS.get(c, c.removeprefix("rule_").replace("_", " ")) for c in rules if bool(r.get(c))]
        kind = POINT_WORDS.get(str(r.get("point_type")), str(r.get("point_type")))
        lines.append(kind + (". Rule: " + "; ".join(fired) if fired else " (no rule fired)"))
        if bool(r.get("excluded", False)):
            lines.append("Left out of the limits (excluded)")
        if target is not None and not hidden and _num(r["value"]) is not None:
            met = (r["value"] >= target) if direction >= 0 else (r["value"] <= target)
            lines.append(f"Target {fmt(target)}: {'met' if met else 'not met'}")
        texts.append("<br>".join(lines))
    return texts


def _spc_lines(points: pd.DataFrame, x: list[str]) -> list[dict[str, Any]]:
    """Centre line, process limits and two-sigma lines, per phase (stepped where they vary)."""
    traces: list[dict[str, Any]] = []
    styles = (
        ("centre_line", "Centre line", CENTRE_COLOUR, "solid", 1.1),
        ("ucl", "Process limits", LIMIT_COLOUR, "dash", 1.0),
        ("lcl", "Process limits", LIMIT_COLOUR, "dash", 1.0),
        ("upper_2sigma", "Two-sigma lines", LIMIT_COLOUR, "dot", 0.8),
        ("lower_2sigma", "Two-sigma lines", LIMIT_COLOUR, "dot", 0.8),
    )
    phase = points["phase"].to_numpy()
    seen: set[str] = set()
    for p in pd.unique(phase):
        idx = np.flatnonzero(phase == p)
        for column, name, colour, dash, width in styles:
            if column not in points:
                continue
            y = points[column].to_numpy(dtype=float)[idx]
            if not np.isfinite(y).any():
                continue
            varying = np.nanmax(y) - np.nanmin(y) > 0
            traces.append(
                _line(
                    [x[i] for i in idx],
                    _nums(y),
                    name,
                    colour,
                    dash=dash,
                    width=width,
                    legendgroup=name,
                    showlegend=name not in seen,
                    line_shape="hvh" if varying else "linear",
                    opacity=0.7 if dash == "dot" else 1.0,
                )
            )
            seen.add(name)
    return traces


def _spc_points(points: pd.DataFrame, x: list[str], hover: list[str]) -> list[dict[str, Any]]:
    """The points by type (colour and shape as the static chart; hollow when excluded), with their hover."""
    value = points["value"].to_numpy(dtype=float)
    kinds = points["point_type"].to_numpy()
    excluded = points["excluded"].to_numpy(dtype=bool) if "excluded" in points else np.zeros(len(points), bool)
    traces = []
    for kind, style in POINT_STYLES.items():
        for hollow in (False, True):
            sel = np.flatnonzero((kinds == kind) & (excluded == hollow) & np.isfinite(value))
            if not sel.size:
                continue
            symbol = PLOTLY_SYMBOLS.get(str(style["marker"]), "circle") + ("-open" if hollow else "")
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [x[i] for i in sel],
                    "y": _nums(value[sel]),
                    "name": str(style["label"]) + (" (excluded)" if hollow else ""),
                    "legendgroup": kind,
                    "marker": {
                        "color": style["color"],
                        "symbol": symbol,
                        "size": round(math.sqrt(float(style["size"])) * 1.35, 1),
                        "line": {"color": style["color"], "width": 1},
                    },
                    "text": [hover[i] for i in sel],
                    "hovertemplate": "%{text}<extra></extra>",
                    "meta": kind,
                }
            )
    return traces


def _icons(layout: dict[str, Any], summary: pd.DataFrame) -> None:
    """The variation and assurance icons of the latest phase, top right above the plot (fixed size in
    pixels, so round at any width), with what they mean on hover."""
    if summary.empty:
        return
    last = summary.iloc[-1]
    icons = []
    variation, direction = last.get("variation_type"), last.get("variation_direction")
    if variation in VARIATION_WORDS:
        letter = {"high": "H", "low": "L"}.get(str(direction), "") if variation != "common_cause" else "~"
        icons.append((letter, ICON_COLOURS[variation], VARIATION_WORDS[variation]))
    assurance = last.get("assurance_type")
    if assurance in ASSURANCE_WORDS:
        letter = {"pass": "P", "fail": "F", "hit_or_miss": "?"}[assurance]
        icons.append((letter, ICON_COLOURS[assurance], ASSURANCE_WORDS[assurance]))
    size, gap, above = 34, 8, 48  # pixels: diameter, space between, centre above the plot's top
    for k, (letter, colour, words) in enumerate(icons):
        right = -(size + gap) * (len(icons) - 1 - k)
        layout["shapes"].append(
            {
                "type": "circle",
                "xref": "paper",
                "yref": "paper",
                "xsizemode": "pixel",
                "ysizemode": "pixel",
                "xanchor": 1.0,
                "yanchor": 1.0,
                "x0": right - size,
                "x1": right,
                "y0": above - size / 2,
                "y1": above + size / 2,
                "line": {"color": colour, "width": 3},
                "fillcolor": "#ffffff",
            }
        )
        layout["annotations"].append(
            {
                "x": 1.0,
                "y": 1.0,
                "xref": "paper",
                "yref": "paper",
                "xanchor": "center",
                "yanchor": "middle",
                "xshift": right - size / 2,
                "yshift": above,
                "text": f"<b>{letter}</b>",
                "showarrow": False,
                "font": {"size": 16, "color": colour},
                "hovertext": words,
                "captureevents": True,
                "width": size,
                "height": size,
            }
        )


def spc_plotly(
    result: Any,
    *,
    title: str | None = None,
    ylabel: str | None = None,
    fmt: Formatter | None = None,
    annotations: Sequence[tuple[Any, str]] | Mapping[Any, str] | None = None,
    changes: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An SPC chart (:class:`~pss_analysis.methods.spc.SpcResult`) as a plotly spec, in the Making Data
    Count style of :func:`~.spc.spc_figure`. ``fmt`` words a value in the measure's units (default: 3
    significant figures); ``annotations`` as in :func:`~.spc.spc_figure` (the change log's ids by month);
    ``changes`` maps a change id to what it was (shown on hover). A point whose value is NaN with
    ``hidden`` True in ``result.points`` (a report's small numbers) has no symbol and no value in any
    hover text, and a tick on the time axis instead."""
    fmt = _escaped(fmt or _three_figures)
    points, summary = result.points, result.summary()
    x, labels = _months(list(points["x"]))
    target = None
    if "target" in summary:
        t = pd.to_numeric(summary["target"], errors="coerce").dropna()
        target = float(t.iloc[-1]) if len(t) else None
    direction = -1 if str(result.specification.get("improvement_direction", "increase")) == "decrease" else 1
    hover = _spc_hover(points, labels, fmt, target, direction)
    data = [_line(x, _nums(points["value"]), "Monthly values", LINE_GREY, width=1.4, legendgroup="values")]
    data += _spc_lines(points, x)
    if target is not None:
        data.append(_line([x[0], x[-1]], [target, target], "Target", TARGET_COLOUR, dash="dashdot", width=1.1))
    data += _spc_points(points, x, hover)
    layout = _layout(title, ylabel, top=110)
    data += _hidden_months(layout, x, hover, points["hidden"] if "hidden" in points else None)
    marks = _marks(points["x"], x, annotations)
    phase = points["phase"].to_numpy()
    for k, start in enumerate(np.flatnonzero(np.diff(phase)) + 1):
        marks.append((x[start], f"Phase {phase[start]}", k == 0))
    data += _change_log(layout, marks, changes or {}, x)
    _icons(layout, summary)
    return {"data": data, "layout": layout}


def _marks(times: pd.Series, x: list[str], annotations: Any) -> list[tuple[str, str, bool]]:
    """The annotated months found in the chart as (iso date, label, False), labels of one month joined."""
    items = annotations.items() if isinstance(annotations, Mapping) else (annotations or [])
    found: dict[str, list[str]] = {}
    values = list(times)
    for when, text in items:
        for i, v in enumerate(values):
            if v == when or str(v) == str(when):
                found.setdefault(x[i], []).append(str(text))
                break
    return [(at, ", ".join(texts), False) for at, texts in found.items()]


_NOT_SHOWN = "not shown (small number)"


def _hidden_months(
    layout: dict[str, Any], x: list[str], hover: list[str], hidden: pd.Series | None
) -> list[dict[str, Any]]:
    """Months whose value is not shown, as ticks on the time axis (as the static chart's
    :func:`~.style.draw_hidden_months`) whose hover says so: a trace on an overlaid axis from 0 to 1,
    so the ticks stay on the time axis whatever the zoom (no trace when no month is hidden)."""
    rows = np.flatnonzero(hidden.to_numpy(dtype=bool)) if hidden is not None else np.array([], dtype=int)
    if not rows.size:
        return []
    layout["yaxis2"] = {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True}
    return [
        {
            "type": "scatter",
            "mode": "markers",
            "x": [x[i] for i in rows],
            "y": [0] * len(rows),
            "yaxis": "y2",
            "name": HIDDEN_LABEL,
            "marker": {"symbol": "line-ns-open", "size": 10, "color": HIDDEN_COLOUR, "line": {"width": 2}},
            "cliponaxis": False,
            "text": [hover[i] for i in rows],
            "hovertemplate": "%{text}<extra></extra>",
            "meta": "hidden",
        }
    ]


# --- ITS ---------------------------------------------------------------------------------------------


def _its_hover(treated: pd.DataFrame, labels: list[str], fmt: Formatter, level: str, average: bool) -> list[str]:
    """Observed, fitted, expected without the programme with its interval and the difference from
    expected since the start (a running total, or for rates, percentages and means the average month)."""
    post = treated["phase"].to_numpy() != "pre"
    diff = (treated["fitted"] - treated["counterfactual"]).to_numpy(dtype=float)
    running = np.cumsum(np.where(post, diff, 0.0))
    months = np.cumsum(post)
    texts = []
    shown = ["observed", "hidden", "fitted", "counterfactual", "counterfactual_lower", "counterfactual_upper", "phase"]
    for i, r in enumerate(treated[shown].to_dict("records")):
        observed = _NOT_SHOWN if r["hidden"] else fmt(r["observed"])
        lines = [f"<b>{labels[i]}</b>", f"Observed: {observed}", f"Model fit: {fmt(r['fitted'])}"]
        if post[i]:
            lines.append(
                f"Expected without the programme: {fmt(r['counterfactual'])} ({level}: "
                f"{fmt(r['counterfactual_lower'])} to {fmt(r['counterfactual_upper'])})"
            )
            if average:
                change = running[i] / months[i]
                words = f"Average difference from expected over the {months[i]} month(s) since the start"
            else:
                change = running[i]
                words = f"Total difference from expected over the {months[i]} month(s) since the start"
            lines.append(f"{words}: {'+' if change > 0 else ''}{fmt(change)}")
            if r["phase"] == "phase_in":
                lines.append("Phase-in month: not used in the fit")
        else:
            lines.append("Before the programme (the model is fitted to these months)")
        texts.append("<br>".join(lines))
    return texts


def its_plotly(
    result: Any,
    *,
    title: str | None = None,
    ylabel: str | None = None,
    rate_per: float | None = None,
    fmt: Formatter | None = None,
    average: bool = False,
    annotations: Sequence[tuple[Any, str]] | Mapping[Any, str] | None = None,
    changes: Mapping[str, str] | None = None,
    hidden: Collection[str] = (),
) -> dict[str, Any]:
    """An interrupted time series fit (:class:`~pss_analysis.methods.its.ItsResult`) as a plotly spec, as
    :func:`~.its.its_figure` draws it: observed points, the model fit by segment, the expected values
    without the programme with their confidence band, the change log. ``average``: the hover gives the
    average monthly difference from expected since the start (rates, percentages, means) rather than the
    running total (counts, amounts). ``hidden``: months (times as text) whose observed value is not shown
    (small numbers), as in :func:`~.its.its_figure`: no point, nor the value in any hover text."""
    fmt = _escaped(fmt or _three_figures)
    pred = result.predictions() if rate_per is None else result.predictions(per=rate_per)
    treated = shown_observed(pred[pred["group"] == "treated"] if "group" in pred else pred, hidden)
    treated = treated.reset_index(drop=True)
    x, labels = _months(list(treated["time"]))
    level = pred.attrs.get("confidence_level")
    hover = _its_hover(treated, labels, fmt, f"{100 * level:g}% CI" if level else "CI", average)
    data = _its_expected(treated, x, level) + _its_fit(treated, x) + _its_observed(treated, x, hover)
    layout = _layout(title, ylabel or (f"Rate per {rate_per:,g}" if rate_per else "Outcome"), top=80)
    data += _hidden_months(layout, x, hover, treated["hidden"])
    segments = treated["segment"].to_numpy()
    marks = [(x[b], "", k == 0) for k, b in enumerate(np.flatnonzero(np.diff(segments) != 0) + 1)]
    for at, text, _ in _marks(treated["time"], x, annotations):
        start = any(m[0] == at and m[2] for m in marks)
        marks = [m for m in marks if m[0] != at] + [(at, text, start)]
    data += _change_log(layout, marks, changes or {}, x)
    return {"data": data, "layout": layout}


def _its_expected(treated: pd.DataFrame, x: list[str], level: float | None) -> list[dict[str, Any]]:
    """The expected values without the programme (dashed) and their confidence band, from the last month
    before the programme on."""
    post = np.flatnonzero(treated["phase"].to_numpy() != "pre")
    if not post.size:
        return []
    rows = list(range(max(int(post[0]) - 1, 0), len(treated)))
    xs = [x[i] for i in rows]
    band = f"{100 * level:g}% confidence interval" if level else "Confidence interval"
    band += ", expected without the programme"
    colour = ITS_COLOURS["counterfactual"]
    lower, upper, expected = (
        _nums(treated[c].iloc[rows]) for c in ("counterfactual_lower", "counterfactual_upper", "counterfactual")
    )
    return [
        _line(xs, lower, band, colour, width=0, legendgroup="band", showlegend=False),
        _line(xs, upper, band, colour, width=0, legendgroup="band", fill="tonexty", fillcolor=_BAND_FILL),
        _line(xs, expected, "Expected without the programme", colour, dash="dash", width=2),
    ]


def _its_fit(treated: pd.DataFrame, x: list[str]) -> list[dict[str, Any]]:
    """The model fit, one line per segment (it breaks at each interruption)."""
    segments = treated["segment"].to_numpy()
    traces = []
    for k, seg in enumerate(pd.unique(segments)):
        idx = np.flatnonzero(segments == seg)
        fitted = _nums(treated["fitted"].iloc[idx])
        traces.append(
            _line(
                [x[i] for i in idx],
                fitted,
                "Model fit",
                ITS_COLOURS["fit"],
                width=2,
                legendgroup="fit",
                showlegend=k == 0,
            )
        )
    return traces


def _its_observed(treated: pd.DataFrame, x: list[str], hover: list[str]) -> list[dict[str, Any]]:
    """The observed months (hollow in a phase-in left out of the fit), carrying the hover text."""
    in_fit = treated["in_fit"].to_numpy(dtype=bool)
    observed = treated["observed"].to_numpy(dtype=float)
    traces = []
    for hollow, name in ((False, "Observed"), (True, "Observed, phase-in (not used in the fit)")):
        rows = np.flatnonzero(in_fit != hollow)
        if not rows.size:
            continue
        marker = {"color": ITS_COLOURS["observed"], "size": 6, "symbol": "circle-open" if hollow else "circle"}
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [x[i] for i in rows],
                "y": _nums(observed[rows]),
                "name": name,
                "marker": marker,
                "text": [hover[i] for i in rows],
                "hovertemplate": "%{text}<extra></extra>",
                "meta": "observed",
            }
        )
    return traces


# --- regions of a static figure ------------------------------------------------------------------------


def figure_regions(fig: Any, prefix: str) -> dict[str, tuple[float, float, float, float]]:
    """Where each drawn element whose ``gid`` starts with ``prefix`` is (the strategy map's boxes are
    ``node:<objective_id>``), keyed by the rest of its gid: ``(left, top, width, height)`` as fractions of
    the figure from its top-left corner, so that links can be laid over the picture at any size."""
    renderer = agg_renderer(fig)
    width, height = fig.bbox.width, fig.bbox.height
    regions = {}
    for artist in fig.findobj(lambda a: str(a.get_gid() or "").startswith(prefix)):
        box = artist.get_window_extent(renderer)
        regions[str(artist.get_gid())[len(prefix) :]] = (
            box.x0 / width,
            1.0 - box.y1 / height,
            box.width / width,
            box.height / height,
        )
    return regions
