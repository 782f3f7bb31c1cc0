"""The months since a recalculation read against the process before it, and Laney's over-dispersion.

When limits are recalculated at a programme start, the new phase's own limits absorb a step: a
process that moved to a new level shows only common-cause variation around it. Whether it *moved*
is read as a before/after SPC comparison reads it: the first phase's centre line and limits carried
forward over the later points (Provost & Murray 2011, The Health Care Data Guide: baseline limits
extended to judge a change; NHS England Making Data Count: limits recalculated only once a change
is shown), with the Making Data Count shift rule (a run of ``shift_length`` points on one side of
the centre line; MDC Single Chart Tool v5, 6 points) applied against the carried-forward centre.

:func:`laney_sigma_z` measures over-dispersion of a rate or proportion (Laney 2002): the spread of
the standardised points beyond what the counts alone explain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pss_analysis.methods.spc.constants import MDC_SHIFT_LENGTH, MR_TO_SIGMA
from pss_analysis.methods.spc.result import SpcResult

__all__ = ["PhaseComparison", "compare_with_first_phase", "laney_sigma_z", "VARYING_LIMIT_CHARTS"]

#: Charts whose limits vary with the denominator as 1 / sqrt(n) (Montgomery eqs. 7.8 and 7.19; Laney 2002).
VARYING_LIMIT_CHARTS = ("p", "pp", "u", "up")


@dataclass(frozen=True)
class PhaseComparison:
    """The later points of a chart against its first phase's centre line and limits, carried forward.

    ``n_above`` / ``n_below``: points above / below the first phase's centre line;
    ``n_above_ucl`` / ``n_below_lcl``: beyond its upper / lower limit; ``longest_run_above`` /
    ``longest_run_below``: the longest run of consecutive points on each side; ``shift``:
    "high" or "low" when such a run reaches ``shift_length`` (the side of the longer run when
    both do), else None. ``centre_line``, ``lcl``, ``ucl``: the first phase's lines (means over
    its points when they vary with the denominator).
    """

    n_points: int
    n_above: int
    n_below: int
    n_above_ucl: int
    n_below_lcl: int
    longest_run_above: int
    longest_run_below: int
    shift_length: int
    shift: str | None
    centre_line: float
    lcl: float
    ucl: float


def _longest_run(flags: np.ndarray) -> int:
    """Length of the longest run of True in ``flags``."""
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def _carried_limits(first: pd.DataFrame, later: pd.DataFrame, chart: str) -> tuple[np.ndarray, np.ndarray]:
    """(lcl, ucl) of the first phase at every later point: for p, p', u and u' charts the half-width
    scales with 1 / sqrt(n) of the later point (Montgomery eqs. 7.8, 7.19); otherwise the first
    phase's limits as they were."""
    centre = float(first["centre_line"].mean())
    if chart in VARYING_LIMIT_CHARTS and first["n"].notna().all() and later["n"].notna().all():
        width = float(((first["ucl"] - first["centre_line"]) * np.sqrt(first["n"])).mean())
        half = width / np.sqrt(later["n"].to_numpy(dtype=float))
        lower = np.maximum(centre - half, 0.0)
        return lower, centre + half
    size = len(later)
    return np.full(size, float(first["lcl"].mean())), np.full(size, float(first["ucl"].mean()))


def compare_with_first_phase(result: SpcResult, *, shift_length: int | None = None) -> PhaseComparison | None:
    """The last phase's points against the first phase's centre line and limits carried forward.

    None when the chart has one phase, or the first phase has no limits (too few points).
    ``shift_length`` defaults to the result's own (the Making Data Count shift rule, 6 points
    in the Single Chart Tool v5).
    """
    points = result.points
    phases = points["phase"].unique()
    if len(phases) < 2:
        return None
    first = points[(points["phase"] == phases[0]) & points["ucl"].notna()]
    if first.empty:
        return None
    later = points[(points["phase"] == phases[-1]) & points["value"].notna()]
    length = int(shift_length or result.specification.get("shift_length", MDC_SHIFT_LENGTH))
    centre = float(first["centre_line"].mean())
    lower, upper = _carried_limits(first, later, str(result.specification.get("chart", "")))
    value = later["value"].to_numpy(dtype=float)
    above, below = value > centre, value < centre
    run_above, run_below = _longest_run(above), _longest_run(below)
    shift = None
    if max(run_above, run_below) >= length:
        shift = "high" if run_above >= run_below else "low"
    return PhaseComparison(
        n_points=len(value),
        n_above=int(above.sum()),
        n_below=int(below.sum()),
        n_above_ucl=int((value > upper).sum()),
        n_below_lcl=int((value < lower).sum()),
        longest_run_above=run_above,
        longest_run_below=run_below,
        shift_length=length,
        shift=shift,
        centre_line=centre,
        lcl=float(first["lcl"].mean()),
        ucl=float(first["ucl"].mean()),
    )


def laney_sigma_z(y: np.ndarray, n: np.ndarray, *, proportion: bool, phase: np.ndarray | None = None) -> float:
    """Laney's sigma_z: the mean moving range of z_i = (value_i - centre) / sigma_i, divided by 1.128.

    ``value_i = y_i / n_i``; ``sigma_i`` is the binomial (``proportion``) or Poisson standard error
    at the phase's centre (Laney 2002, "Improved control charts for attributes", Quality
    Engineering 14(4)). Moving ranges are taken within a phase. 1 means the counts explain the
    variation; above 1 the months vary more (over-dispersion). NaN without two usable points.
    """
    y, n = np.asarray(y, dtype=float), np.asarray(n, dtype=float)
    phase = np.zeros(y.size, dtype=int) if phase is None else np.asarray(phase)
    ok = np.isfinite(y) & np.isfinite(n) & (n > 0)
    z = np.full(y.size, np.nan)
    for k in np.unique(phase):
        sel = ok & (phase == k)
        if not sel.any():
            continue
        centre = y[sel].sum() / n[sel].sum()
        spread = centre * (1 - centre) if proportion else centre
        if spread <= 0:
            continue
        z[sel] = (y[sel] / n[sel] - centre) / np.sqrt(spread / n[sel])
    same = phase[1:] == phase[:-1]
    mr = np.abs(np.diff(z))[same]
    mr = mr[np.isfinite(mr)]
    return float(mr.mean() / MR_TO_SIGMA) if mr.size else float("nan")
