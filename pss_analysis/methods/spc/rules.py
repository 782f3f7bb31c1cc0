"""Special-cause rules, vectorised over points, and the rule-set registry.

Every rule is a small function of a :class:`RuleInput` (flat arrays covering
any number of series) that returns one small integer per point made of bit
flags: :data:`HIGH` (the point signals upwards), :data:`LOW` (downwards) and
:data:`UNDIRECTED` (a signal with no direction, e.g. too few crossings). A point
may carry both HIGH and LOW, e.g. the turning point shared by a falling and a
rising trend.

Runs, trends and "k of m" windows are found with cumulative sums and run
labels (``np.cumsum`` over change points), never by looping over points.
Runs never cross from one series into the next; they cross phase boundaries
only when ``RuleInput.segment`` says so (the MDC Excel tool lets the
multi-point rules cross a recalculation).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import binom

from pss_analysis.methods.spc.constants import (
    ANHOEJ_CROSSINGS_PROBABILITY,
    ANHOEJ_RUN_OFFSET,
    BINOMIAL_HALF,
    FOUR_OF_FIVE,
    NELSON_ALTERNATING_LENGTH,
    NELSON_MIXTURE_LENGTH,
    NELSON_SAME_SIDE_LENGTH,
    NELSON_STRATIFICATION_LENGTH,
    NELSON_TREND_LENGTH,
    TWO_OF_THREE,
    WE_SAME_SIDE_LENGTH,
)

__all__ = [
    "HIGH",
    "LOW",
    "UNDIRECTED",
    "RuleInput",
    "RuleSet",
    "RULE_SETS",
    "anhoej_longest_run_limit",
    "anhoej_crossings_limit",
    "anhoej_statistics",
]

HIGH = 1  # the point signals upwards
LOW = 2  # the point signals downwards
UNDIRECTED = 4  # the point signals, with no direction


@dataclass
class RuleInput:
    """Flat arrays a rule reads (internal). Lines are NaN where undefined."""

    value: np.ndarray
    centre_line: np.ndarray
    lcl: np.ndarray
    ucl: np.ndarray
    lower_1sigma: np.ndarray
    upper_1sigma: np.ndarray
    lower_2sigma: np.ndarray
    upper_2sigma: np.ndarray
    segment: np.ndarray  # runs and windows never cross a change of segment
    phase: np.ndarray  # global phase index (Anhoej statistics are per phase)
    n_phases: int
    included: np.ndarray  # False for points excluded from the calculations
    shift_length: int
    trend_length: int


# --- building blocks ------------------------------------------------------------------


def _side(inp: RuleInput) -> np.ndarray:
    """+1 above the centre line, -1 below, 0 on it or undefined."""
    with np.errstate(invalid="ignore"):
        side = np.sign(inp.value - inp.centre_line)
    side[~np.isfinite(side)] = 0
    return side.astype(np.int8)


def _starts(segment: np.ndarray) -> np.ndarray:
    start = np.ones(segment.size, dtype=bool)
    start[1:] = segment[1:] != segment[:-1]
    return start


def _run_lengths(key: np.ndarray, segment: np.ndarray) -> np.ndarray:
    """Length of the run of equal consecutive ``key`` values each point belongs to."""
    if key.size == 0:
        return np.zeros(0, dtype=int)
    start = _starts(segment)
    start[1:] |= key[1:] != key[:-1]
    run_id = np.cumsum(start) - 1
    return np.bincount(run_id)[run_id]


def _steps(inp: RuleInput) -> np.ndarray:
    """Sign of value[i+1] - value[i] within a segment (length n - 1); 0 across segments or NaN."""
    if inp.value.size < 2:
        return np.zeros(0, dtype=np.int8)
    with np.errstate(invalid="ignore"):
        step = np.sign(np.diff(inp.value))
    step[~np.isfinite(step)] = 0
    step[inp.segment[1:] != inp.segment[:-1]] = 0
    return step.astype(np.int8)


def _pairs_to_points(long_pair: np.ndarray, size: int) -> np.ndarray:
    """A point belongs to a flagged pair (i-1, i) or (i, i+1)."""
    out = np.zeros(size, dtype=bool)
    if size > 1:
        out[1:] |= long_pair
        out[:-1] |= long_pair
    return out


def _window_counts(flags: np.ndarray, width: int, segment: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum of ``flags`` over the window starting at each point, and whether that window fits in its segment."""
    size = flags.size
    sums = np.zeros(size)
    fits = np.zeros(size, dtype=bool)
    if size >= width:
        cum = np.concatenate(([0.0], np.cumsum(flags, dtype=float)))
        sums[: size - width + 1] = cum[width:] - cum[: size - width + 1]
        fits[: size - width + 1] = segment[width - 1 :] == segment[: size - width + 1]
    return sums, fits


def _covered(window_ok: np.ndarray, width: int) -> np.ndarray:
    """Points inside any window (of ``width`` points) whose start is flagged."""
    size = window_ok.size
    starts = np.flatnonzero(window_ok)
    delta = np.zeros(size + 1, dtype=int)
    np.add.at(delta, starts, 1)
    np.add.at(delta, np.minimum(starts + width, size), -1)
    return np.cumsum(delta[:-1]) > 0


def _bits(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    return (high.astype(np.uint8) * HIGH) | (low.astype(np.uint8) * LOW)


def _same_side_run(inp: RuleInput, length: int) -> np.ndarray:
    side = _side(inp)
    run = _run_lengths(side, inp.segment)
    flagged = (side != 0) & (run >= length)
    return _bits(flagged & (side > 0), flagged & (side < 0))


def _monotone_run(inp: RuleInput, length: int) -> np.ndarray:
    step = _steps(inp)
    run = _run_lengths(step, np.zeros(step.size, dtype=int))
    long_pair = (step != 0) & (run >= length - 1)
    up = _pairs_to_points(long_pair & (step > 0), inp.value.size)
    down = _pairs_to_points(long_pair & (step < 0), inp.value.size)
    return _bits(up, down)


def _k_of_m(beyond_high: np.ndarray, beyond_low: np.ndarray, k: int, m: int, segment: np.ndarray) -> np.ndarray:
    """Points beyond a line that are at least k of m consecutive points beyond it on the same side."""
    out = []
    for beyond in (beyond_high, beyond_low):
        count, fits = _window_counts(beyond, m, segment)
        out.append(_covered(fits & (count >= k), m) & beyond)
    return _bits(out[0], out[1])


def _gt(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return a > b


def _lt(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return a < b


# --- MDC (NHS England Making Data Count) -------------------------------------------------


def rule_outside_limits(inp: RuleInput) -> np.ndarray:
    """A single point beyond a process (control) limit.

    Shewhart's criterion; MDC "Special cause - single point"; Western
    Electric rule 1; Nelson rule 1; qicharts2 ``sigma.signal``. A point exactly
    on a limit is not beyond it.
    """
    return _bits(_gt(inp.value, inp.ucl), _lt(inp.value, inp.lcl))


def rule_shift(inp: RuleInput) -> np.ndarray:
    """A run of at least ``shift_length`` points on one side of the centre line.

    MDC "Special cause - shift" (6 points in the Single Chart Tool v5, 7 in
    NHSRplotthedots). A point on the centre line breaks the run. Every point
    of the run is flagged.
    """
    return _same_side_run(inp, inp.shift_length)


def rule_trend(inp: RuleInput) -> np.ndarray:
    """A run of at least ``trend_length`` points each higher (or lower) than the one before.

    MDC "Special cause - trend": with 6 points, 5 consecutive increases; an
    equal value (a pause) breaks the trend; the trend may cross the mean.
    Every point of the trend is flagged; the turning point between a falling
    and a rising trend is flagged both ways.
    """
    return _monotone_run(inp, inp.trend_length)


def rule_two_of_three(inp: RuleInput) -> np.ndarray:
    """Two or three of three consecutive points beyond a 2-sigma line, all three on one side of the mean.

    MDC "Special cause - two-sigma": only points beyond the 2-sigma line but
    not beyond the process limit count (those beyond the limit are single
    point signals) and only those points are flagged (NHSRplotthedots
    ``ptd_two_in_three``).
    """
    need, width = TWO_OF_THREE
    side = _side(inp)
    outside = rule_outside_limits(inp) != 0
    close_high = _gt(inp.value, inp.upper_2sigma) & ~outside
    close_low = _lt(inp.value, inp.lower_2sigma) & ~outside
    side_sum, fits = _window_counts(side, width, inp.segment)  # +/-width when all on one side
    out = []
    for close, sign in ((close_high, 1), (close_low, -1)):
        count, _ = _window_counts(close, width, inp.segment)
        ok = fits & (side_sum == sign * width) & (count >= need)
        out.append(_covered(ok, width) & close)
    return _bits(out[0], out[1])


# --- Anhoej runs analysis -----------------------------------------------------------------


def anhoej_longest_run_limit(n_useful: np.ndarray | int) -> np.ndarray:
    """Upper limit of the longest run for ``n_useful`` points: round(log2(n)) + 3 (Schilling 2012; Anhoej 2014).

    NaN where ``n_useful`` is 0.
    """
    n = np.asarray(n_useful, dtype=float)
    with np.errstate(divide="ignore"):
        out = np.round(np.log2(n)) + ANHOEJ_RUN_OFFSET
    return np.where(n > 0, out, np.nan)


def anhoej_crossings_limit(n_useful: np.ndarray | int) -> np.ndarray:
    """Lower limit of the number of crossings: qbinom(0.05, n - 1, 0.5) (Chen 2010; Anhoej 2014).

    ``scipy.stats.binom.ppf`` is R's ``qbinom``: the smallest k with
    P(X <= k) >= 0.05. NaN where ``n_useful`` is 0.
    """
    n = np.asarray(n_useful, dtype=float)
    trials = np.maximum(n - 1, 0)
    out = binom.ppf(ANHOEJ_CROSSINGS_PROBABILITY, trials, BINOMIAL_HALF)
    return np.where(n > 0, out, np.nan)


@dataclass
class AnhoejStatistics:
    """Per-phase runs analysis (internal)."""

    n_useful: np.ndarray
    longest_run: np.ndarray
    longest_run_limit: np.ndarray
    crossings: np.ndarray
    crossings_limit: np.ndarray
    runs_signal: np.ndarray
    useful: np.ndarray  # per point
    run_length: np.ndarray  # per point, 0 for points that are not useful


def anhoej_statistics(inp: RuleInput) -> AnhoejStatistics:
    """Longest run and number of crossings of every phase (qicharts2 ``runs.analysis``).

    Useful points are the included points not on the centre line; they are
    joined up, so a point on the centre line neither ends nor extends a run.
    """
    side = _side(inp)
    useful = inp.included & (side != 0)
    idx = np.flatnonzero(useful)
    s = side[idx]
    ph = inp.phase[idx]
    start = np.ones(idx.size, dtype=bool)
    if idx.size > 1:
        start[1:] = (ph[1:] != ph[:-1]) | (s[1:] != s[:-1])
    run_id = np.cumsum(start) - 1
    lengths = np.bincount(run_id) if idx.size else np.zeros(0, dtype=int)
    run_length = np.zeros(side.size, dtype=int)
    run_length[idx] = lengths[run_id] if idx.size else 0
    n_useful = np.bincount(ph, minlength=inp.n_phases).astype(float)
    runs = np.bincount(ph[start], minlength=inp.n_phases).astype(float)
    longest = np.zeros(inp.n_phases)
    if idx.size:
        np.maximum.at(longest, ph, lengths[run_id])
    has = n_useful > 0
    longest = np.where(has, longest, np.nan)
    crossings = np.where(has, np.maximum(runs - 1, 0), np.nan)
    run_limit = anhoej_longest_run_limit(n_useful)
    cross_limit = anhoej_crossings_limit(n_useful)
    signal = has & ((longest > run_limit) | (crossings < cross_limit))
    return AnhoejStatistics(n_useful, longest, run_limit, crossings, cross_limit, signal, useful, run_length)


def rule_long_run(inp: RuleInput) -> np.ndarray:
    """Points of a run longer than round(log2(n_useful)) + 3 on one side of the centre line (Anhoej 2014).

    Only included points off the centre line count (qicharts2
    ``runs.analysis``); the run is judged within its phase.
    """
    stats = anhoej_statistics(inp)
    side = _side(inp)
    flagged = stats.useful & (stats.run_length > stats.longest_run_limit[inp.phase])
    return _bits(flagged & (side > 0), flagged & (side < 0))


def rule_few_crossings(inp: RuleInput) -> np.ndarray:
    """All useful points of a phase crossing its centre line fewer than qbinom(0.05, n - 1, 0.5) times (Anhoej 2014).

    The signal belongs to the phase, not to a direction, so it is undirected.
    """
    stats = anhoej_statistics(inp)
    flagged = stats.useful & (stats.crossings < stats.crossings_limit)[inp.phase]
    return flagged.astype(np.uint8) * UNDIRECTED


# --- Western Electric (1956) and Nelson (1984) ------------------------------------------------


def _beyond(inp: RuleInput, lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _gt(inp.value, upper), _lt(inp.value, lower)


def rule_two_of_three_beyond_2sigma(inp: RuleInput) -> np.ndarray:
    """Two of three consecutive points beyond the same 2-sigma line (Western Electric rule 2; Nelson rule 5).

    Points beyond the control limit count too; the points beyond the line
    are flagged.
    """
    high, low = _beyond(inp, inp.lower_2sigma, inp.upper_2sigma)
    return _k_of_m(high, low, *TWO_OF_THREE, inp.segment)


def rule_four_of_five_beyond_1sigma(inp: RuleInput) -> np.ndarray:
    """Four of five consecutive points beyond the same 1-sigma line (Western Electric rule 3; Nelson rule 6)."""
    high, low = _beyond(inp, inp.lower_1sigma, inp.upper_1sigma)
    return _k_of_m(high, low, *FOUR_OF_FIVE, inp.segment)


def rule_eight_same_side(inp: RuleInput) -> np.ndarray:
    """Eight consecutive points on one side of the centre line (Western Electric rule 4)."""
    return _same_side_run(inp, WE_SAME_SIDE_LENGTH)


def rule_nine_same_side(inp: RuleInput) -> np.ndarray:
    """Nine consecutive points on one side of the centre line (Nelson rule 2)."""
    return _same_side_run(inp, NELSON_SAME_SIDE_LENGTH)


def rule_six_trend(inp: RuleInput) -> np.ndarray:
    """Six consecutive points steadily increasing or decreasing (Nelson rule 3)."""
    return _monotone_run(inp, NELSON_TREND_LENGTH)


def rule_fourteen_alternating(inp: RuleInput) -> np.ndarray:
    """Fourteen consecutive points alternating up and down (Nelson rule 4); undirected."""
    step = _steps(inp)
    size = inp.value.size
    if step.size == 0:
        return np.zeros(size, dtype=np.uint8)
    moving = step != 0
    continues = np.zeros(step.size, dtype=bool)
    continues[1:] = moving[1:] & (step[1:] == -step[:-1])
    chain_start = moving & ~continues
    chain_id = np.cumsum(chain_start)
    lengths = np.bincount(chain_id[moving], minlength=chain_id.max() + 1)
    pair_len = np.where(moving, lengths[chain_id], 0)
    long_pair = moving & (pair_len + 1 >= NELSON_ALTERNATING_LENGTH)
    return _pairs_to_points(long_pair, size).astype(np.uint8) * UNDIRECTED


def rule_fifteen_within_1sigma(inp: RuleInput) -> np.ndarray:
    """Fifteen consecutive points within 1 sigma of the centre line, either side (Nelson rule 7); undirected."""
    high, low = _beyond(inp, inp.lower_1sigma, inp.upper_1sigma)
    defined = np.isfinite(inp.value) & np.isfinite(inp.lower_1sigma) & np.isfinite(inp.upper_1sigma)
    within = (defined & ~high & ~low).astype(np.int8)
    run = _run_lengths(within, inp.segment)
    return ((within == 1) & (run >= NELSON_STRATIFICATION_LENGTH)).astype(np.uint8) * UNDIRECTED


def rule_eight_beyond_1sigma(inp: RuleInput) -> np.ndarray:
    """Eight consecutive points beyond 1 sigma, on both sides of the centre line (Nelson rule 8); undirected."""
    high, low = _beyond(inp, inp.lower_1sigma, inp.upper_1sigma)
    width = NELSON_MIXTURE_LENGTH
    n_out, fits = _window_counts(high | low, width, inp.segment)
    n_high, _ = _window_counts(high, width, inp.segment)
    n_low, _ = _window_counts(low, width, inp.segment)
    ok = fits & (n_out == width) & (n_high > 0) & (n_low > 0)
    return _covered(ok, width).astype(np.uint8) * UNDIRECTED


# --- registry ----------------------------------------------------------------------------------


Rule = Callable[[RuleInput], np.ndarray]


@dataclass(frozen=True)
class RuleSet:
    """A named set of rules: point-table column name -> rule, plus the precedence used by ``conflict='hierarchy'``."""

    name: str
    rules: dict[str, Rule]
    precedence: tuple[str, ...]
    description: str
    uses_min_points: bool = False  # MDC: too few points -> no limits, all common cause
    uses_1sigma: bool = False  # the points table then carries the 1-sigma lines


RULE_SETS: dict[str, RuleSet] = {
    rs.name: rs
    for rs in (
        RuleSet(
            "mdc",
            {
                "rule_outside_limits": rule_outside_limits,
                "rule_shift": rule_shift,
                "rule_trend": rule_trend,
                "rule_two_of_three": rule_two_of_three,
            },
            # MDC "SPC Rule Clash" note: trend, then shift, then two of three, then single point
            ("rule_trend", "rule_shift", "rule_two_of_three", "rule_outside_limits"),
            "NHS England Making Data Count: single point, shift, trend, two of three",
            uses_min_points=True,
        ),
        RuleSet(
            "anhoej",
            {
                "rule_outside_limits": rule_outside_limits,
                "rule_long_run": rule_long_run,
                "rule_few_crossings": rule_few_crossings,
            },
            ("rule_outside_limits", "rule_long_run", "rule_few_crossings"),
            "Anhoej runs analysis (long runs, few crossings) with points beyond the limits (qicharts2)",
        ),
        RuleSet(
            "western_electric",
            {
                "rule_outside_limits": rule_outside_limits,
                "rule_two_of_three_beyond_2sigma": rule_two_of_three_beyond_2sigma,
                "rule_four_of_five_beyond_1sigma": rule_four_of_five_beyond_1sigma,
                "rule_eight_same_side": rule_eight_same_side,
            },
            (
                "rule_outside_limits",
                "rule_two_of_three_beyond_2sigma",
                "rule_four_of_five_beyond_1sigma",
                "rule_eight_same_side",
            ),
            "Western Electric rules 1-4 (1956)",
            uses_1sigma=True,
        ),
        RuleSet(
            "nelson",
            {
                "rule_outside_limits": rule_outside_limits,
                "rule_nine_same_side": rule_nine_same_side,
                "rule_six_trend": rule_six_trend,
                "rule_fourteen_alternating": rule_fourteen_alternating,
                "rule_two_of_three_beyond_2sigma": rule_two_of_three_beyond_2sigma,
                "rule_four_of_five_beyond_1sigma": rule_four_of_five_beyond_1sigma,
                "rule_fifteen_within_1sigma": rule_fifteen_within_1sigma,
                "rule_eight_beyond_1sigma": rule_eight_beyond_1sigma,
            },
            (
                "rule_outside_limits",
                "rule_nine_same_side",
                "rule_six_trend",
                "rule_fourteen_alternating",
                "rule_two_of_three_beyond_2sigma",
                "rule_four_of_five_beyond_1sigma",
                "rule_fifteen_within_1sigma",
                "rule_eight_beyond_1sigma",
            ),
            "Nelson's eight rules (1984)",
            uses_1sigma=True,
        ),
    )
}
"""Rule sets by name."""
