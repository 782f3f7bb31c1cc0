"""Small-number suppression (statistical disclosure control) for published tables.

A published table must not let a reader learn a small count of people, either
directly or by arithmetic. :func:`suppress_table` hides such counts behind a
marker and returns the suppressed copy with a record of what it hid;
:func:`find_unsuppressed_small_counts` checks an output afterwards.

The rule
--------
By default a count from 1 to 7 (``DEFAULT_THRESHOLD``) is shown as ``*``
(``MARKER``) and a count of 0 is shown (``suppress_zero=False``). This is the
rule NHS Digital (now part of NHS England) adopted in September 2018 for
sub-national Hospital Episode Statistics and Emergency Care Data Set outputs
("Disclosure control methodology for HES and ECDS"), which is now a common NHS
convention. Note that NHS Digital's methodology *also rounds* every other
count to the nearest 5 instead of relying on secondary suppression; this
module does not round. It applies the older, general approach of primary plus
secondary (complementary) cell suppression that the Government Statistical
Service's disclosure control guidance for tables produced from administrative
sources describes. The threshold, the marker and the zero rule are
parameters: use whatever your data-sharing agreement or information governance
lead requires.

The algorithm
-------------
1. **Primary suppression.** Every value in ``count_columns`` that is small
   (``0 < value <= threshold``, or ``== 0`` too with ``suppress_zero``) is
   suppressed. Fractions such as 0.5 count as small, so nothing between 0 and
   the threshold slips through.
2. **Secondary (complementary) suppression.** A table with totals holds linear
   relations: with ``totals={"column": "locality", "total_label": "All"}`` the
   "All" row of every ``group_by`` group (e.g. each period) is the sum of the
   other rows of the group, separately for every count column; with
   ``totals={"columns": {"total": ["male", "female"]}}`` the ``total`` column
   of every row is the sum of the part columns. A relation with exactly one
   suppressed cell gives that cell away (total minus the visible cells), so
   another cell of the same relation is suppressed: the smallest visible
   non-zero part (ties: the earlier row, then the earlier column), else a
   zero part, else the total itself. This repeats until no relation has
   exactly one suppressed cell, because a cell suppressed for one relation can
   leave another relation (the other direction of a two-way table) with a
   single suppressed cell. Each pass suppresses at least one more cell, so the
   loop ends.
3. **Derived values.** ``derived`` maps a derived column to the columns it is
   computed from (``{"value": ["numerator", "denominator"]}``). A rate shown
   beside a hidden numerator would give it back (rate x denominator / k), so a
   derived value is suppressed on every row where any of its sources is; a
   source may itself be a derived column.

Limits (say so when it matters): the secondary step guarantees that no
relation is left with one unknown, which defeats simple subtraction. It is not
a full audit of the table as a system of linear equations, and it does not
check how narrowly hidden values are bounded (two hidden cells that must add
up to 9 are each known to be at most 9; with outside knowledge a reader may
narrow that further). Tables published separately but related (e.g. the same
counts by locality and by age) are not protected against each other. Derived
values follow their sources on the same row only: a value computed from
another row (such as a locality's share of the "All" row) is not followed, so
leave it out or declare it as a derived column of its own row's counts. Every
count column is assumed to add up over the rows of a group. Missing values
(NaN) are neither suppressed nor counted as hidden. Choosing the smallest
complement loses the least information but bounds the hidden values most
tightly; for high-risk releases use a dedicated tool such as tau-ARGUS, which
chooses complements by linear programming and audits the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.errors import DataValidationError, ParameterError

__all__ = [
    "DEFAULT_THRESHOLD",
    "MARKER",
    "SuppressionResult",
    "suppress_table",
    "suppression_rule",
    "find_unsuppressed_small_counts",
]

#: Largest count that is suppressed: counts from 1 to 7 are hidden (NHS Digital,
#: disclosure control methodology for HES and ECDS, September 2018).
DEFAULT_THRESHOLD = 7
#: What a suppressed cell shows instead of its value (as in NHS Digital's outputs).
MARKER = "*"
#: Keys a ``totals`` specification may have.
TOTALS_KEYS = ("column", "total_label", "columns")


@dataclass(frozen=True)
class SuppressionResult:
    """A suppressed table and the record of what was hidden.

    ``table`` is a copy of the input in which every suppressed cell holds the
    marker (those columns have object dtype; all other values are unchanged).
    ``mask`` has the input's index and columns and is True where a cell was
    suppressed. ``n_primary`` counts small counts, ``n_secondary`` counts
    cells hidden so that totals cannot give a small count back, and
    ``n_derived`` counts derived values hidden with their sources. ``rule``
    is one plain-English sentence for the report's methods section.
    """

    table: pd.DataFrame
    mask: pd.DataFrame
    n_primary: int
    n_secondary: int
    n_derived: int
    rule: str
    threshold: int
    marker: str

    @property
    def n_suppressed(self) -> int:
        """All suppressed cells: primary, secondary and derived."""
        return int(self.mask.to_numpy().sum())


def suppression_rule(threshold: int = DEFAULT_THRESHOLD, marker: str = MARKER, *, suppress_zero: bool = False) -> str:
    """The rule as one sentence for a methods section.

    >>> suppression_rule()
    'Counts from 1 to 7, and any value from which such a count could be worked out, are shown as *.'
    """
    threshold = _check_threshold(threshold)
    low = 0 if suppress_zero else 1
    counts = f"Counts of {low}" if low == threshold else f"Counts from {low} to {threshold}"
    return f"{counts}, and any value from which such a count could be worked out, are shown as {marker}."


def suppress_table(
    frame: pd.DataFrame,
    *,
    count_columns: Iterable[str],
    derived: Mapping[str, Iterable[str]] | None = None,
    totals: Mapping[str, Any] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    marker: str = MARKER,
    group_by: str | Iterable[str] | None = None,
    suppress_zero: bool = False,
) -> SuppressionResult:
    """Suppress small counts in ``frame``, and whatever would give them back.

    ``count_columns`` hold counts of people or events (non-negative numbers).
    ``derived`` maps each derived column (a rate, a percentage, a confidence
    limit) to the columns it is computed from. ``totals`` describes the sums
    the table contains: ``{"column": c, "total_label": label}`` when the row
    whose ``c`` equals ``label`` sums the other rows of its ``group_by`` group
    (the whole table when ``group_by`` is None), and/or ``{"columns": {total:
    [parts]}}`` when a column sums other columns. See the module docstring
    for the algorithm and its limits. ``frame`` is not modified.

    Raises :class:`ParameterError` for arguments that do not fit the table and
    :class:`DataValidationError` for count values that are not non-negative
    numbers or a group with more than one total row.
    """
    threshold, marker = _check_options(frame, threshold, marker)
    counts = _column_list(frame, count_columns, "count_columns")
    if not counts:
        raise ParameterError(
            "name at least one count column",
            key="count_columns",
            expected="one or more of " + ", ".join(map(str, frame.columns)),
            found=[],
        )
    derived_map = _check_derived(frame, derived, counts)
    groups = _column_list(frame, [] if group_by is None else group_by, "group_by")
    equations = _equations(frame, counts, totals, groups)

    values = _count_values(frame, counts)
    primary = _is_small(values, threshold, suppress_zero)
    hidden = primary.copy()
    secondary = _complement(values, hidden, equations)
    by_column: dict[str, np.ndarray] = {name: hidden[:, j] for j, name in enumerate(counts)}
    derived_hidden = _derived_mask(by_column, derived_map, len(frame))
    derived_hidden = {name: rows & frame[name].notna().to_numpy() for name, rows in derived_hidden.items()}
    mask = _cell_mask(frame, by_column | derived_hidden)

    return SuppressionResult(
        table=_marked(frame, mask, marker),
        mask=mask,
        n_primary=int(primary.sum()),
        n_secondary=int(secondary.sum()),
        n_derived=int(sum(rows.sum() for rows in derived_hidden.values())),
        rule=suppression_rule(threshold, marker, suppress_zero=suppress_zero),
        threshold=threshold,
        marker=marker,
    )


def _check_options(frame: Any, threshold: Any, marker: Any) -> tuple[int, str]:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(
            "frame must be a pandas DataFrame", key="frame", expected="a DataFrame", found=type(frame).__name__
        )
    threshold = _check_threshold(threshold)
    if not isinstance(marker, str) or not marker:
        raise ParameterError("marker must be a non-empty string", key="marker", expected="e.g. '*'", found=marker)
    return threshold, marker


def _cell_mask(frame: pd.DataFrame, hidden: Mapping[str, np.ndarray]) -> pd.DataFrame:
    """True for every hidden cell: ``hidden`` maps a column to its hidden rows."""
    mask = pd.DataFrame(False, index=frame.index, columns=frame.columns)
    position = {name: frame.columns.get_loc(name) for name in frame.columns}
    for name, rows in hidden.items():
        mask.iloc[:, position[name]] = rows
    return mask


def _marked(frame: pd.DataFrame, mask: pd.DataFrame, marker: str) -> pd.DataFrame:
    """A copy of ``frame`` with the marker in every masked cell (those columns become object dtype)."""
    table = frame.copy()
    for name in mask.columns[mask.to_numpy().any(axis=0)]:
        j = frame.columns.get_loc(name)
        table[name] = table[name].astype(object)
        table.iloc[np.flatnonzero(mask[name].to_numpy()), j] = marker
    return table


def find_unsuppressed_small_counts(
    path_or_frame: str | Path | pd.DataFrame,
    *,
    count_columns: Iterable[str],
    threshold: int = DEFAULT_THRESHOLD,
    suppress_zero: bool = False,
) -> list[str]:
    """Describe every small count still visible in a table (an empty list when there is none).

    ``path_or_frame`` is a CSV file or a DataFrame. Only the ``count_columns``
    the table has are checked (so one list of names can be used to scan every
    output of a run); markers, blanks and other text are not counts and are
    skipped. Each description names the file (or "table"), the line of the
    file and data row (or the index label of a frame), the column and the
    value.
    """
    threshold = _check_threshold(threshold)
    names = [count_columns] if isinstance(count_columns, str) else list(count_columns)
    if isinstance(path_or_frame, pd.DataFrame):
        frame, source, from_file = path_or_frame, "table", False
    else:
        source, from_file = str(path_or_frame), True
        try:
            frame = pd.read_csv(path_or_frame, dtype=str, keep_default_na=False)
        except pd.errors.EmptyDataError:
            return []
    found: list[str] = []
    low = "0" if suppress_zero else "1"
    for name in (n for n in names if n in frame.columns):
        column = frame[name]
        if isinstance(column, pd.DataFrame):  # duplicated column name: check each copy
            parts = [column.iloc[:, k] for k in range(column.shape[1])]
        else:
            parts = [column]
        for part in parts:
            numbers = pd.to_numeric(part, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            for pos in np.flatnonzero(_is_small(numbers, threshold, suppress_zero)):
                raw = part.iloc[pos]
                where = f"line {pos + 2} (data row {pos + 1})" if from_file else f"row {part.index[pos]!r}"
                found.append(
                    f"{source}: {where}, column '{name}': {raw} is a count from {low} to "
                    f"{threshold} and is not suppressed"
                )
    return found


# -- helpers ------------------------------------------------------------------

_Cell = tuple[int, int]  # (row position, index into count_columns)
_Equation = tuple[tuple[_Cell, ...], _Cell]  # (parts, total): total = sum(parts)


def _check_threshold(threshold: Any) -> int:
    if isinstance(threshold, bool) or not isinstance(threshold, (int, np.integer)) or threshold < 1:
        raise ParameterError(
            "threshold must be a whole number of at least 1",
            key="threshold",
            expected="an integer >= 1",
            found=threshold,
        )
    return int(threshold)


def _is_small(values: np.ndarray, threshold: int, suppress_zero: bool) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        small = (values > 0) & (values <= threshold)
        if suppress_zero:
            small |= values == 0
    return small


def _column_list(frame: pd.DataFrame, names: str | Iterable[str], key: str) -> list[str]:
    columns = [names] if isinstance(names, str) else list(names)
    for name in columns:
        if name not in frame.columns:
            raise ParameterError(
                "no such column in the table",
                key=key,
                column=str(name),
                expected="one of " + ", ".join(map(str, frame.columns)),
                found=name,
            )
    if len(set(columns)) != len(columns):
        raise ParameterError("a column is named twice", key=key, found=columns)
    if frame.columns.duplicated().any():
        raise ParameterError(
            "the table has duplicated column names", key="frame", found=list(frame.columns[frame.columns.duplicated()])
        )
    return columns


def _check_derived(
    frame: pd.DataFrame, derived: Mapping[str, Iterable[str]] | None, counts: list[str]
) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name, sources in (derived or {}).items():
        _column_list(frame, [name], "derived")
        if name in counts:
            raise ParameterError("a column cannot be both a count and derived", key="derived", column=name)
        result[name] = [sources] if isinstance(sources, str) else list(sources)
        if not result[name]:
            raise ParameterError(
                "name the columns this value is computed from",
                key="derived",
                column=name,
                expected="a list of count or derived columns",
                found=[],
            )
    for name, sources in result.items():
        for source in sources:
            if source not in counts and source not in result:
                raise ParameterError(
                    "a derived value must be computed from count or derived columns",
                    key="derived",
                    column=name,
                    expected="one of " + ", ".join(counts + list(result)),
                    found=source,
                )
    return result


def _count_values(frame: pd.DataFrame, counts: list[str]) -> np.ndarray:
    values = np.empty((len(frame), len(counts)), dtype="float64")
    for j, name in enumerate(counts):
        column = frame[name]
        if pd.api.types.is_bool_dtype(column):
            raise DataValidationError(
                "a count column holds True/False values",
                column=name,
                expected="counts (numbers)",
                found=str(column.dtype),
            )
        numbers = pd.to_numeric(column, errors="coerce")
        bad = numbers.isna() & column.notna()
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise DataValidationError(
                "a count is not a number (suppress_table needs the true counts, not an already suppressed table)",
                row=pos,
                column=name,
                expected="a number",
                found=column.iloc[pos],
            )
        array = numbers.to_numpy(dtype="float64", na_value=np.nan)
        negative = array < 0
        if negative.any():
            pos = int(np.flatnonzero(negative)[0])
            raise DataValidationError(
                "a count is negative", row=pos, column=name, expected="a count of 0 or more", found=column.iloc[pos]
            )
        values[:, j] = array
    return values


def _equations(
    frame: pd.DataFrame, counts: list[str], totals: Mapping[str, Any] | None, groups: list[str]
) -> list[_Equation]:
    """The sums the table holds, as (parts, total) cells of the count matrix."""
    if not totals:
        if groups:
            raise ParameterError(
                "group_by only applies to row totals",
                key="group_by",
                expected='totals={"column": ..., "total_label": ...}',
                found=groups,
            )
        return []
    if not isinstance(totals, Mapping):
        raise ParameterError(
            "totals must be a mapping", key="totals", expected="keys " + ", ".join(TOTALS_KEYS), found=totals
        )
    unknown = [k for k in totals if k not in TOTALS_KEYS]
    if unknown:
        raise ParameterError(
            "unknown key in totals", key="totals", expected="one of " + ", ".join(TOTALS_KEYS), found=unknown[0]
        )
    equations: list[_Equation] = []
    if "column" in totals or "total_label" in totals:
        equations += _row_equations(frame, counts, totals, groups)
    elif groups:
        raise ParameterError(
            "group_by only applies to row totals",
            key="group_by",
            expected='totals={"column": ..., "total_label": ...}',
            found=groups,
        )
    for total, parts in dict(totals.get("columns") or {}).items():
        parts = [parts] if isinstance(parts, str) else list(parts)
        for name in [total, *parts]:
            if name not in counts:
                raise ParameterError(
                    "columns in totals must be count columns",
                    key="totals.columns",
                    column=str(name),
                    expected="one of " + ", ".join(counts),
                    found=name,
                )
        if not parts or total in parts:
            raise ParameterError(
                "a total column needs part columns other than itself",
                key="totals.columns",
                column=str(total),
                found=parts,
            )
        t, js = counts.index(total), [counts.index(p) for p in parts]
        equations += [(tuple((r, j) for j in js), (r, t)) for r in range(len(frame))]
    return equations


def _row_equations(
    frame: pd.DataFrame, counts: list[str], totals: Mapping[str, Any], groups: list[str]
) -> list[_Equation]:
    if "column" not in totals or "total_label" not in totals:
        raise ParameterError(
            "row totals need both 'column' and 'total_label'",
            key="totals",
            expected='{"column": "locality", "total_label": "All"}',
            found=dict(totals),
        )
    label_column = totals["column"]
    _column_list(frame, [label_column], "totals.column")
    if label_column in groups:
        raise ParameterError(
            "the totals column cannot also be a group_by column", key="group_by", column=str(label_column)
        )
    if label_column in counts:
        raise ParameterError(
            "the totals column cannot be a count column", key="totals.column", column=str(label_column)
        )
    is_total = (frame[label_column] == totals["total_label"]).fillna(False).to_numpy(dtype=bool)
    if groups:
        members = frame.groupby(groups, sort=False, dropna=False).indices.items()
    else:
        members = [((), np.arange(len(frame)))]
    equations: list[_Equation] = []
    for key, rows in members:
        rows = np.sort(np.asarray(rows))
        total_rows = rows[is_total[rows]]
        if len(total_rows) > 1:
            raise DataValidationError(
                f"group {key!r} has more than one total row (is a group_by column missing?)",
                row=int(total_rows[1]),
                column=str(label_column),
                expected=f"one row labelled {totals['total_label']!r} per group of {groups or 'the table'}",
                found=len(total_rows),
            )
        parts = rows[~is_total[rows]]
        if len(total_rows) == 0 or len(parts) == 0:
            continue  # no total to subtract from
        t = int(total_rows[0])
        equations += [(tuple((int(r), j) for r in parts), (t, j)) for j in range(len(counts))]
    return equations


def _complement(values: np.ndarray, hidden: np.ndarray, equations: list[_Equation]) -> np.ndarray:
    """Hide complements in place until no sum has exactly one hidden cell; return the cells added."""
    added = np.zeros_like(hidden)
    known = ~np.isnan(values)
    changed = True
    while changed:
        changed = False
        for parts, total in equations:
            if sum(hidden[c] for c in parts) + hidden[total] != 1:
                continue
            candidates = sorted((values[c] == 0, values[c], c) for c in parts if known[c] and not hidden[c])
            if candidates:
                cell = candidates[0][2]
            elif known[total] and not hidden[total]:
                cell = total
            else:
                continue  # nothing visible left to hide (only missing values)
            hidden[cell] = added[cell] = True
            changed = True
    return added


def _derived_mask(
    by_column: Mapping[str, np.ndarray], derived: Mapping[str, list[str]], n_rows: int
) -> dict[str, np.ndarray]:
    result = {name: np.zeros(n_rows, dtype=bool) for name in derived}
    for _ in range(len(derived)):  # enough passes for any chain of derived-from-derived
        for name, sources in derived.items():
            for source in sources:
                result[name] |= by_column[source] if source in by_column else result[source]
    return result
