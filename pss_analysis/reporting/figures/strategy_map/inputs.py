"""Checking the strategy map's inputs: perspectives, objectives and links as plain DataFrames."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pss_analysis.errors import DataValidationError, ParameterError
from pss_analysis.reporting.figures.strategy_map.style import SIGN_STYLES, TIERS

__all__: list[str] = []

_PERSPECTIVE_COLUMNS = ("perspective_id", "name", "tier", "order")
_OBJECTIVE_COLUMNS = ("objective_id", "name", "perspective_id")
_LINK_COLUMNS = ("driver", "outcome", "expected_sign")


def _require_columns(frame: Any, what: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise ParameterError(
            f"{what} must be a pandas DataFrame", key=what, expected="a DataFrame", found=type(frame).__name__
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            f"{what} lacks the column(s) {', '.join(missing)}",
            key=what,
            expected=f"columns {', '.join(columns)}",
            found=list(map(str, frame.columns)),
        )
    return frame


def _unique_ids(values: pd.Series, what: str, column: str) -> list[str]:
    ids = [str(v) for v in values]
    seen: set[str] = set()
    for i, v in enumerate(ids):
        if v in seen:
            raise DataValidationError(
                f"{what} has the {column} '{v}' twice", key=what, row=i, column=column, expected="each id once", found=v
            )
        seen.add(v)
    return ids


@dataclass(frozen=True)
class _Inputs:
    perspectives: pd.DataFrame  # perspective_id (str), name, tier, order; sorted bottom band first
    objectives: pd.DataFrame  # objective_id (str), name, perspective_id (str)
    links: list[tuple[str, str, str]]  # (driver, outcome, expected_sign)


def _validate(objectives: Any, perspectives: Any, links: Any) -> _Inputs:
    """The three inputs checked and tidied: ids as text, perspectives sorted bottom band first."""
    p = _require_columns(perspectives, "perspectives", _PERSPECTIVE_COLUMNS)
    o = _require_columns(objectives, "objectives", _OBJECTIVE_COLUMNS)
    ln = _require_columns(links, "links", _LINK_COLUMNS)
    persp = _perspective_table(p)
    obj = _objective_table(o, list(persp.sort_values("_input")["perspective_id"]))  # ids in input order
    return _Inputs(persp, obj, _link_list(ln, set(obj["objective_id"])))


def _perspective_table(p: pd.DataFrame) -> pd.DataFrame:
    """Perspectives with a known tier and a numeric order, sorted bottom band first."""
    pids = _unique_ids(p["perspective_id"], "perspectives", "perspective_id")
    tiers = [str(t).strip().lower() for t in p["tier"]]
    for i, t in enumerate(tiers):
        if t not in TIERS:
            raise DataValidationError(
                f"perspective '{pids[i]}' has an unknown tier",
                key=pids[i],
                row=i,
                column="tier",
                expected=f"one of {', '.join(TIERS)}",
                found=p["tier"].iloc[i],
            )
    order = pd.to_numeric(p["order"], errors="coerce")
    if order.isna().any():
        i = int(np.flatnonzero(order.isna().to_numpy())[0])
        raise DataValidationError(
            f"perspective '{pids[i]}' has no numeric order",
            key=pids[i],
            row=i,
            column="order",
            expected="a number",
            found=p["order"].iloc[i],
        )
    persp = pd.DataFrame(
        {
            "perspective_id": pids,
            "name": [str(v) for v in p["name"]],
            "tier": tiers,
            "order": order.to_numpy(dtype=float),
            "_input": np.arange(len(pids)),
        }
    )
    persp["_tier_rank"] = persp["tier"].map({t: k for k, t in enumerate(TIERS)})
    # bottom band first: tiers bottom-up; inside a tier, larger order lower (smaller order on top)
    persp = persp.sort_values(["_tier_rank", "order", "_input"], ascending=[True, False, False], kind="stable")
    return persp.reset_index(drop=True)


def _objective_table(o: pd.DataFrame, pids: list[str]) -> pd.DataFrame:
    """Objectives (at least one), each in a known perspective; ids as text."""
    oids = _unique_ids(o["objective_id"], "objectives", "objective_id")
    if not oids:
        raise DataValidationError(
            "there are no objectives to draw", key="objectives", expected="at least one objective", found=0
        )
    opids = [str(v) for v in o["perspective_id"]]
    known = set(pids)
    for i, (oid, pid) in enumerate(zip(oids, opids, strict=True)):
        if pid not in known:
            raise DataValidationError(
                f"objective '{oid}' is in the unknown perspective '{pid}'",
                key=oid,
                row=i,
                column="perspective_id",
                expected=f"one of {', '.join(pids)}",
                found=pid,
            )
    return pd.DataFrame({"objective_id": oids, "name": [str(v) for v in o["name"]], "perspective_id": opids})


def _link_list(ln: pd.DataFrame, objs: set[str]) -> list[tuple[str, str, str]]:
    """Links as (driver, outcome, expected_sign): known objectives, a valid sign, no loop, no repeat."""
    edges: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for i, (d, t, s) in enumerate(zip(ln["driver"], ln["outcome"], ln["expected_sign"], strict=True)):
        d, t, s = str(d), str(t), str(s).strip()
        for column, v in (("driver", d), ("outcome", t)):
            if v not in objs:
                raise DataValidationError(
                    f"the link {d} -> {t} names the unknown objective '{v}'",
                    key="links",
                    row=i,
                    column=column,
                    expected="an objective_id of objectives",
                    found=v,
                )
        _check_link(i, d, t, s, seen)
        seen.add((d, t))
        edges.append((d, t, s))
    return edges


def _check_link(i: int, d: str, t: str, s: str, seen: set[tuple[str, str]]) -> None:
    if s not in SIGN_STYLES:
        raise DataValidationError(
            f"the link {d} -> {t} has an unknown expected sign",
            key="links",
            row=i,
            column="expected_sign",
            expected="'+' or '-'",
            found=s,
        )
    if d == t:
        raise DataValidationError(
            f"the link {d} -> {t} joins an objective to itself",
            key="links",
            row=i,
            column="outcome",
            expected="two different objectives",
            found=t,
        )
    if (d, t) in seen:
        raise DataValidationError(
            f"the link {d} -> {t} appears twice",
            key="links",
            row=i,
            column="driver",
            expected="each driver -> outcome pair once",
            found=f"{d} -> {t}",
        )
