"""The "Since the last report" section: what changed since the previous run of the same report.

``pss run`` passes the folder of ``reports/<name>/latest`` (as it was before this run) to the
notebook as ``previous_run``; the first run of a name passes nothing and the section says there is
nothing to compare with. The comparison itself is :func:`pss_analysis.reporting.changes.compare_runs`,
on the files of the two run folders (this run's tables written so far: the section comes after the
executive summary, which writes ``evidence.csv``).
"""

from __future__ import annotations

import pandas as pd

from pss_analysis.reporting.changes import (
    CHANGE_COLUMNS,
    ESTIMATE_MOVED,
    ESTIMATE_WORDS,
    MONTH_ADDED,
    PARAMETER_CHANGED,
    VALUE_REVISED,
    compare_runs,
    months_added_line,
    read_run,
    shown_value,
)
from pss_analysis.reporting.document import Report
from pss_analysis.reporting.formatting import escape_text

__all__ = ["changes_section", "revision_warnings"]

_NAME = "changes_since_last"
_DESCRIPTION = "What changed since the last report: months added, values revised, verdicts, estimates, parameters"
_FIRST = "This is the first report of this name: there is no earlier report to compare with."
_NOTHING = (
    "No past value was revised, no verdict changed, no estimate moved outside the last report's interval, "
    "and no measure or parameter was added, removed or changed."
)


def changes_section(rep: Report, previous_run: str = "") -> pd.DataFrame:
    """Show what changed since the run in ``previous_run`` (a run folder; empty for the first run) and write
    every change to ``tables/changes_since_last.csv``; the table of changes (empty for the first run)."""
    rep.markdown("## Since the last report")
    if not previous_run:
        rep.markdown(_FIRST)
        empty = pd.DataFrame(columns=list(CHANGE_COLUMNS))
        rep.save_table(empty, _NAME, description=_DESCRIPTION)
        return empty
    previous, current = read_run(previous_run), read_run(rep.output_dir)
    changes = compare_runs(previous, current)
    rep.markdown(
        f"Compared with the last report (run {previous.run_id}, {previous.started[:10]}). "
        + escape_text(months_added_line(changes, len(current.measures)))
    )
    listed = changes[changes["change_type"] != MONTH_ADDED]
    if listed.empty:
        rep.markdown(_NOTHING)
    else:
        revised = (listed["change_type"] == VALUE_REVISED).sum()
        if revised:
            rep.markdown(
                f"{revised} past value{'s were' if revised > 1 else ' was'} revised in the data since the last "
                "report (also listed under data quality)."
            )
        rep.table(_shown(listed), _NAME, caption="Changes since the last report", hide=())
    # the CSV holds every change, months added included (the table above lists the others)
    rep.save_table(changes, _NAME, description=_DESCRIPTION)
    return changes


def _shown(listed: pd.DataFrame) -> pd.DataFrame:
    """The changes in words: what changed, the measure, the month, what, before and now."""
    what = [
        ESTIMATE_WORDS.get(q, str(q).replace("_", " "))
        if kind == ESTIMATE_MOVED
        else q
        if kind == PARAMETER_CHANGED
        else ""
        for kind, q in zip(listed["change_type"], listed["quantity"], strict=True)
    ]
    interval = [
        f"{shown_value(lo)} to {shown_value(hi)}" if kind == ESTIMATE_MOVED else ""
        for kind, lo, hi in zip(listed["change_type"], listed["previous_lower"], listed["previous_upper"], strict=True)
    ]
    return pd.DataFrame(
        {
            "change": listed["change_type"],
            "measure": listed["name"].where(listed["name"].astype(bool), listed["measure_id"]).fillna(""),
            "month": listed["month"].fillna(""),
            "what": [
                w if k in (ESTIMATE_MOVED, PARAMETER_CHANGED) else ""
                for k, w in zip(listed["change_type"], what, strict=True)
            ],
            "last report": listed["previous_value"].map(shown_value),
            "last report's interval": interval,
            "this report": listed["current_value"].map(shown_value),
        }
    )


def revision_warnings(changes: pd.DataFrame | None) -> pd.DataFrame:
    """The past values revised since the last report as data-quality warnings (the columns of
    :attr:`~pss_analysis.evaluation.study.Study.data_quality`)."""
    columns = ["severity", "check", "file", "row", "column", "message"]
    if changes is None or changes.empty:
        return pd.DataFrame(columns=columns)
    revised = changes[changes["change_type"] == VALUE_REVISED]
    return pd.DataFrame(
        {
            "severity": "warning",
            "check": "value_revised",
            "file": "",
            "row": "",
            "column": "value",
            "message": [
                f"{r.name or r.measure_id}, {r.month}: {shown_value(r.previous_value)} in the last report, "
                f"{shown_value(r.current_value)} now (a past value was revised)"
                for r in revised.itertuples()
            ],
        },
        columns=columns,
    )
