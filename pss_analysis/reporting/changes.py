"""What changed between two runs: months added, past values revised, verdicts, estimates, measures, parameters.

A run folder (``reports/<name>/<run id>/``) holds everything the comparison needs: ``manifest.json``
(the run id and its start), ``params.yaml`` (the resolved parameters), ``tables/spc_points.csv``
(every measure's value month by month, as published: small counts already suppressed) and
``tables/evidence.csv`` (each measure's verdict and estimates with their intervals).
:func:`read_run` reads those files; :func:`compare_runs` compares two runs and returns one tidy
table, one row per change, whose columns are :data:`CHANGE_COLUMNS`:

- ``month added``: a measure has a month the previous run did not have;
- ``value revised``: a month both runs have, whose value differs (a data-quality warning too);
- ``verdict changed``: a measure's verdict differs;
- ``estimate moved``: an estimate lies outside the previous run's confidence interval. Totals over
  the months since the start (``cumulative_impact``, ``money``) are compared only when both runs
  count the same number of months, since each month added adds to them;
- ``measure added`` / ``measure removed``;
- ``parameter changed``: a resolved parameter (dotted key) differs.

The comparison reads files only; the report's section (:mod:`pss_analysis.reporting.sections.changes`)
and ``pss compare`` show it.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from pss_analysis.config.manifest import read_manifest
from pss_analysis.errors import ParameterError
from pss_analysis.reporting.formatting import number as formatted

__all__ = [
    "RunSnapshot",
    "read_run",
    "compare_runs",
    "CHANGE_COLUMNS",
    "CHANGE_TYPES",
    "ESTIMATE_WORDS",
    "summary_lines",
    "changes_html",
    "shown_value",
    "months_added_line",
    "MONTH_ADDED",
    "VALUE_REVISED",
    "VERDICT_CHANGED",
    "ESTIMATE_MOVED",
    "MEASURE_ADDED",
    "MEASURE_REMOVED",
    "PARAMETER_CHANGED",
]

MONTH_ADDED = "month added"
VALUE_REVISED = "value revised"
VERDICT_CHANGED = "verdict changed"
ESTIMATE_MOVED = "estimate moved"
MEASURE_ADDED = "measure added"
MEASURE_REMOVED = "measure removed"
PARAMETER_CHANGED = "parameter changed"
#: Every kind of change, in the order the report lists them.
CHANGE_TYPES = (
    MONTH_ADDED,
    VALUE_REVISED,
    VERDICT_CHANGED,
    ESTIMATE_MOVED,
    MEASURE_ADDED,
    MEASURE_REMOVED,
    PARAMETER_CHANGED,
)
#: The columns of the comparison table (``tables/changes_since_last.csv``).
CHANGE_COLUMNS = (
    "change_type",
    "measure_id",
    "name",
    "month",
    "quantity",
    "previous_value",
    "current_value",
    "previous_lower",
    "previous_upper",
)
#: The estimates of the evidence table in words (others: their name with spaces).
ESTIMATE_WORDS = {
    "level_change": "change in level",
    "slope_change": "change in trend",
    "cumulative_relative": "overall relative change since the start",
    "cumulative_impact": "total difference since the start",
    "money": "money impact (£, negative = saved)",
}
#: Totals over the months since the start: compared only when both runs count the same months.
_LENGTH_DEPENDENT = ("cumulative_impact", "money")
#: Two values closer than this (relative) are the same value written twice (CSV round trips).
_SAME_VALUE_TOLERANCE = 1e-9


@dataclass(frozen=True)
class RunSnapshot:
    """What one run folder says: its id, parameters (dotted keys), values by month and evidence."""

    folder: Path
    run_id: str
    started: str
    version: str
    parameters: dict[str, str]
    values: pd.DataFrame  # measure_id, month, value (text, as published)
    evidence: pd.DataFrame  # one row per measure: verdict, estimates and their intervals

    @property
    def names(self) -> dict[str, str]:
        """Measure id -> name, from the evidence table."""
        if "name" not in self.evidence.columns:
            return {}
        return dict(zip(self.evidence["measure_id"], self.evidence["name"].astype(str), strict=True))

    @property
    def measures(self) -> set[str]:
        """Every measure the run reports."""
        return set(self.evidence.get("measure_id", pd.Series(dtype=str))) | set(self.values["measure_id"])


def _flatten(prefix: str, value: Any, out: dict[str, str]) -> None:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    else:
        out[prefix] = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip().removesuffix("\n...")


def read_run(folder: str | Path) -> RunSnapshot:
    """Read a run folder (``latest`` links are followed); a ParameterError naming the folder and what is
    missing when it is not one."""
    path = Path(folder)
    tables = path / "tables"
    needed = [path / "manifest.json", path / "params.yaml", tables]
    missing = [p.name + ("/" if p == tables else "") for p in needed if not p.exists()]
    if not path.is_dir() or missing:
        raise ParameterError(
            "not a run folder of pss run",
            file=str(path),
            expected="a folder with manifest.json, params.yaml and tables/ (reports/<name>/<run id>)",
            found="no such folder" if not path.is_dir() else "missing " + ", ".join(missing),
        )
    manifest = read_manifest(path / "manifest.json")
    params = yaml.safe_load((path / "params.yaml").read_text(encoding="utf-8")) or {}
    flat: dict[str, str] = {}
    _flatten("", params, flat)
    return RunSnapshot(
        folder=path.resolve(),
        run_id=str(manifest.get("run_id", path.resolve().name)),
        started=str(manifest.get("started_utc", "")),
        version=str(manifest.get("pss_analysis_version", "")),
        parameters=flat,
        values=_read_values(tables / "spc_points.csv"),
        evidence=_read_table(tables / "evidence.csv"),
    )


def _read_table(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame({"measure_id": pd.Series(dtype=str)})
    return pd.read_csv(path, dtype={"measure_id": str})


def _read_values(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame(columns=["measure_id", "month", "value"], dtype=str)
    points = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["measure_id", "x", "value"])
    return points.rename(columns={"x": "month"}).drop_duplicates(["measure_id", "month"], keep="last")


def _as_number(text: Any) -> float | None:
    try:
        number = float(text)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _same_value(a: str, b: str) -> bool:
    x, y = _as_number(a), _as_number(b)
    if x is None or y is None:
        return a.strip() == b.strip()
    return math.isclose(x, y, rel_tol=_SAME_VALUE_TOLERANCE, abs_tol=1e-12)


def _row(change: str, measure: str = "", names: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    return {"change_type": change, "measure_id": measure, "name": (names or {}).get(measure, ""), **fields}


def _month_changes(previous: RunSnapshot, current: RunSnapshot) -> list[dict[str, Any]]:
    """Months added, and values revised, of the measures both runs report."""
    both = previous.measures & current.measures
    old = previous.values[previous.values["measure_id"].isin(both)]
    new = current.values[current.values["measure_id"].isin(both)]
    merged = new.merge(old, on=["measure_id", "month"], how="left", suffixes=("", "_previous"), indicator=True)
    names = current.names
    rows = [
        _row(MONTH_ADDED, r.measure_id, names, month=r.month, quantity="value", current_value=r.value)
        for r in merged[merged["_merge"] == "left_only"].itertuples()
    ]
    for r in merged[merged["_merge"] == "both"].itertuples():
        if not _same_value(str(r.value_previous), str(r.value)):
            rows.append(
                _row(
                    VALUE_REVISED,
                    r.measure_id,
                    names,
                    month=r.month,
                    quantity="value",
                    previous_value=r.value_previous,
                    current_value=r.value,
                )
            )
    return rows


def _verdict_changes(previous: RunSnapshot, current: RunSnapshot) -> list[dict[str, Any]]:
    if "verdict" not in previous.evidence.columns or "verdict" not in current.evidence.columns:
        return []
    old = previous.evidence.set_index("measure_id")["verdict"]
    new = current.evidence.set_index("measure_id")["verdict"]
    names = current.names
    return [
        _row(VERDICT_CHANGED, m, names, quantity="verdict", previous_value=old[m], current_value=new[m])
        for m in new.index
        if m in old.index and str(old[m]) != str(new[m])
    ]


def _estimates(evidence: pd.DataFrame) -> list[str]:
    """The evidence table's estimates that have an interval (``<q>``, ``<q>_lower``, ``<q>_upper``)."""
    cols = set(evidence.columns)
    return [c for c in evidence.columns if f"{c}_lower" in cols and f"{c}_upper" in cols]


def _estimate_changes(previous: RunSnapshot, current: RunSnapshot) -> list[dict[str, Any]]:
    """Estimates of the current run outside the previous run's interval for the same measure."""
    old = previous.evidence.set_index("measure_id")
    new = current.evidence.set_index("measure_id")
    names = current.names
    rows = []
    for q in [c for c in _estimates(old) if c in new.columns]:
        for m in new.index.intersection(old.index):
            if q in _LENGTH_DEPENDENT and _months(old, m) != _months(new, m):
                continue
            value, low, high = (_as_number(x) for x in (new.at[m, q], old.at[m, f"{q}_lower"], old.at[m, f"{q}_upper"]))
            if value is None or low is None or high is None or low <= value <= high:
                continue
            rows.append(
                _row(
                    ESTIMATE_MOVED,
                    str(m),
                    names,
                    quantity=q,
                    previous_value=old.at[m, q],
                    current_value=value,
                    previous_lower=low,
                    previous_upper=high,
                )
            )
    return rows


def _months(evidence: pd.DataFrame, measure: Any) -> Any:
    return evidence.at[measure, "cumulative_months"] if "cumulative_months" in evidence.columns else None


def _measure_changes(previous: RunSnapshot, current: RunSnapshot) -> list[dict[str, Any]]:
    added = sorted(current.measures - previous.measures)
    removed = sorted(previous.measures - current.measures)
    return [_row(MEASURE_ADDED, m, current.names) for m in added] + [
        _row(MEASURE_REMOVED, m, previous.names) for m in removed
    ]


def _parameter_changes(previous: RunSnapshot, current: RunSnapshot) -> list[dict[str, Any]]:
    keys = list(dict.fromkeys([*previous.parameters, *current.parameters]))
    return [
        _row(
            PARAMETER_CHANGED,
            quantity=k,
            previous_value=previous.parameters.get(k, "(not set)"),
            current_value=current.parameters.get(k, "(not set)"),
        )
        for k in keys
        if previous.parameters.get(k) != current.parameters.get(k)
    ]


def compare_runs(previous: RunSnapshot, current: RunSnapshot) -> pd.DataFrame:
    """Every change from ``previous`` to ``current``, one row each, columns :data:`CHANGE_COLUMNS`."""
    rows = [
        *_month_changes(previous, current),
        *_verdict_changes(previous, current),
        *_estimate_changes(previous, current),
        *_measure_changes(previous, current),
        *_parameter_changes(previous, current),
    ]
    table = pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    order = {c: i for i, c in enumerate(CHANGE_TYPES)}
    table = table.sort_values(
        ["change_type", "measure_id", "month", "quantity"], key=lambda s: s.map(order) if s.name == "change_type" else s
    )
    return table.reset_index(drop=True)


def shown_value(value: Any) -> str:
    """A value of the comparison as a reader sees it: numbers to three significant figures, paths as
    '…/<file name>', blanks as blanks."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    number = _as_number(value)
    if number is not None and not isinstance(value, bool):
        return formatted(number)
    text = str(value)
    return f"…/{Path(text).name}" if Path(text).is_absolute() else text


def months_added_line(table: pd.DataFrame, measures: int) -> str:
    """The months added in one sentence: how many, which, for how many of the ``measures``."""
    added = table[table["change_type"] == MONTH_ADDED]
    if added.empty:
        return "Months added: none."
    months = sorted(set(added["month"]))
    span = months[0] if len(months) == 1 else f"{months[0]} to {months[-1]}"
    each = added.groupby("measure_id").size()
    who = f"all {measures} measures" if len(each) == measures else f"{len(each)} of {measures} measures"
    return f"Months added: {len(months)} ({span}), for {who}."


def _line(kind: str, rows: pd.DataFrame) -> str:
    if kind == VALUE_REVISED:
        return f"{rows['name'] or rows['measure_id']}, {rows['month']}: {shown_value(rows['previous_value'])} → " + (
            shown_value(rows["current_value"])
        )
    if kind == ESTIMATE_MOVED:
        what = ESTIMATE_WORDS.get(rows["quantity"], str(rows["quantity"]).replace("_", " "))
        return (
            f"{rows['name'] or rows['measure_id']}, {what}: {shown_value(rows['previous_value'])} "
            f"(interval {shown_value(rows['previous_lower'])} to {shown_value(rows['previous_upper'])}) → "
            f"{shown_value(rows['current_value'])}"
        )
    if kind in (MEASURE_ADDED, MEASURE_REMOVED):
        return str(rows["name"] or rows["measure_id"])
    subject = rows["quantity"] if kind == PARAMETER_CHANGED else rows["name"] or rows["measure_id"]
    return f"{subject}: {shown_value(rows['previous_value'])} → {shown_value(rows['current_value'])}"


def summary_lines(table: pd.DataFrame, previous: RunSnapshot, current: RunSnapshot) -> list[str]:
    """The comparison in plain text, one line per change (months added in one line), for ``pss compare``."""
    lines = [
        f"Run {current.run_id} compared with run {previous.run_id}",
        months_added_line(table, len(current.measures)),
    ]
    titles = {
        VALUE_REVISED: "Past values revised",
        VERDICT_CHANGED: "Verdicts changed",
        ESTIMATE_MOVED: "Estimates outside the previous run's interval",
        MEASURE_ADDED: "Measures added",
        MEASURE_REMOVED: "Measures removed",
        PARAMETER_CHANGED: "Parameters changed",
    }
    for kind, title in titles.items():
        rows = table[table["change_type"] == kind]
        lines.append(f"{title}: {len(rows) if len(rows) else 'none'}")
        lines += [f"  {_line(kind, r)}" for _, r in rows.iterrows()]
    return lines


def changes_html(table: pd.DataFrame, previous: RunSnapshot, current: RunSnapshot) -> str:
    """A self-contained HTML page of the comparison (``pss compare --html``)."""
    lines = summary_lines(table, previous, current)
    parts: list[str] = []
    for line in lines[1:]:
        if line.startswith("  "):
            parts.append(f"<li>{html.escape(line.strip())}</li>")
        else:
            parts.append(f"<h2>{html.escape(line)}</h2>")
    items = "".join(parts).replace("</h2><li>", "</h2><ul><li>").replace("</li><h2>", "</li></ul><h2>")
    items += "</ul>" if items.endswith("</li>") else ""
    shown = table.map(shown_value) if not table.empty else table
    body = shown.to_html(index=False, escape=True, border=0, classes="pss-table", na_rep="")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(lines[0])}</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:70em}"
        "table{border-collapse:collapse}td,th{border-bottom:1px solid #ccc;padding:.2em .6em;text-align:left}"
        "</style></head><body>"
        f"<h1>{html.escape(lines[0])}</h1>{items}<h2>Every change</h2>{body}</body></html>\n"
    )
