"""Successive runs of one report: "Since the last report", ``--if-changed`` and ``pss compare``.

Real runs through the pipeline (papermill kernel, built-in renderer) on a two-measure slice of the demo
data: a first run on months to February 2020, then the data of the next month arrive with one past
month revised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO_DATA, DEMO_PARAMS

from pss_analysis.reporting.changes import compare_runs, read_run
from pss_analysis.run.pipeline import run

QUIET = {"say": lambda message: None, "renderer": "builtin"}
MEASURES = ["su_satisfaction", "emergency_los"]
LAST_MONTH = "2020-03"
REVISED = ("su_satisfaction", "2019-06")


def _pss(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run(
        [sys.executable, "-m", "pss_analysis", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900
    )


def _project(folder: Path) -> tuple[Path, Path, pd.DataFrame]:
    """A parameter file, its indicator file (months to February 2020) and the full slice of data."""
    measures = pd.read_csv(DEMO_DATA / "measures.csv")
    measures[measures["measure_id"].isin(MEASURES)].to_csv(folder / "measures.csv", index=False)
    full = pd.read_csv(DEMO_DATA / "indicators.csv", dtype={"period": str})
    full = full[full["measure_id"].isin(MEASURES)].reset_index(drop=True)
    indicators = folder / "indicators.csv"
    full[full["period"] < LAST_MONTH].to_csv(indicators, index=False)
    params = folder / "params.yaml"
    params.write_text(
        "title: Monthly report\nprogramme:\n  name: Home First\n  start: 2018-04\n"
        "data:\n  measures: measures.csv\n  indicators: indicators.csv\nreport:\n  name: monthly\n",
        encoding="utf-8",
    )
    return params, indicators, full


@pytest.fixture(scope="module")
def successive(tmp_path_factory):
    """Two runs: the first, then one with a new month and one revised month."""
    folder = tmp_path_factory.mktemp("monthly")
    params, indicators, full = _project(folder)
    reports = folder / "reports"
    first = run(params, reports_root=reports, **QUIET)
    revised = full.copy()
    at = (revised["measure_id"] == REVISED[0]) & (revised["period"] == REVISED[1])
    old_value = float(revised.loc[at, "numerator"].iloc[0] / revised.loc[at, "denominator"].iloc[0] * 100)
    revised.loc[at, "numerator"] -= 20
    new_value = float(revised.loc[at, "numerator"].iloc[0] / revised.loc[at, "denominator"].iloc[0] * 100)
    revised.to_csv(indicators, index=False)
    second = run(params, reports_root=reports, **QUIET)
    return {
        "folder": folder,
        "params": params,
        "indicators": indicators,
        "reports": reports,
        "first": first,
        "second": second,
        "old": old_value,
        "new": new_value,
    }


def test_first_run_says_there_is_nothing_to_compare_with(successive):
    first = successive["first"].run_dir
    changes = pd.read_csv(first / "tables" / "changes_since_last.csv")
    assert changes.empty and "change_type" in changes.columns
    html = (first / "report.html").read_text(encoding="utf-8")
    assert "Since the last report" in html
    assert "This is the first report of this name: there is no earlier report to compare with." in html
    assert json.loads((first / "manifest.json").read_text())["previous_run"] is None


def test_second_run_reports_exactly_the_new_month_and_the_revised_month(successive):
    first, second = successive["first"].run_dir, successive["second"].run_dir
    assert json.loads((second / "manifest.json").read_text())["previous_run"] == first.name
    changes = pd.read_csv(second / "tables" / "changes_since_last.csv", dtype={"month": str})
    assert sorted(changes["change_type"]) == ["month added", "month added", "value revised"]
    added = changes[changes["change_type"] == "month added"]
    assert sorted(added["measure_id"]) == sorted(MEASURES) and set(added["month"]) == {LAST_MONTH}
    revised = changes[changes["change_type"] == "value revised"].iloc[0]
    assert (revised["measure_id"], revised["month"]) == REVISED
    assert float(revised["previous_value"]) == pytest.approx(successive["old"], rel=1e-12)
    assert float(revised["current_value"]) == pytest.approx(successive["new"], rel=1e-12)
    html = (second / "report.html").read_text(encoding="utf-8")
    assert f"Compared with the last report (run {first.name}" in html
    assert f"Months added: 1 ({LAST_MONTH}), for all 2 measures." in html
    assert "1 past value was revised in the data since the last report" in html
    # the revision is also a data-quality warning, with old and new values in the report's numbers
    quality = pd.read_csv(second / "tables" / "data_quality.csv")
    warning = quality[quality["check"] == "value_revised"]["message"].tolist()
    assert warning == [
        f"Service users satisfied with their care, {REVISED[1]}: {successive['old']:.3g} in the last report, "
        f"{successive['new']:.3g} now (a past value was revised)"
    ]


def test_compare_runs_of_the_same_folders_gives_the_same_changes(successive):
    first, second = successive["first"].run_dir, successive["second"].run_dir
    again = compare_runs(read_run(first), read_run(second))
    saved = pd.read_csv(second / "tables" / "changes_since_last.csv", dtype=str, keep_default_na=False)
    assert list(again["change_type"]) == list(saved["change_type"])
    assert compare_runs(read_run(second), read_run(second)).empty


def test_if_changed_skips_an_unchanged_run_and_runs_a_changed_one(successive):
    reports, params, second = successive["reports"], successive["params"], successive["second"].run_dir
    done = _pss("run", str(params), "--renderer", "builtin", "--reports-dir", str(reports), "--if-changed", cwd=reports)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"unchanged since {second.name}"
    assert (reports / "monthly" / "latest").resolve() == second
    assert sorted(p.name for p in (reports / "monthly").iterdir() if p.name[0].isdigit()) == sorted(
        [successive["first"].run_dir.name, second.name]
    )
    # a comment in the parameter file is no change; a changed input is
    params.write_text(params.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    assert run(params, reports_root=reports, if_changed=True, **QUIET).unchanged_since == second.name
    data = pd.read_csv(successive["indicators"])
    data.loc[0, "numerator"] += 1
    data.to_csv(successive["indicators"], index=False)
    third = run(params, reports_root=reports, if_changed=True, **QUIET)
    assert third.unchanged_since == "" and third.run_dir != second
    assert (reports / "monthly" / "latest").resolve() == third.run_dir
    changes = pd.read_csv(third.run_dir / "tables" / "changes_since_last.csv", dtype={"month": str})
    assert list(changes["change_type"]) == ["value revised"] and changes["month"].tolist() == ["2015-04"]


def test_compare_is_exit_2_with_a_clear_message_for_a_folder_that_is_not_a_run(successive, tmp_path):
    second = successive["second"].run_dir
    done = _pss("compare", str(tmp_path), str(second), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"error: {tmp_path}: not a run folder of pss run; expected a folder with manifest.json, params.yaml and "
        "tables/ (reports/<name>/<run id>), found 'missing manifest.json, params.yaml, tables/'"
    )
    done = _pss("compare", str(second), str(tmp_path / "nowhere"), cwd=tmp_path)
    assert done.returncode == 2 and "no such folder" in done.stderr


def test_pss_compare_two_demo_runs_with_different_starts(demo_run, tmp_path):
    later = run(DEMO_PARAMS, reports_root=tmp_path / "reports", overrides=["programme.start=2018-07"], **QUIET)
    page = tmp_path / "compare.html"
    done = _pss("compare", str(demo_run.run_dir), str(later.run_dir), "--html", str(page), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"Run {later.run_dir.name} compared with run {demo_run.run_dir.name}"
    assert "Months added: none." in lines
    assert "Parameters changed: 1" in lines and "  programme.start: 2018-04 → 2018-07" in lines
    csv = tmp_path / f"changes_{demo_run.run_dir.name}_{later.run_dir.name}.csv"
    table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    assert done.stdout.strip().endswith(f"Every change: {csv.name}\nHTML: {page}")
    params = table[table["change_type"] == "parameter changed"]
    assert params[["quantity", "previous_value", "current_value"]].values.tolist() == [
        ["programme.start", "2018-04", "2018-07"]
    ]
    assert not (table["change_type"].isin(["month added", "value revised", "measure added"])).any()
    # a later start moves the estimates: each listed one lies outside the first run's interval
    moved = table[table["change_type"] == "estimate moved"]
    assert len(moved) > 0
    for r in moved.itertuples():
        assert not float(r.previous_lower) <= float(r.current_value) <= float(r.previous_upper)
    evidence = [pd.read_csv(r.run_dir / "tables" / "evidence.csv").set_index("measure_id") for r in (demo_run, later)]
    flipped = evidence[0].index[evidence[0]["verdict"] != evidence[1]["verdict"]]
    assert sorted(table[table["change_type"] == "verdict changed"]["measure_id"]) == sorted(flipped)
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "programme.start: 2018-04 → 2018-07" in text
