"""Indicator data read straight from a database: a real SQLite file, and a real PostgreSQL server.

The PostgreSQL server is a throwaway cluster started here (initdb + pg_ctl from Debian's
``postgresql`` package, as the ``postgres`` user when the tests run as root, on a free port with its
socket in a temporary folder) and stopped at teardown; its tests are skipped, with the reason, only
where it cannot start.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import DEMO_DATA, DEMO_PARAMS

from pss_analysis.config import load_params
from pss_analysis.config.database import read_rows, rows_sha256
from pss_analysis.config.manifest import provisional_manifest
from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.evaluation.study import load_inputs
from pss_analysis.run.pipeline import run

MEASURES = ["su_satisfaction", "emergency_los"]
SECRET = "s3cret-Pa55word"


def _indicators() -> pd.DataFrame:
    full = pd.read_csv(DEMO_DATA / "indicators.csv", dtype={"period": str})
    return full[full["measure_id"].isin(MEASURES)].reset_index(drop=True)


def _measures(folder: Path) -> Path:
    measures = pd.read_csv(DEMO_DATA / "measures.csv")
    path = folder / "measures.csv"
    measures[measures["measure_id"].isin(MEASURES)].to_csv(path, index=False)
    return path


def _params(folder: Path, indicators: str, name: str = "db") -> Path:
    _measures(folder)
    path = folder / "params.yaml"
    path.write_text(
        "title: From the database\nprogramme:\n  name: Home First\n  start: 2018-04\n"
        f"data:\n  measures: measures.csv\n  indicators: {indicators}\nreport:\n  name: {name}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def sqlite_db(tmp_path):
    """A SQLite file with the indicator table of two demo measures (and a view of one)."""
    path = tmp_path / "warehouse.db"
    with sqlite3.connect(path) as db:
        _indicators().to_sql("indicators", db, index=False)
        db.execute("CREATE VIEW satisfaction AS SELECT * FROM indicators WHERE measure_id = 'su_satisfaction'")
    return path


def _csv_inputs(folder: Path):
    _indicators().to_csv(folder / "indicators.csv", index=False)
    return load_inputs(load_params(_params(folder, "indicators.csv")))


def test_indicators_from_a_sqlite_table_are_the_csv_indicators(sqlite_db, tmp_path):
    params = load_params(_params(tmp_path, "{database: 'sqlite:///warehouse.db', table: indicators}"))
    assert params.data.indicators.database == f"sqlite:///{sqlite_db}"  # relative to the parameter file
    from_db = load_inputs(params).indicators
    (tmp_path / "csv").mkdir()
    from_csv = _csv_inputs(tmp_path / "csv").indicators
    pd.testing.assert_frame_equal(from_db, from_csv)
    assert len(from_db) == 120 and set(from_db["measure_id"]) == set(MEASURES)


def test_indicators_from_a_sqlite_query(sqlite_db, tmp_path):
    query = "SELECT measure_id, period, numerator, denominator FROM indicators WHERE period >= '2016-04'"
    params = load_params(_params(tmp_path, f'{{database: "sqlite:///{sqlite_db}", query: "{query}"}}'))
    indicators = load_inputs(params).indicators
    assert len(indicators) == 2 * 48 and str(indicators["period"].min()) == "2016-04"


def test_a_bad_value_in_the_database_is_reported_like_a_bad_cell_in_a_csv(sqlite_db, tmp_path):
    with sqlite3.connect(sqlite_db) as db:
        db.execute(
            "UPDATE indicators SET numerator = denominator + 50 WHERE measure_id = 'su_satisfaction' "
            "AND period = '2017-01'"
        )
    params = load_params(_params(tmp_path, "{database: 'sqlite:///warehouse.db', table: indicators}"))
    with pytest.raises(DataValidationError) as info:
        load_inputs(params)
    message = str(info.value)
    assert f"table 'indicators' in sqlite:///{sqlite_db}, row 22" in message and "numerator" in message


def test_the_manifest_records_the_url_the_table_and_the_sha256_of_the_rows(sqlite_db, tmp_path):
    params = load_params(_params(tmp_path, "{database: 'sqlite:///warehouse.db', table: satisfaction}"))
    manifest = provisional_manifest(params, params_file=tmp_path / "params.yaml", run_id="x", command=["pss"])
    entry = next(e for e in manifest["inputs"] if e["role"] == "data.indicators")
    rows = read_rows(params.data.indicators)
    assert entry["database"] == f"sqlite:///{sqlite_db}" and entry["table"] == "satisfaction"
    assert entry["rows"] == 60 == len(rows)
    assert entry["sha256"] == rows_sha256(rows)
    assert entry["path"] == "table 'satisfaction' in sqlite:///…/warehouse.db"
    # one changed value changes the checksum
    with sqlite3.connect(sqlite_db) as db:
        db.execute("UPDATE indicators SET numerator = numerator + 1 WHERE period = '2019-06'")
    assert rows_sha256(read_rows(params.data.indicators)) != entry["sha256"]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("{database: 'sqlite:///warehouse.db', table: indicatorz}", ["table not found", "indicatorz", "indicators"]),
        (
            "{database: 'sqlite:///warehouse.db', query: 'SELECT rate FROM indicators'}",
            ["cannot read query in sqlite:///", "no such column: rate", "found 'SELECT rate FROM indicators'"],
        ),
        (
            "{database: 'mysql+mysqldb://analyst@dbhost/pss', table: indicators}",
            ["database driver is not installed", "MySQLdb"],
        ),
    ],
    ids=["missing table", "failing query", "missing driver"],
)
def test_database_failures_are_one_clear_message(sqlite_db, tmp_path, source, words):
    params = load_params(_params(tmp_path, source))
    with pytest.raises(DataValidationError) as info:
        load_inputs(params)
    for word in words:
        assert word in str(info.value)


def _pss(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    base["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return subprocess.run(
        [sys.executable, "-m", "pss_analysis", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        timeout=900,
    )


def test_cli_missing_table_is_exit_2_without_a_traceback(sqlite_db, tmp_path):
    path = _params(tmp_path, "{database: 'sqlite:///warehouse.db', table: indicatorz}")
    done = _pss("run", str(path), "--renderer", "builtin", "--reports-dir", str(tmp_path / "reports"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "table not found" in errors[0] and "indicatorz" in errors[0]


def test_a_password_in_the_url_is_refused_and_never_repeated(tmp_path):
    path = _params(tmp_path, f"{{database: 'postgresql://analyst:{SECRET}@dbhost/pss', table: indicators}}")
    with pytest.raises(ParameterError) as info:
        load_params(path)
    assert "without a password" in str(info.value) and "PGPASSWORD" in str(info.value)
    assert SECRET not in str(info.value)


def test_either_a_table_or_a_query(tmp_path):
    path = _params(tmp_path, "{database: 'sqlite:///warehouse.db', table: a, query: 'SELECT 1'}")
    with pytest.raises(ParameterError) as info:
        load_params(path)
    assert "key 'data.indicators'" in str(info.value) and "either table or query" in str(info.value)


def test_record_level_files_from_a_database_give_the_same_indicators(tmp_path):
    """The demo's record-level extract, population table and code list as SQLite tables."""
    demo = load_params(DEMO_PARAMS)
    db = tmp_path / "records.db"
    with sqlite3.connect(db) as con:
        for name, path in demo.data.files.items():
            frame = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)
            frame.to_sql(name, con, index=False)
    overrides = [f"data.files.{name}={{database: 'sqlite:///{db}', table: {name}}}" for name in demo.data.files]
    params = load_params(DEMO_PARAMS, overrides)
    from_db, from_files = load_inputs(params).indicators, load_inputs(demo).indicators
    pd.testing.assert_frame_equal(from_db, from_files)


# -- PostgreSQL ------------------------------------------------------------------------------------------


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def postgres():
    """A throwaway PostgreSQL cluster with database ``pss``, user ``analyst`` (password :data:`SECRET`,
    checked over TCP) and the indicator table; yields (host, port)."""
    binaries = _pg_bin()
    if binaries is None:
        pytest.skip("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin (apt install postgresql)")
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as the postgres user")
        as_user = ["runuser", "-u", "postgres", "--"]
    folder = Path(tempfile.mkdtemp(prefix="pss-pg-"))
    if as_user:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", _free_port()
    (folder / "pw").write_text(SECRET + "\n", encoding="utf-8")
    if as_user:
        shutil.chown(folder / "pw", "postgres")

    def pg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)

    init = pg(
        str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust",
        "--auth-host=scram-sha-256", "--pwfile", str(folder / "pw"),
    )  # fmt: skip
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"initdb could not make a cluster: {init.stderr.strip()[:300]}")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    start = pg(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
    if start.returncode != 0:
        log = (folder / "log").read_text(errors="replace") if (folder / "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"PostgreSQL could not start: {start.stderr.strip()[:200]} {log[-300:]}")
    try:
        psql = [str(binaries / "psql") if (binaries / "psql").exists() else "psql"]
        for sql in (f"CREATE ROLE analyst LOGIN PASSWORD '{SECRET}'", "CREATE DATABASE pss OWNER analyst"):
            made = pg(*psql, "-h", str(folder), "-p", str(port), "-U", "postgres", "-d", "postgres", "-c", sql)
            assert made.returncode == 0, made.stderr
        import sqlalchemy

        url = f"postgresql+psycopg2://analyst:{SECRET}@127.0.0.1:{port}/pss"
        engine = sqlalchemy.create_engine(url)
        with engine.begin() as con:
            _indicators().to_sql("indicators", con, index=False)
        engine.dispose()
        yield "127.0.0.1", port
    finally:
        pg(str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def test_indicators_from_postgresql_with_the_password_from_the_environment(postgres, tmp_path, monkeypatch):
    host, port = postgres
    source = f"{{database: 'postgresql+psycopg2://analyst@{host}:{port}/pss', table: indicators}}"
    params = load_params(_params(tmp_path, source))
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))
    with pytest.raises(DataValidationError) as info:
        load_inputs(params)
    assert "cannot read table 'indicators' in postgresql+psycopg2://analyst@" in str(info.value)
    assert "password" in str(info.value)
    monkeypatch.setenv("PGPASSWORD", SECRET)
    (tmp_path / "csv").mkdir()
    pd.testing.assert_frame_equal(load_inputs(params).indicators, _csv_inputs(tmp_path / "csv").indicators)


def test_a_report_from_postgresql_never_holds_the_password(postgres, tmp_path, monkeypatch):
    host, port = postgres
    query = "SELECT * FROM indicators ORDER BY measure_id, period"
    source = f'{{database: "postgresql+psycopg2://analyst:${{PSS_DB_PASSWORD}}@{host}:{port}/pss", query: "{query}"}}'
    path = _params(tmp_path, source, name="pg")
    monkeypatch.setenv("PSS_DB_PASSWORD", SECRET)
    monkeypatch.delenv("PGPASSWORD", raising=False)
    result = run(path, reports_root=tmp_path / "reports", renderer="builtin", say=lambda m: None)
    manifest = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest["inputs"] if e["role"] == "data.indicators")
    assert entry["database"] == f"postgresql+psycopg2://analyst:***@{host}:{port}/pss"
    assert entry["query"] == query and entry["rows"] == 120
    for file in result.run_dir.rglob("*"):
        if file.is_file() and file.suffix in (".yaml", ".json", ".html", ".csv", ".ipynb"):
            assert SECRET not in file.read_text(encoding="utf-8", errors="replace"), file
    html = (result.run_dir / "report.html").read_text(encoding="utf-8")
    assert f"query in postgresql+psycopg2://analyst:***@{host}:{port}/pss" in html
