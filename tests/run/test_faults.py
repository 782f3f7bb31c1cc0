"""What a user sees when things go wrong, or might: Ctrl-C, kernel start-up chatter, small numbers.

Every test runs ``pss run`` for real (papermill, real kernels, files on disk) in a subprocess,
as a user would, on inputs built in ``tmp_path``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import DEMO_PARAMS, ROOT, write_notebook

TCP_WARNING = "without encryption"


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"} | {"PYTHONPATH": str(ROOT)}


def _children(pid: int) -> list[tuple[int, str]]:
    """Processes whose parent is ``pid`` (pid, command line), read from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended while we looked
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append((int(entry.name), cmdline))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads the process table from /proc")
def test_ctrl_c_to_the_process_group_stops_the_kernel_and_says_one_line(tmp_path):
    """As a terminal does: SIGINT to the whole process group while a notebook is executing."""
    reports = tmp_path / "reports"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pss_analysis", "run", str(DEMO_PARAMS), "--reports-dir", str(reports)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        kernels: list[tuple[int, str]] = []
        while not kernels and time.monotonic() < deadline and proc.poll() is None:
            kernels = [c for c in _children(proc.pid) if "ipykernel_launcher" in c[1]]
            time.sleep(0.2)
        assert kernels, "the kernel never started"
        time.sleep(3)  # cells are running
        assert proc.poll() is None
        os.killpg(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    assert proc.returncode == 130, err
    assert "Traceback" not in err and "Error" not in err, err
    after = err.split("[3/5] Executing report.ipynb\n", 1)[1]
    assert after.splitlines() == ["interrupted"]
    time.sleep(0.5)
    assert [pid for pid, _ in kernels if _alive(pid)] == []
    assert not (reports / "demo" / "latest").exists()
    published = [p.name for p in (reports / "demo").iterdir() if p.name not in ("failed", ".incomplete")]
    assert published == []


def test_the_kernel_runs_over_an_encrypted_transport():
    """The pipeline's kernel gets CurveZMQ keys, so ipykernel has no plain-TCP warning to give."""
    import asyncio

    import zmq

    from pss_analysis.run.kernel import KERNEL_NAME, ThisPythonKernelManager

    if not zmq.has("curve"):
        pytest.skip("this pyzmq has no CurveZMQ support")

    async def start_and_ask() -> dict:
        km = ThisPythonKernelManager(kernel_name=KERNEL_NAME)
        await km.start_kernel()
        try:
            client = km.client()
            client.start_channels()
            try:
                await client.wait_for_ready(timeout=60)
                assert km.curve_publickey is not None and km.curve_secretkey is not None
                return await client.kernel_info(reply=True, timeout=30)
            finally:
                client.stop_channels()
        finally:
            await km.shutdown_kernel(now=True)

    reply = asyncio.run(start_and_ask())
    assert reply["content"]["status"] == "ok"


def test_a_kernel_is_not_interrupted_when_its_notebook_has_finished(tmp_path):
    """jupyter_client interrupts a kernel before shutting it down, and a kernel answering a message at that
    moment printed "KeyboardInterrupt caught in kernel" on the user's terminal: ours are shut down without."""
    import papermill as pm

    from pss_analysis.run.kernel import papermill_kernel

    marker = tmp_path / "interrupted.txt"
    # what the kernel does on SIGINT once this cell is done (ipykernel restores this handler after each message)
    cell = (
        "kernel = get_ipython().kernel\n"
        f"kernel.saved_sigint_handler = lambda *args: open({str(marker)!r}, 'w').write('SIGINT')"
    )
    template = write_notebook(tmp_path / "t.ipynb", cell, "import time\ntime.sleep(0.2)")
    pm.execute_notebook(str(template), str(tmp_path / "out.ipynb"), progress_bar=False, **papermill_kernel())
    time.sleep(1)  # a signal handler writing the file would have run by now
    assert not marker.exists()


# -- small numbers, end to end --------------------------------------------------

#: Published columns that hold a count of people or events, or a value that gives one back.
COUNT_LIKE_COLUMNS = (
    "y",
    "n",
    "numerator",
    "denominator",
    "value",
    "observed",
    "fitted",
    "counterfactual",
    "absolute_effect",
    "absolute_effect_lower",
    "absolute_effect_upper",
    "latest",
    "cumulative_impact",
)


def _small_numbers_data(folder: Path) -> Path:
    """Three measures: rare events (1-3 a month, six in the 24 months since the start), a small
    team (4 to 12 staff a month, some trained) and admissions per 1,000 (large counts)."""
    rng = np.random.default_rng(3)
    months = pd.period_range("2016-04", "2020-03", freq="M").astype(str)
    post = np.arange(len(months)) >= 24
    rare = np.where(post, 0, rng.integers(1, 4, len(months)))
    rare[np.flatnonzero(post)[[1, 5, 9, 13, 17, 21]]] = 1
    team = rng.integers(4, 13, len(months))
    trained = rng.binomial(team, np.where(post, 0.7, 0.5))
    population = rng.integers(50000, 52000, len(months))
    admissions = rng.poisson(np.where(post, 180, 200))
    rows = [("rare_events", m, v, None) for m, v in zip(months, rare, strict=True)]
    rows += [("small_team_trained", m, y, n) for m, y, n in zip(months, trained, team, strict=True)]
    rows += [("admissions", m, y, n) for m, y, n in zip(months, admissions, population, strict=True)]
    pd.DataFrame(rows, columns=["measure_id", "period", "numerator", "denominator"]).astype(
        {"denominator": "Int64"}
    ).to_csv(folder / "indicators.csv", index=False)
    common = {"target": None, "unit_cost": None, "description": "Synthetic"}
    pd.DataFrame(
        [
            {"measure_id": "rare_events", "name": "Rare events", "perspective": "service_user", "unit": "events"}
            | {"kind": "count", "multiplier": 1, "improvement_direction": "decrease"}
            | common,
            {"measure_id": "small_team_trained", "name": "Small team trained", "perspective": "staff"}
            | {"unit": "% of staff", "kind": "proportion", "multiplier": 100, "improvement_direction": "increase"}
            | common,
            {"measure_id": "admissions", "name": "Admissions", "perspective": "service_user", "unit": "per 1,000"}
            | {"kind": "rate", "multiplier": 1000, "improvement_direction": "decrease"}
            | common,
        ]
    ).to_csv(folder / "measures.csv", index=False)
    params = folder / "params.yaml"
    params.write_text(
        "title: Small numbers\nprogramme:\n  name: Test programme\n  start: 2018-04\n"
        "data:\n  measures: measures.csv\n  indicators: indicators.csv\n"
        "report:\n  name: small\n  to: [html]\n  renderer: builtin\n",
        encoding="utf-8",
    )
    return params


@pytest.fixture(scope="module")
def small_numbers_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("small")
    params = _small_numbers_data(folder)
    done = subprocess.run(
        [sys.executable, "-m", "pss_analysis", "run", str(params), "--reports-dir", str(folder / "reports")],
        cwd=folder,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done, folder / "reports" / "small" / "latest"


def test_a_run_says_only_its_stages_progress_and_result(small_numbers_run):
    done, _ = small_numbers_run
    assert TCP_WARNING not in done.stderr
    assert "Traceback" not in done.stderr and "WARNING" not in done.stderr
    assert all(line.startswith(("[", "  done: ")) for line in done.stderr.splitlines()), done.stderr


def _published_tables(run_dir: Path) -> dict[str, pd.DataFrame]:
    """Every CSV of the run folder and every sheet of the workbook, as text."""
    from openpyxl import load_workbook

    tables = {
        str(p.relative_to(run_dir)): pd.read_csv(p, dtype=str, keep_default_na=False) for p in run_dir.rglob("*.csv")
    }
    book = load_workbook(run_dir / "tables" / "results.xlsx", read_only=True)
    for sheet in book.worksheets:
        if sheet.title != "README":
            rows = list(sheet.values)  # read-only rows end at their last value: padded to the header
            body = [(*row, *[None] * (len(rows[0]) - len(row))) for row in rows[1:]]
            frame = pd.DataFrame(body, columns=rows[0]).astype(str)
            tables[f"results.xlsx[{sheet.title}]"] = frame
    return tables


def _count_like(text: str) -> bool:
    """A whole number from 1 to 7 (to within rounding: 7.000000000001 is 7)."""
    try:
        number = float(text)
    except (TypeError, ValueError):
        return False
    if not np.isfinite(number):
        return False
    return 1 <= round(number) <= 7 and abs(number - round(number)) < 1e-6


def test_no_count_or_value_that_gives_one_back_is_published_small(small_numbers_run):
    _, run_dir = small_numbers_run
    found = []
    for name, frame in _published_tables(run_dir).items():
        if "measure_id" not in frame.columns:  # parameters, software, inputs: no data of people
            continue
        for column in (c for c in COUNT_LIKE_COLUMNS if c in frame.columns):
            for row, text in frame[column].items():
                if _count_like(text):
                    found.append(f"{name} row {row + 1} ({frame['measure_id'][row]}) {column}={text}")
    assert found == []


def test_small_denominators_and_period_totals_are_suppressed_and_rates_stay(small_numbers_run):
    _, run_dir = small_numbers_run
    tables = run_dir / "tables"
    points = pd.read_csv(tables / "spc_points.csv", dtype=str, keep_default_na=False)
    team = points[points["measure_id"] == "small_team_trained"]
    data = pd.read_csv(tables.parent.parent.parent.parent / "indicators.csv")
    small_n = data[(data["measure_id"] == "small_team_trained") & (data["denominator"] <= 7)]["period"]
    assert len(small_n) > 0
    hidden = team[team["x"].isin(small_n)]
    assert (hidden[["y", "n", "value", "lcl", "ucl", "lower_2sigma", "upper_2sigma"]] == "*").all().all()
    assert (team[~team["x"].isin(small_n)]["n"] != "*").all()  # denominators of 8 or more stay

    impact = pd.read_csv(tables / "its_impact.csv", dtype=str, keep_default_na=False)
    whole = impact[(impact["measure_id"] == "rare_events") & (impact["cumulative"] == "True")].iloc[0]
    for column in ("observed", "fitted", "counterfactual", "absolute_effect", "absolute_effect_upper"):
        assert whole[column] == "*", column
    assert whole["relative_effect"] != "*"  # a ratio does not give the total back
    per_measure = pd.read_csv(tables / "its_impact_rare_events.csv", dtype=str, keep_default_na=False)
    assert (per_measure[per_measure["period"] == "whole period"][["observed", "fitted"]] == "*").all().all()

    evidence = pd.read_csv(tables / "evidence.csv", dtype=str, keep_default_na=False).set_index("measure_id")
    assert (evidence.loc["rare_events", ["cumulative_impact", "cumulative_impact_upper"]] == "*").all()

    # six events in 24 months: the mean since the start (and the centre line, 0.25 = 6 / 24) gives them back
    overview = pd.read_csv(tables / "dashboard_overview.csv", dtype=str, keep_default_na=False)
    rare = overview[overview["measure_id"] == "rare_events"].iloc[0]
    assert rare["mean_after"] == "*" and rare["change"] == "*" and rare["mean_before"] != "*"
    data_summary = pd.read_csv(tables / "data_summary.csv", dtype=str, keep_default_na=False)
    assert data_summary[data_summary["measure_id"] == "rare_events"]["mean_after"].tolist() == ["*"]
    summary = pd.read_csv(tables / "spc_summary.csv", dtype=str, keep_default_na=False)
    since = summary[(summary["measure_id"] == "rare_events") & (summary["phase"] == "2")].iloc[0]
    assert (since[["centre_line", "lcl", "ucl"]] == "*").all()
    within = pd.read_csv(tables / "dashboard_within_year.csv", dtype=str, keep_default_na=False)
    assert (within[within["measure_id"] == "rare_events"]["centre_line"] == "*").all()

    # rates with large denominators are published in full
    admissions = points[points["measure_id"] == "admissions"]
    assert (admissions[["y", "n", "value", "lcl", "ucl"]] != "*").all().all()
    whole = impact[(impact["measure_id"] == "admissions") & (impact["cumulative"] == "True")].iloc[0]
    assert float(whole["observed"]) > 7 and whole["fitted"] != "*"
    assert evidence.loc["admissions", "cumulative_impact"] != "*"
    assert (summary[summary["measure_id"] == "admissions"]["centre_line"] != "*").all()
