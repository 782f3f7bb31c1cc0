"""``pss watch``: real watcher processes on a two-measure slice of the demo data, bounded by
``--max-runs`` and ``--timeout`` (and stopped by Ctrl-C in one test)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_notebook
from test_since_last import _project

from pss_analysis.errors import ParameterError
from pss_analysis.run.watch import parse_interval

ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 600  # the longest a step may take on a busy machine before the test gives up


def _watch(folder: Path, params: Path, *options: str) -> tuple[subprocess.Popen[str], Path]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    env["PYTHONPATH"] = str(ROOT)
    log = folder / "watch.log"
    command = [sys.executable, "-m", "pss_analysis", "watch", str(params), "--renderer", "builtin"]
    process = subprocess.Popen(
        [*command, "--reports-dir", str(folder / "reports"), "--every", "1s", *options],
        cwd=folder,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    return process, log


def _until(condition, process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the watcher did not get there; its log:\n" + log.read_text(encoding="utf-8"))
        time.sleep(0.5)


def _runs(folder: Path) -> list[str]:
    home = folder / "reports" / "monthly"
    return sorted(p.name for p in home.iterdir() if p.name[:1].isdigit()) if home.is_dir() else []


def _replace(path: Path, text: str) -> None:
    """Write a file as a data pipeline would: whole, in one rename (the watcher never reads half of it)."""
    part = path.with_suffix(".part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


def _revise(indicators: Path, period: str, by: int) -> None:
    data = pd.read_csv(indicators, dtype={"period": str})
    data.loc[data["period"] == period, "numerator"] += by
    _replace(indicators, data.to_csv(index=False))


def test_watch_runs_on_start_on_each_change_and_logs_a_failed_run(tmp_path):
    params, indicators, _ = _project(tmp_path)
    process, log = _watch(tmp_path, params, "--max-runs", "4", "--timeout", "30m")
    _until(lambda: len(_runs(tmp_path)) == 1, process, log)  # no report yet: the first check runs it
    _revise(indicators, "2019-06", 5)
    _until(lambda: len(_runs(tmp_path)) == 2, process, log)
    second = tmp_path / "reports" / "monthly" / _runs(tmp_path)[1]
    changes = pd.read_csv(second / "tables" / "changes_since_last.csv", dtype={"month": str})
    assert set(changes["change_type"]) == {"value revised"} and set(changes["month"]) == {"2019-06"}
    # bad data: the run fails, is logged, and the watcher goes on
    good = indicators.read_text(encoding="utf-8")
    data = pd.read_csv(indicators, dtype={"period": str})
    data.loc[0, "numerator"] = data.loc[0, "denominator"] + 100
    _replace(indicators, data.to_csv(index=False))
    _until(lambda: "run failed" in log.read_text(encoding="utf-8"), process, log)
    _replace(indicators, good)
    _revise(indicators, "2019-07", 3)
    assert process.wait(timeout=WAIT_S) == 0
    text = log.read_text(encoding="utf-8")
    assert len(_runs(tmp_path)) == 3  # bad data stop a run before its folder is made: nothing under failed/
    assert "numerator" in text and "watching goes on" in text and "stopped after 4 runs" in text
    assert "Traceback" not in text
    latest = (tmp_path / "reports" / "monthly" / "latest").resolve()
    changes = pd.read_csv(latest / "tables" / "changes_since_last.csv", dtype={"month": str})
    assert set(changes["change_type"]) == {"value revised"} and list(changes["month"]) == ["2019-07"] * 2


def test_watch_leaves_an_unchanged_report_alone_and_stops_at_its_timeout(tmp_path):
    params, _, _ = _project(tmp_path)
    (tmp_path / "params.yaml").write_text(
        params.read_text(encoding="utf-8") + "  notebooks: [tiny.ipynb]\n", encoding="utf-8"
    )
    write_notebook(tmp_path / "tiny.ipynb", "x = 1")
    process, log = _watch(tmp_path, params, "--timeout", "20s")
    assert process.wait(timeout=WAIT_S) == 0
    first = _runs(tmp_path)
    assert len(first) == 1
    process, log = _watch(tmp_path, params, "--timeout", "5s")
    assert process.wait(timeout=WAIT_S) == 0
    assert _runs(tmp_path) == first
    text = log.read_text(encoding="utf-8")
    assert f"unchanged since {first[0]}" in text and "stopped: 5 s have passed" in text


def test_ctrl_c_stops_watching_cleanly(tmp_path):
    params, indicators, _ = _project(tmp_path)
    _replace(indicators, "measure_id,period,numerator,denominator\n")  # no rows: fails at once
    process, log = _watch(tmp_path, params, "--timeout", "30m")
    _until(lambda: "watching goes on" in log.read_text(encoding="utf-8"), process, log)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    text = log.read_text(encoding="utf-8")
    assert text.rstrip().endswith("stopped watching") and "Traceback" not in text


@pytest.mark.parametrize(("text", "seconds"), [("10m", 600), ("1s", 1), ("45", 45), ("2h", 7200), ("0.5s", 0.5)])
def test_intervals(text, seconds):
    assert parse_interval(text) == seconds


def test_a_wrong_interval_is_a_clear_error():
    with pytest.raises(ParameterError, match="expected a time such as 30s, 10m, 2h or 1d, found '10 minutes'"):
        parse_interval("10 minutes")
