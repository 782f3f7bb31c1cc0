"""What an SPC evaluation returns: :class:`SpcResult` (one series) and :class:`SpcManyResult` (many)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.errors import ParameterError

__all__ = ["SpcResult", "SpcManyResult", "POINT_TYPES", "VARIATION_TYPES", "ASSURANCE_TYPES"]

POINT_TYPES = (
    "common_cause",
    "special_cause_improvement",
    "special_cause_concern",
    "special_cause_neither",
)
"""Values of ``points.point_type`` (MDC colours grey, blue, orange, purple)."""

VARIATION_TYPES = POINT_TYPES + ("none",)
"""Values of ``summary().variation_type``; "none" when the phase has too few points for limits."""

ASSURANCE_TYPES = ("pass", "fail", "hit_or_miss", "none")
"""Values of ``summary().assurance_type``."""


@dataclass(frozen=True)
class SpcResult:
    """The evaluation of one series.

    Its names are the result vocabulary of :mod:`pss_analysis.methods`:
    ``specification`` (the options used), ``messages`` (plain-English notes)
    and ``summary()`` (one row per phase) mean the same on
    :class:`~pss_analysis.methods.its.ItsResult`, so a report reads either
    result the same way; ``points`` is the per-point table.

    Attributes
    ----------
    points:
        One row per point: ``x, y, n, value, phase, centre_line, lcl, ucl,
        lower_2sigma, upper_2sigma`` (plus ``lower_1sigma, upper_1sigma`` for
        the Western Electric and Nelson rules), ``excluded``,
        ``used_for_limits``, one boolean column per rule, ``special_cause``
        and ``point_type`` (one of :data:`POINT_TYPES`).
    phases:
        The per-phase summary returned by :meth:`summary`.
    specification:
        The analysis options used, after defaults were resolved.
    messages:
        Plain-English notes (missing values skipped, too few points, ...).
    """

    points: pd.DataFrame
    phases: pd.DataFrame
    specification: Mapping[str, Any]
    messages: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:
        """One row per phase.

        Columns: ``phase, x_start, x_end, n_points, n_excluded,
        n_used_for_limits, n_useful, centre_line, lcl, ucl, lower_2sigma,
        upper_2sigma`` (limits are the phase's mean when they vary by point),
        ``limits_shown, longest_run, longest_run_limit, crossings,
        crossings_limit, runs_signal`` (Anhoej runs analysis),
        ``n_outside_limits, n_special_cause``, ``variation_type`` and
        ``variation_direction`` (from the last point of the phase, MDC icon
        semantics), ``target`` and ``assurance_type`` (pass / fail /
        hit_or_miss / none, against the limits at the phase's last point).
        """
        return self.phases.copy()


@dataclass(frozen=True)
class SpcManyResult:
    """The evaluation of many series at once (see :func:`~pss_analysis.methods.spc.evaluate_spc_many`).

    ``points`` and ``phases`` are as in :class:`SpcResult` with the ``by``
    columns first; ``messages`` prefixes every note with its series key.
    """

    by: tuple[str, ...]
    points: pd.DataFrame
    phases: pd.DataFrame
    specification: Mapping[str, Any]
    messages: tuple[str, ...] = ()
    series_messages: Mapping[Hashable, tuple[str, ...]] = field(default_factory=dict)

    def summary(self) -> pd.DataFrame:
        """One row per series and phase (``by`` columns first)."""
        return self.phases.copy()

    def keys(self) -> list[Hashable]:
        """The series keys (scalars for one ``by`` column, tuples for several)."""
        keys = self.phases[list(self.by)].drop_duplicates()
        if len(self.by) == 1:
            return keys[self.by[0]].tolist()
        return list(keys.itertuples(index=False, name=None))

    def series(self, key: Hashable) -> SpcResult:
        """The :class:`SpcResult` of one series."""
        values = key if isinstance(key, tuple) and len(self.by) > 1 else (key,)
        if len(values) != len(self.by):
            raise ParameterError(
                "series key has the wrong number of parts", key="key", expected=len(self.by), found=key
            )

        def select(frame: pd.DataFrame) -> pd.DataFrame:
            mask = np.ones(len(frame), dtype=bool)
            for col, val in zip(self.by, values, strict=True):
                mask &= (frame[col] == val).to_numpy()
            return frame.loc[mask].drop(columns=list(self.by)).reset_index(drop=True)

        phases = select(self.phases)
        if phases.empty:
            raise ParameterError("no series with this key", key="key", expected="one of keys()", found=key)
        lookup = key if len(self.by) > 1 else values[0]
        return SpcResult(
            select(self.points), phases, dict(self.specification), tuple(self.series_messages.get(lookup, ()))
        )

    def __len__(self) -> int:
        return len(self.keys())
