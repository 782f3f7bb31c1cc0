"""Figure for an interrupted time series fit.

The figure reads only ``result.predictions()`` (it never refits or recomputes a model): observed
points, the model fit, the counterfactual ("Expected without the programme", dashed, with its
confidence band) from the interruption on, a vertical line at each interruption and, optionally,
the de-seasonalised fit. Figures are built with :class:`matplotlib.figure.Figure` on the Agg
canvas, never with pyplot's global state.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pss_analysis.errors import ParameterError
from pss_analysis.reporting.figures.style import (
    ChangeMark,
    agg_renderer,
    band_points,
    draw_change_log,
    draw_hidden_months,
    hidden_handle,
    room_above,
)

__all__ = ["its_figure", "shown_observed", "FIGURE_SIZE_INCHES", "FIGURE_DPI"]

FIGURE_SIZE_INCHES = (8.0, 4.0)
"""Figure size (width, height) in inches: the project's standard report figure."""

FIGURE_DPI = 100
"""Figure resolution in dots per inch: the project's standard report figure."""

_COLOURS = {
    "observed": "#4d4d4d",
    "fit": "#0072B2",  # Okabe-Ito blue
    "counterfactual": "#B84E00",  # Okabe-Ito vermillion, darkened (and dashed)
    "deseasonalised": "#009E73",  # Okabe-Ito bluish green (and dash-dot)
    "control": "#767676",
    "interruption": "#333333",
}
"""Colours (Okabe-Ito, colour-blind safe; each at least 3:1 on white, WCAG 2.2 non-text contrast); every
line also differs in style, so no line is told apart by colour alone."""

LEGEND_FONTSIZE = 8.5
"""Legend text (points): 7.1 pt when the 8-inch figure is printed on the A4 text width."""


def _x_values(times: pd.Series) -> np.ndarray:
    """Plot positions: timestamps for period/date time columns, numbers otherwise."""
    values = list(times)
    if values and all(isinstance(v, pd.Period) for v in values):
        return pd.PeriodIndex(values).to_timestamp().to_numpy()
    if values and all(isinstance(v, (pd.Timestamp, np.datetime64)) for v in values):
        return pd.to_datetime(values).to_numpy()
    return np.asarray(values, dtype=float)


def _midpoint(a: Any, b: Any) -> Any:
    if isinstance(a, np.datetime64):
        return a + (b - a) / 2
    return (a + b) / 2.0


def _match_time(times: list[Any], when: Any) -> list[int]:
    """Positions of ``when`` among the time values (strings are read as dates or periods)."""
    probe = when
    try:
        if times and isinstance(times[0], pd.Period) and not isinstance(when, pd.Period):
            probe = pd.Period(when, freq=times[0].freq)
        elif times and isinstance(times[0], pd.Timestamp) and not isinstance(when, pd.Timestamp):
            probe = pd.Timestamp(when)
    except (TypeError, ValueError):
        probe = when
    return [i for i, v in enumerate(times) if v == probe or str(v) == str(when)]


def _annotation_items(annotations: Any) -> list[tuple[Any, str]]:
    if annotations is None:
        return []
    if isinstance(annotations, Mapping):
        return [(k, str(v)) for k, v in annotations.items()]
    if isinstance(annotations, Sequence) and not isinstance(annotations, str):
        items = []
        for item in annotations:
            if not (isinstance(item, Sequence) and len(item) == 2):
                raise ParameterError(
                    "each annotation must be a (time, text) pair",
                    key="annotations",
                    expected="a dict {time: text} or a list of (time, text) pairs",
                    found=item,
                )
            items.append((item[0], str(item[1])))
        return items
    raise ParameterError(
        "annotations must be a dict or a list of pairs",
        key="annotations",
        expected="a dict {time: text} or a list of (time, text) pairs",
        found=annotations,
    )


def its_figure(
    result: Any,
    *,
    title: str | None = None,
    ylabel: str | None = None,
    show_deseasonalised: bool = False,
    annotations: Mapping[Any, str] | Sequence[tuple[Any, str]] | None = None,
    rate_per: float | None = None,
    hidden: Collection[str] = (),
    hidden_comparison: Collection[str] = (),
) -> Figure:
    """Draw an interrupted time series fit.

    Parameters
    ----------
    result:
        An :class:`pss_analysis.methods.its.ItsResult` (anything with a ``predictions()`` method).
    title, ylabel:
        Axis title and y-axis label (defaults: none, and "Outcome" or "Rate per <rate_per>").
    show_deseasonalised:
        Add the fit with the seasonal terms at their average (needs a seasonal model).
    annotations:
        Changes to mark (the scorecard's change log): ``{time: text}`` or ``[(time, text), ...]``,
        with times as values of the model's time column; each is a thin vertical line labelled in a
        band above the plot (the programme start, the first interruption, is the stronger line).
    rate_per:
        With an offset, plot rates per this many units of offset
        (``result.predictions(per=rate_per)``).
    hidden:
        Months (times as text) whose observed value is not shown (a report's small numbers): no point,
        a tick on the time axis instead (:func:`~.style.draw_hidden_months`).
    hidden_comparison:
        Months whose comparison-group value is not shown (a comparison area's small number), marked
        the same way.

    Returns
    -------
    matplotlib.figure.Figure
        8 x 4 inches at 100 dpi, on the Agg canvas.
    """
    pred = result.predictions() if rate_per is None else result.predictions(per=rate_per)
    fig = Figure(figsize=FIGURE_SIZE_INCHES, dpi=FIGURE_DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)

    treated = shown_observed(pred[pred["group"] == "treated"] if "group" in pred else pred, hidden)
    x = _x_values(treated["time"])
    if "group" in pred and "control" in pred["group"].unique().tolist():
        _draw_comparison_group(ax, pred[pred["group"] == "control"], hidden_comparison)
    else:
        hidden_comparison = ()
    _draw_observed(ax, x, treated)
    not_shown = treated["hidden"].to_numpy(dtype=bool) | treated["time"].astype(str).isin(set(hidden_comparison))
    draw_hidden_months(ax, x[not_shown])
    _draw_fit(ax, x, treated)
    _draw_counterfactual(ax, x, treated, _band_label(pred))
    if show_deseasonalised:
        _draw_deseasonalised(ax, x, treated)
    # fixed margins, the bottom one made to fit the legend (_finish_legend): a layout engine doubles the
    # drawing time
    fig.subplots_adjust(left=0.08, right=0.98, top=0.92, bottom=0.2)
    _finish_axes(ax, x, ylabel=ylabel, rate_per=rate_per)
    rows = draw_change_log(ax, _change_marks(x, treated, annotations), legend=True)
    _finish_legend(fig, ax, hidden=bool(not_shown.any()))
    band = band_points(rows)
    if title:
        ax.set_title(title, pad=band + 6)
    room_above(ax, band + (6 + 12 * 1.3 + 4 if title else 4))
    return fig


def _draw_comparison_group(ax: Axes, ctrl: pd.DataFrame, hidden: Collection[str]) -> None:
    """Observed points (hollow) and the dotted model fit of the comparison group; with several
    comparison areas, their average in each period (as Stata's itsa draws "Controls average"). No
    point for the months of ``hidden`` (times as text)."""
    several = "unit" in ctrl and ctrl["unit"].nunique() > 1
    if several:
        ctrl = ctrl.groupby("time", sort=False, as_index=False)[["observed", "fitted"]].mean()
    ctrl = shown_observed(ctrl, hidden)
    xc = _x_values(ctrl["time"])
    ax.scatter(
        xc,
        ctrl["observed"],
        s=14,
        facecolors="none",
        edgecolors=_COLOURS["control"],
        label="Observed (comparison average)" if several else "Observed (comparison group)",
        zorder=2,
    )
    ax.plot(
        xc,
        ctrl["fitted"],
        color=_COLOURS["control"],
        linestyle=":",
        linewidth=1.5,
        label="Model fit (comparison average)" if several else "Model fit (comparison group)",
        zorder=2,
    )


def _draw_observed(ax: Axes, x: np.ndarray, treated: pd.DataFrame) -> None:
    """Observed points: filled when used in the fit, hollow in a phase-in period left out of it."""
    in_fit = treated["in_fit"].to_numpy(dtype=bool)
    ax.scatter(
        x[in_fit], treated["observed"].to_numpy()[in_fit], s=16, color=_COLOURS["observed"], label="Observed", zorder=3
    )
    if (~in_fit).any():
        ax.scatter(
            x[~in_fit],
            treated["observed"].to_numpy()[~in_fit],
            s=16,
            facecolors="none",
            edgecolors=_COLOURS["observed"],
            label="Observed, phase-in (not used in the fit)",
            zorder=3,
        )


def _draw_fit(ax: Axes, x: np.ndarray, treated: pd.DataFrame) -> None:
    """The fitted line, drawn per segment so that it breaks at each interruption."""
    segments = treated["segment"].to_numpy()
    for k, seg in enumerate(np.unique(segments)):
        mask = segments == seg
        ax.plot(
            x[mask],
            treated["fitted"].to_numpy()[mask],
            color=_COLOURS["fit"],
            linewidth=2,
            label="Model fit" if k == 0 else None,
            zorder=4,
        )


def _draw_counterfactual(ax: Axes, x: np.ndarray, treated: pd.DataFrame, band_label: str) -> None:
    """The counterfactual and its band, from the last pre-interruption period on."""
    post_idx = np.flatnonzero(treated["phase"].to_numpy() != "pre")
    if not post_idx.size:
        return
    sel = slice(max(post_idx[0] - 1, 0), len(treated))
    ax.fill_between(
        x[sel],
        treated["counterfactual_lower"].to_numpy()[sel],
        treated["counterfactual_upper"].to_numpy()[sel],
        color=_COLOURS["counterfactual"],
        alpha=0.15,
        linewidth=0,
        label=band_label,
        zorder=1,
    )
    ax.plot(
        x[sel],
        treated["counterfactual"].to_numpy()[sel],
        color=_COLOURS["counterfactual"],
        linestyle="--",
        linewidth=2,
        label="Expected without the programme",
        zorder=4,
    )


def _draw_deseasonalised(ax: Axes, x: np.ndarray, treated: pd.DataFrame) -> None:
    if "deseasonalised" not in treated:
        raise ParameterError(
            "the model has no seasonal terms, so there is no de-seasonalised line",
            key="show_deseasonalised",
            expected="False for a model without seasonality",
            found=True,
        )
    ax.plot(
        x,
        treated["deseasonalised"],
        color=_COLOURS["deseasonalised"],
        linewidth=1.2,
        linestyle="-.",
        label="Model fit without seasonal variation",
        zorder=3,
    )


def _change_marks(x: np.ndarray, treated: pd.DataFrame, annotations: Any) -> list[ChangeMark]:
    """A mark at each interruption (between the last period before and the first after; the first is
    the programme start) and at each annotated time; an annotation at an interruption labels it."""
    boundaries = list(np.flatnonzero(np.diff(treated["segment"].to_numpy()) != 0) + 1)
    marks = [ChangeMark(_midpoint(x[b - 1], x[b]), "", strong=k == 0) for k, b in enumerate(boundaries)]
    times = list(treated["time"])
    for when, text in _annotation_items(annotations):
        matches = _match_time(times, when)
        if not matches:
            raise ParameterError(
                "annotation time is not in the data",
                key="annotations",
                expected=f"a time between {times[0]} and {times[-1]}",
                found=when,
            )
        i = matches[0]
        at = _midpoint(x[i - 1], x[i]) if i in boundaries else x[i]
        marks.append(ChangeMark(at, text, strong=bool(boundaries) and i == boundaries[0]))
    return marks


def _finish_axes(ax: Axes, x: np.ndarray, *, ylabel: str | None, rate_per: float | None) -> None:
    """Date ticks, labels and grid."""
    if np.issubdtype(np.asarray(x).dtype, np.datetime64):
        locator = mdates.AutoDateLocator(minticks=4, maxticks=8)
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel(ylabel if ylabel is not None else (f"Rate per {rate_per:,g}" if rate_per is not None else "Outcome"))
    ax.grid(True, alpha=0.3)


def _finish_legend(fig: Figure, ax: Axes, *, hidden: bool) -> None:
    """The legend below the axes, in three columns or fewer, as many as fit the figure's width (a chart
    with a comparison group has longer entries), and under it the mark of a month not shown when there
    is one (a line of its own); the axes' bottom is raised until both fit above the figure's edge."""
    renderer = agg_renderer(fig)
    for ncol in (3, 2, 1):
        legend = ax.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=ncol, fontsize=LEGEND_FONTSIZE, frameon=False
        )
        if legend.get_window_extent(renderer).width <= fig.bbox.width:
            break
    below = legend.get_window_extent(renderer).height + 12  # and its padding above, and a gap below
    if hidden:
        mark = fig.legend(
            handles=[hidden_handle()], loc="lower center", fontsize=LEGEND_FONTSIZE, frameon=False, borderaxespad=0.2
        )
        below += mark.get_window_extent(renderer).height
    pos = ax.get_position()
    top = pos.y1 * fig.bbox.height
    # the legend hangs 0.1 of the axes' height below them: bottom = 0.1 (top - bottom) + below
    bottom = max(pos.y0 * fig.bbox.height, (0.1 * top + below) / 1.1)
    ax.set_position((pos.x0, bottom / fig.bbox.height, pos.width, (top - bottom) / fig.bbox.height))


def shown_observed(treated: pd.DataFrame, hidden: Collection[str]) -> pd.DataFrame:
    """``treated`` (rows of ``predictions()``) with a ``hidden`` column, True for the months of ``hidden``
    (times as text), whose ``observed`` becomes NaN: what a chart may show."""
    mask = treated["time"].astype(str).isin(set(hidden)).to_numpy()
    return treated.assign(hidden=mask, observed=treated["observed"].where(~mask))


def _band_label(pred: pd.DataFrame) -> str:
    level = pred.attrs.get("confidence_level")
    if level is None:
        return "Confidence interval, expected without the programme"
    return f"{100 * level:g}% confidence interval, expected without the programme"
