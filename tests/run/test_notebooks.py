"""Template notebooks: thin, without outputs, with a working `parameters` cell."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT

TEMPLATES = sorted((ROOT / "pss_analysis" / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_is_committed_without_outputs_and_has_parameters(path: Path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and tagged[0] is code[0]
    default = tagged[0].source.split('params_file: str = "')[1].split('"')[0]
    assert (path.parent / default).is_file()  # a working default, as when opened in JupyterLab
    assert not any(line.lstrip().startswith("def ") for c in code for line in c.source.splitlines())


def test_templates_are_the_output_of_their_generator():
    spec = importlib.util.spec_from_file_location("make_template", ROOT / "tools" / "make_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert sorted(module.NOTEBOOKS) == [p.name for p in TEMPLATES]
    for name in module.NOTEBOOKS:
        committed = nbformat.read(ROOT / "pss_analysis" / "notebooks" / name, as_version=4)
        assert [c.source for c in committed.cells] == [c.source for c in module.build(name).cells], name
