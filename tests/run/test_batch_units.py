"""The units of a batch (``--by``, ``--grid``) and the inputs written for each, without running anything."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO_DATA, ROOT

from pss_analysis.config.loading import load_params
from pss_analysis.config.overrides import parse_grid
from pss_analysis.errors import ParameterError
from pss_analysis.evaluation.units import units_evidence
from pss_analysis.run.batch import _write_summary_tables
from pss_analysis.run.progress import Progress
from pss_analysis.run.unit_task import SUMMARY_TABLES, UnitTask, _object_strings, published_tables, run_units
from pss_analysis.run.units import plan_units, unit_slug

LOCALITIES_DATA = ROOT / "data" / "demo_localities"


def _params(folder: Path, table: pd.DataFrame, *, files: str = "") -> Path:
    table.to_csv(folder / "indicators.csv", index=False)
    path = folder / "params.yaml"
    path.write_text(
        "title: Split\nprogramme: {name: P, start: 2018-04}\n"
        f"data:\n  measures: {DEMO_DATA / 'measures.csv'}\n  indicators: indicators.csv\n{files}",
        encoding="utf-8",
    )
    return path


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure_id": ["acs_admissions"] * 4 + ["acs_spend"] * 2,
            "period": ["2018-01", "2018-01", "2018-02", "2018-02", "2018-01", "2018-01"],
            "locality": ["North East", "South", "North East", "South", "North East", "South"],
            "numerator": ["10", "5", "12", "", "1.5", "2.25"],
            "denominator": ["1000", "800", "1000", "800", "", ""],
        }
    )


def test_by_a_column_each_unit_reads_its_rows_and_the_whole_system_their_sums(tmp_path):
    params = load_params(_params(tmp_path, _table()))
    units = plan_units(params, by="locality", grid={}, folder=tmp_path / "batch")
    assert [(u.name, u.slug) for u in units] == [
        ("North East", "north-east"),
        ("South", "south"),
        ("Whole system", "whole-system"),
    ]
    south = dict(o.split("=", 1) for o in units[1].overrides)
    assert south["title"] == "Split: South"
    rows = pd.read_csv(south["data.indicators"], dtype=str, keep_default_na=False)
    assert list(rows.columns) == ["measure_id", "period", "numerator", "denominator"]  # the unit column dropped
    assert list(rows["numerator"]) == ["5", "", "2.25"]
    whole = pd.read_csv(dict(o.split("=", 1) for o in units[2].overrides)["data.indicators"])
    by_key = whole.set_index(["measure_id", "period"])
    assert by_key.loc[("acs_admissions", "2018-01"), "numerator"] == 15
    assert by_key.loc[("acs_admissions", "2018-01"), "denominator"] == 1800
    assert by_key.loc[("acs_admissions", "2018-02"), "numerator"] == 12  # a blank is not a zero
    assert by_key.loc[("acs_spend", "2018-01"), "numerator"] == pytest.approx(3.75)
    assert pd.isna(by_key.loc[("acs_spend", "2018-01"), "denominator"])


def test_a_unit_whose_rows_cannot_be_added_up_is_named_not_fatal(tmp_path):
    table = _table()
    table.loc[1, "numerator"] = "ten"
    params = load_params(_params(tmp_path, table))
    units = plan_units(params, by="locality", grid={}, folder=tmp_path / "batch")
    assert [u.problem is None for u in units] == [True, True, False]
    assert "row 3" in units[2].problem and "'ten'" in units[2].problem


def test_record_level_parquet_files_are_split_and_keep_their_types(tmp_path):
    records = pd.DataFrame(
        {
            "admitted": pd.to_datetime(["2018-01-03", "2018-01-09", "2018-02-01"]),
            "locality": ["South", "North East", "South"],
            "los": [3, 4, 5],
        }
    )
    records.to_parquet(tmp_path / "admissions.parquet", index=False)
    files = "  files: {admissions: admissions.parquet}\n"
    params = load_params(_params(tmp_path, _table(), files=files))
    units = plan_units(params, by="locality", grid={}, folder=tmp_path / "batch")
    south = dict(o.split("=", 1) for o in units[1].overrides)
    part = pd.read_parquet(south["data.files.admissions"])
    assert list(part["los"]) == [3, 5] and str(part["admitted"].dtype).startswith("datetime64")
    whole = dict(o.split("=", 1) for o in units[2].overrides)
    assert "data.files.admissions" not in whole  # the whole system reads the full file


def test_a_grid_is_every_combination_named_in_words(tmp_path):
    params = load_params(_params(tmp_path, _table().drop(columns="locality").iloc[[0, 2, 4]]))
    grid = dict([parse_grid("programme.start=2018-04,2018-06"), parse_grid("analysis.alpha=0.05,0.1")])
    units = plan_units(params, by=None, grid=grid, folder=tmp_path / "batch")
    assert [u.name for u in units] == [
        "programme start 2018-04; analysis alpha 0.05",
        "programme start 2018-04; analysis alpha 0.1",
        "programme start 2018-06; analysis alpha 0.05",
        "programme start 2018-06; analysis alpha 0.1",
    ]
    assert units[3].overrides == ("programme.start=2018-06", "analysis.alpha=0.1")
    assert len({u.slug for u in units}) == 4


def test_grid_and_by_options_are_checked():
    with pytest.raises(ParameterError, match="did you mean 'programme.start'"):
        parse_grid("programme.strat=2018-04")
    with pytest.raises(ParameterError, match="key=value1,value2"):
        parse_grid("programme.start")
    assert parse_grid("report.to=[html,pdf],[docx]") == ("report.to", [["html", "pdf"], ["docx"]])
    assert unit_slug("St. Mary's & All Saints") == "st-mary-s-all-saints"


def test_nothing_to_split_by_is_a_parameter_error(tmp_path):
    params = load_params(_params(tmp_path, _table()))
    with pytest.raises(ParameterError) as caught:
        plan_units(params, by="region", grid={}, folder=tmp_path / "batch")
    assert caught.value.key == "batch.by" and "locality" in str(caught.value)
    with pytest.raises(ParameterError, match="--by COLUMN or --grid"):
        plan_units(params, by=None, grid={}, folder=tmp_path / "batch")


def test_the_series_across_units_joins_the_workers_lines_as_pandas_would_write_them(tmp_path):
    """A chunk of summary-only units sends its long series table as CSV lines too; the batch's
    ``units_series.csv`` made of them is the file written from the tables themselves, byte for byte."""
    params_file = ROOT / "params" / "demo_localities.yaml"
    units = plan_units(load_params(params_file), by="locality", grid={}, folder=tmp_path / "batch")
    tasks = [UnitTask(u.name, u.slug, str(params_file), u.overrides, str(tmp_path), summary_only=True) for u in units]
    outcomes = run_units(tasks)
    assert all(o.status == "ok" and "series" in o.lines for o in outcomes)
    # the chunk is evaluated with pandas' object strings: the same tables, as text, as with its Arrow strings
    alone = units_evidence({t.slug: load_params(t.params_file, list(t.overrides)) for t in tasks})
    suppression = load_params(params_file).report.suppression
    for outcome in outcomes:
        published = published_tables(alone[outcome.slug], suppression)
        for name in SUMMARY_TABLES:
            assert outcome.tables[name].to_csv() == published[name].to_csv()
    assert str(alone[tasks[0].slug].evidence["measure_id"].dtype) == "str"
    assert outcomes[0].tables["evidence"]["measure_id"].dtype == object
    joined, written = tmp_path / "joined", tmp_path / "written"
    for folder in (joined, written):
        (folder / "tables").mkdir(parents=True)
    _write_summary_tables(joined, outcomes, "locality")
    lines = {o.slug: o.lines.pop("series") for o in outcomes}
    _write_summary_tables(written, outcomes, "locality")
    assert "".join(lines.values()) in (joined / "tables" / "units_series.csv").read_text(encoding="utf-8")
    for name in SUMMARY_TABLES:
        assert (joined / "tables" / f"units_{name}.csv").read_bytes() == (
            written / "tables" / f"units_{name}.csv"
        ).read_bytes()
    series = pd.read_csv(joined / "tables" / "units_series.csv")
    assert list(series.columns[:2]) == ["unit", "unit_folder"]
    assert list(series["unit"].unique()) == [u.name for u in units]
    assert len(series) == sum(len(o.tables["series"]) for o in outcomes)


def test_the_series_across_units_hides_each_units_small_counts(tmp_path):
    """A locality's month of 1 to 7 leavers: its value in ``units_series.csv`` is the marker, as in that
    locality's own report (with the staff in post published there, the rate gives the count back)."""
    params_file = ROOT / "params" / "demo_localities.yaml"
    units = plan_units(load_params(params_file), by="locality", grid={}, folder=tmp_path / "batch")
    tasks = [UnitTask(u.name, u.slug, str(params_file), u.overrides, str(tmp_path), summary_only=True) for u in units]
    outcomes = run_units(tasks)
    (tmp_path / "out" / "tables").mkdir(parents=True)
    _write_summary_tables(tmp_path / "out", outcomes, "locality")
    series = pd.read_csv(tmp_path / "out" / "tables" / "units_series.csv", dtype=str)
    assert not {"numerator_count", "denominator_count"} & set(series.columns)
    indicators = pd.read_csv(LOCALITIES_DATA / "indicators.csv", dtype={"period": str})
    small = indicators[(indicators["numerator"] >= 1) & (indicators["numerator"] <= 7)]
    assert len(small) > 10
    keyed = series.set_index(["unit", "measure_id", "period"])["value"]
    assert {keyed[(row.locality, row.measure_id, row.period)] for row in small.itertuples()} == {"*"}
    # and only those: every other hidden month of a locality has a small denominator
    hidden = series[(series["value"] == "*") & (series["unit"] != "Whole system")]
    rows = indicators.set_index(["locality", "measure_id", "period"])
    for row in hidden.itertuples():
        counts = rows.loc[(row.unit, row.measure_id, row.period), ["numerator", "denominator"]]
        assert ((counts >= 1) & (counts <= 7)).any(), row


def _strings_inside() -> str:
    """The dtype of a string column made inside :func:`_object_strings`."""
    with _object_strings():
        return str(pd.DataFrame({"a": ["x"]})["a"].dtype)


def test_object_strings_are_used_only_where_no_other_task_shares_the_process():
    """pandas' string option is the whole process's: a worker running two tasks at once keeps it as it is."""
    import distributed

    assert _strings_inside() == "object"  # outside a worker: one task at a time
    for threads, expected in ((1, "object"), (2, "str")):
        with (
            distributed.LocalCluster(
                n_workers=1, threads_per_worker=threads, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster) as client,
        ):
            assert client.submit(_strings_inside, pure=False).result() == expected


def test_the_progress_line_counts_a_chunk_of_units_once_it_is_back():
    """Summary-only units finish a chunk at a time: one line per chunk, the chunk's units as running."""
    lines: list[str] = []
    progress = Progress(10, 2, lines.append, per_task=3, tty=False)
    assert lines == ["units: 0 done, 0 failed, 6 running, 4 waiting"]
    for k, name in enumerate(["A", "B", "C"], start=1):
        progress.update(name != "B", name, show=k == 3)
    assert len(lines) == 2
    assert lines[1].startswith("units: 2 done, 1 failed, 6 running, 1 waiting; about ")
    assert lines[1].endswith(" left (last: C)")
