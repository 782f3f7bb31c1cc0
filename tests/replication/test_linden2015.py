"""The second replication example: Linden (2015), California's Proposition 99, single and multiple groups."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import ROOT, reference

from pss_analysis.config.loading import load_params
from pss_analysis.errors import DataValidationError
from pss_analysis.replication.linden2015 import fit_linden, linden_comparison, read_prop99, time_since_contrast
from pss_analysis.run.pipeline import run

PARAMS = ROOT / "params" / "replication_linden2015.yaml"


@pytest.fixture(scope="module")
def prop99_path():
    return reference("its", "prop99", "cigsales_abadie2010_smoking.csv")


@pytest.fixture(scope="module")
def table(prop99_path):
    return linden_comparison(fit_linden(read_prop99(prop99_path)))


def test_every_published_coefficient_is_reproduced_to_its_printed_digits(table):
    coefs = table.dropna(subset=["published_coef"])
    assert len(coefs) == 9 and coefs["agrees"].all()
    lookup = table.set_index(["model", "group", "term"])
    assert f"{lookup.loc[('multiple groups', 'difference', 'level_change'), 'coef']:.7g}" == "-2.806417"
    assert f"{lookup.loc[('multiple groups', 'control', 'baseline_level'), 'coef']:.7g}" == "135.4995"
    assert f"{lookup.loc[('multiple groups', 'difference', 'level_change'), 'p_value']:.3f}" == "0.631"


def test_the_one_p_value_off_in_its_third_decimal_says_why(table):
    row = table.set_index(["model", "group", "term"]).loc[("multiple groups", "difference", "slope_change")]
    assert not row["agrees"] and f"{row['p_value']:.3f}" == "0.137" and row["published_p_value"] == 0.136
    assert "force" in row["note"] and "within each state" in row["note"]
    assert (table.loc[table["agrees"], "note"] == "").all()


def test_the_wide_layout_rounded_to_a_tenth_agrees_to_four_figures(prop99_path, tmp_path):
    long = read_prop99(prop99_path)
    wide = long.assign(cigsale=long["cigsale"].round(1)).pivot(index="year", columns="state", values="cigsale")
    path = tmp_path / "california_prop99.csv"
    wide.rename_axis(columns=None).reset_index().rename(columns={"year": "Year"}).to_csv(path, index=False)
    again = read_prop99(path)
    assert len(again) == 39 * 31 and set(again["state"]) == set(long["state"])
    rounded = linden_comparison(fit_linden(again)).dropna(subset=["published_coef"])
    for ours, theirs in zip(rounded["coef"], rounded["published_coef"], strict=True):
        assert f"{ours:.4g}" == f"{theirs:.4g}"


def test_data_without_california_or_a_sales_column_is_refused_by_name(prop99_path, tmp_path):
    long = read_prop99(prop99_path)
    no_ca = tmp_path / "no_ca.csv"
    long[long["state"] != "California"].to_csv(no_ca, index=False)
    with pytest.raises(DataValidationError, match="California is not in"):
        read_prop99(no_ca)
    no_sales = tmp_path / "no_sales.csv"
    long.rename(columns={"cigsale": "sales"}).to_csv(no_sales, index=False)
    with pytest.raises(DataValidationError, match="no cigsale column") as info:
        read_prop99(no_sales)
    assert "no_sales.csv" in str(info.value) and "PacksPerCapita" in str(info.value)


def test_the_two_time_since_conventions_differ_by_one_slope_change(prop99_path):
    both = time_since_contrast(read_prop99(prop99_path)).set_index("convention")
    itsa, wagner = both.loc["itsa"], both.loc["wagner"]
    assert f"{itsa['level_change']:.6g}" == "-20.0581"  # Linden's _x1989: the jump in 1989
    assert wagner["level_change"] == pytest.approx(itsa["level_change"] - itsa["slope_change"], rel=1e-10)
    assert wagner["slope_change"] == pytest.approx(itsa["slope_change"], rel=1e-10)
    assert wagner["post_trend"] == pytest.approx(itsa["post_trend"], rel=1e-10)


def test_the_parameters_read_the_file_the_user_gives(prop99_path, tmp_path):
    assert load_params(PARAMS).data.files["prop99"] == prop99_path.resolve()
    other = tmp_path / "smoking.csv"
    read_prop99(prop99_path).to_csv(other, index=False)
    assert load_params(PARAMS, [f"data.files.prop99={other}"]).data.files["prop99"] == other.resolve()
    assert not list(ROOT.glob("**/cigsales*.csv")) and not list(ROOT.glob("data/**/*prop99*"))


def test_linden_replication_report_end_to_end(prop99_path, tmp_path):
    result = run(PARAMS, reports_root=tmp_path, renderer="builtin", say=lambda m: None)
    html = result.report_files[0].read_text(encoding="utf-8")
    for number in ("-2.806417", "135.4995", "-17.25168", "-1.051279", "-0.5477701"):
        assert number in html.replace("\u2212", "-"), number
    assert "The comparison states (38): Alabama, Arkansas, Colorado" in html
    assert "counts the time since the interruption from 0 in 1989" in html
    assert "counts\nit from 1 in 1989" in html or "counts it from 1 in 1989" in html
    comparison = pd.read_csv(result.run_dir / "tables" / "comparison.csv")
    assert comparison["agrees"].sum() == 9
    assert (result.run_dir / "figures" / "multiple_groups.png").is_file()
