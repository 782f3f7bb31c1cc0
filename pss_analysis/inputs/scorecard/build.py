"""Building a :class:`Scorecard` from records: the sections in order, each checked against the ones before.

:func:`load_scorecard` and :func:`scorecard_from_dict` read the records
(:mod:`pss_analysis.inputs.scorecard.readers`) and hand them to :func:`_build`,
which reads as a recipe: perspectives, objectives, measures, links, risks,
changes, then the warnings.
"""

from __future__ import annotations

import math
import warnings
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from pss_analysis.errors import DataValidationError, PssWarning
from pss_analysis.inputs.scorecard.readers import _read_yaml, _records_from_mapping, _records_from_workbook
from pss_analysis.inputs.scorecard.schema import (
    _EXCEL_SUFFIXES,
    _ID_FIELD,
    _NOUN,
    _YAML_SUFFIXES,
    RATING_MAX,
    RATING_MIN,
    REQUIRED_SECTIONS,
    TIERS,
    Scorecard,
    _did_you_mean,
    _frame,
    _ids_expected,
    _Loc,
    _Record,
    default_perspectives,
)
from pss_analysis.inputs.scorecard.values import (
    _bool,
    _choice,
    _id,
    _ids,
    _integer,
    _mapping,
    _month,
    _number,
    _options,
    _required,
    _sign,
    _text,
)
from pss_analysis.inputs.tables import KINDS, PERSPECTIVES
from pss_analysis.vocabulary import IMPROVEMENT_DIRECTIONS

__all__ = ["load_scorecard", "scorecard_from_dict"]


def load_scorecard(path: str | Path) -> Scorecard:
    """Read and validate a scorecard from YAML (``.yaml``/``.yml``) or a workbook (``.xlsx``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _YAML_SUFFIXES + _EXCEL_SUFFIXES:
        raise DataValidationError(
            "unsupported scorecard file type",
            file=str(path),
            expected="a .yaml, .yml or .xlsx file",
            found=path.suffix or path.name,
        )
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


def _unique(records: list[tuple[_Loc, dict[str, Any]]], section: str) -> None:
    id_field = _ID_FIELD[section]
    seen: dict[str, _Loc] = {}
    for loc, row in records:
        value = row[id_field]
        if value in seen:
            first = seen[value].row
            raise loc.error(
                f"duplicated {_NOUN[section]} id '{value}' (first at row {first})",
                id_field,
                expected="unique ids",
                found=value,
            )
        seen[value] = loc


def _check_ref(loc: _Loc, column: str, value: str, known: list[str], noun: str) -> None:
    if value not in known:
        raise loc.error(
            f"unknown {noun} '{value}'{_did_you_mean(value, known)}",
            column,
            expected=_ids_expected(noun, known),
            found=value,
        )


def _perspectives(records: list[_Record]) -> list[tuple[_Loc, dict[str, Any]]]:
    out = []
    for position, (loc, raw) in enumerate(records, start=1):
        pid = _id(loc, "perspective_id", raw.get("perspective_id"), required=True)
        default_tier, default_name = PERSPECTIVES.get(pid, ("", ""))
        name = _text(loc, "name", raw.get("name")) or default_name
        _required(loc, "name", name, "a name (required for a perspective that is not one of the seven PSS ids)")
        tier = _choice(loc, "tier", raw.get("tier"), TIERS, required=not default_tier) or default_tier
        order = _integer(loc, "order", raw.get("order"), required=False)
        out.append(
            (loc, {"perspective_id": pid, "name": name, "tier": tier, "order": position if order is None else order})
        )
    return out


_Row = tuple[_Loc, dict[str, Any]]


def _build(records: dict[str, list[_Record]], file: str, *, excel: bool) -> Scorecard:
    """The scorecard from its records: each section checked against the sections before it."""
    _require_sections(records, file, excel=excel)
    perspectives = _perspective_frame(records.get("perspectives", []))
    objectives = _objectives(records["objectives"], list(perspectives["perspective_id"]))
    measures = _measures(records["measures"], objectives)
    objective_ids = [r["objective_id"] for _, r in objectives]
    links = _links(records.get("links", []), objective_ids)
    risks = _risks(records.get("risks", []), objective_ids + [r["measure_id"] for _, r in measures])
    changes = _changes(records.get("changes", []))
    tier_of = dict(zip(perspectives["perspective_id"], perspectives["tier"], strict=True))
    found = _warnings([r for _, r in objectives], [r for _, r in measures], [r for _, r in links], tier_of)
    for message in found:
        warnings.warn(f"{file}: {message}", PssWarning, stacklevel=3)
    return Scorecard(
        perspectives=perspectives,
        objectives=_frame("objectives", [r for _, r in objectives]),
        measures=_frame("measures", [r for _, r in measures]),
        links=_frame("links", [r for _, r in links]),
        risks=_frame("risks", [r for _, r in risks]),
        changes=_frame("changes", [r for _, r in changes]),
        warnings=tuple(found),
        source=file,
    )


def _require_sections(records: dict[str, list[_Record]], file: str, *, excel: bool) -> None:
    for section in REQUIRED_SECTIONS:
        if section not in records:
            what = "sheet" if excel else "key"
            raise DataValidationError(
                f"missing {what} '{section}'",
                file=file,
                expected=f"the {what}s " + ", ".join(REQUIRED_SECTIONS) + " at least",
            )


def _perspective_frame(records: list[_Record]) -> pd.DataFrame:
    """The perspectives given, sorted by ``order``; the seven PSS perspectives when none are given."""
    persp = _perspectives(records)
    if not persp:
        return default_perspectives()
    _unique(persp, "perspectives")
    perspectives = _frame("perspectives", [r for _, r in persp])
    return perspectives.sort_values("order", kind="stable").reset_index(drop=True)


def _objectives(records: list[_Record], perspective_ids: list[str]) -> list[_Row]:
    objs = []
    for loc, raw in records:
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
    return objs


def _measures(records: list[_Record], objectives: list[_Row]) -> list[_Row]:
    perspective_of = {r["objective_id"]: r["perspective_id"] for _, r in objectives}
    meas = [(loc, _measure(loc, raw, perspective_of)) for loc, raw in records]
    _unique(meas, "measures")
    for loc, row in meas:
        if row["measure_id"] in perspective_of:
            raise loc.error(
                f"the id '{row['measure_id']}' is used for both an objective and a measure "
                "(risks refer to either by id)",
                "measure_id",
                expected="ids unique across objectives and measures",
                found=row["measure_id"],
            )
    _check_value_groups(meas)
    return meas


def _check_value_groups(measures: list[_Row]) -> None:
    """A lead is in a group, and each group has at most one lead."""
    leads: dict[str, _Loc] = {}
    for loc, row in measures:
        if not row["value_group_lead"]:
            continue
        group = row["value_group"]
        if not group:
            raise loc.error(
                f"measure '{row['measure_id']}' is marked as a value group's lead but has no value_group",
                "value_group_lead",
                expected="a value_group on the same measure, or value_group_lead false",
                found=row["value_group_lead"],
            )
        if group in leads:
            raise loc.error(
                f"value group '{group}' has two leads (the first at row {leads[group].row}): mark one",
                "value_group_lead",
                expected="at most one measure with value_group_lead true per group",
                found=row["value_group_lead"],
            )
        leads[group] = loc


def _measure(loc: _Loc, raw: dict[str, Any], perspective_of: dict[str, str]) -> dict[str, Any]:
    mid = _id(loc, "measure_id", raw.get("measure_id"), required=True)
    objective = _measure_objective(loc, raw, mid, list(perspective_of))
    multiplier = _multiplier(loc, raw)
    return {
        "measure_id": mid,
        "name": _required(loc, "name", _text(loc, "name", raw.get("name")), "a name"),
        "objective_id": objective,
        "perspective": perspective_of[objective],
        "unit": _text(loc, "unit", raw.get("unit")),
        "kind": _choice(loc, "kind", raw.get("kind"), KINDS, required=True),
        "numerator": _text(loc, "numerator", raw.get("numerator")),
        "denominator": _text(loc, "denominator", raw.get("denominator")),
        "multiplier": multiplier,
        "improvement_direction": _choice(
            loc, "improvement_direction", raw.get("improvement_direction"), IMPROVEMENT_DIRECTIONS, required=True
        ),
        "target": _number(loc, "target", raw.get("target")),
        "unit_cost": _number(loc, "unit_cost", raw.get("unit_cost")),
        "value_group": _id(loc, "value_group", raw.get("value_group"), required=False),
        "value_group_lead": _bool(loc, "value_group_lead", raw.get("value_group_lead")),
        "data_source": _text(loc, "data_source", raw.get("data_source")),
        "owner": _text(loc, "owner", raw.get("owner")),
        "description": _text(loc, "description", raw.get("description")),
        "its": _options(loc, "its", raw.get("its"), mid),
        "spc": _options(loc, "spc", raw.get("spc"), mid),
        "indicator": _mapping(loc, "indicator", raw.get("indicator")),
    }


def _measure_objective(loc: _Loc, raw: dict[str, Any], mid: str, objective_ids: list[str]) -> str:
    objective = _text(loc, "objective_id", raw.get("objective_id"))
    if not objective:
        raise loc.error(
            f"measure '{mid}' is not on an objective: every measure must be mapped to one",
            "objective_id",
            expected=_ids_expected("objective", objective_ids),
            found="",
        )
    _check_ref(loc, "objective_id", objective, objective_ids, "objective")
    return objective


def _multiplier(loc: _Loc, raw: dict[str, Any]) -> float:
    multiplier = _number(loc, "multiplier", raw.get("multiplier"))
    if not math.isnan(multiplier) and multiplier <= 0:
        raise loc.error(
            "the multiplier must be positive", "multiplier", expected="a number above 0", found=raw.get("multiplier")
        )
    return 1.0 if math.isnan(multiplier) else multiplier


def _links(records: list[_Record], objective_ids: list[str]) -> list[_Row]:
    links = []
    seen_links: dict[tuple[str, str], _Loc] = {}
    for loc, raw in records:
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
            raise loc.error(
                f"duplicated link {pair[0]} -> {pair[1]} (first at row {seen_links[pair].row})",
                "outcome",
                expected="each driver -> outcome pair once",
                found=f"{pair[0]} -> {pair[1]}",
            )
        seen_links[pair] = loc
        links.append((loc, row))
    cycle = _find_cycle([(r["driver"], r["outcome"], loc) for loc, r in links])
    if cycle is not None:
        path, loc = cycle
        raise loc.error(
            "the links form a cycle: " + " -> ".join(path) + "; a strategy map runs from drivers "
            "to outcomes, so remove or reverse one of these links",
            "outcome",
        )
    return links


def _risks(records: list[_Record], touchable: list[str]) -> list[_Row]:
    risks = []
    for loc, raw in records:
        row: dict[str, Any] = {
            "risk_id": _id(loc, "risk_id", raw.get("risk_id"), required=True),
            "description": _required(
                loc, "description", _text(loc, "description", raw.get("description")), "a description"
            ),
            "likelihood": _integer(
                loc, "likelihood", raw.get("likelihood"), low=RATING_MIN, high=RATING_MAX, required=True
            ),
            "impact": _integer(loc, "impact", raw.get("impact"), low=RATING_MIN, high=RATING_MAX, required=True),
            "touches": _ids(loc, "touches", raw.get("touches")),
            "mitigation": _text(loc, "mitigation", raw.get("mitigation")),
            "owner": _text(loc, "owner", raw.get("owner")),
        }
        for item in row["touches"]:
            if item not in touchable:
                raise loc.error(
                    f"unknown objective or measure '{item}'{_did_you_mean(item, touchable)}",
                    "touches",
                    expected="objective or measure ids",
                    found=item,
                )
        risks.append((loc, row))
    _unique(risks, "risks")
    return risks


def _changes(records: list[_Record]) -> list[_Row]:
    changes = []
    for loc, raw in records:
        date, period = _month(loc, "date", raw.get("date"))
        row: dict[str, Any] = {
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
    return changes


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
                return path[path.index(node) :] + [node], loc
            if not state.get(node):
                state[node] = 1
                path.append(node)
                stack.append(iter(graph[node]))
    return None


def _warnings(
    objectives: list[dict[str, Any]],
    measures: list[dict[str, Any]],
    links: list[dict[str, Any]],
    tier_of: dict[str, str],
) -> list[str]:
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
            out.append(
                f"outcome objective '{objective}' is not reached along the links from any process or "
                "capability objective: add a link from what drives it"
            )
    measured = {m["objective_id"] for m in measures}
    for objective in tier:
        if objective not in measured:
            out.append(f"objective '{objective}' has no measure")
    return out
