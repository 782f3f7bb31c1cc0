"""Small-number suppression: primary, derived and secondary suppression on hand-made tables,
and the scan that checks outputs for small counts left visible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.reporting.suppression import (
    DEFAULT_THRESHOLD,
    MARKER,
    find_unsuppressed_small_counts,
    suppress_table,
    suppression_rule,
)


def _hidden(result, column):
    """Row positions whose ``column`` shows the marker."""
    return list(np.flatnonzero(result.table[column].astype(str).to_numpy() == result.marker))


def _determined(published: pd.DataFrame, equations, marker=MARKER):
    """Hidden cells a reader could work out exactly from the visible cells and the sums.

    ``equations`` lists (parts, total) with cells as (row position, column). A hidden cell x_i is
    determined by the linear system iff the unit vector e_i lies in the row space of the system
    restricted to hidden cells, i.e. appending e_i does not raise the rank.
    """
    hidden = sorted(
        {cell for parts, total in equations for cell in (*parts, total) if published.iloc[cell[0]][cell[1]] == marker}
    )
    index = {cell: k for k, cell in enumerate(hidden)}
    rows = []
    for parts, total in equations:
        row = np.zeros(len(hidden))
        for cell in parts:
            if cell in index:
                row[index[cell]] += 1
        if total in index:
            row[index[total]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return []
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    return [cell for cell, k in index.items() if np.linalg.matrix_rank(np.vstack([a, np.eye(len(hidden))[k]])) == rank]


# -- constants and the rule ------------------------------------------------------


def test_defaults_follow_the_nhs_convention():
    assert DEFAULT_THRESHOLD == 7 and MARKER == "*"
    assert suppression_rule() == (
        "Counts from 1 to 7, and any value from which such a count could be worked out, are shown as *."
    )
    assert suppression_rule(10, "[c]", suppress_zero=True).startswith("Counts from 0 to 10,")
    assert suppression_rule(1).startswith("Counts of 1,")


# -- primary ------------------------------------------------------------------------


def test_primary_only():
    frame = pd.DataFrame({"measure": ["a", "b", "c", "d", "e"], "count": [0, 1, 7, 8, 120]})
    result = suppress_table(frame, count_columns=["count"])
    assert result.table["count"].tolist() == [0, "*", "*", 8, 120]
    assert result.mask["count"].tolist() == [False, True, True, False, False]
    assert not result.mask["measure"].any()
    assert (result.n_primary, result.n_secondary, result.n_derived) == (2, 0, 0)
    assert result.table["count"].dtype == object
    assert result.rule == suppression_rule()


def test_columns_without_suppression_keep_their_dtype():
    frame = pd.DataFrame({"count": [3, 50], "other": [10, 20], "value": [0.5, 0.25]})
    result = suppress_table(frame, count_columns=["count", "other"])
    assert result.table["other"].dtype == frame["other"].dtype
    assert result.table["value"].dtype == frame["value"].dtype
    frame = pd.DataFrame({"count": [30, 50], "value": [0.5, 0.25]})
    result = suppress_table(frame, count_columns=["count"])
    pd.testing.assert_frame_equal(result.table, frame)
    assert result.n_suppressed == 0


def test_fractions_between_zero_and_threshold_are_small():
    frame = pd.DataFrame({"count": [0.5, 7.0, 7.5, np.nan]})
    result = suppress_table(frame, count_columns=["count"])
    assert result.mask["count"].tolist() == [True, True, False, False]


def test_zero_handling():
    frame = pd.DataFrame({"count": [0, 3, 9]})
    assert suppress_table(frame, count_columns=["count"]).table["count"].tolist() == [0, "*", 9]
    result = suppress_table(frame, count_columns=["count"], suppress_zero=True)
    assert result.table["count"].tolist() == ["*", "*", 9]
    assert result.rule.startswith("Counts from 0 to 7")


def test_threshold_parameter():
    frame = pd.DataFrame({"count": [1, 5, 6, 10, 11]})
    result = suppress_table(frame, count_columns=["count"], threshold=5)
    assert result.table["count"].tolist() == ["*", "*", 6, 10, 11]
    result = suppress_table(frame, count_columns=["count"], threshold=10)
    assert result.table["count"].tolist() == ["*", "*", "*", "*", 11]
    assert "from 1 to 10" in result.rule
    for bad in (0, -1, 2.5, True, "7"):
        with pytest.raises(ParameterError, match="threshold"):
            suppress_table(frame, count_columns=["count"], threshold=bad)


def test_marker_parameter():
    frame = pd.DataFrame({"count": [2, 20]})
    result = suppress_table(frame, count_columns=["count"], marker="[c]")
    assert result.table["count"].tolist() == ["[c]", 20]
    assert result.rule.endswith("are shown as [c].") and result.marker == "[c]"
    with pytest.raises(ParameterError, match="marker"):
        suppress_table(frame, count_columns=["count"], marker="")


def test_input_frame_is_unchanged():
    frame = pd.DataFrame({"locality": ["N", "S", "All"], "numerator": [3, 40, 43], "denominator": [100, 200, 300]})
    frame["value"] = frame["numerator"] / frame["denominator"] * 1000
    before = frame.copy(deep=True)
    result = suppress_table(
        frame,
        count_columns=["numerator", "denominator"],
        derived={"value": ["numerator", "denominator"]},
        totals={"column": "locality", "total_label": "All"},
    )
    pd.testing.assert_frame_equal(frame, before)
    assert result.table is not frame and result.n_suppressed > 0


# -- derived ------------------------------------------------------------------------


def test_derived_rate_is_suppressed_on_the_same_row():
    frame = pd.DataFrame(
        {"period": ["2024-01", "2024-02", "2024-03"], "numerator": [12, 4, 30], "denominator": [1000, 1000, 1000]}
    )
    frame["value"] = frame["numerator"] / frame["denominator"] * 1000
    result = suppress_table(
        frame, count_columns=["numerator", "denominator"], derived={"value": ["numerator", "denominator"]}
    )
    assert result.table["value"].tolist() == [12.0, "*", 30.0]
    assert result.table["denominator"].tolist() == [1000, 1000, 1000]
    assert (result.n_primary, result.n_derived) == (1, 1)
    # without the rule the count would come back as rate x denominator / 1000
    assert frame.loc[1, "value"] * frame.loc[1, "denominator"] / 1000 == 4


def test_derived_follows_a_small_denominator_and_chains():
    frame = pd.DataFrame(
        {
            "numerator": [2, 10],
            "denominator": [5, 50],
            "value": [40.0, 20.0],
            "ci_lower": [5.0, 10.0],
            "ci_upper": [85.0, 33.0],
        }
    )
    result = suppress_table(
        frame,
        count_columns=["numerator", "denominator"],
        derived={"ci_lower": ["value"], "ci_upper": ["value"], "value": ["numerator", "denominator"]},
    )
    assert result.mask.iloc[0].all() and not result.mask.iloc[1].any()


def test_a_missing_derived_value_stays_blank_but_its_chain_is_followed():
    """A blank is not a value to hide: it shows no marker, and what is derived from its row still hides."""
    frame = pd.DataFrame({"total": [6, 40], "rate": [np.nan, np.nan], "difference": [1.5, 3.0]})
    result = suppress_table(frame, count_columns=["total"], derived={"rate": ["total"], "difference": ["rate"]})
    assert result.table["total"].tolist() == ["*", 40]
    assert pd.isna(result.table["rate"]).all() and not result.mask["rate"].any()
    assert result.table["difference"].tolist() == ["*", 3.0]
    assert result.n_derived == 1


def test_derived_needs_known_sources():
    frame = pd.DataFrame({"numerator": [2], "value": [1.0], "note": ["x"]})
    with pytest.raises(ParameterError, match="computed from"):
        suppress_table(frame, count_columns=["numerator"], derived={"value": ["note"]})
    with pytest.raises(ParameterError, match="no such column"):
        suppress_table(frame, count_columns=["numerator"], derived={"rate": ["numerator"]})


# -- secondary ------------------------------------------------------------------------

LOCALITIES = ["North", "South", "East", "West"]


@pytest.fixture
def locality_table():
    """Two periods x four localities plus an "All" row per period; North is 3 in 2024-01."""
    numerators = {"2024-01": [3, 25, 11, 40], "2024-02": [14, 22, 19, 35]}
    rows = []
    for period, values in numerators.items():
        for locality, n in zip(LOCALITIES, values, strict=True):
            rows.append((period, locality, n, 1000))
        rows.append((period, "All", sum(values), 4000))
    frame = pd.DataFrame(rows, columns=["period", "locality", "numerator", "denominator"])
    frame["value"] = frame["numerator"] / frame["denominator"] * 1000
    return frame


def _suppress_localities(frame, **kwargs):
    return suppress_table(
        frame,
        count_columns=["numerator", "denominator"],
        derived={"value": ["numerator", "denominator"]},
        totals={"column": "locality", "total_label": "All"},
        group_by="period",
        **kwargs,
    )


def test_secondary_suppression_hides_the_smallest_other_locality(locality_table):
    result = _suppress_localities(locality_table)
    shown = result.table.set_index(["period", "locality"])
    jan = shown.loc["2024-01"]
    assert jan.loc["North", "numerator"] == "*" and jan.loc["East", "numerator"] == "*"  # 3, then 11
    assert jan.loc["South", "numerator"] == 25 and jan.loc["All", "numerator"] == 79
    assert jan.loc["North", "value"] == "*" and jan.loc["East", "value"] == "*"
    assert (shown.loc["2024-02"] != "*").all().all()  # nothing small in February
    assert (result.n_primary, result.n_secondary, result.n_derived) == (1, 1, 2)
    assert (shown["denominator"] != "*").all()


def test_total_cannot_recover_a_suppressed_cell(locality_table):
    result = _suppress_localities(locality_table)
    published = result.table
    for period, group in published.groupby("period"):
        parts = group[group["locality"] != "All"]["numerator"]
        total = group.loc[group["locality"] == "All", "numerator"].iloc[0]
        unknown = (parts == "*").sum()
        assert unknown == 0 or unknown >= 2, period
        if unknown:  # what the reader can work out: only the sum of the hidden cells
            remainder = total - sum(v for v in parts if v != "*")
            assert remainder == 3 + 11
    # and no hidden cell is determined by the whole system of sums
    equations = []
    for _, rows in published.groupby("period").indices.items():
        total = [r for r in rows if published.iloc[r]["locality"] == "All"][0]
        for column in ("numerator", "denominator"):
            equations.append((tuple((r, column) for r in rows if r != total), (total, column)))
    assert _determined(published, equations) == []


def test_ties_and_zeros_choose_deterministically():
    frame = pd.DataFrame({"locality": ["A", "B", "C", "D", "All"], "count": [0, 2, 9, 9, 20]})
    result = suppress_table(frame, count_columns=["count"], totals={"column": "locality", "total_label": "All"})
    # 2 is primary; the smallest non-zero visible part is 9 (the first of two, row C); the zero is kept
    assert result.table["count"].tolist() == [0, "*", "*", 9, 20]


def test_total_is_hidden_when_no_other_part_is_left():
    # "All" also counts 9 people with no locality recorded
    frame = pd.DataFrame({"locality": ["A", "B", "All"], "count": [3, 0, 12]})
    result = suppress_table(frame, count_columns=["count"], totals={"column": "locality", "total_label": "All"})
    assert result.table["count"].tolist() == ["*", "*", 12]  # the zero part is hidden before the total
    frame = pd.DataFrame({"locality": ["A", "All"], "count": [3, 12]})
    result = suppress_table(frame, count_columns=["count"], totals={"column": "locality", "total_label": "All"})
    assert result.table["count"].tolist() == ["*", "*"]
    assert (result.n_primary, result.n_secondary) == (1, 1)


def test_two_way_table_with_row_and_column_totals():
    """Complements cascade: a cell hidden for its row leaves its column with one hidden cell."""
    frame = pd.DataFrame(
        {
            "locality": ["North", "South", "East", "All"],
            "male": [3, 20, 12, 35],
            "female": [15, 18, 30, 63],
        }
    )
    frame["persons"] = frame["male"] + frame["female"]
    result = suppress_table(
        frame,
        count_columns=["male", "female", "persons"],
        totals={"column": "locality", "total_label": "All", "columns": {"persons": ["male", "female"]}},
    )
    published = result.table
    equations = []
    for column in ("male", "female", "persons"):
        equations.append((tuple((r, column) for r in range(3)), (3, column)))
    for r in range(4):
        equations.append((((r, "male"), (r, "female")), (r, "persons")))
    for parts, total in equations:
        hidden = sum(published.iloc[c[0]][c[1]] == "*" for c in (*parts, total))
        assert hidden != 1, (parts, total)
    assert _determined(published, equations) == []
    assert published.loc[0, "male"] == "*" and result.n_primary == 1 and result.n_secondary >= 3


def test_a_group_without_a_total_row_needs_no_complement():
    frame = pd.DataFrame(
        {
            "period": ["p1", "p1", "p2", "p2", "p2"],
            "locality": ["A", "B", "A", "B", "All"],
            "count": [3, 30, 40, 50, 90],
        }
    )
    result = suppress_table(
        frame, count_columns=["count"], totals={"column": "locality", "total_label": "All"}, group_by="period"
    )
    assert result.table["count"].tolist() == ["*", 30, 40, 50, 90]


def test_missing_values_are_not_counted_as_hidden():
    frame = pd.DataFrame({"locality": ["A", "B", "C", "All"], "count": [3, np.nan, 12, 15]})
    result = suppress_table(frame, count_columns=["count"], totals={"column": "locality", "total_label": "All"})
    assert result.table["count"].iloc[[0, 2, 3]].tolist() == ["*", "*", 15.0]
    assert pd.isna(result.table["count"].iloc[1])


def test_two_total_rows_in_a_group_is_an_error(locality_table):
    with pytest.raises(DataValidationError, match="more than one total row"):
        suppress_table(
            locality_table, count_columns=["numerator"], totals={"column": "locality", "total_label": "All"}
        )  # group_by="period" forgotten


# -- argument and data errors ------------------------------------------------------------


def test_errors_name_the_problem():
    frame = pd.DataFrame({"locality": ["A", "All"], "count": [3, 3], "text": ["*", "x"]})
    with pytest.raises(ParameterError, match="no such column") as error:
        suppress_table(frame, count_columns=["cnt"])
    assert error.value.column == "cnt"
    with pytest.raises(ParameterError, match="at least one count column"):
        suppress_table(frame, count_columns=[])
    with pytest.raises(DataValidationError, match="not a number") as error:
        suppress_table(frame, count_columns=["text"])
    assert (error.value.row, error.value.column) == (0, "text")
    with pytest.raises(DataValidationError, match="negative"):
        suppress_table(pd.DataFrame({"count": [1, -2]}), count_columns=["count"])
    with pytest.raises(ParameterError, match="unknown key in totals"):
        suppress_table(frame, count_columns=["count"], totals={"row": "locality"})
    with pytest.raises(ParameterError, match="group_by only applies"):
        suppress_table(frame, count_columns=["count"], group_by="locality")
    with pytest.raises(ParameterError, match="must be count columns"):
        suppress_table(frame, count_columns=["count"], totals={"columns": {"count": ["text"]}})


# -- scanning outputs -----------------------------------------------------------------


def test_find_reports_a_planted_small_count(tmp_path):
    path = tmp_path / "indicators.csv"
    pd.DataFrame({"measure_id": ["a", "a", "b"], "numerator": [12, 5, 40], "value": [1.5, 2.5, 3.5]}).to_csv(
        path, index=False
    )
    found = find_unsuppressed_small_counts(path, count_columns=["numerator", "denominator"], threshold=7)
    assert len(found) == 1
    assert str(path) in found[0] and "line 3 (data row 2)" in found[0]
    assert "column 'numerator'" in found[0] and ": 5 is a count" in found[0]
    frame = pd.DataFrame({"n": [10, 5]}, index=["x", "y"])
    assert find_unsuppressed_small_counts(frame, count_columns=["n"], threshold=7) == [
        "table: row 'y', column 'n': 5 is a count from 1 to 7 and is not suppressed"
    ]
    assert find_unsuppressed_small_counts(frame, count_columns=["n"], threshold=4) == []


def test_find_nothing_in_a_suppressed_output(tmp_path, locality_table):
    result = _suppress_localities(locality_table)
    path = tmp_path / "by_locality.csv"
    result.table.to_csv(path, index=False)
    columns = ["numerator", "denominator"]
    assert find_unsuppressed_small_counts(locality_table, count_columns=columns, threshold=7)
    assert find_unsuppressed_small_counts(path, count_columns=columns, threshold=7) == []
    assert find_unsuppressed_small_counts(result.table, count_columns=columns, threshold=7) == []


def test_find_zero_rule_and_empty_files(tmp_path):
    frame = pd.DataFrame({"n": [0, "*", "", 9]})
    assert find_unsuppressed_small_counts(frame, count_columns=["n"], threshold=7) == []
    assert len(find_unsuppressed_small_counts(frame, count_columns=["n"], threshold=7, suppress_zero=True)) == 1
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert find_unsuppressed_small_counts(empty, count_columns=["n"], threshold=7) == []
