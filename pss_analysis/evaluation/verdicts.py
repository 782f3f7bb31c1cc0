"""Evidence per measure, the verdict rules, and what they add up to along the strategy map.

The verdict of a measure is decided by documented rules (:data:`VERDICT_RULES`,
stated in the report's methods section):

1. **not enough data** — no interrupted time series could be fitted, or fewer than
   :data:`MIN_POINTS_FOR_VERDICT` months before or since the programme start
   (the usual recommendation for segmented regression; below it a change cannot be
   told apart from noise or from a trend with any confidence).
2. **improved** / **deteriorated** — the confidence interval of the overall relative
   change since the start (fitted against expected without the programme, summed over
   every month since the start) excludes no change, and the change is in (improved) or
   against (deteriorated) the measure's improvement direction.
3. **changed** — as 2, for a measure with no preferred direction ("neither").
4. **no evidence of change** — otherwise.

The SPC reading (special cause since the start, variation and assurance types) is
reported beside the verdict as corroboration; it does not change it. Where the two really
disagree, the verdict carries a plain qualifier (:func:`verdict_qualifier`, the column
``verdict_qualifier``): an improvement with a concern icon on the latest months (special cause
in the worse direction, or an assurance fail) is "improved, but the latest months show a
concern"; a deterioration with an improvement icon is "deteriorated, but the latest months show
an improvement".

Robustness (:func:`robustness_qualifier`, :data:`ROBUSTNESS_RULE`): each measure's headline change is
refitted with pretend starts before the programme, under other model specifications and without each
extra interruption (:mod:`pss_analysis.methods.its.robustness`). An alternative *holds* when its
confidence interval gives the same direction of change by the same rule as the verdict (above, below
or including no change). Where the verdict does not hold under every check, the qualifier says so, e.g.
"improved, but not robust: the change holds under 4 of 6 other models".

Contributions along the map: for a link driver -> outcome with expected sign ``+``
(achieving the driver helps the outcome) or ``-`` (it works against it), the
driver's evidence (+1 improved, -1 deteriorated, 0 otherwise) times the sign is its
contribution to the outcome: positive, negative or none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.evaluation.measures import MeasureEvaluation, points_before_and_since
from pss_analysis.methods.its import RECOMMENDED_POINTS_PER_SIDE, ItsResult, Robustness

__all__ = [
    "VERDICTS",
    "IMPROVED",
    "DETERIORATED",
    "CHANGED",
    "NO_EVIDENCE",
    "NOT_ENOUGH_DATA",
    "OBJECTIVE_STATUSES",
    "MIXED",
    "NO_CHANGE",
    "CONTRIBUTIONS",
    "VERDICT_RULES",
    "MIN_POINTS_FOR_VERDICT",
    "MONEY_UNITS",
    "money_scale",
    "verdict",
    "verdict_qualifier",
    "robustness_qualifier",
    "robustness_reasons",
    "ROBUSTNESS_RULE",
    "evidence_table",
    "evidence_columns",
    "evidence_row",
    "ItsReading",
    "its_reading",
    "relative_impact_columns",
    "spc_columns",
    "chart_reading",
    "objective_status",
    "contributions",
    "perspective_summary",
]

#: Fewest months on each side of the start for a verdict (Penfold & Zhang 2013 suggest 8).
MIN_POINTS_FOR_VERDICT = RECOMMENDED_POINTS_PER_SIDE

# The verdicts of a measure (the ``verdict`` column of the evidence table), in words.
IMPROVED = "improved"
DETERIORATED = "deteriorated"
CHANGED = "changed"
NO_EVIDENCE = "no evidence of change"
NOT_ENOUGH_DATA = "not enough data"
#: The possible verdicts, in the order a board reads them.
VERDICTS = (IMPROVED, DETERIORATED, CHANGED, NO_EVIDENCE, NOT_ENOUGH_DATA)

# The statuses of a strategy-map objective (:func:`objective_status`), as identifiers: improved and
# deteriorated as for a verdict, and these three.
MIXED = "mixed"
NO_CHANGE = "no change"
#: The possible statuses of an objective (the strategy map colours each one).
OBJECTIVE_STATUSES = (IMPROVED, DETERIORATED, NO_CHANGE, MIXED, NOT_ENOUGH_DATA)

#: A driver's contribution to an outcome (:func:`contributions`).
CONTRIBUTIONS = ("positive", "negative", "none")

#: The rules, as the methods section states them.
VERDICT_RULES = (
    f"Not enough data: no interrupted time series could be fitted, or fewer than {MIN_POINTS_FOR_VERDICT} "
    "months before or since the programme start.",
    "Improved or deteriorated: the confidence interval of the overall change since the start (what "
    "happened against what the pre-programme trend predicted, over all months since the start) excludes "
    "no change, in the measure's direction of improvement (improved) or against it (deteriorated).",
    "Changed: the same, for a measure with no preferred direction.",
    "No evidence of change: otherwise.",
    "The control chart is reported beside the verdict to corroborate it; it does not change it. Where they "
    "disagree (an improvement with special cause in the worse direction or a failing target on the latest "
    "months, or the reverse), the verdict says so: e.g. improved, but the latest months show a concern.",
    "Where a verdict does not hold under the robustness checks (below), it is marked not robust, with the reason.",
)


#: How robustness is decided, as the methods section states it.
ROBUSTNESS_RULE = (
    "Robustness: each verdict is checked three ways. (1) Pretend starts: the model is refitted on the months "
    "before the programme only, pretending it started in each month with at least "
    f"{RECOMMENDED_POINTS_PER_SIDE} months before it and {RECOMMENDED_POINTS_PER_SIDE} from it to the real start; "
    "the real change, measured against the width of its confidence interval, is ranked among these pretend "
    "changes, and the share of changes at least as large (the real one included) is a permutation p-value. "
    "(2) Other models: the change is refitted under other families, seasonality and autocorrelation. "
    "(3) With changes from the change log as extra interruptions, each is left out in turn. "
    "The verdict holds when every other model and every leave-one-out fit gives the same direction of change "
    "by the same rule as the verdict, and a real change is larger than every pretend change or its "
    "permutation p-value is within the significance level; otherwise it is marked not robust."
)


def robustness_reasons(rob: Robustness | None) -> list[str]:
    """Why a verdict does not hold under its robustness checks, in words (empty when it holds)."""
    if rob is None or rob.holds:
        return []
    reasons = []
    if rob.n_holds < rob.n_specs and rob.headline["direction"] == 0:
        reasons.append(f"{rob.n_specs - rob.n_holds} of {rob.n_specs} other models find a change")
    elif rob.n_holds < rob.n_specs:
        reasons.append(f"the change holds under {rob.n_holds} of {rob.n_specs} other models")
    if rob.placebo_holds is False:
        larger = int(rob.placebo_rank or 1) - 1
        reasons.append(f"{larger} of {rob.n_placebos} pretend starts before the programme gave a change as large")
    if rob.n_left_out_holds < rob.n_left_out:
        reasons.append(f"it holds in {rob.n_left_out_holds} of {rob.n_left_out} fits leaving out one change")
    return reasons


def robustness_qualifier(verdict_: str, rob: Robustness | None) -> str | None:
    """The plain qualifier of a verdict that does not hold under its robustness checks, else None:
    "improved, but not robust: ..." for a change, "no evidence of change, though ..." when other
    models find one."""
    reasons = robustness_reasons(rob)
    if not reasons or verdict_ == NOT_ENOUGH_DATA:
        return None
    if verdict_ == NO_EVIDENCE:
        return f"{NO_EVIDENCE}, though " + "; ".join(reasons)
    return f"{verdict_}, but not robust: " + "; ".join(reasons)


def verdict_qualifier(verdict_: str, variation_type: Any, assurance_type: Any) -> str | None:
    """The plain qualifier of a verdict the control chart's latest months contradict, else None.

    Improved with a concern icon (special cause in the worse direction, or assurance fail):
    "improved, but the latest months show a concern"; deteriorated with an improvement icon
    (special cause in the better direction, or assurance pass): "deteriorated, but the latest
    months show an improvement".
    """
    if verdict_ == IMPROVED and (variation_type == "special_cause_concern" or assurance_type == "fail"):
        return f"{IMPROVED}, but the latest months show a concern"
    if verdict_ == DETERIORATED and (variation_type == "special_cause_improvement" or assurance_type == "pass"):
        return f"{DETERIORATED}, but the latest months show an improvement"
    return None


def verdict(
    cumulative: Mapping[str, Any] | None, *, direction: str, n_before: int, n_after: int, problem: str | None = None
) -> tuple[str, str]:
    """(verdict, reason) for one measure from the cumulative row of its ITS impact table; without one,
    ``problem`` (why no model could be fitted) ends the reason."""
    if cumulative is None:
        return NOT_ENOUGH_DATA, "no interrupted time series could be fitted" + (f": {problem}" if problem else "")
    if min(n_before, n_after) < MIN_POINTS_FOR_VERDICT:
        return NOT_ENOUGH_DATA, (
            f"{n_before} months before and {n_after} since the start; at least "
            f"{MIN_POINTS_FOR_VERDICT} on each side are needed"
        )
    lo, hi = cumulative["relative_effect_lower"], cumulative["relative_effect_upper"]
    if lo <= 0 <= hi:
        return NO_EVIDENCE, "the confidence interval of the overall change includes no change"
    up = lo > 0
    if direction == "neither":
        return CHANGED, f"the measure {'rose' if up else 'fell'}; it has no preferred direction"
    good = up == (direction == "increase")
    return (
        IMPROVED if good else DETERIORATED,
        f"the measure {'rose' if up else 'fell'} and {'higher' if direction == 'increase' else 'lower'} is better",
    )


def evidence_columns(impact_at: int | None) -> list[str]:
    """The columns of :func:`evidence_table`, in order, with the relative impact at month ``impact_at``
    (none when it is None)."""
    h = impact_at
    at_h = [] if h is None else [f"relative_impact_{h}", f"relative_impact_{h}_lower", f"relative_impact_{h}_upper"]
    return [
        "measure_id",
        "name",
        "perspective",
        "unit",
        "kind",
        "improvement_direction",
        "points_before",
        "points_after",
        "missing",
        "level_change",
        "level_change_lower",
        "level_change_upper",
        "slope_change",
        "slope_change_lower",
        "slope_change_upper",
        "effect_scale",
        *at_h,
        "cumulative_relative",
        "cumulative_relative_lower",
        "cumulative_relative_upper",
        "cumulative_impact",
        "cumulative_impact_lower",
        "cumulative_impact_upper",
        "cumulative_impact_units",
        "cumulative_months",
        "money",
        "money_lower",
        "money_upper",
        "money_unit",
        "spc_chart",
        "special_cause_since_start",
        "variation_type",
        "variation_direction",
        "assurance_type",
        "robust",
        "placebo_rank",
        "placebo_count",
        "placebo_p_value",
        "specifications_holding",
        "specifications_fitted",
        "left_out_holding",
        "left_out_fitted",
        "verdict",
        "verdict_qualifier",
        "verdict_reason",
    ]


@dataclass(frozen=True)
class ItsReading:
    """What the evidence table reads from one measure's fitted interrupted time series
    (:func:`its_reading` from an :class:`~pss_analysis.methods.its.ItsResult`; the batch across
    units reads the same from many series fitted together).

    ``effects``: ``level_change``, ``slope_change`` (each with ``_lower`` / ``_upper``) and
    ``effect_scale``; ``at_impact``: the relative impact at month ``impact_at`` when the data reach
    it (``relative_impact_<h>`` and its interval), else empty; ``cumulative``: the cumulative row
    of the impact table.
    """

    points_before: int
    points_after: int
    effects: Mapping[str, Any]
    at_impact: Mapping[str, Any]
    cumulative: Mapping[str, Any]


def its_reading(its: ItsResult, impact_at: int | None) -> ItsReading:
    """The :class:`ItsReading` of a fitted model, with the relative impact at month ``impact_at``."""
    n_before, n_after = points_before_and_since(its)
    impact = its.impact(at=[impact_at] if impact_at is not None and impact_at <= n_after else [])
    return ItsReading(
        n_before,
        n_after,
        _effect_columns(its.effects(), controlled=bool(its.specification.get("controlled"))),
        _impact_at_columns(impact, impact_at),
        impact[impact["cumulative"]].iloc[0].to_dict(),
    )


def _effect_columns(effects: pd.DataFrame, *, controlled: bool = False) -> dict[str, Any]:
    """The level and slope changes of the treated series with their intervals, and the effect scale, from
    one model's effects table; with comparison areas (``controlled``), the changes beyond those in the
    comparison areas (the "difference" group), as the impact's counterfactual keeps the comparison areas'
    changes."""
    row: dict[str, Any] = {}
    group = "difference" if controlled else "treated"
    eff = effects[effects["group"] == group].drop_duplicates("term").set_index("term")
    for term in ("level_change", "slope_change"):
        if term in eff.index:
            row[term] = eff.at[term, "estimate"]
            row[f"{term}_lower"] = eff.at[term, "estimate_lower"]
            row[f"{term}_upper"] = eff.at[term, "estimate_upper"]
    row["effect_scale"] = eff["scale"].iloc[-1]
    return row


def _impact_at_columns(impact: pd.DataFrame, h: int | None) -> dict[str, Any]:
    """The relative impact at month ``h`` from one model's impact table (empty when it has no row for ``h``)."""
    point = impact[impact["horizon"].eq(h).fillna(False).astype(bool)] if h is not None else impact.iloc[:0]
    if point.empty:
        return {}
    return relative_impact_columns(h, point.iloc[0])


def relative_impact_columns(h: int | None, row: Mapping[str, Any]) -> dict[str, Any]:
    """``relative_impact_<h>`` and its interval from a row of an impact table."""
    return {
        f"relative_impact_{h}": row["relative_effect"],
        f"relative_impact_{h}_lower": row["relative_effect_lower"],
        f"relative_impact_{h}_upper": row["relative_effect_upper"],
    }


def _cumulative_columns(cumulative: Mapping[str, Any]) -> dict[str, Any]:
    """The overall change since the start, relative and in the measure's units."""
    return {
        "cumulative_relative": cumulative["relative_effect"],
        "cumulative_relative_lower": cumulative["relative_effect_lower"],
        "cumulative_relative_upper": cumulative["relative_effect_upper"],
        "cumulative_impact": cumulative["absolute_effect"],
        "cumulative_impact_lower": cumulative["absolute_effect_lower"],
        "cumulative_impact_upper": cumulative["absolute_effect_upper"],
        "cumulative_impact_units": cumulative["units"],
        "cumulative_months": cumulative["n_periods"],
    }


#: Units that are money, with what one unit is in pounds (spaces, case and a trailing "s" ignored).
MONEY_UNITS = {
    "£": 1.0,
    "£thousand": 1e3,
    "£000": 1e3,
    "£'000": 1e3,
    "£k": 1e3,
    "£m": 1e6,
    "£mn": 1e6,
    "£million": 1e6,
}


def money_scale(unit: Any) -> float | None:
    """Pounds per unit when ``unit`` is money ('£' 1, '£ thousand' / '£000s' 1,000, '£m' / '£ million'
    1,000,000), else None."""
    if not isinstance(unit, str):
        return None
    key = "".join(unit.split()).lower()
    return MONEY_UNITS.get(key, MONEY_UNITS.get(key.removesuffix("s")))


def _money_columns(measure: Mapping[str, Any], cumulative: Mapping[str, Any]) -> dict[str, Any]:
    """The cumulative impact in pounds: a measure in money (£, £ thousand, £m) scaled to pounds,
    counts times the unit cost (in £); none for other measures."""
    impact = {
        "money": cumulative["absolute_effect"],
        "money_lower": cumulative["absolute_effect_lower"],
        "money_upper": cumulative["absolute_effect_upper"],
    }
    scale = money_scale(measure.get("unit")) if measure["kind"] in ("amount", "count") else None
    cost = measure.get("unit_cost")
    if scale is None and measure["kind"] in ("rate", "count") and cost is not None and not pd.isna(cost):
        scale = float(cost)
    if scale is None:
        return {}
    return {**{k: v * scale for k, v in impact.items()}, "money_unit": "£"}


def spc_columns(points: pd.DataFrame, summary: pd.DataFrame, chart: Any) -> dict[str, Any]:
    """The control chart's reading in its latest phase (since the start when limits were recalculated),
    from one chart's points and phase summary."""
    last_phase = summary["phase"].max()
    special = bool(points.loc[points["phase"] == last_phase, "special_cause"].any()) if len(summary) > 1 else None
    return chart_reading(chart, special, summary.iloc[-1])


def chart_reading(chart: Any, special_cause_since_start: bool | None, latest: Mapping[str, Any]) -> dict[str, Any]:
    """The :func:`spc_columns` of a chart from whether it shows special cause since the start (None with one
    phase) and its latest phase's row of the summary."""
    return {
        "spc_chart": chart,
        "special_cause_since_start": special_cause_since_start,
        "variation_type": latest["variation_type"],
        "variation_direction": latest["variation_direction"],
        "assurance_type": latest["assurance_type"],
    }


def evidence_row(
    measure: Mapping[str, Any],
    its: ItsReading | None,
    spc: Mapping[str, Any],
    *,
    problem: str | None,
    missing: int,
    robustness: Robustness | None = None,
) -> dict[str, Any]:
    """One measure's row of the evidence table from its model's reading (None when no model could be
    fitted, ``problem`` saying why), its control chart's :func:`spc_columns` (empty without a chart),
    its months with no value and its robustness checks."""
    row: dict[str, Any] = {
        k: measure.get(k) for k in ("measure_id", "name", "perspective", "unit", "kind", "improvement_direction")
    }
    cumulative = None
    n_before = n_after = 0
    if its is not None:
        n_before, n_after, cumulative = its.points_before, its.points_after, its.cumulative
        row.update(
            its.effects,
            **its.at_impact,
            **_cumulative_columns(cumulative),
            **_money_columns(measure, cumulative),
        )
    row.update(points_before=n_before, points_after=n_after, missing=missing, **spc)
    row["verdict"], row["verdict_reason"] = verdict(
        cumulative,
        direction=measure["improvement_direction"],
        n_before=n_before,
        n_after=n_after,
        problem=problem,
    )
    rob = robustness if cumulative is not None else None
    row.update(_robustness_columns(rob))
    qualifiers = [
        verdict_qualifier(row["verdict"], row.get("variation_type"), row.get("assurance_type")),
        robustness_qualifier(row["verdict"], rob),
    ]
    given = [q for q in qualifiers if q]
    # the verdict said once: "improved, but the latest months show a concern; not robust: ..."
    rest = [q.split(", ", 1)[1].removeprefix("but ") for q in given[1:]]
    row["verdict_qualifier"] = "; ".join([given[0], *rest]) if given else None
    return row


def _robustness_columns(rob: Robustness | None) -> dict[str, Any]:
    """The robustness checks of a measure in the evidence table (none without them)."""
    if rob is None:
        return {}
    return {
        "robust": rob.holds,
        "placebo_rank": rob.placebo_rank,
        "placebo_count": rob.n_placebos,
        "placebo_p_value": rob.placebo_p_value,
        "specifications_holding": rob.n_holds,
        "specifications_fitted": rob.n_specs,
        "left_out_holding": rob.n_left_out_holds,
        "left_out_fitted": rob.n_left_out,
    }


def evidence_table(
    measures: pd.DataFrame,
    indicators: pd.DataFrame,
    evaluations: Mapping[str, MeasureEvaluation],
    *,
    impact_at: int | None,
) -> pd.DataFrame:
    """One row per measure: ITS result, SPC reading, data quality, verdict and, with a unit cost, money.

    Columns (:func:`evidence_columns`): ``measure_id, name, perspective, unit, kind, improvement_direction,
    points_before, points_after, missing, level_change, level_change_lower, level_change_upper, slope_change,
    slope_change_lower, slope_change_upper, effect_scale, relative_impact_<h>,
    relative_impact_<h>_lower, relative_impact_<h>_upper, cumulative_relative, cumulative_relative_lower,
    cumulative_relative_upper, cumulative_impact, cumulative_impact_lower, cumulative_impact_upper,
    cumulative_impact_units, cumulative_months, money, money_lower, money_upper, money_unit, spc_chart,
    special_cause_since_start, variation_type, variation_direction, assurance_type, robust, placebo_rank,
    placebo_count, placebo_p_value, specifications_holding, specifications_fitted, left_out_holding,
    left_out_fitted, verdict, verdict_qualifier, verdict_reason``,
    where ``<h>`` is ``impact_at`` (months after the start; the first of ``analysis.impact_at`` in a report;
    without it, no ``relative_impact`` columns).
    ``money`` is the cumulative impact in pounds: times the measure's unit cost for counts and rates,
    or for a measure in money (:func:`money_scale`: £, £ thousand, £m) scaled to pounds; negative = saved.
    """
    missing = indicators.assign(_na=indicators["value"].isna()).groupby("measure_id")["_na"].sum()
    rows = []
    for m in measures.to_dict("records"):
        ev = evaluations[m["measure_id"]]
        reading = its_reading(ev.its, impact_at) if ev.its is not None else None
        chart = {} if ev.spc is None else spc_columns(ev.spc.points, ev.spc.summary(), ev.spc_options.get("chart"))
        rows.append(
            evidence_row(
                m,
                reading,
                chart,
                problem=ev.its_problem,
                missing=int(missing.get(m["measure_id"], 0)),
                robustness=ev.robustness,
            )
        )
    return pd.DataFrame(rows).reindex(columns=evidence_columns(impact_at))


#: A driver's evidence as a number: +1 improved, -1 deteriorated, 0 otherwise.
_SCORE = {IMPROVED: 1, DETERIORATED: -1}


def objective_status(verdicts: pd.Series) -> str:
    """Status of a strategy-map objective (one of :data:`OBJECTIVE_STATUSES`) from its measures' verdicts.

    improved / deteriorated when all measures with evidence agree, mixed when they
    disagree, "no change" when none changed, "not enough data" when none has enough data.
    """
    known = verdicts[verdicts != NOT_ENOUGH_DATA]
    if known.empty:
        return NOT_ENOUGH_DATA
    ups, downs = (known == IMPROVED).sum(), (known == DETERIORATED).sum()
    if ups and downs:
        return MIXED
    if ups:
        return IMPROVED
    if downs:
        return DETERIORATED
    return NO_CHANGE


def contributions(links: pd.DataFrame, status: Mapping[str, str]) -> pd.DataFrame:
    """For every link, the driver's contribution to its outcome: positive, negative or none (:data:`CONTRIBUTIONS`).

    ``links`` has ``driver, outcome, expected_sign``; ``status`` maps objective ids to
    :func:`objective_status` values.
    """
    out = links.copy()
    sign = np.where(out["expected_sign"].astype(str).str.strip() == "-", -1, 1)
    driver_score = out["driver"].map(lambda d: _SCORE.get(status.get(d, ""), 0)).to_numpy()
    value = sign * driver_score
    out["driver_status"] = out["driver"].map(lambda d: status.get(d, NOT_ENOUGH_DATA))
    out["outcome_status"] = out["outcome"].map(lambda o: status.get(o, NOT_ENOUGH_DATA))
    positive, negative, none = CONTRIBUTIONS
    out["contribution"] = np.select([value > 0, value < 0], [positive, negative], none)
    return out


def perspective_summary(evidence: pd.DataFrame, perspectives: pd.DataFrame) -> pd.DataFrame:
    """Verdict counts per perspective, with a one-line reading: the known perspectives in their order,
    then any other perspective the measures name (its id, underscores as spaces, for its name), so
    that every measure is counted."""
    counts = (
        evidence.groupby(["perspective", "verdict"], sort=False)
        .size()
        .unstack(fill_value=0)
        .reindex(columns=list(VERDICTS), fill_value=0)
    )
    order = perspectives.sort_values("order") if "order" in perspectives else perspectives
    known = order.to_dict("records")
    ids = {p["perspective_id"] for p in known}
    others = [
        {"perspective_id": pid, "name": str(pid).replace("_", " "), "tier": ""}
        for pid in dict.fromkeys(evidence["perspective"])
        if pid not in ids
    ]
    rows = []
    for p in known + others:
        pid = p["perspective_id"]
        if pid not in counts.index:
            continue
        c = counts.loc[pid]
        parts = [f"{int(c[v])} {v}" for v in VERDICTS if c[v]]
        rows.append(
            {
                "perspective_id": pid,
                "perspective": p["name"],
                "tier": p.get("tier", ""),
                **{v.replace(" ", "_"): int(c[v]) for v in VERDICTS},
                "reading": f"{p['name']}: " + ", ".join(parts) + ".",
            }
        )
    return pd.DataFrame(rows)
