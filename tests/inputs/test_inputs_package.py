"""The inputs stage's package: its public names resolve, and importing it stays cheap."""

import subprocess
import sys

import pss_analysis.inputs as inputs


def test_public_names_resolve_to_their_modules():
    for name in inputs.__all__:
        value = getattr(inputs, name)
        module = getattr(value, "__module__", None)
        if module is not None and callable(value):
            assert module.startswith("pss_analysis.inputs."), name


def test_unknown_name_is_an_attribute_error():
    try:
        inputs.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_does_not_load_duckdb_or_scipy():
    code = (
        "import sys, pss_analysis.inputs, pss_analysis.inputs.indicators, pss_analysis.inputs.scorecard; "
        "print(sorted(m for m in ('duckdb', 'scipy.stats') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
