"""``pss batch``: many units on a real Dask ``LocalCluster``, real papermill kernels, files on disk.

The units are localities of a small indicator table built from the demo data (three measures:
a rate, a proportion and a count; North, South and East hold 50%, 30% and 20% of every count).
Most tests give the units a one-cell notebook so that a batch takes seconds per unit; one runs
the real report notebook.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import DEMO_DATA, ROOT, write_notebook
from distributed.diagnostics.plugin import SchedulerPlugin

from pss_analysis.run.cli import main

MEASURES = ["su_satisfaction", "acs_admissions", "intermediate_care_new"]
SHARES = {"North": 0.5, "South": 0.3, "East": 0.2}


def _localities(
    folder: Path, *, notebook: str | None = "unit.ipynb", extra: str = "", shares: dict[str, float] = SHARES
) -> Path:
    """Indicator table with a ``locality`` column, measure catalogue and parameter file in ``folder``."""
    demo = pd.read_csv(DEMO_DATA / "indicators.csv")
    demo = demo[demo["measure_id"].isin(MEASURES)]
    parts = []
    for name, share in shares.items():
        part = demo.assign(locality=name)
        part["numerator"] = (part["numerator"] * share).round()
        part["denominator"] = (part["denominator"] * share).round()
        parts.append(part)
    table = pd.concat(parts)[["measure_id", "period", "locality", "numerator", "denominator"]]
    table.to_csv(folder / "indicators.csv", index=False)
    catalogue = pd.read_csv(DEMO_DATA / "measures.csv")
    catalogue[catalogue["measure_id"].isin(MEASURES)].to_csv(folder / "measures.csv", index=False)
    if notebook:
        write_notebook(
            folder / notebook,
            "from pss_analysis.reporting import Report\nimport pandas as pd\n"
            "rep = Report.open(params_file, output_dir)\n"
            'rep.table(pd.DataFrame({"title": [rep.params.title]}), "unit_title", caption="The unit")',
        )
    lines = [
        "title: Test batch",
        "programme: {name: Test programme, start: 2018-04}",
        "data: {measures: measures.csv, indicators: indicators.csv}",
        "report:",
        "  name: test",
        "  renderer: builtin",
    ]
    if notebook:
        lines.append(f"  notebooks: [{notebook}]")
    path = folder / "params.yaml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def _batch(params: Path, *args: str) -> int:
    reports = params.parent / "reports"
    return main(["batch", str(params), "--reports-dir", str(reports), "--workers", "2", *args])


def _latest(params: Path) -> Path:
    return params.parent / "reports" / "test" / "batch" / "latest"


def _units(batch_dir: Path) -> pd.DataFrame:
    return pd.read_csv(batch_dir / "tables" / "units.csv", keep_default_na=False)


def test_a_four_unit_batch_publishes_a_run_folder_per_unit_and_a_summary(tmp_path, capsys):
    """Three localities and the whole system, each through the real report notebook."""
    params = _localities(tmp_path, notebook=None, extra="batch: {by: locality}\n")
    assert _batch(params) == 0
    latest = _latest(params)
    assert latest.is_symlink()
    units = _units(latest)
    assert list(units["unit"]) == ["East", "North", "South", "Whole system"]
    assert set(units["status"]) == {"ok"}
    for row in units.itertuples():
        run_dir = latest / Path(row.report).parent
        # exactly what `pss run` makes: the report, its notebook, tables, figures and manifest
        assert {"report.html", "report.ipynb", "params.yaml", "manifest.json", "tables", "figures"} <= {
            p.name for p in run_dir.iterdir()
        }
        assert (run_dir.parent / "latest").resolve() == run_dir.resolve()
        timings = json.loads((run_dir / "manifest.json").read_text())["timings"]
        figures = [r for r in timings if r["step"] == "figure"]
        assert figures and {r["written"] for r in figures} == {"kernel"}  # a unit a core: no figure workers
        unit_params = yaml.safe_load((run_dir / "params.yaml").read_text())
        assert unit_params["title"].endswith(row.unit if row.unit != "Whole system" else "whole system")
    # each locality's rows, and the whole system's sums, reached the unit's evaluation
    evidence = pd.read_csv(latest / "tables" / "units_evidence.csv")
    assert len(evidence) == 4 * len(MEASURES)
    latest_year = pd.read_csv(latest / "tables" / "units_latest_year.csv").set_index(["unit", "measure_id"])
    north = latest_year.loc[("North", "acs_admissions"), "numerator"]
    whole = latest_year.loc[("Whole system", "acs_admissions"), "numerator"]
    parts = sum(latest_year.loc[(u, "acs_admissions"), "numerator"] for u in SHARES)
    assert whole == parts and 0.45 < north / whole < 0.55
    # the summary: every format asked for, the funnel plot and small multiples, index.html linking every unit
    assert (latest / "batch_summary.html").is_file()
    figures = {p.name for p in (latest / "figures").iterdir()}
    assert {"units_funnel_acs_admissions.png", "units_funnel_su_satisfaction.png", "units_verdict_grid.png"} <= figures
    assert "units_series_intermediate_care_new.png" in figures
    index = (latest / "index.html").read_text()
    for row in units.itertuples():
        assert f'href="{row.report}"' in index
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["engine"]["engine"] == "dask.distributed"
    assert manifest["engine"]["scheduler"] == "local cluster"
    assert manifest["engine"]["workers"] == 2
    assert manifest["engine"]["dask_version"]
    peaks = manifest["engine"]["peak_memory_mb"]  # each worker's own, measured by the worker
    assert len(peaks) == 2 and all(100 < mb < 4000 for mb in peaks.values())
    assert "Whole system" in (latest / "batch_summary.html").read_text()


def test_a_unit_with_bad_data_fails_alone_and_is_named(tmp_path, capsys):
    """West's data start after the programme: West fails before anything runs; the others are published."""
    params = _localities(tmp_path)
    table = pd.read_csv(tmp_path / "indicators.csv")
    west = table[(table["locality"] == "East") & (table["period"] >= "2019-01")].assign(locality="West")
    pd.concat([table, west]).to_csv(tmp_path / "indicators.csv", index=False)
    assert _batch(params, "--by", "locality") == 1
    err = capsys.readouterr().err
    assert "1 of 5 units failed" in err
    assert "unit 'West' cannot run" in err and "programme.start" in err
    latest = _latest(params)
    units = _units(latest).set_index("unit")
    assert units.loc["West", "status"] == "failed"
    assert "before it" in units.loc["West", "reason"] or "first month" in units.loc["West", "reason"]
    assert (units.drop(index="West")["status"] == "ok").all()
    summary = (latest / "batch_summary.html").read_text()
    assert "West" in summary and "could not be evaluated" in summary
    assert "West" in (latest / "index.html").read_text()


def test_resume_reruns_only_the_units_whose_inputs_changed(tmp_path, capsys):
    params = _localities(tmp_path)
    assert _batch(params, "--by", "locality") == 0
    first = _latest(params).resolve()
    assert _batch(params, "--by", "locality", "--resume") == 0
    second = _latest(params).resolve()
    assert second != first
    units = json.loads((second / "manifest.json").read_text())["units"]
    assert all(u["reused"] for u in units)
    assert [u["run_folder"] for u in units] == [
        u["run_folder"] for u in json.loads((first / "manifest.json").read_text())["units"]
    ]
    assert (second / "units" / "north" / "latest").is_symlink()
    # South's data change: South, and the whole system that adds it up, run again
    table = pd.read_csv(tmp_path / "indicators.csv")
    table.loc[(table["locality"] == "South") & (table["period"] == "2019-06"), "numerator"] += 5
    table.to_csv(tmp_path / "indicators.csv", index=False)
    assert _batch(params, "--by", "locality", "--resume") == 0
    third = json.loads((_latest(params) / "manifest.json").read_text())["units"]
    assert {u["name"] for u in third if not u["reused"]} == {"South", "Whole system"}
    evidence = pd.read_csv(_latest(params) / "tables" / "units_evidence.csv")
    assert sorted(evidence["unit"].unique()) == ["East", "North", "South", "Whole system"]


def test_a_two_by_two_grid_gives_four_runs(tmp_path):
    params = _localities(tmp_path, shares={"All": 1.0})
    table = pd.read_csv(tmp_path / "indicators.csv")
    table.drop(columns="locality").to_csv(tmp_path / "indicators.csv", index=False)
    code = _batch(params, "--grid", "programme.start=2018-04,2018-06", "--grid", "analysis.alpha=0.05,0.1")
    assert code == 0
    latest = _latest(params)
    units = _units(latest)
    assert len(units) == 4
    seen = set()
    for row in units.itertuples():
        resolved = yaml.safe_load((latest / Path(row.report).parent / "params.yaml").read_text())
        seen.add((resolved["programme"]["start"], resolved["analysis"]["alpha"]))
    assert seen == {("2018-04", 0.05), ("2018-04", 0.1), ("2018-06", 0.05), ("2018-06", 0.1)}


def test_bad_batch_options_stop_before_anything_runs(tmp_path, capsys):
    params = _localities(tmp_path)
    assert _batch(params, "--by", "region") == 2
    err = capsys.readouterr().err
    assert "batch.by" in err and "region" in err and "locality" in err
    assert not (tmp_path / "reports" / "test" / "batch").exists() or not any(
        (tmp_path / "reports" / "test" / "batch").iterdir()
    )
    assert _batch(params, "--grid", "programme.strat=2018-04") == 2
    assert "did you mean 'programme.start'" in capsys.readouterr().err


def _children(pid: int) -> set[int]:
    import psutil

    try:
        return {p.pid for p in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def _command_line(pid: int) -> str:
    """The process's command line; "" for one that has ended meanwhile (a zombie has none to read)."""
    import psutil

    try:
        return " ".join(psutil.Process(pid).cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied):  # ZombieProcess is a NoSuchProcess
        return ""


@pytest.mark.skipif(sys.platform == "win32", reason="process groups")
def test_ctrl_c_stops_the_cluster_and_leaves_latest_as_it_was(tmp_path):
    import psutil

    params = _localities(tmp_path)
    assert _batch(params, "--by", "locality") == 0
    before = os.readlink(_latest(params))
    write_notebook(tmp_path / "unit.ipynb", "import time\ntime.sleep(120)")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"} | {"PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "pss_analysis", "batch", str(params), "--by", "locality", "--workers", "2"]
    proc = subprocess.Popen(
        [*command, "--reports-dir", str(tmp_path / "reports")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        kernels: set[int] = set()
        while not kernels and time.monotonic() < deadline and proc.poll() is None:
            kernels = {p for p in _children(proc.pid) if "ipykernel_launcher" in _command_line(p)}
            time.sleep(0.3)
        assert kernels, "no unit's kernel started"
        everything = _children(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal does
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == 130, err
    assert err.rstrip().endswith("interrupted") and "Traceback" not in err, err

    def alive() -> list[int]:
        found = []
        for pid in everything:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    found.append(pid)
            except psutil.NoSuchProcess:
                pass
        return found

    deadline = time.monotonic() + 20  # an orphaned kernel notices its parent has gone within a few seconds
    while alive() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert alive() == [], "workers or kernels outlived the batch"
    assert os.readlink(_latest(params)) == before
    kept = list((tmp_path / "reports" / "test" / "batch" / "failed").iterdir())
    assert len(kept) == 1


class _UnitsAtOnce(SchedulerPlugin):
    """A scheduler plugin counting the batch's unit tasks given to the workers, and the most at once."""

    name = "units-at-once"

    def __init__(self) -> None:
        super().__init__()
        self.on_workers: set[str] = set()
        self.started = 0
        self.most = 0

    def transition(self, key, start, finish, *args, **kwargs):
        if not str(key).startswith("unit-"):
            return
        if finish == "processing":
            self.on_workers.add(key)
            self.started += 1
            self.most = max(self.most, len(self.on_workers))
        elif start == "processing":
            self.on_workers.discard(key)


def test_summary_only_on_an_existing_cluster_writes_the_tidy_table_and_no_unit_reports(tmp_path):
    import distributed

    params = _localities(tmp_path)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        watch = _UnitsAtOnce()
        cluster.scheduler.add_plugin(watch)
        code = _batch(params, "--by", "locality", "--summary-only", "--scheduler", cluster.scheduler_address)
        assert code == 0
        # 4 units in 4 chunks, handed out one per worker thread: a free worker takes the next at once, and
        # no worker holds units waiting while the other is idle
        assert (watch.started, watch.most) == (4, 2)
        with distributed.Client(cluster) as client:  # the batch left the cluster running
            assert len(client.scheduler_info()["workers"]) == 2
    latest = _latest(params)
    assert not (latest / "units").exists()
    evidence = pd.read_csv(latest / "tables" / "units_evidence.csv")
    assert len(evidence) == 4 * len(MEASURES)
    assert set(evidence.groupby("unit").size()) == {len(MEASURES)}
    assert {"verdict", "variation_type", "assurance_type", "cumulative_relative"} <= set(evidence.columns)
    manifest = json.loads((latest / "manifest.json").read_text())
    assert manifest["engine"]["scheduler"] == "existing cluster"
    assert manifest["batch"]["summary_only"] is True
    assert "summary only" in (latest / "index.html").read_text()
    summary = (latest / "batch_summary.html").read_text()
    assert "This is a summary only" in summary and "without the robustness checks" in summary
