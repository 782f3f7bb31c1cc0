"""The package's layout is its architecture: imports point one way, and ARCHITECTURE.md names every stage.

Stages, lowest first: config -> inputs -> methods -> evaluation -> reporting -> publish -> run.
A module may import from its own stage and the stages below it, never above. The shared root
modules (``errors``, ``vocabulary``, ``timings``) are below every stage; the applications (``demo``,
``replication``) and the package's entry points may use any stage.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "pss_analysis"
STAGES = ["config", "inputs", "methods", "evaluation", "reporting", "publish", "run"]
SHARED = {"errors", "vocabulary", "timings"}
APPLICATIONS = {"demo", "replication", "notebooks", "__init__", "__main__"}


def _stage_of(module: str) -> str | None:
    """The stage of a dotted module name inside pss_analysis (None for the shared root modules)."""
    parts = module.split(".")
    if parts[0] != "pss_analysis" or len(parts) == 1:
        return None
    return parts[1] if parts[1] in STAGES else None


def _imports(module: str, text: str) -> list[tuple[int, str]]:
    """Every pss_analysis name that the module's source imports (top level and inside functions), by line."""
    found = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = module.split(".")[: -node.level] if node.level else []
            source = ".".join(base + ([node.module] if node.module else []))
            found += [(node.lineno, f"{source}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found if name.startswith("pss_analysis")]


def _upward(module: str, text: str) -> list[str]:
    """The imports of ``module`` that reach a stage above its own."""
    first = module.split(".")[1]
    if first in APPLICATIONS:
        return []
    own = STAGES.index(first) if first in STAGES else -1  # shared root modules sit below every stage
    return [
        f"line {line}: {name}"
        for line, name in _imports(module, text)
        if (stage := _stage_of(name)) is not None and STAGES.index(stage) > own
    ]


def _module_name(path: Path) -> str:
    """Dotted name of a source file; a package's __init__ counts as a module inside the package."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "templates" not in p.parts)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down_the_stages(path):
    upward = _upward(_module_name(path), path.read_text(encoding="utf-8"))
    assert not upward, f"{path.relative_to(ROOT)} imports a higher stage: {upward}"


def test_the_check_catches_an_upward_import():
    text = "from pss_analysis.reporting.document import Report\nfrom ..errors import PssError\n"
    assert _upward("pss_analysis.methods.spc.limits", text) == ["line 1: pss_analysis.reporting.document.Report"]
    assert _upward("pss_analysis.run.cli", text) == []


def test_methods_need_no_scorecard_or_notebook():
    # the statistical engines stand alone: nothing from inputs, config or any stage above
    for path in (PACKAGE / "methods").rglob("*.py"):
        used = {_stage_of(name) for _, name in _imports(_module_name(path), path.read_text(encoding="utf-8"))}
        used -= {None, "methods"}
        assert not used, f"{path.relative_to(ROOT)} imports {sorted(used)}"


def test_every_stage_declares_its_public_names():
    for stage in STAGES:
        tree = ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8"))
        assert ast.get_docstring(tree), f"pss_analysis/{stage}/__init__.py has no docstring"
        names = [
            t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
        ]
        assert "__all__" in names, f"pss_analysis/{stage}/__init__.py does not define __all__"


def test_architecture_md_names_every_subpackage():
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    packages = sorted({str(p.parent.relative_to(PACKAGE)) for p in PACKAGE.rglob("__init__.py")} - {"."})
    missing = [p for p in packages if f"{p}/" not in text]
    assert not missing, f"ARCHITECTURE.md does not name: {missing}"
