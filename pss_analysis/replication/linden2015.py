"""Replication of Linden (2015): California's Proposition 99 as a single- and a multiple-group ITS.

Linden A. (2015), "Conducting interrupted time-series analysis for single- and multiple-group
comparisons", *Stata Journal* 15(2):480-500: the ``itsa`` command on annual cigarette sales (packs
per head) in the US states, 1970-2000, from Abadie, Diamond & Hainmueller (2010, *JASA*), with
Proposition 99 from 1989:

* single group: ``itsa cigsale, single treatid(3) trperiod(1989) lag(1) posttrend`` (California
  alone, OLS with Newey-West standard errors, lag 1);
* multiple groups: ``itsa cigsale, treatid(3) trperiod(1989) lag(1) posttrend`` (California against
  the 38 other states of the data, stacked).

The data are not part of this project. They are published with the synthetic-control literature
and redistributed, for example, as ``examples/smoking.csv`` of the GitHub repository
``sdfordham/pysyncon`` (long: ``state, year, cigsale, ...``) and as
``causalpy/data/california_prop99.csv`` of ``pymc-labs/CausalPy`` (wide: ``Year`` and one column per
state, rounded to 0.1 pack); :func:`read_prop99` reads either layout (and one with ``state_name``).

:data:`PUBLISHED` holds Linden's coefficients as the help file of his ``power itsa`` command
prints them, and the two P values it quotes, so that a report can show them beside ours.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from pss_analysis.errors import DataValidationError
from pss_analysis.methods.its import ItsResult, fit_its

__all__ = [
    "PROP99_START",
    "TREATED_STATE",
    "PUBLISHED",
    "read_prop99",
    "fit_linden",
    "linden_comparison",
    "time_since_contrast",
]

#: Proposition 99's first year in effect (``trperiod(1989)``).
PROP99_START = 1989
#: The treated state (``treatid(3)``: California in the Stata numbering).
TREATED_STATE = "California"
_NEWEY_WEST_LAG_1 = {"type": "newey_west", "lags": 1, "small_sample": True}

#: Linden's published numbers: model, group, term, coefficient and (where quoted) P value.
#: The single-group model's coefficients equal the treated group's of the multiple-group model.
PUBLISHED = pd.DataFrame(
    [
        ("single group", "treated", "baseline_level", 132.2258, None),
        ("single group", "treated", "pre_trend", -1.779474, None),
        ("single group", "treated", "level_change", -20.0581, None),
        ("single group", "treated", "post_trend", -3.274126, None),
        ("multiple groups", "control", "baseline_level", 135.4995, None),
        ("multiple groups", "control", "pre_trend", -0.5477701, None),
        ("multiple groups", "control", "level_change", -17.25168, None),
        ("multiple groups", "control", "post_trend", -1.051279, None),
        ("multiple groups", "difference", "level_change", -2.806417, 0.631),
        ("multiple groups", "difference", "slope_change", None, 0.136),
    ],
    columns=["model", "group", "term", "coef", "p_value"],
)

_COLUMN_NAMES = {
    "state": ("state", "state_name", "State"),
    "year": ("year", "Year"),
    "cigsale": ("cigsale", "PacksPerCapita"),
}


def _pick(frame: pd.DataFrame, role: str, file: str) -> str:
    for name in _COLUMN_NAMES[role]:
        if name in frame.columns:
            return name
    raise DataValidationError(
        f"no {role} column in the Proposition 99 data",
        file=file,
        column=role,
        expected=" or ".join(_COLUMN_NAMES[role]),
        found=", ".join(map(str, list(frame.columns)[:12])),
    )


def read_prop99(path: str | Path) -> pd.DataFrame:
    """The Proposition 99 panel as ``state, year, cigsale`` (one row per state and year).

    Reads the long layout (``state`` or ``state_name``, ``year``, ``cigsale``) or the wide one
    (``Year`` and one column of packs per head per state). California must be one of the states.
    """
    file = str(path)
    frame = pd.read_csv(path)
    if TREATED_STATE in frame.columns:  # wide: one column per state
        year = _pick(frame, "year", file)
        frame = frame.melt(id_vars=[year], var_name="state", value_name="cigsale").rename(columns={year: "year"})
    else:
        columns = {_pick(frame, role, file): role for role in ("state", "year", "cigsale")}
        frame = frame[list(columns)].rename(columns=columns)
    frame["state"] = frame["state"].astype(str)
    frame["year"] = pd.to_numeric(frame["year"]).round().astype(int)
    if TREATED_STATE not in set(frame["state"]):
        raise DataValidationError(
            "California is not in the Proposition 99 data", file=file, column="state", expected=TREATED_STATE
        )
    return frame.sort_values(["state", "year"], kind="stable").reset_index(drop=True)


def fit_linden(data: pd.DataFrame, *, time_since: str = "itsa") -> dict[str, ItsResult]:
    """Linden's two models: "single group" (California alone) and "multiple groups" (California
    against every other state of ``data``), OLS with Newey-West standard errors, lag 1 (Stata's
    ``n/(n-k)`` factor, t tests on the residual degrees of freedom)."""
    treated = data[data["state"] == TREATED_STATE]
    others = data[data["state"] != TREATED_STATE]
    common: dict[str, Any] = {"autocorrelation": _NEWEY_WEST_LAG_1, "time_since": time_since}
    return {
        "single group": fit_its(treated, "cigsale", "year", PROP99_START, **common),
        "multiple groups": fit_its(
            treated, "cigsale", "year", PROP99_START, control=others, control_unit="state", **common
        ),
    }


def _rounds_to(published: float, ours: float) -> bool:
    """``ours`` printed to the published number's significant figures gives the published number."""
    text = f"{abs(published):.10g}".replace(".", "").lstrip("0")
    digits = max(len(text), 1)
    return abs(ours - published) <= 0.5 * 10 ** (math.floor(math.log10(abs(published))) - digits + 1) * (1 + 1e-9)


#: Why a published number is not reproduced to its last digit.
_NOTES = {
    ("multiple groups", "difference", "slope_change"): (
        "itsa runs Stata's newey with force on the stacked states, which also pairs each state's last "
        "year with the next state's first; pairing years within each state only gives 0.137"
    ),
}


def linden_comparison(results: dict[str, ItsResult]) -> pd.DataFrame:
    """Published and replicated numbers side by side, one row per published number set.

    ``agrees`` is True when our coefficient, printed to as many significant figures as Linden's,
    is his, and our P value rounds to his 3 decimals; ``note`` says why where it is not.
    """
    rows = []
    for rec in PUBLISHED.to_dict("records"):
        effects = results[rec["model"]].effects()
        ours = effects[(effects["group"] == rec["group"]) & (effects["term"] == rec["term"])].iloc[0]
        coef_ok = pd.isna(rec["coef"]) or _rounds_to(rec["coef"], float(ours["coef"]))
        p_ok = pd.isna(rec["p_value"]) or f"{ours['p_value']:.3f}" == f"{rec['p_value']:.3f}"
        rows.append(
            {
                "model": rec["model"],
                "group": rec["group"],
                "term": rec["term"],
                "published_coef": rec["coef"],
                "coef": float(ours["coef"]),
                "std_error": float(ours["std_error"]),
                "published_p_value": rec["p_value"],
                "p_value": float(ours["p_value"]),
                "agrees": bool(coef_ok and p_ok),
                "note": _NOTES.get((rec["model"], rec["group"], rec["term"]), ""),
            }
        )
    return pd.DataFrame(rows)


def time_since_contrast(data: pd.DataFrame) -> pd.DataFrame:
    """California's level change, slope change and post-Proposition trend under both conventions
    for the time since the interruption (``itsa``: 0 in 1989; ``wagner``: 1 in 1989)."""
    rows = []
    for convention in ("itsa", "wagner"):
        treated = data[data["state"] == TREATED_STATE]
        result = fit_its(
            treated, "cigsale", "year", PROP99_START, autocorrelation=_NEWEY_WEST_LAG_1, time_since=convention
        )
        effects = result.effects().set_index("term")
        rows.append(
            {
                "convention": convention,
                "level_change": float(effects.loc["level_change", "coef"]),
                "slope_change": float(effects.loc["slope_change", "coef"]),
                "post_trend": float(effects.loc["post_trend", "coef"]),
            }
        )
    return pd.DataFrame(rows)
