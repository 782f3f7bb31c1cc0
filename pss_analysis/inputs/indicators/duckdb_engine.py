"""The DuckDB engine: each group of definitions is one SQL query over the file, read in place.

Values never enter the SQL text (they are query parameters, see :class:`_Params`)
and column names are quoted (:func:`_quote`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from pss_analysis.inputs.indicators.definitions import Condition, IndicatorDefinition, Statistic
from pss_analysis.inputs.indicators.engine import _Engine, _SourceInfo
from pss_analysis.inputs.indicators.standardisation import band_labels
from pss_analysis.inputs.validation import (
    ValidationReport,
)

__all__: list[str] = []


def _quote(identifier: str) -> str:
    """A quoted SQL identifier: any text is safe as a column name."""
    return '"' + str(identifier).replace('"', '""') + '"'


class _Params:
    """Collects query parameters; values never enter the SQL text."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __call__(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return "$" + name


_DUCK_NUMBER_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
    "FLOAT",
    "DOUBLE",
    "REAL",
    "DECIMAL",
)


def _duck_kind(type_name: str) -> str:
    t = type_name.upper()
    if t in ("VARCHAR", "TEXT", "STRING") or t.startswith("VARCHAR") or t.startswith("ENUM"):
        return "text"
    if t.startswith(_DUCK_NUMBER_TYPES):
        return "number"
    if t == "DATE" or t.startswith("TIMESTAMP"):
        return "date"
    if t == "BOOLEAN":
        return "bool"
    return "other"


class _DuckEngine(_Engine):
    name = "duckdb"

    def __init__(self, files: Mapping[str, Path], report: ValidationReport) -> None:
        super().__init__(files, report)
        import duckdb

        self.duckdb = duckdb
        self.con = duckdb.connect(":memory:")
        self._registered = 0

    def close(self) -> None:
        self.con.close()

    def _from(self, info: _SourceInfo, p: _Params) -> str:
        if info.kind == "parquet":
            return f"read_parquet({p(str(info.path))})"
        if info.kind == "csv":
            # Every field as text, header on line 1, comma-separated: the same reading as the pandas engine.
            return (
                f"read_csv({p(str(info.path))}, header = true, all_varchar = true, delim = ',', quote = '\"', skip = 0)"
            )
        if info.view is None:
            self._registered += 1
            info.view = f"__excel_{self._registered}"
            self.con.register(info.view, info.excel)
        return _quote(info.view)

    def _describe(self, info: _SourceInfo) -> dict[str, str]:
        p = _Params()
        rows = self.con.execute(f"DESCRIBE SELECT * FROM {self._from(info, p)}", p.values).fetchall()
        return {str(r[0]): _duck_kind(str(r[1])) for r in rows}

    def _distinct(self, info: _SourceInfo, column: str) -> tuple[pd.Series, int]:
        p = _Params()
        c = _quote(column)
        src = self._from(info, p)
        values = self.con.execute(
            f"SELECT DISTINCT CAST({c} AS VARCHAR) AS v FROM {src} WHERE {c} IS NOT NULL", p.values
        ).df()["v"]
        p = _Params()
        missing = self.con.execute(
            f"SELECT count(*) FROM {self._from(info, p)} WHERE {c} IS NULL", p.values
        ).fetchall()[0][0]
        return values.astype(object), int(missing)

    def _date_range(self, info: _SourceInfo, column: str) -> tuple[Any, Any, int]:
        p = _Params()
        c = _quote(column)
        low, high, missing = self.con.execute(
            f"SELECT min({c}), max({c}), count(*) - count({c}) FROM {self._from(info, p)}", p.values
        ).fetchall()[0]
        return low, high, int(missing)

    def _bad_numbers(self, info: _SourceInfo, column: str) -> tuple[int, Any]:
        p = _Params()
        c = _quote(column)
        count, first = self.con.execute(
            f"SELECT count(*), min({c}) FROM {self._from(info, p)} "
            f"WHERE {c} IS NOT NULL AND TRY_CAST({c} AS DOUBLE) IS NULL",
            p.values,
        ).fetchall()[0]
        return int(count), first

    # expressions ---------------------------------------------------------
    @staticmethod
    def _text(info: _SourceInfo, column: str) -> str:
        c = "r." + _quote(column)
        return c if info.types[column] == "text" else f"CAST({c} AS VARCHAR)"

    @staticmethod
    def _number(info: _SourceInfo, column: str) -> str:
        c = "r." + _quote(column)
        return f"CAST({c} AS DOUBLE)" if info.types[column] == "number" else f"TRY_CAST({c} AS DOUBLE)"

    def _condition(self, c: Condition, info: _SourceInfo, p: _Params, codes: Mapping[Any, tuple[str, ...]]) -> str:
        if c.op in ("equals", "in") and not c.numeric:
            x = self._text(info, c.column)
            if c.op == "equals":
                return f"({x} = {p(c.value)})"
            return f"list_contains({p(list(c.value))}::VARCHAR[], {x})"
        if c.op in ("equals", "in", "min", "max", "between"):
            x = self._number(info, c.column)
            if c.op == "equals":
                return f"({x} = {p(c.value)}::DOUBLE)"
            if c.op == "in":
                return f"list_contains({p([float(v) for v in c.value])}::DOUBLE[], {x})"
            if c.op == "min":
                return f"({x} >= {p(c.value)}::DOUBLE)"
            if c.op == "max":
                return f"({x} <= {p(c.value)}::DOUBLE)"
            return f"({x} BETWEEN {p(c.value[0])}::DOUBLE AND {p(c.value[1])}::DOUBLE)"
        matching = codes[c]  # the record values whose code matches (see _Engine.resolve_codes)
        if not matching:
            return "FALSE"
        return f"list_contains({p(list(matching))}::VARCHAR[], {self._text(info, c.column)})"

    def _all(self, conds: Iterable[Condition], info: _SourceInfo, p: _Params, codes: Mapping) -> str:
        parts = [self._condition(c, info, p, codes) for c in conds]
        return " AND ".join(parts) if parts else "TRUE"

    def _bands(self, info: _SourceInfo, column: str, bands: Sequence[float], p: _Params) -> str:
        x = self._number(info, column)
        labels = band_labels(bands)
        whens = " ".join(
            f"WHEN {x} >= {p(float(b))}::DOUBLE THEN {p(lab)}"
            for b, lab in reversed(list(zip(bands, labels, strict=True)))
        )
        return f"(CASE {whens} ELSE NULL END)"

    def _stat(self, s: Statistic, info: _SourceInfo, p: _Params, codes: Mapping) -> tuple[str, str | None]:
        cond = self._all(s.where, info, p, codes)
        filt = "" if cond == "TRUE" else f" FILTER (WHERE {cond})"
        if s.statistic == "count":
            return f"COUNT(*){filt}", None
        assert s.column is not None
        x = self._number(info, s.column)
        units = x if s.decimals is None else f"CAST(floor({x} * {10**s.decimals} + 0.5) AS BIGINT)"
        total = f"SUM({units}){filt}"
        if s.decimals is not None:
            total = f"CAST({total} AS BIGINT)"
        nulls = f"COUNT(*) FILTER (WHERE {cond} AND {x} IS NULL)"
        return total, nulls

    def aggregate(
        self,
        defs: Sequence[IndicatorDefinition],
        info: _SourceInfo,
        month_map: pd.DataFrame | None,
        months: tuple[int, int],
        codes: Mapping,
    ) -> list[pd.DataFrame]:
        d = defs[0]  # the definitions share source, period, conditions, breakdowns and strata
        p = _Params()
        src = self._from(info, p)
        join = ""
        if month_map is None:
            c = "r." + _quote(d.period)
            month = f"((year({c}) - 1970) * 12 + month({c}) - 1)"
        else:
            self._registered += 1
            view = f"__months_{self._registered}"
            self.con.register(view, month_map)
            join = f" JOIN {_quote(view)} AS pm ON {self._text(info, d.period)} = pm.value"
            month = "pm.ordinal"
        keys = [f"{month} AS __month"]
        for b in d.breakdowns:
            expr = self._bands(info, b.column, b.bands, p) if b.bands else self._text(info, b.column)
            keys.append(f"{expr} AS {_quote(b.name)}")
        if d.standardise is not None:
            st = d.standardise
            keys.append(f"{self._bands(info, st.age, st.bands, p)} AS __band")
            for k, by in enumerate(st.by):
                keys.append(f"{self._text(info, by)} AS {_quote('__by_' + str(k))}")
        aggs, names = [], []
        for i, di in enumerate(defs):
            mine = {}
            stats = [("__num", di.numerator)] + (
                [("__den", di.denominator)] if isinstance(di.denominator, Statistic) else []
            )
            for prefix, stat in stats:
                total, nulls = self._stat(stat, info, p, codes)
                aggs.append(f"{total} AS {prefix}_{i}")
                mine[f"{prefix}_{i}"] = prefix
                if nulls:
                    aggs.append(f"{nulls} AS {prefix}_nulls_{i}")
                    mine[f"{prefix}_nulls_{i}"] = f"{prefix}_nulls"
            names.append(mine)
        where = self._all(d.where, info, p, codes)
        sql = (
            f"SELECT {', '.join(keys)}, {', '.join(aggs)} FROM {src} AS r{join} "
            f"WHERE ({where}) AND {month} BETWEEN {p(months[0])} AND {p(months[1])} "
            f"GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}"
        )
        frame = self.con.execute(sql, p.values).df()
        if month_map is not None:
            self.con.unregister(view)
        key_cols = list(frame.columns[: len(keys)])
        return [frame[key_cols + list(mine)].rename(columns=mine) for mine in names]
