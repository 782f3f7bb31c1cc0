"""``index.html`` of a batch folder: the summary report and every unit's report, one link each.

A plain page (no script, no external files) that opens from the folder on any computer: the
summary's formats first, then a table of the units with their status, a link to each unit's
report and, for a unit that failed, why.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["write_index"]

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.4rem;text-align:left}"
    ".failed{color:#b34700;font-weight:bold}"
)


def write_index(folder: Path, title: str, outcomes: Sequence[Any], reports: Sequence[Path]) -> Path:
    """Write ``folder/index.html`` linking the summary (``reports``) and each unit's report; the file."""
    failed = sum(o.status != "ok" for o in outcomes)
    summary_links = " · ".join(
        f'<a href="{html.escape(p.name)}">{html.escape(p.suffix.lstrip(".").upper())}</a>' for p in reports
    )
    rows = "\n".join(_row(o, folder) for o in outcomes)
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}: all units</title>
<style>{_STYLE}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Summary across units: {summary_links or "not made"}.</p>
<p>{len(outcomes) - failed} of {len(outcomes)} units evaluated{f", {failed} failed" if failed else ""}.</p>
<table><thead><tr><th>Unit</th><th>Status</th><th>Report</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""
    path = folder / "index.html"
    path.write_text(body, encoding="utf-8")
    return path


def _row(outcome: Any, folder: Path) -> str:
    name = html.escape(outcome.name)
    if outcome.status != "ok":
        return f'<tr><td>{name}</td><td class="failed">failed</td><td>{html.escape(outcome.message)}</td></tr>'
    report = outcome.report
    link = f'<a href="{html.escape(str(report))}">report</a>' if report else "summary only"
    status = "evaluated (unchanged, from the last batch)" if outcome.reused else "evaluated"
    return f"<tr><td>{name}</td><td>{status}</td><td>{link}</td></tr>"
