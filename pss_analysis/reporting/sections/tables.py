"""The all-measure tidy tables of the evaluation, published without being shown."""

from __future__ import annotations

from pss_analysis.evaluation.measures import its_tables, spc_tables
from pss_analysis.evaluation.study import Study
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.sections.counts import (
    COUNT_CHARTS,
    impact_protected,
    month_counts,
    phase_totals,
    protected,
    with_phase_totals,
)

__all__ = ["publish_evaluation_tables"]

#: Columns of spc_points worked out from the point's n: n itself (a denominator, a count) and the
#: limits of p and u charts, which vary with n (and would give it back beside the centre line).
_FROM_N = ("n", "lcl", "ucl", "lower_2sigma", "upper_2sigma")


def publish_evaluation_tables(rep: Report, study: Study) -> None:
    """Write the all-measure tidy tables ``its_effects``, ``its_impact``, ``spc_points``, ``spc_summary``.

    Monthly counts in them (observed values, chart points and their denominators) and whole-period
    totals are suppressed when small.
    """
    effects, impact = its_tables(study.evaluations, rep.params.analysis.impact_at)
    points, summary = spc_tables(study.evaluations)
    counts = month_counts(study.indicators, study.measures)
    rep.save_table(effects, "its_effects", description="Segmented-regression estimates of every measure")
    if not impact.empty:
        rep.save_table(
            description="Programme impact of every measure, fitted against expected",
            name="its_impact",
            **impact_protected(impact, counts, study.measures),
        )
    if points.empty:
        rep.save_table(summary, "spc_summary", description="Control-chart summary per measure and phase")
        return
    # y and n are published only where they are counts (charts of counts); else the value says it all
    points.loc[~points["chart"].isin(COUNT_CHARTS), ["y", "n"]] = float("nan")
    totals = phase_totals(points, counts)  # a phase's centre line gives its total back
    rep.save_table(
        description="Every point of every control chart",
        name="spc_points",
        **with_phase_totals(protected(points, counts, "x", ("y", "value"), from_denominator=_FROM_N), totals),
    )
    rep.save_table(
        name="spc_summary",
        description="Control-chart summary per measure and phase",
        **with_phase_totals({"frame": summary}, totals),
    )
