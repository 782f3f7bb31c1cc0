"""The summary across the units of a batch (``pss batch``): its sections, read from the batch folder.

``pss batch`` writes the units' evidence into the batch folder's ``tables/`` (``units.csv``: each
unit's status; ``units_evidence.csv``, ``units_series.csv``, ``units_latest_year.csv``,
``units_value.csv``: one row per unit and measure, or per unit) before the summary notebook runs;
:func:`read_units` reads them and the sections below show them:

- :func:`units_overview`: how many units, and the verdicts counted by measure;
- :func:`units_verdict_section`: measures by units, the verdict with the Making Data Count icons;
- :func:`units_small_multiples`: each measure across units, a panel per unit;
- :func:`units_funnel_section`: each rate and proportion by unit for the latest year in a funnel
  plot with 95% and 99.8% limits (Spiegelhalter 2005);
- :func:`units_value_section`: value for money per unit and in total;
- :func:`units_failed_section`: the units that failed, and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pss_analysis.evaluation.units import WHOLE_SYSTEM
from pss_analysis.evaluation.verdicts import VERDICTS
from pss_analysis.methods.funnel import funnel_limits, funnel_points
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.figures.units import MAX_FACETS, funnel_figure, small_multiples_figure, units_icon_grid
from pss_analysis.reporting.formatting import money_change, money_range
from pss_analysis.reporting.narrative import ASSURANCE_LABELS, VARIATION_LABELS

__all__ = [
    "UnitsData",
    "read_units",
    "units_overview",
    "units_verdict_section",
    "units_small_multiples",
    "units_funnel_section",
    "units_value_section",
    "units_failed_section",
    "MAX_GRID_UNITS",
    "MAX_VALUE_UNITS",
]

#: Units shown side by side in the measures-by-units table and icon grid; with more, verdicts are counted.
MAX_GRID_UNITS = 12
#: Units whose value for money the report lists; with more, it lists the half that saved most and the
#: half that saved least (the table of every unit is written all the same).
MAX_VALUE_UNITS = 20


@dataclass(frozen=True)
class UnitsData:
    """The batch's tables: every unit's status, and the rows of the units evaluated."""

    units: pd.DataFrame
    evidence: pd.DataFrame
    series: pd.DataFrame
    latest_year: pd.DataFrame
    value: pd.DataFrame
    #: The batch made no report per unit (``pss batch --summary-only``) and ran no robustness checks.
    summary_only: bool = False

    @property
    def evaluated(self) -> list[str]:
        """The units evaluated, in the batch's order."""
        return list(self.units.loc[self.units["status"] == "ok", "unit"])

    @property
    def measures(self) -> list[tuple[str, str]]:
        """(measure id, name) of every measure, in the order of the first unit's evidence."""
        first = self.evidence.drop_duplicates("measure_id")
        return list(zip(first["measure_id"], first["name"], strict=True))


def read_units(folder: str | Path) -> UnitsData:
    """The batch's tables from ``folder/tables/`` (written by ``pss batch`` before the summary runs)."""
    tables = Path(folder) / "tables"

    def read(name: str) -> pd.DataFrame:
        path = tables / f"{name}.csv"
        if not path.is_file() or path.stat().st_size == 0:
            return pd.DataFrame(columns=["unit"])
        return pd.read_csv(path, dtype={"unit": str, "unit_folder": str, "period": str}, keep_default_na=True)

    units = read("units").fillna({"reason": "", "report": ""})
    manifest = Path(folder) / "manifest.json"
    batch = json.loads(manifest.read_text(encoding="utf-8")).get("batch", {}) if manifest.is_file() else {}
    return UnitsData(
        units,
        read("units_evidence"),
        read("units_series"),
        read("units_latest_year"),
        read("units_value"),
        summary_only=bool(batch.get("summary_only", False)),
    )


def units_overview(rep: Report, data: UnitsData) -> None:
    """How many units were evaluated, and each measure's verdicts counted across the units."""
    total, evaluated = len(data.units), len(data.evaluated)
    failed = total - evaluated
    text = f"This batch evaluated {evaluated} of {total} units" + (
        f"; {failed} could not be evaluated (see the last section)." if failed else "."
    )
    if data.summary_only:
        text += (
            " This is a summary only: no report was made for each unit, and the verdicts were reached"
            " without the robustness checks a full report makes (pretend starts, other models)."
        )
    rep.markdown(text)
    if data.evidence.empty:
        return
    places = data.evidence[data.evidence["unit"] != WHOLE_SYSTEM]
    counts = pd.crosstab(places["name"], places["verdict"]).reindex(columns=[v for v in VERDICTS], fill_value=0)
    counts = counts.loc[:, counts.sum() > 0].reindex([n for _, n in data.measures]).reset_index()
    rep.table(
        counts.rename(columns={"name": "measure"}),
        "units_verdict_counts",
        caption="How many units have each verdict, by measure (the whole system not counted)",
    )


def _cell_words(row: pd.Series) -> str:
    parts = [str(row["verdict"])]
    variation = VARIATION_LABELS.get(row.get("variation_type"))
    if variation:
        parts.append(variation)
    assurance = ASSURANCE_LABELS.get(row.get("assurance_type"))
    if assurance:
        parts.append(f"target: {assurance}")
    return "; ".join(parts)


def units_verdict_section(rep: Report, data: UnitsData) -> None:
    """Measures by units: the verdict, and what the control chart shows (the MDC icons, in a grid)."""
    units = data.evaluated
    if data.evidence.empty:
        return
    if len(units) > MAX_GRID_UNITS:
        rep.markdown(
            f"With {len(units)} units the table of every measure by unit is in the tidy table "
            "`tables/units_evidence.csv` (one row per unit and measure); the counts above summarise it."
        )
        return
    cells = data.evidence.assign(cell=data.evidence.apply(_cell_words, axis=1))
    wide = cells.pivot(index="name", columns="unit", values="cell").reindex(
        index=[n for _, n in data.measures], columns=units
    )
    rep.table(
        wide.reset_index().rename(columns={"name": "measure"}),
        "units_verdicts",
        caption="Verdict by measure and unit, with what the control chart shows since the start",
    )
    rep.figure(
        units_icon_grid(data.evidence, units, data.measures),
        "units_verdict_grid",
        caption="Verdicts by measure and unit, with the Making Data Count variation and assurance icons",
        alt=f"A grid of {len(data.measures)} measures by {len(units)} units; each cell is coloured by the verdict "
        "and shows the variation icon and the assurance icon of the measure's control chart in that unit.",
    )


def units_small_multiples(rep: Report, data: UnitsData) -> None:
    """Each measure across units: a panel per unit (up to MAX_FACETS units)."""
    units = data.evaluated
    if data.series.empty:
        return
    if len(units) > MAX_FACETS:
        rep.markdown(f"Small multiples are drawn for up to {MAX_FACETS} units; this batch has {len(units)}.")
        return
    meta = data.evidence.drop_duplicates("measure_id").set_index("measure_id")
    marker = rep.params.report.suppression.marker  # a month whose count is small: not shown
    for measure_id, name in data.measures:
        series = data.series[data.series["measure_id"] == measure_id]
        rep.figure(
            small_multiples_figure(
                series[["unit", "period"]].assign(
                    value=pd.to_numeric(series["value"], errors="coerce"),
                    hidden=series["value"].astype(str).eq(marker),
                ),
                title=str(name),
                start=rep.params.programme.start,
                ylabel=str(meta.at[measure_id, "measure_unit"]),
            ),
            f"units_series_{measure_id}",
            caption=f"{name}, month by month in each unit; the dotted line marks the programme start",
            alt=f"{len(units)} small line charts of {name}, one per unit, on the same scale.",
        )


def units_funnel_section(rep: Report, data: UnitsData) -> None:
    """A funnel plot per rate and proportion: each unit's latest year against the pooled value of all units."""
    latest = data.latest_year[data.latest_year["unit"] != WHOLE_SYSTEM]
    if latest.empty or latest["unit"].nunique() < 3:
        rep.markdown("A funnel plot needs at least three units with rates or proportions.")
        return
    names = dict(data.measures)
    outside_rows = []
    # a unit whose year's count is small has it hidden (the marker): its rate would give it back, so it is
    # not plotted
    latest = latest.assign(**{c: pd.to_numeric(latest[c], errors="coerce") for c in ("numerator", "denominator")})
    left_out: dict[str, int] = {}
    for measure_id, rows in latest.groupby("measure_id", sort=False):
        small = rows[["numerator", "denominator"]].isna().any(axis=1)
        left_out[measure_id] = int(small.sum())
        rows = rows[~small & (rows["denominator"] > 0)]
        if rows.empty or rows["numerator"].sum() <= 0 or len(rows[["numerator", "denominator"]].drop_duplicates()) < 2:
            continue  # no events, or every unit the same data (a grid of parameters): nothing to compare
        kind, multiplier = str(rows["kind"].iloc[0]), float(rows["multiplier"].iloc[0])
        points = funnel_points(rows[["unit", "numerator", "denominator"]], kind=kind)  # type: ignore[arg-type]
        grid = np.geomspace(points["denominator"].min() * 0.7, points["denominator"].max() * 1.3, 120)
        limits = funnel_limits(float(points["target"].iloc[0]), grid, kind=kind)  # type: ignore[arg-type]
        per = "per cent" if kind == "proportion" and multiplier == 100 else f"per {multiplier:,.0f}"
        hidden = left_out[measure_id]
        rep.figure(
            funnel_figure(points, limits, title=names.get(measure_id, measure_id), ylabel=per, multiplier=multiplier),
            f"units_funnel_{measure_id}",
            caption=f"{names.get(measure_id, measure_id)}: each unit's latest year against all units, "
            "with 95% and 99.8% limits"
            + (f" ({hidden} {'unit' if hidden == 1 else 'units'} with a small number not shown)" if hidden else ""),
            alt=f"A funnel plot of {len(points)} units; points outside the funnel differ from all units by more "
            "than chance would explain.",
        )
        for row in points[points["position"] != "within"].itertuples():
            outside_rows.append(
                {
                    "measure": names.get(measure_id, measure_id),
                    "unit": row.unit,
                    "value": row.value * multiplier,
                    "all units": row.target * multiplier,
                    "position": f"{row.position} limit",
                }
            )
    if outside_rows:
        rep.table(pd.DataFrame(outside_rows), "units_funnel_outside", caption="Units outside the funnel's 95% limits")
    else:
        rep.markdown("Every unit is within the 95% limits of every funnel plot.")


def units_value_section(rep: Report, data: UnitsData) -> None:
    """Value for money per unit (money saved, negative = saved in the tables) and the sum over the units;
    with more than :data:`MAX_VALUE_UNITS` units, the report shows the units that saved most and least
    (every unit's row is in ``tables/units_value_for_money.csv``)."""
    value = data.value.dropna(subset=["money"]) if "money" in data.value else pd.DataFrame()
    if value.empty:
        rep.markdown("No measure has a cost per unit, so there is no value-for-money figure.")
        return
    places = value[value["unit"] != WHOLE_SYSTEM]
    rows = [_value_row(r.unit, r.money, r.money_lower, r.money_upper) for r in value.itertuples()]
    if len(places) > 1:
        total = places[["money", "money_lower", "money_upper"]].sum()
        rows.append(_value_row("Sum of the units", total["money"], total["money_lower"], total["money_upper"]))
    table = pd.DataFrame(rows)
    caption = "Value for money by unit, and summed over the units"
    hidden = ("money", "money_lower", "money_upper")
    if len(places) <= MAX_VALUE_UNITS:
        rep.table(table, "units_value_for_money", caption=caption, hide=hidden)
    else:
        rep.save_table(table, "units_value_for_money", description=caption)
        n = MAX_VALUE_UNITS // 2
        ranked = places.sort_values("money", kind="stable")  # most saved first (negative = saved)
        shown = [*ranked["unit"].head(n), *ranked["unit"].tail(n), WHOLE_SYSTEM, "Sum of the units"]
        rep.table(
            table.set_index("unit").reindex([u for u in shown if u in set(table["unit"])]).reset_index(),
            "units_value_for_money_shown",
            caption=f"Value for money: the {n} units with the most money saved, the {n} with the least, and in total",
            hide=hidden,
        )
        rep.markdown(
            f"With {len(places)} units, the table shows the {n} units with the most money saved and the {n} "
            "with the least (or the most extra cost), ranked from the most saved down; every unit's figure is in "
            "the tidy table `tables/units_value_for_money.csv`."
        )
    rep.markdown(
        "The sum of the units adds up each unit's estimate and the ends of its interval, so its range is wider "
        "than a joint interval would be; the whole system's own estimate is in its row."
    )


def _value_row(unit: str, money: float, lower: float, upper: float) -> dict[str, object]:
    return {
        "unit": unit,
        "money": money,
        "money_lower": lower,
        "money_upper": upper,
        "value for money": money_change(money),
        "interval": money_range(lower, upper),
    }


def units_failed_section(rep: Report, data: UnitsData) -> None:
    """The units that could not be evaluated, and why."""
    failed = data.units[data.units["status"] != "ok"]
    if failed.empty:
        rep.markdown("Every unit was evaluated.")
        return
    rep.table(
        failed[["unit", "reason"]],
        "units_failed",
        caption="Units that could not be evaluated, and why",
    )
