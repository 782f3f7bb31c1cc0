"""Reading a scorecard file into records: (location, raw values) per entry, by section.

:func:`_read_yaml` and :func:`_records_from_mapping` read YAML (or a mapping given
in code); :func:`_records_from_workbook` reads an Excel workbook, one sheet per
section. Unknown sections, fields and columns are errors here; the values are
checked later (:mod:`pss_analysis.inputs.scorecard.build`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from pss_analysis.config.yamlfile import YamlLoader as _Loader
from pss_analysis.errors import DataValidationError
from pss_analysis.inputs.scorecard.schema import (
    _HINTS,
    _ID_FIELD,
    FIELDS,
    README_SHEET,
    SECTIONS,
    _did_you_mean,
    _Loc,
    _one_of,
    _Record,
)
from pss_analysis.inputs.scorecard.values import _blank

__all__: list[str] = []


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
    """The records of each section present in a mapping shaped like the YAML file."""
    sections = _sections_mapping(raw, file)
    return {
        section: _section_records(sections[section], file, section, lines.get(section, []))
        for section in SECTIONS
        if section in sections
    }


def _sections_mapping(raw: Any, file: str) -> Mapping[str, Any]:
    """The top level: a mapping whose keys are all known sections (None reads as empty)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise DataValidationError(
            "expected a mapping of sections (objectives:, measures:, ...) at the top level",
            file=file,
            found=type(raw).__name__,
        )
    for key in raw:
        if key not in SECTIONS:
            raise _Loc(file, str(key)).error(f"unknown key{_did_you_mean(key, SECTIONS)}", expected=_one_of(SECTIONS))
    return raw


def _section_records(entries: Any, file: str, section: str, entry_lines: list[int]) -> list[_Record]:
    """One record per entry of a section's list, each a mapping of known fields."""
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise _Loc(file, section).error(
            f"expected a list of {section} (one '- {_ID_FIELD.get(section, 'driver')}: ...' entry each)",
            found=type(entries).__name__,
        )
    known = [f.name for f in FIELDS[section]]
    lines: list[int | None] = list(entry_lines)
    if len(lines) != len(entries):  # no YAML source (a dict given in code)
        lines = [None] * len(entries)
    out = []
    for k, (entry, line) in enumerate(zip(entries, lines, strict=True)):
        loc = _Loc(file, section, k + 1, False, line)
        if not isinstance(entry, Mapping):
            raise loc.error(
                "expected a mapping of fields",
                expected=", ".join(known),
                found=entry if not isinstance(entry, list) else "a list",
            )
        for name in entry:
            if name not in known:
                hint = _HINTS.get((section, str(name)), "")
                raise loc.error(f"unknown field{hint}{_did_you_mean(name, known)}", str(name), expected=_one_of(known))
        out.append((loc, dict(entry)))
    return out


def _records_from_workbook(path: Path) -> dict[str, list[_Record]]:
    import openpyxl  # only needed for workbooks

    file = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors all mean "not a readable workbook"
        raise DataValidationError(
            f"cannot read the workbook ({type(exc).__name__}: {exc})", file=file, expected="an Excel .xlsx workbook"
        ) from None
    try:
        sheets: dict[str, str] = {}
        for name in book.sheetnames:
            key = name.strip().lower()
            if key == README_SHEET.lower():
                continue
            if key not in SECTIONS:
                raise _Loc(file, name, excel=True).error(
                    f"unknown sheet{_did_you_mean(key, SECTIONS)}", expected=_one_of(SECTIONS) + f" (or {README_SHEET})"
                )
            if key in sheets:
                raise _Loc(file, name, excel=True).error(f"a second sheet for '{key}'", found=name)
            sheets[key] = name
        records: dict[str, list[_Record]] = {}
        for section, name in sheets.items():
            records[section] = _sheet_records(book[name], file, name, section)
        return records
    finally:
        book.close()


def _sheet_records(sheet: Any, file: str, name: str, section: str) -> list[_Record]:
    rows = sheet.iter_rows(values_only=True)
    header_row = next(rows, None)
    if header_row is None or all(_blank(v) for v in header_row):
        return []
    known = [f.name for f in FIELDS[section]]
    header: list[str | None] = []
    for cell in header_row:
        column = None if _blank(cell) else str(cell).strip().lower()
        if column is not None and column not in known:
            hint = _HINTS.get((section, column), "")
            raise _Loc(file, name, 1, True).error(
                f"unknown column{hint}{_did_you_mean(column, known)}", column, expected=_one_of(known)
            )
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
            raise _Loc(file, name, 1, True).error(
                "missing column" + ("s" if len(missing) > 1 else ""),
                ", ".join(missing),
                expected=", ".join(known),
                found=", ".join(c for c in header if c),
            )
        entry = {}
        for column, value in zip(header, values, strict=False):
            if column is None:
                if not _blank(value):
                    raise loc.error("a value in a column without a header", found=value)
                continue
            entry[column] = value
        out.append((loc, entry))
    return out
