"""Testing the points against the rules and giving every point its type.

:func:`apply_rules` runs the rule set over the points with a value;
:func:`classify` turns the rule flags into special cause, point type and signal
direction under a rule-clash policy (``conflict``); :func:`points_table` writes
the per-point table of :class:`~pss_analysis.methods.spc.SpcResult`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.methods.spc.limits import Lines
from pss_analysis.methods.spc.options import Settings
from pss_analysis.methods.spc.phases import LimitRows, Phases
from pss_analysis.methods.spc.prepare import Prepared
from pss_analysis.methods.spc.result import POINT_TYPES
from pss_analysis.methods.spc.rules import HIGH, LOW, RuleInput, RuleSet

__all__ = ["NHSR_PRECEDENCE", "Flags", "apply_rules", "classify", "points_table"]

NHSR_PRECEDENCE = ("rule_outside_limits", "rule_trend", "rule_two_of_three", "rule_shift")
"""Rule order of NHSRplotthedots' ``ptd_special_cause_type`` (used by ``conflict='nhsrplotthedots'``)."""

COMMON, IMPROVEMENT, CONCERN, NEITHER = range(4)  # point-type codes: positions in POINT_TYPES


@dataclass
class Flags:
    """What the rules found at every point with a value (internal)."""

    rule_input: RuleInput
    bits: dict[str, np.ndarray]  # rule column -> HIGH / LOW / UNDIRECTED bits
    special: np.ndarray
    code: np.ndarray  # index into POINT_TYPES
    signal: np.ndarray  # +1 high, -1 low, 0


def apply_rules(
    gid: np.ndarray, phase: np.ndarray, included: np.ndarray, lines: Lines, settings: Settings, n_phases: int
) -> Flags:
    """Test the points with a value against every rule of the rule set, then classify them.

    ``gid`` (series), ``phase``, ``included`` and ``lines`` cover the points with
    a value only; phases whose limits ``min_points`` hid raise no signals.
    """
    options, rule_set = settings.options, settings.rule_set
    lower, upper = lines.lower, lines.upper
    segment = gid if options["rules_across_phases"] else phase
    rinp = RuleInput(
        lines.value,
        lines.centre,
        lower[3],
        upper[3],
        lower[1],
        upper[1],
        lower[2],
        upper[2],
        segment,
        phase,
        n_phases,
        included,
        int(options["shift_length"]),
        int(options["trend_length"]),
    )
    quiet = lines.suppressed[phase]
    bits = {}
    for name, rule in rule_set.rules.items():
        b = rule(rinp)
        b[quiet] = 0
        bits[name] = b
    with np.errstate(invalid="ignore"):
        side = np.sign(lines.value - lines.centre)
    side = np.where(np.isfinite(side), side, 0).astype(np.int8)
    special, code, signal = classify(bits, rule_set, settings.direction, options["conflict"], side, lines.value)
    return Flags(rinp, bits, special, code, signal)


def classify(
    bits: dict[str, np.ndarray],
    rule_set: RuleSet,
    direction: int,
    conflict: str,
    side: np.ndarray,
    value: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Special-cause flag, point-type code and signal direction (+1 high, -1 low, 0) of every point."""
    combined = np.zeros(side.size, dtype=np.uint8)
    for b in bits.values():
        combined |= b
    special = combined != 0
    high = (combined & HIGH) != 0
    low = (combined & LOW) != 0
    if conflict in ("hierarchy", "nhsrplotthedots"):
        high, low = _by_precedence(bits, rule_set, conflict, value, high, low)
    code = np.full(side.size, COMMON, dtype=np.int8)
    code[special] = NEITHER
    if direction == 0:
        signal = np.where(high & ~low, 1, np.where(low & ~high, -1, np.where(special, side, 0)))
        return special, code, signal.astype(np.int8)
    good, bad = (high, low) if direction > 0 else (low, high)
    if conflict == "side_of_mean":
        improve = special & (side == direction)
        concern = special & ~improve
    else:
        improve = good & ~(bad & (conflict == "concern"))
        concern = bad & ~(good & (conflict != "concern"))
    code[improve] = IMPROVEMENT
    code[concern] = CONCERN
    signal = np.where(improve, direction, np.where(concern, -direction, np.where(special, side, 0)))
    return special, code, signal.astype(np.int8)


def _by_precedence(
    bits: dict[str, np.ndarray], rule_set: RuleSet, conflict: str, value: np.ndarray, high: np.ndarray, low: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Directions decided by the first rule (in precedence order) that flags the point with a direction."""
    use_nhsr = conflict == "nhsrplotthedots" and set(NHSR_PRECEDENCE) <= set(bits)
    order = NHSR_PRECEDENCE if use_nhsr else rule_set.precedence
    chosen = np.zeros(value.size, dtype=np.uint8)
    for name in order:
        directional = bits[name] & (HIGH | LOW)
        chosen = np.where(chosen == 0, directional, chosen).astype(np.uint8)
    c_high = (chosen & HIGH) != 0
    c_low = (chosen & LOW) != 0
    if conflict == "nhsrplotthedots":
        # the point shared by a falling and a rising trend takes the direction of the next step
        step = np.zeros(value.size, dtype=np.int8)
        if value.size > 1:
            with np.errstate(invalid="ignore"):
                step[:-1] = np.nan_to_num(np.sign(np.diff(value))).astype(np.int8)
        turning = c_high & c_low
        c_high = np.where(turning, step > 0, c_high)
        c_low = np.where(turning, step < 0, c_low)
    has = chosen != 0
    return np.where(has, c_high, high), np.where(has, c_low, low)


def points_table(
    prep: Prepared,
    keep: np.ndarray,
    phases: Phases,
    rows: LimitRows,
    lines: Lines,
    flags: Flags,
    by: tuple[str, ...],
    uses_1sigma: bool,
) -> pd.DataFrame:
    """One row per point with a value (``lines`` and ``flags`` cover those points; the rest all points)."""
    columns: dict[str, Any] = {b: prep.keys[b].iloc[prep.gid[keep]].reset_index(drop=True) for b in by}
    columns["x"] = prep.x.iloc[np.flatnonzero(keep)].reset_index(drop=True)
    columns["y"] = prep.y[keep]
    columns["n"] = prep.n[keep]
    columns["value"] = lines.value
    columns["phase"] = phases.number[keep]
    columns["centre_line"] = lines.centre
    columns["lcl"] = lines.lower[3]
    columns["ucl"] = lines.upper[3]
    columns["lower_2sigma"] = lines.lower[2]
    columns["upper_2sigma"] = lines.upper[2]
    if uses_1sigma:
        columns["lower_1sigma"] = lines.lower[1]
        columns["upper_1sigma"] = lines.upper[1]
    columns["excluded"] = rows.excluded[keep]
    columns["used_for_limits"] = rows.base[keep]
    for name, b in flags.bits.items():
        columns[name] = b != 0
    columns["special_cause"] = flags.special
    columns["point_type"] = np.asarray(POINT_TYPES, dtype=object)[flags.code]
    return pd.DataFrame(columns)
