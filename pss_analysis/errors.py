"""Exceptions and warnings raised by pss-analysis.

Every error the package raises on purpose derives from :class:`PssError`, and
also from the matching built-in exception, so ``except ValueError`` still works::

    PssError                                  root of everything below
    ├── ParameterError(PssError, ValueError)  a parameter file, a --set override or
    │                                         a function argument is wrong
    ├── DataValidationError(PssError, ValueError)
    │   │                                     input data are malformed or unusable
    │   └── InsufficientDataError             too few points for the analysis asked for
    ├── ExecutionError(PssError, RuntimeError)
    │                                         a notebook failed while papermill ran it
    └── RenderError(PssError, RuntimeError)   the report could not be rendered

    PssWarning(UserWarning)                   something the report must say, but the
    └── ShortSeriesWarning                    run can go on (e.g. < 8 points on a side)

Context travels as keyword-only attributes (``file``, ``key``, ``row``,
``column``, ``expected``, ``found``) so that callers can build their own
messages; ``str(error)`` is already one plain-English line naming them.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "PssError",
    "ParameterError",
    "DataValidationError",
    "InsufficientDataError",
    "ExecutionError",
    "RenderError",
    "PssWarning",
    "ShortSeriesWarning",
]


class PssError(Exception):
    """Root of all errors raised by pss-analysis on purpose.

    ``message`` says what is wrong; the keyword-only context names where
    (``file``, ``key``, ``row``, ``column``) and what was ``expected`` and
    ``found``. ``str()`` joins them into one line.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        key: str | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: Any = None,
        found: Any = None,
    ) -> None:
        self.message = message
        self.file = file
        self.key = key
        self.row = row
        self.column = column
        self.expected = expected
        self.found = found
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        if self.key:
            where.append(f"key '{self.key}'")
        text = (", ".join(where) + ": " if where else "") + self.message
        if self.expected is not None:
            text += f"; expected {self.expected}"
        if self.found is not None:
            text += f", found {self.found!r}" if self.expected is not None else f"; found {self.found!r}"
        return text


class ParameterError(PssError, ValueError):
    """A parameter (file key, ``--set`` override or function argument) is invalid."""


class DataValidationError(PssError, ValueError):
    """Input data are malformed, inconsistent or unusable for the analysis."""


class InsufficientDataError(DataValidationError):
    """Too few data points for the analysis asked for."""


class ExecutionError(PssError, RuntimeError):
    """A report notebook failed while it was executed.

    Extra attributes: ``stage`` (the pipeline stage), ``notebook`` (path of the
    executed notebook with the error), ``cell`` (the failing cell's execution
    count or index) and ``source`` (the failing cell's code).
    """

    def __init__(
        self,
        message: str,
        *,
        stage: str | None = None,
        notebook: str | None = None,
        cell: int | None = None,
        source: str | None = None,
        **context: Any,
    ) -> None:
        self.stage = stage
        self.notebook = notebook
        self.cell = cell
        self.source = source
        super().__init__(message, **context)


class RenderError(PssError, RuntimeError):
    """The executed notebooks could not be rendered into a report."""


class PssWarning(UserWarning):
    """A condition the report must state, although the analysis can proceed."""


class ShortSeriesWarning(PssWarning):
    """Fewer points than recommended on one side of an interruption or phase."""
