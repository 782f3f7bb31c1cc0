"""pss_analysis.inputs.validation: each check triggers its message, and problems are collected, not just the first."""

from __future__ import annotations

import codecs
import csv
import io

import openpyxl
import pandas as pd
import pytest

from pss_analysis.errors import DataValidationError
from pss_analysis.inputs import validation
from pss_analysis.inputs.tables import load_indicators_checked, load_measures
from pss_analysis.inputs.validation import (
    MAX_LISTED_ERRORS,
    ValidationReport,
    read_table,
    sniff_encoding,
)

CATALOGUE = """measure_id,name,perspective,unit,kind,multiplier,improvement_direction,target,unit_cost,description
adm,Admissions,strategic,per 1000,rate,1000,decrease,,,x
sat,Satisfied,service_user,%,proportion,100,increase,,,x
new,New patients,operational,n,count,1,increase,,,x
los,Length of stay,operational,days,mean,1,decrease,,,x
"""
HEADER = "measure_id,period,numerator,denominator\n"


@pytest.fixture
def measures(tmp_path):
    path = tmp_path / "measures.csv"
    path.write_text(CATALOGUE, encoding="utf-8")
    return load_measures(path)


def _good_rows(months=("2016-04", "2016-05", "2016-06")) -> list[str]:
    rows = []
    for m in months:
        rows += [f"adm,{m},10,1000", f"sat,{m},5,10", f"new,{m},7,", f"los,{m},80,10"]
    return rows


def _write(tmp_path, rows, name="indicators.csv", header=HEADER, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes((header + "\n".join(rows) + "\n").encode(encoding))
    return path


def _checked(path, measures):
    """(frame, report) on success; (None, report) when errors were raised."""
    try:
        return load_indicators_checked(path, measures)
    except DataValidationError as exc:
        return None, exc.report


def test_public_names_are_documented():
    for name in validation.__all__:
        obj = getattr(validation, name)
        assert not callable(obj) or obj.__doc__, name


def test_clean_file_has_no_problems(tmp_path, measures):
    frame, report = _checked(_write(tmp_path, _good_rows()), measures)
    assert frame is not None and len(report) == 0 and report.ok
    assert list(frame.columns) == ["measure_id", "period", "numerator", "denominator", "value"]


# ---- one test per problem -----------------------------------------------------


def test_missing_column(tmp_path, measures):
    path = _write(tmp_path, ["adm,2016-04,10"], header="measure_id,period,numerator\n")
    _, report = _checked(path, measures)
    (problem,) = report.errors
    assert problem.check == "missing_column" and problem.column == "denominator"
    assert str(problem) == (
        f"{path}, column 'denominator': missing column; expected columns measure_id, period, "
        "numerator, denominator, found 'measure_id, period, numerator'"
    )


def test_unparseable_period(tmp_path, measures):
    rows = _good_rows()
    rows[4] = "adm,Febtember 2016,10,1000"
    _, report = _checked(_write(tmp_path, rows), measures)
    assert [p.check for p in report.errors] == ["unparseable_period"]
    assert str(report.errors[0]).startswith(
        f"{tmp_path / 'indicators.csv'}, row 6, column 'period': unparseable period ('Febtember' is not a month name)"
    )


def test_mixed_period_frequencies(tmp_path, measures):
    rows = _good_rows()
    rows[5] = "sat,2016Q2,5,10"
    _, report = _checked(_write(tmp_path, rows), measures)
    assert "mixed_period_frequency" in {p.check for p in report.errors}
    assert any(p.row == 7 and "like row 2" in str(p) for p in report.errors)


def test_unparseable_number(tmp_path, measures):
    rows = _good_rows()
    rows[0] = "adm,2016-04,1O,1000"  # letter O
    rows[1] = "sat,2016-04,5,1,000"  # thousands separator: an extra field
    _, report = _checked(_write(tmp_path, rows), measures)
    checks = [(p.check, p.row, p.column) for p in report.errors]
    assert ("unparseable_number", 2, "numerator") in checks
    assert ("extra_values", 3, None) in checks
    assert any("found '1O'" in str(p) for p in report.errors)


def test_thousands_separators_are_read_as_numbers(tmp_path, measures):
    rows = _good_rows()
    rows[0] = 'adm,2016-04,"1,234","1,000,000"'  # quoted, as Excel writes a number formatted with commas
    rows[3] = 'los,2016-04,"12,345.5","1,000"'
    rows[7] = "los,2016-05,1.5e3,10"
    frame, report = _checked(_write(tmp_path, rows), measures)
    assert report.ok, str(report)
    first = frame[frame["period"] == pd.Period("2016-04", "M")].set_index("measure_id")
    assert (first.at["adm", "numerator"], first.at["adm", "denominator"]) == (1234.0, 1_000_000.0)
    assert (first.at["los", "numerator"], first.at["los", "denominator"]) == (12345.5, 1000.0)
    assert frame.loc[frame["measure_id"] == "los", "numerator"].iloc[1] == 1500.0


@pytest.mark.parametrize("text", ["1,23", "12,34,567", "1.234,5", ",123", "1,234,"])
def test_commas_that_are_not_thousands_separators_are_not_numbers(tmp_path, measures, text):
    rows = _good_rows()
    rows[3] = f'los,2016-04,"{text}",10'
    _, report = _checked(_write(tmp_path, rows), measures)
    assert [(p.check, p.row, p.column, p.found) for p in report.errors] == [
        ("unparseable_number", 5, "numerator", text)
    ]


@pytest.mark.parametrize(
    ("text", "check", "said"),
    [
        ("inf", "non_finite_number", "not a finite number; expected a number (not infinity or NaN), found 'inf'"),
        ("-Infinity", "non_finite_number", "not a finite number"),
        ("nan", "non_finite_number", "not a finite number"),
        ("1e400", "non_finite_number", "not a finite number"),
        ("1e300", "implausible_number", "implausibly large number; expected a size of at most 1,000,000,000,000,000"),
        ("-2e15", "implausible_number", "implausibly large number"),
    ],
)
def test_non_finite_and_implausible_numbers_are_errors(tmp_path, measures, text, check, said):
    rows = _good_rows()
    rows[3] = f"los,2016-04,{text},10"  # a mean: negative amounts are allowed, infinity is not
    _, report = _checked(_write(tmp_path, rows), measures)
    assert [(p.check, p.row, p.column) for p in report.errors] == [(check, 5, "numerator")]
    assert said in str(report.errors[0])


def test_the_bound_is_inclusive_and_below_exact_float_integers():
    assert validation.MAX_ABS_NUMBER == 1e15 < 2**53  # whole numbers up to the bound are exact
    report = ValidationReport()
    frame = pd.DataFrame({"n": ["1000000000000000", "1000000000000001"]}, index=[2, 3])
    values = validation.parse_numbers(frame, "n", "f.csv", report)
    assert values[2] == 1e15 and pd.isna(values[3])
    assert [(p.check, p.row) for p in report.errors] == [("implausible_number", 3)]


def test_an_already_numeric_column_is_checked_too():
    report = ValidationReport()
    frame = pd.DataFrame({"n": [1.0, float("inf"), 1e300]}, index=[2, 3, 4])
    values = validation.parse_numbers(frame, "n", "f.csv", report)
    assert [(p.check, p.row) for p in report.errors] == [("non_finite_number", 3), ("implausible_number", 4)]
    assert values.isna().tolist() == [False, True, True]


def test_one_wrong_number_format_in_every_row_is_one_error(tmp_path, measures):
    """A European export (decimal comma) writes every numerator one way: one message, not one per row."""
    rows = [f'{mid},{period},"{num},5",{den}' for mid, period, num, den in (r.split(",") for r in _good_rows())]
    _, report = _checked(_write(tmp_path, rows), measures)
    number_errors = [p for p in report.errors if p.column == "numerator"]
    assert len(number_errors) == 1
    assert str(number_errors[0]) == (
        f"{tmp_path / 'indicators.csv'}, row 2, column 'numerator': 12 rows (the first on row 2, the last on "
        "row 13) have numbers written as '#,#' (# stands for digits), a format that cannot be "
        f"read; expected a number: {validation.NUMBER_FORMATS}, found '10,5'"
    )


def test_a_wrong_format_on_a_few_rows_names_each_row(tmp_path, measures):
    rows = _good_rows()
    for i in (0, 4, 8, 10):
        rows[i] = rows[i].replace(",10,", ",ten,", 1).replace(",7,", ",seven,", 1)
    _, report = _checked(_write(tmp_path, rows), measures)
    assert [(p.row, p.found) for p in report.errors] == [(2, "ten"), (6, "ten"), (10, "ten"), (12, "seven")]
    assert validation.ONE_MESSAGE_FROM == 5


def test_one_wrong_period_format_in_every_row_is_one_error(tmp_path, measures):
    rows = [
        r.replace("2016-04", "01.04.2016").replace("2016-05", "01.05.2016").replace("2016-06", "01.06.2016")
        for r in _good_rows()
    ]
    rows[5] = "sat,2016-13,5,10"  # a known format with a wrong value is still named on its row
    _, report = _checked(_write(tmp_path, rows), measures)
    period_errors = [str(p) for p in report.errors if p.column == "period"]
    assert len(period_errors) == 2
    assert "row 7, column 'period': unparseable period (there is no month 13)" in period_errors[0]
    assert (
        "row 2, column 'period': 11 rows (the first on row 2, the last on row 13) have periods written as '#.#.#'"
        in period_errors[1]
    )
    assert period_errors[1].endswith("found '01.04.2016'")


def test_duplicated_measure_and_period(tmp_path, measures):
    rows = [*_good_rows(), "adm,2016-05,11,1000"]
    _, report = _checked(_write(tmp_path, rows), measures)
    (problem,) = report.errors
    assert problem.check == "duplicate" and problem.row == 14
    assert "first on row 6" in problem.message and problem.found == "adm 2016-05"


def test_gap_in_period_sequence_is_a_warning(tmp_path, measures):
    rows = [
        r
        for r in _good_rows(("2016-04", "2016-05", "2016-06", "2016-07"))
        if not r.startswith("adm,2016-05") and not r.startswith("adm,2016-06")
    ]
    frame, report = _checked(_write(tmp_path, rows), measures)
    assert frame is not None and report.ok
    (warning,) = report.warnings
    assert warning.check == "period_gap"
    assert "measure_id adm: 2 periods missing from the sequence (2016-05 to 2016-06)" in str(warning)


def test_negative_and_fractional_counts(tmp_path, measures):
    rows = _good_rows()
    rows[2] = "new,2016-04,-3,"
    rows[6] = "new,2016-05,2.5,"
    _, report = _checked(_write(tmp_path, rows), measures)
    assert [(p.check, p.row) for p in report.errors] == [("negative_count", 4), ("non_whole_count", 8)]
    assert "a count cannot be negative" in str(report.errors[0])


def test_numerator_above_denominator_for_proportion(tmp_path, measures):
    rows = _good_rows()
    rows[1] = "sat,2016-04,12,10"
    _, report = _checked(_write(tmp_path, rows), measures)
    (problem,) = report.errors
    assert problem.check == "numerator_above_denominator"
    assert str(problem).endswith(
        "row 3, column 'numerator': numerator above denominator for a proportion; expected at most 10, found 12.0"
    )


def test_zero_or_missing_denominator(tmp_path, measures):
    rows = _good_rows()
    rows[0] = "adm,2016-04,10,0"
    rows[3] = "los,2016-04,80,"
    _, report = _checked(_write(tmp_path, rows), measures)
    assert [(p.check, p.row, p.column) for p in report.errors] == [
        ("missing_denominator", 2, "denominator"),
        ("missing_denominator", 5, "denominator"),
    ]


def test_measures_not_in_catalogue_and_catalogue_measures_without_data(tmp_path, measures):
    rows = [r for r in _good_rows() if not r.startswith("los")] + ["xyz,2016-04,1,", "xyz,2016-05,1,"]
    _, report = _checked(_write(tmp_path, rows), measures)
    checks = {(p.check, p.found) for p in report.errors}
    assert ("unknown_measure", "xyz (2 rows)") in checks
    assert ("measure_without_data", "none") in checks
    assert any(
        "measure in the catalogue (measures) has no data; expected rows for los" in str(p) for p in report.errors
    )


def test_non_utf8_encoding_says_which(tmp_path, measures):
    path = tmp_path / "indicators.csv"
    text = HEADER + "\n".join(_good_rows()) + "\n"
    path.write_bytes(text.encode("utf-8") + "x,2016-04,\u2019,\n".encode("cp1252"))
    _, report = _checked(path, measures)
    enc = [p for p in report.errors if p.check == "encoding"]
    assert len(enc) == 1 and enc[0].found == "cp1252" and enc[0].row == 14
    assert "looks like Windows-1252 (cp1252" in str(enc[0]) and "0x92" in str(enc[0])
    # the file was still read (in cp1252), so the other problems of that row are reported too
    assert {"unknown_measure", "unparseable_number"} <= {p.check for p in report.errors}


def test_byte_order_mark_is_a_warning_and_handled(tmp_path, measures):
    path = tmp_path / "indicators.csv"
    path.write_bytes(codecs.BOM_UTF8 + (HEADER + "\n".join(_good_rows()) + "\n").encode("utf-8"))
    frame, report = _checked(path, measures)
    assert frame is not None and report.ok
    assert [p.check for p in report.warnings] == ["byte_order_mark"]
    assert frame["measure_id"].iloc[0] == "adm"


ROWS = [
    ["adm", "2016-04", "10", "1000", " North "],
    ["sat", "2016-04", "", "10", "Sheffield—Hallam"],
    ["new", "2016-05", "7"],  # a short row: the missing cells are blank
    ["los", "2016-05", "80", "10", "é"],
    [",", "", "", "", ""],  # text with a comma (quoted in the plain file too)
    ["", "", "", "", ""],  # a blank row
    [" ", "", "", "", "  "],
    ["adm", "2016-06", "1,234", "2000", "NA"],
]


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("rows", [ROWS[:4], ROWS[:4] + ROWS[5:6], ROWS[:4] + ROWS[6:7], ROWS[:4] + ROWS[7:], ROWS])
def test_a_plain_csv_reads_as_the_same_table_as_a_quoted_one(tmp_path, rows, newline):
    """A plain CSV (no quotes) is read by pandas' parser, a quoted one row by row: the same table, with
    the same row numbers, blank rows dropped and short rows filled with blanks."""
    header = ["measure_id", " period ", "numerator", "denominator", "locality"]
    frames = []
    for quoting in (csv.QUOTE_MINIMAL, csv.QUOTE_ALL):
        text = io.StringIO(newline="")
        csv.writer(text, quoting=quoting, lineterminator=newline).writerows([header, *rows])
        path = tmp_path / f"table{quoting}.csv"
        path.write_bytes(text.getvalue().encode("utf-8"))
        frames.append(read_table(path, expected=["measure_id", "period"]))
    plain, quoted = frames
    pd.testing.assert_frame_equal(plain, quoted)
    assert list(plain.columns) == ["measure_id", "period", "numerator", "denominator", "locality"]
    kept = [k + 2 for k, row in enumerate(rows) if any(c.strip() for c in row)]
    assert plain.index.tolist() == kept
    assert plain.loc[2, "locality"] == " North " and plain.loc[4, "denominator"] == ""


def _workbook(path, rows, title_rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in title_rows:
        ws.append(row)
    ws.append(HEADER.strip().split(","))
    for row in rows:
        ws.append([_cell(v) for v in row.split(",")])
    wb.save(path)
    return path


def _cell(value):
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        return value or None


def test_excel_header_below_the_first_line(tmp_path, measures):
    rows = _good_rows()
    rows[1] = "sat,2016-04,12,10"  # a problem, to check row numbers follow the sheet
    path = _workbook(tmp_path / "indicators.xlsx", rows, [["Northbrook indicators (synthetic)"], []])
    _, report = _checked(path, measures)
    assert [p.check for p in report.warnings] == ["header_row"]
    assert "the header is on row 3, not row 1" in str(report.warnings[0])
    (error,) = report.errors
    assert error.check == "numerator_above_denominator" and error.row == 5  # sheet row of the data


def test_excel_dates_are_months(tmp_path, measures):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    for m in (4, 5, 6):
        for mid, num, den in (("adm", 10, 1000), ("sat", 5, 10), ("new", 7, None), ("los", 80, 10)):
            ws.append([mid, pd.Timestamp(2016, m, 1).to_pydatetime(), num, den])
    wb.save(tmp_path / "ind.xlsx")
    frame, report = _checked(tmp_path / "ind.xlsx", measures)
    assert report.ok and frame["period"].astype(str).unique().tolist() == ["2016-04", "2016-05", "2016-06"]


def test_parquet_input(tmp_path, measures):
    frame = pd.DataFrame([r.split(",") for r in _good_rows()], columns=HEADER.strip().split(","))
    frame["numerator"] = frame["numerator"].astype(float)
    frame["denominator"] = pd.to_numeric(frame["denominator"])
    frame.to_parquet(tmp_path / "ind.parquet")
    parquet, report = _checked(tmp_path / "ind.parquet", measures)
    csv, _ = _checked(_write(tmp_path, _good_rows()), measures)
    assert report.ok
    pd.testing.assert_frame_equal(parquet, csv)


# ---- all problems at once -------------------------------------------------------


def test_every_problem_is_collected_in_one_report(tmp_path, measures):
    rows = _good_rows(("2016-04", "2016-05", "2016-06", "2016-07"))
    rows = [r for r in rows if not r.startswith("new,2016-05")]  # gap (warning)
    rows[0] = "adm,2016-04,10,0"  # zero denominator
    rows[1] = "sat,2016-04,12,10"  # numerator above denominator
    rows[2] = "new,2016-04,-1,"  # negative count
    rows[3] = "los,2016-04,eighty,10"  # not a number
    rows[4] = "adm,2016/05,10,1000"  # bad period (financial year that is not)
    rows += ["sat,2016-05,5,10", "zzz,2016-04,1,"]  # duplicate, unknown measure
    path = tmp_path / "indicators.csv"
    path.write_bytes(codecs.BOM_UTF8 + (HEADER + "\n".join(rows) + "\n").encode("utf-8"))
    with pytest.raises(DataValidationError) as info:
        load_indicators_checked(path, measures)
    report = info.value.report
    assert {p.check for p in report.errors} == {
        "missing_denominator",
        "numerator_above_denominator",
        "negative_count",
        "unparseable_number",
        "unparseable_period",
        "duplicate",
        "unknown_measure",
    }
    assert {p.check for p in report.warnings} == {"byte_order_mark", "period_gap"}
    text = str(info.value)
    lines = text.splitlines()
    assert lines[0] == f"{len(report.errors)} errors in the input data:"
    assert len(lines) == len(report.errors) + 1  # one line per error
    assert all(line.startswith(f"  {path}, ") for line in lines[1:])
    table = report.to_frame()
    assert list(table.columns) == ["severity", "check", "file", "row", "column", "message", "expected", "found", "text"]
    assert len(table) == len(report) and set(table["severity"]) == {"error", "warning"}
    assert str(table["row"].dtype) == "Int64"


# ---- the report itself ------------------------------------------------------------


def test_report_raise_single_error_is_one_line_with_context():
    report = ValidationReport()
    report.warning("period_gap", "a gap", file="f.csv")
    report.raise_if_errors()  # warnings alone do not raise
    report.error("missing_value", "a value is required", file="f.csv", row=3, column="x", found="")
    with pytest.raises(DataValidationError) as info:
        report.raise_if_errors()
    assert str(info.value) == "f.csv, row 3, column 'x': a value is required; found ''"
    assert info.value.row == 3 and info.value.column == "x" and info.value.report is report


def test_report_raise_caps_the_list_with_a_count():
    report = ValidationReport()
    for i in range(MAX_LISTED_ERRORS + 7):
        report.error("unparseable_number", "not a number", file="f.csv", row=i + 2, column="n", found="x")
    with pytest.raises(DataValidationError) as info:
        report.raise_if_errors()
    lines = str(info.value).splitlines()
    assert lines[0] == f"{MAX_LISTED_ERRORS + 7} errors in the input data:"
    assert len(lines) == MAX_LISTED_ERRORS + 2 and lines[-1] == "  ... and 7 more errors"
    assert len(report.to_frame()) == MAX_LISTED_ERRORS + 7  # nothing is lost


def test_report_rejects_unknown_severity():
    with pytest.raises(ValueError):
        ValidationReport().add("fatal", "x", "y")


# ---- reading helpers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding", "utf8", "bom"),
    [
        ("a,b\n£1,2\n".encode(), "utf-8", True, None),
        (codecs.BOM_UTF8 + b"a,b\n", "utf-8-sig", True, "UTF-8"),
        ("a,b\n\u2019x\u20ac\n".encode("cp1252"), "cp1252", False, None),
        ("a,b\n£1\n".encode("latin-1"), "cp1252", False, None),
        ("a,b\n".encode("utf-16"), "utf-16", False, "UTF-16"),
        ("a,b\nc,d\n".encode("utf-16-le"), "utf-16-le", False, None),
    ],
)
def test_sniff_encoding(data, encoding, utf8, bom):
    guess = sniff_encoding(data)
    assert (guess.encoding, guess.utf8, guess.bom) == (encoding, utf8, bom)


def test_latin1_guess_is_worded_as_either(tmp_path):
    report = ValidationReport()
    path = tmp_path / "t.csv"
    path.write_bytes("code\n£5\n".encode("latin-1"))
    frame = read_table(path, expected=["code"], report=report)
    assert frame.loc[2, "code"] == "£5"
    assert "Windows-1252 (cp1252) or Latin-1 (ISO-8859-1)" in str(report.errors[0])


def test_read_table_rows_are_spreadsheet_rows_and_blank_lines_skipped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("Title line\n\na,b\n1,2\n\n3,4\n", encoding="utf-8")
    report = ValidationReport()
    frame = read_table(path, expected=["a", "b"], report=report)
    assert list(frame.index) == [4, 6] and frame.loc[6, "b"] == "4"
    assert [p.check for p in report] == ["header_row"]


def test_read_table_unknown_suffix_and_missing_file(tmp_path):
    report = ValidationReport()
    read_table(tmp_path / "x.json", report=report)
    read_table(tmp_path / "nope.csv", report=report)
    assert [p.check for p in report] == ["missing_file", "missing_file"]
    (tmp_path / "x.json").write_text("{}")
    report = ValidationReport()
    read_table(tmp_path / "x.json", report=report)
    assert [p.check for p in report] == ["file_type"]
    with pytest.raises(DataValidationError, match="cannot read a .json file"):
        read_table(tmp_path / "x.json")
