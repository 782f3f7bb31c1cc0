"""Tables read from a database: the connection, the rows read, and their checksum.

A parameter file may name a database table or query wherever it names an indicator table or a
record-level file (:class:`~pss_analysis.config.params.DatabaseSource`). Rows are read through
SQLAlchemy (SQLite is built in; PostgreSQL, SQL Server and others through their usual drivers:
psycopg2, pyodbc, ...). Credentials never pass through here as text from the parameter file: the
driver finds them (PostgreSQL: ``PGPASSWORD``, ``~/.pgpass``), or ``${NAME}`` in the URL is
replaced by environment variable NAME when connecting.

Every failure (a driver that is not installed, a server that refuses the connection, a missing
table, a query that fails) is one :class:`~pss_analysis.errors.DataValidationError` naming the
table or query and the URL without its password. The checksum of the rows read
(:func:`rows_sha256`) is the sha256 of their canonical CSV text, so a run's manifest can say
exactly which rows went in and ``pss run --if-changed`` can tell when they change.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

import pandas as pd

from pss_analysis.config.params import ENV_PLACEHOLDER, DatabaseSource
from pss_analysis.errors import DataValidationError

__all__ = ["read_rows", "rows_sha256", "database_record"]


def _connect_url(source: DatabaseSource, key: str) -> str:
    """The URL with each ``${NAME}`` replaced by environment variable NAME (a missing one is an error)."""

    def value(match: Any) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise DataValidationError(
                f"environment variable {name} is not set (the database URL uses ${{{name}}})",
                key=key,
                expected=f"{name} set in the environment of pss",
            )
        from urllib.parse import quote

        return quote(os.environ[name], safe="")

    return ENV_PLACEHOLDER.sub(value, source.database)


def _engine(source: DatabaseSource, key: str) -> Any:
    import sqlalchemy
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        return sqlalchemy.create_engine(_connect_url(source, key))
    except NoSuchModuleError:
        found = source.url_shown.split(":", 1)[0]
        raise DataValidationError(
            "no SQLAlchemy dialect for this database", key=key, expected="a known dialect", found=found
        ) from None
    except ModuleNotFoundError as exc:
        raise DataValidationError(
            f"the database driver is not installed (Python module '{exc.name}'): install it, e.g. "
            f"pip install {exc.name}",
            key=key,
            found=source.url_shown,
        ) from None
    except ArgumentError as exc:
        raise DataValidationError(f"invalid database URL: {exc}", key=key, found=source.url_shown) from None


def _statement(source: DatabaseSource, connection: Any, key: str) -> Any:
    """The SELECT to run: the query as given, or every row of the table (checked to exist)."""
    import sqlalchemy

    if source.query is not None:
        return sqlalchemy.text(source.query)
    schema, _, name = str(source.table).rpartition(".")
    inspector = sqlalchemy.inspect(connection)
    if not (inspector.has_table(name, schema=schema or None) or name in inspector.get_view_names(schema or None)):
        known = inspector.get_table_names(schema or None) + inspector.get_view_names(schema or None)
        raise DataValidationError(
            f"table not found in {source.url_shown}",
            key=key,
            expected="one of " + (", ".join(sorted(known)) or "(the database has no tables)"),
            found=source.table,
        )
    return sqlalchemy.select(sqlalchemy.text("*")).select_from(sqlalchemy.table(name, schema=schema or None))


def read_rows(source: DatabaseSource, *, key: str = "data") -> pd.DataFrame:
    """Every row of the table or query, with the database's column names and types.

    ``key`` is the parameter naming the source (``data.indicators``, ``data.files.admissions``), for
    messages. Raises :class:`~pss_analysis.errors.DataValidationError` with one clear message on any failure.
    """
    from sqlalchemy.exc import SQLAlchemyError

    engine = _engine(source, key)
    try:
        with engine.connect() as connection:
            result = connection.execute(_statement(source, connection, key))
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    except DataValidationError:
        raise
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise DataValidationError(
            f"cannot read {source}: {detail}", key=key, found=source.query if source.query else None
        ) from None
    except ModuleNotFoundError as exc:
        raise DataValidationError(
            f"the database driver is not installed (Python module '{exc.name}')", key=key, found=source.url_shown
        ) from None
    finally:
        engine.dispose()


def rows_sha256(rows: pd.DataFrame) -> str:
    """sha256 of the rows in a canonical CSV form: the header, then every row as read, UTF-8, ``\\n``
    line ends, missing values blank, numbers as Python writes them, dates in ISO 8601."""
    text = rows.to_csv(index=False, lineterminator="\n", na_rep="", date_format="%Y-%m-%dT%H:%M:%S.%f")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def database_record(role: str, source: DatabaseSource, *, key: str | None = None) -> dict[str, Any]:
    """One entry of the manifest's ``inputs`` for a database source: the URL without its password, the
    table or query, how many rows were read and the sha256 of those rows (:func:`rows_sha256`)."""
    rows = read_rows(source, key=key or role)
    record: dict[str, Any] = {"role": role, "database": source.url_shown, "path": source.published, "rows": len(rows)}
    record["table" if source.table is not None else "query"] = source.table or source.query
    record["sha256"] = rows_sha256(rows)
    return record
