"""The scorecard definition: strategy map, measures, links, risks and change log.

A Public Sector Scorecard is defined in one file, YAML (``.yaml``/``.yml``) or an
Excel workbook (``.xlsx``), with six sections::

    perspectives   the perspectives and their tiers (default: the seven PSS perspectives)
    objectives     the strategy-map nodes, each in one perspective
    measures       the measures, each on one objective (the measure catalogue)
    links          driver -> outcome links between objectives, with an expected sign
    risks          risks, rated 1-5 for likelihood and impact, touching objectives or measures
    changes        the service-improvement change log (what changed, where and when)

:func:`load_scorecard` reads either format into the same :class:`Scorecard`: tidy
DataFrames, one per section, plus the warnings found. In YAML each section is a
list of mappings; in a workbook each section is a sheet with one header row and
one row per entry (a sheet named ``README`` is ignored). The fields are the
same, listed in :data:`FIELDS` (with a sentence on each) and explained in the
``README`` sheet of the template workbook (:func:`write_template_workbook`).

YAML example::

    perspectives:                 # optional: absent or empty = the seven PSS perspectives
      - {perspective_id: service_user, name: Service users and carers, tier: outcomes}
      - {perspective_id: operational, name: Service delivery, tier: processes}
      - {perspective_id: people, name: People and partnerships, tier: capability}
    objectives:
      - objective_id: fewer_admissions
        name: Fewer avoidable emergency admissions
        perspective_id: service_user
      - {objective_id: timely_discharge, name: Timely discharge, perspective_id: operational}
    measures:
      - measure_id: acs_admissions
        name: Emergency ACS admissions, 65+
        objective_id: fewer_admissions
        unit: admissions per 1,000 people aged 65+
        kind: rate                        # rate | proportion | mean | count | amount
        numerator: emergency ACS admissions of residents aged 65+
        denominator: resident population aged 65+
        multiplier: 1000
        improvement_direction: decrease   # increase | decrease | neither
        target: 3.3
        its: {family: negbin}             # per-measure ITS options (params.ItsOptions)
        spc: {chart: u}                   # per-measure SPC options (params.SpcOptions)
    links:
      - {driver: timely_discharge, outcome: fewer_admissions, expected_sign: '+',
         rationale: Shorter stays free beds and cut hospital-acquired harm}
    risks:
      - {risk_id: R1, description: Home-care capacity lags behind discharges,
         likelihood: 4, impact: 3, touches: [timely_discharge, acs_admissions]}
    changes:
      - {change_id: C1, date: 2018-04, where: Whole system, what: Programme starts,
         use_as_interruption: true}

``expected_sign`` must be quoted in YAML (``'+'``, ``'-'``): a bare ``-`` starts a
list. In a workbook, list-valued cells (a risk's ``touches``) are comma-separated
ids, and the ``its``, ``spc`` and ``indicator`` cells hold YAML or JSON text
(``{family: negbin}`` or ``{"family": "negbin"}``); ``use_as_interruption`` is
TRUE/FALSE (also yes/no, 1/0).

Every problem is a :class:`~pss_analysis.errors.DataValidationError` whose
message names the file, the sheet (or YAML key), the row (workbook: as Excel
shows it, the header is row 1; YAML: the entry's position in the list, 1-based,
and its line) and the column, says what was expected and what was found, and
suggests the nearest valid id or name. The error's ``file``, ``key`` (the
section), ``row`` and ``column`` attributes hold the same context. Checks that
do not stop the load (an outcome objective no driver reaches, an objective
without a measure) are issued as :class:`~pss_analysis.errors.PssWarning` and
kept in :attr:`Scorecard.warnings`.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import json
import math
import warnings
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import BaseModel, ValidationError

from pss_analysis.inputs.tables import DIRECTIONS, KINDS, MEASURE_COLUMNS, PERSPECTIVES
from pss_analysis.errors import DataValidationError, ParameterError, PssWarning
from pss_analysis.config.loading import describe_error as _describe
from pss_analysis.config.params import ItsOptions, SpcOptions
from pss_analysis.config.yamlfile import YamlLoader as _Loader

__all__ = [
    "Scorecard",
    "load_scorecard",
    "scorecard_from_dict",
    "write_workbook",
    "write_template_workbook",
    "default_perspectives",
    "TIERS",
    "SECTIONS",
    "FIELDS",
    "COLUMNS",
    "TEMPLATE",
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
        _Field("name", "text", False, "Name shown on the strategy map (default for the seven PSS ids: "
               "the PSS name; required for other ids).", "Service user and stakeholder outcomes"),
        _Field("tier", "choice", False, "outcomes, processes or capability (default for the seven PSS ids: "
               "their PSS tier; required for other ids).", "outcomes"),
        _Field("order", "int", False, "Position on the map, 1 = first (default: the row's position).", "1"),
    ),
    "objectives": (
        _Field("objective_id", "id", True, "Identifier of the objective (strategy-map node).", "fewer_admissions"),
        _Field("name", "text", True, "What the objective is, as the board says it.",
               "Fewer avoidable emergency admissions"),
        _Field("perspective_id", "id", True, "The perspective the objective belongs to.", "strategic"),
        _Field("description", "text", False, "Optional longer description.", ""),
    ),
    "measures": (
        _Field("measure_id", "id", True, "Identifier of the measure, used in the indicator data.", "acs_admissions"),
        _Field("name", "text", True, "Plain-English name.", "Emergency ACS admissions, 65+"),
        _Field("objective_id", "id", True, "The objective the measure is evidence for; the measure's "
               "perspective is that objective's.", "fewer_admissions"),
        _Field("unit", "text", False, "What the displayed value is measured in.",
               "admissions per 1,000 people aged 65+"),
        _Field("kind", "choice", True, "How the displayed value is made: " + "; ".join(
            f"{k} = {v}" for k, v in KINDS.items()) + ".", "rate"),
        _Field("numerator", "text", False, "What the numerator counts (text definition).",
               "Emergency admissions of residents aged 65+ for ACS conditions"),
        _Field("denominator", "text", False, "What the denominator counts (text definition; blank for "
               "counts and amounts).", "Resident population aged 65+"),
        _Field("multiplier", "number", False, "1000 for per 1,000, 100 for percentages; blank = 1.", "1000"),
        _Field("improvement_direction", "choice", True, "increase, decrease or neither.", "decrease"),
        _Field("target", "number", False, "Optional target, on the displayed scale.", "3.3"),
        _Field("unit_cost", "number", False, "Optional money per unit of the numerator.", "2450"),
        _Field("data_source", "text", False, "Where the data come from.", "Hospital inpatient extract"),
        _Field("owner", "text", False, "Who is responsible for the measure.", "Urgent care lead"),
        _Field("description", "text", False, "Full definition.", ""),
        _Field("its", "options", False, "Interrupted time series options for this measure (keys of "
               "params.ItsOptions: " + ", ".join(ItsOptions.model_fields) + "); a workbook cell holds "
               "YAML or JSON text.", "{family: negbin}"),
        _Field("spc", "options", False, "SPC chart options for this measure (keys of params.SpcOptions: "
               + ", ".join(SpcOptions.model_fields) + "); a workbook cell holds YAML or JSON text.",
               "{chart: u}"),
        _Field("indicator", "mapping", False, "Optional record-level indicator definition (a mapping, kept "
               "as written); a workbook cell holds YAML or JSON text.", ""),
    ),
    "links": (
        _Field("driver", "id", True, "The objective that drives (contributes to) the outcome.", "timely_discharge"),
        _Field("outcome", "id", True, "The objective it contributes to.", "fewer_admissions"),
        _Field("expected_sign", "sign", True, "+ if progress on the driver is expected to help the outcome, "
               "- if it is expected to work against it (a trade-off). Quote it in YAML: '+' or '-'.", "+"),
        _Field("rationale", "text", False, "Why the link is expected.", "Shorter stays free beds"),
    ),
    "risks": (
        _Field("risk_id", "id", True, "Identifier of the risk.", "R1"),
        _Field("description", "text", True, "What could go wrong.", "Home-care capacity lags behind discharges"),
        _Field("likelihood", "int", True, f"{RATING_MIN} (rare) to {RATING_MAX} (almost certain).", "4"),
        _Field("impact", "int", True, f"{RATING_MIN} (negligible) to {RATING_MAX} (severe).", "3"),
        _Field("touches", "ids", False, "Objective or measure ids the risk bears on (comma-separated in a "
               "workbook).", "timely_discharge, emergency_los"),
        _Field("mitigation", "text", False, "What is done about it.", "Home-care framework re-tendered"),
        _Field("owner", "text", False, "Who owns the risk.", "Director of adult social care"),
    ),
    "changes": (
        _Field("change_id", "id", True, "Identifier of the change.", "C1"),
        _Field("date", "date", True, "When the change took effect: YYYY-MM or YYYY-MM-DD (analysed by month).",
               "2018-04"),
        _Field("where", "text", False, "Where the change was made (service, site, team).", "Whole system"),
        _Field("what", "text", True, "What was changed.", "Programme starts"),
        _Field("use_as_interruption", "bool", False, "true to test the change as an interruption in the "
               "time series (default false).", "true"),
    ),
}

#: The columns of each :class:`Scorecard` DataFrame, in order.
COLUMNS: dict[str, tuple[str, ...]] = {
    "perspectives": ("perspective_id", "name", "tier", "order"),
    "objectives": ("objective_id", "name", "perspective_id", "description"),
    "measures": ("measure_id", "name", "objective_id", "perspective", "unit", "kind", "numerator",
                 "denominator", "multiplier", "improvement_direction", "target", "unit_cost", "data_source",
                 "owner", "description", "its", "spc", "indicator"),
    "links": ("driver", "outcome", "expected_sign", "rationale"),
    "risks": ("risk_id", "description", "likelihood", "impact", "touches", "mitigation", "owner"),
    "changes": ("change_id", "date", "month", "period", "where", "what", "use_as_interruption"),
}
_DTYPES = {
    "order": "int64", "likelihood": "int64", "impact": "int64",
    "multiplier": "float64", "target": "float64", "unit_cost": "float64",
    "use_as_interruption": "bool", "period": "period[M]",
    "its": object, "spc": object, "indicator": object, "touches": object,
}
_FLOAT_COLUMNS = ("multiplier", "target", "unit_cost")
_ID_FIELD = {"perspectives": "perspective_id", "objectives": "objective_id", "measures": "measure_id",
             "risks": "risk_id", "changes": "change_id"}
_NOUN = {"perspectives": "perspective", "objectives": "objective", "measures": "measure",
         "risks": "risk", "changes": "change", "links": "link"}
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
    denominator, multiplier, improvement_direction, target, unit_cost, data_source, owner,
    description, its, spc, indicator`` (``its``/``spc`` dicts of the options set, ``{}`` when
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
            raise ParameterError(f"unknown measure id{_did_you_mean(measure_id, index.index)}",
                                 key="measure_id", expected="a measure id of the scorecard", found=measure_id)
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
    """The seven Public Sector Scorecard perspectives in three tiers (:data:`pss_analysis.inputs.tables.PERSPECTIVES`)."""
    rows = [{"perspective_id": pid, "name": name, "tier": tier, "order": k}
            for k, (pid, (tier, name)) in enumerate(PERSPECTIVES.items(), start=1)]
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

    def error(self, message: str, column: str | None = None, *, expected: Any = None,
              found: Any = None) -> DataValidationError:
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


# --------------------------------------------------------------------------
# Reading: YAML and workbook -> records (location, raw values)
# --------------------------------------------------------------------------

_Record = tuple[_Loc, dict[str, Any]]


def load_scorecard(path: str | Path) -> Scorecard:
    """Read and validate a scorecard from YAML (``.yaml``/``.yml``) or a workbook (``.xlsx``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _YAML_SUFFIXES + _EXCEL_SUFFIXES:
        raise DataValidationError("unsupported scorecard file type", file=str(path),
                                  expected="a .yaml, .yml or .xlsx file", found=path.suffix or path.name)
    if not path.is_file():
        raise DataValidationError("scorecard file not found", file=str(path))
    if suffix in _YAML_SUFFIXES:
        raw, lines = _read_yaml(path)
        records = _records_from_mapping(raw, str(path), lines)
    else:
        records = _records_from_workbook(path)
    return _build(records, str(path), excel=suffix in _EXCEL_SUFFIXES)


def scorecard_from_dict(raw: Mapping[str, Any], *, source: str = "<scorecard>") -> Scorecard:
    """Validate a scorecard given as a mapping shaped like the YAML file."""
    return _build(_records_from_mapping(raw, source, {}), source, excel=False)


def _read_yaml(path: Path) -> tuple[Any, dict[str, list[int]]]:
    """The YAML document and, for each top-level list, the line of each entry."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DataValidationError("the file is not UTF-8 text", file=str(path)) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        raw = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "it is not valid YAML"
        hint = " (quote a sign: expected_sign: '-')" if "sequence entries" in problem else ""
        raise DataValidationError(f"cannot read the YAML{where}: {problem}{hint}", file=str(path)) from None
    finally:
        loader.dispose()
    lines: dict[str, list[int]] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(value_node, yaml.SequenceNode):
                lines[str(key_node.value)] = [item.start_mark.line + 1 for item in value_node.value]
    return raw, lines


def _records_from_mapping(raw: Any, file: str, lines: dict[str, list[int]]) -> dict[str, list[_Record]]:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise DataValidationError("expected a mapping of sections (objectives:, measures:, ...) at the top level",
                                  file=file, found=type(raw).__name__)
    for key in raw:
        if key not in SECTIONS:
            raise _Loc(file, str(key)).error(f"unknown key{_did_you_mean(key, SECTIONS)}",
                                             expected=_one_of(SECTIONS))
    records: dict[str, list[_Record]] = {}
    for section in SECTIONS:
        if section not in raw:
            continue
        entries = raw[section]
        if entries is None:
            entries = []
        if not isinstance(entries, list):
            raise _Loc(file, section).error(f"expected a list of {section} (one '- {_ID_FIELD.get(section, 'driver')}:"
                                            " ...' entry each)", found=type(entries).__name__)
        known = [f.name for f in FIELDS[section]]
        entry_lines = lines.get(section, [])
        if len(entry_lines) != len(entries):  # no YAML source (a dict given in code)
            entry_lines = [None] * len(entries)
        out = []
        for k, (entry, line) in enumerate(zip(entries, entry_lines, strict=True)):
            loc = _Loc(file, section, k + 1, False, line)
            if not isinstance(entry, Mapping):
                raise loc.error("expected a mapping of fields", expected=", ".join(known),
                                found=entry if not isinstance(entry, list) else "a list")
            for name in entry:
                if name not in known:
                    hint = _HINTS.get((section, str(name)), "")
                    raise loc.error(f"unknown field{hint}{_did_you_mean(name, known)}", str(name),
                                    expected=_one_of(known))
            out.append((loc, dict(entry)))
        records[section] = out
    return records


def _records_from_workbook(path: Path) -> dict[str, list[_Record]]:
    import openpyxl  # only needed for workbooks

    file = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean "not a readable workbook"
        raise DataValidationError(f"cannot read the workbook ({type(exc).__name__}: {exc})", file=file,
                                  expected="an Excel .xlsx workbook") from None
    try:
        sheets: dict[str, str] = {}
        for name in book.sheetnames:
            key = name.strip().lower()
            if key == README_SHEET.lower():
                continue
            if key not in SECTIONS:
                raise _Loc(file, name, excel=True).error(
                    f"unknown sheet{_did_you_mean(key, SECTIONS)}",
                    expected=_one_of(SECTIONS) + f" (or {README_SHEET})")
            if key in sheets:
                raise _Loc(file, name, excel=True).error(f"a second sheet for '{key}'", found=name)
            sheets[key] = name
        records: dict[str, list[_Record]] = {}
        for section, name in sheets.items():
            records[section] = _sheet_records(book[name], file, name, section)
        return records
    finally:
        book.close()


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_records(sheet: Any, file: str, name: str, section: str) -> list[_Record]:
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None or all(_blank(v) for v in header_row):
        return []
    known = [f.name for f in FIELDS[section]]
    header: list[str | None] = []
    for k, cell in enumerate(header_row):
        column = None if _blank(cell) else str(cell).strip().lower()
        if column is not None and column not in known:
            hint = _HINTS.get((section, column), "")
            raise _Loc(file, name, 1, True).error(f"unknown column{hint}{_did_you_mean(column, known)}", column,
                                                  expected=_one_of(known))
        if column is not None and column in header:
            raise _Loc(file, name, 1, True).error("the column appears twice", column)
        header.append(column)
    missing = [f.name for f in FIELDS[section] if f.required and f.name not in header]
    out: list[_Record] = []
    for number, values in enumerate(rows, start=2):
        if all(_blank(v) for v in values):
            continue
        loc = _Loc(file, name, number, True)
        if missing:
            raise _Loc(file, name, 1, True).error("missing column" + ("s" if len(missing) > 1 else ""),
                                                  ", ".join(missing), expected=", ".join(known),
                                                  found=", ".join(c for c in header if c))
        entry = {}
        for column, value in zip(header, values, strict=False):
            if column is None:
                if not _blank(value):
                    raise loc.error("a value in a column without a header", found=value)
                continue
            entry[column] = value
        out.append((loc, entry))
    return out


# --------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------


def _text(loc: _Loc, column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    raise loc.error("wrong type", column, expected="text", found=value)


def _required(loc: _Loc, column: str, text: str, expected: str) -> str:
    if not text:
        raise loc.error("a value is required", column, expected=expected, found="")
    return text


def _id(loc: _Loc, column: str, value: Any, *, required: bool) -> str:
    text = _text(loc, column, value)
    if required:
        _required(loc, column, text, "an id")
    if "," in text:
        raise loc.error("an id cannot contain a comma (commas separate ids in lists)", column, found=text)
    return text


def _choice(loc: _Loc, column: str, value: Any, choices: Iterable[str], *, required: bool) -> str:
    choices = list(choices)
    text = _text(loc, column, value)
    if not text and not required:
        return ""
    if text not in choices:
        message = "a value is required" if not text else f"unknown value{_did_you_mean(text, choices)}"
        raise loc.error(message, column, expected=_one_of(choices), found=text)
    return text


def _number(loc: _Loc, column: str, value: Any) -> float:
    if isinstance(value, bool):
        raise loc.error("not a number", column, expected="a number", found=value)
    if isinstance(value, (int, float)):
        return float(value)
    text = _text(loc, column, value)
    if not text:
        return math.nan
    try:
        number = float(text.replace(",", ""))
    except ValueError:
        raise loc.error("not a number", column, expected="a number", found=text) from None
    if math.isinf(number):
        raise loc.error("not a finite number", column, expected="a number", found=text)
    return number


def _integer(loc: _Loc, column: str, value: Any, *, low: int | None = None, high: int | None = None,
             required: bool) -> int | None:
    number = _number(loc, column, value)
    if math.isnan(number):
        if required:
            raise loc.error("a value is required", column, expected="a whole number", found="")
        return None
    if not number.is_integer():
        raise loc.error("not a whole number", column, expected="a whole number", found=value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise loc.error("value out of range", column, expected=f"a whole number from {low} to {high}",
                        found=int(number))
    return int(number)


def _bool(loc: _Loc, column: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = _text(loc, column, value).lower()
    if not text or text in _FALSE:
        return False
    if text in _TRUE:
        return True
    raise loc.error("not true or false", column, expected="true or false", found=value)


def _ids(loc: _Loc, column: str, value: Any) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else _text(loc, column, value).split(",")
    out = []
    for item in items:
        if isinstance(item, (list, dict)):
            raise loc.error("wrong type", column, expected="a list of ids", found=item)
        text = _text(loc, column, item)
        if "," in text:
            out.extend(t.strip() for t in text.split(",") if t.strip())
        elif text:
            out.append(text)
    return list(dict.fromkeys(out))


def _mapping(loc: _Loc, column: str, value: Any) -> dict[str, Any] | None:
    if _blank(value):
        return None
    if isinstance(value, str):  # a workbook cell: YAML or JSON text
        try:
            value = yaml.load(value, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise loc.error(f"cannot read the YAML/JSON text: {problem}", column,
                            expected="a mapping such as {family: negbin}", found=value) from None
        if value is None:
            return None
    if not isinstance(value, Mapping):
        raise loc.error("wrong type", column, expected="a mapping of keys to values (e.g. {key: value})",
                        found=value)
    return dict(value)


def _options(loc: _Loc, column: str, value: Any, measure_id: str) -> dict[str, Any]:
    raw = _mapping(loc, column, value)
    if not raw:
        return {}
    model = _OPTION_MODELS[column]
    try:
        options = model.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        key = ".".join([column, *(str(p) for p in first["loc"] if not isinstance(p, int))])
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
        if first["type"] == "extra_forbidden":
            valid = [f"{column}.{name}" for name in model.model_fields]
            raise loc.error(f"measure '{measure_id}': unknown key '{key}'{_did_you_mean(key, valid)}{more}",
                            column, expected=_one_of(valid)) from None
        message, expected, found = _describe(first)
        raise loc.error(f"measure '{measure_id}', key '{key}': {message}{more}", column,
                        expected=expected, found=found) from None
    return options.model_dump(mode="json", exclude_unset=True)


def _month(loc: _Loc, column: str, value: Any) -> tuple[str, pd.Period]:
    if isinstance(value, (_dt.date, _dt.datetime)):
        day = value.date() if isinstance(value, _dt.datetime) else value
        return day.isoformat(), pd.Period(day, freq="M")
    text = _required(loc, column, _text(loc, column, value), "a date as YYYY-MM or YYYY-MM-DD")
    for fmt, width in (("%Y-%m-%d", "day"), ("%Y-%m", "month")):
        try:
            parsed = _dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        given = parsed.date().isoformat() if width == "day" else f"{parsed.year:04d}-{parsed.month:02d}"
        return given, pd.Period(parsed, freq="M")
    raise loc.error("unparseable date", column, expected="a date as YYYY-MM or YYYY-MM-DD", found=text)


def _sign(loc: _Loc, column: str, value: Any) -> str:
    text = _text(loc, column, value)
    if text not in SIGNS:
        message = "a value is required" if not text else "unknown sign"
        raise loc.error(message, column, expected="+ or - (quoted in YAML: '+', '-')", found=text)
    return SIGNS[text]


# --------------------------------------------------------------------------
# Validation: records -> Scorecard
# --------------------------------------------------------------------------


def _unique(records: list[tuple[_Loc, dict[str, Any]]], section: str) -> None:
    id_field = _ID_FIELD[section]
    seen: dict[str, _Loc] = {}
    for loc, row in records:
        value = row[id_field]
        if value in seen:
            first = seen[value].row
            raise loc.error(f"duplicated {_NOUN[section]} id '{value}' (first at row {first})", id_field,
                            expected="unique ids", found=value)
        seen[value] = loc


def _check_ref(loc: _Loc, column: str, value: str, known: list[str], noun: str) -> None:
    if value not in known:
        raise loc.error(f"unknown {noun} '{value}'{_did_you_mean(value, known)}", column,
                        expected=_ids_expected(noun, known), found=value)


def _perspectives(records: list[_Record]) -> list[tuple[_Loc, dict[str, Any]]]:
    out = []
    for position, (loc, raw) in enumerate(records, start=1):
        pid = _id(loc, "perspective_id", raw.get("perspective_id"), required=True)
        default_tier, default_name = PERSPECTIVES.get(pid, ("", ""))
        name = _text(loc, "name", raw.get("name")) or default_name
        _required(loc, "name", name, "a name (required for a perspective that is not one of the seven PSS ids)")
        tier = _choice(loc, "tier", raw.get("tier"), TIERS, required=not default_tier) or default_tier
        order = _integer(loc, "order", raw.get("order"), required=False)
        out.append((loc, {"perspective_id": pid, "name": name, "tier": tier,
                          "order": position if order is None else order}))
    return out


def _build(records: dict[str, list[_Record]], file: str, *, excel: bool) -> Scorecard:
    for section in REQUIRED_SECTIONS:
        if section not in records:
            what = "sheet" if excel else "key"
            raise DataValidationError(f"missing {what} '{section}'", file=file,
                                      expected=f"the {what}s " + ", ".join(REQUIRED_SECTIONS) + " at least")

    # ---- perspectives --------------------------------------------------
    persp = _perspectives(records.get("perspectives", []))
    if persp:
        _unique(persp, "perspectives")
        perspectives = _frame("perspectives", [r for _, r in persp])
        perspectives = perspectives.sort_values("order", kind="stable").reset_index(drop=True)
    else:
        perspectives = default_perspectives()
    perspective_ids = list(perspectives["perspective_id"])
    tier_of = dict(zip(perspectives["perspective_id"], perspectives["tier"], strict=True))

    # ---- objectives ----------------------------------------------------
    objs = []
    for loc, raw in records["objectives"]:
        row = {
            "objective_id": _id(loc, "objective_id", raw.get("objective_id"), required=True),
            "name": _required(loc, "name", _text(loc, "name", raw.get("name")), "a name"),
            "perspective_id": _id(loc, "perspective_id", raw.get("perspective_id"), required=True),
            "description": _text(loc, "description", raw.get("description")),
        }
        objs.append((loc, row))
    _unique(objs, "objectives")
    for loc, row in objs:
        _check_ref(loc, "perspective_id", row["perspective_id"], perspective_ids, "perspective")
    objective_ids = [r["objective_id"] for _, r in objs]
    perspective_of = {r["objective_id"]: r["perspective_id"] for _, r in objs}

    # ---- measures ------------------------------------------------------
    meas = []
    for loc, raw in records["measures"]:
        mid = _id(loc, "measure_id", raw.get("measure_id"), required=True)
        objective = _text(loc, "objective_id", raw.get("objective_id"))
        if not objective:
            raise loc.error(f"measure '{mid}' is not on an objective: every measure must be mapped to one",
                            "objective_id", expected=_ids_expected("objective", objective_ids), found="")
        _check_ref(loc, "objective_id", objective, objective_ids, "objective")
        multiplier = _number(loc, "multiplier", raw.get("multiplier"))
        if not math.isnan(multiplier) and multiplier <= 0:
            raise loc.error("the multiplier must be positive", "multiplier", expected="a number above 0",
                            found=raw.get("multiplier"))
        row = {
            "measure_id": mid,
            "name": _required(loc, "name", _text(loc, "name", raw.get("name")), "a name"),
            "objective_id": objective,
            "perspective": perspective_of[objective],
            "unit": _text(loc, "unit", raw.get("unit")),
            "kind": _choice(loc, "kind", raw.get("kind"), KINDS, required=True),
            "numerator": _text(loc, "numerator", raw.get("numerator")),
            "denominator": _text(loc, "denominator", raw.get("denominator")),
            "multiplier": 1.0 if math.isnan(multiplier) else multiplier,
            "improvement_direction": _choice(loc, "improvement_direction", raw.get("improvement_direction"),
                                             DIRECTIONS, required=True),
            "target": _number(loc, "target", raw.get("target")),
            "unit_cost": _number(loc, "unit_cost", raw.get("unit_cost")),
            "data_source": _text(loc, "data_source", raw.get("data_source")),
            "owner": _text(loc, "owner", raw.get("owner")),
            "description": _text(loc, "description", raw.get("description")),
            "its": _options(loc, "its", raw.get("its"), mid),
            "spc": _options(loc, "spc", raw.get("spc"), mid),
            "indicator": _mapping(loc, "indicator", raw.get("indicator")),
        }
        meas.append((loc, row))
    _unique(meas, "measures")
    measure_ids = [r["measure_id"] for _, r in meas]
    for loc, row in meas:
        if row["measure_id"] in perspective_of:
            raise loc.error(f"the id '{row['measure_id']}' is used for both an objective and a measure "
                            "(risks refer to either by id)", "measure_id", expected="ids unique across "
                            "objectives and measures", found=row["measure_id"])

    # ---- links ---------------------------------------------------------
    links = []
    seen_links: dict[tuple[str, str], _Loc] = {}
    for loc, raw in records.get("links", []):
        row = {
            "driver": _id(loc, "driver", raw.get("driver"), required=True),
            "outcome": _id(loc, "outcome", raw.get("outcome"), required=True),
            "expected_sign": _sign(loc, "expected_sign", raw.get("expected_sign")),
            "rationale": _text(loc, "rationale", raw.get("rationale")),
        }
        for column in ("driver", "outcome"):
            _check_ref(loc, column, row[column], objective_ids, "objective")
        pair = (row["driver"], row["outcome"])
        if pair in seen_links:
            raise loc.error(f"duplicated link {pair[0]} -> {pair[1]} (first at row {seen_links[pair].row})",
                            "outcome", expected="each driver -> outcome pair once", found=f"{pair[0]} -> {pair[1]}")
        seen_links[pair] = loc
        links.append((loc, row))
    cycle = _find_cycle([(r["driver"], r["outcome"], loc) for loc, r in links])
    if cycle is not None:
        path, loc = cycle
        raise loc.error("the links form a cycle: " + " -> ".join(path) + "; a strategy map runs from drivers "
                        "to outcomes, so remove or reverse one of these links", "outcome")

    # ---- risks ---------------------------------------------------------
    risks = []
    touchable = objective_ids + measure_ids
    for loc, raw in records.get("risks", []):
        row = {
            "risk_id": _id(loc, "risk_id", raw.get("risk_id"), required=True),
            "description": _required(loc, "description", _text(loc, "description", raw.get("description")),
                                     "a description"),
            "likelihood": _integer(loc, "likelihood", raw.get("likelihood"), low=RATING_MIN, high=RATING_MAX,
                                   required=True),
            "impact": _integer(loc, "impact", raw.get("impact"), low=RATING_MIN, high=RATING_MAX, required=True),
            "touches": _ids(loc, "touches", raw.get("touches")),
            "mitigation": _text(loc, "mitigation", raw.get("mitigation")),
            "owner": _text(loc, "owner", raw.get("owner")),
        }
        for item in row["touches"]:
            if item not in touchable:
                raise loc.error(f"unknown objective or measure '{item}'{_did_you_mean(item, touchable)}",
                                "touches", expected="objective or measure ids", found=item)
        risks.append((loc, row))
    _unique(risks, "risks")

    # ---- changes -------------------------------------------------------
    changes = []
    for loc, raw in records.get("changes", []):
        date, period = _month(loc, "date", raw.get("date"))
        row = {
            "change_id": _id(loc, "change_id", raw.get("change_id"), required=True),
            "date": date,
            "month": str(period),
            "period": period,
            "where": _text(loc, "where", raw.get("where")),
            "what": _required(loc, "what", _text(loc, "what", raw.get("what")), "what was changed"),
            "use_as_interruption": _bool(loc, "use_as_interruption", raw.get("use_as_interruption")),
        }
        changes.append((loc, row))
    _unique(changes, "changes")

    # ---- warnings ------------------------------------------------------
    found = _warnings([r for _, r in objs], [r for _, r in meas], [r for _, r in links], tier_of)
    for message in found:
        warnings.warn(f"{file}: {message}", PssWarning, stacklevel=3)

    return Scorecard(
        perspectives=perspectives,
        objectives=_frame("objectives", [r for _, r in objs]),
        measures=_frame("measures", [r for _, r in meas]),
        links=_frame("links", [r for _, r in links]),
        risks=_frame("risks", [r for _, r in risks]),
        changes=_frame("changes", [r for _, r in changes]),
        warnings=tuple(found),
        source=file,
    )


def _find_cycle(edges: list[tuple[str, str, _Loc]]) -> tuple[list[str], _Loc] | None:
    """The first cycle met by a depth-first walk (nodes in link order), and the link that closes it."""
    graph: dict[str, list[tuple[str, _Loc]]] = defaultdict(list)
    for driver, outcome, loc in edges:
        graph[driver].append((outcome, loc))
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in list(graph):
        if state.get(start):
            continue
        path = [start]
        stack = [iter(graph[start])]
        state[start] = 1
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            node, loc = step
            if state.get(node) == 1:
                return path[path.index(node):] + [node], loc
            if not state.get(node):
                state[node] = 1
                path.append(node)
                stack.append(iter(graph[node]))
    return None


def _warnings(objectives: list[dict[str, Any]], measures: list[dict[str, Any]], links: list[dict[str, Any]],
              tier_of: dict[str, str]) -> list[str]:
    tier = {o["objective_id"]: tier_of[o["perspective_id"]] for o in objectives}
    graph: dict[str, list[str]] = defaultdict(list)
    for link in links:
        graph[link["driver"]].append(link["outcome"])
    reached: set[str] = set()
    todo = [o for o, t in tier.items() if t != "outcomes"]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    out = []
    for objective, t in tier.items():
        if t == "outcomes" and objective not in reached:
            out.append(f"outcome objective '{objective}' is not reached along the links from any process or "
                       "capability objective: add a link from what drives it")
    measured = {m["objective_id"] for m in measures}
    for objective in tier:
        if objective not in measured:
            out.append(f"objective '{objective}' has no measure")
    return out


# --------------------------------------------------------------------------
# Writing workbooks
# --------------------------------------------------------------------------


def _cell(value: Any) -> Any:
    """A DataFrame value as a workbook cell (None = blank)."""
    if value is None:
        return None
    if isinstance(value, pd.Period):
        return str(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False) if value else None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) if value else None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value


def _write_rows(sheet: Any, header: list[str], rows: Iterable[list[Any]], widths: dict[str, int]) -> None:
    from openpyxl.styles import Alignment, Font

    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text stays text, even if it starts with '='
                cell.alignment = Alignment(vertical="top", wrap_text=len(cell.value) > 60)
    for k, name in enumerate(header):
        letter = sheet.cell(row=1, column=k + 1).column_letter
        sheet.column_dimensions[letter].width = widths.get(name, max(12, len(name) + 2))
    sheet.freeze_panes = "A2"


_WIDTHS = {"name": 40, "description": 60, "rationale": 50, "what": 50, "where": 24, "mitigation": 40,
           "numerator": 40, "denominator": 40, "unit": 28, "data_source": 28, "owner": 24, "touches": 30,
           "its": 28, "spc": 20, "indicator": 30, "meaning": 90, "example": 36, "column": 22, "sheet": 14}


def write_workbook(scorecard: Scorecard, path: str | Path, *, readme: bool = False) -> Path:
    """Write the scorecard as a workbook with the six sheets (plus a ``README`` sheet if asked).

    :func:`load_scorecard` reads it back into an equal :class:`Scorecard`. Text cells stay
    text; ``its``/``spc``/``indicator`` are written as JSON, lists comma-separated.
    """
    import openpyxl

    path = Path(path)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for section in SECTIONS:
        frame: pd.DataFrame = getattr(scorecard, section)
        header = [f.name for f in FIELDS[section]]
        rows = ([_cell(r[c]) for c in header] for r in frame.to_dict("records"))
        _write_rows(book.create_sheet(section), header, rows, _WIDTHS)
    if readme:
        _write_readme(book.create_sheet(README_SHEET, 0))
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _write_readme(sheet: Any) -> None:
    rows: list[list[Any]] = [
        ["(all)", "", "", "A Public Sector Scorecard definition for pss-analysis: one sheet per section, one "
         "header row, one row per entry. Blank rows are skipped. This README sheet is not read. Unknown "
         "sheets or columns are errors (the message suggests the nearest valid name).", ""],
        ["(all)", "", "", "Lists (a risk's touches) are comma-separated ids. The its, spc and indicator cells "
         "hold YAML or JSON text. Ids must be unique within their sheet, and objective and measure ids "
         "must differ from each other.", "{family: negbin}"],
        ["perspectives", "", "", "Optional: an absent or empty sheet means the seven PSS perspectives "
         "(service_user, strategic, financial = outcomes; operational = processes; innovation, leadership, "
         "people = capability). Rename, add or drop rows to adapt them.", ""],
        ["objectives", "", "", "The strategy-map nodes. Warning if an objective has no measure.", ""],
        ["measures", "", "", "The measure catalogue; every measure is on one objective.", ""],
        ["links", "", "", "Driver -> outcome arrows of the strategy map. They must not form a cycle; every "
         "outcomes-tier objective should be reached from a process or capability objective (warning).", ""],
        ["risks", "", "", "Risks, rated on a 5 x 5 likelihood x impact matrix.", ""],
        ["changes", "", "", "The service-improvement change log: what was changed, where and when.", ""],
    ]
    for section in SECTIONS:
        for f in FIELDS[section]:
            rows.append([section, f.name, "yes" if f.required else "", f.doc, f.example])
    _write_rows(sheet, ["sheet", "column", "required", "meaning", "example"], rows, _WIDTHS)


def _template_dict() -> dict[str, Any]:
    return {
        "perspectives": [{"perspective_id": pid, "name": name, "tier": tier}
                         for pid, (tier, name) in PERSPECTIVES.items()],
        "objectives": [
            {"objective_id": "fewer_admissions", "name": "Fewer avoidable emergency admissions",
             "perspective_id": "strategic",
             "description": "Older people stay well at home instead of being admitted in an emergency."},
            {"objective_id": "timely_discharge", "name": "Timely discharge from hospital",
             "perspective_id": "operational", "description": "People go home as soon as they are medically fit."},
        ],
        "measures": [
            {"measure_id": "acs_admissions",
             "name": "Emergency admissions for ambulatory care sensitive conditions, 65+",
             "objective_id": "fewer_admissions", "unit": "admissions per 1,000 people aged 65+", "kind": "rate",
             "numerator": "Emergency admissions of residents aged 65+ with a primary diagnosis of an ACS condition",
             "denominator": "Resident population aged 65+", "multiplier": 1000,
             "improvement_direction": "decrease", "target": 3.3, "unit_cost": 2450,
             "data_source": "Hospital inpatient extract (monthly)", "owner": "Urgent care commissioning lead",
             "description": "Emergency admissions for conditions best managed in the community.",
             "its": {"family": "quasipoisson", "seasonality": "fourier"}},
            {"measure_id": "emergency_los", "name": "Mean length of stay, emergency admissions 65+",
             "objective_id": "timely_discharge", "unit": "days", "kind": "mean",
             "numerator": "Bed-days of emergency spells of residents aged 65+ ending in the month",
             "denominator": "Emergency discharges of residents aged 65+ in the month",
             "improvement_direction": "decrease", "target": 8.5,
             "data_source": "Hospital inpatient extract (monthly)", "owner": "Hospital discharge lead",
             "spc": {"chart": "xmr"}},
        ],
        "links": [
            {"driver": "timely_discharge", "outcome": "fewer_admissions", "expected_sign": "+",
             "rationale": "Shorter stays reduce hospital-acquired deconditioning and readmissions."},
        ],
        "risks": [
            {"risk_id": "R1", "description": "Home-care capacity does not keep up with faster discharges",
             "likelihood": 4, "impact": 3, "touches": ["timely_discharge", "emergency_los"],
             "mitigation": "Home-care framework re-tendered with more capacity",
             "owner": "Director of adult social care"},
        ],
        "changes": [
            {"change_id": "C1", "date": "2018-04", "where": "Whole system", "what": "Programme starts",
             "use_as_interruption": True},
            {"change_id": "C2", "date": "2018-10-01", "where": "Acute medical wards",
             "what": "Discharge-to-assess scheme", "use_as_interruption": False},
        ],
    }


def write_template_workbook(path: str | Path) -> Path:
    """Write an example scorecard workbook: the default perspectives, one or two rows per sheet, a README."""
    scorecard = scorecard_from_dict(_template_dict(), source="template")
    return write_workbook(scorecard, path, readme=True)
