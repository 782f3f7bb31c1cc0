"""Where a run's time goes: ``manifest.json`` times every stage, notebook section, measure and figure,
and ``pss run --profile`` prints the ten most expensive steps."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from pss_analysis.evaluation.study import EVALUATIONS_FILE, EVALUATIONS_PENDING, INPUTS_FILE
from pss_analysis.reporting.figure_pool import pool_workers
from pss_analysis.run.cli import EXIT_OK, main
from pss_analysis.timings import KERNEL_TIMINGS_FILE


@pytest.fixture(scope="module")
def profiled(tmp_path_factory):
    """A starter project (``pss init``), whose report the test runs for real with ``pss run --profile``."""
    folder = tmp_path_factory.mktemp("profile") / "project"
    assert main(["init", str(folder)]) == EXIT_OK
    return folder


def test_profile_prints_the_ten_most_expensive_steps_and_the_manifest_has_every_timing(profiled, capsys):
    capsys.readouterr()
    reports = profiled / "reports"
    code = main(
        ["run", str(profiled / "params.yaml"), "--renderer", "builtin", "--reports-dir", str(reports), "--profile"]
    )
    assert code == EXIT_OK
    out = capsys.readouterr().out.splitlines()
    heading = next(k for k, line in enumerate(out) if "most expensive steps" in line)
    steps = out[heading + 1 :]
    assert len(steps) == 10
    seconds = [float(re.match(r"^\s*(\d+\.\d\d) s  \S", line).group(1)) for line in steps]
    assert seconds == sorted(seconds, reverse=True)
    assert any(line.startswith("Stages: ") and "execute report.ipynb" in line for line in out)

    run_dir = (reports / "example" / "latest").resolve()
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    timings = manifest["timings"]
    stages = {r["step"] for r in timings if r["level"] == "stage"}
    assert {"validate parameters", "prepare", "execute report.ipynb", "render report.ipynb to html"} <= stages
    measures = set(pd.read_csv(profiled / "data" / "measures.csv")["measure_id"])
    # the measures are evaluated by the pipeline while the kernel starts (on a machine with cores to spare),
    # and the kernel adopts them; else by the kernel
    ahead = pool_workers() > 0
    for step in ("its", "spc", "robustness"):
        timed = {r["measure"] for r in timings if r["step"] == step}
        assert timed == measures, step
        assert {r["process"] for r in timings if r["step"] == step} == {"pipeline" if ahead else "kernel"}
    adopted = [r for r in timings if r["step"] == "evaluations"]
    assert [(r["process"], r["adopted"]) for r in adopted] == ([("kernel", True)] if ahead else [])
    sections = {r["step"] for r in timings if r["level"] == "section"}
    assert {"sections.perspective_sections", "sections.board_section", "parameters", "injected parameters"} <= sections
    assert {r["measure"] for r in timings if r["step"] == "measure section"} == measures
    figures = [r for r in timings if r["step"] == "figure"]
    assert len(figures) == len(list((run_dir / "figures").glob("*.png")))
    # figures are written by worker processes while the notebook goes on (and by the notebook while the
    # workers have enough), on a machine with cores to spare
    written = {r["written"] for r in figures}
    assert ("worker" in written and written <= {"worker", "kernel"}) if pool_workers() else written == {"kernel"}
    # the inputs are loaded and checked once, by the pipeline; the kernel adopts them
    validations = {(r["process"], r.get("adopted", False)) for r in timings if r["step"] == "validation"}
    assert validations == {("pipeline", False), ("kernel", True)}
    for handed in (INPUTS_FILE, EVALUATIONS_FILE, EVALUATIONS_PENDING):
        assert not (run_dir / handed).exists() and handed not in manifest["outputs"]
    assert all(r["seconds"] >= 0 for r in timings)
    # the kernel's timings file was merged and removed: not left in the published folder
    assert not (run_dir / KERNEL_TIMINGS_FILE).exists()
    assert KERNEL_TIMINGS_FILE not in manifest["outputs"]
