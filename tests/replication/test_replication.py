"""The replication example: Lopez Bernal, Cummins & Gasparrini (2017) models 1-4 side by side."""

from __future__ import annotations

import math
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT, reference

from pss_analysis.config.loading import load_params
from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.replication import SICILY_SHA256, comparison_table, fetch_sicily, fit_models, main, model_4_vs_3
from pss_analysis.run.pipeline import run

PARAMS = ROOT / "params" / "replication_bernal2017.yaml"


@pytest.fixture(scope="module")
def sicily_path():
    return reference("its", "sicily.csv")


def test_every_published_number_is_reproduced_to_4_significant_figures(sicily_path):
    table = comparison_table(fit_models(pd.read_csv(sicily_path)))
    assert len(table) == 7 and table["agree_4sf"].all()
    published = table.dropna(subset=["published_rate_ratio_lower"])
    for column in ("rate_ratio", "rate_ratio_lower", "rate_ratio_upper"):
        for mine, theirs in zip(published[column], published[f"published_{column}"], strict=True):
            assert abs(mine - theirs) <= 0.5 * 10 ** (math.floor(math.log10(abs(theirs))) - 3), column
    rr = table.set_index(["model", "term"]).loc[("3 quasi-Poisson + seasonality", "level_change")]
    assert (round(rr["rate_ratio"], 6), round(rr["rate_ratio_lower"], 6), round(rr["rate_ratio_upper"], 6)) == (
        0.885072,
        0.839401,
        0.933227,
    )
    f = model_4_vs_3(fit_models(pd.read_csv(sicily_path)))
    assert f"{f['f']:.4f}" == "0.6388" and f"{f['p_value']:.4f}" == "0.4279"


def test_fetch_checks_the_checksum(sicily_path, tmp_path):
    good = fetch_sicily(tmp_path / "out" / "sicily.csv", source=sicily_path)
    assert good.read_bytes() == sicily_path.read_bytes()
    corrupt = tmp_path / "corrupt.csv"
    corrupt.write_bytes(sicily_path.read_bytes().replace(b"728", b"729", 1))
    with pytest.raises(DataValidationError, match="sha256 differs"):
        fetch_sicily(tmp_path / "bad" / "sicily.csv", source=corrupt)
    assert not (tmp_path / "bad" / "sicily.csv").exists()
    assert main(["fetch", str(tmp_path / "cli.csv"), "--from", str(corrupt)]) == 2
    assert main(["fetch", str(tmp_path / "cli.csv"), "--from", str(sicily_path)]) == 0


def test_replication_parameters_pin_the_data(sicily_path, tmp_path):
    params = load_params(PARAMS)
    assert params.data.files["sicily"] == sicily_path.resolve()
    assert params.data.sha256["sicily"] == SICILY_SHA256
    other = tmp_path / "sicily.csv"
    other.write_bytes(sicily_path.read_bytes() + b"\n")
    with pytest.raises(ParameterError, match="sha256"):
        load_params(PARAMS, [f"data.files.sicily={other}"])


def test_replication_report_end_to_end(sicily_path, tmp_path):
    result = run(PARAMS, reports_root=tmp_path, renderer="builtin", say=lambda m: None)
    html = result.report_files[0].read_text(encoding="utf-8")
    assert "0.885072" in html and "0.839401" in html and "0.933227" in html  # model 3's rate ratio and CI
    assert "4 = 3 + slope change" in html and "F = 0.6388" in html
    table = pd.read_csv(result.run_dir / "tables" / "comparison.csv")
    assert table["agree_4sf"].all()
    assert (result.run_dir / "figures" / "model4.png").is_file()


def test_fetch_offline_names_the_url_the_checksum_and_the_manual_route(tmp_path):
    """Nothing listens on port 9 of this machine: the download fails as it does offline."""
    url = "http://127.0.0.1:9/sicily.csv"
    done = subprocess.run(
        [sys.executable, "-m", "pss_analysis.replication", "fetch", str(tmp_path / "out" / "sicily.csv"), "--url", url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {url}: could not download the data (")
    assert SICILY_SHA256 in lines[0]
    assert "--set data.files.sicily=PATH" in lines[0] and "--from FILE" in lines[0]
    assert not (tmp_path / "out").exists()


def test_fetch_from_a_missing_file_names_it(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(DataValidationError, match=f"{missing}: cannot read the file"):
        fetch_sicily(tmp_path / "sicily.csv", source=missing)
