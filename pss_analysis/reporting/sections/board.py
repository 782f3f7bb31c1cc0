"""The one-page board summary: one row per measure, in the Making Data Count summary style.

Measure, latest value and target in the units of the measure's chart, the SPC variation and
assurance icons in short words (the MDC icon's letter or symbol first: H / L for a special cause
high or low, P / F / ? for assurance), the verdict with the effect against expected and its
interval, and value for money where the measure has a cost. It comes first in the report and fits
one A4 landscape page for up to 20 measures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.evaluation.dashboards import board_table
from pss_analysis.evaluation.study import Study
from pss_analysis.evaluation.value import ValueForMoney
from pss_analysis.evaluation.verdicts import DETERIORATED, IMPROVED, NOT_ENOUGH_DATA, verdict_qualifier
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.formatting import confidence_label, in_units, money_change, number, percent
from pss_analysis.reporting.sections.counts import month_counts, protected

__all__ = ["board_section", "board_words", "board_qualifiers", "VARIATION_SHORT", "ASSURANCE_SHORT"]

#: The MDC variation icon in short words (H / L: the special cause is high or low).
VARIATION_SHORT = {
    "common_cause": "common cause",
    "special_cause_improvement": "improving",
    "special_cause_concern": "concern",
    "special_cause_neither": "special cause",
    "none": "too few points",
}
#: The MDC assurance icon in short words, its letter first.
ASSURANCE_SHORT = {
    "pass": "P: will meet",
    "fail": "F: will miss",
    "hit_or_miss": "?: hit or miss",
}
#: What the value-for-money column says of a costed measure whose change is not claimed.
NO_RELIABLE_CHANGE = "no reliable change"

_SHOWN = ["name", "latest_shown", "target_shown", "variation", "assurance", "verdict", "effect_shown", "value_shown"]


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _variation(row: Mapping[str, Any]) -> str:
    kind = row.get("variation_type")
    if _missing(kind):
        return "no chart"
    words = VARIATION_SHORT.get(str(kind), str(kind).replace("_", " "))
    side = row.get("variation_direction")
    return f"{'H' if side == 'high' else 'L'}: {words}" if side in ("high", "low") else words


def _assurance(row: Mapping[str, Any]) -> str:
    kind = row.get("assurance_type")
    if _missing(kind) or kind == "none":
        return "no target" if _missing(row.get("target")) else ""
    return ASSURANCE_SHORT.get(str(kind), str(kind).replace("_", " "))


def _signed_points(value: float) -> str:
    text = number(value)
    return f"+{text}" if value >= 0 else text.replace("-", "−")


def _effect(row: Mapping[str, Any]) -> str:
    """The whole-period effect against expected with its interval; percentage points for percentages."""
    if row.get("verdict") == NOT_ENOUGH_DATA or _missing(row.get("cumulative_relative")):
        return ""
    rel = percent(row["cumulative_relative"], signed=True)
    if row.get("kind") == "proportion" and not _missing(row.get("effect")):
        low, high = _signed_points(row["effect_lower"]), _signed_points(row["effect_upper"])
        return f"{_signed_points(row['effect'])} pts ({rel}); {low} to {high}"
    low = percent(row["cumulative_relative_lower"], signed=True)
    high = percent(row["cumulative_relative_upper"], signed=True)
    return f"{rel} ({low} to {high})"


def _value(row: Mapping[str, Any]) -> str:
    if _missing(row.get("money")) or row.get("money_unit") != "£":
        return ""
    return money_change(row["money"]) if row.get("verdict") in (IMPROVED, DETERIORATED) else NO_RELIABLE_CHANGE


def _alternative_of(value: ValueForMoney | None) -> dict[str, str]:
    """Measure name -> the name of its value group's figure, for the group's other costed measures."""
    if value is None:
        return {}
    return {alt: fig["name"] for fig in value.figures.to_dict("records") for alt in fig["alternatives"]}


def board_words(
    table: pd.DataFrame, value: ValueForMoney | None = None, qualifiers: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """:func:`~pss_analysis.evaluation.dashboards.board_table` with each shown column in words.

    ``value``: the study's value for money, so that a measure valuing the same activity as its group's
    figure is named as an alternative view rather than counted again; ``qualifiers``: the verdict's
    qualifier by measure id (:func:`board_qualifiers`).
    """
    rows = table.to_dict("records")
    alternative_of, qualifiers = _alternative_of(value), qualifiers or {}
    out = table.assign(
        latest_shown=[in_units(r["latest"], r) for r in rows],
        target_shown=[in_units(r["target"], r) for r in rows],
        variation=[_variation(r) for r in rows],
        assurance=[_assurance(r) for r in rows],
        effect_shown=[_effect(r) for r in rows],
        value_shown=[
            f"alternative view of {alternative_of[r['name']]}" if r["name"] in alternative_of else _value(r)
            for r in rows
        ],
    )
    out["verdict"] = [qualifiers.get(r["measure_id"]) or r["verdict"] for r in rows]
    return out[[c for c in out.columns if c not in _SHOWN] + _SHOWN]


def _is_false(value: Any) -> bool:
    """True for False (Python or numpy), not for a missing value."""
    return isinstance(value, bool | np.bool_) and not value


def board_qualifiers(evidence: pd.DataFrame) -> dict[str, str]:
    """The verdicts the board summary qualifies, by measure id, worded short enough for one page: the
    control chart's qualifier in full, and "not robust" without its reasons (the measure's section gives them)."""
    out = {}
    for row in evidence.to_dict("records"):
        text = verdict_qualifier(row["verdict"], row.get("variation_type"), row.get("assurance_type"))
        if _is_false(row.get("robust")):
            text = f"{text}; not robust" if text else f"{row['verdict']}, not robust"
        if text:
            out[row["measure_id"]] = text
    return out


def board_section(rep: Report, study: Study) -> None:
    """The one-page board summary table: every measure, its latest value, SPC icons, verdict and money."""
    qualifiers = board_qualifiers(study.evidence)
    table = board_words(
        board_table(study.measures, study.indicators, study.evidence, study.evaluations), study.value, qualifiers
    )
    level = confidence_label(study.analysis.alpha)
    protect = protected(
        table, month_counts(study.indicators, study.measures), "latest_period", ("latest", "latest_shown")
    )
    rep.table(
        protect.pop("frame"),
        "board_summary",
        **protect,
        caption=f"Board summary: every measure's latest month, its control chart and the programme's effect "
        f"against expected since the start ({level} CI; percentages in percentage points, other measures as a "
        "relative change; pts: percentage points)",
        columns={
            "name": "measure",
            "latest_shown": "latest",
            "target_shown": "target",
            "effect_shown": f"effect ({level} CI)",
            "value_shown": "value for money",
        },
        hide=[c for c in table.columns if c not in _SHOWN],
        explorable=True,
    )
