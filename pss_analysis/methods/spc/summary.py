"""The per-phase summary of an SPC evaluation (``SpcResult.summary()``).

One row per phase: its x range, point counts, mean lines, the Anhoej runs
analysis, the number of signals, and the two MDC icons: the variation type
(from the phase's last point) and the assurance type (the target against the
limits at that point).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.methods.spc.limits import Lines
from pss_analysis.methods.spc.phases import LimitRows, Phases, per_series_values
from pss_analysis.methods.spc.points import COMMON, Flags
from pss_analysis.methods.spc.prepare import Prepared
from pss_analysis.methods.spc.result import POINT_TYPES
from pss_analysis.methods.spc.rules import AnhoejStatistics, anhoej_statistics, rule_outside_limits

__all__ = ["summarise"]


def summarise(
    prep: Prepared,
    keep: np.ndarray,
    phases: Phases,
    rows: LimitRows,
    lines: Lines,
    flags: Flags,
    target_option: Any,
    direction: int,
    by: tuple[str, ...],
) -> pd.DataFrame:
    """One row per phase with at least one point (``lines`` and ``flags`` cover the points in ``keep``)."""
    n_phases = phases.count
    phase_k = phases.index[keep]
    last = _last_point(lines.value, phase_k, n_phases)
    target = per_series_values(target_option, prep.key_list, np.nan)[phases.series]
    cols: dict[str, Any] = {b: prep.keys[b].iloc[phases.series].reset_index(drop=True) for b in by}
    cols["phase"] = phases.number[phases.first] if n_phases else np.zeros(0, dtype=int)
    cols.update(_x_range(prep.x, phases))
    stats = anhoej_statistics(flags.rule_input)
    cols.update(_counts(lines.value, phase_k, phases, rows))
    cols["n_useful"] = stats.n_useful.astype(int)
    cols.update(_mean_lines(lines, phase_k, n_phases))
    cols.update(_runs_analysis(stats, flags, phase_k, n_phases))
    cols["n_special_cause"] = np.bincount(phase_k[flags.special], minlength=n_phases)
    cols.update(_variation(flags, lines.suppressed, last))
    cols["target"] = target
    cols["assurance_type"] = _assurance(target, lines, last, direction)
    frame = pd.DataFrame(cols)
    present = np.bincount(phase_k, minlength=n_phases) > 0
    return frame.loc[present].reset_index(drop=True)


def _last_point(value: np.ndarray, phase_k: np.ndarray, n_phases: int) -> np.ndarray:
    """Position of the last point with a value in every phase; -1 for a phase without one."""
    last = np.full(n_phases, -1)
    if value.size:
        np.maximum.at(last, phase_k, np.where(np.isfinite(value), np.arange(value.size), -1))
    return last


def _at_last(values: np.ndarray, last: np.ndarray, missing: Any) -> np.ndarray:
    """``values`` at every phase's last point; ``missing`` for a phase without one."""
    has_last = last >= 0
    return np.where(has_last, values[np.where(has_last, last, 0)] if values.size else missing, missing)


def _x_range(xs: pd.Series, phases: Phases) -> dict[str, Any]:
    if not phases.count:
        return {"x_start": xs.iloc[:0], "x_end": xs.iloc[:0]}
    ends = np.r_[phases.first[1:], phases.index.size] - 1
    return {"x_start": xs.iloc[phases.first].reset_index(drop=True), "x_end": xs.iloc[ends].reset_index(drop=True)}


def _counts(value: np.ndarray, phase_k: np.ndarray, phases: Phases, rows: LimitRows) -> dict[str, Any]:
    return {
        "n_points": np.bincount(phase_k[np.isfinite(value)], minlength=phases.count),
        "n_excluded": np.bincount(phases.index[rows.excluded], minlength=phases.count),
        "n_used_for_limits": np.bincount(phases.index[rows.base], minlength=phases.count),
    }


def _phase_mean(arr: np.ndarray, phase_k: np.ndarray, n_phases: int) -> np.ndarray:
    ok = np.isfinite(arr)
    c = np.bincount(phase_k[ok], minlength=n_phases).astype(float)
    s = np.bincount(phase_k[ok], weights=arr[ok], minlength=n_phases)
    out = np.full(n_phases, np.nan)
    np.divide(s, c, out=out, where=c > 0)
    return out


def _mean_lines(lines: Lines, phase_k: np.ndarray, n_phases: int) -> dict[str, Any]:
    limits_shown = np.zeros(n_phases, dtype=bool)
    if lines.value.size:
        np.logical_or.at(limits_shown, phase_k, np.isfinite(lines.upper[3]))
    return {
        "centre_line": _phase_mean(lines.centre, phase_k, n_phases),
        "lcl": _phase_mean(lines.lower[3], phase_k, n_phases),
        "ucl": _phase_mean(lines.upper[3], phase_k, n_phases),
        "lower_2sigma": _phase_mean(lines.lower[2], phase_k, n_phases),
        "upper_2sigma": _phase_mean(lines.upper[2], phase_k, n_phases),
        "limits_shown": limits_shown,
    }


def _as_int(a: np.ndarray) -> pd.Series:
    return pd.Series(a, dtype="float64").astype("Int64")


def _runs_analysis(stats: AnhoejStatistics, flags: Flags, phase_k: np.ndarray, n_phases: int) -> dict[str, Any]:
    """Anhoej runs analysis and the points beyond the limits, per phase."""
    outside = flags.bits.get("rule_outside_limits")
    if outside is None:
        outside = rule_outside_limits(flags.rule_input)
    return {
        "longest_run": _as_int(stats.longest_run),
        "longest_run_limit": _as_int(stats.longest_run_limit),
        "crossings": _as_int(stats.crossings),
        "crossings_limit": _as_int(stats.crossings_limit),
        "runs_signal": stats.runs_signal,
        "n_outside_limits": np.bincount(phase_k[outside != 0], minlength=n_phases),
    }


def _variation(flags: Flags, suppressed: np.ndarray, last: np.ndarray) -> dict[str, Any]:
    """MDC variation icon of every phase: the type and direction of its last point."""
    var_code = _at_last(flags.code, last, COMMON)
    variation = np.asarray(POINT_TYPES, dtype=object)[var_code]
    variation[suppressed | (last < 0)] = "none"
    sig = _at_last(flags.signal, last, 0)
    var_dir = np.full(last.size, None, dtype=object)
    var_dir[sig > 0] = "high"
    var_dir[sig < 0] = "low"
    var_dir[(var_code == COMMON) | (variation == "none")] = None
    return {"variation_type": variation, "variation_direction": var_dir}


def _assurance(target: np.ndarray, lines: Lines, last: np.ndarray, direction: int) -> np.ndarray:
    """MDC assurance icon of every phase: the target against the limits at its last point."""
    lcl_last = _at_last(lines.lower[3], last, np.nan)
    ucl_last = _at_last(lines.upper[3], last, np.nan)
    can = np.isfinite(target) & np.isfinite(lcl_last) & np.isfinite(ucl_last) & (direction != 0)
    if direction >= 0:
        passes, fails = target < lcl_last, target > ucl_last
    else:
        passes, fails = target > ucl_last, target < lcl_last
    return np.where(~can, "none", np.where(passes, "pass", np.where(fails, "fail", "hit_or_miss"))).astype(object)
