"""The package's public surface: every exported name resolves, is documented, and is in its module's __all__."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import pss_analysis


def _public_modules() -> list[str]:
    """Every module of the package except entry points, scripts among the templates and private modules."""
    root = Path(pss_analysis.__file__).parent
    names = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__main__" or "templates" in parts or any(p.startswith("_") and p != "__init__" for p in parts):
            continue
        names.append(".".join(("pss_analysis", *parts)).removesuffix(".__init__"))
    return names


MODULES = _public_modules()
SUBPACKAGES = sorted(
    {m for m in MODULES if (Path(pss_analysis.__file__).parent.joinpath(*m.split(".")[1:], "__init__.py")).is_file()}
)


@pytest.mark.parametrize("name", [n for n in pss_analysis.__all__ if n != "__version__"])
def test_exported_names_resolve_and_are_documented(name):
    value = getattr(pss_analysis, name)
    assert value.__doc__ and value.__doc__.strip()
    module = importlib.import_module(f"pss_analysis.{pss_analysis._EXPORTS[name]}")
    assert name in module.__all__


@pytest.mark.parametrize("module", MODULES)
def test_every_public_module_declares_its_public_names(module):
    mod = importlib.import_module(module)
    assert mod.__doc__ and mod.__doc__.strip(), f"{module} has no docstring"
    assert hasattr(mod, "__all__"), f"{module} does not list its public names in __all__"
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name} in __all__ but missing"


@pytest.mark.parametrize("package", SUBPACKAGES)
def test_each_subpackage_documents_what_it_exports(package):
    # a subpackage's __all__ is its public face (as statsmodels' api modules): each function and class documented
    mod = importlib.import_module(package)
    undocumented = [
        name
        for name in mod.__all__
        if callable(value := getattr(mod, name)) and not (getattr(value, "__doc__", None) or "").strip()
    ]
    assert not undocumented, f"{package}: {undocumented}"


def test_importing_the_package_is_light():
    code = (
        "import sys, pss_analysis; print(sorted(m for m in ('statsmodels', 'papermill', 'duckdb') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        pss_analysis.nothing  # noqa: B018
