"""The two dashboards: the overview (before and since the start) and within-year monitoring."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from pss_analysis.evaluation.dashboards import MONITORING_MONTHS, overview_table, within_year_results, within_year_table
from pss_analysis.evaluation.measures import spc_tables
from pss_analysis.evaluation.study import Study
from pss_analysis.methods.spc import SpcResult
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.figures.dashboards import (
    overview_figures,
    overview_parts,
    within_year_figure,
    within_year_parts,
)
from pss_analysis.reporting.figures.interactive import POINT_WORDS
from pss_analysis.reporting.formatting import plain_words
from pss_analysis.reporting.narrative import ASSURANCE_LABELS, VARIATION_LABELS
from pss_analysis.reporting.sections.counts import (
    hidden_months,
    month_counts,
    overview_protected,
    phase_totals,
    protected,
    published_spc,
    with_phase_totals,
)
from pss_analysis.reporting.suppression import suppress_table

__all__ = ["overview_section", "within_year_section", "overview_alt", "within_year_alt"]


def _count_words(values: pd.Series, words: Mapping[str, str] | None = None) -> str:
    """'5 improved, 2 deteriorated and 1 no evidence of change' from a column of codes."""
    parts = [f"{n} {plain_words(k, words)}" for k, n in values.value_counts(sort=False).items()]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1] if parts else "none"


def _part(i: int, n: int) -> str:
    return f" (part {i} of {n})" if n > 1 else ""


def overview_alt(part: pd.DataFrame) -> str:
    """The short text alternative of one overview figure: what it shows and what it says."""
    perspectives = ", ".join(dict.fromkeys(part["perspective_name"].astype(str)))
    return (
        f"Dashboard of {len(part)} measures ({perspectives}): for each, its mean before and since the programme "
        f"in its units, the change, the effect against expected with its interval, the SPC variation and "
        f"assurance icons and the verdict. Verdicts: {_count_words(part['verdict'])}. "
        "The same figures are in the overview table below."
    )


def _as_published(rep: Report, table: pd.DataFrame, study: Study) -> pd.DataFrame:
    """The overview as the published table shows it: the means (and changes) that small-number
    suppression hides in the table are hidden in the figure too."""
    options = rep.params.report.suppression
    if not options.enabled:
        return table
    protect = overview_protected(table, study.indicators, study.measures, rep.params.programme.start)
    result = suppress_table(
        protect["frame"],
        count_columns=protect["counts"],
        derived=protect["derived"],
        threshold=options.threshold,
        marker=options.marker,
    )
    return result.table.drop(columns=protect["helpers"])


def overview_section(rep: Report, study: Study) -> None:
    """The overview dashboard: before and since the programme started, one figure per
    :data:`~pss_analysis.reporting.figures.dashboards.MAX_PER_FIGURE` measures."""
    table = overview_table(study.evidence, study.summary, study.perspectives, study.measures)
    shown = _as_published(rep, table, study)
    figures = overview_figures(shown, alpha=rep.params.analysis.alpha)
    parts = overview_parts(shown)
    for i, (fig, part) in enumerate(zip(figures, parts, strict=True), start=1):
        rep.figure(
            fig,
            "dashboard_overview" if i == 1 else f"dashboard_overview_{i}",
            caption=f"Overview dashboard{_part(i, len(parts))}: each measure before and since the programme started",
            alt=overview_alt(part),
            data=_overview_data(part),
        )
    table = table.drop(columns=["kind", "multiplier"])
    rep.table(
        name="dashboard_overview",
        **overview_protected(
            table.drop(columns=["perspective", "variation_direction"]),
            study.indicators,
            study.measures,
            rep.params.programme.start,
        ),
        caption="Overview dashboard (table)",
        columns={
            "perspective_name": "perspective",
            "name": "measure",
            "mean_before": "mean before",
            "mean_after": "mean since",
            "relative_change": "relative change",
            "cumulative_relative": "effect against expected",
            "cumulative_relative_lower": "lower",
            "cumulative_relative_upper": "upper",
            "variation_type": "variation",
            "assurance_type": "assurance",
        },
        formats={
            "variation_type": lambda v: plain_words(v, VARIATION_LABELS),
            "assurance_type": lambda v: plain_words(v, ASSURANCE_LABELS),
            "relative_change": "+.0%",
            "cumulative_relative": "+.0%",
            "cumulative_relative_lower": "+.0%",
            "cumulative_relative_upper": "+.0%",
        },
    )


_OVERVIEW_DATA = {
    "name": "measure",
    "mean_before": "mean before",
    "mean_after": "mean since",
    "relative_change": "relative change",
    "cumulative_relative": "effect against expected",
    "variation_type": "variation",
    "assurance_type": "assurance",
}


def _overview_data(part: pd.DataFrame) -> pd.DataFrame:
    """The data behind one overview figure (already as published: small numbers hidden), in words."""
    frame = part[[c for c in _OVERVIEW_DATA if c in part.columns]].rename(columns=_OVERVIEW_DATA)
    for column, labels in (("variation", VARIATION_LABELS), ("assurance", ASSURANCE_LABELS)):
        if column in frame:
            frame[column] = frame[column].map(lambda v, words=labels: plain_words(v, words))
    return frame


_WITHIN_YEAR_DATA = {
    "name": "measure",
    "period": "month",
    "value": "value",
    "target": "target",
    "point_type": "point",
    "centre_line": "centre line",
    "lcl": "lower limit",
    "ucl": "upper limit",
}


def _within_year_data(protect: Mapping[str, Any], ids: list[str]) -> dict[str, Any]:
    """The data behind one within-year figure (its measures' months), with the small counts hidden as the
    within-year table hides them (:meth:`Report.figure` applies the suppression)."""
    frame = protect["frame"]
    rows = frame[frame["measure_id"].isin(ids)].copy()
    rows["point_type"] = rows["point_type"].map(lambda t: POINT_WORDS.get(str(t), str(t)))
    helpers = [c for c in protect["helpers"] if c in rows.columns]
    rows = rows[[*_WITHIN_YEAR_DATA, *helpers]].rename(columns=_WITHIN_YEAR_DATA)
    derived = {_WITHIN_YEAR_DATA.get(c, c): v for c, v in (protect.get("derived") or {}).items()}
    return {**protect, "frame": rows, "derived": {c: v for c, v in derived.items() if c in rows.columns}}


def _published_results(
    results: Mapping[str, SpcResult], protect: Mapping[str, Any], hide: pd.DataFrame
) -> dict[str, SpcResult]:
    """The within-year charts' results without the values, limits and centre lines that the within-year
    table (``protect``, its hidden cells ``hide``) does not show."""
    frame = protect["frame"]
    out = {}
    for mid, res in results.items():
        rows = (frame["measure_id"] == mid).to_numpy()
        months, mask = frame["period"][rows], hide[rows]
        out[mid] = published_spc(
            res,
            value=hidden_months(mask, months, "value"),
            limits=hidden_months(mask, months, "lcl"),
            centre=hidden_months(mask, months, "centre_line"),
        )
    return out


def within_year_alt(results: Mapping[str, SpcResult], names: Mapping[str, str]) -> str:
    """The short text alternative of one within-year figure: what it shows and what its icons say."""
    latest = pd.DataFrame([res.summary().iloc[-1] for res in results.values()]) if results else pd.DataFrame()
    special = [
        names.get(k, k) for k, res in results.items() if res.summary()["variation_type"].iloc[-1] != "common_cause"
    ]
    said = f"special cause variation in {'; '.join(special)}" if special else "common cause variation in every measure"
    assurance = ""
    kinds = latest["assurance_type"][latest["assurance_type"].isin(ASSURANCE_LABELS)] if len(latest) else []
    if len(kinds):
        assurance = f" Measures with a target: {_count_words(pd.Series(kinds), ASSURANCE_LABELS)}."
    return (
        f"Small control charts of the latest {MONITORING_MONTHS} months of {len(results)} measures, each with "
        f"centre line, process limits, target and the variation and assurance icons: {said}.{assurance} "
        "The values are in the within-year table."
    )


def within_year_section(rep: Report, study: Study) -> None:
    """The within-year monitoring dashboard: the latest months against target, with SPC icons."""
    table = within_year_table(study.measures, study.evaluations)
    counts = month_counts(study.indicators, study.measures)
    protect = protected(table, counts, "period", ("value",))
    points = spc_tables(study.evaluations)[0]
    if not table.empty and not points.empty:  # the centre line of a phase gives its total back
        protect = with_phase_totals(protect, phase_totals(points, counts), points)
    rep.save_table(name="dashboard_within_year", description="Latest months of every measure against target", **protect)
    names = dict(zip(study.measures["measure_id"], study.measures["name"], strict=True))
    results = _published_results(within_year_results(study.evaluations), protect, rep.hidden_cells(**protect))
    parts = within_year_parts(results)
    for i, part in enumerate(parts or [{}], start=1):
        rep.figure(
            within_year_figure(part, names),
            "dashboard_within_year" if i == 1 else f"dashboard_within_year_{i}",
            caption=f"Within-year monitoring{_part(i, len(parts))}: the latest {MONITORING_MONTHS} months of "
            "each measure",
            alt=within_year_alt(part, names),
            data=_within_year_data(protect, list(part)),
        )
    if table.empty:
        return
    met = (
        table.dropna(subset=["target"])
        .groupby("measure_id", sort=False)
        .agg(
            name=("name", "first"),
            months=("period", "size"),
            target=("target", "first"),
            months_meeting_target=("target_met", "sum"),
            latest=("value", "last"),
            latest_month=("period", "last"),
        )
        .reset_index()
    )
    protect = protected(met, counts, "latest_month", ("latest",))
    rep.table(
        protect.pop("frame").drop(columns="latest_month"),
        "dashboard_within_year_targets",
        caption=f"Months meeting the target in the latest {MONITORING_MONTHS} months",
        columns={"name": "measure", "months_meeting_target": "months meeting target", "latest": "latest value"},
        **protect,
    )
