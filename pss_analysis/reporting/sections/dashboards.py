"""The two dashboards: the overview (before and since the start) and within-year monitoring."""

from __future__ import annotations

from pss_analysis.evaluation.dashboards import MONITORING_MONTHS, overview_table, within_year_results, within_year_table
from pss_analysis.evaluation.measures import spc_tables
from pss_analysis.evaluation.study import Study
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.figures.dashboards import overview_figure, within_year_figure
from pss_analysis.reporting.formatting import plain_words
from pss_analysis.reporting.narrative import ASSURANCE_LABELS, VARIATION_LABELS
from pss_analysis.reporting.sections.counts import (
    month_counts,
    overview_protected,
    phase_totals,
    protected,
    with_phase_totals,
)

__all__ = ["overview_section", "within_year_section"]


def overview_section(rep: Report, study: Study) -> None:
    """The overview dashboard: before and since the programme started."""
    table = overview_table(study.evidence, study.summary, study.perspectives)
    rep.figure(
        overview_figure(table, alpha=rep.params.analysis.alpha),
        "dashboard_overview",
        caption="Overview dashboard: each measure before and since the programme started",
        alt="Table of every measure grouped by perspective with its mean before and since the programme, "
        "the change, the effect against expected with its interval, the SPC variation and assurance "
        "icons and the verdict.",
    )
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
    rep.figure(
        within_year_figure(within_year_results(study.evaluations), names),
        "dashboard_within_year",
        caption=f"Within-year monitoring: the latest {MONITORING_MONTHS} months of each measure",
        alt=f"Small control charts of the latest {MONITORING_MONTHS} months of every measure with centre "
        "line, process limits, target and the variation and assurance icons.",
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
