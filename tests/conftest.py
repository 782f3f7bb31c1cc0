"""Shared fixtures: paths, the published reference data, and one demo run reused by many tests."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
REFERENCE = SHARED / "reference"
DEMO_PARAMS = ROOT / "params" / "demo.yaml"
DEMO_DATA = ROOT / "data" / "demo"


def reference(*parts: str) -> Path:
    """A file in ../shared/reference, or skip the test saying where it was looked for."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data not found at {path} (CI has ../shared beside the checkout)")
    return path


def write_params(folder: Path, *, notebooks: list[str] | None = None, extra: str = "") -> Path:
    """A parameter file in ``folder`` that uses the demo data (absolute paths)."""
    lines = [
        "title: Test report",
        "programme:",
        "  name: Test programme",
        "  start: 2018-04",
        "data:",
        f"  measures: {DEMO_DATA / 'measures.csv'}",
        f"  indicators: {DEMO_DATA / 'indicators.csv'}",
        "report:",
        "  name: test",
    ]
    if notebooks:
        lines.append(f"  notebooks: [{', '.join(notebooks)}]")
    path = folder / "params.yaml"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def write_notebook(path: Path, *sources: str) -> Path:
    """A template notebook whose first cell is the standard parameters cell."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell('params_file: str = ""\noutput_dir: str = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(s) for s in sources)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The demo report, run once through the real pipeline (papermill, nbconvert)."""
    from pss_analysis.run.pipeline import run

    reports = tmp_path_factory.mktemp("reports")
    result = run(DEMO_PARAMS, reports_root=reports, renderer="builtin", say=lambda m: None)
    return result
