"""The pandas engine: the same semantics as the DuckDB engine, on the records in memory."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.inputs.indicators.definitions import IndicatorDefinition, Statistic
from pss_analysis.inputs.indicators.engine import _band_index, _Engine, _mask_all, _SourceInfo
from pss_analysis.inputs.validation import (
    ValidationReport,
)

__all__: list[str] = []


def _arrow_kind(t: Any) -> str:
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", lambda _: False)(t):
        return "text"
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return "date"
    if pa.types.is_boolean(t):
        return "bool"
    return "other"


class _PandasEngine(_Engine):
    name = "pandas"

    def __init__(self, files: Mapping[str, Path], report: ValidationReport, needed: Mapping[str, set[str]]) -> None:
        super().__init__(files, report)
        self.needed = needed
        self.frames: dict[str, pd.DataFrame] = {}

    def _describe(self, info: _SourceInfo) -> dict[str, str]:
        if info.kind == "excel":
            assert info.excel is not None
            return {str(c): "text" for c in info.excel.columns}
        if info.kind == "csv":
            header = pd.read_csv(info.path, nrows=0, encoding="utf-8-sig")
            return {str(c): "text" for c in header.columns}
        import pyarrow.parquet as pq

        schema = pq.read_schema(info.path)
        return {name: _arrow_kind(schema.field(name).type) for name in schema.names}

    def frame(self, info: _SourceInfo) -> pd.DataFrame:
        if info.name in self.frames:
            return self.frames[info.name]
        columns = [c for c in info.types if c in self.needed.get(info.name, set())]
        if info.kind == "excel":
            assert info.excel is not None
            frame = info.excel[columns].reset_index(drop=True)
        elif info.kind == "csv":
            frame = pd.read_csv(
                info.path, usecols=columns, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
            )
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            def mapper(t: Any) -> Any:
                return pd.Int64Dtype() if pa.types.is_integer(t) else None

            frame = pq.read_table(info.path, columns=columns).to_pandas(types_mapper=mapper, date_as_object=False)
        self.frames[info.name] = frame
        return frame

    def _text_of(self, info: _SourceInfo, frame: pd.DataFrame):  # noqa: ANN202 - closure
        cache: dict[str, pd.Series] = {}

        def text_of(column: str) -> pd.Series:
            if column not in cache:
                s = frame[column]
                kind = info.types[column]
                if kind == "bool":
                    s = s.map({True: "true", False: "false"})
                elif kind == "number":
                    s = s.astype("string")
                cache[column] = s  # text (or categorical) with missing values; compared as is
            return cache[column]

        return text_of

    def _number_of(self, info: _SourceInfo, frame: pd.DataFrame):  # noqa: ANN202 - closure
        cache: dict[str, np.ndarray] = {}

        def number_of(column: str) -> np.ndarray:
            if column not in cache:
                s = frame[column]
                if info.types[column] == "number":
                    cache[column] = s.to_numpy(dtype=float, na_value=np.nan)
                else:
                    cache[column] = pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            return cache[column]

        return number_of

    def _distinct(self, info: _SourceInfo, column: str) -> tuple[pd.Series, int]:
        s = self._text_of(info, self.frame(info))(column)
        present = s[s.notna()]
        return pd.Series(present.unique(), dtype=object), int(len(s) - len(present))

    def _date_range(self, info: _SourceInfo, column: str) -> tuple[Any, Any, int]:
        s = self.frame(info)[column]
        return s.min(), s.max(), int(s.isna().sum())

    def _bad_numbers(self, info: _SourceInfo, column: str) -> tuple[int, Any]:
        s = self.frame(info)[column]
        bad = s.notna() & pd.to_numeric(s, errors="coerce").isna()
        return int(bad.sum()), (s[bad].min() if bad.any() else None)

    def aggregate(
        self,
        defs: Sequence[IndicatorDefinition],
        info: _SourceInfo,
        month_map: pd.DataFrame | None,
        months: tuple[int, int],
        codes: Mapping,
    ) -> list[pd.DataFrame]:
        d = defs[0]  # the definitions share source, period, conditions, breakdowns and strata
        frame = self.frame(info)
        text_of, number_of = self._text_of(info, frame), self._number_of(info, frame)
        ok, month = _record_months(frame, d.period, month_map, text_of)
        keep = ok & (month >= months[0]) & (month <= months[1])
        keep &= _mask_all(d.where, len(frame), text_of, number_of, codes)
        columns = _group_columns(d, month, keep, text_of, number_of)
        keys = list(columns)
        mine: list[dict[str, str]] = []
        for i, di in enumerate(defs):
            names = {}
            stats = [("__num", di.numerator)] + (
                [("__den", di.denominator)] if isinstance(di.denominator, Statistic) else []
            )
            for prefix, st_ in stats:
                cond = (
                    _mask_all(st_.where, len(frame), text_of, number_of, codes)[keep]
                    if st_.where
                    else np.ones(int(keep.sum()), dtype=bool)
                )
                columns.update(_stat_columns(st_, f"{prefix}{i}", cond, keep, number_of))
                names[f"{prefix}{i}"] = prefix
                if f"{prefix}{i}_nulls" in columns:
                    names[f"{prefix}{i}_nulls"] = f"{prefix}_nulls"
            mine.append(names)
        table = pd.DataFrame(columns)
        grouped = table.groupby(keys, dropna=False, sort=False).sum().reset_index()
        return [grouped[keys + list(names)].rename(columns=names) for names in mine]


def _record_months(
    frame: pd.DataFrame, period: str, month_map: pd.DataFrame | None, text_of: Callable[[str], pd.Series]
) -> tuple[np.ndarray, np.ndarray]:
    """(dated?, month ordinal) of each record: from a date column, or through the text column's month map."""
    if month_map is None:
        s = frame[period]
        ok = s.notna().to_numpy()
        month = np.where(
            ok,
            (s.dt.year.fillna(1970).to_numpy(dtype=np.int64) - 1970) * 12
            + s.dt.month.fillna(1).to_numpy(dtype=np.int64)
            - 1,
            0,
        )
        return ok, month
    pos = pd.Index(month_map["value"]).get_indexer(text_of(period))
    ok = pos >= 0
    return ok, np.where(ok, month_map["ordinal"].to_numpy()[np.maximum(pos, 0)], 0)


def _group_columns(
    d: IndicatorDefinition,
    month: np.ndarray,
    keep: np.ndarray,
    text_of: Callable[[str], pd.Series],
    number_of: Callable[[str], np.ndarray],
) -> dict[str, Any]:
    """The group keys of the kept records: month, breakdowns, and (when standardised) band and strata."""
    columns: dict[str, Any] = {"__month": month[keep]}
    for b in d.breakdowns:
        if b.bands:
            labels = np.array([*b.labels, None], dtype=object)
            columns[b.name] = labels[_band_index(number_of(b.column)[keep], b.bands)]
        else:
            columns[b.name] = text_of(b.column)[keep].to_numpy()
    if d.standardise is not None:
        st = d.standardise
        labels = np.array([*st.labels, None], dtype=object)
        columns["__band"] = labels[_band_index(number_of(st.age)[keep], st.bands)]
        for k, by in enumerate(st.by):
            columns[f"__by_{k}"] = text_of(by)[keep].to_numpy()
    return columns


def _stat_columns(
    s: Statistic, name: str, cond: np.ndarray, keep: np.ndarray, number_of: Callable[[str], np.ndarray]
) -> dict[str, np.ndarray]:
    """The per-record units a statistic adds up (and, for a sum, which counted records lack a value)."""
    if s.statistic == "count":
        return {name: cond.astype(np.int64)}
    assert s.column is not None
    x = number_of(s.column)[keep]
    present = ~np.isnan(x)
    if s.decimals is not None:
        units = np.floor(np.where(present, x, 0.0) * 10**s.decimals + 0.5).astype(np.int64)
        values = np.where(cond & present, units, 0)
    else:
        values = np.where(cond & present, x, 0.0)
    return {name: values, f"{name}_nulls": (cond & ~present).astype(np.int64)}
