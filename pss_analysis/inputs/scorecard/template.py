"""Writing scorecard workbooks: a :class:`Scorecard` as six sheets, and the example template.

:func:`write_workbook` is the one piece of code that writes a scorecard workbook;
:func:`write_template_workbook` calls it with an example scorecard and a
``README`` sheet that explains every column.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from pss_analysis.inputs.scorecard.build import scorecard_from_dict
from pss_analysis.inputs.scorecard.schema import FIELDS, README_SHEET, SECTIONS, Scorecard
from pss_analysis.inputs.tables import PERSPECTIVES

__all__ = ["write_workbook", "write_template_workbook"]


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


_WIDTHS = {
    "name": 40,
    "description": 60,
    "rationale": 50,
    "what": 50,
    "where": 24,
    "mitigation": 40,
    "numerator": 40,
    "denominator": 40,
    "unit": 28,
    "data_source": 28,
    "owner": 24,
    "touches": 30,
    "its": 28,
    "spc": 20,
    "indicator": 30,
    "meaning": 90,
    "example": 36,
    "column": 22,
    "sheet": 14,
}


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
        [
            "(all)",
            "",
            "",
            "A Public Sector Scorecard definition for pss-analysis: one sheet per section, one "
            "header row, one row per entry. Blank rows are skipped. This README sheet is not read. Unknown "
            "sheets or columns are errors (the message suggests the nearest valid name).",
            "",
        ],
        [
            "(all)",
            "",
            "",
            "Lists (a risk's touches) are comma-separated ids. The its, spc and indicator cells "
            "hold YAML or JSON text. Ids must be unique within their sheet, and objective and measure ids "
            "must differ from each other.",
            "{family: negbin}",
        ],
        [
            "perspectives",
            "",
            "",
            "Optional: an absent or empty sheet means the seven PSS perspectives "
            "(service_user, strategic, financial = outcomes; operational = processes; innovation, leadership, "
            "people = capability). Rename, add or drop rows to adapt them.",
            "",
        ],
        ["objectives", "", "", "The strategy-map nodes. Warning if an objective has no measure.", ""],
        ["measures", "", "", "The measure catalogue; every measure is on one objective.", ""],
        [
            "links",
            "",
            "",
            "Driver -> outcome arrows of the strategy map. They must not form a cycle; every "
            "outcomes-tier objective should be reached from a process or capability objective (warning).",
            "",
        ],
        ["risks", "", "", "Risks, rated on a 5 x 5 likelihood x impact matrix.", ""],
        ["changes", "", "", "The service-improvement change log: what was changed, where and when.", ""],
    ]
    for section in SECTIONS:
        for f in FIELDS[section]:
            rows.append([section, f.name, "yes" if f.required else "", f.doc, f.example])
    _write_rows(sheet, ["sheet", "column", "required", "meaning", "example"], rows, _WIDTHS)


def _template_dict() -> dict[str, Any]:
    return {
        "perspectives": [
            {"perspective_id": pid, "name": name, "tier": tier} for pid, (tier, name) in PERSPECTIVES.items()
        ],
        "objectives": [
            {
                "objective_id": "fewer_admissions",
                "name": "Fewer avoidable emergency admissions",
                "perspective_id": "strategic",
                "description": "Older people stay well at home instead of being admitted in an emergency.",
            },
            {
                "objective_id": "timely_discharge",
                "name": "Timely discharge from hospital",
                "perspective_id": "operational",
                "description": "People go home as soon as they are medically fit.",
            },
        ],
        "measures": [
            {
                "measure_id": "acs_admissions",
                "name": "Emergency admissions for ambulatory care sensitive conditions, 65+",
                "objective_id": "fewer_admissions",
                "unit": "admissions per 1,000 people aged 65+",
                "kind": "rate",
                "numerator": "Emergency admissions of residents aged 65+ with a primary diagnosis of an ACS condition",
                "denominator": "Resident population aged 65+",
                "multiplier": 1000,
                "improvement_direction": "decrease",
                "target": 3.3,
                "unit_cost": 2450,
                "value_group": "acs_emergency_care",
                "data_source": "Hospital inpatient extract (monthly)",
                "owner": "Urgent care commissioning lead",
                "description": "Emergency admissions for conditions best managed in the community.",
                "its": {"family": "quasipoisson", "seasonality": "fourier"},
            },
            {
                "measure_id": "emergency_los",
                "name": "Mean length of stay, emergency admissions 65+",
                "objective_id": "timely_discharge",
                "unit": "days",
                "kind": "mean",
                "numerator": "Bed-days of emergency spells of residents aged 65+ ending in the month",
                "denominator": "Emergency discharges of residents aged 65+ in the month",
                "improvement_direction": "decrease",
                "target": 8.5,
                "data_source": "Hospital inpatient extract (monthly)",
                "owner": "Hospital discharge lead",
                "spc": {"chart": "xmr"},
            },
        ],
        "links": [
            {
                "driver": "timely_discharge",
                "outcome": "fewer_admissions",
                "expected_sign": "+",
                "rationale": "Shorter stays reduce hospital-acquired deconditioning and readmissions.",
            },
        ],
        "risks": [
            {
                "risk_id": "R1",
                "description": "Home-care capacity does not keep up with faster discharges",
                "likelihood": 4,
                "impact": 3,
                "touches": ["timely_discharge", "emergency_los"],
                "mitigation": "Home-care framework re-tendered with more capacity",
                "owner": "Director of adult social care",
            },
        ],
        "changes": [
            {
                "change_id": "C1",
                "date": "2018-04",
                "where": "Whole system",
                "what": "Programme starts",
                "use_as_interruption": True,
            },
            {
                "change_id": "C2",
                "date": "2018-10-01",
                "where": "Acute medical wards",
                "what": "Discharge-to-assess scheme",
                "use_as_interruption": False,
            },
        ],
    }


def write_template_workbook(path: str | Path) -> Path:
    """Write an example scorecard workbook: the default perspectives, one or two rows per sheet, a README."""
    scorecard = scorecard_from_dict(_template_dict(), source="template")
    return write_workbook(scorecard, path, readme=True)
