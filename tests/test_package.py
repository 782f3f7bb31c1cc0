"""The package's public surface: every exported name resolves, is documented, and is in its module's __all__."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import pss_analysis

MODULES = ["its", "spc", "scorecard", "params", "pipeline", "study", "indicators", "suppression", "errors",
           "evidence", "dashboards", "balance", "linkage", "data", "periods", "validation", "render", "report",
           "runs", "manifest", "narrative", "evaluation", "workbook", "sections", "replication"]


@pytest.mark.parametrize("name", [n for n in pss_analysis.__all__ if n != "__version__"])
def test_exported_names_resolve_and_are_documented(name):
    value = getattr(pss_analysis, name)
    assert value.__doc__ and value.__doc__.strip()
    module = importlib.import_module(f"pss_analysis.{pss_analysis._EXPORTS[name]}")
    assert name in module.__all__


@pytest.mark.parametrize("module", MODULES)
def test_every_public_module_declares_its_public_names(module):
    mod = importlib.import_module(f"pss_analysis.{module}")
    assert mod.__doc__ and mod.__all__
    for name in mod.__all__:
        assert hasattr(mod, name), f"{module}.{name} in __all__ but missing"


def test_importing_the_package_is_light():
    code = "import sys, pss_analysis; print(sorted(m for m in ('statsmodels', 'papermill', 'duckdb') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_unknown_attribute_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        pss_analysis.nothing  # noqa: B018
