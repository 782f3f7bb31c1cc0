"""The results workbook: valid sheet names, a README that documents every table and column,
values that keep their types, and byte-identical output for the same tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pss_analysis.errors import DataValidationError
from pss_analysis.reporting.suppression import suppress_table
from pss_analysis.reporting.workbook import (
    FIXED_TIMESTAMP,
    NO_DESCRIPTION,
    README_SHEET,
    read_csv_tables,
    sheet_names,
    write_results_workbook,
)

LONG = "spc_summary_by_measure_and_phase_for_the_board"  # 46 characters
FORBIDDEN = "its effects [all]: rate/count?"


@pytest.fixture
def tables():
    """Three small tables with a long name, a clashing long name and forbidden characters."""
    indicators = pd.DataFrame(
        {
            "locality": ["North", "South", "East", "All"],
            "numerator": [3, 25, 11, 39],
            "denominator": [1000, 1200, 900, 3100],
        }
    )
    indicators["value"] = indicators["numerator"] / indicators["denominator"] * 1000
    suppressed = suppress_table(
        indicators,
        count_columns=["numerator", "denominator"],
        derived={"value": ["numerator", "denominator"]},
        totals={"column": "locality", "total_label": "All"},
    )
    effects = pd.DataFrame(
        {
            "measure_id": ["acs_admissions", "falls"],
            "estimate": [-0.123456789012345, 0.5],
            "p_value": [0.0312, np.nan],
            "note": ["=SUM(A1:A2)", "ok"],
        }
    )
    phases = pd.DataFrame({"measure_id": ["falls", "falls"], "phase": [1, 2], "special_cause": [True, False]})
    return {LONG: suppressed.table, LONG + "_detail": phases, FORBIDDEN: effects}


@pytest.fixture
def workbook_path(tmp_path, tables):
    return write_results_workbook(
        tables,
        tmp_path / "out" / "results.xlsx",
        descriptions={
            LONG: "Indicator values by locality, small numbers suppressed.",
            FORBIDDEN: "Effects of the programme",
        },
        column_descriptions={
            "locality": "Locality of residence; All = every locality.",
            "numerator": "Admissions in the period.",
            "value": "Admissions per 1,000.",
        },
        title="Test results",
        run_id="20240101-120000",
        notes=["Counts from 1 to 7 ... are shown as *."],
    )


def _readme(path):
    return [row for row in openpyxl.load_workbook(path)[README_SHEET].iter_rows(values_only=True)]


def test_sheet_names_are_valid_and_unique(workbook_path, tables):
    book = openpyxl.load_workbook(workbook_path)
    assert book.sheetnames[0] == README_SHEET and len(book.sheetnames) == 1 + len(tables)
    for name in book.sheetnames:
        assert 1 <= len(name) <= 31
        assert not set(name) & set("[]:*?/\\")
        assert not name.startswith("'") and not name.endswith("'")
    assert len({n.casefold() for n in book.sheetnames}) == len(book.sheetnames)
    assert book.sheetnames[1:] == list(sheet_names(tables).values())
    assert book.sheetnames[1] == LONG[:31] and book.sheetnames[2] == LONG[:29] + "~2"
    assert book.sheetnames[3] == "its effects _all__ rate_count_"


def test_sheet_names_avoid_readme_and_history():
    names = sheet_names(["readme", "History", "a" * 40, "a" * 41, "'quoted'", ""])
    assert list(names.values()) == ["readme~2", "History~2", "a" * 31, "a" * 29 + "~2", "quoted", "table"]


def test_readme_lists_every_table_and_column(workbook_path, tables):
    rows = _readme(workbook_path)
    assert rows[0][0] == "Test results"
    assert ("Run", "20240101-120000") == rows[1][:2]
    assert rows[2][0] == "pss-analysis version" and rows[2][1]
    assert rows[3][:2] == ("Note", "Counts from 1 to 7 ... are shown as *.")
    sheets = dict(zip(sheet_names(tables).values(), tables, strict=True))
    listed = {row[0]: row for row in rows if row[0] in sheets}
    assert set(listed) == set(sheets)
    for sheet, row in listed.items():
        table = sheets[sheet]
        assert row[1] == table  # the full table name
        assert row[3] == len(tables[table]) and row[4] == len(tables[table].columns)
    assert listed[LONG[:31]][2] == "Indicator values by locality, small numbers suppressed."
    assert listed[LONG[:29] + "~2"][2] == NO_DESCRIPTION
    start = next(k for k, row in enumerate(rows) if row[:3] == ("Column", "Description", "Sheets"))
    columns = {row[0]: row for row in rows[start + 1 :] if row[0]}
    every = {c for frame in tables.values() for c in frame.columns}
    assert set(columns) == every
    assert columns["numerator"][1] == "Admissions in the period."
    assert columns["estimate"][1] == NO_DESCRIPTION
    assert columns["measure_id"][2] == f"{LONG[:29]}~2, its effects _all__ rate_count_"


def test_values_round_trip(workbook_path, tables):
    book = openpyxl.load_workbook(workbook_path)
    sheet = book[LONG[:31]]
    header = [c.value for c in sheet[1]]
    assert header == ["locality", "numerator", "denominator", "value"]
    numerator = [c for c in next(sheet.iter_cols(min_col=2, max_col=2, min_row=2))]
    assert [c.value for c in numerator] == ["*", 25, "*", 39]
    assert [c.data_type for c in numerator] == ["s", "n", "s", "n"]
    value = sheet.cell(row=3, column=4)
    assert value.data_type == "n" and value.value == pytest.approx(25 / 1200 * 1000, rel=1e-15)
    effects = book["its effects _all__ rate_count_"]
    assert effects.cell(row=2, column=2).value == -0.123456789012345  # 15 significant digits kept exactly
    assert effects.cell(row=3, column=3).value is None  # NaN -> empty cell
    formula_like = effects.cell(row=2, column=4)
    assert formula_like.value == "=SUM(A1:A2)" and formula_like.data_type == "s"
    assert book[LONG[:29] + "~2"].cell(row=2, column=3).value is True

    back = pd.read_excel(workbook_path, sheet_name=None)
    for table, sheet_name in sheet_names(tables).items():
        expected = tables[table].reset_index(drop=True)
        got = back[sheet_name]
        assert list(got.columns) == list(expected.columns)
        for column in expected.columns:
            for a, b in zip(expected[column], got[column], strict=True):
                if isinstance(a, str):
                    assert a == b, (sheet_name, column)
                elif pd.isna(a):
                    assert pd.isna(b), (sheet_name, column)
                else:  # openpyxl writes 16 significant digits (Excel shows 15)
                    assert a == pytest.approx(b, rel=1e-15) and not isinstance(b, str), (sheet_name, column)


def test_header_is_bold_frozen_and_widths_capped(tmp_path):
    frame = pd.DataFrame({"id": [1, 2], "description": ["x" * 500, "short"], "value": [1 / 3, 2.0]})
    path = write_results_workbook({"t": frame}, tmp_path / "w.xlsx")
    sheet = openpyxl.load_workbook(path)["t"]
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet.cell(row=2, column=1).font.bold
    widths = {k: sheet.column_dimensions[k].width for k in "ABC"}
    assert widths["B"] == 60 and widths["A"] == 8 and widths["C"] <= 14
    assert sheet.auto_filter.ref == "A1:C3"


def test_same_tables_give_the_same_file(tmp_path, tables):
    first = write_results_workbook(tables, tmp_path / "a.xlsx", title="T", run_id="r")
    second = write_results_workbook(tables, tmp_path / "b.xlsx", title="T", run_id="r")
    assert first.read_bytes() == second.read_bytes()
    props = openpyxl.load_workbook(first).properties
    assert props.created == FIXED_TIMESTAMP and props.modified == FIXED_TIMESTAMP
    when = dt.datetime(2024, 5, 1, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    third = write_results_workbook(tables, tmp_path / "c.xlsx", created=when)
    assert openpyxl.load_workbook(third).properties.modified == dt.datetime(2024, 5, 1, 12, 0)


def test_empty_and_odd_tables(tmp_path):
    tables = {
        "no_rows": pd.DataFrame({"a": pd.Series([], dtype="int64")}),
        "no_columns": pd.DataFrame(),
        "odd": pd.DataFrame(
            {
                "when": [pd.Timestamp("2024-01-31"), pd.NaT],
                "period": pd.period_range("2024-01", periods=2, freq="M"),
                "big": [np.inf, -np.inf],
                "ctl": ["a\x01b", None],
                "count": pd.array([3, None], dtype="Int64"),
                "flag": pd.array([True, None], dtype="boolean"),
                "error": ["#N/A", "=1+1"],
            }
        ),
    }
    path = write_results_workbook(tables, tmp_path / "odd.xlsx")
    book = openpyxl.load_workbook(path)
    odd = book["odd"]
    assert odd.cell(row=2, column=1).value == dt.datetime(2024, 1, 31)
    assert odd.cell(row=3, column=1).value is None
    assert odd.cell(row=2, column=2).value == "2024-01"
    assert [odd.cell(row=r, column=3).value for r in (2, 3)] == ["inf", "-inf"]
    assert odd.cell(row=2, column=4).value == "ab"
    assert [odd.cell(row=r, column=5).value for r in (2, 3)] == [3, None]
    assert [odd.cell(row=r, column=6).value for r in (2, 3)] == [True, None]
    assert [(odd.cell(row=r, column=7).value, odd.cell(row=r, column=7).data_type) for r in (2, 3)] == [
        ("#N/A", "s"),
        ("=1+1", "s"),
    ]  # text that looks like an error code or a formula stays text
    assert book["no_rows"].max_row == 1


def test_read_csv_tables(tmp_path, tables):
    (tmp_path / "tables").mkdir()
    for name, frame in tables.items():
        safe = name.replace("/", "_")
        frame.to_csv(tmp_path / "tables" / f"{safe}.csv", index=False, lineterminator="\n")
    (tmp_path / "tables" / "codes.csv").write_text("code,n\n007,1\n010,\n")
    (tmp_path / "tables" / "empty.csv").write_text("")
    (tmp_path / "tables" / "notes.txt").write_text("not a table")
    read = read_csv_tables(tmp_path)
    assert list(read) == sorted(read) and "notes" not in read and read["empty"].empty
    assert read["codes"]["code"].tolist() == ["007", "010"]  # leading zeros stay text
    assert read["codes"]["n"].dtype == "float64" and pd.isna(read["codes"]["n"].iloc[1])
    indicators = read[LONG]
    assert indicators["numerator"].tolist() == ["*", 25, "*", 39]
    assert [type(v) for v in indicators["numerator"]] == [str, int, str, int]
    assert indicators["denominator"].dtype == "int64"
    phases = read[LONG + "_detail"]
    assert phases["special_cause"].dtype == bool and phases["phase"].dtype == "int64"
    effects = read[FORBIDDEN.replace("/", "_")]
    assert effects["estimate"].tolist() == [-0.123456789012345, 0.5]
    assert effects["note"].tolist() == ["=SUM(A1:A2)", "ok"]
    path = write_results_workbook(read, tmp_path / "results.xlsx")
    sheet = openpyxl.load_workbook(path)[sheet_names(read)[LONG]]
    assert [c.data_type for c in sheet["B"][1:]] == ["s", "n", "s", "n"]


def test_read_csv_tables_needs_a_tables_folder(tmp_path):
    with pytest.raises(DataValidationError, match="no tables folder"):
        read_csv_tables(tmp_path)


def test_a_table_longer_than_the_workbook_takes_is_left_out_and_the_readme_says_where_it_is(tmp_path):
    from pss_analysis.reporting.workbook import WORKBOOK_MAX_ROWS

    long = pd.DataFrame({"unit": "A", "value": np.arange(WORKBOOK_MAX_ROWS + 1, dtype=float)})
    fits = pd.DataFrame({"unit": ["A", "B"], "verdict": ["improved", "no evidence of change"]})
    (tmp_path / "tables").mkdir()
    long.to_csv(tmp_path / "tables" / "units_series.csv", index=False)
    fits.to_csv(tmp_path / "tables" / "units_evidence.csv", index=False)
    read = read_csv_tables(tmp_path, max_rows=WORKBOOK_MAX_ROWS)
    assert read["units_series"].empty and read["units_series"].attrs["rows"] == WORKBOOK_MAX_ROWS + 1
    assert len(read["units_evidence"]) == 2
    for tables in (read, {"units_series": long, "units_evidence": fits}):  # read back, or in memory
        path = write_results_workbook(tables, tmp_path / "r.xlsx")
        book = openpyxl.load_workbook(path, read_only=True)
        assert book.sheetnames == ["README", "units_evidence"]
        rows = [[c for c in row if c is not None] for row in book["README"].iter_rows(values_only=True)]
        listed = next(r for r in rows if r and r[0] == "(none)")
        assert listed[1] == "units_series" and listed[3] == WORKBOOK_MAX_ROWS + 1
        assert (
            "its 100,001 rows are more than the workbook takes (100,000); the CSV file units_series.csv" in (listed[2])
        )


def test_rows_written_directly_read_back_as_openpyxl_writes_them(tmp_path, monkeypatch):
    """Data rows of numbers, booleans and text are written straight into the sheet's XML (openpyxl is slow
    on half a million cells); read back, every cell equals what openpyxl itself writes."""
    import pss_analysis.reporting.workbook as workbook

    frame = pd.DataFrame(
        {
            "text": ["plain", " spaced ", "a & b < c", "", None, "=1+1", "#N/A", "ünïcode"],
            "number": [0.1, 1 / 3, -2.0, 1e-300, np.nan, np.inf, 12345678901234567.0, 5.0],
            "whole": [1, 2, 3, 4, 5, 6, 7, 12345678901234567],
            "flag": [True, False, True, False, True, False, True, False],
        }
    )
    direct = write_results_workbook({"t": frame}, tmp_path / "direct.xlsx")
    monkeypatch.setattr(workbook, "_XML_TYPES", ())  # every row through openpyxl
    through = write_results_workbook({"t": frame}, tmp_path / "openpyxl.xlsx")

    def cells(path):
        return [[(c.value, c.data_type) for c in row] for row in openpyxl.load_workbook(path)["t"].iter_rows()]

    assert cells(direct) == cells(through)
    assert cells(direct)[3][0] == ("a & b < c", "s") and cells(direct)[2][0] == (" spaced ", "s")
