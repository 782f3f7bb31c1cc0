"""``pss init DIR``: the starter project is written, refuses a used folder, and runs as a report at once."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT

from pss_analysis.config.loading import load_params
from pss_analysis.inputs.scorecard import TEMPLATE, load_scorecard
from pss_analysis.run.cli import EXIT_BAD_INPUT, EXIT_OK, main
from pss_analysis.run.init import STARTER_FILES
from pss_analysis.run.pipeline import run

STARTER = ROOT / "pss_analysis" / "run" / "starter"
WRITTEN = {*STARTER_FILES, TEMPLATE.name}


def _files(folder):
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A starter project written by ``pss init`` into a folder that does not exist yet."""
    folder = tmp_path_factory.mktemp("init") / "my project"
    assert main(["init", str(folder)]) == EXIT_OK
    return folder


def test_every_starter_file_is_copied():
    assert _files(STARTER) == set(STARTER_FILES)


def test_init_writes_the_starter_project(project, capsys):
    assert _files(project) == WRITTEN
    for name in STARTER_FILES:
        assert (project / name).read_bytes() == (STARTER / name).read_bytes(), name
    assert (project / TEMPLATE.name).read_bytes() == TEMPLATE.read_bytes()
    load_scorecard(project / TEMPLATE.name)  # the template copy is a valid scorecard


def test_starter_params_load_and_point_at_the_example_data(project):
    params = load_params(project / "params.yaml")
    assert params.data.measures == (project / "data" / "measures.csv").resolve()
    assert params.data.indicators == (project / "data" / "indicators.csv").resolve()
    assert params.data.scorecard is None
    lines = (project / "params.yaml").read_text(encoding="utf-8").splitlines()
    text_block = False  # inside a folded text (the description), explained on its first line
    for previous, line in zip(["#"] + lines, lines, strict=False):
        text_block = text_block and line.startswith("    ")
        if line.strip() and not text_block:
            assert "#" in line or previous.lstrip().startswith("#"), f"no comment explains: {line}"
        text_block = text_block or line.split("#")[0].rstrip().endswith(">-")


def test_starter_data_have_two_years_each_side_of_the_start_for_three_kinds(project):
    params = load_params(project / "params.yaml")
    measures = pd.read_csv(project / "data" / "measures.csv")
    indicators = pd.read_csv(project / "data" / "indicators.csv", dtype={"period": str})
    assert sorted(measures["kind"]) == ["count", "proportion", "rate"]
    assert set(indicators["measure_id"]) == set(measures["measure_id"])
    for measure_id, rows in indicators.groupby("measure_id"):
        before = (rows["period"] < params.programme.start).sum()
        after = (rows["period"] >= params.programme.start).sum()
        assert (before, after) == (24, 24), measure_id
        assert rows["period"].is_unique and rows["period"].is_monotonic_increasing


def test_init_refuses_a_folder_that_is_not_empty(project, capsys):
    before = {name: (project / name).read_bytes() for name in WRITTEN}
    capsys.readouterr()
    assert main(["init", str(project)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err.strip()
    assert str(project) in err and "not empty" in err and len(err.splitlines()) == 1
    assert {name: (project / name).read_bytes() for name in WRITTEN} == before


def test_init_writes_nothing_into_a_folder_holding_another_file(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == EXIT_BAD_INPUT
    assert str(tmp_path) in capsys.readouterr().err
    assert _files(tmp_path) == {"notes.txt"}


def test_init_fills_an_existing_empty_folder(tmp_path):
    assert main(["init", str(tmp_path)]) == EXIT_OK
    assert _files(tmp_path) == WRITTEN


def test_starter_project_runs_through_the_pipeline(project, tmp_path):
    result = run(
        project / "params.yaml", reports_root=tmp_path / "reports", renderer="builtin", say=lambda message: None
    )
    report = result.run_dir / "report.html"
    assert report.is_file() and result.run_dir.parent == tmp_path / "reports" / "example"
    measures = pd.read_csv(project / "data" / "measures.csv")
    html = report.read_text(encoding="utf-8")
    for name in measures["name"]:
        assert name in html, name
    ids = set(measures["measure_id"])
    tables = result.run_dir / "tables"
    for table in ("data_summary.csv", "its_effects.csv", "spc_summary.csv", "evidence.csv"):
        assert set(pd.read_csv(tables / table)["measure_id"]) == ids, table
    summary = pd.read_csv(tables / "data_summary.csv").set_index("measure_id")
    assert (summary["points_before"] == 24).all() and (summary["points_after"] == 24).all()
