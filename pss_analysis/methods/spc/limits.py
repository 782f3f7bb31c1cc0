"""The lines of the chart: the plotted value, centre line and sigma lines of every point.

:func:`calculate_limits` runs the chart function over every phase at once,
scales values and lines by ``multiply`` and, with the MDC rules, hides the
limits of a phase with fewer than ``min_points`` points for them.
:func:`note_limits` writes the notes on the limits (suppressed, screened moving
ranges, no limits, excluded points).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from pss_analysis.methods.spc.charts import ChartInput
from pss_analysis.methods.spc.constants import MDC_MIN_POINTS, MR_SCREEN_FACTOR, SIGMA_LIMIT
from pss_analysis.methods.spc.notes import by_series, list_x, plural_s, sentence
from pss_analysis.methods.spc.options import Settings
from pss_analysis.methods.spc.phases import LimitRows, Phases
from pss_analysis.methods.spc.prepare import Prepared

__all__ = ["Lines", "calculate_limits", "note_limits"]


@dataclass
class Lines:
    """Value and lines of every point, after ``multiply`` and ``min_points`` (internal)."""

    value: np.ndarray
    centre: np.ndarray
    lower: dict[int, np.ndarray]  # sigma multiple -> lower line
    upper: dict[int, np.ndarray]  # sigma multiple -> upper line
    screened: np.ndarray  # moving ranges screened out, per phase
    n_base: np.ndarray  # points with a value used for the limits, per phase
    suppressed: np.ndarray  # phases whose limits min_points hides

    def keep(self, mask: np.ndarray) -> Lines:
        """The lines of the points in ``mask`` only (per-phase arrays unchanged)."""
        return Lines(
            self.value[mask],
            self.centre[mask],
            {k: v[mask] for k, v in self.lower.items()},
            {k: v[mask] for k, v in self.upper.items()},
            self.screened,
            self.n_base,
            self.suppressed,
        )


def calculate_limits(prep: Prepared, phases: Phases, rows: LimitRows, settings: Settings) -> Lines:
    """Run the chart over every phase, scale by ``multiply`` and apply the MDC ``min_points``."""
    options, chart = settings.options, settings.chart
    inp = ChartInput(
        prep.value,
        prep.y,
        prep.n,
        prep.sd,
        phases.index,
        phases.count,
        rows.base,
        rows.calc,
        bool(options["screen_outliers"]),
        bool(options["mr_across_gaps"]),
    )
    with np.errstate(invalid="ignore", divide="ignore"):  # e.g. Laney z-scores when every proportion is 0
        lines = chart.function(inp)
    m = float(options["multiply"])
    value = lines.value * m
    lower = {k: v * m for k, v in lines.lower.items()}
    upper = {k: v * m for k, v in lines.upper.items()}
    screened = lines.screened if lines.screened is not None else np.zeros(phases.count, dtype=int)
    n_base = np.bincount(phases.index[rows.base & np.isfinite(value)], minlength=phases.count)
    suppressed = np.zeros(phases.count, dtype=bool)
    if settings.rule_set.uses_min_points and chart.has_limits:
        suppressed = n_base < options["min_points"]
        hide = suppressed[phases.index]
        lower = {k: np.where(hide, np.nan, v) for k, v in lower.items()}
        upper = {k: np.where(hide, np.nan, v) for k, v in upper.items()}
    return Lines(value, lines.centre_line * m, lower, upper, screened, n_base, suppressed)


def note_limits(prep: Prepared, phases: Phases, rows: LimitRows, lines: Lines, settings: Settings) -> None:
    """Notes on the limits of every series: suppressed, screened, missing, and excluded points."""
    multi_phase = np.bincount(phases.series, minlength=len(prep.key_list)) > 1

    def label(p: Any) -> str:
        return f"Phase {phases.number[phases.first[p]]}: " if multi_phase[phases.series[p]] else ""

    trial = np.zeros(phases.count, dtype=bool)
    if settings.rule_set.uses_min_points and settings.chart.has_limits:  # NHSRplotthedots' short-group warning
        trial = ~lines.suppressed & (lines.n_base > 0) & (lines.n_base < MDC_MIN_POINTS)
    for p in np.flatnonzero(lines.suppressed | (lines.screened > 0) | trial):
        notes = prep.messages[phases.series[p]]
        if trial[p]:
            notes.append(
                f"{label(p)}limits from only {lines.n_base[p]} point{plural_s(lines.n_base[p])} (fewer than "
                f"{MDC_MIN_POINTS}): trial limits, which will change as more points are added."
            )
        if lines.suppressed[p]:
            notes.append(
                sentence(
                    f"{label(p)}only {lines.n_base[p]} point{plural_s(lines.n_base[p])} available for the limits; at "
                    f"least {settings.options['min_points']} are needed (min_points), so no process limits are shown "
                    f"and every point is treated as common cause."
                )
            )
        if lines.screened[p]:
            k = int(lines.screened[p])
            notes.append(
                f"{label(p)}{k} moving range{plural_s(k)} of at least {MR_SCREEN_FACTOR} x the mean moving "
                f"range screened out before sigma was estimated."
            )
    if settings.chart.has_limits and prep.gid.size:
        ucl_ok = np.zeros(phases.count, dtype=bool)
        np.logical_or.at(ucl_ok, phases.index, np.isfinite(lines.upper[SIGMA_LIMIT]))
        for p in np.flatnonzero(~ucl_ok & ~lines.suppressed):
            prep.messages[phases.series[p]].append(
                sentence(f"{label(p)}no limits could be calculated (too few points, or no variation).")
            )
    for g, idx in by_series(rows.excluded, prep.gid).items():
        prep.messages[g].append(
            f"{idx.size} point{plural_s(idx.size)} excluded from the calculations "
            f"({prep.x_name} = {list_x(prep.x.iloc[idx])}); still plotted and tested."
        )
