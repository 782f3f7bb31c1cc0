"""Plain-English sentences for a programme board, from the tidy result tables.

This is formatting: it words numbers (rounded by :mod:`pss_analysis.reporting.formatting`), it never
computes a model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pss_analysis.evaluation.verdicts import money_scale
from pss_analysis.methods.its import Robustness
from pss_analysis.methods.spc import PhaseComparison
from pss_analysis.reporting.formatting import (
    confidence_label,
    in_units,
    money_change,
    money_range,
    number,
    p_value,
    percent,
)

__all__ = [
    "its_sentence",
    "robustness_sentence",
    "spc_sentence",
    "comparison_words",
    "CHART_REASON_WORDS",
    "count_noun",
    "quantity",
    "TERM_LABELS",
    "VARIATION_WORDS",
    "ASSURANCE_WORDS",
    "VARIATION_LABELS",
    "ASSURANCE_LABELS",
    "LINK_LABELS",
    "perspective_label",
]

#: Plain-English names of the ITS terms.
TERM_LABELS = {
    "baseline_level": "Level at the start of the data",
    "pre_trend": "Trend before the programme (per month)",
    "level_change": "Immediate change when the programme started",
    "slope_change": "Change in the trend (per month)",
    "post_trend": "Trend since the programme (per month)",
}

#: What each MDC variation type means, in words.
VARIATION_WORDS = {
    "common_cause": "only common-cause variation (a stable process)",
    "special_cause_improvement": "special-cause variation in the direction of improvement",
    "special_cause_concern": "special-cause variation in the direction of concern",
    "special_cause_neither": "special-cause variation (a change, in a direction that is neither better nor worse)",
}
#: What each MDC assurance type means, in words.
ASSURANCE_WORDS = {
    "pass": "the target will be met consistently if nothing changes",
    "fail": "the target will not be met unless the process changes",
    "hit_or_miss": "the target will be met in some months and missed in others",
}

#: The MDC variation and assurance types, and the lead-lag status of a link, in a table cell.
VARIATION_LABELS = {
    "common_cause": "common cause",
    "special_cause_improvement": "special cause: improvement",
    "special_cause_concern": "special cause: concern",
    "special_cause_neither": "special cause: neither better nor worse",
}
ASSURANCE_LABELS = {"pass": "pass", "fail": "fail", "hit_or_miss": "hit or miss"}
LINK_LABELS = {
    "agrees": "moves as expected",
    "disagrees": "moves against expectation",
    "unknown": "no association found",
}


def perspective_label(perspective_id: Any, names: Mapping[Any, Any]) -> str:
    """A perspective's name, or for a perspective outside the known ones its id with spaces for underscores."""
    name = names.get(perspective_id)
    return str(name) if name is not None and not pd.isna(name) else str(perspective_id).replace("_", " ")


def quantity(value: float) -> str:
    """A number in a sentence: three significant figures with thousands separators (2563.4 -> '2,560')."""
    return number(value, style="sentence")


def count_noun(unit: str) -> str:
    """The counted thing of a unit: 'bed-nights per 1,000 people aged 65+' -> 'bed-nights'."""
    return unit.split(" per ")[0].strip() or "events"


def its_sentence(
    measure: Mapping[str, Any],
    impact: pd.DataFrame,
    *,
    alpha: float = 0.05,
    points: tuple[float, float, float] | None = None,
) -> str:
    """One sentence on the programme's effect, from a measure's rows of the impact table.

    Uses the cumulative row: the relative change over the whole post period
    against what the pre-programme trend predicted, with its interval, and for
    counts and amounts the total difference in the measure's own units. For a percentage
    measure, ``points`` (the average difference over the period in percentage points, with its
    limits: :func:`~pss_analysis.evaluation.dashboards.display_impact`) leads, the relative change beside it.
    """
    rows = impact[impact["cumulative"]]
    if rows.empty:
        return f"{measure['name']}: no estimate of the programme's effect could be made."
    row = rows.iloc[0]
    level = confidence_label(alpha)
    rel, lo, hi = row["relative_effect"], row["relative_effect_lower"], row["relative_effect_upper"]
    name = measure["name"]
    if measure.get("kind") == "proportion" and points is not None:
        return _points_sentence(name, points, (rel, lo, hi), level)
    if lo <= 0 <= hi:
        text = (
            f"{name} changed by {percent(rel, signed=True)} ({level} CI {percent(lo, signed=True)} to "
            f"{percent(hi, signed=True)}) compared with what the pre-programme trend predicted, "
            f"which is not clearly different from no change"
        )
    else:
        verb = "rose" if rel > 0 else "fell"
        low, high = sorted((abs(lo), abs(hi)))
        text = (
            f"{name} {verb} by {percent(rel)} ({level} CI {percent(low)} to {percent(high)}) relative to "
            f"what the pre-programme trend predicted"
        )
    if measure.get("kind") in ("rate", "count", "amount") and pd.notna(row["absolute_effect"]):
        text += _difference(measure, row, level=level, changed=not lo <= 0 <= hi)
    return text + "."


def robustness_sentence(rob: Robustness) -> str:
    """The robustness checks of a measure's change in words: other models, pretend starts before the
    programme, changes from the change log left out, and whether the verdict holds under them all."""
    changed = rob.headline["direction"] != 0
    what = "the change" if changed else "the finding of no clear change"
    parts = []
    if rob.n_specs:
        parts.append(
            f"{what} holds under {rob.n_holds} of {rob.n_specs} other models (other families, seasonality "
            "or autocorrelation)"
        )
    rank, n = rob.placebo_rank, rob.n_placebos
    if rank is not None:
        p = p_value(rob.placebo_p_value)
        if rank == 1:
            parts.append(
                f"the real change is larger than the change at each of {n} pretend starts before "
                f"the programme (permutation p = {p})"
            )
        else:
            parts.append(
                f"{rank - 1} of {n} pretend starts before the programme gave a change at least as large "
                f"as the real one (permutation p = {p})"
            )
    if rob.n_left_out:
        parts.append(
            f"{what} holds in {rob.n_left_out_holds} of {rob.n_left_out} fits leaving out one change "
            "from the change log"
        )
    if not parts:
        return "No robustness check could be made."
    ending = "The verdict holds under every check." if rob.holds else "The verdict is not robust to these checks."
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + ". " + ending


def _points(value: float, *, signed: bool = False) -> str:
    """A difference in percentage points: 9.35 -> '9.35', signed '+9.35' / '−1.61'."""
    text = quantity(abs(value) if not signed else value)
    return (("+" + text) if value >= 0 else text.replace("-", "−")) if signed else text


def _points_sentence(
    name: str, points: tuple[float, float, float], relative: tuple[float, float, float], level: str
) -> str:
    """A percentage measure's change in percentage points, the relative change beside it."""
    diff, low, high = points
    rel = relative[0]
    if low <= 0 <= high or relative[1] <= 0 <= relative[2]:
        return (
            f"{name} changed by {_points(diff, signed=True)} percentage points ({percent(rel, signed=True)}; "
            f"{level} CI {_points(low, signed=True)} to {_points(high, signed=True)} points) compared with "
            f"what the pre-programme trend predicted, which is not clearly different from no change."
        )
    a, b = sorted((abs(low), abs(high)))
    return (
        f"{name} {'rose' if diff > 0 else 'fell'} by {_points(diff)} percentage points ({percent(rel)}; {level} CI "
        f"{_points(a)} to {_points(b)} points) relative to what the pre-programme trend predicted."
    )


def _difference(measure: Mapping[str, Any], row: Mapping[str, Any], *, level: str, changed: bool) -> str:
    """The overall difference in the measure's own units (in pounds, saved or extra cost, for a measure
    in money), with its interval; every figure keeps its sign and lies inside its interval."""
    diff, low, high = row["absolute_effect"], row["absolute_effect_lower"], row["absolute_effect_upper"]
    span = f"over {int(row['n_periods'])} months"
    scale = money_scale(measure.get("unit")) if measure.get("kind") in ("amount", "count") else None
    if scale is not None:
        lead = "about" if changed else "the estimated difference is"
        return f"; {lead} {money_change(diff * scale)} {span} ({level} CI {money_range(low * scale, high * scale)})"
    noun = measure["unit"] if measure.get("kind") == "amount" else count_noun(measure["unit"])
    if not changed:
        return f"; the estimated difference is {quantity(diff)} {noun} {span}"
    if measure.get("kind") == "amount":
        text = f"; about {quantity(abs(diff))} {noun} {'less' if diff < 0 else 'more'} than expected {span}"
    else:
        improving = (diff < 0) == (measure.get("improvement_direction") == "decrease")
        word = "averted" if diff < 0 and improving else ("fewer" if diff < 0 else "more")
        text = (
            f"; about {quantity(abs(diff))} {noun} {word} {span}"
            if word == "averted"
            else f"; about {quantity(abs(diff))} {word} {noun} than expected {span}"
        )
    if low <= 0 <= high:  # the interval crosses no change: signed ends, the estimate between them
        return text + f" ({level} CI {quantity(low)} to {quantity(high)})"
    a, b = sorted((abs(low), abs(high)))
    return text + f" ({level} CI {quantity(a)} to {quantity(b)})"


#: Why a measure's chart was chosen, in words (a chart chosen by kind or by the options needs none).
CHART_REASON_WORDS = {
    "overdispersed": "The months vary more than the counts alone explain, so the limits allow for it "
    "(Laney's {chart} chart).",
}
#: Laney's charts as a board reads their names.
_CHART_NAMES = {"up": "u′", "pp": "p′"}


def _side_words(side: str, direction: Any) -> str:
    """'in the direction of improvement' / '... of concern' for a shift high or low, else ''."""
    if direction not in ("increase", "decrease"):
        return ""
    good = (side == "high") == (direction == "increase")
    return f" in the direction of {'improvement' if good else 'concern'}"


def comparison_words(comparison: PhaseComparison, direction: Any = None) -> str:
    """The months since the start against the pre-programme process, e.g. 'since the programme started,
    20 of 24 months were below the pre-programme average and 6 below its lower limit: a shift'."""
    c = comparison
    side = c.shift or ("high" if c.n_above > c.n_below else "low")
    count, beyond = (c.n_above, c.n_above_ucl) if side == "high" else (c.n_below, c.n_below_lcl)
    where, limit = ("above", "upper") if side == "high" else ("below", "lower")
    share = f"all {c.n_points}" if count == c.n_points else f"{count} of {c.n_points}"
    text = (
        f"since the programme started, {share} months were {where} the pre-programme "
        f"average and {beyond or 'none'} {where} its {limit} limit"
    )
    if c.shift:
        return text + (
            f": a shift{_side_words(c.shift, direction)} ({c.shift_length} or more months in a row on one side)"
        )
    return text + ": no shift from the pre-programme process"


def _latest_words(last: Mapping[str, Any], comparison: PhaseComparison | None) -> str:
    """The latest phase's variation, read within its own (recalculated) limits."""
    variation = last["variation_type"]
    if comparison is None:
        return f"over the whole period the chart shows {VARIATION_WORDS.get(variation, variation)}"
    if variation == "common_cause":
        return "within its recalculated limits the process is " + (
            "stable at its new level" if comparison.shift else "stable"
        )
    return f"within its recalculated limits the latest months show {VARIATION_WORDS.get(variation, variation)}"


def spc_sentence(
    measure: Mapping[str, Any],
    summary: pd.DataFrame,
    comparison: PhaseComparison | None = None,
    *,
    chart: str | None = None,
    chart_reason: str | None = None,
    qualifier: str | None = None,
) -> str:
    """The control chart in words: with limits recalculated at the start, the months since it against the
    pre-programme process (``comparison``), then the latest phase within its own limits; the assurance
    against the target; why the chart was chosen (``chart_reason``); the verdict's qualifier, if any."""
    if summary.empty:
        return f"{measure['name']}: no control chart could be drawn."
    last = summary.iloc[-1]
    if not bool(last.get("limits_shown", True)):
        return (
            f"Since the programme started there are too few points ({int(last['n_points'])}) "
            f"for process limits; the chart shows the data only."
        )
    if len(summary) > 1 and comparison is None:
        text = f"Since the programme started the chart shows {VARIATION_WORDS.get(last['variation_type'], '')}"
    else:
        text = _latest_words(last, comparison)
        if comparison is not None:
            text = comparison_words(comparison, measure.get("improvement_direction")) + "; " + text
        text = text[0].upper() + text[1:]
    assurance = ASSURANCE_WORDS.get(last.get("assurance_type"))
    if assurance:
        text += f"; against the target of {in_units(float(last['target']), measure)}, {assurance}"
    text += "."
    reason = CHART_REASON_WORDS.get(chart_reason or "")
    if reason:
        text += " " + reason.format(chart=_CHART_NAMES.get(chart or "", chart or ""))
    if isinstance(qualifier, str) and qualifier:
        text += f" Verdict: {qualifier}."
    return text
