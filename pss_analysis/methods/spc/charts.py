"""Control-chart types: centre lines and sigma lines, computed for many phases at once.

Every chart is a small function registered in :data:`CHARTS` under its name. It
receives flat arrays covering any number of series and phases (points sorted by
series, then x; phases contiguous) and returns the plotted value, the centre
line and the 1-, 2- and 3-sigma lines of every point. Nothing loops over
points: phase totals come from ``np.bincount`` and moving ranges from one
``np.diff`` over the whole array.

The definitions follow qicharts2 (Anhøj, ``R/helper.functions.R``, v0.7–0.8)
unless the chart is an MDC chart (``xmr``, NHS England Making Data Count).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gammaln

from pss_analysis.methods.spc.constants import (
    MR_SCREEN_FACTOR,
    MR_TO_SIGMA,
    MR_UCL_FACTOR,
    SIGMA_LIMIT,
    T_CHART_EXPONENT,
    XMR_LIMIT_FACTOR,
)

__all__ = ["ChartSpec", "CHARTS", "c4", "c5", "a3", "b3", "b4"]

SIGMA_MULTIPLES = (1, 2, 3)  # the 1-, 2- and 3-sigma lines every chart returns


@dataclass
class ChartInput:
    """Flat arrays handed to a chart function (internal)."""

    value: np.ndarray  # y, or y / n; NaN where missing
    y: np.ndarray
    n: np.ndarray  # denominator or subgroup size; NaN when not used
    sd: np.ndarray  # subgroup standard deviation (xbar / s charts); NaN otherwise
    phase: np.ndarray  # global phase index 0..n_phases-1, non-decreasing
    n_phases: int
    base: np.ndarray  # used for the limits: included, in the baseline window, not missing
    calc: np.ndarray  # as base, but keeps missing rows (NaN) so moving ranges do not bridge gaps
    screen: bool  # screen moving ranges (Nelson 1982 / qicharts2 / NHSRplotthedots)
    bridge_gaps: bool = False  # moving ranges of the MR chart span missing values


@dataclass
class ChartLines:
    """What a chart function returns (internal)."""

    value: np.ndarray
    centre_line: np.ndarray
    lower: dict[int, np.ndarray]  # sigma multiple -> lower line
    upper: dict[int, np.ndarray]  # sigma multiple -> upper line
    screened: np.ndarray | None = None  # moving ranges screened out, per phase
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChartSpec:
    """A chart type: its function and what it needs from the data."""

    name: str
    function: Callable[[ChartInput], ChartLines]
    description: str
    denominator: str  # "required", "optional" or "forbidden"
    subgrouped: bool = False  # one row per observation, x identifies the subgroup
    counts: bool = False  # y must be >= 0
    proportion: bool = False  # y must be <= n
    positive: bool = False  # y must be > 0
    has_limits: bool = True


# --- phase-wise helpers -------------------------------------------------------------


def _phase_sum(values: np.ndarray, inp: ChartInput, mask: np.ndarray) -> np.ndarray:
    return np.bincount(inp.phase[mask], weights=values[mask], minlength=inp.n_phases)


def _phase_count(inp: ChartInput, mask: np.ndarray) -> np.ndarray:
    return np.bincount(inp.phase[mask], minlength=inp.n_phases).astype(float)


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.full(np.shape(num), np.nan)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _phase_mean(values: np.ndarray, inp: ChartInput, mask: np.ndarray | None = None) -> np.ndarray:
    mask = inp.base if mask is None else mask
    mask = mask & np.isfinite(values)
    return _divide(_phase_sum(values, inp, mask), _phase_count(inp, mask))


def _phase_median(values: np.ndarray, inp: ChartInput) -> np.ndarray:
    """Median of the base values of every phase, by one sort."""
    mask = inp.base & np.isfinite(values)
    v = values[mask]
    ph = inp.phase[mask]
    order = np.lexsort((v, ph))
    v = v[order]
    counts = np.bincount(ph, minlength=inp.n_phases)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out = np.full(inp.n_phases, np.nan)
    has = counts > 0
    lo = starts[has] + (counts[has] - 1) // 2
    hi = starts[has] + counts[has] // 2
    out[has] = (v[lo] + v[hi]) / 2
    return out


def _mean_moving_range(values: np.ndarray, inp: ChartInput, screen: bool) -> tuple[np.ndarray, np.ndarray]:
    """Mean moving range of the calculation points of every phase.

    Moving ranges are taken between consecutive calculation points of the same
    phase: excluded points are bridged (as qicharts2 does), missing values are
    not (a moving range next to a gap is undefined, as in qicharts2 and
    NHSRplotthedots) unless the caller dropped them from ``calc``. With
    ``screen``, moving ranges of at least ``MR_SCREEN_FACTOR`` times the mean
    are dropped and the mean recomputed once (Nelson 1982; qicharts2;
    NHSRplotthedots).
    """
    idx = np.flatnonzero(inp.calc)
    v = values[idx]
    ph = inp.phase[idx]
    mr = np.abs(np.diff(v))
    ok = (ph[1:] == ph[:-1]) & np.isfinite(mr)
    mr = mr[ok]
    mr_phase = ph[1:][ok]
    count = np.bincount(mr_phase, minlength=inp.n_phases).astype(float)
    amr = _divide(np.bincount(mr_phase, weights=mr, minlength=inp.n_phases), count)
    screened = np.zeros(inp.n_phases, dtype=int)
    if screen and mr.size:
        keep = mr < MR_SCREEN_FACTOR * amr[mr_phase]
        screened = np.bincount(mr_phase[~keep], minlength=inp.n_phases)
        amr = _divide(
            np.bincount(mr_phase[keep], weights=mr[keep], minlength=inp.n_phases),
            np.bincount(mr_phase[keep], minlength=inp.n_phases).astype(float),
        )
    return amr, screened


def _symmetric(
    centre: np.ndarray,
    sigma: np.ndarray,
    *,
    floor: float | None = None,
    ceiling: float | None = None,
) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """centre +/- k sigma for k = 1, 2, 3, clamped to [floor, ceiling] (NaN stays NaN)."""
    lower: dict[int, np.ndarray] = {}
    upper: dict[int, np.ndarray] = {}
    for k in SIGMA_MULTIPLES:
        lo = centre - k * sigma
        hi = centre + k * sigma
        if floor is not None:
            lo = np.where(lo < floor, floor, lo)
        if ceiling is not None:
            hi = np.where(hi > ceiling, ceiling, hi)
        lower[k] = lo
        upper[k] = hi
    return lower, upper


def _no_lines(size: int) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    nan = np.full(size, np.nan)
    return ({k: nan.copy() for k in SIGMA_MULTIPLES}, {k: nan.copy() for k in SIGMA_MULTIPLES})


# --- control-chart constants (exact, as qicharts2 >= 0.5.1) --------------------------


def c4(n: np.ndarray) -> np.ndarray:
    """c4(n) = sqrt(2/(n-1)) * Gamma(n/2) / Gamma((n-1)/2); NaN for n <= 1 (Montgomery Appendix VI)."""
    n = np.asarray(n, dtype=float)
    m = np.where(n > 1, n, np.nan)
    return np.sqrt(2 / (m - 1)) * np.exp(gammaln(m / 2) - gammaln((m - 1) / 2))


def c5(n: np.ndarray) -> np.ndarray:
    """c5(n) = sqrt(1 - c4(n)^2), the standard deviation of s in sigma units."""
    return np.sqrt(1 - c4(n) ** 2)


def a3(n: np.ndarray, k: float = SIGMA_LIMIT) -> np.ndarray:
    """A3 = k / (c4(n) sqrt(n)) (Montgomery eq. 6.29; k = 3 for control limits)."""
    n = np.asarray(n, dtype=float)
    return k / (c4(n) * np.sqrt(n))


def b3(n: np.ndarray, k: float = SIGMA_LIMIT) -> np.ndarray:
    """B3 = max(0, 1 - k c5/c4) (Montgomery eq. 6.27)."""
    return np.maximum(0, 1 - k * c5(n) / c4(n))


def b4(n: np.ndarray, k: float = SIGMA_LIMIT) -> np.ndarray:
    """B4 = 1 + k c5/c4 (Montgomery eq. 6.27)."""
    return 1 + k * c5(n) / c4(n)


# --- the charts ---------------------------------------------------------------------


def chart_xmr(inp: ChartInput) -> ChartLines:
    """XmR chart (NHS Making Data Count): mean +/- 2.66 x mean moving range.

    The 2-sigma lines are mean +/- (2/3) x 2.66 x mean moving range and the
    1-sigma lines mean +/- (1/3) x 2.66 x mean moving range (NHSRplotthedots
    ``limitclose``).
    """
    mean = _phase_mean(inp.value, inp)
    amr, screened = _mean_moving_range(inp.value, inp, inp.screen)
    sigma = XMR_LIMIT_FACTOR * amr / SIGMA_LIMIT
    lower, upper = _symmetric(mean[inp.phase], sigma[inp.phase])
    return ChartLines(inp.value, mean[inp.phase], lower, upper, screened)


def chart_i(inp: ChartInput) -> ChartLines:
    """I chart (qicharts2 ``qic.i``): mean +/- 3 x mean moving range / 1.128 (Montgomery eq. 6.33)."""
    mean = _phase_mean(inp.value, inp)
    amr, screened = _mean_moving_range(inp.value, inp, inp.screen)
    sigma = amr / MR_TO_SIGMA
    lower, upper = _symmetric(mean[inp.phase], sigma[inp.phase])
    return ChartLines(inp.value, mean[inp.phase], lower, upper, screened)


def chart_mr(inp: ChartInput) -> ChartLines:
    """Moving-range chart (qicharts2 ``qic.mr``): CL = mean MR, UCL = 3.267 x mean MR, LCL = 0.

    The plotted value is |y_i - y_(i-1)| within the phase (the first point of
    each phase has none). As in qicharts2 the k-sigma upper lines are
    (3.267 / 3) x k x mean MR and the lower lines are 0.
    """
    v = inp.value
    mr = np.full(v.shape, np.nan)
    idx = np.flatnonzero(np.isfinite(v)) if inp.bridge_gaps else np.arange(v.size)
    if idx.size > 1:
        same = inp.phase[idx[1:]] == inp.phase[idx[:-1]]
        mr[idx[1:]] = np.where(same, np.abs(np.diff(v[idx])), np.nan)
    cl = _phase_mean(mr, inp)[inp.phase]
    zero = np.zeros_like(cl)
    zero[~np.isfinite(cl)] = np.nan
    lower = {k: zero.copy() for k in SIGMA_MULTIPLES}
    upper = {k: MR_UCL_FACTOR / SIGMA_LIMIT * k * cl for k in SIGMA_MULTIPLES}
    return ChartLines(mr, cl, lower, upper)


def chart_run(inp: ChartInput) -> ChartLines:
    """Run chart (qicharts2 ``qic.run``): median centre line, no limits."""
    median = _phase_median(inp.value, inp)
    lower, upper = _no_lines(inp.value.size)
    return ChartLines(inp.value, median[inp.phase], lower, upper)


def chart_p(inp: ChartInput) -> ChartLines:
    """P chart (qicharts2 ``qic.p``; Montgomery eq. 7.8).

    p-bar +/- 3 sqrt(p-bar (1 - p-bar) / n_i), clamped to [0, 1].
    """
    pbar = _divide(_phase_sum(inp.y, inp, inp.base), _phase_sum(inp.n, inp, inp.base))[inp.phase]
    sigma = np.sqrt(pbar * (1 - pbar) / inp.n)
    lower, upper = _symmetric(pbar, sigma, floor=0.0, ceiling=1.0)
    return ChartLines(inp.value, pbar, lower, upper)


def _laney_sigma_z(inp: ChartInput, centre: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sigma_z = mean moving range of z_i = (value_i - centre) / sigma_i, / 1.128 (Laney 2002)."""
    z = (inp.value - centre) / sigma
    amr, screened = _mean_moving_range(z, inp, inp.screen)
    return amr / MR_TO_SIGMA, screened


def chart_pp(inp: ChartInput) -> ChartLines:
    """Laney p' chart (qicharts2 ``qic.pp``; Laney 2002): p chart sigma x sigma_z, clamped to [0, 1]."""
    pbar = _divide(_phase_sum(inp.y, inp, inp.base), _phase_sum(inp.n, inp, inp.base))[inp.phase]
    sigma = np.sqrt(pbar * (1 - pbar) / inp.n)
    sigma_z, screened = _laney_sigma_z(inp, pbar, sigma)
    lower, upper = _symmetric(pbar, sigma * sigma_z[inp.phase], floor=0.0, ceiling=1.0)
    return ChartLines(inp.value, pbar, lower, upper, screened)


def chart_u(inp: ChartInput) -> ChartLines:
    """U chart (qicharts2 ``qic.u``; Montgomery eq. 7.19): u-bar +/- 3 sqrt(u-bar / n_i), floor 0."""
    ubar = _divide(_phase_sum(inp.y, inp, inp.base), _phase_sum(inp.n, inp, inp.base))[inp.phase]
    sigma = np.sqrt(ubar / inp.n)
    lower, upper = _symmetric(ubar, sigma, floor=0.0)
    return ChartLines(inp.value, ubar, lower, upper)


def chart_up(inp: ChartInput) -> ChartLines:
    """Laney u' chart (qicharts2 ``qic.up``; Laney 2002): u chart sigma x sigma_z, floor 0."""
    ubar = _divide(_phase_sum(inp.y, inp, inp.base), _phase_sum(inp.n, inp, inp.base))[inp.phase]
    sigma = np.sqrt(ubar / inp.n)
    sigma_z, screened = _laney_sigma_z(inp, ubar, sigma)
    lower, upper = _symmetric(ubar, sigma * sigma_z[inp.phase], floor=0.0)
    return ChartLines(inp.value, ubar, lower, upper, screened)


def chart_c(inp: ChartInput) -> ChartLines:
    """C chart (qicharts2 ``qic.c``; Montgomery eq. 7.17): c-bar +/- 3 sqrt(c-bar), floor 0."""
    cbar = _phase_mean(inp.value, inp)[inp.phase]
    lower, upper = _symmetric(cbar, np.sqrt(cbar), floor=0.0)
    return ChartLines(inp.value, cbar, lower, upper)


def chart_g(inp: ChartInput) -> ChartLines:
    """G chart (qicharts2 ``qic.g``; Benneyan 2001; Montgomery p. 319).

    Limits are mean +/- 3 sqrt(mean (mean + 1)) with floor 0; the centre line
    is the median of the baseline values, as qicharts2 draws it.
    """
    mean = _phase_mean(inp.value, inp)[inp.phase]
    sigma = np.sqrt(mean * (mean + 1))
    lower, upper = _symmetric(mean, sigma, floor=0.0)
    median = _phase_median(inp.value, inp)[inp.phase]
    return ChartLines(inp.value, median, lower, upper)


def chart_t(inp: ChartInput) -> ChartLines:
    """T chart (qicharts2 ``qic.t``; Nelson 1994): I chart of y^(1/3.6), back-transformed.

    Transformed lines below zero have no back-transform (NaN), except the
    lower control limit, which is then 0 as in qicharts2.
    """
    transformed = inp.value ** (1 / T_CHART_EXPONENT)
    t_inp = ChartInput(
        transformed, inp.y, inp.n, inp.sd, inp.phase, inp.n_phases, inp.base, inp.calc, inp.screen, inp.bridge_gaps
    )
    lines = chart_i(t_inp)

    def back(line: np.ndarray) -> np.ndarray:
        out = np.full(line.shape, np.nan)
        ok = line >= 0
        out[ok] = line[ok] ** T_CHART_EXPONENT
        return out

    lower = {k: back(v) for k, v in lines.lower.items()}
    upper = {k: back(v) for k, v in lines.upper.items()}
    lcl = lower[SIGMA_LIMIT]
    lcl[~np.isfinite(lcl) & np.isfinite(upper[SIGMA_LIMIT])] = 0.0
    return ChartLines(inp.value, back(lines.centre_line), lower, upper, lines.screened)


def _subgroup_sigma(inp: ChartInput) -> np.ndarray:
    """Per-phase sigma estimate of subgrouped data (qicharts2 ``qic.xbar``/``qic.s``).

    Constant subgroup size within the phase: mean of the subgroup standard
    deviations (Montgomery eq. 6.29). Varying sizes: pooled
    sqrt(sum((n_i - 1) s_i^2) / sum(n_i - 1)) (Montgomery eq. 6.31).
    """
    starts = np.flatnonzero(np.r_[True, inp.phase[1:] != inp.phase[:-1]]) if inp.phase.size else np.array([], int)
    size = np.where(np.isfinite(inp.n), inp.n, -1.0)
    nmin = np.full(inp.n_phases, np.nan)
    nmax = np.full(inp.n_phases, np.nan)
    if starts.size:
        nmin[inp.phase[starts]] = np.minimum.reduceat(size, starts)
        nmax[inp.phase[starts]] = np.maximum.reduceat(size, starts)
    varying = nmin != nmax
    ok = inp.base & np.isfinite(inp.sd)
    mean_sd = _divide(_phase_sum(inp.sd, inp, ok), _phase_count(inp, ok))
    dof = inp.n - 1
    pooled = np.sqrt(_divide(_phase_sum(dof * inp.sd**2, inp, ok), _phase_sum(dof, inp, ok)))
    return np.where(varying, pooled, mean_sd)


def chart_xbar(inp: ChartInput) -> ChartLines:
    """X-bar chart (qicharts2 ``qic.xbar``; Montgomery eqs. 6.29-6.31).

    Centre: grand mean weighted by subgroup size. Lines: centre +/- k sigma /
    (c4(n_i) sqrt(n_i)), so the limits use A3 with exact c4 for every
    subgroup size.
    """
    w = np.where(np.isfinite(inp.n), inp.n, 0.0)
    centre = _divide(_phase_sum(w * inp.value, inp, inp.base), _phase_sum(w, inp, inp.base))[inp.phase]
    sigma = _subgroup_sigma(inp)[inp.phase]
    lower: dict[int, np.ndarray] = {}
    upper: dict[int, np.ndarray] = {}
    for k in SIGMA_MULTIPLES:
        half = a3(inp.n, k) * sigma
        lower[k] = centre - half
        upper[k] = centre + half
    return ChartLines(inp.value, centre, lower, upper)


def chart_s(inp: ChartInput) -> ChartLines:
    """S chart (qicharts2 ``qic.s``; Montgomery eqs. 6.27, 6.31): CL = s-bar (or pooled s), lines B3/B4 x CL."""
    centre = _subgroup_sigma(inp)[inp.phase]
    lower = {k: b3(inp.n, k) * centre for k in SIGMA_MULTIPLES}
    upper = {k: b4(inp.n, k) * centre for k in SIGMA_MULTIPLES}
    return ChartLines(inp.sd.copy(), centre, lower, upper)


CHARTS: dict[str, ChartSpec] = {
    spec.name: spec
    for spec in (
        ChartSpec("xmr", chart_xmr, "XmR chart, mean +/- 2.66 mean moving range (NHS Making Data Count)", "optional"),
        ChartSpec("i", chart_i, "I chart, mean +/- 3 mean moving range / 1.128 (qicharts2)", "optional"),
        ChartSpec("mr", chart_mr, "moving-range chart, CL mean MR, UCL 3.267 mean MR (qicharts2)", "optional"),
        ChartSpec(
            "run", chart_run, "run chart, median centre line, no limits (qicharts2)", "optional", has_limits=False
        ),
        ChartSpec(
            "p", chart_p, "P chart of proportions (qicharts2; Montgomery 7.8)", "required", counts=True, proportion=True
        ),
        ChartSpec("pp", chart_pp, "Laney p' chart (qicharts2; Laney 2002)", "required", counts=True, proportion=True),
        ChartSpec("u", chart_u, "U chart of rates (qicharts2; Montgomery 7.19)", "required", counts=True),
        ChartSpec("up", chart_up, "Laney u' chart (qicharts2; Laney 2002)", "required", counts=True),
        ChartSpec("c", chart_c, "C chart of counts (qicharts2; Montgomery 7.17)", "forbidden", counts=True),
        ChartSpec(
            "g", chart_g, "G chart of opportunities between events (qicharts2; Benneyan 2001)", "forbidden", counts=True
        ),
        ChartSpec("t", chart_t, "T chart of time between events (qicharts2; Nelson 1994)", "forbidden", positive=True),
        ChartSpec(
            "xbar",
            chart_xbar,
            "X-bar chart of subgroup means (qicharts2; Montgomery 6.29-6.31)",
            "forbidden",
            subgrouped=True,
        ),
        ChartSpec(
            "s",
            chart_s,
            "S chart of subgroup standard deviations (qicharts2; Montgomery 6.27-6.31)",
            "forbidden",
            subgrouped=True,
        ),
    )
}
"""Chart types by name."""
