"""Bad and awkward data through ``pss run`` for real: the demo's data copied into a temporary folder and
altered, the command run in a subprocess (papermill, a real kernel, real files).

Data the package cannot use stop the run before any analysis with exit code 2 and one message per
problem naming the file, row and column; nothing is published. Data it can read in an analyst's
spelling (Excel's ``Jan-19``, ``1,234``) run to the end; a measure whose series no model can fit says
why and the other measures go on.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO_DATA

#: Three measures of three kinds keep each full run short: a count, a rate and a count.
MEASURES = ["intermediate_care_new", "acs_admissions", "staff_trained"]


def _project(tmp_path: Path, indicators: pd.DataFrame, *, quoting: int = csv.QUOTE_MINIMAL) -> Path:
    """The demo's catalogue and ``indicators`` (text) in ``tmp_path``, with a parameter file; returns the file."""
    (tmp_path / "measures.csv").write_bytes((DEMO_DATA / "measures.csv").read_bytes())
    indicators.to_csv(tmp_path / "indicators.csv", index=False, quoting=quoting)
    params = tmp_path / "params.yaml"
    params.write_text(
        "title: Test report\n"
        "programme:\n  name: Test programme\n  start: 2018-04\n"
        "data:\n  measures: measures.csv\n  indicators: indicators.csv\n"
        f"report:\n  name: test\n  measures: [{', '.join(MEASURES)}]\n",
        encoding="utf-8",
    )
    return params


def _demo_indicators() -> pd.DataFrame:
    return pd.read_csv(DEMO_DATA / "indicators.csv", dtype=str, keep_default_na=False)


def _pss_run(params: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    return subprocess.run(
        [sys.executable, "-m", "pss_analysis", "run", str(params), "--renderer", "builtin"],
        cwd=params.parent,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


def _errors(done: subprocess.CompletedProcess) -> list[str]:
    """The problems listed on stderr (the first line says how many, or is the one problem)."""
    lines = done.stderr.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("error"))
    first = lines[start]
    return (
        [first.split(": ", 1)[1]]
        if "errors in the input data" not in first
        else [line.strip() for line in lines[start + 1 :] if line.startswith("  ")]
    )


def _assert_refused(done: subprocess.CompletedProcess, tmp_path: Path) -> None:
    """Exit 2, no traceback, no run published (a failed run may be kept under failed/, nothing else)."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    report = tmp_path / "reports" / "test"
    published = [p.name for p in report.iterdir() if p.name != "failed"] if report.exists() else []
    assert published == []  # neither a run folder nor `latest`


def _row_of(frame: pd.DataFrame, measure: str, period: str) -> int:
    """The row of a (measure, period) as a spreadsheet shows the CSV (header on row 1)."""
    return int(frame.index[(frame["measure_id"] == measure) & (frame["period"] == period)][0]) + 2


# ---------------------------------------------------------------------------------------------------------
# Numbers no count can be (issue item 8)
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("1e300", "implausibly large number; expected a size of at most 1,000,000,000,000,000, found '1e300'"),
        ("inf", "not a finite number; expected a number (not infinity or NaN), found 'inf'"),
        ("-inf", "not a finite number; expected a number (not infinity or NaN), found '-inf'"),
        ("nan", "not a finite number; expected a number (not infinity or NaN), found 'nan'"),
    ],
)
def test_an_absurd_or_non_finite_count_stops_the_run_naming_file_row_and_column(tmp_path, value, said):
    data = _demo_indicators()
    row = _row_of(data, "intermediate_care_new", "2016-05")
    data.loc[row - 2, "numerator"] = value
    params = _project(tmp_path, data)
    done = _pss_run(params)
    _assert_refused(done, tmp_path)
    assert _errors(done) == [f"{tmp_path / 'indicators.csv'}, row {row}, column 'numerator': {said}"]


def test_an_absurd_denominator_stops_the_run(tmp_path):
    data = _demo_indicators()
    row = _row_of(data, "acs_admissions", "2017-01")
    data.loc[row - 2, "denominator"] = "2e15"
    done = _pss_run(_project(tmp_path, data))
    _assert_refused(done, tmp_path)
    assert _errors(done) == [
        f"{tmp_path / 'indicators.csv'}, row {row}, column 'denominator': implausibly large number; "
        "expected a size of at most 1,000,000,000,000,000, found '2e15'"
    ]


# ---------------------------------------------------------------------------------------------------------
# One wrong format in every row is one message (issue item 12)
# ---------------------------------------------------------------------------------------------------------


def test_one_wrong_period_format_in_every_row_is_one_message(tmp_path):
    data = _demo_indicators()
    data["period"] = pd.PeriodIndex(data["period"], freq="M").strftime("01.%m.%Y")  # a German-style date
    done = _pss_run(_project(tmp_path, data))
    _assert_refused(done, tmp_path)
    n = len(data)
    assert _errors(done) == [
        f"{tmp_path / 'indicators.csv'}, row 2, column 'period': {n} rows (the first on row 2, the last on row "
        f"{n + 1}) have periods written as '#.#.#' (# stands for digits), a format that cannot be read; "
        "expected a month (YYYY-MM, Apr 2016 or Apr-16) or a date, found '01.04.2015'"
    ]


def test_one_wrong_number_format_in_most_rows_is_one_message(tmp_path):
    data = _demo_indicators()
    decimal = data["numerator"].str.contains(".", regex=False)  # two measures of amounts in pounds
    data.loc[decimal, "numerator"] = data.loc[decimal, "numerator"].str.replace(".", ",", regex=False)
    data.loc[~decimal, "numerator"] = data.loc[~decimal, "numerator"] + ",0"  # 145,0: a European export
    data.loc[3, "denominator"] = "many"
    done = _pss_run(_project(tmp_path, data))
    _assert_refused(done, tmp_path)
    errors = _errors(done)
    numerator = [e for e in errors if "column 'numerator'" in e]
    assert len(numerator) == 1, errors
    assert numerator[0].startswith(
        f"{tmp_path / 'indicators.csv'}, row 2, column 'numerator': {len(data)} rows (the first on row 2, "
        f"the last on row {len(data) + 1}) have numbers written as '#,#' (# stands for digits), a format that "
        "cannot be read; expected a number: digits with an optional sign"
    )
    assert numerator[0].endswith(f"found '{data.loc[0, 'numerator']}'")
    assert f"{tmp_path / 'indicators.csv'}, row 5, column 'denominator': not a number" in errors[1]


# ---------------------------------------------------------------------------------------------------------
# Data that run to the end
# ---------------------------------------------------------------------------------------------------------


def _evidence(tmp_path: Path) -> dict[str, dict[str, str]]:
    latest = tmp_path / "reports" / "test" / "latest"
    with open(latest / "tables" / "evidence.csv", encoding="utf-8", newline="") as f:
        return {row["measure_id"]: row for row in csv.DictReader(f)}


def test_a_measure_with_the_same_count_every_month_says_why_and_the_others_go_on(tmp_path):
    """Issue item 7: statsmodels failed with "first guess on the deviance function returned a nan" and the
    whole run stopped."""
    data = _demo_indicators()
    data.loc[data["measure_id"] == "intermediate_care_new", "numerator"] = "200"
    done = _pss_run(_project(tmp_path, data))
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    evidence = _evidence(tmp_path)
    why = "no variation to evaluate: 'numerator' was 200 in every month"
    assert evidence["intermediate_care_new"]["verdict"] == "not enough data"
    assert evidence["intermediate_care_new"]["verdict_reason"] == f"no interrupted time series could be fitted: {why}"
    assert evidence["acs_admissions"]["verdict"] == "improved"
    assert evidence["staff_trained"]["verdict"] == "improved"
    html = (tmp_path / "reports" / "test" / "latest" / "report.html").read_text(encoding="utf-8")
    assert f"no interrupted time series could be fitted: {why}." in html


def test_an_excel_export_with_month_names_and_thousands_separators_runs(tmp_path):
    """Periods as Excel shows them (Jan-19, January 2019) and numbers with commas (quoted in the CSV) are read
    as the demo's own spelling is, so the verdicts are the demo's."""
    data = _demo_indicators()
    months = pd.PeriodIndex(data["period"], freq="M")
    data["period"] = [m.strftime("%b-%y") if i % 2 else m.strftime("%B %Y") for i, m in enumerate(months)]
    for column in ("numerator", "denominator"):
        whole = data[column].str.fullmatch(r"\d+")
        data.loc[whole, column] = data.loc[whole, column].astype(int).map("{:,}".format)
    assert data["denominator"].str.contains(",").any() and data["period"].str.contains("-19").any()
    done = _pss_run(_project(tmp_path, data, quoting=csv.QUOTE_NONNUMERIC))
    assert done.returncode == 0, done.stderr
    evidence = _evidence(tmp_path)
    assert {m: evidence[m]["verdict"] for m in MEASURES} == {
        "intermediate_care_new": "improved",
        "acs_admissions": "improved",
        "staff_trained": "improved",
    }
    summary = pd.read_csv(tmp_path / "reports" / "test" / "latest" / "tables" / "data_summary.csv").set_index(
        "measure_id"
    )
    assert set(summary["points_before"]) == {36} and set(summary["points_after"]) == {24}
    demo = pd.read_csv(DEMO_DATA / "indicators.csv")
    before = demo[demo["period"] < "2018-04"].set_index("measure_id")
    count = before.loc["intermediate_care_new", "numerator"].mean()
    rate = (before.loc["acs_admissions", "numerator"] / before.loc["acs_admissions", "denominator"]).mean() * 1000
    assert summary.at["intermediate_care_new", "mean_before"] == pytest.approx(count, rel=1e-12)
    assert summary.at["acs_admissions", "mean_before"] == pytest.approx(rate, rel=1e-12)
