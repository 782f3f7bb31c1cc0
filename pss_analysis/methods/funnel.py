"""Funnel plots: units compared with a common target by control limits that narrow as units grow.

Spiegelhalter, D. J. (2005), "Funnel plots for comparing institutional performance",
*Statistics in Medicine* 24(8): 1185-1202. Each unit's indicator ``y = numerator / denominator``
is plotted against its size (the denominator, the precision parameter); the limits are those of
the target ``theta`` for a unit of that size, from the exact distribution with the paper's
interpolation between the discrete steps (its Appendix A.1.1):

- a **proportion** (``kind="proportion"``): the numerator is Binomial(n, theta);
- a **rate** (``kind="rate"``): the numerator is Poisson(theta * n), n the person-time.

For a probability ``p`` the limit is ``(r_p - a) / n`` where ``r_p`` is the smallest count with
``F(r_p) >= p`` and ``a = (F(r_p) - p) / (F(r_p) - F(r_p - 1))``. The paper's two levels are 95%
(z = 1.96, "two-sigma") and 99.8% (z = 3.09, "three-sigma"); :data:`FUNNEL_LEVELS`. Like the
paper, the target is given (by default the pooled value of every unit); the limits are for the
target as known, with no allowance for over-dispersion (the paper's section 6 describes that).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["FUNNEL_LEVELS", "FUNNEL_KINDS", "funnel_limits", "funnel_points", "pooled_target"]

#: The two pairs of limits of Spiegelhalter (2005): 95% and 99.8% (two-sided).
FUNNEL_LEVELS: tuple[float, ...] = (0.95, 0.998)
#: The indicators a funnel plot compares: binomial proportions and Poisson rates.
FUNNEL_KINDS: tuple[str, ...] = ("proportion", "rate")

FunnelKind = Literal["proportion", "rate"]


def _distribution(kind: str, target: float, n: np.ndarray) -> stats.rv_discrete:
    if kind == "proportion":
        return stats.binom(np.round(n).astype(np.int64), target)
    if kind == "rate":
        return stats.poisson(target * n)
    raise ValueError(f"unknown funnel kind {kind!r}: one of {', '.join(FUNNEL_KINDS)}")


def _exact_limit(kind: str, target: float, n: np.ndarray, p: float) -> np.ndarray:
    """Spiegelhalter (2005) Appendix A.1.1: ``(r_p - a) / n`` with interpolation between the counts."""
    dist = _distribution(kind, target, n)
    r = dist.ppf(p)
    f_r = dist.cdf(r)
    f_below = dist.cdf(r - 1)
    step = f_r - f_below
    a = np.divide(f_r - p, step, out=np.zeros_like(r, dtype=float), where=step > 0)
    return (r - a) / n


def funnel_limits(
    target: float, sizes: np.ndarray | list[float], *, kind: FunnelKind, levels: tuple[float, ...] = FUNNEL_LEVELS
) -> pd.DataFrame:
    """The funnel's limits at each size: ``size, target`` and ``lower_<level>``, ``upper_<level>``.

    ``target`` is the proportion or rate per unit of size (not multiplied); ``levels`` as
    fractions (``0.95`` -> columns ``lower_95``, ``upper_95``; ``0.998`` -> ``lower_99_8``).
    """
    if not 0 < target < (1 if kind == "proportion" else np.inf):
        raise ValueError(f"a funnel target must be above 0 (and below 1 for a proportion), found {target}")
    n = np.asarray(sizes, dtype=float)
    if (n <= 0).any():
        raise ValueError("funnel sizes must be positive")
    out = pd.DataFrame({"size": n, "target": target})
    for level in levels:
        tail = (1 - level) / 2
        name = _level_name(level)
        out[f"lower_{name}"] = np.clip(_exact_limit(kind, target, n, tail), 0, None)
        out[f"upper_{name}"] = _exact_limit(kind, target, n, 1 - tail)
    return out


def _level_name(level: float) -> str:
    return f"{level * 100:g}".replace(".", "_")


def pooled_target(numerators: pd.Series, denominators: pd.Series) -> float:
    """The pooled value of every unit: the sum of numerators over the sum of denominators."""
    return float(np.sum(numerators) / np.sum(denominators))


def funnel_points(
    units: pd.DataFrame, *, kind: FunnelKind, target: float | None = None, levels: tuple[float, ...] = FUNNEL_LEVELS
) -> pd.DataFrame:
    """Each unit against the funnel: ``units`` has ``unit, numerator, denominator``.

    Adds ``value`` (numerator / denominator), ``target`` (the pooled value unless given), the limits
    at the unit's own size, and ``position``: ``"above 99.8%"``, ``"above 95%"``, ``"within"``,
    ``"below 95%"`` or ``"below 99.8%"`` (the outermost limit crossed).
    """
    frame = units[units["denominator"] > 0].reset_index(drop=True)
    theta = pooled_target(frame["numerator"], frame["denominator"]) if target is None else target
    limits = funnel_limits(theta, frame["denominator"].to_numpy(), kind=kind, levels=levels)
    out = frame.assign(value=frame["numerator"] / frame["denominator"])
    out = pd.concat([out, limits.drop(columns="size")], axis=1)
    position = pd.Series("within", index=out.index)
    for level in sorted(levels):  # the wider limits last, so the outermost crossed wins
        name = _level_name(level)
        position[out["value"] > out[f"upper_{name}"]] = f"above {level * 100:g}%"
        position[out["value"] < out[f"lower_{name}"]] = f"below {level * 100:g}%"
    return out.assign(position=position)
