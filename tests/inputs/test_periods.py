"""pss_analysis.inputs.periods: every accepted period format, conversions, errors and gaps."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.inputs import periods
from pss_analysis.inputs.periods import find_gaps, format_period, missing_periods, parse_periods, to_month


def test_public_names_are_documented():
    for name in periods.__all__:
        assert getattr(periods, name).__doc__ or not callable(getattr(periods, name))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2016-04-17", pd.Period("2016-04-17", "D")),
        ("2016-4-7", pd.Period("2016-04-07", "D")),
        ("2016-04-17 13:45:00", pd.Period("2016-04-17", "D")),
        ("2016-04-17T13:45", pd.Period("2016-04-17", "D")),
        ("17/04/2016", pd.Period("2016-04-17", "D")),
        ("7/4/2016", pd.Period("2016-04-07", "D")),
        ("04/05/2016", pd.Period("2016-05-04", "D")),  # UK: day first, 4 May
        (" 17/04/2016 ", pd.Period("2016-04-17", "D")),
        ("2016-04", pd.Period("2016-04", "M")),
        ("Apr 2016", pd.Period("2016-04", "M")),
        ("april 2016", pd.Period("2016-04", "M")),
        ("APR-2016", pd.Period("2016-04", "M")),
        ("Sept 2016", pd.Period("2016-09", "M")),
        ("January 2019", pd.Period("2019-01", "M")),
        ("Jan-19", pd.Period("2019-01", "M")),  # Excel's mmm-yy
        ("jan 19", pd.Period("2019-01", "M")),
        ("Dec-29", pd.Period("2029-12", "M")),  # two-digit years as Excel reads them: 00-29 are 20xx
        ("Dec-30", pd.Period("1930-12", "M")),  # ... and 30-99 are 19xx
        ("17 Apr 2016", pd.Period("2016-04-17", "D")),
        ("17-Apr-16", pd.Period("2016-04-17", "D")),  # Excel's dd-mmm-yy
        ("1 January 2019", pd.Period("2019-01-01", "D")),
        ("2016Q2", pd.Period("2016Q2", "Q-DEC")),
        ("2016 Q2", pd.Period("2016Q2", "Q-DEC")),
        ("2016-Q2", pd.Period("2016Q2", "Q-DEC")),
        ("q2 2016", pd.Period("2016Q2", "Q-DEC")),
        ("2016/17", pd.Period("2017", "Y-MAR")),
        ("2016/2017", pd.Period("2017", "Y-MAR")),
        ("FY 2016/17", pd.Period("2017", "Y-MAR")),
        ("1999/00", pd.Period("2000", "Y-MAR")),
    ],
)
def test_each_format(text, expected):
    result = parse_periods(pd.Series([text]))
    assert result.iloc[0] == expected
    assert result.dtype == pd.PeriodDtype(expected.freq)


def test_excel_month_columns_read_as_months():
    """A column exported from Excel with the mmm-yy format, beside one written out in full."""
    short = parse_periods(pd.Series(["Nov-18", "Dec-18", "Jan-19"]))
    full = parse_periods(pd.Series(["November 2018", "December 2018", "January 2019"]))
    assert list(short) == list(full) == list(pd.period_range("2018-11", periods=3, freq="M"))


def test_financial_year_is_april_to_march():
    fy = parse_periods(["2016/17"])[0]
    assert fy.start_time == pd.Timestamp("2016-04-01")
    assert fy.end_time.normalize() == pd.Timestamp("2017-03-31")
    assert format_period(fy) == "2016/17"


def test_typed_values():
    dates = pd.Series(pd.to_datetime(["2016-04-17", "2016-05-01"]))
    assert list(to_month(dates).astype(str)) == ["2016-04", "2016-05"]
    objects = pd.Series([dt.date(2016, 4, 17), dt.datetime(2016, 5, 3, 10)], dtype=object)
    assert list(to_month(objects).astype(str)) == ["2016-04", "2016-05"]
    months = pd.Series(pd.period_range("2016-01", periods=3, freq="M"))
    assert parse_periods(months).equals(months)


def test_conversion_to_coarser_frequencies():
    days = pd.Series(["2016-03-31", "2016-04-01"])
    assert list(parse_periods(days, freq="M").astype(str)) == ["2016-03", "2016-04"]
    assert list(parse_periods(days, freq="Q").astype(str)) == ["2016Q1", "2016Q2"]
    fy = parse_periods(days, freq="FY")
    assert [format_period(p) for p in fy] == ["2015/16", "2016/17"]
    assert [format_period(p) for p in parse_periods(["2016Q1", "2016Q2"], freq="FY")] == ["2015/16", "2016/17"]


def test_cannot_convert_to_a_finer_frequency():
    with pytest.raises(DataValidationError, match="cannot be split into months"):
        parse_periods(["2016Q2"], freq="M")


def test_unknown_frequency_is_a_parameter_error():
    with pytest.raises(ParameterError, match="unknown period frequency"):
        parse_periods(["2016-04"], freq="W")


def test_index_is_kept_and_other_inputs_give_a_period_index():
    s = pd.Series(["2016-04", "2016-05"], index=[10, 11])
    assert list(parse_periods(s).index) == [10, 11]
    assert isinstance(parse_periods(["2016-04"]), pd.PeriodIndex)


@pytest.mark.parametrize(
    ("values", "row", "found", "why"),
    [
        (["2016-04", "2016-13"], 3, "2016-13", "no month 13"),
        (["04/17/2016"], 2, "04/17/2016", "day first"),
        (["31/02/2016"], 2, "31/02/2016", "not a real date"),
        (["2016/18"], 2, "2016/18", "two consecutive years"),
        (["Foo 2016"], 2, "Foo 2016", "not a month name"),
        (["Foo-16"], 2, "Foo-16", "not a month name"),
        (["31 Feb 2016"], 2, "31 Feb 2016", "not a real date"),
        (["2016-04", "soon"], 3, "soon", ""),
    ],
)
def test_unparseable_names_file_row_column_and_value(values, row, found, why):
    with pytest.raises(DataValidationError) as info:
        parse_periods(pd.Series(values), file="data.csv", column="period")
    text = str(info.value)
    assert text.startswith(f"data.csv, row {row}, column 'period': unparseable period")
    assert why in text and repr(found) in text
    assert info.value.row == row and info.value.found == found


def test_mixed_frequencies_name_the_first_row_that_differs():
    with pytest.raises(DataValidationError) as info:
        parse_periods(pd.Series(["2016-04", "2016-05", "2016Q3"]), file="f.csv", column="period")
    assert str(info.value).startswith("f.csv, row 4, column 'period': mixed period frequencies in one column")
    assert "like row 2" in str(info.value)


def test_dates_and_months_are_mixed_frequencies():
    with pytest.raises(DataValidationError, match="mixed period frequencies"):
        to_month(pd.Series(["2016-04-17", "2016-05"]))


def test_missing_values_are_errors_unless_allowed():
    with pytest.raises(DataValidationError, match="row 3.*a period is required"):
        parse_periods(pd.Series(["2016-04", ""]))
    out = parse_periods(pd.Series(["2016-04", None, " "]), allow_missing=True)
    assert out.isna().tolist() == [False, True, True]


def test_row_offset():
    with pytest.raises(DataValidationError, match="^row 7: "):
        parse_periods(pd.Series(["x"], index=[7]), row_offset=0)


def test_gaps():
    p = to_month(["2016-01", "2016-02", "2016-05", "2016-07", "2016-07"])
    assert list(missing_periods(p).astype(str)) == ["2016-03", "2016-04", "2016-06"]
    assert [(str(a), str(b)) for a, b in find_gaps(p)] == [("2016-03", "2016-04"), ("2016-06", "2016-06")]
    assert find_gaps(to_month(["2016-01", "2016-02"])) == []
    assert find_gaps(pd.PeriodIndex([], freq="M")) == []


def test_format_period():
    assert format_period(pd.Period("2016-04", "M")) == "2016-04"
    assert format_period(pd.Period("2016Q2", "Q-DEC")) == "2016Q2"
    assert format_period(pd.Period("2016-04-17", "D")) == "2016-04-17"
    assert format_period(pd.NaT) == ""


def test_many_values_are_read_once_each():
    values = pd.Series(np.tile(["2016-04-01", "2016-05-02"], 50_000))
    out = to_month(values)
    assert out.value_counts().to_dict() == {pd.Period("2016-04", "M"): 50_000, pd.Period("2016-05", "M"): 50_000}
