"""The strategy map section: objectives coloured by evidence, and the change log."""

from __future__ import annotations

import pandas as pd

from pss_analysis.evaluation.balance import objective_statuses
from pss_analysis.evaluation.study import Study
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.figure_pool import save_svg
from pss_analysis.reporting.figures.interactive import figure_regions
from pss_analysis.reporting.figures.strategy_map import strategy_map_figure
from pss_analysis.reporting.formatting import yes_no

__all__ = ["strategy_map_section"]

HEADING = """## Strategy map

The objectives of the programme by perspective - capability at the bottom, processes in the middle,
outcomes on top - with arrows from each driver to the outcome it should help. Each objective is
coloured by the verdicts of its measures; each arrow by whether the measures move together as
expected (association, not proof of cause)."""


def strategy_map_section(rep: Report, study: Study) -> None:
    """The strategy map coloured by evidence (PNG in the report, SVG as well in figures/).

    The section, heading included, is left out when no scorecard was given (``data.scorecard``),
    so the report has no empty section and its sections stay numbered without a gap.
    """
    sc = study.scorecard
    if sc is None:
        return
    rep.markdown(HEADING)
    status = objective_statuses(sc.objectives, sc.measures, study.evidence)
    link_status = (
        {(r["driver"], r["outcome"]): r["link_status"] for r in study.links.to_dict("records")}
        if not study.links.empty
        else {}
    )
    fig = strategy_map_figure(
        sc.objectives,
        sc.perspectives,
        sc.links,
        node_status=status,
        link_status=link_status,
        title="Strategy map, coloured by the evidence of each objective's measures",
    )
    save_svg(fig, rep.output_dir / "figures" / "strategy_map.svg")
    counts = pd.Series(status).value_counts()
    rep.figure(
        fig,
        "strategy_map",
        caption="Strategy map: objectives by perspective, coloured by evidence",
        alt="Strategy map with capability objectives at the bottom, processes in the middle and outcomes on "
        "top, arrows from drivers to outcomes; "
        + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in counts.items())
        + ".",
        links=_objective_links(study, figure_regions(fig, "node:")),
    )
    if not sc.changes.empty:
        rep.table(
            sc.changes[["change_id", "month", "where", "what", "use_as_interruption"]],
            "change_log",
            caption="Change log: what the programme changed, where and when (marked on every chart by its id)",
            columns={"change_id": "id", "use_as_interruption": "tested as an interruption"},
            formats={"use_as_interruption": yes_no},
        )


def _objective_links(study: Study, regions: dict[str, tuple[float, float, float, float]]) -> list:
    """Each objective's box linked to the section of its first reported measure, saying all its measures."""
    sc = study.scorecard
    if sc is None:
        return []
    names = study.measures.set_index("measure_id")["name"]
    titles = sc.objectives.set_index("objective_id")["name"] if "name" in sc.objectives else pd.Series(dtype=str)
    links = []
    for objective, region in regions.items():
        measures = [
            names[m] for m in sc.measures.loc[sc.measures["objective_id"] == objective, "measure_id"] if m in names
        ]
        if measures:
            title = titles.get(objective, objective)
            links.append((region, measures[0], f"{title}: measures {'; '.join(measures)}"))
    return links
