"""Robustness of an interrupted time series' headline change: placebos in time, alternative
specifications, and each extra interruption left out in turn (:func:`robustness`).

The headline is the overall change since the start: the cumulative row of
:meth:`ItsResult.impact` (fitted against expected without the programme, over every month
since the start). Its *direction of change* (:func:`change_direction`) is +1 when the
confidence interval of the relative change lies above no change, -1 when it lies below, and 0
when it includes no change: the rule the report's verdicts use (improved / deteriorated /
changed when the interval excludes no change, "no evidence of change" otherwise). An
alternative fit *holds* when its direction of change equals the headline's.

1. **Placebo in time** (Bernal, Cummins & Gasparrini 2018, "The use of controls in interrupted
   time series studies of public health interventions"; CausalPy issue #744): the same model
   refitted on the pre-programme data only, with a pretend start at every admissible month. A
   month is admissible when at least ``placebo_min_points`` fitted months (default
   :data:`PLACEBO_MIN_POINTS`, the months on each side the verdict itself requires) lie before it
   and from it (after any phase-in) to the month before the real start. Extra interruptions
   before a pretend start stay in its model; later ones are left out. Each fit's change is
   standardised (:func:`standardised_change`: the log of fitted / expected divided by the
   half-width of its interval, so that beyond +-1 the interval excludes no change whatever
   the number of months), and the real change is ranked among them by its size: rank 1 = larger
   than every placebo. The permutation p-value is rank / (placebos + 1).
2. **Specifications** (CausalPy issue #746): the model refitted with every combination of the
   families that suit the outcome (counts: Poisson, quasi-Poisson, negative binomial;
   successes of trials: binomial, quasi-binomial; other values: OLS), seasonality (none,
   two Fourier pairs, month indicators) and autocorrelation (none, Newey-West, and AR(1)
   errors for OLS), nearest the headline model first (fewest changed choices; among equally
   near ones, the negative binomial and AR(1) errors, whose fits search a likelihood of their
   own, last), at most ``max_specifications`` of them.
3. **Leave one out** (CausalPy issue #751): with extra interruptions (e.g. the change log),
   the model refitted without each one in turn.

The verdict *holds* (:attr:`Robustness.holds`) when every alternative specification and every
leave-one-out fit that could be fitted gives the headline's direction of change and, for a
headline that is a change, the real change ranks first among the placebos or its permutation
p-value is at most ``alpha``. A fit that fails is listed with its problem and not counted.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pss_analysis.errors import PssError
from pss_analysis.methods.its.fit import RECOMMENDED_POINTS_PER_SIDE, fit_its
from pss_analysis.methods.its.options import DEFAULT_ALPHA, DEFAULT_FOURIER_HARMONICS, DEFAULT_SEASONAL_PERIOD, FAMILIES
from pss_analysis.methods.its.results import ItsResult

__all__ = [
    "robustness",
    "Robustness",
    "change_direction",
    "standardised_change",
    "newey_west_lags",
    "PLACEBO_MIN_POINTS",
    "SPECIFICATION_FAMILIES",
    "SPECIFICATION_SEASONALITY",
    "SPECIFICATION_AUTOCORRELATION",
]

PLACEBO_MIN_POINTS = RECOMMENDED_POINTS_PER_SIDE
"""Fewest fitted months before a pretend start and from it to the real start (8, as the verdict
needs on each side: Penfold & Zhang 2013)."""

#: Families refitted in the specification table, by what the outcome is.
SPECIFICATION_FAMILIES = {
    "counts": ("poisson", "quasipoisson", "negbin"),
    "binomial": ("binomial", "quasibinomial"),
    "values": ("gaussian",),
}
#: Seasonality refitted in the specification table: none, two Fourier pairs (period 12), month indicators.
SPECIFICATION_SEASONALITY = {
    "none": None,
    "fourier": {"type": "fourier", "k": DEFAULT_FOURIER_HARMONICS, "period": DEFAULT_SEASONAL_PERIOD},
    "month": {"type": "month", "period": DEFAULT_SEASONAL_PERIOD},
}
#: Autocorrelation refitted in the specification table (AR(1) errors for OLS only).
SPECIFICATION_AUTOCORRELATION = ("none", "newey_west", "ar1")

#: Choices whose fits search a likelihood of their own (the negative binomial's alpha, the AR(1) coefficient):
#: listed after the other specifications equally near the headline model.
_SLOW = ("negbin", "ar1")

_CHANGE_COLUMNS = ["relative_effect", "relative_effect_lower", "relative_effect_upper", "standardised_change"]


def newey_west_lags(n: int) -> int:
    """Newey & West (1994) rule of thumb for the HAC lag: floor(4 (n/100)^(2/9)), at least 1."""
    return max(1, math.floor(4 * (n / 100) ** (2 / 9)))


def change_direction(lower: float, upper: float) -> int:
    """+1 when the interval of a change lies above no change (0), -1 below, 0 when it includes it
    (the rule of the verdicts: improved / deteriorated / changed, or no evidence of change)."""
    if lower > 0:
        return 1
    if upper < 0:
        return -1
    return 0


def standardised_change(relative: float, lower: float, upper: float) -> float:
    """A relative change divided by the half-width of its interval, on the scale the interval is
    symmetric on (the log of fitted / expected; the ratio itself when a bound is -100% or less):
    beyond +-1 the interval excludes no change."""
    if min(relative, lower, upper) > -1:
        half = (math.log1p(upper) - math.log1p(lower)) / 2
        return math.log1p(relative) / half if half > 0 else math.nan
    half = (upper - lower) / 2
    return relative / half if half > 0 else math.nan


@dataclass(frozen=True)
class Robustness:
    """The robustness checks of one headline change (:func:`robustness`).

    Attributes
    ----------
    headline:
        The headline change: ``relative_effect`` with ``_lower``/``_upper``, ``standardised_change``
        and ``direction`` (:func:`change_direction`).
    placebo:
        One row per pretend start: ``start`` (the month), ``n_before``, ``n_after`` (fitted months
        either side), the change with its interval, ``standardised_change``, ``direction``,
        ``larger_than_real`` (its standardised change at least as large as the real one) and
        ``problem`` (why a fit failed, else missing).
    specifications:
        One row per specification: ``family``, ``seasonality``, ``autocorrelation``, ``headline``
        (the headline model), ``changed`` (how many of the three choices differ from it), the
        change with its interval, ``standardised_change``, ``direction``, ``holds``, ``problem``.
    leave_one_out:
        One row per extra interruption left out: ``left_out``, the change, ``direction``,
        ``holds``, ``problem``.
    alpha:
        The significance level of the permutation test.
    """

    headline: dict[str, Any]
    placebo: pd.DataFrame
    specifications: pd.DataFrame
    leave_one_out: pd.DataFrame
    alpha: float = DEFAULT_ALPHA
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def n_placebos(self) -> int:
        """Placebo fits that could be fitted."""
        return int(self.placebo["standardised_change"].notna().sum()) if not self.placebo.empty else 0

    @property
    def placebo_rank(self) -> int | None:
        """The real change's rank by size among itself and the placebos (1 = the largest); None without placebos."""
        if not self.n_placebos:
            return None
        return 1 + int(self.placebo["larger_than_real"].fillna(False).astype(bool).sum())

    @property
    def placebo_p_value(self) -> float | None:
        """Permutation p-value: rank / (placebos + 1)."""
        rank = self.placebo_rank
        return None if rank is None else rank / (self.n_placebos + 1)

    @property
    def placebo_holds(self) -> bool | None:
        """The real change ranks first among the placebos or its permutation p-value is at most alpha
        (None without placebos, or when the headline is no change)."""
        p = self.placebo_p_value
        if p is None or self.headline["direction"] == 0:
            return None
        return self.placebo_rank == 1 or p <= self.alpha

    @property
    def n_specs(self) -> int:
        """Alternative specifications (the headline model not counted) that could be fitted."""
        return _n_fitted(self.specifications, alternatives_only=True)

    @property
    def n_holds(self) -> int:
        """Alternative specifications under which the headline's direction of change holds."""
        return _n_holding(self.specifications, alternatives_only=True)

    @property
    def n_left_out(self) -> int:
        """Leave-one-out fits that could be fitted."""
        return _n_fitted(self.leave_one_out)

    @property
    def n_left_out_holds(self) -> int:
        """Leave-one-out fits under which the headline's direction of change holds."""
        return _n_holding(self.leave_one_out)

    @property
    def holds(self) -> bool:
        """Every fitted alternative specification and leave-one-out fit holds, and the placebo check
        (when it applies) passes."""
        return (
            self.n_holds == self.n_specs
            and self.n_left_out_holds == self.n_left_out
            and self.placebo_holds is not False
        )

    def summary(self) -> dict[str, Any]:
        """One flat row: the headline change and every count above."""
        return {
            **{f"headline_{k}": v for k, v in self.headline.items()},
            "n_placebos": self.n_placebos,
            "placebo_rank": self.placebo_rank,
            "placebo_p_value": self.placebo_p_value,
            "placebo_holds": self.placebo_holds,
            "n_specs": self.n_specs,
            "n_holds": self.n_holds,
            "n_left_out": self.n_left_out,
            "n_left_out_holds": self.n_left_out_holds,
            "holds": self.holds,
        }


def _n_fitted(table: pd.DataFrame, alternatives_only: bool = False) -> int:
    if table.empty:
        return 0
    rows = table[~table["headline"]] if alternatives_only else table
    return int(rows["direction"].notna().sum())


def _n_holding(table: pd.DataFrame, alternatives_only: bool = False) -> int:
    if table.empty:
        return 0
    rows = table[~table["headline"]] if alternatives_only else table
    return int(rows["holds"].fillna(False).astype(bool).sum())


def robustness(
    data: pd.DataFrame,
    y: str,
    time: str,
    interruption: Any,
    *,
    placebo: bool = True,
    specifications: bool = True,
    leave_one_out: bool = True,
    max_specifications: int | None = None,
    placebo_min_points: int = PLACEBO_MIN_POINTS,
    headline: ItsResult | None = None,
    **fit_options: Any,
) -> Robustness:
    """Check the headline change of ``fit_its(data, y, time, interruption, **fit_options)``.

    Parameters
    ----------
    data, y, time, interruption, fit_options:
        As :func:`~pss_analysis.methods.its.fit_its` (``family``, ``offset``, ``denominator``,
        ``seasonality``, ``autocorrelation``, ``interruptions``, ``phase_in``, ``control``,
        ``alpha``, ...).
    placebo, specifications, leave_one_out:
        Which checks to run (module docstring).
    max_specifications:
        Most alternative specifications to fit, nearest the headline model first (None: all).
    placebo_min_points:
        Fewest fitted months before each pretend start and from it to the real start.
    headline:
        The headline fit when already made (not refitted).

    Returns
    -------
    Robustness
    """
    base = {"y": y, "time": time, "interruption": interruption, **fit_options}
    if headline is None:
        headline = _quiet_fit(data, base)
    head = _change_row(headline)
    head_dir = int(head["direction"])
    alpha = float(fit_options.get("alpha", DEFAULT_ALPHA))
    placebo_table = _placebos(data, base, headline, head, placebo_min_points) if placebo else _empty(_PLACEBO_COLUMNS)
    spec_table = _specifications(data, base, headline, head_dir, max_specifications) if specifications else None
    loo_table = _leave_one_out(data, base, head_dir) if leave_one_out else _empty(_LOO_COLUMNS)
    options = {
        "placebo": placebo,
        "specifications": specifications,
        "leave_one_out": leave_one_out,
        "max_specifications": max_specifications,
        "placebo_min_points": placebo_min_points,
    }
    return Robustness(
        head,
        placebo_table,
        spec_table if spec_table is not None else _empty(_SPEC_COLUMNS),
        loo_table,
        alpha,
        options,
    )


# --- fitting -----------------------------------------------------------------------------------------------


def _quiet_fit(data: pd.DataFrame, options: Mapping[str, Any]) -> ItsResult:
    """fit_its without its warnings (a robustness fit's short-series warnings are expected)."""
    kw = dict(options)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fit_its(data, kw.pop("y"), kw.pop("time"), kw.pop("interruption"), **kw)


def _change_row(result: ItsResult) -> dict[str, Any]:
    """The headline change of a fit: the cumulative row of its impact table."""
    cum = result.impact(at=[]).iloc[-1]
    lo, hi, rel = (
        float(cum["relative_effect_lower"]),
        float(cum["relative_effect_upper"]),
        float(cum["relative_effect"]),
    )
    return {
        "relative_effect": rel,
        "relative_effect_lower": lo,
        "relative_effect_upper": hi,
        "standardised_change": standardised_change(rel, lo, hi),
        "direction": change_direction(lo, hi),
    }


def _try_change(data: pd.DataFrame, options: Mapping[str, Any]) -> dict[str, Any]:
    """The change of one robustness fit, or its problem (a failed fit is recorded, not raised)."""
    try:
        return {**_change_row(_quiet_fit(data, options)), "problem": None}
    except PssError as exc:
        return {**dict.fromkeys(_CHANGE_COLUMNS, math.nan), "direction": None, "problem": str(exc)}
    except Exception as exc:  # noqa: BLE001 - a model statsmodels cannot fit to one variant is a row, not a crash
        problem = f"{type(exc).__name__}: {exc}"
        return {**dict.fromkeys(_CHANGE_COLUMNS, math.nan), "direction": None, "problem": problem}


def _empty(columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


# --- placebo in time -----------------------------------------------------------------------------------------

_PLACEBO_COLUMNS = ["start", "n_before", "n_after", *_CHANGE_COLUMNS, "direction", "larger_than_real", "problem"]


def _placebos(
    data: pd.DataFrame, base: dict[str, Any], headline: ItsResult, head: Mapping[str, Any], min_points: int
) -> pd.DataFrame:
    """Refit on the months before the real start with a pretend start at every admissible month."""
    time = base["time"]
    ordered = data.sort_values(time, kind="stable")
    n_pre = int(headline.specification["interruption_t"]) - 1
    pre = ordered.iloc[:n_pre]
    phase_in = int(base.get("phase_in", 0))
    starts = range(min_points, n_pre - phase_in - min_points + 1)
    real = abs(head["standardised_change"])
    rows = []
    for k in starts:
        start = pre[time].iloc[k]
        options = {**base, "interruption": start, "interruptions": _history(base, pre, k)}
        if base.get("control") is not None:
            control = base["control"]
            options["control"] = control[control[time].isin(pre[time])]
        change = _try_change(pre, options)
        larger = abs(change["standardised_change"]) >= real if change["problem"] is None else None
        rows.append(
            {"start": start, "n_before": k, "n_after": n_pre - k - phase_in, **change, "larger_than_real": larger}
        )
    return pd.DataFrame(rows, columns=_PLACEBO_COLUMNS) if rows else _empty(_PLACEBO_COLUMNS)


def _history(base: Mapping[str, Any], pre: pd.DataFrame, k: int) -> list[Any] | None:
    """The extra interruptions at months before pretend start ``k`` (later ones are left out)."""
    extra = base.get("interruptions") or []
    earlier = set(pre[base["time"]].iloc[:k])
    kept = [v for v in extra if v in earlier]
    return kept or None


# --- specifications ------------------------------------------------------------------------------------------

_SPEC_COLUMNS = [
    "family",
    "seasonality",
    "autocorrelation",
    "headline",
    "changed",
    *_CHANGE_COLUMNS,
    "direction",
    "holds",
    "problem",
]


def _season_label(seasonality: Any) -> str:
    if seasonality is None:
        return "none"
    return str(seasonality if isinstance(seasonality, str) else seasonality.get("type"))


def _ac_label(autocorrelation: Any) -> str:
    if autocorrelation is None:
        return "none"
    return str(autocorrelation if isinstance(autocorrelation, str) else autocorrelation.get("type"))


def _spec_grid(base: Mapping[str, Any], n: int) -> list[dict[str, Any]]:
    """Every (family, seasonality, autocorrelation) for this outcome, nearest the headline first."""
    family = base.get("family", "gaussian")
    fam = FAMILIES[family]
    group = "binomial" if fam.binomial else ("counts" if fam.counts else "values")
    seasons = {**SPECIFICATION_SEASONALITY, _season_label(base.get("seasonality")): base.get("seasonality")}
    ac_own = base.get("autocorrelation")
    nw = ac_own if _ac_label(ac_own) == "newey_west" else {"type": "newey_west", "lags": newey_west_lags(n)}
    acs: dict[str, Any] = {"none": None, "newey_west": nw}
    if group == "values":
        acs["ar1"] = "ar1"
    acs[_ac_label(ac_own)] = ac_own
    head = (family, _season_label(base.get("seasonality")), _ac_label(ac_own))
    grid = []
    for f, s, a in itertools.product(SPECIFICATION_FAMILIES[group], seasons, acs):
        changed = sum(x != h for x, h in zip((f, s, a), head, strict=True))
        grid.append({"family": f, "seasonality": s, "autocorrelation": a, "changed": changed, "_s": seasons[s]})
        grid[-1]["_a"] = acs[a]
    # nearest first; among equally near, the fits without a likelihood search of their own first
    grid.sort(key=lambda g: (g["changed"], g["family"] in _SLOW or g["autocorrelation"] in _SLOW))
    return grid


def _specifications(
    data: pd.DataFrame, base: dict[str, Any], headline: ItsResult, head_dir: int, max_specifications: int | None
) -> pd.DataFrame:
    """The headline change under each specification of :func:`_spec_grid`."""
    grid = _spec_grid(base, int(headline.specification["n"]))
    if max_specifications is not None:
        grid = grid[: max_specifications + 1]  # the headline first, then the nearest alternatives
    rows = []
    for g in grid:
        if g["changed"] == 0:
            change = {**_change_row(headline), "problem": None}
        else:
            options = {**base, "family": g["family"], "seasonality": g["_s"], "autocorrelation": g["_a"]}
            change = _try_change(data, options)
        holds = None if change["problem"] else change["direction"] == head_dir
        row = {k: g[k] for k in ("family", "seasonality", "autocorrelation", "changed")}
        rows.append({**row, "headline": g["changed"] == 0, **change, "holds": holds})
    return pd.DataFrame(rows, columns=_SPEC_COLUMNS)


# --- leave one out -------------------------------------------------------------------------------------------

_LOO_COLUMNS = ["left_out", "headline", *_CHANGE_COLUMNS, "direction", "holds", "problem"]


def _leave_one_out(data: pd.DataFrame, base: dict[str, Any], head_dir: int) -> pd.DataFrame:
    """The headline change without each extra interruption in turn."""
    extra = list(base.get("interruptions") or [])
    rows = []
    for i, left_out in enumerate(extra):
        rest = extra[:i] + extra[i + 1 :]
        change = _try_change(data, {**base, "interruptions": rest or None})
        holds = None if change["problem"] else change["direction"] == head_dir
        rows.append({"left_out": left_out, "headline": False, **change, "holds": holds})
    return pd.DataFrame(rows, columns=_LOO_COLUMNS) if rows else _empty(_LOO_COLUMNS)
