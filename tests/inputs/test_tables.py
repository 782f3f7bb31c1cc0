"""pss_analysis.inputs.tables: loaders keep their shapes; errors are collected; warnings reach the caller."""

from __future__ import annotations

import codecs
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import DEMO_DATA

from pss_analysis.errors import DataValidationError, ParameterError, PssWarning
from pss_analysis.inputs import tables as data
from pss_analysis.inputs.tables import (
    check_indicators,
    load_indicators,
    load_indicators_checked,
    load_measures,
    load_measures_checked,
    select_measures,
    summarise,
)


@pytest.fixture(scope="module")
def measures():
    return load_measures(DEMO_DATA / "measures.csv")


@pytest.fixture(scope="module")
def indicators(measures):
    return load_indicators(DEMO_DATA / "indicators.csv", measures)


def test_public_names():
    for name in (
        "load_measures",
        "load_indicators",
        "summarise",
        "select_measures",
        "PERSPECTIVES",
        "KINDS",
        "load_indicators_checked",
        "check_indicators",
    ):
        assert name in data.__all__


def test_demo_shapes(measures, indicators):
    assert list(measures.columns) == list(data.MEASURE_COLUMNS)
    assert measures["multiplier"].dtype == float and measures["target"].dtype == float
    assert list(indicators.columns) == ["measure_id", "period", "numerator", "denominator", "value"]
    assert indicators["period"].dtype == pd.PeriodDtype("M")
    assert len(indicators) == 18 * 60
    assert indicators["measure_id"].drop_duplicates().tolist() == measures["measure_id"].tolist()
    row = indicators[(indicators["measure_id"] == "su_satisfaction")].iloc[0]
    assert (str(row["period"]), row["numerator"], row["denominator"]) == ("2015-04", 145.0, 198.0)
    assert row["value"] == pytest.approx(145 / 198 * 100)
    counts = indicators[indicators["measure_id"] == "staff_trained"]
    assert counts["denominator"].isna().all() and (counts["value"] == counts["numerator"]).all()


def test_demo_has_no_warnings(measures):
    _, report = load_indicators_checked(DEMO_DATA / "indicators.csv", measures)
    assert len(report) == 0


def test_single_error_is_one_line_naming_file_row_column(tmp_path, measures):
    lines = (DEMO_DATA / "indicators.csv").read_text().splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[1], "2016-99")
    bad = tmp_path / "indicators.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataValidationError) as info:
        load_indicators(bad, measures)
    assert str(info.value).startswith(f"{bad}, row 4, column 'period': unparseable period")
    assert "\n" not in str(info.value)


def test_warnings_are_issued_by_the_plain_loader(tmp_path, measures):
    bad = tmp_path / "indicators.csv"
    bad.write_bytes(codecs.BOM_UTF8 + (DEMO_DATA / "indicators.csv").read_bytes())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = load_indicators(bad, measures)
    assert len(frame) == 18 * 60
    assert [w.category for w in caught] == [PssWarning]
    assert "byte-order mark" in str(caught[0].message)


def test_other_period_notations_are_read_as_months(tmp_path, measures):
    frame = pd.read_csv(DEMO_DATA / "indicators.csv", dtype=str, keep_default_na=False)
    frame["period"] = pd.PeriodIndex(frame["period"], freq="M").strftime("%b %Y")
    frame.to_csv(tmp_path / "ind.csv", index=False)
    a = load_indicators(tmp_path / "ind.csv", measures)
    b = load_indicators(DEMO_DATA / "indicators.csv", measures)
    pd.testing.assert_frame_equal(a, b)


def test_excel_and_parquet_inputs(tmp_path, measures, indicators):
    raw = pd.read_csv(DEMO_DATA / "indicators.csv", dtype={"period": str})
    raw.to_parquet(tmp_path / "ind.parquet")
    with pd.ExcelWriter(tmp_path / "ind.xlsx") as writer:
        raw.to_excel(writer, index=False, startrow=2)  # two rows of title space above the header
    pd.testing.assert_frame_equal(load_indicators(tmp_path / "ind.parquet", measures), indicators)
    frame, report = load_indicators_checked(tmp_path / "ind.xlsx", measures)
    pd.testing.assert_frame_equal(frame, indicators)
    assert [p.check for p in report] == ["header_row"]


def test_load_measures_collects_every_error(tmp_path):
    text = (DEMO_DATA / "measures.csv").read_text().splitlines()
    text[2] = text[2].replace(",proportion,", ",ratio,")
    text[3] = text[3].replace(",100,increase,", ",one hundred,increase,")
    text.append(text[1])  # duplicate id
    path = tmp_path / "measures.csv"
    path.write_text("\n".join(text) + "\n")
    with pytest.raises(DataValidationError) as info:
        load_measures(path)
    checks = [(p.check, p.row, p.column) for p in info.value.report.errors]
    assert checks == [
        ("duplicate", 20, "measure_id"),
        ("unknown_value", 3, "kind"),
        ("unparseable_number", 4, "multiplier"),
    ]
    assert str(info.value).startswith("3 errors in the input data:")


def test_load_measures_checked_returns_report(tmp_path):
    path = tmp_path / "measures.csv"
    path.write_bytes(codecs.BOM_UTF8 + (DEMO_DATA / "measures.csv").read_bytes())
    frame, report = load_measures_checked(path)
    assert len(frame) == 18 and [p.check for p in report] == ["byte_order_mark"]


def test_check_indicators_on_a_computed_frame_with_breakdowns(measures):
    frame = pd.DataFrame(
        {
            "measure_id": ["acs_admissions"] * 4,
            "period": pd.PeriodIndex(["2016-04", "2016-04", "2016-05", "2016-05"], freq="M"),
            "locality": ["North", "South", "North", "South"],
            "numerator": [10.0, 12.0, 11.0, 9.0],
            "denominator": [1000.0, 1100.0, 1000.0, 1100.0],
        }
    )
    out, report = check_indicators(frame, measures, file="computed", breakdowns=["locality"], require_all=False)
    assert list(out.columns) == ["measure_id", "period", "locality", "numerator", "denominator", "value"]
    assert out["locality"].tolist() == ["North", "North", "South", "South"]
    assert out["value"].iloc[0] == pytest.approx(10.0)
    dup = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataValidationError, match="duplicated measure_id and locality and period"):
        check_indicators(dup, measures, file="computed", breakdowns=["locality"], require_all=False)
    with pytest.raises(DataValidationError, match="has no data"):
        check_indicators(frame, measures, file="computed", breakdowns=["locality"])


def test_summarise_and_select(measures, indicators):
    summary = summarise(indicators, measures, "2018-04")
    assert len(summary) == 18 and set(summary["points_before"]) == {36} and set(summary["points_after"]) == {24}
    assert np.isfinite(summary["change"]).all()
    chosen = select_measures(measures, ["acs_spend", "su_satisfaction"])
    assert chosen["measure_id"].tolist() == ["su_satisfaction", "acs_spend"]
    with pytest.raises(ParameterError, match="did you mean 'acs_spend'"):
        select_measures(measures, ["acs_spnd"])
