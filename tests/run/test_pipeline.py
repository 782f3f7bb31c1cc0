"""The run-folder life cycle, the manifest and the demo report, end to end."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO_DATA, DEMO_PARAMS, write_notebook, write_params

from pss_analysis.errors import ExecutionError, ParameterError
from pss_analysis.run.cli import UNUSED_IMPORTS
from pss_analysis.run.pipeline import run

QUIET = {"say": lambda message: None, "renderer": "builtin"}


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls, self.images = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for key in ("src", "href"):
            if attrs.get(key):
                self.urls.append(attrs[key])
        if tag == "img":
            self.images.append(attrs)


def test_demo_run_publishes_a_complete_folder(demo_run):
    folder = demo_run.run_dir
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", folder.name)
    assert (folder.parent / "latest").resolve() == folder.resolve()
    for name in ("report.ipynb", "report.html", "params.yaml", "manifest.json"):
        assert (folder / name).is_file(), name
    assert not (folder.parent / ".incomplete").exists()
    tables = {p.name for p in (folder / "tables").iterdir()}
    assert {
        "parameters.csv",
        "data_summary.csv",
        "inputs.csv",
        "software.csv",
        "its_effects.csv",
        "its_impact.csv",
        "spc_points.csv",
        "spc_summary.csv",
    } <= tables
    measures = pd.read_csv(DEMO_DATA / "measures.csv")
    figures = {p.name for p in (folder / "figures").iterdir()}
    assert {f"its_{m}.png" for m in measures["measure_id"]} <= figures
    assert {f"spc_{m}.png" for m in measures["measure_id"]} <= figures


def test_demo_run_publishes_its_and_spc_tables_for_every_measure(demo_run):
    tables = demo_run.run_dir / "tables"
    ids = set(pd.read_csv(DEMO_DATA / "measures.csv")["measure_id"])
    effects = pd.read_csv(tables / "its_effects.csv")
    assert set(effects["measure_id"]) == ids
    assert {"term", "estimate", "std_error", "estimate_lower", "estimate_upper", "p_value", "scale"} <= set(
        effects.columns
    )
    impact = pd.read_csv(tables / "its_impact.csv")
    assert set(impact["horizon"].dropna().astype(int)) == {12, 24}
    assert impact.groupby("measure_id")["cumulative"].sum().eq(1).all()
    points = pd.read_csv(tables / "spc_points.csv")
    assert len(points) == 60 * len(ids) and set(points["phase"]) == {1, 2}
    summary = pd.read_csv(tables / "spc_summary.csv")
    assert len(summary) == 2 * len(ids)
    html = (demo_run.run_dir / "report.html").read_text(encoding="utf-8")
    assert html.count("relative to what the pre-programme trend predicted") + html.count(
        "not clearly different from no change"
    ) == len(ids)


def test_demo_report_shows_every_measure_and_is_self_contained(demo_run):
    html = (demo_run.run_dir / "report.html").read_text(encoding="utf-8")
    measures = pd.read_csv(DEMO_DATA / "measures.csv")
    for name in measures["name"]:
        assert name.replace("&", "&amp;") in html, name
    parser = _Links()
    parser.feed(html)
    external = [u for u in parser.urls if re.match(r"^(https?:)?//", u)]
    assert external == []
    assert len(parser.images) >= len(measures)
    assert all(img["src"].startswith("data:image/png;base64,") for img in parser.images)
    assert all(img.get("alt") for img in parser.images)
    assert "Reproducibility appendix" in html and "Programme start" in html and "Methods" in html


def test_manifest_checksums_match_the_inputs(demo_run):
    manifest = json.loads((demo_run.run_dir / "manifest.json").read_text())
    roles = {entry["role"]: entry for entry in manifest["inputs"]}
    assert {"parameters", "data.scorecard", "data.indicators", "notebook"} <= set(roles)
    for entry in manifest["inputs"]:
        assert hashlib.sha256(Path(entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    assert roles["data.indicators"]["path"] == str((DEMO_DATA / "indicators.csv").resolve())
    params_digest = hashlib.sha256((demo_run.run_dir / "params.yaml").read_bytes()).hexdigest()
    assert manifest["parameters_sha256"] == params_digest
    env = manifest["environment"]
    assert env["python"] == sys.version.split()[0]
    assert env["packages"]["pandas"] == pd.__version__
    assert [s["stage"] for s in manifest["stages"]][:3] == ["validate parameters", "prepare", "execute report.ipynb"]
    assert manifest["finished_utc"] >= manifest["started_utc"]
    assert "report.html" in manifest["outputs"]
    # the appendix table in the report is the manifest's, checksums included
    inputs = pd.read_csv(demo_run.run_dir / "tables" / "inputs.csv")
    assert set(inputs["sha256"]) == {e["sha256"] for e in manifest["inputs"]}


def test_resolved_parameters_rerun_identically(demo_run, tmp_path):
    """The params.yaml of a run is itself a valid parameter file giving the same tables.

    Published paths are relative to the parameter file, which here sits in the run folder: the same
    data files (same names and checksums) are at other relative paths."""
    again = run(demo_run.run_dir / "params.yaml", reports_root=tmp_path, **QUIET)
    first, second = (r.run_dir / "tables" for r in (demo_run, again))
    assert (first / "data_summary.csv").read_bytes() == (second / "data_summary.csv").read_bytes()
    data = [pd.read_csv(t / "inputs.csv").query("role.str.startswith('data.')") for t in (first, second)]
    key = ["role", "file", "bytes", "sha256"]
    assert data[0][key].reset_index(drop=True).equals(data[1][key].reset_index(drop=True))
    params = [
        pd.read_csv(t / "parameters.csv", keep_default_na=False).set_index("parameter")["value"]
        for t in (first, second)
    ]
    is_path = params[0].index.str.startswith("data.")
    assert params[0][~is_path].equals(params[1][~is_path])
    names = [p[is_path].map(lambda v: Path(v).name if v else v) for p in params]
    assert names[0].equals(names[1])


def test_failing_notebook_keeps_failed_run_and_leaves_latest(tmp_path):
    write_notebook(tmp_path / "good.ipynb", "x = 1")
    write_notebook(tmp_path / "broken.ipynb", "a = 1", "raise ValueError('deliberate failure in the template')")
    reports = tmp_path / "reports"
    good = run(write_params(tmp_path, notebooks=["good.ipynb"]), reports_root=reports, **QUIET)
    latest = reports / "test" / "latest"
    assert latest.resolve() == good.run_dir.resolve()

    with pytest.raises(ExecutionError) as info:
        run(write_params(tmp_path, notebooks=["broken.ipynb"]), reports_root=reports, **QUIET)
    error = info.value
    assert error.stage == "execute broken.ipynb"
    assert error.cell == 3 and "deliberate failure" in str(error) and "ValueError" in str(error)
    assert latest.resolve() == good.run_dir.resolve()
    failed = list((reports / "test" / "failed").iterdir())
    assert len(failed) == 1 and error.kept == failed[0]
    executed = failed[0] / "broken.ipynb"
    assert executed.is_file() and "deliberate failure" in executed.read_text()
    assert not (reports / "test" / ".incomplete").exists()
    published = [p for p in (reports / "test").iterdir() if re.match(r"\d{8}T", p.name)]
    assert published == [good.run_dir]


def test_notebooks_run_in_this_python_and_the_environment_is_left_alone(tmp_path):
    write_notebook(tmp_path / "where.ipynb", "import os, sys\nprint(sys.executable, os.environ.get('JUPYTER_PATH'))")
    before = dict(os.environ)
    result = run(write_params(tmp_path, notebooks=["where.ipynb"]), reports_root=tmp_path / "reports", **QUIET)
    assert dict(os.environ) == before
    executed = json.loads((result.run_dir / "where.ipynb").read_text(encoding="utf-8"))
    printed = "".join(executed["cells"][-1]["outputs"][0]["text"])
    assert printed.strip() == f"{sys.executable} {before.get('JUPYTER_PATH')}"  # no private JUPYTER_PATH leaks


def test_bad_parameters_create_no_run_folder(tmp_path):
    path = write_params(tmp_path)
    with pytest.raises(ParameterError):
        run(path, overrides=["programme.start=2018-13"], reports_root=tmp_path / "reports", **QUIET)
    assert not (tmp_path / "reports").exists()


def _pss(*args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    return subprocess.run(
        [sys.executable, "-m", "pss_analysis", *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=600
    )


def test_cli_bad_parameter_is_one_line_exit_2(tmp_path):
    path = write_params(tmp_path, extra="colour: blue\n")
    done = _pss("run", str(path), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error")]
    assert errors == [f"error: {path}, key 'colour': unknown key"]


def test_cli_bad_figure_workers_variable_exit_2_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("PSS_FIGURE_WORKERS", "lots")
    for command in ("run", "batch"):
        done = _pss(command, str(DEMO_PARAMS), "--reports-dir", str(tmp_path / "reports"), cwd=tmp_path)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
        errors = [line for line in done.stderr.splitlines() if line.startswith("error")]
        assert errors == [
            "error: environment variable PSS_FIGURE_WORKERS: not a number of figure workers; "
            "expected a whole number, 0 for none, found 'lots'"
        ]
    assert not (tmp_path / "reports").exists()


def test_cli_bad_set_override_exit_2(tmp_path):
    done = _pss("run", str(DEMO_PARAMS), "--set", "report.renderr=builtin", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "did you mean 'report.renderer'" in done.stderr


def test_cli_failing_notebook_exit_1_names_stage_and_cell(tmp_path):
    write_notebook(tmp_path / "broken.ipynb", "1 / 0")
    path = write_params(tmp_path, notebooks=["broken.ipynb"])
    done = _pss("run", str(path), "--renderer", "builtin", cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "execute broken.ipynb" in done.stderr and "failed in cell 2 " in done.stderr
    assert "ZeroDivisionError" in done.stderr and "failed" in done.stderr


def test_cli_runs_a_report_without_loading_what_it_does_not_use(tmp_path):
    """``pss`` keeps jsonschema's optional IRI grammar (1.3 s to build) from loading; papermill and nbformat
    work as before without it."""
    write_notebook(tmp_path / "ok.ipynb", "x = 1 + 1")
    path = write_params(tmp_path, notebooks=["ok.ipynb"])
    code = (
        "import sys; from pss_analysis.run.cli import main; "
        f"code = main(['run', {str(path)!r}, '--renderer', 'builtin']); "
        "print(code, [name for name in UNUSED if sys.modules.get(name) is not None])"
    ).replace("UNUSED", repr(UNUSED_IMPORTS))
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert done.stdout.splitlines()[-1] == "0 []", done.stderr
    assert (tmp_path / "reports" / "test" / "latest" / "ok.html").is_file()


def test_cli_bad_data_file_exit_2(tmp_path):
    bad = tmp_path / "indicators.csv"
    text = (DEMO_DATA / "indicators.csv").read_text().splitlines()
    text[3] = text[3].replace(text[3].split(",")[1], "2016-99")
    bad.write_text("\n".join(text) + "\n")
    path = write_params(tmp_path)
    done = _pss("run", str(path), "--set", f"data.indicators={bad}", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{bad}, row 4, column 'period': unparseable period" in done.stderr


COUNT_COLUMNS = ["y", "n", "numerator", "denominator"]


def test_no_small_count_is_published_anywhere_in_the_run_folder(demo_run):
    """Every CSV and every sheet of the workbook is scanned; the demo has months with 1-7 leavers or trainees."""
    from openpyxl import load_workbook

    from pss_analysis.reporting.suppression import find_unsuppressed_small_counts

    tables = demo_run.run_dir / "tables"
    found = []
    for path in sorted(demo_run.run_dir.rglob("*.csv")):
        found += find_unsuppressed_small_counts(path, count_columns=COUNT_COLUMNS, threshold=7)
    book = load_workbook(tables / "results.xlsx", read_only=True)
    for sheet in book.worksheets:
        if sheet.title == "README":
            continue
        rows = list(sheet.values)  # read-only rows end at their last value: padded to the header
        frame = pd.DataFrame([(*row, *[None] * (len(rows[0]) - len(row))) for row in rows[1:]], columns=rows[0])
        found += [
            f"results.xlsx {sheet.title}: {p}"
            for p in find_unsuppressed_small_counts(frame, count_columns=COUNT_COLUMNS, threshold=7)
        ]
    assert found == []

    # and the suppression really happened where the data have small counts
    data = pd.read_csv(DEMO_DATA / "indicators.csv")
    small = data[(data["numerator"] >= 1) & (data["numerator"] <= 7)]
    assert len(small) > 0
    points = pd.read_csv(tables / "spc_points.csv", dtype=str)
    for row in small.itertuples():
        published = points[(points["measure_id"] == row.measure_id) & (points["x"] == row.period)].iloc[0]
        assert published["y"] == "*" and published["value"] == "*", (row.measure_id, row.period)
    html = (demo_run.run_dir / "report.html").read_text(encoding="utf-8")
    assert "Counts from 1 to 7" in html  # the methods section states the rule
    # the data behind each control chart (one click away in the HTML) hides the same months
    for row in small.itertuples():
        figure = re.search(rf'id="figure-spc_{row.measure_id}".*?</figure>', html, re.S)
        assert figure is not None, row.measure_id
        cells = re.search(rf"<tr>\s*<td[^>]*>{row.period}</td>\s*<td[^>]*>([^<]*)</td>", figure.group(0))
        assert cells is not None and cells.group(1) == "*", (row.measure_id, row.period)
    # and so does the data behind the within-year dashboards, which show the latest months
    behind = "".join(re.findall(r'id="figure-dashboard_within_year(?:_\d+)?".*?</figure>', html, re.S))
    assert "Data behind Figure" in behind
    names = pd.read_csv(DEMO_DATA / "measures.csv").set_index("measure_id")["name"]
    shown = []
    for row in small.itertuples():
        cells = re.search(
            rf"<td[^>]*>{re.escape(names[row.measure_id])}</td>\s*<td[^>]*>{row.period}</td>\s*<td[^>]*>([^<]*)</td>",
            behind,
        )
        if cells is not None:  # a month of the latest twelve
            shown.append(cells.group(1))
    assert shown and set(shown) == {"*"}


def _chart_spec(html: str, name: str) -> dict:
    """The plotly spec of the report's figure ``name`` (its interactive chart)."""
    figure = re.search(rf'id="figure-{name}".*?</figure>', html, re.S)
    assert figure is not None, name
    spec = re.search(r'<script type="application/json" class="pss-plotly-spec">(.*?)</script>', figure.group(0), re.S)
    assert spec is not None, name
    return json.loads(spec.group(1))


def test_no_chart_shows_a_month_the_tables_hide(demo_run):
    """The interactive control and time-series charts leave out the value of every month with a small count:
    no point, no number in the page's chart data, the hover says why; a tick on the time axis marks it."""
    html = (demo_run.run_dir / "report.html").read_text(encoding="utf-8")
    data = pd.read_csv(DEMO_DATA / "indicators.csv")
    small = data[(data["numerator"] >= 1) & (data["numerator"] <= 7)]
    multiplier = pd.read_csv(DEMO_DATA / "measures.csv").set_index("measure_id")["multiplier"]
    for mid, rows in small.groupby("measure_id"):
        months = {f"{p}-01" for p in rows["period"]}
        values = (rows["numerator"] / rows["denominator"] * multiplier[mid]).fillna(rows["numerator"])
        true = {float(f"{v:.6g}") for v in values}
        for name, series, words in ((f"spc_{mid}", "Monthly values", "Value"), (f"its_{mid}", "Observed", "Observed")):
            spec = _chart_spec(html, name)
            values = next(t for t in spec["data"] if t["name"] == series)
            shown = {x: y for x, y in zip(values["x"], values["y"], strict=True)}
            assert {shown[m] for m in months if m in shown} == {None}, name
            numbers = {y for t in spec["data"] for y in t.get("y") or [] if isinstance(y, float)}
            assert not (true & numbers), (name, true & numbers)
            (ticks,) = [t for t in spec["data"] if t.get("meta") == "hidden"]
            assert set(ticks["x"]) == months and ticks["name"] == "Month not shown (small number)", name
            assert all(f"{words}: not shown (small number)" in text for text in ticks["text"]), name
            texts = " ".join(text for t in spec["data"] for text in t.get("text") or [])
            assert texts.count("not shown (small number)") >= len(months), name
    assert len(small["measure_id"].unique()) >= 2  # the demo has such months in more than one measure


def test_results_workbook_has_every_table_and_a_readme(demo_run):
    from openpyxl import load_workbook

    tables = demo_run.run_dir / "tables"
    book = load_workbook(tables / "results.xlsx", read_only=True)
    assert book.sheetnames[0] == "README"
    readme = "\n".join(str(v) for row in book["README"].values for v in row if v is not None)
    for csv in tables.glob("*.csv"):
        assert csv.stem in readme, csv.stem
    assert "Short id of the measure" in readme  # column descriptions
    assert len(book.sheetnames) == len(list(tables.glob("*.csv"))) + 1


def test_measure_in_a_perspective_of_its_own_is_still_reported(tmp_path):
    """A catalogue may use a perspective outside the seven defaults; its measures get a section too."""
    catalogue = pd.read_csv(DEMO_DATA / "measures.csv")
    catalogue.loc[catalogue["measure_id"] == "staff_turnover", "perspective"] = "volunteers"
    catalogue.to_csv(tmp_path / "measures.csv", index=False)
    path = write_params(tmp_path, extra="")
    result = run(
        path,
        overrides=[f"data.measures={tmp_path / 'measures.csv'}", "report.measures=[staff_turnover, acs_admissions]"],
        reports_root=tmp_path / "reports",
        **QUIET,
    )
    html = result.report_files[0].read_text(encoding="utf-8")
    assert "volunteers" in html and "Staff turnover" in html
    summary = pd.read_csv(result.run_dir / "tables" / "executive_summary.csv").set_index("perspective_id")
    assert summary.loc["volunteers", "no_evidence_of_change"] == 1  # counted in the summary, too
    assert summary.drop(columns=["perspective", "tier"]).to_numpy().sum() == 2
    assert (result.run_dir / "figures" / "its_staff_turnover.png").is_file()


def test_every_confidence_label_follows_alpha(tmp_path):
    """No hidden 95%: with analysis.alpha 0.1 every table caption, column and sentence says 90%."""
    result = run(
        DEMO_PARAMS,
        overrides=["analysis.alpha=0.1", "report.measures=[acs_admissions, su_satisfaction]"],
        reports_root=tmp_path / "reports",
        **QUIET,
    )
    html = result.report_files[0].read_text(encoding="utf-8")
    text = unescape(re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", html))
    assert "90%" in text
    # the one 95% left is an indicator definition's own level (its standardise.confidence), stated as such
    text = text.replace("95% confidence interval by Dobson's method", "")
    assert "95%" not in text, text[max(0, text.find("95%") - 200) : text.find("95%") + 50]
