"""The scorecard definition (pss_analysis.inputs.scorecard): YAML and workbook loaders, validation, writers."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
import yaml
from conftest import DEMO_DATA

from pss_analysis import demo
from pss_analysis.errors import DataValidationError, ParameterError, PssWarning
from pss_analysis.inputs import tables as data
from pss_analysis.inputs.scorecard import (
    COLUMNS,
    SECTIONS,
    TEMPLATE,
    Scorecard,
    default_perspectives,
    load_scorecard,
    scorecard_from_dict,
    write_template_workbook,
    write_workbook,
)

DEMO_SCORECARD = DEMO_DATA / "scorecard.yaml"
FORMATS = ("yaml", "xlsx")


# ------------------------------------------------------------------ helpers


def base() -> dict[str, Any]:
    """A small valid scorecard: capability -> process -> outcome, one measure on each objective."""
    return copy.deepcopy(
        {
            "objectives": [
                {"objective_id": "outcome_1", "name": "Fewer admissions", "perspective_id": "strategic"},
                {"objective_id": "process_1", "name": "Timely discharge", "perspective_id": "operational"},
                {
                    "objective_id": "capability_1",
                    "name": "Trained staff",
                    "perspective_id": "people",
                    "description": "Staff trained in the new model.",
                },
            ],
            "measures": [
                {
                    "measure_id": "m_out",
                    "name": "Admissions",
                    "objective_id": "outcome_1",
                    "unit": "per 1,000",
                    "kind": "rate",
                    "numerator": "admissions",
                    "denominator": "population",
                    "multiplier": 1000,
                    "improvement_direction": "decrease",
                    "target": 3.5,
                    "unit_cost": 2450,
                    "its": {"family": "negbin"},
                },
                {
                    "measure_id": "m_proc",
                    "name": "Length of stay",
                    "objective_id": "process_1",
                    "unit": "days",
                    "kind": "mean",
                    "improvement_direction": "decrease",
                    "spc": {"chart": "xmr"},
                },
                {
                    "measure_id": "m_cap",
                    "name": "Staff trained",
                    "objective_id": "capability_1",
                    "unit": "staff",
                    "kind": "count",
                    "improvement_direction": "increase",
                    "indicator": {"source": "training", "count": "staff_id", "where": "completed = 1"},
                },
            ],
            "links": [
                {"driver": "capability_1", "outcome": "process_1", "expected_sign": "+", "rationale": "skills"},
                {"driver": "process_1", "outcome": "outcome_1", "expected_sign": "-"},
            ],
            "risks": [
                {
                    "risk_id": "R1",
                    "description": "Capacity lags",
                    "likelihood": 4,
                    "impact": 3,
                    "touches": ["process_1", "m_out"],
                    "mitigation": "Re-tender",
                    "owner": "Director",
                },
            ],
            "changes": [
                {
                    "change_id": "C1",
                    "date": "2018-04",
                    "where": "Everywhere",
                    "what": "Programme starts",
                    "use_as_interruption": True,
                },
                {"change_id": "C2", "date": "2018-10-15", "where": "Wards", "what": "Discharge to assess"},
            ],
        }
    )


def _cell(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, list):
        return ", ".join(value)
    return value


def write_xlsx(path: Path, raw: dict[str, Any], *, extra_sheets: dict[str, list[list[Any]]] | None = None) -> Path:
    """A workbook with one sheet per section of ``raw`` (header = the keys used, in order)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for section, entries in raw.items():
        sheet = book.create_sheet(section)
        header = list(dict.fromkeys(k for entry in entries for k in entry))
        sheet.append(header)
        for entry in entries:
            sheet.append([_cell(entry.get(k)) for k in header])
    for name, rows in (extra_sheets or {}).items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def write(tmp_path: Path, raw: dict[str, Any], fmt: str) -> Path:
    if fmt == "yaml":
        path = tmp_path / "scorecard.yaml"
        path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
        return path
    return write_xlsx(tmp_path / "scorecard.xlsx", raw)


def load_quietly(path: Path) -> Scorecard:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PssWarning)
        return load_scorecard(path)


def where(fmt: str, section: str, index: int) -> list[str]:
    """Text a message must contain for entry ``index`` (0-based) of ``section``."""
    if fmt == "yaml":
        return [f"key '{section}'", f"row {index + 1}"]
    return [f"sheet '{section}'", f"row {index + 2}"]  # the header is row 1


def assert_same(a: Scorecard, b: Scorecard) -> None:
    for section in SECTIONS:
        pd.testing.assert_frame_equal(getattr(a, section), getattr(b, section), obj=section)
    assert a.warnings == b.warnings
    assert a.equals(b)


# ------------------------------------------------------------- the demo


@pytest.fixture(scope="module")
def demo_scorecard() -> Scorecard:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warnings at all
        return load_scorecard(DEMO_SCORECARD)


def test_demo_scorecard_loads_without_errors_or_warnings(demo_scorecard: Scorecard) -> None:
    sc = demo_scorecard
    assert sc.warnings == ()
    assert sc.source == str(DEMO_SCORECARD)
    pd.testing.assert_frame_equal(sc.perspectives, default_perspectives())
    assert 12 <= len(sc.objectives) <= 16
    assert set(sc.objectives["perspective_id"]) == set(data.PERSPECTIVES)
    assert len(sc.measures) == 18
    assert set(sc.measures["objective_id"]) == set(sc.objectives["objective_id"])  # every objective measured
    assert (sc.links["expected_sign"] == "-").any() and (sc.links["expected_sign"] == "+").any()
    assert sc.links["rationale"].str.len().gt(0).all()
    assert 4 <= len(sc.risks) <= 6
    assert 3 <= len(sc.changes) <= 5
    assert sc.changes["use_as_interruption"].sum() == 1
    assert {"2018-04", "2018-10"} <= set(sc.changes["month"])
    assert sc.interruptions() == [pd.Period(demo.PROGRAMME_START, freq="M")]


def test_demo_catalogue_equals_measures_csv(demo_scorecard: Scorecard) -> None:
    catalogue = demo_scorecard.measures_catalogue()
    assert tuple(catalogue.columns) == data.MEASURE_COLUMNS
    pd.testing.assert_frame_equal(catalogue, data.load_measures(DEMO_DATA / "measures.csv"))
    indicators = data.load_indicators(DEMO_DATA / "indicators.csv", catalogue)
    assert set(indicators["measure_id"]) == set(catalogue["measure_id"])


def test_demo_scorecard_is_built_from_the_catalogue_definitions(demo_scorecard: Scorecard) -> None:
    pd.testing.assert_frame_equal(
        demo_scorecard.measures_catalogue(), scorecard_from_dict(demo.scorecard_definition()).measures_catalogue()
    )
    assert demo_scorecard.objective_of("acs_bed_nights") == "fewer_avoidable_admissions"
    assert demo_scorecard.measures["numerator"].str.len().gt(0).all()
    assert demo_scorecard.measures["owner"].str.len().gt(0).all()


def test_demo_yaml_and_workbook_give_identical_scorecards(demo_scorecard: Scorecard, tmp_path: Path) -> None:
    path = write_workbook(demo_scorecard, tmp_path / "demo.xlsx")
    assert openpyxl.load_workbook(path).sheetnames == list(SECTIONS)
    from_excel = load_scorecard(path)
    assert_same(demo_scorecard, from_excel)
    assert from_excel.source == str(path)
    pd.testing.assert_frame_equal(from_excel.measures_catalogue(), data.load_measures(DEMO_DATA / "measures.csv"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_small_scorecard_round_trips(tmp_path: Path, fmt: str) -> None:
    sc = load_scorecard(write(tmp_path, base(), fmt))
    again = load_scorecard(write_workbook(sc, tmp_path / "again.xlsx"))
    assert_same(sc, again)
    assert_same(sc, scorecard_from_dict(base()))


# ------------------------------------------------------- the template


def test_shipped_template_loads_and_validates() -> None:
    assert TEMPLATE.is_file(), "run pss_analysis.inputs.scorecard.write_template_workbook(TEMPLATE)"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sc = load_scorecard(TEMPLATE)
    pd.testing.assert_frame_equal(sc.perspectives, default_perspectives())
    for section in SECTIONS:
        assert 1 <= len(getattr(sc, section)) <= (7 if section == "perspectives" else 2), section
    book = openpyxl.load_workbook(TEMPLATE)
    assert book.sheetnames == ["README", *SECTIONS]
    documented = {(r[0], r[1]) for r in book["README"].iter_rows(min_row=2, values_only=True)}
    for section in SECTIONS:
        for column in (c.value for c in book[section][1]):
            assert (section, column) in documented, (section, column)


def test_shipped_template_is_what_the_function_writes(tmp_path: Path) -> None:
    fresh = write_template_workbook(tmp_path / "template.xlsx")
    assert_same(load_scorecard(TEMPLATE), load_scorecard(fresh))
    readme = [list(r) for r in openpyxl.load_workbook(fresh)["README"].iter_rows(values_only=True)]
    assert readme == [list(r) for r in openpyxl.load_workbook(TEMPLATE)["README"].iter_rows(values_only=True)]


# ------------------------------------------------------------- contents


@pytest.mark.parametrize("fmt", FORMATS)
def test_frames_have_the_documented_columns_and_types(tmp_path: Path, fmt: str) -> None:
    sc = load_scorecard(write(tmp_path, base(), fmt))
    for section in SECTIONS:
        assert tuple(getattr(sc, section).columns) == COLUMNS[section], section
    m = sc.measures.set_index("measure_id")
    assert m.loc["m_out", "perspective"] == "strategic"
    assert m.loc["m_out", "its"] == {"family": "negbin"}
    assert m.loc["m_proc", "spc"] == {"chart": "xmr"} and m.loc["m_proc", "its"] == {}
    assert m.loc["m_cap", "indicator"] == {"source": "training", "count": "staff_id", "where": "completed = 1"}
    assert m.loc["m_out", "indicator"] is None
    assert m.loc["m_proc", "multiplier"] == 1.0 and pd.isna(m.loc["m_proc", "target"])
    assert sc.risks.loc[0, "touches"] == ["process_1", "m_out"]
    assert sc.risks["likelihood"].dtype == "int64"
    changes = sc.changes.set_index("change_id")
    assert changes.loc["C2", "date"] == "2018-10-15" and changes.loc["C2", "month"] == "2018-10"
    assert changes.loc["C2", "period"] == pd.Period("2018-10", freq="M")
    assert changes["use_as_interruption"].tolist() == [True, False]
    assert sc.interruptions() == [pd.Period("2018-04", freq="M")]
    assert list(sc.links["expected_sign"]) == ["+", "-"]
    assert sc.objective_of("m_proc") == "process_1"
    assert sc.tiers() == {
        "outcomes": ["service_user", "strategic", "financial"],
        "processes": ["operational"],
        "capability": ["innovation", "leadership", "people"],
    }
    assert sc.warnings == ()


def test_objective_of_an_unknown_measure_suggests_one() -> None:
    sc = scorecard_from_dict(base())
    with pytest.raises(ParameterError, match="did you mean 'm_out'"):
        sc.objective_of("m_ot")


def test_catalogue_has_the_data_module_columns_and_types() -> None:
    catalogue = scorecard_from_dict(base()).measures_catalogue()
    assert tuple(catalogue.columns) == data.MEASURE_COLUMNS
    assert catalogue["target"].dtype == "float64" and catalogue["unit_cost"].dtype == "float64"
    assert catalogue["unit_cost"].isna().tolist() == [False, True, True]


def test_interruptions_are_sorted_and_unique() -> None:
    raw = base()
    raw["changes"] = [
        {"change_id": "a", "date": "2019-01-20", "what": "x", "use_as_interruption": True},
        {"change_id": "b", "date": "2018-06", "what": "y", "use_as_interruption": "yes"},
        {"change_id": "c", "date": "2019-01", "what": "z", "use_as_interruption": True},
    ]
    assert [str(p) for p in scorecard_from_dict(raw).interruptions()] == ["2018-06", "2019-01"]


# -------------------------------------------------------- perspectives


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("how", ["absent", "empty"])
def test_default_perspectives_when_absent_or_empty(tmp_path: Path, fmt: str, how: str) -> None:
    raw = base()
    if how == "empty" and fmt == "yaml":
        raw = {"perspectives": [], **raw}
    path = write(tmp_path, raw, fmt)
    if how == "empty" and fmt == "xlsx":  # a sheet with the header only
        book = openpyxl.load_workbook(path)
        book.create_sheet("perspectives").append(["perspective_id", "name", "tier"])
        book.save(path)
    sc = load_scorecard(path)
    expected = default_perspectives()
    pd.testing.assert_frame_equal(sc.perspectives, expected)
    assert list(expected["perspective_id"]) == list(data.PERSPECTIVES)
    assert list(expected["order"]) == list(range(1, 8))


@pytest.mark.parametrize("fmt", FORMATS)
def test_perspectives_can_be_renamed_added_and_dropped(tmp_path: Path, fmt: str) -> None:
    raw = base()
    raw["perspectives"] = [
        {"perspective_id": "strategic", "name": "Outcomes for the city"},  # tier from the default
        {"perspective_id": "operational", "tier": "processes", "name": "How we work"},
        {"perspective_id": "partners", "name": "Voluntary-sector partners", "tier": "capability", "order": 9},
        {"perspective_id": "people"},  # default name and tier
    ]
    raw["objectives"].append({"objective_id": "vcs", "name": "Strong partners", "perspective_id": "partners"})
    raw["links"].append({"driver": "vcs", "outcome": "outcome_1", "expected_sign": "+1"})
    raw["measures"].append(
        {
            "measure_id": "m_vcs",
            "name": "Partner score",
            "objective_id": "vcs",
            "kind": "mean",
            "improvement_direction": "increase",
        }
    )
    sc = load_scorecard(write(tmp_path, raw, fmt))
    assert list(sc.perspectives["perspective_id"]) == ["strategic", "operational", "people", "partners"]
    assert list(sc.perspectives["order"]) == [1, 2, 4, 9]
    p = sc.perspectives.set_index("perspective_id")
    assert p.loc["strategic", "name"] == "Outcomes for the city" and p.loc["strategic", "tier"] == "outcomes"
    assert p.loc["people", "name"] == data.PERSPECTIVES["people"][1]
    assert sc.tiers() == {"outcomes": ["strategic"], "processes": ["operational"], "capability": ["people", "partners"]}
    assert sc.measures.set_index("measure_id").loc["m_vcs", "perspective"] == "partners"
    assert sc.links["expected_sign"].iloc[-1] == "+"
    # financial was dropped: an objective in it is now an error
    raw["objectives"].append({"objective_id": "money", "name": "Value", "perspective_id": "financial"})
    with pytest.raises(DataValidationError, match="unknown perspective 'financial'"):
        load_scorecard(write(tmp_path, raw, fmt))


# ------------------------------------------------------------ bad files

Mutation = Callable[[dict[str, Any]], None]


def _set(section: str, index: int, **values: Any) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        raw[section][index].update(values)

    return mutate


def _append(section: str, entry: dict[str, Any]) -> Mutation:
    def mutate(raw: dict[str, Any]) -> None:
        raw[section].append(entry)

    return mutate


def _perspectives(raw: dict[str, Any]) -> None:
    raw["perspectives"] = [{"perspective_id": p} for p in data.PERSPECTIVES]
    raw["perspectives"].append({"perspective_id": "strategic"})


# (case id, mutation, section, entry index, regex the message must match)
ERROR_CASES: list[tuple[str, Mutation, str, int, str]] = [
    ("duplicate perspective", _perspectives, "perspectives", 7, r"duplicated perspective id 'strategic'"),
    (
        "duplicate objective",
        _set("objectives", 2, objective_id="outcome_1"),
        "objectives",
        2,
        r"duplicated objective id 'outcome_1' \(first at row",
    ),
    ("duplicate measure", _set("measures", 1, measure_id="m_out"), "measures", 1, r"duplicated measure id 'm_out'"),
    (
        "duplicate risk",
        _append("risks", {"risk_id": "R1", "description": "x", "likelihood": 1, "impact": 1}),
        "risks",
        1,
        r"duplicated risk id 'R1'",
    ),
    (
        "duplicate change",
        _append("changes", {"change_id": "C2", "date": "2019-01", "what": "x"}),
        "changes",
        2,
        r"duplicated change id 'C2'",
    ),
    (
        "objective in unknown perspective",
        _set("objectives", 1, perspective_id="operationl"),
        "objectives",
        1,
        r"unknown perspective 'operationl'; did you mean 'operational'\?; expected a perspective id",
    ),
    (
        "measure on unknown objective",
        _set("measures", 0, objective_id="outcme_1"),
        "measures",
        0,
        r"unknown objective 'outcme_1'; did you mean 'outcome_1'\?; expected an objective id",
    ),
    (
        "measure on no objective",
        _set("measures", 2, objective_id=""),
        "measures",
        2,
        r"measure 'm_cap' is not on an objective: every measure must be mapped to one",
    ),
    (
        "link to unknown objective",
        _set("links", 1, outcome="outcme_1"),
        "links",
        1,
        r"(column|field) 'outcome'.*unknown objective 'outcme_1'; did you mean 'outcome_1'\?; "
        r"expected an objective id.*found 'outcme_1'",
    ),
    (
        "link from unknown objective",
        _set("links", 0, driver="capabilty_1"),
        "links",
        0,
        r"unknown objective 'capabilty_1'; did you mean 'capability_1'\?",
    ),
    (
        "risk touches unknown id",
        _set("risks", 0, touches=["process_1", "m_ot"]),
        "risks",
        0,
        r"unknown objective or measure 'm_ot'; did you mean 'm_out'\?",
    ),
    (
        "unknown kind",
        _set("measures", 1, kind="means"),
        "measures",
        1,
        r"unknown value; did you mean 'mean'\?; expected one of rate, proportion, mean, count, amount",
    ),
    (
        "unknown direction",
        _set("measures", 0, improvement_direction="down"),
        "measures",
        0,
        r"'improvement_direction'.*expected one of increase, decrease, neither, found 'down'",
    ),
    ("bad sign", _set("links", 0, expected_sign="up"), "links", 0, r"unknown sign; expected \+ or -"),
    (
        "likelihood too low",
        _set("risks", 0, likelihood=0),
        "risks",
        0,
        r"'likelihood'.*value out of range; expected a whole number from 1 to 5, found 0",
    ),
    ("impact too high", _set("risks", 0, impact=6), "risks", 0, r"'impact'.*out of range.*found 6"),
    ("impact not whole", _set("risks", 0, impact=2.5), "risks", 0, r"'impact'.*not a whole number"),
    (
        "unknown its key",
        _set("measures", 0, its={"famly": "negbin"}),
        "measures",
        0,
        r"measure 'm_out': unknown key 'its\.famly'; did you mean 'its\.family'\?",
    ),
    (
        "bad its value",
        _set("measures", 0, its={"family": "gausian"}),
        "measures",
        0,
        r"measure 'm_out', key 'its\.family': invalid value; expected one of",
    ),
    (
        "unknown spc key",
        _set("measures", 1, spc={"chrt": "xmr"}),
        "measures",
        1,
        r"measure 'm_proc': unknown key 'spc\.chrt'; did you mean 'spc\.chart'\?",
    ),
    (
        "bad date",
        _set("changes", 1, date="Oct 2018"),
        "changes",
        1,
        r"unparseable date; expected a date as YYYY-MM or YYYY-MM-DD, found 'Oct 2018'",
    ),
    ("bad target", _set("measures", 0, target="high"), "measures", 0, r"'target'.*not a number"),
    ("missing name", _set("objectives", 0, name=""), "objectives", 0, r"'name'.*a value is required"),
    (
        "cycle",
        _append("links", {"driver": "outcome_1", "outcome": "capability_1", "expected_sign": "+"}),
        "links",
        2,
        r"the links form a cycle: capability_1 -> process_1 -> outcome_1 -> capability_1",
    ),
    (
        "self link",
        _append("links", {"driver": "process_1", "outcome": "process_1", "expected_sign": "+"}),
        "links",
        2,
        r"the links form a cycle: process_1 -> process_1",
    ),
    (
        "duplicate link",
        _append("links", {"driver": "process_1", "outcome": "outcome_1", "expected_sign": "+"}),
        "links",
        2,
        r"duplicated link process_1 -> outcome_1",
    ),
    (
        "id used twice",
        _set("measures", 2, measure_id="process_1"),
        "measures",
        2,
        r"'process_1' is used for both an objective and a measure",
    ),
    (
        "new perspective without tier",
        lambda raw: raw.update(perspectives=[{"perspective_id": "x", "name": "X"}]),
        "perspectives",
        0,
        r"'tier'.*a value is required; expected one of outcomes, processes, capability",
    ),
    (
        "value_group_lead not true or false",
        _set("measures", 1, value_group="g", value_group_lead="maybe"),
        "measures",
        1,
        r"'value_group_lead'.*not true or false",
    ),
    (
        "value group lead without a group",
        _set("measures", 2, value_group_lead=True),
        "measures",
        2,
        r"measure 'm_cap' is marked as a value group's lead but has no value_group",
    ),
    (
        "value group with two leads",
        lambda raw: [m.update(value_group="acs_care", value_group_lead=True) for m in raw["measures"][:2]],
        "measures",
        1,
        r"'value_group_lead'.*value group 'acs_care' has two leads \(the first at row \d\)",
    ),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("mutate", "section", "index", "pattern"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_errors_name_file_section_and_row(
    tmp_path: Path, fmt: str, mutate: Mutation, section: str, index: int, pattern: str
) -> None:
    raw = base()
    mutate(raw)
    path = write(tmp_path, raw, fmt)
    with pytest.raises(DataValidationError) as info:
        load_quietly(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    for text in where(fmt, section, index):
        assert text in message, message
    assert re.search(pattern, message), message
    err = info.value
    assert err.file == str(path) and err.key == section
    assert err.row == (index + 1 if fmt == "yaml" else index + 2)
    assert isinstance(err, ValueError)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_value_group_and_its_lead_load(tmp_path: Path, fmt: str) -> None:
    raw = base()
    raw["measures"][0].update(value_group="acs_care")
    raw["measures"][1].update(value_group="acs_care", value_group_lead=True)
    measures = load_quietly(write(tmp_path, raw, fmt)).measures.set_index("measure_id")
    assert list(measures["value_group"]) == ["acs_care", "acs_care", ""]
    assert list(measures["value_group_lead"]) == [False, True, False]
    assert measures["value_group_lead"].dtype == bool


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_misspelt_value_group_lead_is_named_with_the_right_spelling(tmp_path: Path, fmt: str) -> None:
    raw = base()
    raw["measures"][1].update(value_group="acs_care", value_group_leed=True)
    path = write(tmp_path, raw, fmt)
    with pytest.raises(DataValidationError) as info:
        load_quietly(path)
    message = str(info.value)
    # a YAML entry is named by its row; a workbook's columns by the header row
    assert where(fmt, "measures", 1 if fmt == "yaml" else -1)[0] in message
    assert ("row 2" if fmt == "yaml" else "row 1") in message, message
    assert "'value_group_leed'" in message and "did you mean 'value_group_lead'?" in message, message


def test_yaml_errors_give_the_line(tmp_path: Path) -> None:
    raw = base()
    raw["links"][1]["outcome"] = "outcme_1"
    path = write(tmp_path, raw, "yaml")
    line = next(k for k, text in enumerate(path.read_text().splitlines(), 1) if "outcme_1" in text)
    with pytest.raises(DataValidationError) as info:
        load_scorecard(path)
    # the entry starts at '- driver: process_1', the line before 'outcome: outcme_1'
    assert f"(line {line - 1})" in str(info.value)
    assert "field 'outcome'" in str(info.value)


def test_unknown_top_level_key_suggests_the_nearest(tmp_path: Path) -> None:
    raw = base()
    raw["measurs"] = raw.pop("measures")
    with pytest.raises(DataValidationError, match=r"key 'measurs': unknown key; did you mean 'measures'\?"):
        load_scorecard(write(tmp_path, raw, "yaml"))


def test_unknown_field_suggests_the_nearest(tmp_path: Path) -> None:
    raw = base()
    raw["objectives"][1]["perspective"] = raw["objectives"][1].pop("perspective_id")
    with pytest.raises(DataValidationError) as info:
        load_scorecard(write(tmp_path, raw, "yaml"))
    message = str(info.value)
    assert "key 'objectives', row 2, field 'perspective'" in message
    assert "unknown field; did you mean 'perspective_id'?" in message


def test_unknown_column_suggests_the_nearest(tmp_path: Path) -> None:
    raw = base()
    for entry in raw["measures"]:
        entry["improvment_direction"] = entry.pop("improvement_direction")
    with pytest.raises(DataValidationError) as info:
        load_scorecard(write(tmp_path, raw, "xlsx"))
    message = str(info.value)
    assert "sheet 'measures', row 1, column 'improvment_direction'" in message
    assert "did you mean 'improvement_direction'?" in message


def test_a_measure_perspective_column_is_explained(tmp_path: Path) -> None:
    raw = base()
    raw["measures"][0]["perspective"] = "strategic"
    with pytest.raises(DataValidationError, match=r"perspective is its objective's"):
        load_scorecard(write(tmp_path, raw, "xlsx"))


def test_unknown_sheet_suggests_the_nearest(tmp_path: Path) -> None:
    raw = base()
    raw["link"] = raw.pop("links")
    with pytest.raises(DataValidationError, match=r"sheet 'link': unknown sheet; did you mean 'links'\?"):
        load_scorecard(write(tmp_path, raw, "xlsx"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_measures_section(tmp_path: Path, fmt: str) -> None:
    raw = base()
    del raw["measures"]
    with pytest.raises(DataValidationError, match="missing (sheet|key) 'measures'"):
        load_scorecard(write(tmp_path, raw, fmt))


def test_missing_required_column(tmp_path: Path) -> None:
    raw = base()
    for entry in raw["measures"]:
        del entry["kind"]
    with pytest.raises(DataValidationError, match=r"sheet 'measures', row 1, column 'kind': missing column"):
        load_scorecard(write(tmp_path, raw, "xlsx"))


def test_unquoted_minus_sign_in_yaml_gets_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "sc.yaml"
    text = yaml.safe_dump(base(), sort_keys=False).replace("expected_sign: '-'", "expected_sign: -")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"cannot read the YAML at line \d+.*quote a sign"):
        load_scorecard(path)


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(DataValidationError, match="unsupported scorecard file type"):
        load_scorecard(tmp_path / "scorecard.csv")
    with pytest.raises(DataValidationError, match="scorecard file not found"):
        load_scorecard(tmp_path / "nothing.yaml")
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook")
    with pytest.raises(DataValidationError, match="cannot read the workbook"):
        load_scorecard(bad)


# ---------------------------------------------------------- workbook cells


def test_workbook_cells_yaml_text_lists_dates_and_flags(tmp_path: Path) -> None:
    raw = base()
    raw["measures"][0]["its"] = "{family: negbin, interruptions: [2018-10]}"  # YAML, not JSON
    raw["risks"][0]["touches"] = "process_1,  m_out ,"
    raw["changes"][0]["use_as_interruption"] = "Yes"
    raw["changes"][1]["date"] = dt.datetime(2018, 10, 15)  # an Excel date cell
    readme = [["sheet", "column"], ["anything", "is ignored"]]
    path = write_xlsx(tmp_path / "cells.xlsx", raw, extra_sheets={"README": readme})
    sc = load_scorecard(path)
    assert sc.measures.loc[0, "its"] == {"family": "negbin", "interruptions": ["2018-10"]}
    assert sc.risks.loc[0, "touches"] == ["process_1", "m_out"]
    assert sc.changes["use_as_interruption"].tolist() == [True, False]
    assert sc.changes.loc[1, "date"] == "2018-10-15" and sc.changes.loc[1, "month"] == "2018-10"


def test_workbook_bad_yaml_cell(tmp_path: Path) -> None:
    raw = base()
    raw["measures"][1]["spc"] = "{chart: [xmr"
    with pytest.raises(DataValidationError) as info:
        load_scorecard(write_xlsx(tmp_path / "bad.xlsx", raw))
    message = str(info.value)
    assert "sheet 'measures', row 3, column 'spc'" in message and "cannot read the YAML/JSON text" in message


def test_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    raw = base()
    raw["links"][0]["rationale"] = "=more staff, better care"
    sc = scorecard_from_dict(raw)
    again = load_scorecard(write_workbook(sc, tmp_path / "f.xlsx"))
    assert again.links.loc[0, "rationale"] == "=more staff, better care"


# ---------------------------------------------------------------- warnings


@pytest.mark.parametrize("fmt", FORMATS)
def test_outcome_not_reached_from_a_driver_warns(tmp_path: Path, fmt: str) -> None:
    raw = base()
    raw["objectives"].append({"objective_id": "happy", "name": "Happy users", "perspective_id": "service_user"})
    raw["measures"].append(
        {
            "measure_id": "m_happy",
            "name": "Satisfied",
            "objective_id": "happy",
            "kind": "proportion",
            "improvement_direction": "increase",
            "multiplier": 100,
        }
    )
    # reached from another outcome only: still not reached from a process or capability objective
    raw["objectives"].append({"objective_id": "money", "name": "Value", "perspective_id": "financial"})
    raw["measures"].append(
        {
            "measure_id": "m_money",
            "name": "Spend",
            "objective_id": "money",
            "kind": "amount",
            "improvement_direction": "decrease",
        }
    )
    raw["links"].append({"driver": "happy", "outcome": "money", "expected_sign": "+"})
    path = write(tmp_path, raw, fmt)
    with pytest.warns(PssWarning) as record:
        sc = load_scorecard(path)
    messages = [str(w.message) for w in record if issubclass(w.category, PssWarning)]
    assert len(messages) == 2 and all(m.startswith(f"{path}: outcome objective ") for m in messages)
    assert "'happy' is not reached along the links from any process or capability objective" in messages[0]
    assert len(sc.warnings) == 2
    assert "'happy'" in sc.warnings[0] and "'money'" in sc.warnings[1]
    # a link from a process objective fixes both
    raw["links"].append({"driver": "process_1", "outcome": "happy", "expected_sign": "+"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_scorecard(write(tmp_path, raw, fmt)).warnings == ()


def test_objective_without_measure_warns(tmp_path: Path) -> None:
    raw = base()
    raw["objectives"].append({"objective_id": "lonely", "name": "Unmeasured", "perspective_id": "leadership"})
    with pytest.warns(PssWarning, match=r"objective 'lonely' has no measure"):
        sc = load_scorecard(write(tmp_path, raw, "yaml"))
    assert sc.warnings == ("objective 'lonely' has no measure",)
