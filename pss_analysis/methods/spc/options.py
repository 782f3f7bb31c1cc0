"""Checking the options of an SPC evaluation, once, before any data are read.

:func:`resolve_options` turns the keyword options of
:func:`~pss_analysis.methods.spc.evaluate_spc` into :class:`Settings`: the
options with every option left at ``None`` taken from the ``preset`` (or from
:data:`DEFAULTS` without one), the chart and rule set they name and the sign of
an improvement. Unknown chart, rule-set, direction, clash-policy or preset
names are errors that list the known names.

:data:`PRESETS` holds every option needed to mimic a reference tool; an option
given explicitly wins over its preset.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from pss_analysis.errors import ParameterError
from pss_analysis.methods.spc.charts import CHARTS, ChartSpec
from pss_analysis.methods.spc.constants import (
    MDC_MIN_POINTS,
    MDC_SHIFT_LENGTH,
    MDC_TREND_LENGTH,
    NHSR_SHIFT_LENGTH,
    NHSR_TREND_LENGTH,
    SCREENED_BY_DEFAULT,
)
from pss_analysis.methods.spc.rules import RULE_SETS, RuleSet
from pss_analysis.vocabulary import improvement_sign

__all__ = ["CONFLICT_POLICIES", "DEFAULTS", "PRESETS", "Settings", "resolve_options", "as_list"]

CONFLICT_POLICIES = {
    "improvement": "a point that is both improvement and concern shows as improvement (MDC Excel tool)",
    "concern": "a point that is both improvement and concern shows as concern",
    "hierarchy": "the highest-precedence rule that flags the point decides (MDC rule-clash note: trend, shift, "
    "two of three, single point); improvement if that rule flags both ways",
    "nhsrplotthedots": "the first rule in the order single point, trend, two of three, shift decides; the point "
    "shared by a falling and a rising trend takes the direction of the next step (NHSRplotthedots >= 0.2)",
    "side_of_mean": "every special-cause point is classified by its side of the centre line, ignoring rule "
    "directions (NHSRplotthedots before 0.2); a point on the line counts as concern",
}
"""Rule-clash policies by name."""

DEFAULTS: dict[str, Any] = {
    "rules": "mdc",
    "screen_outliers": None,  # by chart: SCREENED_BY_DEFAULT
    "shift_length": MDC_SHIFT_LENGTH,
    "trend_length": MDC_TREND_LENGTH,
    "conflict": "improvement",
    "min_points": MDC_MIN_POINTS,
    "rules_across_phases": True,
    "mr_across_gaps": False,
}
"""The options without a preset (Making Data Count's rules; moving ranges screened on the I and T charts only)."""

PRESETS: dict[str, dict[str, Any]] = {
    # NHS England's Making Data Count Single Chart Tool v5 (Excel): "SPC Charts XmR Testing" and its 35 cases
    "mdc_excel": {
        "rules": "mdc",
        "screen_outliers": False,  # the Excel tool takes the mean of every moving range
        "shift_length": MDC_SHIFT_LENGTH,
        "trend_length": MDC_TREND_LENGTH,
        "conflict": "improvement",  # a point both improvement and concern shows as improvement
        "min_points": MDC_MIN_POINTS,  # fewer points: no limits, all common cause
        "rules_across_phases": True,  # runs, trends and two-of-three cross a recalculation
        "mr_across_gaps": False,
    },
    # NHSRplotthedots 0.2.x ptd_spc(): ptd_spc_standard.R, ptd_calculate_point_type.R, ptd_add_short_group_warnings.R
    "nhsrplotthedots": {
        "rules": "mdc",
        "screen_outliers": True,  # ptd_spc(screen_outliers = TRUE)
        "shift_length": NHSR_SHIFT_LENGTH,  # ptd_seven_point_one_side_mean
        "trend_length": NHSR_TREND_LENGTH,  # ptd_seven_point_trend
        "conflict": "nhsrplotthedots",  # case_when order: single point, trend, two in three, shift
        "min_points": 0,  # limits for any number of points; a warning below 13 (trial limits)
        "rules_across_phases": False,  # every rebase group is judged on its own
        "mr_across_gaps": False,  # diff() next to NA is NA
    },
    # qicharts2 0.8.1 qic() after library(qicharts2), whose .onAttach sets options(qic.screenedmr = TRUE)
    "qicharts2": {
        "rules": "anhoej",  # runs.analysis (Anhoej) and points beyond the limits (sigma.signal)
        "screen_outliers": True,  # qic.i, qic.pp, qic.up (and qic.t through qic.i) screen under qic.screenedmr
        "shift_length": MDC_SHIFT_LENGTH,  # not used by the anhoej rules
        "trend_length": MDC_TREND_LENGTH,  # not used by the anhoej rules
        "conflict": "improvement",  # qicharts2 has no improvement direction; only the side of a signal
        "min_points": 0,  # limits for any number of points
        "rules_across_phases": False,  # qic.agg splits by part before runs.analysis
        "mr_across_gaps": False,  # mean(abs(diff(y)), na.rm = TRUE): a range next to NA is dropped
    },
}
"""Every option needed to mimic a reference tool, by preset name (``evaluate_spc(preset=...)``)."""

_FLAGS = ("screen_outliers", "rules_across_phases", "mr_across_gaps")
_PER_SERIES = ("target", "baseline", "recalculate_at", "exclude")  # may be mappings in evaluate_spc_many


@dataclass(frozen=True)
class Settings:
    """Checked options of one evaluation (internal)."""

    options: dict[str, Any]  # every option, screen_outliers resolved; becomes the result's specification
    chart: ChartSpec
    rule_set: RuleSet
    direction: int  # +1 higher is better, -1 lower is better, 0 neither


def resolve_options(options: dict[str, Any], *, per_series: bool) -> Settings:
    """Check every option; ``per_series`` allows mappings of series keys (evaluate_spc_many).

    Options left at ``None`` take the value of the ``preset`` (:data:`PRESETS`), or of :data:`DEFAULTS`.
    """
    preset = DEFAULTS if options.get("preset") is None else _lookup(PRESETS, options["preset"], "preset")
    for name, value in preset.items():
        if options.get(name) is None:
            options[name] = value
    chart = _lookup(CHARTS, options["chart"], "chart")
    rule_set = _lookup(RULE_SETS, options["rules"], "rules")
    direction = improvement_sign(options["improvement_direction"])
    _lookup(CONFLICT_POLICIES, options["conflict"], "conflict")
    _check_int(options["shift_length"], "shift_length", 2)
    _check_int(options["trend_length"], "trend_length", 2)
    _check_int(options["min_points"], "min_points", 0)
    _check_multiply(options["multiply"])
    if options["screen_outliers"] is None:  # the chart's reference behaviour
        options["screen_outliers"] = options["chart"] in SCREENED_BY_DEFAULT
    for flag in _FLAGS:
        _check_flag(options[flag], flag)
    _check_per_series(options, per_series)
    for b in _values_of(options["baseline"]):
        if b is not None:
            _check_int(b, "baseline", 1)
    for t in _values_of(options["target"]):
        _check_target(t)
    return Settings(options, chart, rule_set, direction)


def as_list(value: Any) -> list[Any]:
    """An option that may be one value or several, as a list (``None`` is no values)."""
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return [value]
    return list(value)


def _lookup(registry: Mapping[str, Any], name: Any, what: str) -> Any:
    if not isinstance(name, str) or name not in registry:
        raise ParameterError(f"unknown {what}", key=what, expected="one of " + ", ".join(sorted(registry)), found=name)
    return registry[name]


def _check_int(value: Any, name: str, minimum: int) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ParameterError(
            f"{name} must be a whole number of at least {minimum}",
            key=name,
            expected=f"an integer >= {minimum}",
            found=value,
        )


def _is_finite_number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float, np.number)) and bool(np.isfinite(value))


def _check_multiply(multiply: Any) -> None:
    if not _is_finite_number(multiply) or multiply <= 0:
        raise ParameterError(
            "multiply must be a positive number", key="multiply", expected="a number > 0", found=multiply
        )


def _check_flag(value: Any, flag: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise ParameterError(f"{flag} must be True or False", key=flag, expected="True or False", found=value)


def _check_per_series(options: Mapping[str, Any], per_series: bool) -> None:
    for name in _PER_SERIES:
        if isinstance(options[name], Mapping) and not per_series:
            raise ParameterError(
                f"{name} may be a mapping of series keys only in evaluate_spc_many",
                key=name,
                expected="a single value",
                found=type(options[name]).__name__,
            )


def _values_of(option: Any) -> Iterable[Any]:
    return option.values() if isinstance(option, Mapping) else [option]


def _check_target(target: Any) -> None:
    if target is not None and not _is_finite_number(target):
        raise ParameterError("target must be a finite number", key="target", expected="a number", found=target)
