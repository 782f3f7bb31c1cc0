"""Many interrupted time series at once (:func:`fit_its_many`): one fit per series of a long
table (localities, providers, measures), all series on the same time grid sharing one design, so
they are fitted together with array operations (batched IRLS across series for the GLM families,
one least-squares solve for the Gaussian family) rather than a Python loop of model fits. Every
series' numbers equal :func:`fit_its` on that series' rows; effects and impacts come back as tidy
long tables keyed by the ``by`` columns."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pss_analysis.errors import DataValidationError, ParameterError, PssError, PssWarning, ShortSeriesWarning
from pss_analysis.methods.its.design import _assemble_rows, _Design, _make_design, _resolve_interruptions
from pss_analysis.methods.its.estimators import (
    IRLS_MAX_ITER,
    IRLS_PARAMS_TOL,
    NEWEY_WEST_DEFAULT_LAGS_EXPONENT,
    NEWEY_WEST_DEFAULT_LAGS_FACTOR,
)
from pss_analysis.methods.its.fit import _check_sufficiency, _inference, fit_its
from pss_analysis.methods.its.options import (
    DEFAULT_ALPHA,
    DEFAULT_FOURIER_HARMONICS,
    DEFAULT_SEASONAL_PERIOD,
    FAMILIES,
    _link_functions,
    _Options,
    _validate_options,
)
from pss_analysis.methods.its.results import _IMPACT_COLUMNS, _IMPACT_OFFSET_COLUMNS, _impact_horizons
from pss_analysis.methods.its.series import _require_column, _Series, _time_ordinals, _TimeKind

__all__ = ["fit_its_many", "ItsManyResult", "BATCHED_FAMILIES"]

BATCHED_FAMILIES = ("gaussian", "poisson", "quasipoisson", "binomial", "quasibinomial")
"""Families fitted together across series (without an ``autocorrelation`` structure, or with
Newey-West standard errors for the Gaussian family). Other options (``negbin``,
AR/ARMA errors, Newey-West on a GLM or across phase-in months) are fitted one series at a time
with :func:`fit_its`, with the same tidy output."""

_EFFECT_COLUMNS = [
    "group",
    "term",
    "interruption",
    "coef",
    "estimate",
    "std_error",
    "estimate_lower",
    "estimate_upper",
    "p_value",
    "scale",
    "time_since",
]


# --------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------


@dataclass
class _Batch:
    """Series on one time grid: their keys, shared design and fitted arrays (S series, p terms)."""

    keys: pd.DataFrame  # the by columns, one row per series
    rows: dict[str, np.ndarray]  # the template rows (time, t, phase, ...) shared by the series
    design: _Design
    interruption_t: int
    y: np.ndarray  # (S, n)
    trials: np.ndarray | None  # (S, n)
    exposure: np.ndarray | None  # (S, n)
    log_offset: np.ndarray  # (S, n)
    beta: np.ndarray  # (S, p)
    cov: np.ndarray  # (S, p, p)
    df_resid: float
    q_ci: float
    converged: np.ndarray  # (S,) bool
    notes: list[str] = field(default_factory=list)  # about the shared design (short series)


@dataclass(frozen=True, eq=False)
class ItsManyResult:
    """Interrupted time series fitted to many series (:func:`fit_its_many`).

    Attributes
    ----------
    by:
        The columns that identify a series.
    specification:
        What was fitted (as :attr:`ItsResult.specification`, shared by every series), plus
        ``n_series``, ``n_skipped`` and ``estimation`` ("batched" or "one fit per series").
    messages:
        Plain-English notes, each starting with the series key in brackets when it concerns one.
    skipped:
        Series not fitted, with the ``reason`` (e.g. an outcome with no variation).
    coefficients:
        Every regression coefficient (link scale), one row per fitted series (index: the ``by``
        values), one column per design term.
    """

    by: tuple[str, ...]
    specification: dict[str, Any]
    messages: tuple[str, ...]
    skipped: pd.DataFrame
    coefficients: pd.DataFrame
    _batches: list[_Batch] = field(repr=False)
    _horizons: tuple[int, ...] = field(repr=False)

    def summary(self) -> pd.DataFrame:
        """The effects table (the same as :meth:`effects`)."""
        return self.effects()

    def effects(self) -> pd.DataFrame:
        """The segmented-regression effects of every series, one row per series and term.

        Columns: the ``by`` columns, then those of :meth:`ItsResult.effects` (``group``, ``term``,
        ``interruption``, ``coef``, ``estimate``, ``std_error``, ``estimate_lower``,
        ``estimate_upper``, ``p_value``, ``scale``, ``time_since``), with the same values as
        :func:`fit_its` on each series.
        """
        frames = [_batch_effects(b, self.specification) for b in self._batches]
        return _concat(frames, self.by, _EFFECT_COLUMNS)

    def impact(self, at: Sequence[int] | int | None = None, *, per: float | None = None) -> pd.DataFrame:
        """Programme impact of every series, one row per series and horizon (plus a cumulative row).

        ``at`` defaults to the ``horizons`` given to :func:`fit_its_many`. Columns: the ``by``
        columns, then those of :meth:`ItsResult.impact` (with the offset-rate columns when an
        offset was given), with the same values as :func:`fit_its` on each series.
        """
        if per is not None and self.specification["offset"] is None:
            raise ParameterError(
                "rates need an offset, and this model has none", key="per", expected="per=None", found=per
            )
        hs = self._horizons if at is None else at
        frames = [_batch_impact(b, self.specification, hs, 1.0 if per is None else float(per)) for b in self._batches]
        cols = _IMPACT_COLUMNS + (_IMPACT_OFFSET_COLUMNS if self.specification["offset"] is not None else [])
        return _concat(frames, self.by, cols)

    def points(self) -> pd.DataFrame:
        """Months of every fitted series before the start and from it to the end of the data (phase-in
        months included), as :func:`~pss_analysis.evaluation.measures.points_before_and_since` counts
        them from one fit. Columns: the ``by`` columns, ``points_before``, ``points_after``."""
        frames = []
        for b in self._batches:
            before = int(np.sum(b.rows["phase"] == "pre"))
            after = len(b.rows["phase"]) - before
            frames.append(_with_keys(b.keys, 1, {"points_before": before, "points_after": after}))
        return _concat(frames, self.by, ["points_before", "points_after"])


def _concat(frames: list[pd.DataFrame], by: tuple[str, ...], cols: list[str]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(columns=[*by, *cols])
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------------


def fit_its_many(
    table: pd.DataFrame,
    *,
    by: str | Sequence[str],
    time: str,
    outcome: str,
    start: Any,
    family: str = "poisson",
    offset: str | None = None,
    denominator: str | None = None,
    seasonality: str | Mapping[str, Any] | None = None,
    fourier_pairs: int = DEFAULT_FOURIER_HARMONICS,
    slope_change: bool = True,
    autocorrelation: str | Mapping[str, Any] | None = None,
    interruptions: Sequence[Any] | None = None,
    phase_in: int = 0,
    alpha: float = DEFAULT_ALPHA,
    time_since: str = "wagner",
    horizons: Sequence[int] = (12, 24),
) -> ItsManyResult:
    """Fit an interrupted time series to every series of a long table.

    Parameters
    ----------
    table:
        One row per series and period.
    by:
        Column(s) identifying a series (e.g. ``"locality"`` or ``["measure", "provider"]``).
    time, outcome, start:
        The time column, the outcome column and the programme's first period (as ``time``,
        ``y`` and ``interruption`` of :func:`fit_its`).
    family, offset, denominator, slope_change, autocorrelation, interruptions, phase_in, alpha, time_since:
        As for :func:`fit_its`.
    seasonality, fourier_pairs:
        As ``seasonality`` of :func:`fit_its`; ``"fourier"`` uses ``fourier_pairs`` harmonic pairs
        (period 12).
    horizons:
        The default post-interruption periods of :meth:`ItsManyResult.impact`.

    Series on the same periods share one design and are fitted together (``BATCHED_FAMILIES``
    without autocorrelation); series on different periods form separate batches. A series whose
    outcome never varies is skipped (listed in ``skipped``), as is a batch too short for the
    design; malformed data (missing columns or values, duplicate periods, gaps, negative counts)
    raise :class:`~pss_analysis.errors.DataValidationError` naming the series.
    """
    by_cols = _by_columns(table, by)
    if isinstance(seasonality, str) and seasonality == "fourier":
        seasonality = {"type": "fourier", "k": fourier_pairs, "period": DEFAULT_SEASONAL_PERIOD}
    fit_kwargs: dict[str, Any] = {
        "family": family,
        "seasonality": seasonality,
        "autocorrelation": autocorrelation,
        "slope_change": slope_change,
        "phase_in": phase_in,
        "alpha": alpha,
        "time_since": time_since,
    }
    options = _validate_options(**fit_kwargs)
    _impact_horizons(horizons, 10**9)  # whole numbers >= 1 (the upper bound is checked per batch)
    frame = _SeriesTable.read(table, by_cols, time, outcome, offset, denominator, options)
    batched = _batched(options)
    batches, messages, skipped = [], list(frame.messages), list(frame.skipped)
    for members in frame.batches():
        try:
            if batched:
                batches.append(_fit_batch(frame, members, start, interruptions, options))
            else:
                one = {"offset": offset, "denominator": denominator, "interruptions": interruptions}
                batch, refused = _fit_one_by_one(frame, members, start, options, fit_kwargs | one)
                batches += [batch] if batch is not None else []
                skipped += refused
        except DataValidationError as exc:  # too few points, or terms that cannot be estimated
            skipped += [(key, str(exc)) for key in frame.key_tuples(members)]
    messages += [note for b in batches for note in b.notes] + _convergence_messages(batches, by_cols)
    spec = _many_specification(options, frame, batches, skipped, outcome, start, offset, denominator, batched)
    return ItsManyResult(
        by=by_cols,
        specification=spec,
        messages=tuple(messages),
        skipped=pd.DataFrame([(*k, reason) for k, reason in skipped], columns=[*by_cols, "reason"]),
        coefficients=_coefficient_frame(batches, by_cols),
        _batches=batches,
        _horizons=tuple(int(h) for h in horizons),
    )


def _batched(options: _Options) -> bool:
    ac = options.autocorrelation
    if options.family.name not in BATCHED_FAMILIES:
        return False
    # Newey-West pairs months within one run of consecutive fitted months: batched when none is left out
    newey_west = ac is not None and ac["type"] == "newey_west" and options.family.name == "gaussian"
    return ac is None or (newey_west and options.phase_in == 0)


def _by_columns(table: Any, by: Any) -> tuple[str, ...]:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(
            "the table must be a pandas DataFrame", key="table", expected="a DataFrame", found=type(table).__name__
        )
    cols = (by,) if isinstance(by, str) else tuple(by)
    if not cols:
        raise ParameterError("by needs at least one column", key="by", expected="a column name", found=by)
    for col in cols:
        _require_column(table, col, "by", "table")
    return cols


# --------------------------------------------------------------------------------------------
# The table of series: checked once, with array operations
# --------------------------------------------------------------------------------------------


@dataclass
class _SeriesTable:
    """All rows sorted by series then time, with per-series start and length."""

    by: tuple[str, ...]
    time: str  # the time column's name
    keys: pd.DataFrame  # one row per series (by columns)
    time_values: Any  # the time column's values (a pandas array), sorted
    ordinal: np.ndarray
    kind: _TimeKind
    y: np.ndarray
    trials: np.ndarray | None
    exposure: np.ndarray | None
    season: np.ndarray | None
    first: np.ndarray  # first row of each series
    length: np.ndarray
    usable: np.ndarray  # series not skipped
    messages: list[str]
    skipped: list[tuple[tuple[Any, ...], str]]

    @classmethod
    def read(
        cls,
        table: pd.DataFrame,
        by: tuple[str, ...],
        time: str,
        outcome: str,
        offset: str | None,
        denominator: str | None,
        options: _Options,
    ) -> _SeriesTable:
        """Sort, split and check the table (the checks of :func:`fit_its`, naming the series)."""
        fam = options.family
        codes = table.groupby(list(by), sort=True, dropna=False).ngroup().to_numpy()
        keys = table[list(by)].iloc[np.unique(codes, return_index=True)[1]].reset_index(drop=True)
        ordinal_raw, kind = _time_ordinals(_require_column(table, time, "time", "table"), time, "table")
        order = np.lexsort((ordinal_raw, codes))
        codes, ordinal = codes[order], ordinal_raw[order]
        length = np.bincount(codes, minlength=len(keys))
        first = np.r_[0, np.cumsum(length)[:-1]]
        time_values = table[time].array.take(order)  # not boxed: boxed only where shown
        self = cls(
            by,
            time,
            keys,
            time_values,
            ordinal,
            kind,
            np.empty(0),
            None,
            None,
            None,
            first,
            length,
            np.ones(len(keys), dtype=bool),
            [],
            [],
        )
        self._check_periods(codes, time)
        self.y = self._numbers(table, outcome, "y", order, codes)
        if fam.counts or fam.binomial:
            self._refuse(
                codes,
                (self.y < 0) | (self.y != np.round(self.y)),
                self.y,
                outcome,
                f"the {fam.name} family needs whole-number counts",
                "non-negative whole numbers",
            )
        self.exposure = self._read_offset(table, offset, options, order, codes)
        self.trials = self._read_trials(table, denominator, options, order, codes, outcome)
        column = options.season_column
        self.season = None if column is None else self._numbers(table, column, "seasonality.column", order, codes)
        self._skip_constant(outcome, denominator)
        return self

    def key_tuples(self, members: np.ndarray) -> list[tuple[Any, ...]]:
        return list(self.keys.iloc[members].itertuples(index=False, name=None))

    def _where(self, codes: np.ndarray, i: int) -> str:
        key = self.keys.iloc[int(codes[i])]
        return ", ".join(f"{c}={key[c]}" for c in self.by) + f", time {self.time_values[i]}"

    def _refuse(
        self, codes: np.ndarray, bad: np.ndarray, values: np.ndarray, column: str, what: str, expected: str
    ) -> None:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataValidationError(
                f"{what} (series {self._where(codes, i)})", column=column, expected=expected, found=values[i]
            )

    def _check_periods(self, codes: np.ndarray, time: str) -> None:
        same = np.r_[False, codes[1:] == codes[:-1]]
        step = np.r_[1, np.diff(self.ordinal)]
        self._refuse(
            codes, same & (step == 0), self.time_values, time, "duplicate period", "each period once per series"
        )
        self._refuse(codes, same & (step > 1), self.time_values, time, "gap before this period", "consecutive periods")

    def _numbers(self, table: pd.DataFrame, column: str, role: str, order: np.ndarray, codes: np.ndarray) -> np.ndarray:
        col = _require_column(table, column, role, "table")
        if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
            raise DataValidationError(
                "the column is not numeric", column=column, expected="numbers", found=str(col.dtype)
            )
        values = col.to_numpy(dtype=float, na_value=np.nan)[order]
        self._refuse(
            codes, ~np.isfinite(values), values, column, "missing or non-finite value", "a value in every period"
        )
        return values

    def _read_offset(
        self, table: pd.DataFrame, offset: str | None, options: _Options, order: np.ndarray, codes: np.ndarray
    ) -> np.ndarray | None:
        if offset is None:
            return None
        if not options.family.counts:
            raise ParameterError(
                f"an offset is only used by the count families, not {options.family.name}",
                key="offset",
                expected="offset=None",
                found=offset,
            )
        exposure = self._numbers(table, offset, "offset", order, codes)
        self._refuse(
            codes, exposure <= 0, exposure, offset, "the offset (population or exposure) must be positive", "values > 0"
        )
        return exposure

    def _read_trials(
        self,
        table: pd.DataFrame,
        denominator: str | None,
        options: _Options,
        order: np.ndarray,
        codes: np.ndarray,
        outcome: str,
    ) -> np.ndarray | None:
        fam = options.family
        if (denominator is not None) != fam.binomial:
            raise ParameterError(
                f"the {fam.name} family " + ("needs" if fam.binomial else "takes no") + " denominator (trials)",
                key="denominator",
                expected="the trials column" if fam.binomial else "denominator=None",
                found=denominator,
            )
        if denominator is None:
            return None
        trials = self._numbers(table, denominator, "denominator", order, codes)
        bad = (trials <= 0) | (trials != np.round(trials))
        self._refuse(
            codes, bad, trials, denominator, "the denominator must be a positive whole number", "whole numbers > 0"
        )
        self._refuse(codes, self.y > trials, self.y, outcome, "more successes than trials", f"at most '{denominator}'")
        return trials

    def _skip_constant(self, outcome: str, denominator: str | None) -> None:
        """A series whose outcome (or proportion) is the same in every period is skipped."""
        quantity = self.y if self.trials is None else self.y / self.trials
        lo = np.minimum.reduceat(quantity, self.first)
        hi = np.maximum.reduceat(quantity, self.first)
        what = f"'{outcome}'" + ("" if denominator is None else f" out of '{denominator}'")
        for s in np.flatnonzero(lo == hi):
            self.usable[s] = False
            self.skipped.append(
                (tuple(self.keys.iloc[s]), f"no variation to evaluate: {what} was {lo[s]:g} in every period")
            )

    def batches(self) -> list[np.ndarray]:
        """Usable series grouped by their periods (first period and length)."""
        usable = np.flatnonzero(self.usable)
        grid = np.column_stack([self.ordinal[self.first[usable]], self.length[usable]])
        _, label = np.unique(grid, axis=0, return_inverse=True)
        return [usable[label.ravel() == k] for k in range(int(label.max()) + 1)] if len(usable) else []

    def rows_of(self, members: np.ndarray) -> np.ndarray:
        """(S, n) row indices of the members (all of one length)."""
        n = int(self.length[members[0]])
        return self.first[members][:, None] + np.arange(n)[None, :]

    def template(self, members: np.ndarray) -> _Series:
        """The first member as a :class:`_Series` (times and season positions; y unused)."""
        idx = self.rows_of(members[:1])[0]
        season = None if self.season is None else self.season[idx]
        return _Series(pd.Series(self.time_values.take(idx)), self.ordinal[idx], self.y[idx], None, None, season)


# --------------------------------------------------------------------------------------------
# Fitting a batch
# --------------------------------------------------------------------------------------------


def _batch_design(
    frame: _SeriesTable, members: np.ndarray, start: Any, interruptions: Sequence[Any] | None, options: _Options
) -> tuple[dict[str, np.ndarray], _Design, int, list[str]]:
    """The design shared by the members, built as :func:`fit_its` builds it for one series."""
    template = frame.template(members)
    if frame.season is not None:
        season = frame.season[frame.rows_of(members)]
        if np.any(season != season[:1]):
            raise ParameterError(
                "series on the same periods must share their season positions",
                key="seasonality.column",
                expected="the same season position for a period in every series",
                found="different positions",
            )
    inter = _resolve_interruptions(template, frame.kind, start, interruptions, frame.time)
    rows = _assemble_rows([("treated", template)], inter, options.phase_in)
    notes = _check_sufficiency(rows, inter, options.phase_in, frame.time)
    design = _make_design(rows, frame.kind, inter, options, controlled=False)
    return rows, design, inter.main_t, notes


def _fit_batch(
    frame: _SeriesTable, members: np.ndarray, start: Any, interruptions: Sequence[Any] | None, options: _Options
) -> _Batch:
    """Fit every member together: batched IRLS (GLM families) or one least-squares solve."""
    rows, design, main_t, notes = _batch_design(frame, members, start, interruptions, options)
    idx = frame.rows_of(members)
    fam = options.family
    y = frame.y[idx]
    trials = None if frame.trials is None else frame.trials[idx]
    exposure = None if frame.exposure is None else frame.exposure[idx]
    log_offset = np.zeros_like(y) if exposure is None else np.log(exposure)
    in_fit = rows["in_fit"]
    x = design.x[in_fit]
    if fam.name == "gaussian":
        beta, cov, converged = _ols_many(x, y[:, in_fit], options.autocorrelation)
    else:
        beta, cov, converged = _irls_many(
            fam.link, fam.quasi, x, y[:, in_fit], None if trials is None else trials[:, in_fit], log_offset[:, in_fit]
        )
    df_resid = float(x.shape[0] - x.shape[1])
    q = stats.t.ppf(1 - options.alpha / 2, df_resid) if fam.ci_dist == "t" else stats.norm.ppf(1 - options.alpha / 2)
    keys = frame.keys.iloc[members].reset_index(drop=True)
    for note in notes:
        warnings.warn(note, ShortSeriesWarning, stacklevel=3)
    batch = _Batch(
        keys, rows, design, main_t, y, trials, exposure, log_offset, beta, cov, df_resid, float(q), converged
    )
    batch.notes = notes
    return batch


def _ols_many(
    x: np.ndarray, y: np.ndarray, autocorrelation: Mapping[str, Any] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """OLS of every row of ``y`` (S, n) on the shared design ``x`` (n, p): one QR. With Newey-West
    ``autocorrelation`` the covariance is the sandwich :func:`fit_its` gets from statsmodels'
    ``hac-panel`` (Bartlett weights, lags within the series, ``n / (n - p)`` when ``small_sample``)."""
    n, p = x.shape
    q, r = np.linalg.qr(x)
    r_inv = np.linalg.inv(r)
    beta = (y @ q) @ r_inv.T
    resid = y - beta @ x.T
    xtx_inv = r_inv @ r_inv.T
    converged = np.ones(len(y), dtype=bool)
    if autocorrelation is None:
        sigma2 = np.einsum("ij,ij->i", resid, resid) / (n - p)
        return beta, sigma2[:, None, None] * xtx_inv[None], converged
    lags = autocorrelation["lags"]
    if lags is None:
        lags = int(np.floor(NEWEY_WEST_DEFAULT_LAGS_FACTOR * (n / 100.0) ** NEWEY_WEST_DEFAULT_LAGS_EXPONENT))
    scores = resid[:, :, None] * x[None, :, :]  # (S, n, p)
    meat = np.einsum("sni,snj->sij", scores, scores)
    for lag in range(1, int(lags) + 1):
        cross = np.einsum("sni,snj->sij", scores[:, lag:], scores[:, :-lag])
        meat += (1.0 - lag / (lags + 1.0)) * (cross + cross.transpose(0, 2, 1))
    cov = xtx_inv[None] @ meat @ xtx_inv[None]
    if autocorrelation["small_sample"]:
        cov *= n / (n - p)
    return beta, cov, converged


def _irls_many(
    link: str, quasi: bool, x: np.ndarray, y: np.ndarray, trials: np.ndarray | None, log_offset: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """IRLS for a log-link Poisson or logit-link binomial GLM of every row of ``y`` (S, n) on the
    shared design ``x`` (n, p), all series in each step at once; a series leaves the iteration
    when no coefficient moves by more than ``IRLS_PARAMS_TOL`` (statsmodels'
    ``tol_criterion="params"``, as :func:`fit_its`). The covariance is the inverse weighted
    cross-product, times the Pearson dispersion for the quasi families.

    The shared design is orthonormalised once (``x = q0 r0``): IRLS runs on ``q0`` and the
    coefficients and covariance are mapped back with ``r0^-1``."""
    q0, r0 = np.linalg.qr(x)
    r0_inv = np.linalg.inv(r0)
    inv, _ = _link_functions(link)
    m = np.ones_like(y) if trials is None else trials
    prop = y / m
    # statsmodels' starting means: (y + mean(y)) / 2 (Poisson), (m y + 1/2) / (m + 1) (binomial)
    mu = (y + y.mean(axis=1, keepdims=True)) / 2 if trials is None else (m * prop + 0.5) / (m + 1)
    eta = np.log(mu) if trials is None else np.log(mu / (1 - mu))
    beta = np.zeros((len(y), x.shape[1]))
    left = np.arange(len(y))  # series still iterating
    a = {"prop": prop, "m": m, "off": log_offset, "eta": eta, "mu": mu, "beta": beta}
    for _ in range(IRLS_MAX_ITER):
        gamma = _weighted_solve(q0, *_working(a, trials is None))
        new_beta = gamma @ r0_inv.T
        done = np.all(np.abs(new_beta - a["beta"]) <= IRLS_PARAMS_TOL, axis=1)
        a["beta"] = new_beta
        a["eta"] = gamma @ q0.T + a["off"]
        a["mu"] = inv(a["eta"])
        if done.any():
            for name, full in (("eta", eta), ("mu", mu), ("beta", beta)):
                full[left[done]] = a[name][done]
            a = {k: v[~done] for k, v in a.items()}
            left = left[~done]
        if not left.size:
            break
    for name, full in (("eta", eta), ("mu", mu), ("beta", beta)):
        full[left] = a[name]  # not converged (reported)
    w, _ = _working({"prop": prop, "m": m, "off": log_offset, "eta": eta, "mu": mu}, trials is None)
    cov = r0_inv @ np.linalg.inv(_weighted_gram(q0, w)) @ r0_inv.T
    if quasi:
        var = mu if trials is None else mu * (1 - mu)
        pearson = np.sum(m * (prop - mu) ** 2 / var, axis=1)
        cov = cov * (pearson / (x.shape[0] - x.shape[1]))[:, None, None]
    converged = np.ones(len(y), dtype=bool)
    converged[left] = False
    return beta, cov, converged


def _working(a: dict[str, np.ndarray], poisson: bool) -> tuple[np.ndarray, np.ndarray]:
    """IRLS weights and working response: Poisson/log link w = mu, z = eta + (y - mu)/mu;
    binomial/logit link w = m mu(1 - mu), z = eta + (y/m - mu)/(mu(1 - mu)); offset removed."""
    mu = a["mu"]
    if poisson:
        return mu, a["eta"] - a["off"] + (a["prop"] - mu) / mu
    v = mu * (1.0 - mu)
    return a["m"] * v, a["eta"] - a["off"] + (a["prop"] - mu) / v


def _weighted_solve(q0: np.ndarray, w: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Weighted least-squares coefficients of each row of ``z`` on the orthonormal design ``q0``
    with weights ``w`` (S, n): normal equations, well conditioned since the columns are orthonormal
    (the condition number is at most max(w) / min(w))."""
    return np.linalg.solve(_weighted_gram(q0, w), ((w * z) @ q0)[:, :, None])[:, :, 0]


def _weighted_gram(q0: np.ndarray, w: np.ndarray) -> np.ndarray:
    """q0' diag(w_s) q0 for every series s, as one matrix product (S, n) x (n, p*p)."""
    p = q0.shape[1]
    outer = (q0[:, :, None] * q0[:, None, :]).reshape(len(q0), p * p)
    return (w @ outer).reshape(len(w), p, p)


def _fit_one_by_one(
    frame: _SeriesTable, members: np.ndarray, start: Any, options: _Options, kwargs: dict[str, Any]
) -> tuple[_Batch | None, list[tuple[tuple[Any, ...], str]]]:
    """Options without a batched estimator: :func:`fit_its` on each member (same tidy output).
    A member :func:`fit_its` refuses (a :class:`PssError`) is skipped with its message; the
    warnings of each fit become messages starting with the series key."""
    rows, design, main_t, _ = _batch_design(frame, members, start, kwargs["interruptions"], options)
    idx = frame.rows_of(members)
    notes: list[str] = []  # fit_its's own warnings, per series
    fitted, betas, covs, skipped, q, df = [], [], [], [], np.nan, np.nan
    for s, key in enumerate(frame.key_tuples(members)):
        one = pd.DataFrame({"__time__": frame.time_values[idx[s]], "__y__": frame.y[idx[s]]})
        for name, values in (("offset", frame.exposure), ("denominator", frame.trials), ("season", frame.season)):
            if values is not None:
                one[kwargs[name] if name != "season" else options.season_column] = values[idx[s]]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = fit_its(one, "__y__", "__time__", start, **kwargs)
            except PssError as exc:
                skipped.append((key, str(exc)))
                continue
        notes += [f"[{', '.join(map(str, key))}] {w.message}" for w in caught if issubclass(w.category, PssWarning)]
        fitted.append(s)
        betas.append(res.coefficients.to_numpy())
        covs.append(res.covariance.to_numpy())
        q, df = res._quantiles["ci"], res.specification["df_resid"]
    if not fitted:
        return None, skipped
    idx = idx[fitted]
    y = frame.y[idx]
    exposure = None if frame.exposure is None else frame.exposure[idx]
    trials = None if frame.trials is None else frame.trials[idx]
    log_offset = np.zeros_like(y) if exposure is None else np.log(exposure)
    keys = frame.keys.iloc[members[fitted]].reset_index(drop=True)
    ok = np.ones(len(fitted), dtype=bool)
    batch = _Batch(
        keys, rows, design, main_t, y, trials, exposure, log_offset, np.array(betas), np.array(covs), df, q, ok
    )
    batch.notes = notes
    return batch, skipped


# --------------------------------------------------------------------------------------------
# Effects and impact of a batch (the formulas of ItsResult.effects / ItsResult.impact, on arrays)
# --------------------------------------------------------------------------------------------


def _quad(g: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """g_s' C_s g_s for each series (g: (S, p) or (p,), C: (S, p, p)), floored at 0."""
    g = np.broadcast_to(g, cov.shape[:2])
    return np.maximum(np.einsum("si,sij,sj->s", g, cov, g), 0.0)


def _with_keys(keys: pd.DataFrame, per_series: int, data: dict[str, Any]) -> pd.DataFrame:
    """The key columns repeated ``per_series`` times (series-major), then ``data``."""
    out = {c: np.repeat(keys[c].to_numpy(), per_series) for c in keys.columns}
    return pd.DataFrame({**out, **data})


def _batch_effects(b: _Batch, spec: dict[str, Any]) -> pd.DataFrame:
    """One row per series and contrast, series-major, as :meth:`ItsResult.effects`."""
    contrasts = b.design.contrasts
    vecs = np.array([c["vector"] for c in contrasts])  # (K, p)
    coef = b.beta @ vecs.T  # (S, K)
    se = np.sqrt(np.column_stack([_quad(v, b.cov) for v in vecs]))
    lo, hi = coef - b.q_ci * se, coef + b.q_ci * se
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, coef / np.where(se > 0, se, 1.0), np.nan)
    if spec["inference"]["p_value"] == "t":
        p = 2.0 * stats.t.sf(np.abs(stat), b.df_resid)
    else:
        p = 2.0 * stats.norm.sf(np.abs(stat))
    identity = spec["link"] == "identity"
    est, lo, hi = (coef, lo, hi) if identity else (np.exp(coef), np.exp(lo), np.exp(hi))
    is_level = np.array([c["is_level"] for c in contrasts])
    scale = np.where(identity, "absolute", np.where(is_level, "exponentiated", "ratio")).astype(object)
    s, k = coef.shape
    frame = _with_keys(
        b.keys,
        k,
        {
            "group": np.tile(np.array([c["group"] for c in contrasts], dtype=object), s),
            "term": np.tile(np.array([c["term"] for c in contrasts], dtype=object), s),
            "interruption": np.tile(np.array([c["interruption"] for c in contrasts], dtype=object), s),
            "coef": coef.ravel(),
            "estimate": est.ravel(),
            "std_error": se.ravel(),
            "estimate_lower": lo.ravel(),
            "estimate_upper": hi.ravel(),
            "p_value": p.ravel(),
            "scale": np.tile(scale, s),
            "time_since": spec["time_since"],
        },
    )
    # an object column, as in ItsResult.effects (pandas would infer a period dtype from time values)
    frame["interruption"] = pd.Series(np.tile([c["interruption"] for c in contrasts], s).tolist(), dtype=object)
    return frame


def _impact_arrays(b: _Batch, link: str, idx: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    """Fitted, counterfactual and their difference and ratio with limits, per series, summed
    over the rows ``idx`` with weights ``w`` (S, len(idx)) (``ItsResult._impact_one``)."""
    inv, dmu = _link_functions(link)
    xf, xc, off = b.design.x[idx], b.design.x_cf[idx], b.log_offset[:, idx]
    eta_f, eta_c = b.beta @ xf.T + off, b.beta @ xc.T + off
    g_f, g_c = (w * dmu(eta_f)) @ xf, (w * dmu(eta_c)) @ xc
    a, c = np.sum(w * inv(eta_f), axis=1), np.sum(w * inv(eta_c), axis=1)
    diff, q = a - c, b.q_ci
    se_d = np.sqrt(_quad(g_f - g_c, b.cov))
    positive = (a > 0) & (c > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(a) - np.log(c)
        se_l = np.sqrt(_quad(g_f / a[:, None] - g_c / c[:, None], b.cov))
        rel_r = a / c - 1.0
        se_r = np.sqrt(_quad(g_f / c[:, None] - (a / c**2)[:, None] * g_c, b.cov))
    return {
        "fitted": a,
        "counterfactual": c,
        "absolute_effect": diff,
        "absolute_effect_lower": diff - q * se_d,
        "absolute_effect_upper": diff + q * se_d,
        "relative_effect": np.where(positive, np.expm1(log_ratio), rel_r),
        "relative_effect_lower": np.where(positive, np.expm1(log_ratio - q * se_l), rel_r - q * se_r),
        "relative_effect_upper": np.where(positive, np.expm1(log_ratio + q * se_l), rel_r + q * se_r),
        "_se_d": se_d,
    }


def _batch_impact(b: _Batch, spec: dict[str, Any], at: Sequence[int] | int, per: float) -> pd.DataFrame:
    """One row per series and horizon, plus a cumulative row (``ItsResult.impact``)."""
    post = np.flatnonzero(b.rows["t"] >= b.interruption_t)
    hs = _impact_horizons(at, len(post))
    trials = b.trials
    unit = "proportion" if trials is not None else ("count" if FAMILIES[spec["family"]].counts else "outcome units")
    s = len(b.keys)
    parts = []
    for h in [*hs, None]:
        idx = post if h is None else post[[h - 1]]
        w = trials[:, idx] if (trials is not None and h is None) else np.ones((s, len(idx)))
        rec = _impact_arrays(b, spec["link"], idx, w)
        observed = b.y[:, idx] / trials[:, idx] if (trials is not None and h is not None) else b.y[:, idx]
        rec.update(
            {
                "horizon": np.full(s, h, dtype=object),
                "cumulative": np.full(s, h is None),
                "t": np.full(s, None if h is None else int(b.rows["t"][idx[0]]), dtype=object),
                "n_periods": np.full(s, len(idx), dtype=np.int64),
                "observed": observed.sum(axis=1),
                "units": np.full(s, "successes" if (trials is not None and h is None) else unit, dtype=object),
            }
        )
        if b.exposure is not None:
            rec.update(_impact_rates(rec, b.exposure[:, idx].sum(axis=1), b.q_ci, per))
        parts.append(rec)
    cols = _IMPACT_COLUMNS + (_IMPACT_OFFSET_COLUMNS if b.exposure is not None else [])
    data = {c: np.stack([p[c] for p in parts], axis=1).ravel() for c in cols if c != "time"}  # series-major
    frame = _with_keys(b.keys, len(parts), data)
    # the time of each part, typed as ItsResult.impact types it, repeated for every series
    times = pd.Series(np.array([None if h is None else b.rows["time"][post[h - 1]] for h in [*hs, None]], dtype=object))
    frame.insert(len(b.keys.columns) + 2, "time", times.take(np.tile(np.arange(len(parts)), s)).reset_index(drop=True))
    for c in ("horizon", "t"):
        frame[c] = pd.array(list(frame[c]), dtype="Int64")
    frame["cumulative"] = frame["cumulative"].astype(bool)
    for c in cols:
        if c not in ("time", "units", "horizon", "t", "cumulative", "n_periods"):
            frame[c] = frame[c].astype(float)
    return frame


def _impact_rates(rec: dict[str, np.ndarray], exposure: np.ndarray, q: float, per: float) -> dict[str, np.ndarray]:
    """The offset-rate columns: expected events per ``per`` units of the summed offset."""
    k = per / exposure
    diff, se_d = rec["absolute_effect"], rec["_se_d"]
    return {
        "offset": exposure,
        "fitted_rate": rec["fitted"] * k,
        "counterfactual_rate": rec["counterfactual"] * k,
        "rate_difference": diff * k,
        "rate_difference_lower": (diff - q * se_d) * k,
        "rate_difference_upper": (diff + q * se_d) * k,
    }


# --------------------------------------------------------------------------------------------
# Specification and tables
# --------------------------------------------------------------------------------------------


def _convergence_messages(batches: list[_Batch], by: tuple[str, ...]) -> list[str]:
    out = []
    for b in batches:
        for key in b.keys.loc[~b.converged].itertuples(index=False, name=None):
            out.append(f"[{', '.join(map(str, key))}] the model fit did not converge in {IRLS_MAX_ITER} iterations")
    return out


def _many_specification(
    options: _Options,
    frame: _SeriesTable,
    batches: list[_Batch],
    skipped: list[Any],
    outcome: str,
    start: Any,
    offset: str | None,
    denominator: str | None,
    batched: bool,
) -> dict[str, Any]:
    fam = options.family
    return {
        "family": fam.name,
        "family_description": fam.description,
        "link": fam.link,
        "y": outcome,
        "time": frame.time,
        "by": list(frame.by),
        "offset": offset,
        "denominator": denominator,
        "seasonality": options.seasonality,
        "autocorrelation": options.autocorrelation,
        "time_since": options.time_since,
        "slope_change": options.slope_change,
        "interruption": start,
        "phase_in": options.phase_in,
        "alpha": options.alpha,
        "inference": _inference(options),
        "terms": list(batches[0].design.names) if batches else [],
        "n_series": int(sum(len(b.keys) for b in batches)),
        "n_skipped": len(skipped),
        "estimation": "batched" if batched else "one fit per series",
    }


def _coefficient_frame(batches: list[_Batch], by: tuple[str, ...]) -> pd.DataFrame:
    if not batches:
        return pd.DataFrame()
    frames = []
    for b in batches:
        index = pd.MultiIndex.from_frame(b.keys) if len(by) > 1 else pd.Index(b.keys[by[0]], name=by[0])
        frames.append(pd.DataFrame(b.beta, index=index, columns=b.design.names))
    return pd.concat(frames)
