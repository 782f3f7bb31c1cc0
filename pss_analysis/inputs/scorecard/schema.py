"""The scorecard's shape: sections, fields, the :class:`Scorecard` result and where an entry is.

:data:`FIELDS` lists the input fields of each section (YAML keys, workbook column
headers) with a sentence on each; :data:`COLUMNS` the columns of each
:class:`Scorecard` DataFrame. :class:`_Loc` places an entry (file, sheet or key,
row, line) so that every error names where it is.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel

from pss_analysis.config.params import ItsOptions, SpcOptions
from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.inputs.tables import KINDS, MEASURE_COLUMNS, PERSPECTIVES

__all__ = [
    "TIERS",
    "SECTIONS",
    "REQUIRED_SECTIONS",
    "README_SHEET",
    "SUGGEST_CUTOFF",
    "SIGNS",
    "TEMPLATE",
    "FIELDS",
    "COLUMNS",
    "Scorecard",
    "default_perspectives",
]

#: The three tiers of the Public Sector Scorecard, from results to enablers (Moullin 2017).
TIERS = ("outcomes", "processes", "capability")
#: The sections of a scorecard file (YAML top-level keys, workbook sheets), in order.
SECTIONS = ("perspectives", "objectives", "measures", "links", "risks", "changes")
#: Sections a scorecard must have (the others may be absent or empty).
REQUIRED_SECTIONS = ("objectives", "measures")
#: A workbook sheet with this name (any case) is documentation and is not read.
README_SHEET = "README"
#: Risk ratings: likelihood and impact are scored 1 (lowest) to 5 (highest), as in a 5x5 risk matrix.
RATING_MIN, RATING_MAX = 1, 5
#: difflib ratio above which an id or name is offered as "did you mean" (difflib's own default).
SUGGEST_CUTOFF = 0.6
#: Signs accepted for a link's expected_sign, and what they mean.
SIGNS = {"+": "+", "+1": "+", "1": "+", "-": "-", "-1": "-"}
#: The template workbook shipped with the package (written by :func:`write_template_workbook`).
TEMPLATE = Path(__file__).resolve().parent / "scorecard_template.xlsx"

_EXCEL_SUFFIXES = (".xlsx", ".xlsm")
_YAML_SUFFIXES = (".yaml", ".yml")
_TRUE = ("true", "yes", "y", "1")
_FALSE = ("false", "no", "n", "0")


@dataclass(frozen=True)
class _Field:
    name: str
    kind: str  # id | text | choice | number | int | bool | ids | options | mapping | date | sign
    required: bool
    doc: str
    example: str = ""


#: The input fields of each section (YAML keys of an entry, workbook column headers).
FIELDS: dict[str, tuple[_Field, ...]] = {
    "perspectives": (
        _Field("perspective_id", "id", True, "Identifier of the perspective, used by objectives.", "service_user"),
        _Field(
            "name",
            "text",
            False,
            "Name shown on the strategy map (default for the seven PSS ids: the PSS name; required for other ids).",
            "Service user and stakeholder outcomes",
        ),
        _Field(
            "tier",
            "choice",
            False,
            "outcomes, processes or capability (default for the seven PSS ids: "
            "their PSS tier; required for other ids).",
            "outcomes",
        ),
        _Field("order", "int", False, "Position on the map, 1 = first (default: the row's position).", "1"),
    ),
    "objectives": (
        _Field("objective_id", "id", True, "Identifier of the objective (strategy-map node).", "fewer_admissions"),
        _Field(
            "name", "text", True, "What the objective is, as the board says it.", "Fewer avoidable emergency admissions"
        ),
        _Field("perspective_id", "id", True, "The perspective the objective belongs to.", "strategic"),
        _Field("description", "text", False, "Optional longer description.", ""),
    ),
    "measures": (
        _Field("measure_id", "id", True, "Identifier of the measure, used in the indicator data.", "acs_admissions"),
        _Field("name", "text", True, "Plain-English name.", "Emergency ACS admissions, 65+"),
        _Field(
            "objective_id",
            "id",
            True,
            "The objective the measure is evidence for; the measure's perspective is that objective's.",
            "fewer_admissions",
        ),
        _Field(
            "unit", "text", False, "What the displayed value is measured in.", "admissions per 1,000 people aged 65+"
        ),
        _Field(
            "kind",
            "choice",
            True,
            "How the displayed value is made: " + "; ".join(f"{k} = {v}" for k, v in KINDS.items()) + ".",
            "rate",
        ),
        _Field(
            "numerator",
            "text",
            False,
            "What the numerator counts (text definition).",
            "Emergency admissions of residents aged 65+ for ACS conditions",
        ),
        _Field(
            "denominator",
            "text",
            False,
            "What the denominator counts (text definition; blank for counts and amounts).",
            "Resident population aged 65+",
        ),
        _Field("multiplier", "number", False, "1000 for per 1,000, 100 for percentages; blank = 1.", "1000"),
        _Field("improvement_direction", "choice", True, "increase, decrease or neither.", "decrease"),
        _Field("target", "number", False, "Optional target, on the displayed scale.", "3.3"),
        _Field("unit_cost", "number", False, "Optional money per unit of the numerator.", "2450"),
        _Field(
            "value_group",
            "id",
            False,
            "Optional: measures that value the same activity (e.g. ACS admissions, bed-nights and spend) "
            "share a group id, so value for money counts the activity once.",
            "acs_emergency_care",
        ),
        _Field(
            "value_group_lead",
            "bool",
            False,
            "true for the measure that stands for its value group in value for money (at most one per "
            "group; a measure in money is preferred whatever this says; default: the group's first measure).",
            "true",
        ),
        _Field("data_source", "text", False, "Where the data come from.", "Hospital inpatient extract"),
        _Field("owner", "text", False, "Who is responsible for the measure.", "Urgent care lead"),
        _Field("description", "text", False, "Full definition.", ""),
        _Field(
            "its",
            "options",
            False,
            "Interrupted time series options for this measure (the keys of "
            "analysis.its in the parameter file: " + ", ".join(ItsOptions.model_fields) + "); a workbook cell holds "
            "YAML or JSON text.",
            "{family: negbin}",
        ),
        _Field(
            "spc",
            "options",
            False,
            "SPC chart options for this measure (the keys of analysis.spc in the parameter file: "
            + ", ".join(SpcOptions.model_fields)
            + "); a workbook cell holds YAML or JSON text.",
            "{chart: u}",
        ),
        _Field(
            "indicator",
            "mapping",
            False,
            "Optional record-level indicator definition (a mapping, kept "
            "as written); a workbook cell holds YAML or JSON text.",
            "",
        ),
    ),
    "links": (
        _Field("driver", "id", True, "The objective that drives (contributes to) the outcome.", "timely_discharge"),
        _Field("outcome", "id", True, "The objective it contributes to.", "fewer_admissions"),
        _Field(
            "expected_sign",
            "sign",
            True,
            "+ if progress on the driver is expected to help the outcome, "
            "- if it is expected to work against it (a trade-off). Quote it in YAML: '+' or '-'.",
            "+",
        ),
        _Field("rationale", "text", False, "Why the link is expected.", "Shorter stays free beds"),
    ),
    "risks": (
        _Field("risk_id", "id", True, "Identifier of the risk.", "R1"),
        _Field("description", "text", True, "What could go wrong.", "Home-care capacity lags behind discharges"),
        _Field("likelihood", "int", True, f"{RATING_MIN} (rare) to {RATING_MAX} (almost certain).", "4"),
        _Field("impact", "int", True, f"{RATING_MIN} (negligible) to {RATING_MAX} (severe).", "3"),
        _Field(
            "touches",
            "ids",
            False,
            "Objective or measure ids the risk bears on (comma-separated in a workbook).",
            "timely_discharge, emergency_los",
        ),
        _Field("mitigation", "text", False, "What is done about it.", "Home-care framework re-tendered"),
        _Field("owner", "text", False, "Who owns the risk.", "Director of adult social care"),
    ),
    "changes": (
        _Field("change_id", "id", True, "Identifier of the change.", "C1"),
        _Field(
            "date", "date", True, "When the change took effect: YYYY-MM or YYYY-MM-DD (analysed by month).", "2018-04"
        ),
        _Field("where", "text", False, "Where the change was made (service, site, team).", "Whole system"),
        _Field("what", "text", True, "What was changed.", "Programme starts"),
        _Field(
            "use_as_interruption",
            "bool",
            False,
            "true to test the change as an interruption in the time series (default false).",
            "true",
        ),
    ),
}

#: The columns of each :class:`Scorecard` DataFrame, in order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "perspectives": ("perspective_id", "name", "tier", "order"),
    "objectives": ("objective_id", "name", "perspective_id", "description"),
    "measures": (
        "measure_id",
        "name",
        "objective_id",
        "perspective",
        "unit",
        "kind",
        "numerator",
        "denominator",
        "multiplier",
        "improvement_direction",
        "target",
        "unit_cost",
        "value_group",
        "value_group_lead",
        "data_source",
        "owner",
        "description",
        "its",
        "spc",
        "indicator",
    ),
    "links": ("driver", "outcome", "expected_sign", "rationale"),
    "risks": ("risk_id", "description", "likelihood", "impact", "touches", "mitigation", "owner"),
    "changes": ("change_id", "date", "month", "period", "where", "what", "use_as_interruption"),
}
_DTYPES = {
    "order": "int64",
    "likelihood": "int64",
    "impact": "int64",
    "multiplier": "float64",
    "target": "float64",
    "unit_cost": "float64",
    "use_as_interruption": "bool",
    "value_group_lead": "bool",
    "period": "period[M]",
    "its": object,
    "spc": object,
    "indicator": object,
    "touches": object,
}
_FLOAT_COLUMNS = ("multiplier", "target", "unit_cost")
_ID_FIELD = {
    "perspectives": "perspective_id",
    "objectives": "objective_id",
    "measures": "measure_id",
    "risks": "risk_id",
    "changes": "change_id",
}
_NOUN = {
    "perspectives": "perspective",
    "objectives": "objective",
    "measures": "measure",
    "risks": "risk",
    "changes": "change",
    "links": "link",
}
_OPTION_MODELS: dict[str, type[BaseModel]] = {"its": ItsOptions, "spc": SpcOptions}
_HINTS = {("measures", "perspective"): " (a measure's perspective is its objective's: give objective_id)"}


# --------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------


@dataclass(frozen=True, eq=False, repr=False)
class Scorecard:
    """A validated scorecard: one tidy DataFrame per section (treat them as read-only).

    ``perspectives``: ``perspective_id, name, tier, order`` (sorted by ``order``).
    ``objectives``: ``objective_id, name, perspective_id, description``.
    ``measures``: ``measure_id, name, objective_id, perspective, unit, kind, numerator,
    denominator, multiplier, improvement_direction, target, unit_cost, value_group, value_group_lead,
    data_source, owner, description, its, spc, indicator`` (``value_group`` blank when none,
    ``value_group_lead`` a bool; ``its``/``spc`` dicts of the options set, ``{}`` when
    none; ``indicator`` a dict or None; ``multiplier``/``target``/``unit_cost`` floats).
    ``links``: ``driver, outcome, expected_sign ('+' or '-'), rationale``.
    ``risks``: ``risk_id, description, likelihood, impact (int 1-5), touches (list of ids),
    mitigation, owner``.
    ``changes``: ``change_id, date (text as given, YYYY-MM or YYYY-MM-DD), month (text
    YYYY-MM), period (pandas Period 'M'), where, what, use_as_interruption (bool)``.
    ``warnings``: the warnings found while loading; ``source``: the file it came from.
    """

    perspectives: pd.DataFrame
    objectives: pd.DataFrame
    measures: pd.DataFrame
    links: pd.DataFrame
    risks: pd.DataFrame
    changes: pd.DataFrame
    warnings: tuple[str, ...] = ()
    source: str = ""

    def measures_catalogue(self) -> pd.DataFrame:
        """The measure catalogue with exactly :data:`pss_analysis.inputs.tables.MEASURE_COLUMNS`.

        It equals what :func:`pss_analysis.inputs.tables.load_measures` returns for the same
        measures in a CSV file, so :func:`pss_analysis.inputs.tables.load_indicators` accepts it.
        """
        frame = self.measures.loc[:, list(MEASURE_COLUMNS)].copy().reset_index(drop=True)
        for column in MEASURE_COLUMNS:
            frame[column] = frame[column].astype("float64" if column in _FLOAT_COLUMNS else "str")
        return frame

    def interruptions(self) -> list[pd.Period]:
        """Months of the changes flagged ``use_as_interruption``, sorted, without repeats.

        ``str(p)`` of each gives ``YYYY-MM`` (the form of ``ItsOptions.interruptions``).
        """
        flagged = self.changes.loc[self.changes["use_as_interruption"], "period"]
        return sorted(set(flagged))

    def objective_of(self, measure_id: str) -> str:
        """The objective id of a measure."""
        index = self.measures.set_index("measure_id")["objective_id"]
        if measure_id not in index.index:
            raise ParameterError(
                f"unknown measure id{_did_you_mean(measure_id, index.index)}",
                key="measure_id",
                expected="a measure id of the scorecard",
                found=measure_id,
            )
        return str(index[measure_id])

    def tiers(self) -> dict[str, list[str]]:
        """Perspective ids by tier, in :data:`TIERS` order and each in map ``order``."""
        ordered = self.perspectives.sort_values("order", kind="stable")
        return {tier: list(ordered.loc[ordered["tier"] == tier, "perspective_id"]) for tier in TIERS}

    def equals(self, other: object) -> bool:
        """True if ``other`` is a Scorecard with the same tables and warnings (the source may differ)."""
        if not isinstance(other, Scorecard) or self.warnings != other.warnings:
            return False
        for section in SECTIONS:
            try:
                pd.testing.assert_frame_equal(getattr(self, section), getattr(other, section))
            except AssertionError:
                return False
        return True

    def __repr__(self) -> str:
        counts = ", ".join(f"{len(getattr(self, s))} {s}" for s in SECTIONS)
        return f"Scorecard({self.source!r}: {counts}, {len(self.warnings)} warnings)"


def default_perspectives() -> pd.DataFrame:
    """The seven Public Sector Scorecard perspectives in three tiers.

    They are :data:`pss_analysis.inputs.tables.PERSPECTIVES`, in order.
    """
    rows = [
        {"perspective_id": pid, "name": name, "tier": tier, "order": k}
        for k, (pid, (tier, name)) in enumerate(PERSPECTIVES.items(), start=1)
    ]
    return _frame("perspectives", rows)


def _frame(section: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = COLUMNS[section]
    data = {c: pd.Series([r[c] for r in rows], dtype=_DTYPES.get(c, "str")) for c in columns}
    return pd.DataFrame(data, columns=list(columns))


# --------------------------------------------------------------------------
# Locations and messages
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loc:
    """Where an entry is: file, section (sheet or YAML key), row (and YAML line)."""

    file: str
    section: str
    row: int | None = None
    excel: bool = False
    line: int | None = None

    def text(self, column: str | None = None) -> str:
        where = f"{self.file}, {'sheet' if self.excel else 'key'} '{self.section}'"
        if self.row is not None:
            where += f", row {self.row}"
        if column:
            where += f", {'column' if self.excel else 'field'} '{column}'"
        if self.line is not None:
            where += f" (line {self.line})"
        return where

    def error(
        self, message: str, column: str | None = None, *, expected: Any = None, found: Any = None
    ) -> DataValidationError:
        err = DataValidationError(message, file=self.text(column), expected=expected, found=found)
        # str(err) names everything; the attributes carry the parts separately.
        err.file, err.key, err.row, err.column = self.file, self.section, self.row, column
        return err


def _did_you_mean(name: Any, choices: Iterable[Any]) -> str:
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1, cutoff=SUGGEST_CUTOFF)
    return f"; did you mean '{close[0]}'?" if close else ""


def _one_of(choices: Iterable[str]) -> str:
    return "one of " + ", ".join(choices)


def _ids_expected(noun: str, choices: list[str]) -> str:
    listed = f" ({_one_of(choices)})" if 0 < len(choices) <= 12 else ""
    return f"an {noun} id{listed}" if noun[0] in "aeiou" else f"a {noun} id{listed}"


_Record = tuple[_Loc, dict[str, Any]]
