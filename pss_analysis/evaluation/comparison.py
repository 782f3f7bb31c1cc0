"""Comparison areas (``analysis.comparison``): the indicator table's rows split into the programme
area's, analysed as before, and the comparison areas', the control series of each measure's
interrupted time series (Linden 2015: one treated area stacked with many comparison areas).

The indicator table then has a unit column naming the area of each row. Rows of areas that are
neither the programme's nor among the comparison areas named in ``analysis.comparison.areas`` are
left out. Measures computed from record-level data (a scorecard's ``indicator:`` definitions) have
no areas and are analysed alone.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from pss_analysis.config.params import Comparison
from pss_analysis.errors import DataValidationError, ParameterError

__all__ = ["ComparisonData", "split_comparison", "comparison_series"]


@dataclass(frozen=True)
class ComparisonData:
    """The comparison areas of a run and their indicator rows."""

    #: The indicator table's column naming the area of each row.
    unit: str
    #: The programme's area.
    treated: str
    #: The comparison areas, in the order of the parameters (by default every other area, A to Z).
    areas: tuple[str, ...]
    #: Their rows: ``measure_id, period, <unit>, numerator, denominator, value``.
    rows: pd.DataFrame


def _unknown_area(name: str, present: Sequence[str], key: str, file: str) -> ParameterError:
    close = difflib.get_close_matches(name, list(present), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    shown = ", ".join(present[:12]) + (", ..." if len(present) > 12 else "")
    return ParameterError(f"no such area in the indicator table ({file}){hint}", key=key, expected=shown, found=name)


def _treated_area(comparison: Comparison, areas: list[str], present: list[str], file: str) -> str:
    """The programme's area: as named, else the one area of the table not among ``areas``."""
    if comparison.treated is not None:
        if comparison.treated not in present:
            raise _unknown_area(comparison.treated, present, "analysis.comparison.treated", file)
        return comparison.treated
    others = [a for a in present if a not in areas]
    if len(others) != 1:
        raise ParameterError(
            "name the programme's own area: the indicator table has "
            + ("no area besides the comparison areas" if not others else f"{len(others)} areas not among them"),
            key="analysis.comparison.treated",
            expected="one of " + ", ".join(present[:12]),
            found=", ".join(others[:12]) or "none",
        )
    return others[0]


def split_comparison(
    indicators: pd.DataFrame, comparison: Comparison, *, file: str
) -> tuple[pd.DataFrame, ComparisonData]:
    """(the programme area's rows without the unit column, the comparison areas and their rows).

    Raises :class:`~pss_analysis.errors.DataValidationError` for a row with no area, and
    :class:`~pss_analysis.errors.ParameterError` naming ``analysis.comparison.treated`` or
    ``.areas`` for an area not in the table, a programme area among the comparison areas, or no
    comparison area at all.
    """
    unit = comparison.unit
    values = indicators[unit]
    blank = values.isna() | values.astype(str).str.strip().eq("")
    if blank.any():
        raise DataValidationError(
            f"{int(blank.sum())} row(s) with no area in the unit column",
            file=file,
            column=unit,
            expected="the area of every row (analysis.comparison.unit)",
            found="blank",
        )
    names = values.astype(str).str.strip()
    present = list(dict.fromkeys(names))
    for i, area in enumerate(comparison.areas):
        if area not in present:
            raise _unknown_area(area, present, f"analysis.comparison.areas[{i}]", file)
    treated = _treated_area(comparison, list(comparison.areas), present, file)
    areas = list(comparison.areas) or sorted(a for a in present if a != treated)
    if treated in areas:
        raise ParameterError(
            "the programme's area cannot also be a comparison area",
            key="analysis.comparison.areas",
            expected=f"areas other than {treated}",
            found=treated,
        )
    if not areas:
        raise ParameterError(
            f"no comparison area: the indicator table has only {treated}",
            key="analysis.comparison.areas",
            expected="at least one other area in the unit column",
            found=", ".join(present),
        )
    own = indicators[names.eq(treated).to_numpy()].drop(columns=unit).reset_index(drop=True)
    keep = names.isin(areas).to_numpy()
    rows = indicators[keep].assign(**{unit: names[keep].to_numpy()}).reset_index(drop=True)
    return own, ComparisonData(unit, treated, tuple(areas), rows)


def comparison_series(data: ComparisonData | None, measure_id: str, periods: pd.Series) -> pd.DataFrame | None:
    """The comparison areas' rows of one measure over the months of the programme area's series
    (``periods``), or None when the comparison areas have no data for it."""
    if data is None:
        return None
    rows = data.rows[data.rows["measure_id"] == measure_id]
    rows = rows[(rows["period"] >= periods.min()) & (rows["period"] <= periods.max())]
    return None if rows.empty else rows.reset_index(drop=True)
