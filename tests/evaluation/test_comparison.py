"""Comparison areas named in the parameters (``analysis.comparison``): a controlled ITS per measure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pss_analysis.config.loading import load_params
from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.evaluation import prepare_study
from pss_analysis.methods.its import fit_its
from pss_analysis.reporting.sections.methods import comparison_paragraph
from pss_analysis.run.pipeline import run

MONTHS = pd.period_range("2019-01", periods=36, freq="M")
START = "2020-07"  # month 19
AREAS = {"Northshire": 0.0, "Southshire": 0.0, "Westshire": 0.0, "Eastshire": 0.0}


def _area_rows(area: str, effect: float, rng: np.random.Generator) -> pd.DataFrame:
    """Admissions per 1,000 that fall 1% a month everywhere, and by ``effect`` (log scale) from the start."""
    t = np.arange(1, 37)
    pop = 40_000 + 5_000 * len(area)
    mean = pop * 0.004 * np.exp(-0.01 * t + effect * (t >= 19))
    admissions = pd.DataFrame(
        {"measure_id": "admissions", "period": MONTHS.astype(str), "numerator": rng.poisson(mean), "denominator": pop}
    )
    waits = pd.DataFrame(
        {
            "measure_id": "wait",
            "period": MONTHS.astype(str),
            "numerator": np.round(20 - 0.05 * t - (2.0 if effect else 0.0) * (t >= 19) + rng.normal(0, 0.3, 36), 2),
            "denominator": "",
        }
    )
    return pd.concat([admissions, waits]).assign(area=area)


@pytest.fixture
def project(tmp_path):
    rng = np.random.default_rng(11)
    measures = pd.DataFrame(
        {
            "measure_id": ["admissions", "wait"],
            "name": ["Emergency admissions", "Days waiting for a care package"],
            "perspective": ["strategic", "operational"],
            "unit": ["per 1,000 people", "days"],
            "kind": ["rate", "amount"],
            "multiplier": [1000, 1],
            "improvement_direction": ["decrease", "decrease"],
            "target": ["", ""],
            "unit_cost": ["", ""],
            "description": ["Admissions per 1,000 residents", "Mean days from referral to a care package"],
        }
    )
    measures.to_csv(tmp_path / "measures.csv", index=False)
    rows = [_area_rows(a, -0.25 if a == "Northshire" else 0.0, rng) for a in AREAS]
    pd.concat(rows, ignore_index=True).to_csv(tmp_path / "indicators.csv", index=False)
    return tmp_path


def _params(folder, comparison: str) -> object:
    path = folder / "params.yaml"
    path.write_text(
        "title: Comparison test\nprogramme:\n  name: Home First\n  start: " + START + "\n"
        "data:\n  measures: measures.csv\n  indicators: indicators.csv\n"
        "report:\n  name: comparison\n  to: html\n" + comparison,
        encoding="utf-8",
    )
    return path


def test_each_measure_is_fitted_with_the_named_comparison_areas(project):
    params = load_params(
        _params(
            project,
            "analysis:\n  comparison:\n    unit: area\n    treated: Northshire\n    areas: Southshire, Westshire\n",
        )
    )
    study = prepare_study(params)  # Eastshire is neither: left out
    assert study.comparison.treated == "Northshire"
    assert study.comparison.areas == ("Southshire", "Westshire")
    assert "area" not in study.indicators.columns and len(study.indicators) == 2 * 36  # the programme's area only
    its = study.evaluations["admissions"].its
    assert its.specification["controlled"] and its.specification["comparison_units"] == ["Southshire", "Westshire"]


def test_the_programme_area_is_the_one_not_compared_and_the_effect_is_net_of_the_others(project):
    params = load_params(_params(project, "analysis:\n  comparison:\n    unit: area\n    treated: Northshire\n"))
    study = prepare_study(params)
    assert study.comparison.areas == ("Eastshire", "Southshire", "Westshire")  # every other area, A to Z
    ev = study.evaluations["admissions"]
    table = pd.read_csv(project / "indicators.csv")
    own = table[(table["area"] == "Northshire") & (table["measure_id"] == "admissions")].assign(
        period=lambda f: pd.PeriodIndex(f["period"], freq="M")
    )
    others = table[(table["area"] != "Northshire") & (table["measure_id"] == "admissions")].assign(
        period=lambda f: pd.PeriodIndex(f["period"], freq="M")
    )
    options = dict(ev.its_options)
    direct = fit_its(own, control=others, control_unit="area", **options)
    np.testing.assert_allclose(ev.its.coefficients, direct.coefficients, rtol=1e-10)
    eff = ev.its.effects()
    level = eff[(eff["group"] == "difference") & (eff["term"] == "level_change")].iloc[0]
    assert level["estimate_lower"] < np.exp(-0.25) < level["estimate_upper"]  # the true net drop of 22%
    row = study.evidence.set_index("measure_id").loc["admissions"]
    assert row["level_change"] == pytest.approx(level["estimate"], rel=1e-12)  # the verdict reads the net change
    text = comparison_paragraph(study)
    assert (
        "Each measure of Northshire was compared with 3 comparison areas: Eastshire, Southshire and Westshire" in text
    )


def test_comparison_parameters_that_do_not_fit_the_table_are_named(project):
    cases = {
        "    unit: area\n    areas: [Southshir]\n": ("analysis.comparison.areas[0]", "did you mean 'Southshire'"),
        "    unit: area\n    areas: [Southshire]\n": ("analysis.comparison.treated", "name the programme's own area"),
        "    unit: area\n    treated: Northshire\n    areas: [Northshire, Westshire]\n": (
            "analysis.comparison.areas",
            "cannot also be a comparison area",
        ),
    }
    for block, (key, words) in cases.items():
        with pytest.raises(ParameterError) as info:
            prepare_study(load_params(_params(project, "analysis:\n  comparison:\n" + block)))
        assert key in str(info.value) and words in str(info.value), str(info.value)
    with pytest.raises(DataValidationError) as missing:
        prepare_study(load_params(_params(project, "analysis:\n  comparison:\n    unit: region\n")))
    assert "region" in str(missing.value) and "indicators.csv" in str(missing.value)


def test_without_comparison_the_unit_column_is_still_refused_as_duplicates(project):
    """A table of several areas needs analysis.comparison: without it the months repeat."""
    with pytest.raises(DataValidationError, match="period"):
        prepare_study(load_params(_params(project, "")))


def test_pss_run_names_the_comparison_areas_in_the_report(project, tmp_path):
    params = _params(
        project,
        "analysis:\n  comparison:\n    unit: area\n    treated: Northshire\n    areas: [Southshire, Westshire]\n",
    )
    result = run(params, reports_root=tmp_path / "reports", renderer="builtin", say=lambda m: None)
    html = result.report_files[0].read_text(encoding="utf-8")
    assert "Each measure of Northshire was compared with 2 comparison areas: Southshire and Westshire" in html
    effects = pd.read_csv(result.run_dir / "tables" / "its_effects.csv")
    assert set(effects["group"]) == {"difference", "treated", "control"}


def test_a_measure_without_comparison_data_is_fitted_alone_and_named(project):
    table = pd.read_csv(project / "indicators.csv")
    keep = (table["measure_id"] == "admissions") | (table["area"] == "Northshire")
    table[keep].to_csv(project / "indicators.csv", index=False)
    params = _params(project, "analysis:\n  comparison:\n    unit: area\n    treated: Northshire\n")
    study = prepare_study(load_params(params))
    assert study.evaluations["admissions"].its.specification["controlled"]
    assert not study.evaluations["wait"].its.specification["controlled"]
    text = comparison_paragraph(study)
    assert "No comparison-area data for Days waiting for a care package: analysed for Northshire alone." in text


def test_areas_given_on_the_command_line_or_as_codes(project):
    params = load_params(
        _params(project, ""),
        [
            "analysis.comparison.unit=area",
            "analysis.comparison.treated=Northshire",
            "analysis.comparison.areas=Westshire",
        ],
    )
    assert params.analysis.comparison.areas == ["Westshire"]
    assert prepare_study(params).comparison.areas == ("Westshire",)
    codes = load_params(
        _params(project, "analysis:\n  comparison:\n    unit: area\n    treated: 101\n    areas: [102, 103]\n")
    )
    assert codes.analysis.comparison.treated == "101" and codes.analysis.comparison.areas == ["102", "103"]


def test_the_its_chart_leaves_out_a_comparison_month_with_a_small_count(project, tmp_path):
    """A comparison area's month of 1 to 7 admissions: the ITS chart draws no comparison point for it and
    marks the month on the time axis, as for the programme area's own small numbers."""
    from pss_analysis.reporting.document import Report
    from pss_analysis.reporting.figures import its_figure
    from pss_analysis.reporting.figures.style import HIDDEN_LABEL
    from pss_analysis.reporting.sections.counts import area_protected, hidden_months

    table = pd.read_csv(project / "indicators.csv")
    small = (table["area"] == "Southshire") & (table["measure_id"] == "admissions") & (table["period"] == "2019-05")
    table.loc[small, "numerator"] = 4
    table.to_csv(project / "indicators.csv", index=False)
    comparison = "analysis:\n  comparison:\n    unit: area\n    treated: Northshire\n    areas: [Southshire]\n"
    path = _params(project, comparison)
    rep = Report.open(path, tmp_path / "run")
    study = prepare_study(rep.params)
    measure = study.measures.set_index("measure_id").loc["admissions"].to_dict() | {"measure_id": "admissions"}
    rows = study.comparison.rows[study.comparison.rows["measure_id"] == "admissions"]
    data = area_protected(rows, measure)
    months = hidden_months(rep.hidden_cells(**data), data["frame"]["_month"], "value")
    assert months == {"2019-05"}

    fig = its_figure(study.evaluations["admissions"].its, title="Admissions", hidden_comparison=months)
    ax = fig.axes[0]
    control = next(c for c in ax.collections if c.get_label() == "Observed (comparison group)")
    ys = np.ma.masked_invalid(control.get_offsets()[:, 1])
    assert ys.count() == len(MONTHS) - 1 and ys.mask[4]
    assert HIDDEN_LABEL in {t.get_text() for legend in fig.legends for t in legend.get_texts()}
    shown = its_figure(study.evaluations["admissions"].its, title="Admissions")
    control = next(c for c in shown.axes[0].collections if c.get_label() == "Observed (comparison group)")
    assert np.ma.masked_invalid(control.get_offsets()[:, 1]).count() == len(MONTHS)
    # and the whole report runs with it
    result = run(path, reports_root=tmp_path / "reports", renderer="builtin", say=lambda m: None)
    assert (result.run_dir / "figures" / "its_admissions.png").is_file()
