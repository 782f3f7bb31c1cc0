"""Every bad parameter is stopped before any notebook runs: exit 2, one line naming the key, no
traceback, nothing published (no run folder, no ``failed/``, no ``latest``).

Each test runs ``pss run`` for real on a parameter file built from the demo data.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO_DATA, DEMO_PARAMS, write_params

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.run.pipeline import run

QUIET = {"renderer": "builtin", "say": lambda message: None}
#: The demo's monthly data run from April 2015 to March 2020.
FIRST, LAST = "2015-04", "2020-03"


def _pss(params: Path, *options: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    return subprocess.run(
        [sys.executable, "-m", "pss_analysis", "run", str(params), "--renderer", "builtin", *options],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def _error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The one error line of a run refused with exit 2, after checking nothing else went wrong."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1, done.stderr
    assert "Executing" not in done.stderr  # no notebook started
    return errors[0]


def _nothing_published(reports: Path) -> None:
    assert not (reports / "test").exists(), sorted(p.name for p in (reports / "test").iterdir())


def _refused(tmp_path: Path, *overrides: str, params: Path | None = None) -> str:
    """Run ``pss run`` with ``--set`` overrides; the error line of the refused run (nothing published)."""
    params = params or write_params(tmp_path)
    options = [item for o in overrides for item in ("--set", o)]
    done = _pss(params, *options, "--name", "test", cwd=tmp_path)
    _nothing_published(tmp_path / "reports")
    return _error_line(done)


# --- programme.start within the data ---------------------------------------------------------------


def test_start_after_all_the_data_is_refused_naming_the_months_the_data_cover(tmp_path):
    line = _refused(tmp_path, "programme.start=2030-01")
    assert "key 'programme.start'" in line
    assert f"after the last month of the data (the data cover {FIRST} to {LAST})" in line
    assert "found '2030-01'" in line


def test_start_before_all_the_data_is_refused(tmp_path):
    with pytest.raises(ParameterError) as caught:
        run(write_params(tmp_path), overrides=["programme.start=2014-01"], reports_root=tmp_path / "reports", **QUIET)
    assert caught.value.key == "programme.start" and caught.value.found == "2014-01"
    assert f"no months before it (the data cover {FIRST} to {LAST})" in str(caught.value)
    assert "\n" not in str(caught.value)
    _nothing_published(tmp_path / "reports")


def test_start_at_the_first_month_leaves_no_months_before_and_is_refused(tmp_path):
    with pytest.raises(ParameterError, match="key 'programme.start'.*no months before it") as caught:
        run(write_params(tmp_path), overrides=[f"programme.start={FIRST}"], reports_root=tmp_path / "reports", **QUIET)
    assert caught.value.found == FIRST
    _nothing_published(tmp_path / "reports")


# --- the schema ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("horizons", ["[-12, 24]", "[0, 12]"])
def test_impact_at_must_be_positive(tmp_path, horizons):
    params = write_params(tmp_path, extra=f"analysis:\n  impact_at: {horizons}\n")
    line = _refused(tmp_path, params=params)
    assert f"{params}, key 'analysis.impact_at': value out of range; expected a number above 0" in line


@pytest.mark.parametrize(("key", "yaml_text"), [("title", 'title: ""'), ("programme.name", "  name: '   '")])
def test_blank_required_text_is_refused(tmp_path, key, yaml_text):
    params = write_params(tmp_path)
    text = params.read_text(encoding="utf-8")
    original = "title: Test report" if key == "title" else "  name: Test programme"
    params.write_text(text.replace(original, yaml_text), encoding="utf-8")
    line = _refused(tmp_path, params=params)
    assert f"{params}, key '{key}': invalid value; expected text that is not blank" in line


# --- measure ids and analysis options --------------------------------------------------------------


def test_misspelt_measure_under_analysis_measures_is_refused_with_the_nearest_id(tmp_path):
    params = write_params(tmp_path, extra="analysis:\n  measures:\n    acs_admisions:\n      its: {family: poisson}\n")
    line = _refused(tmp_path, params=params)
    assert "key 'analysis.measures': unknown measure id; did you mean 'acs_admissions'?" in line
    assert "found 'acs_admisions'" in line


def test_misspelt_measure_under_analysis_measures_is_refused_with_a_scorecard_too(tmp_path):
    with pytest.raises(ParameterError, match="did you mean 'acs_admissions'") as caught:
        run(
            DEMO_PARAMS,
            overrides=["analysis.measures.acs_admisions.spc.chart=xmr"],
            name="test",
            reports_root=tmp_path / "reports",
            **QUIET,
        )
    assert caught.value.key == "analysis.measures"
    _nothing_published(tmp_path / "reports")


def test_unknown_seasonality_for_every_measure_names_analysis_its(tmp_path):
    line = _refused(tmp_path, "analysis.its.seasonality=fourir")
    assert "key 'analysis.its.seasonality': unknown seasonality" in line
    assert "expected one of fourier, month, found 'fourir'" in line


def test_unknown_seasonality_for_one_measure_names_its_override(tmp_path):
    line = _refused(tmp_path, "analysis.measures.acs_admissions.its.seasonality=fourir")
    assert "key 'analysis.measures.acs_admissions.its.seasonality': unknown seasonality" in line
    assert "expected one of fourier, month" in line


def test_option_valid_alone_but_not_with_the_measures_family_names_the_key_and_the_measure(tmp_path):
    line = _refused(tmp_path, "analysis.its.autocorrelation=ar1")
    assert "key 'analysis.its.autocorrelation': autocorrelation 'ar1' is only available for the gaussian family" in line
    assert "(measure 'su_satisfaction')" in line


def test_too_many_harmonics_names_the_nested_key(tmp_path):
    params = write_params(tmp_path, extra="analysis:\n  its:\n    seasonality: {type: fourier, k: 6}\n")
    line = _refused(tmp_path, params=params)
    assert "key 'analysis.its.seasonality.k': too many Fourier harmonics" in line and "found 6" in line


def test_bad_option_in_the_scorecard_names_the_scorecard_entry(tmp_path):
    scorecard = (DEMO_DATA / "scorecard.yaml").read_text(encoding="utf-8")
    entry = "- measure_id: acs_admissions\n"
    assert entry in scorecard
    bad = tmp_path / "scorecard.yaml"
    bad.write_text(scorecard.replace(entry, entry + "  its: {seasonality: fourir}\n"), encoding="utf-8")
    with pytest.raises(ParameterError) as caught:
        run(
            DEMO_PARAMS,
            overrides=[f"data.scorecard={bad}"],
            name="test",
            reports_root=tmp_path / "reports",
            **QUIET,
        )
    assert str(caught.value).startswith(
        f"{bad}: measure 'acs_admissions', key 'its.seasonality': unknown seasonality; expected one of fourier, month"
    )
    _nothing_published(tmp_path / "reports")


# --- the data ------------------------------------------------------------------------------------------


def test_header_only_indicator_table_is_reported_as_empty(tmp_path):
    header_only = tmp_path / "indicators.csv"
    header_only.write_text("measure_id,period,numerator,denominator\n", encoding="utf-8")
    line = _refused(tmp_path, f"data.indicators={header_only}")
    assert line == f"error (prepare): {header_only}: no data rows (only a header)"


def test_header_only_indicator_table_beside_a_scorecard_is_reported_as_empty(tmp_path):
    header_only = tmp_path / "indicators.csv"
    header_only.write_text("measure_id,period,numerator,denominator\n", encoding="utf-8")
    with pytest.raises(DataValidationError) as caught:
        run(
            DEMO_PARAMS,
            overrides=[f"data.indicators={header_only}"],
            name="test",
            reports_root=tmp_path / "reports",
            **QUIET,
        )
    assert str(caught.value) == f"{header_only}: no data rows (only a header)"
    _nothing_published(tmp_path / "reports")


# --- programme.cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "found"),
    [
        ("  cost: -1200000\n", "found -1200000"),
        ("  cost: about a million\n", "found 'about a million'"),
        ("  cost: {per_year: 0}\n", "found {'per_year': 0}"),
        ("  cost: {per_yer: 400000}\n", "found {'per_yer': 400000}"),
    ],
)
def test_a_bad_programme_cost_is_refused_naming_the_key(tmp_path, extra, found):
    params = write_params(tmp_path)
    text = params.read_text(encoding="utf-8").replace("  start: 2018-04\n", "  start: 2018-04\n" + extra)
    params.write_text(text, encoding="utf-8")
    line = _refused(tmp_path, params=params)
    assert "key 'programme.cost': invalid value" in line
    assert "expected a positive amount in pounds (cost: 1200000) or per year (cost: {per_year: 400000})" in line
    assert found in line
