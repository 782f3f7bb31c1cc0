"""Parameter files and --set overrides are validated before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEMO_PARAMS, write_params

from pss_analysis.config.loading import load_params
from pss_analysis.config.overrides import parse_override
from pss_analysis.errors import ParameterError


def test_demo_parameters_are_valid_and_paths_resolve():
    params = load_params(DEMO_PARAMS)
    assert params.programme.start == "2018-04"
    assert params.report.name == "demo"
    assert params.data.scorecard.is_absolute() and params.data.scorecard.is_file()
    assert params.data.measures is None
    assert params.report.to == ["html"]


@pytest.mark.parametrize("start", ["2018-04", "2018-04-01", "2018-4"])
def test_months_are_normalised(tmp_path, start):
    path = write_params(tmp_path)
    assert load_params(path, [f"programme.start={start}"]).programme.start == "2018-04"


def test_unknown_key_suggests_the_nearest(tmp_path):
    path = write_params(tmp_path, extra="repor:\n  name: x\n")
    with pytest.raises(ParameterError) as info:
        load_params(path)
    message = str(info.value)
    assert str(path) in message and "'repor'" in message and "did you mean 'report'" in message


def test_misspelt_nested_key_suggests_the_nearest(tmp_path):
    path = write_params(tmp_path)
    with pytest.raises(ParameterError, match=r"programme\.strat'.*did you mean 'programme\.start'"):
        load_params(path, ["programme.strat=2018-01"])


def test_wrong_type_names_key_expected_and_found(tmp_path):
    path = write_params(tmp_path)
    with pytest.raises(ParameterError) as info:
        load_params(path, ["analysis.alpha=high"])
    assert info.value.key == "analysis.alpha"
    assert "expected a number" in str(info.value) and "'high'" in str(info.value)
    assert "--set" in str(info.value)
    assert load_params(path, ["title=2020"]).title == "2020"  # text keys keep the text as typed
    bad = tmp_path / "bad.yaml"
    bad.write_text(path.read_text().replace("title: Test report", "title: [1, 2]"))
    with pytest.raises(ParameterError, match="key 'title': wrong type; expected text, found \\[1, 2\\]"):
        load_params(bad)


@pytest.mark.parametrize("bad", ["2018-13", "April 2018", "2018-02-30"])
def test_bad_date(tmp_path, bad):
    path = write_params(tmp_path)
    with pytest.raises(ParameterError, match="programme.start.*YYYY-MM"):
        load_params(path, [f"programme.start={bad}"])


def test_missing_data_file_is_named(tmp_path):
    path = write_params(tmp_path)
    with pytest.raises(ParameterError) as info:
        load_params(path, ["data.indicators=nowhere.csv"])
    assert info.value.key == "data.indicators"
    assert "not found" in str(info.value) and "nowhere.csv" in str(info.value)


def test_missing_required_key(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("title: x\nprogramme: {name: y}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="programme.start.*required"):
        load_params(path)


def test_unknown_renderer_and_format_list_the_choices(tmp_path):
    path = write_params(tmp_path)
    with pytest.raises(ParameterError, match="renderer.*'auto', 'quarto' or 'builtin'.*'latex'"):
        load_params(path, ["report.renderer=latex"])
    with pytest.raises(ParameterError, match="report.to.*'html'.*'pptx'"):
        load_params(path, ["report.to=html,pptx"])


def test_malformed_yaml_names_line(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("title: x\nprogramme: [unclosed\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"p\.yaml.*line \d+"):
        load_params(path)


def test_override_values_are_read_as_yaml():
    assert parse_override("report.to=html") == ("report.to", "html")
    assert parse_override("a.b=[1, 2]") == ("a.b", [1, 2])
    with pytest.raises(ParameterError, match="key=value"):
        parse_override("nonsense")


def test_override_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch):
    path = write_params(tmp_path)
    other = tmp_path / "sub"
    other.mkdir()
    copy = other / "ind.csv"
    copy.write_bytes(Path(load_params(path).data.indicators).read_bytes())
    params = load_params(path, ["data.indicators=ind.csv"], cwd=other)
    assert params.data.indicators == copy.resolve()


def test_pinned_checksum_must_match(tmp_path):
    path = write_params(tmp_path)
    extra = tmp_path / "extra.csv"
    extra.write_text("a\n1\n")
    import hashlib

    good = hashlib.sha256(extra.read_bytes()).hexdigest()
    params = load_params(path, [f"data.files.extra={extra}", f"data.sha256.extra={good}"])
    assert params.data.files["extra"] == extra
    with pytest.raises(ParameterError, match="data.sha256.extra.*differs.*expected 0000"):
        load_params(path, [f"data.files.extra={extra}", "data.sha256.extra=" + "0" * 64])
    with pytest.raises(ParameterError, match="data.sha256.nothing.*not listed"):
        load_params(path, ["data.sha256.nothing=" + "0" * 64])


def test_report_measures_subset_is_checked(tmp_path):
    from pss_analysis.inputs.tables import load_measures, select_measures

    params = load_params(write_params(tmp_path), ["report.measures=[acs_bed_nights, staff_turnover]"])
    measures = load_measures(params.data.measures)
    assert list(select_measures(measures, params.report.measures)["measure_id"]) == ["acs_bed_nights", "staff_turnover"]
    with pytest.raises(ParameterError, match="report.measures.*did you mean 'acs_bed_nights'"):
        select_measures(measures, ["acs_bed_night"])


def test_the_schema_knows_every_registered_method_by_name():
    # config sits below methods, so the parameter schema spells the names out: they must match the registries
    from pss_analysis.config.params import FORMATS, ITS_FAMILIES, SPC_CHARTS, SPC_RULES
    from pss_analysis.methods.its import FAMILIES
    from pss_analysis.methods.spc import CHARTS, RULE_SETS
    from pss_analysis.publish.render.registry import BUILTIN_FORMATS

    assert set(ITS_FAMILIES) == set(FAMILIES)
    assert set(SPC_CHARTS) == set(CHARTS)
    assert set(SPC_RULES) == set(RULE_SETS)
    assert set(FORMATS) == set(BUILTIN_FORMATS)
