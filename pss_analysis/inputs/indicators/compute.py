"""The entry points: compute indicator definitions from record-level files into the indicator table.

:func:`compute_indicators_checked` reads as a recipe: check the files named,
load the code lists, prepare each definition against its source, aggregate
each group of definitions that share a scan of the records, finish each
definition on its output grid, then assemble the table.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.config.database import read_rows
from pss_analysis.config.params import DatabaseSource
from pss_analysis.errors import ParameterError
from pss_analysis.inputs.indicators.definitions import (
    RESULT_COLUMNS,
    Condition,
    IndicatorDefinition,
    TableDenominator,
    parse_definition,
    parse_definitions,
)
from pss_analysis.inputs.indicators.denominators import _population, _Tables
from pss_analysis.inputs.indicators.duckdb_engine import _DuckEngine
from pss_analysis.inputs.indicators.engine import (
    _columns_used,
    _Engine,
    _normalise_codes,
    _read_errors,
    _source_error,
    _SourceInfo,
)
from pss_analysis.inputs.indicators.finish import _finish
from pss_analysis.inputs.indicators.pandas_engine import _PandasEngine
from pss_analysis.inputs.validation import (
    ValidationReport,
    read_table,
    require_columns,
)

__all__ = ["ENGINES", "compute_indicators_checked", "compute_indicators"]

#: Engines of :func:`compute_indicators`.
ENGINES = ("duckdb", "pandas")


def _as_definitions(definitions: Any) -> list[IndicatorDefinition]:
    if isinstance(definitions, IndicatorDefinition):
        return [definitions]
    if isinstance(definitions, Mapping):
        return parse_definitions(definitions)
    return [d if isinstance(d, IndicatorDefinition) else parse_definition(d[1], measure_id=d[0]) for d in definitions]


def _load_code_lists(
    defs: Sequence[IndicatorDefinition], files: Mapping[str, Path], report: ValidationReport
) -> dict[str, tuple[str, ...]]:
    codes: dict[str, tuple[str, ...]] = {}
    for name in dict.fromkeys(n for d in defs for n in d.code_lists):
        if name not in files:
            continue
        frame = read_table(files[name], expected=["code"], report=report, what="code list")
        if not require_columns(frame, ["code"], files[name], report):
            continue
        values = _normalise_codes(frame["code"].astype(str).str.strip())
        for row in values.index[values == ""]:
            report.warning("missing_value", "blank code ignored", file=files[name], row=row, column="code")
        codes[name] = tuple(dict.fromkeys(v for v in values if v))
    return codes


def compute_indicators_checked(
    definitions: Any, files: Mapping[str, str | Path | DatabaseSource], *, engine: str = "duckdb"
) -> tuple[pd.DataFrame, ValidationReport]:
    """Compute indicator definitions from record-level files; returns the table and the report.

    ``definitions``: :class:`IndicatorDefinition` objects, or a mapping of
    measure id to ``indicator:`` mapping. ``files``: the parameter file's
    ``data.files`` (name -> path, or a database table or query, read once into a temporary Parquet
    file). ``engine``: ``duckdb`` (reads CSV and
    Parquet in place, so tens of millions of records are aggregated without
    loading them into pandas) or ``pandas`` (the same semantics, in memory).

    The table has one row per measure, month and breakdown group:
    ``measure_id, period`` (monthly Period), the breakdown columns (text; NA
    where a measure has no such breakdown), ``numerator, denominator``
    (floats; denominator NaN when the definition has none),
    ``standardised_rate, standardised_rate_lower, standardised_rate_upper``
    (per ``multiplier``; NaN unless standardised), sorted by definition
    order, breakdowns and month. Raises
    :class:`~pss_analysis.errors.DataValidationError` listing every error.
    """
    if engine not in ENGINES:
        raise ParameterError("unknown engine", key="engine", expected="one of " + ", ".join(ENGINES), found=engine)
    defs = _as_definitions(definitions)
    with tempfile.TemporaryDirectory(prefix="pss-database-") as folder:
        paths = {str(k): _as_path(str(k), v, Path(folder)) for k, v in files.items()}
        return _compute(defs, paths, engine)


def _as_path(name: str, source: str | Path | DatabaseSource, folder: Path) -> Path:
    """A file of ``data.files`` as it is, or the rows of a database source written to a Parquet file in
    ``folder`` (the engines read files in place; column types are kept)."""
    if not isinstance(source, DatabaseSource):
        return Path(source)
    rows = read_rows(source, key=f"data.files.{name}")
    path = folder / f"{name}.parquet"
    try:
        rows.to_parquet(path, index=False)
    except (TypeError, ValueError):  # mixed types in a text column: written as text
        rows.astype({c: "string" for c in rows.columns if rows[c].dtype == object}).to_parquet(path, index=False)
    return path


def _compute(
    defs: list[IndicatorDefinition], paths: dict[str, Path], engine: str
) -> tuple[pd.DataFrame, ValidationReport]:
    report = ValidationReport()
    _check_files(defs, paths, report)
    codes = _load_code_lists(defs, paths, report)
    report.raise_if_errors()
    runner = _open_engine(engine, defs, paths, report)
    try:
        unreadable: set[str] = set()
        scans = _prepare_scans(defs, runner, _Tables(paths, report), codes, paths, report, unreadable)
        finished = _run_scans(scans, runner, paths, report, unreadable)
    finally:
        runner.close()
    report.raise_if_errors()
    return _assemble(defs, [finished[d.measure_id] for d in defs if d.measure_id in finished]), report


def _check_files(defs: Sequence[IndicatorDefinition], paths: Mapping[str, Path], report: ValidationReport) -> None:
    """Every name a definition reads is in ``data.files`` and its file exists."""
    for d in defs:
        for name in d.files_used:
            if name not in paths:
                report.error(
                    "unknown_file",
                    f"measure '{d.measure_id}': '{name}' is not a name in data.files",
                    expected="one of " + (", ".join(paths) or "(no files listed)"),
                    found=name,
                )
            elif not paths[name].is_file():
                report.error(
                    "missing_file",
                    f"measure '{d.measure_id}': the file named '{name}' does not exist",
                    file=paths[name],
                )


def _open_engine(
    engine: str, defs: Sequence[IndicatorDefinition], paths: Mapping[str, Path], report: ValidationReport
) -> _Engine:
    """The engine asked for (the pandas engine reads only the columns the definitions use)."""
    if engine == "duckdb":
        return _DuckEngine(paths, report)
    needed: dict[str, set[str]] = {}
    for d in defs:
        needed.setdefault(d.source, set()).update(_columns_used(d))
    return _PandasEngine(paths, report, needed)


@dataclass
class _Scan:
    """Definitions that share one scan of the records: same source, period, conditions, groups, strata, months."""

    info: _SourceInfo
    month_map: pd.DataFrame | None
    months: tuple[int, int]
    codes: dict[Condition, tuple[str, ...]] = field(default_factory=dict)
    items: list[tuple[IndicatorDefinition, pd.DataFrame | None]] = field(default_factory=list)


def _prepare_scans(
    defs: Sequence[IndicatorDefinition],
    runner: _Engine,
    tables: _Tables,
    codes: Mapping[str, tuple[str, ...]],
    paths: Mapping[str, Path],
    report: ValidationReport,
    unreadable: set[str],
) -> dict[tuple, _Scan]:
    """Each definition checked against its source (with its denominator table), grouped by shared scan."""
    scans: dict[tuple, _Scan] = {}
    for d in defs:
        if d.source in unreadable:
            continue
        try:
            item = _prepare(d, runner, tables, codes, report)
        except _read_errors() as exc:
            _source_error(paths[d.source], exc, report)
            unreadable.add(d.source)
            continue
        if item is None:
            continue
        info, month_map, months, pop, resolved = item
        st = d.standardise
        key = (d.source, d.period, d.where, d.breakdowns, None if st is None else (st.age, st.bands, st.by), months)
        scan = scans.setdefault(key, _Scan(info, month_map, months))
        scan.items.append((d, pop))
        scan.codes.update(resolved)
    return scans


def _run_scans(
    scans: dict[tuple, _Scan],
    runner: _Engine,
    paths: Mapping[str, Path],
    report: ValidationReport,
    unreadable: set[str],
) -> dict[str, pd.DataFrame]:
    """One aggregate per scan, then each definition finished on its output grid, by measure id."""
    finished: dict[str, pd.DataFrame] = {}
    for scan in scans.values():
        if scan.info.name in unreadable:
            continue
        try:
            aggs = runner.aggregate([d for d, _ in scan.items], scan.info, scan.month_map, scan.months, scan.codes)
        except _read_errors() as exc:
            _source_error(scan.info.path, exc, report)
            unreadable.add(scan.info.name)
            continue
        for (d, pop), agg in zip(scan.items, aggs, strict=True):
            den_path = paths[d.denominator.source] if isinstance(d.denominator, TableDenominator) else None
            out = _finish(d, agg, pop, scan.months, report, scan.info.path, den_path)
            out.insert(0, "measure_id", d.measure_id)
            finished[d.measure_id] = out
    return finished


def _prepare(
    d: IndicatorDefinition,
    runner: _Engine,
    tables: _Tables,
    codes: Mapping[str, tuple[str, ...]],
    report: ValidationReport,
) -> tuple | None:
    """Check a definition against its source; (source, month map, months, population, codes) or None."""
    info = runner.source(d.source)
    if info is None:
        return None
    used = _columns_used(d)
    missing = [c for c in used if c not in info.types]
    for c in missing:
        report.error(
            "missing_column",
            f"measure '{d.measure_id}': missing column",
            file=info.path,
            column=c,
            expected="columns " + ", ".join(used),
            found=", ".join(info.types),
        )
    if missing:
        return None
    errors_before = len(report.errors)
    for c, how in used.items():
        if how == "number":
            runner.check_numbers(info, c)
        elif how == "text" and info.types[c] == "date":
            report.error(
                "unusable_column",
                f"measure '{d.measure_id}': the column holds dates; compare dates with first_period/last_period",
                file=info.path,
                column=c,
                expected="text or numbers",
                found="dates",
            )
    mapped = runner.month_map(d, info)
    if mapped is None or len(report.errors) > errors_before:
        return None
    month_map, coverage = mapped
    low = d.first_period.ordinal if d.first_period is not None else (coverage[0] if coverage else None)
    high = d.last_period.ordinal if d.last_period is not None else (coverage[1] if coverage else None)
    if low is None or high is None:
        report.warning(
            "no_records", f"measure '{d.measure_id}': the extract has no dated records", file=info.path, column=d.period
        )
        return None
    pop = None
    if isinstance(d.denominator, TableDenominator):
        pop = _population(d, tables, codes, report, (low, high))
        if pop is None:
            return None
    return info, month_map, (low, high), pop, runner.resolve_codes(d, info, codes)


def _assemble(defs: Sequence[IndicatorDefinition], results: list[pd.DataFrame]) -> pd.DataFrame:
    group_cols = list(dict.fromkeys(b.name for d in defs for b in d.breakdowns))
    columns = ["measure_id", "period", *group_cols, *RESULT_COLUMNS[2:]]
    if not results:
        frame = pd.DataFrame({c: [] for c in columns})
        frame["period"] = pd.PeriodIndex([], freq="M")
        return frame
    frame = pd.concat(results, ignore_index=True)
    for c in group_cols:
        if c not in frame:
            frame[c] = None
    # Rows are already in output order: definitions in order, each by group then month (see _grid).
    frame["period"] = pd.PeriodIndex.from_ordinals(frame["__month"].to_numpy(dtype=np.int64), freq="M")
    for c in group_cols:
        frame[c] = frame[c].astype("str").where(frame[c].notna(), np.nan) if len(frame) else frame[c]
    for c in RESULT_COLUMNS[2:]:
        frame[c] = frame[c].astype(float)
    return frame[columns]


def compute_indicators(definitions: Any, files: Mapping[str, str | Path], *, engine: str = "duckdb") -> pd.DataFrame:
    """:func:`compute_indicators_checked` without the report (warnings are issued as PssWarning)."""
    import warnings

    from pss_analysis.errors import PssWarning

    frame, report = compute_indicators_checked(definitions, files, engine=engine)
    for problem in report.warnings:
        warnings.warn(str(problem), PssWarning, stacklevel=2)
    return frame
