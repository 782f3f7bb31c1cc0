"""Problems and the report that collects them: every check adds to a :class:`ValidationReport`.

The report is shown as a data-quality table (:meth:`ValidationReport.to_frame`) or
turned into one :class:`~pss_analysis.errors.DataValidationError` listing the errors
(:meth:`ValidationReport.raise_if_errors`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from pss_analysis.errors import DataValidationError
from pss_analysis.inputs import periods as _periods

__all__ = ["SEVERITIES", "MAX_LISTED_ERRORS", "Severity", "Problem", "ValidationReport"]

#: Problem severities: an ``error`` stops the run, a ``warning`` is reported and the run goes on.
SEVERITIES = ("error", "warning")


#: How many errors :meth:`ValidationReport.raise_if_errors` lists before "... and N more"
#: (a screenful; the full list is in :meth:`ValidationReport.to_frame`).
MAX_LISTED_ERRORS = 20


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem found in the data.

    ``check`` is a short stable name of the check (``missing_column``,
    ``unparseable_period``, ...); ``str()`` is one plain-English line naming
    file, row, column, what was expected and what was found.
    """

    severity: Severity
    check: str
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    expected: Any = None
    found: Any = None

    def __str__(self) -> str:
        return str(self.to_error())

    def to_error(self) -> DataValidationError:
        """The problem as a :class:`~pss_analysis.errors.DataValidationError` (not raised)."""
        return DataValidationError(
            self.message, file=self.file, row=self.row, column=self.column, expected=self.expected, found=self.found
        )


@dataclass
class ValidationReport:
    """Problems found while reading and checking input data, in the order found."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        severity: Severity,
        check: str,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: Any = None,
        found: Any = None,
    ) -> Problem:
        """Record one problem; returns it."""
        if severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {severity!r}")
        problem = Problem(
            severity,
            check,
            message,
            None if file is None else str(file),
            None if row is None else int(row),
            column,
            expected,
            _plain(found),
        )
        self.problems.append(problem)
        return problem

    def error(self, check: str, message: str, **context: Any) -> Problem:
        """Record an error (the data cannot be used as they are)."""
        return self.add("error", check, message, **context)

    def warning(self, check: str, message: str, **context: Any) -> Problem:
        """Record a warning (reported; the analysis goes on)."""
        return self.add("warning", check, message, **context)

    def extend(self, other: ValidationReport | Iterable[Problem]) -> None:
        """Append the problems of another report."""
        self.problems.extend(other.problems if isinstance(other, ValidationReport) else other)

    @property
    def errors(self) -> list[Problem]:
        """The problems of severity ``error``."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """The problems of severity ``warning``."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def __len__(self) -> int:
        return len(self.problems)

    def __iter__(self):  # noqa: ANN204 - iterator of Problem
        return iter(self.problems)

    def __str__(self) -> str:
        return "\n".join(f"{p.severity}: {p}" for p in self.problems) or "no problems"

    def to_frame(self) -> pd.DataFrame:
        """The data-quality table: one row per problem.

        Columns: ``severity, check, file, row, column, message, expected, found``
        and ``text`` (the one-line description). ``row`` is a nullable integer.
        """
        columns = ["severity", "check", "file", "row", "column", "message", "expected", "found", "text"]
        frame = pd.DataFrame(
            [
                {
                    "severity": p.severity,
                    "check": p.check,
                    "file": p.file,
                    "row": p.row,
                    "column": p.column,
                    "message": p.message,
                    "expected": None if p.expected is None else str(p.expected),
                    "found": None if p.found is None else str(p.found),
                    "text": str(p),
                }
                for p in self.problems
            ],
            columns=columns,
        )
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def raise_if_errors(self, limit: int = MAX_LISTED_ERRORS) -> None:
        """Raise :class:`~pss_analysis.errors.DataValidationError` if there is any error.

        One error: its one-line message, with ``file``, ``row``, ``column``,
        ``expected`` and ``found`` set on the exception. Several: a first line
        with the count, then one line per error (at most ``limit``, then
        "... and N more errors"). The exception carries this report as
        ``.report``.
        """
        errors = self.errors
        if not errors:
            return
        if len(errors) == 1:
            exc = errors[0].to_error()
        else:
            lines = [f"  {p}" for p in errors[:limit]]
            if len(errors) > limit:
                rest = len(errors) - limit
                lines.append(f"  ... and {rest} more error{'s' if rest > 1 else ''}")
            exc = DataValidationError(f"{len(errors)} errors in the input data:\n" + "\n".join(lines))
        exc.report = self  # type: ignore[attr-defined]
        raise exc


def _plain(value: Any) -> Any:
    """Values stored on problems: plain Python scalars, text for periods and dates."""
    if isinstance(value, pd.Period):
        return _periods.format_period(value)
    if isinstance(value, (pd.Timestamp, _dt.date)):
        return str(value)
    if isinstance(value, np.generic):
        return value.item()
    return value
