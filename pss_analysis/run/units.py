"""The units of a batch: which evaluations ``pss batch`` makes, and the inputs each one reads.

A unit is the base parameter file plus ``--set``-style overrides:

- ``--by COLUMN``: one unit per value of that column of the indicator table (and of the
  record-level files in ``data.files`` that have it), each reading its own rows, written into the
  batch folder (``inputs/<unit>/``) with the column dropped; plus the **whole system**, whose
  indicator table adds up the units' numerators and denominators month by month (sums suit every
  kind of measure: rates, proportions and means are a total over a total, counts and amounts a
  total) and whose record-level files are the full ones;
- ``--grid key=v1,v2``: one unit per combination of parameter values;
- both: every combination of the two.

Nothing here runs an evaluation: :func:`plan_units` only reads the tables it splits and writes the
units' copies. Problems that concern one unit only (its rows cannot be added up) are kept on the
unit (:attr:`Unit.problem`) so that the batch can name it and go on with the others.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pss_analysis.config.params import DatabaseSource, Params
from pss_analysis.errors import ParameterError
from pss_analysis.evaluation.units import WHOLE_SYSTEM
from pss_analysis.inputs.validation import read_table
from pss_analysis.inputs.validation.reading import file_kind

__all__ = ["Unit", "plan_units", "WHOLE_SYSTEM", "override_text", "unit_slug"]

_INDICATOR_KEYS = ("measure_id", "period", "numerator", "denominator")


@dataclass(frozen=True)
class Unit:
    """One evaluation of a batch: its name for readers, its folder name and its overrides."""

    name: str
    slug: str
    overrides: tuple[str, ...] = ()
    problem: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


def unit_slug(text: str) -> str:
    """A folder name for a unit: lower case letters, digits and hyphens (``"North East"`` -> ``north-east``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "unit"


def override_text(key: str, value: Any) -> str:
    """``key=value`` as ``--set`` reads it back (dates as ISO text, lists and mappings in YAML flow style)."""
    if isinstance(value, str):
        return f"{key}={value}"
    if isinstance(value, (_dt.date, _dt.datetime)):
        return f"{key}={value.isoformat()}"
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True).strip()
    return f"{key}={text.removesuffix('...').strip()}"


def plan_units(params: Params, *, by: str | None, grid: Mapping[str, Sequence[Any]], folder: Path) -> list[Unit]:
    """Every unit of the batch, its split inputs written under ``folder/inputs/<unit>/``.

    Raises :class:`~pss_analysis.errors.ParameterError` when neither ``by`` nor ``grid`` is given,
    or ``by`` names no column of the indicator table.
    """
    if not by and not grid:
        raise ParameterError(
            "nothing to run as a batch: give --by COLUMN or --grid key=value1,value2",
            key="batch",
            expected="batch.by or batch.grid in the parameter file, or --by / --grid",
        )
    places = _split_by(params, by, folder) if by else [Unit(name="", slug="")]
    combos = _grid_combinations(grid)
    units = [_combine(place, combo) for place in places for combo in combos]
    _check_unique([u.slug for u in units])
    return units


def _combine(place: Unit, combo: list[tuple[str, Any]]) -> Unit:
    if not combo:
        return place
    words = "; ".join(f"{_key_words(k)} {_value_words(v)}" for k, v in combo)
    slug = "-".join(unit_slug(f"{k}-{_value_words(v)}") for k, v in combo)
    labels = {**place.labels, **{k: _value_words(v) for k, v in combo}}
    return Unit(
        name=f"{place.name}, {words}" if place.name else words,
        slug=f"{place.slug}--{slug}" if place.slug else slug,
        overrides=(*place.overrides, *(override_text(k, v) for k, v in combo)),
        problem=place.problem,
        labels=labels,
    )


def _key_words(key: str) -> str:
    """``programme.start`` -> ``programme start`` (the reader sees words, not a dotted key)."""
    return key.replace(".", " ").replace("_", " ")


def _value_words(value: Any) -> str:
    return override_text("k", value).partition("=")[2]


def _grid_combinations(grid: Mapping[str, Sequence[Any]]) -> list[list[tuple[str, Any]]]:
    keys = list(grid)
    return [list(zip(keys, values, strict=True)) for values in itertools.product(*(grid[k] for k in keys))]


def _check_unique(slugs: list[str]) -> None:
    seen: set[str] = set()
    for slug in slugs:
        if slug in seen:
            raise ParameterError(
                "two units would share one folder name (names that differ only in case or punctuation)",
                key="batch",
                found=slug,
            )
        seen.add(slug)


# --- --by: one unit per value of a column --------------------------------------------------------


def _split_by(params: Params, column: str, folder: Path) -> list[Unit]:
    """One unit per value of ``column`` (its rows written to ``folder/inputs/<unit>/``), then the whole system."""
    tables = _tables_with(params, column)
    parts = {key: _parts_of(frame, column) for key, frame in tables.items()}  # one pass over each table
    values = sorted({v for by_value in parts.values() for v in by_value if v.strip() and v != "nan"})
    empty = {key: tables[key].iloc[:0].drop(columns=column) for key in tables}
    units = []
    for value in values:
        slug = unit_slug(value)
        overrides = [
            f"{key}={_write_part(by_value.get(value, empty[key]), key, folder / 'inputs' / slug)}"
            for key, by_value in parts.items()
        ]
        units.append(Unit(value, slug, (*overrides, f"title={params.title}: {value}"), labels={column: value}))
    return [*units, _whole_system(params, column, tables, folder, values)]


def _parts_of(frame: pd.DataFrame, column: str) -> dict[str, pd.DataFrame | str]:
    """Each value's rows of ``frame`` (without ``column``), by the value as text: for a table read as
    text, its CSV text (the whole table written once and cut into units: thousands of units are
    written in seconds); for a typed (Parquet) table or text with line breaks in a cell, a frame."""
    keys = frame[column].astype(str)
    rest = frame.drop(columns=column)
    if frame.index.name == "row":
        header, body = _csv_lines(rest)
        if len(body) == len(frame):  # one line per row (no line break in a cell): cut the text
            return {
                str(value): "\n".join([header, *(body[i] for i in at)]) + "\n"
                for value, at in keys.reset_index(drop=True).groupby(keys.to_numpy(), sort=False).indices.items()
            }
    return {str(value): rows.drop(columns=column) for value, rows in frame.groupby(keys, sort=False)}


#: What the csv module would quote in a cell.
_QUOTED = re.compile('[,"\r\n]')


def _csv_lines(frame: pd.DataFrame) -> tuple[str, list[str]]:
    """The header and the data lines of ``frame`` (every cell text) as CSV: joined with commas when no cell
    needs quoting (several times faster), else written by pandas."""
    columns = [[str(c) for c in frame.columns], *(frame[c].tolist() for c in frame.columns)]
    if frame.shape[1] > 1 and not any(_QUOTED.search("".join(cells)) for cells in columns):
        return ",".join(columns[0]), list(map(",".join, zip(*columns[1:], strict=True)))
    lines = frame.to_csv(index=False, lineterminator="\n").split("\n")
    return lines[0], lines[1:-1]


def _file_table(source: Path | DatabaseSource, name: str) -> pd.DataFrame | None:
    """The table of ``data.files.<name>`` (a file or a database table or query); None for other files."""
    if isinstance(source, DatabaseSource):
        return read_table(source, what=f"file '{name}'")
    kind = file_kind(source)
    if not kind:
        return None
    return pd.read_parquet(source) if kind == "parquet" else read_table(source, what=f"file '{name}'")


def _tables_with(params: Params, column: str) -> dict[str, pd.DataFrame]:
    """The input tables that have ``column``, as text, by their ``--set`` key (the indicator table required)."""
    tables = {}
    if params.data.indicators is not None:
        frame = read_table(params.data.indicators, expected=[*_INDICATOR_KEYS, column], what="indicator table")
        if column not in frame.columns:
            raise ParameterError(
                "the batch's unit column is not a column of the indicator table",
                file=str(params.data.indicators),
                key="batch.by",
                expected="one of " + ", ".join(c for c in frame.columns if c not in _INDICATOR_KEYS),
                found=column,
            )
        tables["data.indicators"] = frame
    for name, source in params.data.files.items():
        frame = _file_table(source, name)
        if frame is not None and column in frame.columns:
            tables[f"data.files.{name}"] = frame
    if not tables:
        raise ParameterError("no input table has the batch's unit column", key="batch.by", found=column)
    return tables


def _write_part(frame: pd.DataFrame | str, key: str, folder: Path) -> Path:
    """Write one unit's rows of a table (CSV, or its CSV text; Parquet for a Parquet input); the file written."""
    folder.mkdir(parents=True, exist_ok=True)
    name = key.rsplit(".", 1)[-1]
    if isinstance(frame, str):
        path = folder / f"{name}.csv"
        path.write_text(frame, encoding="utf-8", newline="")
    elif key.startswith("data.files.") and frame.index.name != "row":  # typed, from Parquet (text tables number rows)
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
    else:
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False, lineterminator="\n")
    return path


def _whole_system(
    params: Params, column: str, tables: dict[str, pd.DataFrame], folder: Path, values: list[str]
) -> Unit:
    """Every unit added up: the indicator table summed by measure and month; the full record-level files."""
    slug = unit_slug(WHOLE_SYSTEM)
    title = f"title={params.title}: {WHOLE_SYSTEM.lower()}"
    if "data.indicators" not in tables:
        return Unit(WHOLE_SYSTEM, slug, (title,), labels={column: WHOLE_SYSTEM})
    frame = tables["data.indicators"]
    frame = frame[frame[column].isin(values)].drop(columns=column)
    numbers = {c: _numbers(frame[c]) for c in ("numerator", "denominator")}
    bad = [
        f"row {row} ({c} {frame.at[row, c]!r})"
        for c, parsed in numbers.items()
        for row in _not_numbers(frame[c], parsed)[:3]
    ]
    if bad:
        problem = (
            f"cannot add up the units: the indicator table {params.data.indicators} has values that are not "
            "numbers, " + ", ".join(bad)
        )
        return Unit(WHOLE_SYSTEM, slug, (title,), problem=problem, labels={column: WHOLE_SYSTEM})
    keys = [c for c in frame.columns if c not in ("numerator", "denominator")]
    summed = (
        frame[keys]
        .assign(**numbers)
        .groupby(keys, sort=False, dropna=False)[["numerator", "denominator"]]
        .sum(min_count=1)
        .reset_index()
    )
    path = _write_part(summed, "data.indicators", folder / "inputs" / slug)
    return Unit(WHOLE_SYSTEM, slug, (f"data.indicators={path}", title), labels={column: WHOLE_SYSTEM})


def _not_numbers(text: pd.Series, parsed: pd.Series) -> pd.Index:
    """The rows of ``text`` that are neither blank nor a number (``parsed``: :func:`_numbers` of it)."""
    missing = text[parsed.isna().to_numpy()]  # few cells: blanks and text
    return missing.index[missing.str.strip().ne("").to_numpy()]


def _numbers(text: pd.Series) -> pd.Series:
    """A text column as numbers (NaN where not a number), thousands separators allowed (``1,234``)."""
    parsed = pd.to_numeric(text, errors="coerce")
    again = parsed.isna().to_numpy()  # blanks and text: parsed again without separators (few cells)
    if again.any():
        parsed[again] = pd.to_numeric(text[again].str.replace(",", ""), errors="coerce").to_numpy()
    return parsed
